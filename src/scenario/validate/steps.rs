//! Transactions and their steps: the step keys (exactly one operation per step), locals and
//! their slots, and expressions over locals.

use std::collections::HashMap;

use toml::Spanned;

use super::{Names, Result, Validator};
use crate::scenario::raw::{RawStep, RawTransaction};
use crate::scenario::{Code, Op, Step, Transaction};

/// The operation keys of a step; exactly one must be present. The one list that the
/// presence check, the messages and the compiler all use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKey {
    Read,
    Write,
    Set,
    AtomicAdd,
    Lock,
    Unlock,
    Require,
    Sleep,
    Log,
}

impl OpKey {
    const ALL: [OpKey; 9] = [
        OpKey::Read,
        OpKey::Write,
        OpKey::Set,
        OpKey::AtomicAdd,
        OpKey::Lock,
        OpKey::Unlock,
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
            OpKey::Require => "require",
            OpKey::Sleep => "sleep",
            OpKey::Log => "log",
        }
    }

    /// Whether the step gives this key.
    fn is_in(self, s: &RawStep) -> bool {
        match self {
            OpKey::Read => s.read.is_some(),
            OpKey::Write => s.write.is_some(),
            OpKey::Set => s.set.is_some(),
            OpKey::AtomicAdd => s.atomic_add.is_some(),
            OpKey::Lock => s.lock.is_some(),
            OpKey::Unlock => s.unlock.is_some(),
            OpKey::Require => s.require.is_some(),
            OpKey::Sleep => s.sleep.is_some(),
            OpKey::Log => s.log.is_some(),
        }
    }

    /// "read, write, ..." for messages.
    fn list() -> String {
        OpKey::ALL.map(OpKey::name).join(", ")
    }
}

