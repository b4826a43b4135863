//! Validation: turns the raw serde structs into a [`Scenario`], resolving names to indices,
//! expanding transaction kinds, compiling expressions, and locating every problem in the file.

use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::error::{ScenarioError, did_you_mean};
use super::expr;
use super::raw::{Entries, RawExpect, RawOutcome, RawScenario, RawStep, RawTransaction};
use super::{
    Account, Code, Expect, ExpectedOutcome, Op, PolicyKind, Scenario, SchedulerConfig, Step, Transaction,
};

type Result<T> = std::result::Result<T, Box<ScenarioError>>;

pub fn validate(path: &str, source: &str) -> Result<Scenario> {
    let v = Validator { path, source };
    let raw: RawScenario = toml::from_str(source).map_err(|e| v.toml_error(&e))?;
    v.scenario(raw)
}

struct Validator<'a> {
    path: &'a str,
    source: &'a str,
}

/// Keys that are operations of a step; exactly one must be present.
const OPERATION_KEYS: [&str; 9] = [
    "read",
    "write",
    "set",
    "atomic_add",
    "lock",
    "unlock",
    "require",
    "sleep",
    "log",
];

impl Validator<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> Box<ScenarioError> {
        Box::new(ScenarioError::at(self.path, self.source, span, message))
    }

    fn err_help(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Box<ScenarioError> {
        let mut e = ScenarioError::at(self.path, self.source, span, message);
        e.help = help;
        Box::new(e)
    }

    fn toml_error(&self, e: &toml::de::Error) -> Box<ScenarioError> {
        let span = e.span().unwrap_or(0..0);
        let raw = e.message().trim();
        let help = unknown_field_help(raw);
        let token = self.source.get(span.clone()).unwrap_or("").trim();
        self.err_help(span, toml_message(raw, token), help)
    }

    /// Maps each byte of a string value back to its place in the source: `map[i]` is where
    /// byte `i` of `value` was written (an escape sequence maps to its backslash) and
    /// `map[value.len()]` is the closing quote. `None` when the span is not a string literal
    /// that decodes to `value` (then errors point at the whole string).
    fn string_offsets(&self, span: &Range<usize>, value: &str) -> Option<Vec<usize>> {
        let raw = self.source.get(span.clone())?;
        let (delim, literal) = if raw.starts_with("\"\"\"") {
            ("\"\"\"", false)
        } else if raw.starts_with("'''") {
            ("'''", true)
        } else if raw.starts_with('"') {
            ("\"", false)
        } else if raw.starts_with('\'') {
            ("'", true)
        } else {
            return None;
        };
        let body = raw.get(delim.len()..raw.len().checked_sub(delim.len())?)?;
        let base = span.start + delim.len();
        let mut map = Vec::with_capacity(value.len() + 1);
        let mut decoded = String::with_capacity(value.len());
        let mut i = 0;
        if delim.len() == 3 {
            // A newline right after the opening delimiter is not part of the value.
            i = if body.starts_with("\r\n") {
                2
            } else {
                usize::from(body.starts_with('\n'))
            };
        }
        while let Some(c) = body.get(i..).and_then(|r| r.chars().next()) {
            if c != '\\' || literal {
                decoded.push(c);
                map.extend(std::iter::repeat_n(base + i, c.len_utf8()));
                i += c.len_utf8();
                continue;
            }
            let next = body.get(i + 1..)?.chars().next()?;
            let (ch, len) = match next {
                'b' => ('\u{8}', 2),
                't' => ('\t', 2),
                'n' => ('\n', 2),
                'f' => ('\u{c}', 2),
                'r' => ('\r', 2),
                'e' => ('\u{1b}', 2),
                '"' => ('"', 2),
                '\\' => ('\\', 2),
                'x' | 'u' | 'U' => {
                    let digits = match next {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex = body.get(i + 2..i + 2 + digits)?;
                    (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 2 + digits)
                }
                ' ' | '\t' | '\r' | '\n' => {
                    // A line-ending backslash: the newline and the whitespace after it vanish.
                    i += 1;
                    while body[i..].starts_with([' ', '\t', '\r', '\n']) {
                        i += 1;
                    }
                    continue;
                }
                _ => return None,
            };
            decoded.push(ch);
            map.extend(std::iter::repeat_n(base + i, ch.len_utf8()));
            i += len;
        }
        map.push(base + body.len());
        (decoded == value).then_some(map)
    }

    fn name(&self, name: &Spanned<String>, what: &str) -> Result<()> {
        let mut chars = name.get_ref().chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            Ok(())
        } else {
            Err(self.err_help(
                name.span(),
                format!("`{}` is not a valid {what} name", name.get_ref()),
                Some("names match [A-Za-z_][A-Za-z0-9_]*".into()),
            ))
        }
    }

    /// Checks names are valid and unique; returns them in order.
    fn unique_names<'n>(
        &self,
        names: impl Iterator<Item = &'n Spanned<String>>,
        what: &str,
    ) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for name in names {
            self.name(name, what)?;
            if !seen.insert(name.get_ref().as_str()) {
                return Err(self.err(name.span(), format!("duplicate {what} name `{}`", name.get_ref())));
            }
            out.push(name.get_ref().clone());
        }
        Ok(out)
    }

    fn resolve(&self, name: &Spanned<String>, what: &str, known: &[String]) -> Result<usize> {
        known.iter().position(|n| n == name.get_ref()).ok_or_else(|| {
            let help = suggestion(name.get_ref(), known, what);
            self.err_help(name.span(), format!("unknown {what} `{}`", name.get_ref()), help)
        })
    }

    fn non_negative(&self, value: &Spanned<i64>, what: &str) -> Result<u64> {
        u64::try_from(*value.get_ref())
            .map_err(|_| self.err(value.span(), format!("{what} must not be negative")))
    }

    fn positive(&self, value: &Spanned<i64>, what: &str) -> Result<u64> {
        match u64::try_from(*value.get_ref()) {
            Ok(v) if v >= 1 => Ok(v),
            _ => Err(self.err(value.span(), format!("{what} must be at least 1"))),
        }
    }

    fn scenario(&self, raw: RawScenario) -> Result<Scenario> {
        let name = match &raw.name {
            Some(n) => n.get_ref().clone(),
            None => std::path::Path::new(self.path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into()),
        };
        let account_names = self.unique_names(raw.accounts.iter().map(|a| &a.get_ref().name), "account")?;
        // Expressions in [expect] address accounts by u16 slots.
        if let Some(a) = raw.accounts.get(usize::from(u16::MAX) + 1) {
            return Err(self.err(
                a.get_ref().name.span(),
                format!("too many accounts (at most {})", usize::from(u16::MAX) + 1),
            ));
        }
        let accounts = raw
            .accounts
            .iter()
            .map(|a| Account {
                name: a.get_ref().name.get_ref().clone(),
                balance: a.get_ref().balance,
            })
            .collect();
        let locks = self.unique_names(raw.locks.iter(), "lock")?;
        let tx_names =
            self.unique_names(raw.transactions.iter().map(|t| &t.get_ref().name), "transaction")?;
        let transactions = raw
            .transactions
            .iter()
            .map(|t| self.transaction(t, &account_names, &locks))
            .collect::<Result<Vec<_>>>()?;

        let scheduler = self.scheduler(&raw, &tx_names)?;
        let workers = match raw.pool.as_ref().and_then(|p| p.workers.as_ref()) {
            Some(w) => self.positive(w, "`workers`")? as usize,
            None => transactions.len(),
        };
        let expect = match &raw.expect {
            Some(e) => self.expect(e, &account_names)?,
            None => Expect::default(),
        };
        // Last, so that a file being written gets its specific errors first.
        // explore's witness links name a thread in 16 bits (one value is "no thread yet").
        if let Some(t) = raw.transactions.get(usize::from(u16::MAX)) {
            return Err(self.err(
                t.get_ref().name.span(),
                format!("too many transactions (at most {})", u16::MAX),
            ));
        }
        if raw.transactions.is_empty() {
            return Err(self.err_help(
                0..0,
                "the scenario has no transactions",
                Some("add a [[transactions]] table".into()),
            ));
        }
        Ok(Scenario {
            name,
            description: raw.description,
            accounts,
            locks,
            transactions,
            scheduler,
            workers,
            expect,
        })
    }

    fn scheduler(&self, raw: &RawScenario, tx_names: &[String]) -> Result<SchedulerConfig> {
        let mut config = SchedulerConfig {
            policy: PolicyKind::Random,
            seed: 0,
            depth: 3,
            quantum: 1,
            schedule: None,
            tick: Duration::from_millis(1),
            max_steps: None,
        };
        let Some(s) = &raw.scheduler else {
            return Ok(config);
        };
        if let Some(p) = &s.policy {
            config.policy = PolicyKind::from_name(p.get_ref()).ok_or_else(|| {
                let names: Vec<String> = PolicyKind::ALL.iter().map(|(n, _)| n.to_string()).collect();
                self.err_help(
                    p.span(),
                    format!("unknown policy `{}`", p.get_ref()),
                    suggestion(p.get_ref(), &names, "policy"),
                )
            })?;
        }
        if let Some(seed) = &s.seed {
            config.seed = self.non_negative(seed, "`seed`")?;
        }
        if let Some(d) = &s.depth {
            config.depth = u32::try_from(self.positive(d, "`depth`")?)
                .map_err(|_| self.err(d.span(), "`depth` is too large"))?;
        }
        if let Some(q) = &s.quantum {
            config.quantum = u32::try_from(self.positive(q, "`quantum`")?)
                .map_err(|_| self.err(q.span(), "`quantum` is too large"))?;
        }
        if let Some(schedule) = &s.schedule {
            config.schedule = Some(
                schedule
                    .iter()
                    .map(|n| self.resolve(n, "transaction", tx_names))
                    .collect::<Result<_>>()?,
            );
        }
        if let Some(n) = &s.max_steps {
            config.max_steps = Some(self.positive(n, "`max_steps`")?);
        }
        if let Some(t) = &s.tick {
            config.tick = parse_duration(t.get_ref()).ok_or_else(|| {
                self.err_help(
                    t.span(),
                    format!("`{}` is not a duration", t.get_ref()),
                    Some("write a whole number with a unit: \"1ms\", \"500us\", \"2s\", \"0ns\"".into()),
                )
            })?;
        }
        // `policy = "scripted"` without a `schedule` is valid: the schedule may come from
        // `run --schedule`; `run` without one is a usage error.
        Ok(config)
    }

    fn transaction(
        &self,
        spanned: &Spanned<RawTransaction>,
        accounts: &[String],
        locks: &[String],
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
                        t.account.as_ref().map(|v| v.span()),
                    ),
                    ("kind-specific key `from`", t.from.as_ref().map(|v| v.span())),
                    ("kind-specific key `to`", t.to.as_ref().map(|v| v.span())),
                    ("kind-specific key `amount`", t.amount.as_ref().map(|v| v.span())),
                    ("kind-specific key `delay`", t.delay.as_ref().map(|v| v.span())),
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
        tx.live = super::liveness::live_locals(&tx);
        Ok(tx)
    }

    fn required<'v, T>(
        &self,
        value: &'v Option<Spanned<T>>,
        key: &str,
        t: &RawTransaction,
    ) -> Result<&'v Spanned<T>> {
        value.as_ref().ok_or_else(|| {
            let kind = t.kind.as_ref().map_or("", |k| k.get_ref().as_str());
            self.err_help(
                t.kind.as_ref().map(|k| k.span()).unwrap_or(t.name.span()),
                format!(
                    "transaction `{}` of kind `{kind}` needs `{key}`",
                    t.name.get_ref()
                ),
                Some(
                    match kind {
                        "transfer" => {
                            "kind \"transfer\" takes `from`, `to`, `amount` and an optional `delay`"
                        }
                        _ => "kind \"update\" takes `account`, `amount` and an optional `delay`",
                    }
                    .into(),
                ),
            )
        })
    }

    fn expand_kind(
        &self,
        t: &RawTransaction,
        kind: &Spanned<String>,
        accounts: &[String],
        locals: &mut Locals,
    ) -> Result<Vec<Step>> {
        let name = t.name.get_ref();
        let amount = *self.required(&t.amount, "amount", t)?.get_ref();
        let delay = match &t.delay {
            Some(d) => self.non_negative(d, "`delay`")?,
            None => 0,
        };
        let plain = |op| Step { op, delay: 0 };
        let mut steps = Vec::new();
        let not_for = |key: &str, present: Option<Range<usize>>| match present {
            Some(span) => Err(self.err(
                span,
                format!("`{key}` does not apply to kind `{}`", kind.get_ref()),
            )),
            None => Ok(()),
        };
        match kind.get_ref().as_str() {
            "update" => {
                not_for("from", t.from.as_ref().map(|v| v.span()))?;
                not_for("to", t.to.as_ref().map(|v| v.span()))?;
                let account = self.resolve(self.required(&t.account, "account", t)?, "account", accounts)?;
                let local = locals.assign("local_copy");
                steps.push(plain(Op::Log(format!("{name} thread updating..."))));
                steps.push(plain(Op::Read { account, into: local }));
                steps.push(plain(Op::Set {
                    local,
                    value: add_const("local_copy", local, amount),
                }));
                if delay > 0 {
                    steps.push(plain(Op::Sleep(delay)));
                }
                steps.push(plain(Op::Write {
                    account,
                    value: Code::new(expr::Expr::Var(local), "local_copy"),
                }));
                steps.push(plain(Op::Log(format!("{name} thread finishing..."))));
            }
            "transfer" => {
                not_for("account", t.account.as_ref().map(|v| v.span()))?;
                let from = self.resolve(self.required(&t.from, "from", t)?, "account", accounts)?;
                let to = self.resolve(self.required(&t.to, "to", t)?, "account", accounts)?;
                let from_local = locals.assign("from_balance");
                let to_local = locals.assign("to_balance");
                steps.push(plain(Op::Read {
                    account: from,
                    into: from_local,
                }));
                steps.push(plain(Op::Read {
                    account: to,
                    into: to_local,
                }));
                if delay > 0 {
                    steps.push(plain(Op::Sleep(delay)));
                }
                steps.push(plain(Op::Write {
                    account: from,
                    value: add_const(
                        "from_balance",
                        from_local,
                        amount.checked_neg().ok_or_else(|| {
                            self.err(
                                t.amount.as_ref().map(|a| a.span()).unwrap_or(0..0),
                                "`amount` is out of range: a transfer negates it, and -9223372036854775808 has no negation in i64",
                            )
                        })?,
                    ),
                }));
                steps.push(plain(Op::Write {
                    account: to,
                    value: add_const("to_balance", to_local, amount),
                }));
            }
            other => {
                let kinds = ["update".to_string(), "transfer".to_string()];
                return Err(self.err_help(
                    kind.span(),
                    format!("unknown transaction kind `{other}`"),
                    suggestion(other, &kinds, "kind")
                        .or(Some("kinds are \"update\" and \"transfer\"".into())),
                ));
            }
        }
        Ok(steps)
    }

    fn step(
        &self,
        spanned: &Spanned<RawStep>,
        accounts: &[String],
        locks: &[String],
        locals: &mut Locals,
    ) -> Result<Step> {
        let s = spanned.get_ref();
        let span = spanned.span();
        let present: Vec<&str> = OPERATION_KEYS
            .iter()
            .copied()
            .filter(|k| match *k {
                "read" => s.read.is_some(),
                "write" => s.write.is_some(),
                "set" => s.set.is_some(),
                "atomic_add" => s.atomic_add.is_some(),
                "lock" => s.lock.is_some(),
                "unlock" => s.unlock.is_some(),
                "require" => s.require.is_some(),
                "sleep" => s.sleep.is_some(),
                _ => s.log.is_some(),
            })
            .collect();
        match present.len() {
            0 => {
                return Err(self.err_help(
                    span,
                    "step has no operation",
                    Some(format!("give exactly one of: {}", OPERATION_KEYS.join(", "))),
                ));
            }
            1 => {}
            _ => {
                return Err(self.err_help(
                    span,
                    format!(
                        "step has {} operations (`{}`); a step is exactly one",
                        present.len(),
                        present.join("`, `")
                    ),
                    Some("split it into one step per operation".into()),
                ));
            }
        }
        let op_key = present[0];
        if op_key != "read"
            && let Some(into) = &s.into
        {
            return Err(self.err(
                into.span(),
                format!("`into` only applies to `read`, not `{op_key}`"),
            ));
        }
        let takes_value = matches!(op_key, "write" | "set" | "atomic_add");
        if !takes_value && let Some(value) = &s.value {
            return Err(self.err(value.span(), format!("`value` does not apply to `{op_key}`")));
        }
        let value = |locals: &Locals| -> Result<Code> {
            let v = s
                .value
                .as_ref()
                .ok_or_else(|| self.err(span.clone(), format!("`{op_key}` needs `value = \"EXPR\"`")))?;
            self.local_expr(v, locals, accounts)
        };
        let op = if let Some(a) = &s.read {
            let account = self.resolve(a, "account", accounts)?;
            let into = s
                .into
                .as_ref()
                .ok_or_else(|| self.err(span.clone(), "`read` needs `into = \"LOCAL\"`"))?;
            Op::Read {
                account,
                into: self.assign_local(into, locals)?,
            }
        } else if let Some(a) = &s.write {
            let account = self.resolve(a, "account", accounts)?;
            Op::Write {
                account,
                value: value(locals)?,
            }
        } else if let Some(a) = &s.atomic_add {
            let account = self.resolve(a, "account", accounts)?;
            Op::AtomicAdd {
                account,
                value: value(locals)?,
            }
        } else if let Some(x) = &s.set {
            self.name(x, "local")?;
            let value = value(locals)?;
            Op::Set {
                local: self.assign_local(x, locals)?,
                value,
            }
        } else if let Some(l) = &s.lock {
            Op::Lock(self.resolve(l, "lock", locks)?)
        } else if let Some(l) = &s.unlock {
            Op::Unlock(self.resolve(l, "lock", locks)?)
        } else if let Some(e) = &s.require {
            Op::Require(self.local_expr(e, locals, accounts)?)
        } else if let Some(n) = &s.sleep {
            Op::Sleep(self.non_negative(n, "`sleep`")?)
        } else if let Some(m) = &s.log {
            Op::Log(m.get_ref().clone())
        } else {
            unreachable!("exactly one operation key is present")
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
    fn local_expr(&self, text: &Spanned<String>, locals: &Locals, accounts: &[String]) -> Result<Code> {
        self.expr(text, &mut |name| {
            if let Some(slot) = locals.slot(name) {
                return Ok(slot);
            }
            if accounts.iter().any(|a| a == name) {
                return Err((
                    format!("`{name}` is an account; expressions in steps read locals"),
                    Some(format!(
                        "read it first: {{ read = \"{name}\", into = \"{name}_copy\" }}"
                    )),
                ));
            }
            let help = suggestion(name, &locals.names, "local")
                .or(Some("a local is assigned by `read ... into` or `set`".into()));
            Err((format!("local `{name}` is used before any step assigns it"), help))
        })
    }

    fn expr(&self, text: &Spanned<String>, resolve: &mut expr::Resolver) -> Result<Code> {
        match expr::parse(text.get_ref(), resolve) {
            Ok(expr) => Ok(Code::new(expr, text.get_ref().clone())),
            Err(e) => {
                let offsets = self.string_offsets(&text.span(), text.get_ref());
                let span = match offsets.as_deref().and_then(|m| Some((*m.get(e.at.start)?, m))) {
                    Some((start, map)) => {
                        let end = map.get(e.at.end).copied().unwrap_or(start).max(start + 1);
                        start..end
                    }
                    None => text.span(),
                };
                Err(self.err_help(span, e.message, e.help))
            }
        }
    }

    fn account_expr(&self, text: &Spanned<String>, accounts: &[String]) -> Result<Code> {
        self.expr(text, &mut |name| {
            accounts
                .iter()
                .position(|a| a == name)
                .map(|i| i as u16)
                .ok_or_else(|| {
                    (
                        format!("unknown account `{name}`"),
                        suggestion(name, accounts, "account")
                            .or(Some("expectations are written over account balances".into())),
                    )
                })
        })
    }

    fn balances(&self, entries: &Spanned<Entries>, accounts: &[String], what: &str) -> Result<Vec<i64>> {
        let mut balances: Vec<Option<i64>> = vec![None; accounts.len()];
        for (name, value) in &entries.get_ref().0 {
            let a = self.resolve(name, "account", accounts)?;
            balances[a] = Some(*value.get_ref());
        }
        balances
            .iter()
            .zip(accounts)
            .map(|(b, name)| {
                b.ok_or_else(|| {
                    self.err_help(
                        entries.span(),
                        format!("{what} does not give a balance for account `{name}`"),
                        Some("name every account".into()),
                    )
                })
            })
            .collect()
    }

    fn expect(&self, e: &RawExpect, accounts: &[String]) -> Result<Expect> {
        let final_balances = match &e.final_balances {
            Some(f) => Some(self.balances(f, accounts, "`final`")?),
            None => None,
        };
        let always = e
            .always
            .iter()
            .map(|c| self.account_expr(c, accounts))
            .collect::<Result<_>>()?;
        let at_end = e
            .at_end
            .iter()
            .map(|c| self.account_expr(c, accounts))
            .collect::<Result<_>>()?;
        let outcomes = match &e.outcomes {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for o in list {
                    let outcome = match o.get_ref() {
                        RawOutcome::Status(s) if s == "deadlock" => ExpectedOutcome::Deadlock,
                        RawOutcome::Status(s) if s == "error" => ExpectedOutcome::Error,
                        RawOutcome::Status(s) => {
                            return Err(self.err_help(
                                o.span(),
                                format!("unknown outcome `{s}`"),
                                Some("an outcome is a table of balances, \"deadlock\" or \"error\"".into()),
                            ));
                        }
                        RawOutcome::Balances(entries) => {
                            let spanned = Spanned::new(o.span(), Entries(entries.0.clone()));
                            ExpectedOutcome::Ok(self.balances(&spanned, accounts, "outcome")?)
                        }
                    };
                    if out.contains(&outcome) {
                        return Err(self.err(o.span(), "duplicate outcome"));
                    }
                    out.push(outcome);
                }
                Some(out)
            }
        };
        Ok(Expect {
            final_balances,
            always,
            at_end,
            outcomes,
        })
    }
}

