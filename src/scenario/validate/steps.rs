//! Transactions and their steps: the step keys (exactly one operation per step, and the keys
//! each operation takes), compiling nested `if`/`while` blocks into a flat program whose steps
//! name their successors, locals and their slots, and definite assignment (a local read on a
//! path where nothing has assigned it is an error).

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::objects::{Object, Objects};
use super::{Names, Result, Validator};
use crate::scenario::expr::{Name, Var, call_kind};
use crate::scenario::raw::{RawStep, RawSteps, RawTransaction};
use crate::scenario::{Code, Op, Step, ThreadId, Transaction};

/// The operation keys of a step; exactly one must be present. The one list that the presence
/// check, the messages and the compiler use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKey {
    Read,
    Write,
    Set,
    AtomicAdd,
    Lock,
    Unlock,
    TryLock,
    Acquire,
    Release,
    TryAcquire,
    Signal,
    Clear,
    Wait,
    Notify,
    NotifyAll,
    Put,
    Get,
    Join,
    Await,
    Assert,
    Cas,
    If,
    While,
    Require,
    Sleep,
    Log,
}

impl OpKey {
    const ALL: [OpKey; 26] = [
        OpKey::Read,
        OpKey::Write,
        OpKey::Set,
        OpKey::AtomicAdd,
        OpKey::Lock,
        OpKey::Unlock,
        OpKey::TryLock,
        OpKey::Acquire,
        OpKey::Release,
        OpKey::TryAcquire,
        OpKey::Signal,
        OpKey::Clear,
        OpKey::Wait,
        OpKey::Notify,
        OpKey::NotifyAll,
        OpKey::Put,
        OpKey::Get,
        OpKey::Join,
        OpKey::Await,
        OpKey::Assert,
        OpKey::Cas,
        OpKey::If,
        OpKey::While,
        OpKey::Require,
        OpKey::Sleep,
        OpKey::Log,
    ];

    fn name(self) -> &'static str {
        match self {
            OpKey::Read => "read",
            OpKey::Write => "write",
            OpKey::Set => "set",
            OpKey::AtomicAdd => "atomic_add",
            OpKey::Lock => "lock",
            OpKey::Unlock => "unlock",
            OpKey::TryLock => "try_lock",
            OpKey::Acquire => "acquire",
            OpKey::Release => "release",
            OpKey::TryAcquire => "try_acquire",
            OpKey::Signal => "signal",
            OpKey::Clear => "clear",
            OpKey::Wait => "wait",
            OpKey::Notify => "notify",
            OpKey::NotifyAll => "notify_all",
            OpKey::Put => "put",
            OpKey::Get => "get",
            OpKey::Join => "join",
            OpKey::Await => "await",
            OpKey::Assert => "assert",
            OpKey::Cas => "cas",
            OpKey::If => "if",
            OpKey::While => "while",
            OpKey::Require => "require",
            OpKey::Sleep => "sleep",
            OpKey::Log => "log",
        }
    }

    /// Whether the step gives this key, and where.
    fn span_in(self, s: &RawStep) -> Option<Range<usize>> {
        let text = |v: &Option<Spanned<String>>| v.as_ref().map(Spanned::span);
        match self {
            OpKey::Read => text(&s.read),
            OpKey::Write => text(&s.write),
            OpKey::Set => text(&s.set),
            OpKey::AtomicAdd => text(&s.atomic_add),
            OpKey::Lock => text(&s.lock),
            OpKey::Unlock => text(&s.unlock),
            OpKey::TryLock => text(&s.try_lock),
            OpKey::Acquire => text(&s.acquire),
            OpKey::Release => text(&s.release),
            OpKey::TryAcquire => text(&s.try_acquire),
            OpKey::Signal => text(&s.signal),
            OpKey::Clear => text(&s.clear),
            OpKey::Wait => text(&s.wait),
            OpKey::Notify => text(&s.notify),
            OpKey::NotifyAll => text(&s.notify_all),
            OpKey::Put => text(&s.put),
            OpKey::Get => text(&s.get),
            OpKey::Join => text(&s.join),
            OpKey::Await => text(&s.await_),
            OpKey::Assert => text(&s.assert),
            OpKey::Cas => text(&s.cas),
            OpKey::If => text(&s.if_),
            OpKey::While => text(&s.while_),
            OpKey::Require => text(&s.require),
            OpKey::Sleep => s.sleep.as_ref().map(Spanned::span),
            OpKey::Log => text(&s.log),
        }
    }

    /// "read, write, ..." for messages.
    fn list() -> String {
        OpKey::ALL.map(OpKey::name).join(", ")
    }

    /// The keys besides the operation that the step takes: (key, required).
    fn extra_keys(self) -> &'static [(Extra, bool)] {
        match self {
            OpKey::Read | OpKey::TryLock | OpKey::TryAcquire | OpKey::Get => &[(Extra::Into, true)],
            OpKey::Write | OpKey::Set | OpKey::AtomicAdd | OpKey::Put => &[(Extra::Value, true)],
            OpKey::Cas => &[(Extra::Expect, true), (Extra::Value, true), (Extra::Into, true)],
            OpKey::Assert => &[(Extra::Message, false)],
            OpKey::If => &[(Extra::Then, true), (Extra::Else, false)],
            OpKey::While => &[(Extra::Steps, true)],
            _ => &[],
        }
    }
}