impl Validator<'_> {
    pub(super) fn transaction(
        &self,
        spanned: &Spanned<RawTransaction>,
        accounts: &Names,
        locks: &Names,
    ) -> Result<Transaction> {
        let t = spanned.get_ref();
        let name = t.name.get_ref().clone();
        let repeat = match &t.repeat {
            Some(r) => u32::try_from(self.positive(r, "`repeat`")?)
                .map_err(|_| self.err(r.span(), "`repeat` is too large"))?,
            None => 1,
        };
        let mut locals = Locals::default();
        let steps = match (&t.kind, &t.steps) {
            (Some(kind), None) => self.expand_kind(t, kind, accounts, &mut locals)?,
            (None, Some(steps)) => {
                for (key, present) in [
                    (
                        "kind-specific key `account`",
                        t.account.as_ref().map(toml::Spanned::span),
                    ),
                    (
                        "kind-specific key `from`",
                        t.from.as_ref().map(toml::Spanned::span),
                    ),
                    ("kind-specific key `to`", t.to.as_ref().map(toml::Spanned::span)),
                    (
                        "kind-specific key `amount`",
                        t.amount.as_ref().map(toml::Spanned::span),
                    ),
                    (
                        "kind-specific key `delay`",
                        t.delay.as_ref().map(toml::Spanned::span),
                    ),
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
                steps
                    .get_ref()
                    .iter()
                    .map(|s| self.step(s, accounts, locks, &mut locals))
                    .collect::<Result<_>>()?
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

    fn step(
        &self,
        spanned: &Spanned<RawStep>,
        accounts: &Names,
        locks: &Names,
        locals: &mut Locals,
    ) -> Result<Step> {
        let s = spanned.get_ref();
        let span = spanned.span();
        let present: Vec<OpKey> = OpKey::ALL.into_iter().filter(|k| k.is_in(s)).collect();
        match present.len() {
            0 => {
                return Err(self.err_help(
                    span,
                    "step has no operation",
                    Some(format!("give exactly one of: {}", OpKey::list())),
                ));
            }
            1 => {}
            _ => {
                return Err(self.err_help(
                    span,
                    format!(
                        "step has {} operations (`{}`); a step is exactly one",
                        present.len(),
                        present.iter().map(|k| k.name()).collect::<Vec<_>>().join("`, `")
                    ),
                    Some("split it into one step per operation".into()),
                ));
            }
        }
        let op_key = present[0];
        if op_key != OpKey::Read
            && let Some(into) = &s.into
        {
            return Err(self.err(
                into.span(),
                format!("`into` only applies to `read`, not `{}`", op_key.name()),
            ));
        }
        let takes_value = matches!(op_key, OpKey::Write | OpKey::Set | OpKey::AtomicAdd);
        if !takes_value && let Some(value) = &s.value {
            return Err(self.err(
                value.span(),
                format!("`value` does not apply to `{}`", op_key.name()),
            ));
        }
        let value = |locals: &Locals| -> Result<Code> {
            let v = s.value.as_ref().ok_or_else(|| {
                self.err(
                    span.clone(),
                    format!("`{}` needs `value = \"EXPR\"`", op_key.name()),
                )
            })?;
            self.local_expr(v, locals, accounts)
        };
        // `is_in` guarantees that the key matched here is present.
        let absent = || self.err(span.clone(), "internal error: a step key vanished");
        let op = match op_key {
            OpKey::Read => {
                let a = s.read.as_ref().ok_or_else(absent)?;
                let account = self.resolve(a, accounts)?;
                let into = s
                    .into
                    .as_ref()
                    .ok_or_else(|| self.err(span.clone(), "`read` needs `into = \"LOCAL\"`"))?;
                Op::Read {
                    account,
                    into: self.assign_local(into, locals)?,
                }
            }
            OpKey::Write => Op::Write {
                account: self.resolve(s.write.as_ref().ok_or_else(absent)?, accounts)?,
                value: value(locals)?,
            },
            OpKey::AtomicAdd => Op::AtomicAdd {
                account: self.resolve(s.atomic_add.as_ref().ok_or_else(absent)?, accounts)?,
                value: value(locals)?,
            },
            OpKey::Set => {
                let x = s.set.as_ref().ok_or_else(absent)?;
                self.name(x, "local")?;
                let value = value(locals)?;
                Op::Set {
                    local: self.assign_local(x, locals)?,
                    value,
                }
            }
            OpKey::Lock => Op::Lock(self.resolve(s.lock.as_ref().ok_or_else(absent)?, locks)?),
            OpKey::Unlock => Op::Unlock(self.resolve(s.unlock.as_ref().ok_or_else(absent)?, locks)?),
            OpKey::Require => {
                Op::Require(self.local_expr(s.require.as_ref().ok_or_else(absent)?, locals, accounts)?)
            }
            OpKey::Sleep => Op::Sleep(self.non_negative(s.sleep.as_ref().ok_or_else(absent)?, "`sleep`")?),
            OpKey::Log => Op::Log(s.log.as_ref().ok_or_else(absent)?.get_ref().clone()),
        };
        let delay = match &s.delay {
            Some(d) => self.non_negative(d, "`delay`")?,
            None => 0,
        };
        Ok(Step { op, delay })
    }

    /// Checks a local's name and gives it a slot (slots are u16, like expression variables).
    fn assign_local(&self, name: &Spanned<String>, locals: &mut Locals) -> Result<u16> {
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

    /// Compiles an expression over the locals assigned so far.
    fn local_expr(&self, text: &Spanned<String>, locals: &Locals, accounts: &Names) -> Result<Code> {
        self.expr(text, &mut |name| {
            if let Some(slot) = locals.slot(name) {
                return Ok(slot);
            }
            if accounts.get(name).is_some() {
                return Err((
                    format!("`{name}` is an account; expressions in steps read locals"),
                    Some(format!(
                        "read it first: {{ read = \"{name}\", into = \"{name}_copy\" }}"
                    )),
                ));
            }
            let help = super::suggestion(name, &locals.names, "local")
                .or(Some("a local is assigned by `read ... into` or `set`".into()));
            Err((format!("local `{name}` is used before any step assigns it"), help))
        })
    }
}

/// The locals of one transaction, in order of first assignment.
#[derive(Default)]
pub(super) struct Locals {
    pub(super) names: Vec<String>,
    slots: HashMap<String, u16>,
}

impl Locals {
    fn slot(&self, name: &str) -> Option<u16> {
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