/// The locals of one transaction, in order of first assignment.
#[derive(Default)]
struct Locals {
    names: Vec<String>,
    slots: std::collections::HashMap<String, u16>,
}

impl Locals {
    fn slot(&self, name: &str) -> Option<u16> {
        self.slots.get(name).copied()
    }

    /// The slot of `name`, given one if it has none. The caller keeps the count within u16.
    fn assign(&mut self, name: &str) -> u16 {
        if let Some(slot) = self.slot(name) {
            return slot;
        }
        let slot = self.names.len() as u16;
        self.names.push(name.to_string());
        self.slots.insert(name.to_string(), slot);
        slot
    }
}

fn add_const(local_name: &str, local: u16, amount: i64) -> Code {
    let text = if amount < 0 {
        format!("{local_name} - {}", amount.unsigned_abs())
    } else {
        format!("{local_name} + {amount}")
    };
    let expr = expr::Expr::Binary(
        expr::BinOp::Add,
        Box::new(expr::Expr::Var(local)),
        Box::new(expr::Expr::Const(amount)),
    );
    Code::new(expr, text)
}

fn suggestion(name: &str, known: &[String], what: &str) -> Option<String> {
    if let Some(s) = did_you_mean(name, known.iter().map(String::as_str)) {
        return Some(format!("did you mean `{s}`?"));
    }
    if known.is_empty() {
        None
    } else {
        Some(format!("known {what} names: {}", known.join(", ")))
    }
}