/// The keys of a step that are not operations (`delay` goes with every operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    Into,
    Value,
    Expect,
    Message,
    Then,
    Else,
    Steps,
}

impl Extra {
    const ALL: [Extra; 7] = [
        Extra::Into,
        Extra::Value,
        Extra::Expect,
        Extra::Message,
        Extra::Then,
        Extra::Else,
        Extra::Steps,
    ];

    fn name(self) -> &'static str {
        match self {
            Extra::Into => "into",
            Extra::Value => "value",
            Extra::Expect => "expect",
            Extra::Message => "message",
            Extra::Then => "then",
            Extra::Else => "else",
            Extra::Steps => "steps",
        }
    }

    fn span_in(self, s: &RawStep) -> Option<Range<usize>> {
        match self {
            Extra::Into => s.into.as_ref().map(Spanned::span),
            Extra::Value => s.value.as_ref().map(Spanned::span),
            Extra::Expect => s.expect.as_ref().map(Spanned::span),
            Extra::Message => s.message.as_ref().map(Spanned::span),
            Extra::Then => s.then.as_ref().map(Spanned::span),
            Extra::Else => s.else_.as_ref().map(Spanned::span),
            Extra::Steps => s.steps.as_ref().map(Spanned::span),
        }
    }

    /// An example of the key, for messages.
    fn example(self) -> &'static str {
        match self {
            Extra::Into => "into = \"LOCAL\"",
            Extra::Value => "value = \"EXPR\"",
            Extra::Expect => "expect = \"EXPR\"",
            Extra::Message => "message = \"TEXT\"",
            Extra::Then => "then = [STEPS]",
            Extra::Else => "else = [STEPS]",
            Extra::Steps => "steps = [STEPS]",
        }
    }
}

/// The deepest nesting of `if` and `while` blocks accepted: far beyond any hand-written
/// scenario, far below any stack's limit.
const MAX_NESTING: usize = 64;

/// Everything a step of one transaction may name.
pub(super) struct Scope<'a> {
    pub accounts: &'a Names,
    pub objects: &'a Objects,
    pub queues: &'a Names,
    pub events: &'a Names,
    pub transactions: &'a Names,
    /// The transaction being compiled (it may not join itself).
    pub me: ThreadId,
}

/// A place in the program that is not known yet when a step naming it is emitted.
type Label = usize;

#[derive(Clone, Copy)]
enum Bound {
    Pc(u32),
    Same(Label),
}

/// Locals by slot, one bit each.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn get(&self, i: u16) -> bool {
        self.0[usize::from(i) / 64] >> (i % 64) & 1 == 1
    }
    fn set(&mut self, i: u16) {
        self.0[usize::from(i) / 64] |= 1 << (i % 64);
    }
    fn and(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }
    fn or(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }
}

/// Compiles one transaction's nested steps into a flat program, checking definite assignment
/// on the way: `must` holds the locals assigned on every path to the step being compiled,
/// `may` those assigned on some path (steps are compiled in the order of the text, and blocks
/// join their paths: the two branches of an `if`; a `while`'s body may run zero times).
struct Compiler<'v, 's> {
    v: &'v Validator<'v>,
    scope: &'s Scope<'s>,
    locals: &'s Locals,
    steps: Vec<(Op, u64, Label, Label)>,
    labels: Vec<Option<Bound>>,
    must: Bits,
    may: Bits,
}

impl<'s> Compiler<'_, 's> {
    fn label(&mut self) -> Label {
        self.labels.push(None);
        self.labels.len() - 1
    }

    fn bind(&mut self, label: Label, to: Bound) {
        self.labels[label] = Some(to);
    }

    fn here(&self) -> Bound {
        Bound::Pc(self.steps.len() as u32)
    }

    fn emit(&mut self, op: Op, delay: u64, next: Label, alt: Label) {
        if let Some(x) = op.assigns() {
            self.must.set(x);
            self.may.set(x);
        }
        self.steps.push((op, delay, next, alt));
    }

    /// Compiles `raw` so that it goes on at `cont` when it ends; returns its entry.
    fn block(&mut self, raw: &'s [Spanned<RawStep>], cont: Label, depth: usize) -> Result<Label> {
        let entry = self.label();
        if raw.is_empty() {
            self.bind(entry, Bound::Same(cont));
            return Ok(entry);
        }
        let here = self.here();
        self.bind(entry, here);
        for (i, step) in raw.iter().enumerate() {
            let after = if i + 1 == raw.len() { cont } else { self.label() };
            self.step(step, after, depth)?;
            if i + 1 < raw.len() {
                let here = self.here();
                self.bind(after, here);
            }
        }
        Ok(entry)
    }

    fn step(&mut self, spanned: &'s Spanned<RawStep>, after: Label, depth: usize) -> Result<()> {
        let v = self.v;
        let s = spanned.get_ref();
        let span = spanned.span();
        let key = v.op_key(s, &span)?;
        let delay = match &s.delay {
            Some(d) => v.non_negative(d, "`delay`")?,
            None => 0,
        };
        // The keys that go with the operation: present where required, absent where not.
        for extra in Extra::ALL {
            let wanted = key.extra_keys().iter().find(|(e, _)| *e == extra);
            match (wanted, extra.span_in(s)) {
                (None, Some(at)) => {
                    return Err(v.err_help(
                        at,
                        format!("`{}` does not apply to `{}`", extra.name(), key.name()),
                        Some(extra_help(extra)),
                    ));
                }
                (Some((_, true)), None) => {
                    return Err(v.err(
                        span.clone(),
                        format!("`{}` needs `{}`", key.name(), extra.example()),
                    ));
                }
                _ => {}
            }
        }
        let text = |v: &'s Option<Spanned<String>>| {
            v.as_ref()
                .ok_or_else(|| self.v.err(span.clone(), "internal error: a step key vanished"))
        };
        let into = |c: &Self| -> Result<u16> {
            let x = s
                .into
                .as_ref()
                .ok_or_else(|| c.v.err(span.clone(), "`into` is missing"))?;
            c.local(x)
        };
        let expr = |c: &Self, t: &'s Spanned<String>| c.expr(t);
        match key {
            OpKey::If => {
                if depth >= MAX_NESTING {
                    return Err(v.err(
                        span.clone(),
                        format!("steps nest too deeply (more than {MAX_NESTING} levels of if and while)"),
                    ));
                }
                let cond = text(&s.if_)?;
                let (then, otherwise) = (self.label(), self.label());
                let code = expr(self, cond)?;
                self.emit(Op::If(code), delay, then, otherwise);
                let then_raw = s.then.as_ref().map_or(&[][..], |b| b.get_ref().as_slice());
                let else_raw = s.else_.as_ref().map_or(&[][..], |b| b.get_ref().as_slice());
                let (must, may) = (self.must.clone(), self.may.clone());
                let t = self.block(then_raw, after, depth + 1)?;
                self.bind(then, Bound::Same(t));
                let (then_must, then_may) = (
                    std::mem::replace(&mut self.must, must),
                    std::mem::replace(&mut self.may, may),
                );
                let e = self.block(else_raw, after, depth + 1)?;
                self.bind(otherwise, Bound::Same(e));
                // After the `if`: what both branches assign, and what either may.
                self.must.and(&then_must);
                self.may.or(&then_may);
                return Ok(());
            }
            OpKey::While => {
                if depth >= MAX_NESTING {
                    return Err(v.err(
                        span.clone(),
                        format!("steps nest too deeply (more than {MAX_NESTING} levels of if and while)"),
                    ));
                }
                let cond = text(&s.while_)?;
                let (body, back) = (self.label(), self.label());
                let here = self.here();
                self.bind(back, here);
                let code = expr(self, cond)?;
                self.emit(Op::While(code), delay, body, after);
                let body_raw = s.steps.as_ref().map_or(&[][..], |b| b.get_ref().as_slice());
                let must = self.must.clone();
                let b = self.block(body_raw, back, depth + 1)?;
                self.bind(body, Bound::Same(b));
                // The body may run zero times: after the loop only what held before it is
                // assigned for sure.
                self.must = must;
                return Ok(());
            }
            OpKey::Wait => {
                let name = text(&s.wait)?;
                match self.object(name, key)? {
                    Object::Event(e) => self.emit(Op::WaitEvent(e), delay, after, after),
                    Object::Barrier(b) => self.emit(Op::WaitBarrier(b), delay, after, after),
                    Object::Condition(c) => {
                        // The wait, then the generated reacquire (no delay of its own).
                        let reacquire = self.label();
                        self.emit(Op::WaitCondition(c), delay, reacquire, reacquire);
                        let here = self.here();
                        self.bind(reacquire, here);
                        self.emit(Op::Reacquire(c), 0, after, after);
                    }
                    other => return Err(self.wrong_kind(name, key, other)),
                }
                return Ok(());
            }
            _ => {}
        }
        let op = match key {
            OpKey::Read => Op::Read {
                account: v.resolve(text(&s.read)?, self.scope.accounts)?,
                into: into(self)?,
            },
            OpKey::Write => {
                let value = text(&s.value)?;
                Op::Write {
                    account: v.resolve(text(&s.write)?, self.scope.accounts)?,
                    value: expr(self, value)?,
                }
            }
            OpKey::AtomicAdd => {
                let value = text(&s.value)?;
                Op::AtomicAdd {
                    account: v.resolve(text(&s.atomic_add)?, self.scope.accounts)?,
                    value: expr(self, value)?,
                }
            }
            OpKey::Set => {
                let x = text(&s.set)?;
                let value = text(&s.value)?;
                let code = expr(self, value)?;
                Op::Set {
                    local: self.local(x)?,
                    value: code,
                }
            }
            OpKey::Lock => Op::Lock(self.lock(text(&s.lock)?, key)?),
            OpKey::Unlock => Op::Unlock(self.lock(text(&s.unlock)?, key)?),
            OpKey::TryLock => Op::TryLock {
                lock: self.lock(text(&s.try_lock)?, key)?,
                into: into(self)?,
            },
            OpKey::Acquire => Op::Acquire(self.semaphore(text(&s.acquire)?, key)?),
            OpKey::Release => Op::Release(self.semaphore(text(&s.release)?, key)?),
            OpKey::TryAcquire => Op::TryAcquire {
                semaphore: self.semaphore(text(&s.try_acquire)?, key)?,
                into: into(self)?,
            },
            OpKey::Signal => Op::Signal(self.event(text(&s.signal)?, key)?),
            OpKey::Clear => Op::Clear(self.event(text(&s.clear)?, key)?),
            OpKey::Notify => Op::Notify(self.condition(text(&s.notify)?, key)?),
            OpKey::NotifyAll => Op::NotifyAll(self.condition(text(&s.notify_all)?, key)?),
            OpKey::Put => {
                let value = text(&s.value)?;
                Op::Put {
                    queue: self.queue(text(&s.put)?, key)?,
                    value: expr(self, value)?,
                }
            }
            OpKey::Get => Op::Get {
                queue: self.queue(text(&s.get)?, key)?,
                into: into(self)?,
            },
            OpKey::Join => Op::Join(self.join(text(&s.join)?)?),
            OpKey::Await => {
                let guard = text(&s.await_)?;
                Op::Await(expr(self, guard)?)
            }
            OpKey::Assert => {
                let condition = text(&s.assert)?;
                Op::Assert {
                    condition: expr(self, condition)?,
                    message: s.message.as_ref().map(|m| m.get_ref().clone()),
                }
            }
            OpKey::Cas => {
                let (expect, value) = (text(&s.expect)?, text(&s.value)?);
                Op::Cas {
                    account: v.resolve(text(&s.cas)?, self.scope.accounts)?,
                    expect: expr(self, expect)?,
                    value: expr(self, value)?,
                    into: into(self)?,
                }
            }
            OpKey::Require => {
                let cond = text(&s.require)?;
                Op::Require(expr(self, cond)?)
            }
            OpKey::Sleep => Op::Sleep(
                v.non_negative(
                    s.sleep
                        .as_ref()
                        .ok_or_else(|| v.err(span.clone(), "internal error"))?,
                    "`sleep`",
                )?,
            ),
            OpKey::Log => Op::Log(text(&s.log)?.get_ref().clone()),
            OpKey::If | OpKey::While | OpKey::Wait => unreachable!("compiled above"),
        };
        self.emit(op, delay, after, after);
        Ok(())
    }

    fn local(&self, name: &Spanned<String>) -> Result<u16> {
        self.v.name(name, "local")?;
        self.locals.slot(name.get_ref()).ok_or_else(|| {
            self.v
                .err(name.span(), "internal error: a local was not collected")
        })
    }

    /// Compiles an expression of a step: a name is a local of the thread if some step assigns
    /// it, else an account; `len(q)` and `is_set(e)` read a queue and an event.
    ///
    /// A local must be definitely assigned here (see [`Compiler`]); the error points at it.
    fn expr(&self, text: &Spanned<String>) -> Result<Code> {
        let scope = self.scope;
        let locals = self.locals;
        self.v.expr(text, &mut |name| match name {
            Name::Plain(n) => {
                if let Some(slot) = locals.slot(n) {
                    if self.must.get(slot) {
                        return Ok(Var::Local(slot));
                    }
                    let help = Some(
                        "a local is assigned by `read ... into` or `set` (and by try_lock, try_acquire, get and cas)"
                            .to_string(),
                    );
                    return Err(if self.may.get(slot) {
                        (
                            format!(
                                "local `{n}` may be used before it is assigned: some path to this step assigns it, another does not"
                            ),
                            help,
                        )
                    } else {
                        (format!("local `{n}` is used before any step assigns it"), help)
                    });
                }
                if let Some(a) = scope.accounts.get(n) {
                    return Ok(Var::Account(a as u32));
                }
                let mut known: Vec<String> = locals.names.clone();
                known.extend(scope.accounts.list.iter().cloned());
                let help = super::suggestion(n, &known, "local or account")
                    .or(Some("a local is assigned by `read ... into` or `set`".into()));
                Err((format!("local `{n}` is used before any step assigns it"), help))
            }
            Name::Call { function, argument } => call(scope, function, argument),
        })
    }

    fn object(&self, name: &Spanned<String>, key: OpKey) -> Result<Object> {
        let objects = self.scope.objects;
        objects.get(name.get_ref()).ok_or_else(|| {
            let (what, declare) = target_kind(key);
            if self.scope.accounts.get(name.get_ref()).is_some() {
                return self.v.err_help(
                    name.span(),
                    format!("`{}` is an account; `{}` takes {}", name.get_ref(), key.name(), article(what)),
                    Some(format!(
                        "an account takes read, write, atomic_add and cas; {} is declared at the top level, under a name of its own",
                        article(what)
                    )),
                );
            }
            let typo = objects
                .suggestion(name.get_ref())
                .filter(|h| h.starts_with("did you mean"));
            let help = typo.unwrap_or_else(|| {
                let how = format!(
                    "declare it at the top level, before any table: {}",
                    declare(name.get_ref())
                );
                let known = objects.names_of_kind(what);
                if known.is_empty() {
                    how
                } else {
                    format!("known {what} names: {}; or {how}", known.join(", "))
                }
            });
            self.v.err_help(
                name.span(),
                format!("unknown {what} `{}`", name.get_ref()),
                Some(help),
            )
        })
    }

    fn wrong_kind(
        &self,
        name: &Spanned<String>,
        key: OpKey,
        is: Object,
    ) -> Box<crate::scenario::ScenarioError> {
        let (what, _) = target_kind(key);
        self.v.err_help(
            name.span(),
            format!(
                "`{}` is {}; `{}` takes {}",
                name.get_ref(),
                self.scope.objects.kind(is),
                key.name(),
                article(what)
            ),
            Some(steps_for(is)),
        )
    }

    fn lock(&self, name: &Spanned<String>, key: OpKey) -> Result<usize> {
        match self.object(name, key)? {
            Object::Lock(l) => Ok(l),
            other => Err(self.wrong_kind(name, key, other)),
        }
    }

    fn semaphore(&self, name: &Spanned<String>, key: OpKey) -> Result<usize> {
        match self.object(name, key)? {
            Object::Semaphore(s) => Ok(s),
            other => Err(self.wrong_kind(name, key, other)),
        }
    }

    fn event(&self, name: &Spanned<String>, key: OpKey) -> Result<usize> {
        match self.object(name, key)? {
            Object::Event(e) => Ok(e),
            other => Err(self.wrong_kind(name, key, other)),
        }
    }

    fn condition(&self, name: &Spanned<String>, key: OpKey) -> Result<usize> {
        match self.object(name, key)? {
            Object::Condition(c) => Ok(c),
            other => Err(self.wrong_kind(name, key, other)),
        }
    }

    fn queue(&self, name: &Spanned<String>, key: OpKey) -> Result<usize> {
        match self.object(name, key)? {
            Object::Queue(q) => Ok(q),
            other => Err(self.wrong_kind(name, key, other)),
        }
    }

    fn join(&self, name: &Spanned<String>) -> Result<ThreadId> {
        let t = self.v.resolve(name, self.scope.transactions)?;
        if t == self.scope.me {
            return Err(self.v.err_help(
                name.span(),
                format!("transaction `{}` cannot join itself", name.get_ref()),
                Some("join waits for another transaction to finish".into()),
            ));
        }
        Ok(t)
    }

    /// The flat program: labels resolved to step indices (`steps.len()` ends the body).
    fn finish(self) -> Vec<Step> {
        let end = self.steps.len() as u32;
        let resolve = |mut label: Label| -> u32 {
            // Aliases chain at most as deep as the nesting; a missing binding is the body's end.
            loop {
                match self.labels[label] {
                    Some(Bound::Pc(pc)) => return pc,
                    Some(Bound::Same(other)) => label = other,
                    None => return end,
                }
            }
        };
        self.steps
            .iter()
            .map(|(op, delay, next, alt)| Step {
                op: op.clone(),
                delay: *delay,
                next: resolve(*next),
                alt: resolve(*alt),
            })
            .collect()
    }
}