/// Rewrites serde's and toml's wording in the terms of a TOML file: keys rather than fields,
/// integers rather than `i64`, tables rather than structs and maps. `token` is the source text
/// under the error's span.
fn toml_message(message: &str, token: &str) -> String {
    // An integer that does not fit in i64: serde says "invalid type: integer `X` as i128,
    // expected i64"; toml's parser says "integer number overflowed" beyond i128.
    if message.contains(" as i128, expected i64")
        || message.contains(" as u128, expected i64")
        || message.contains("number overflowed")
    {
        return if token.is_empty() {
            "integer is out of the i64 range".into()
        } else {
            format!("integer `{token}` is out of the i64 range")
        };
    }
    if message == "duplicate key" && !token.is_empty() {
        return format!(
            "duplicate key `{}`",
            token.trim_matches(|c| c == '"' || c == '\'')
        );
    }
    let mut out = message
        .replacen("unknown field `", "unknown key `", 1)
        .replacen("missing field `", "missing key `", 1)
        .replace("expected i64", "expected an integer")
        .replace("expected a sequence", "expected an array")
        .replace("invalid type: sequence", "invalid type: array")
        .replace("invalid type: map", "invalid type: table")
        .replace("floating point `", "float `")
        .replace(", expected nothing", "");
    // "expected struct RawStep" names a Rust type the user never wrote.
    if let Some(i) = out.find("expected struct Raw") {
        let rest = &out[i + "expected struct Raw".len()..];
        let what = match rest.split(|c: char| !c.is_ascii_alphanumeric()).next() {
            Some("Step") => "a step table like { sleep = 1 }",
            _ => "a table",
        };
        out = format!("{}expected {what}", &out[..i]);
    }
    out
}

/// toml reports unknown keys as "unknown field `x`, expected one of `a`, `b`": suggest the
/// closest.
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let candidates: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    did_you_mean(field, candidates).map(|s| format!("did you mean `{s}`?"))
}

/// Parses "1ms", "500us", "2s", "10ns".
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    Some(match unit.trim() {
        "ns" => Duration::from_nanos(n),
        "us" | "µs" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        _ => return None,
    })
}