/// What a step key's target is ("lock", "semaphore", ...) and how to declare one.
fn target_kind(key: OpKey) -> (&'static str, fn(&str) -> String) {
    match key {
        OpKey::Lock | OpKey::Unlock | OpKey::TryLock => ("lock", |n| format!("locks = [\"{n}\"]")),
        OpKey::Acquire | OpKey::Release | OpKey::TryAcquire => ("semaphore", |n| {
            format!("semaphores = [{{ name = \"{n}\", value = 1 }}]")
        }),
        OpKey::Signal | OpKey::Clear => ("event", |n| format!("events = [\"{n}\"]")),
        OpKey::Notify | OpKey::NotifyAll => ("condition", |n| {
            format!("conditions = [{{ name = \"{n}\", lock = \"m\" }}]")
        }),
        OpKey::Put | OpKey::Get => ("queue", |n| format!("queues = [{{ name = \"{n}\" }}]")),
        _ => ("event, condition or barrier", |n| {
            format!("events = [\"{n}\"], or a condition or a barrier named `{n}`")
        }),
    }
}

fn article(what: &str) -> String {
    if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {what}")
    } else {
        format!("a {what}")
    }
}

/// The steps that take an object of this kind, for hints.
fn steps_for(object: Object) -> String {
    match object {
        Object::Lock(_) => "a lock takes lock, unlock and try_lock",
        Object::Semaphore(_) => "a semaphore takes acquire, release and try_acquire",
        Object::Event(_) => "an event takes signal, clear and wait",
        Object::Condition(_) => "a condition takes wait, notify and notify_all (holding its lock)",
        Object::Barrier(_) => "a barrier takes wait",
        Object::Queue(_) => "a queue takes put and get",
    }
    .into()
}

fn extra_help(extra: Extra) -> String {
    match extra {
        Extra::Into => "`into` goes with read, try_lock, try_acquire, get and cas",
        Extra::Value => "`value` goes with write, set, atomic_add, put and cas",
        Extra::Expect => "`expect` goes with cas",
        Extra::Message => "`message` goes with assert",
        Extra::Then | Extra::Else => "`then` and `else` go with if",
        Extra::Steps => "`steps` goes with while (and with a transaction)",
    }
    .into()
}

/// Resolves `len(q)` and `is_set(e)`.
pub(super) fn call(
    scope: &Scope,
    function: &str,
    argument: &str,
) -> std::result::Result<Var, (String, Option<String>)> {
    let (names, var): (&Names, fn(u32) -> Var) = if function == "len" {
        (scope.queues, Var::Len)
    } else {
        (scope.events, Var::IsSet)
    };
    if let Some(i) = names.get(argument) {
        return Ok(var(i as u32));
    }
    let what = call_kind(function);
    let message = match scope.objects.get(argument) {
        Some(other) => format!(
            "`{function}` takes {}, and `{argument}` is {}",
            article(what),
            scope.objects.kind(other)
        ),
        None if scope.accounts.get(argument).is_some() => {
            format!(
                "`{function}` takes {}, and `{argument}` is an account",
                article(what)
            )
        }
        None => format!("unknown {what} `{argument}`"),
    };
    Err((message, names.suggestion(argument)))
}

impl Validator<'_> {
    /// The one operation key of a step.
    fn op_key(&self, s: &RawStep, span: &Range<usize>) -> Result<OpKey> {
        let present: Vec<OpKey> = OpKey::ALL
            .into_iter()
            .filter(|k| k.span_in(s).is_some())
            .collect();
        match present.as_slice() {
            [one] => Ok(*one),
            [] => Err(self.err_help(
                span.clone(),
                "step has no operation",
                Some(format!("give exactly one of: {}", OpKey::list())),
            )),
            many => Err(self.err_help(
                span.clone(),
                format!(
                    "step has {} operations (`{}`); a step is exactly one",
                    many.len(),
                    many.iter().map(|k| k.name()).collect::<Vec<_>>().join("`, `")
                ),
                Some("split it into one step per operation".into()),
            )),
        }
    }

    pub(super) fn transaction(
        &self,
        spanned: &Spanned<RawTransaction>,
        scope: &Scope,
    ) -> Result<Transaction> {
        let t = spanned.get_ref();
        let name = t.name.get_ref().clone();
        let repeat = match &t.repeat {
            Some(r) => u32::try_from(self.positive(r, "`repeat`")?)
                .map_err(|_| self.err(r.span(), "`repeat` is too large"))?,
            None => 1,
        };
        let (steps, locals) = match (&t.kind, &t.steps) {
            (Some(kind), None) => {
                let mut locals = Locals::default();
                let ops = self.expand_kind(t, kind, scope.accounts, &mut locals)?;
                let n = ops.len() as u32;
                let steps = ops
                    .into_iter()
                    .enumerate()
                    .map(|(pc, (op, delay))| Step {
                        op,
                        delay,
                        next: (pc as u32 + 1).min(n),
                        alt: (pc as u32 + 1).min(n),
                    })
                    .collect();
                (steps, locals)
            }
            (None, Some(steps)) => {
                for (key, present) in [
                    (
                        "kind-specific key `account`",
                        t.account.as_ref().map(Spanned::span),
                    ),
                    ("kind-specific key `from`", t.from.as_ref().map(Spanned::span)),
                    ("kind-specific key `to`", t.to.as_ref().map(Spanned::span)),
                    ("kind-specific key `amount`", t.amount.as_ref().map(Spanned::span)),
                    ("kind-specific key `delay`", t.delay.as_ref().map(Spanned::span)),
                ] {
                    if let Some(span) = present {
                        return Err(self.err_help(
                            span,
                            format!("{key} needs `kind`"),
                            Some("give `kind = \"update\"` or `\"transfer\"`, or put delays on steps".into()),
                        ));
                    }
                }
                if steps.get_ref().is_empty() {
                    return Err(self.err(steps.span(), format!("transaction `{name}` has no steps")));
                }
                let locals = self.collect_locals(steps)?;
                let mut c = Compiler {
                    v: self,
                    scope,
                    locals: &locals,
                    steps: Vec::new(),
                    labels: Vec::new(),
                    must: Bits::new(locals.names.len()),
                    may: Bits::new(locals.names.len()),
                };
                // The body's end: left unbound, it resolves to `steps.len()`.
                let end = c.label();
                c.block(steps.get_ref(), end, 0)?;
                (c.finish(), locals)
            }
            (Some(kind), Some(steps)) => {
                return Err(self.err_help(
                    steps.span(),
                    format!("transaction `{name}` has both `kind` and `steps`"),
                    Some(format!(
                        "remove `steps`, or remove `kind = \"{}\"`",
                        kind.get_ref()
                    )),
                ));
            }
            (None, None) => {
                return Err(self.err_help(
                    t.name.span(),
                    format!("transaction `{name}` has neither `kind` nor `steps`"),
                    Some("give `kind = \"update\"` (or \"transfer\") or a list of `steps`".into()),
                ));
            }
        };
        let mut tx = Transaction {
            name,
            steps,
            repeat,
            locals: locals.names,
            live: Vec::new(),
        };
        tx.live = crate::scenario::liveness::live_locals(&tx);
        Ok(tx)
    }

    /// The locals of a transaction: every name that a step assigns (`into`, `set`), in the order
    /// they first appear in the text. Names are checked here.
    fn collect_locals(&self, steps: &RawSteps) -> Result<Locals> {
        fn walk(v: &Validator, steps: &[Spanned<RawStep>], locals: &mut Locals, depth: usize) -> Result<()> {
            if depth > MAX_NESTING {
                // The compiler reports it at the step.
                return Ok(());
            }
            for s in steps {
                let s = s.get_ref();
                for name in [&s.into, &s.set].into_iter().flatten() {
                    v.assign_local(name, locals)?;
                }
                for block in [&s.then, &s.else_, &s.steps].into_iter().flatten() {
                    walk(v, block.get_ref(), locals, depth + 1)?;
                }
            }
            Ok(())
        }
        let mut locals = Locals::default();
        walk(self, steps.get_ref(), &mut locals, 0)?;
        Ok(locals)
    }

    /// Checks a local's name and gives it a slot (slots are u16, like expression variables).
    pub(super) fn assign_local(&self, name: &Spanned<String>, locals: &mut Locals) -> Result<u16> {
        self.name(name, "local")?;
        if locals.slot(name.get_ref()).is_none() && locals.names.len() > usize::from(u16::MAX) {
            return Err(self.err(
                name.span(),
                format!(
                    "too many locals in one transaction (at most {})",
                    usize::from(u16::MAX) + 1
                ),
            ));
        }
        Ok(locals.assign(name.get_ref()))
    }
}

/// The locals of one transaction, in order of first assignment.
#[derive(Default)]
pub(super) struct Locals {
    pub(super) names: Vec<String>,
    slots: HashMap<String, u16>,
}

impl Locals {
    pub(super) fn slot(&self, name: &str) -> Option<u16> {
        self.slots.get(name).copied()
    }

    /// The slot of `name`, given one if it has none. The caller keeps the count within u16.
    pub(super) fn assign(&mut self, name: &str) -> u16 {
        if let Some(slot) = self.slot(name) {
            return slot;
        }
        let slot = self.names.len() as u16;
        self.names.push(name.to_string());
        self.slots.insert(name.to_string(), slot);
        slot
    }
}
