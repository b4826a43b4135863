//! Validation: turns the raw serde structs into a [`Scenario`], resolving names to indices,
//! compiling expressions, and locating every problem in the file. Transactions and their steps
//! are in `steps`, the `kind` sugar in `kinds`, toml's own errors in `toml_errors`, and
//! positions inside string values in `source_map`.

mod kinds;
mod objects;
mod source_map;
mod steps;
mod toml_errors;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::error::{ScenarioError, did_you_mean};
use super::expr::{self, Name, Var};
use super::raw::{Entries, RawExpect, RawOutcome, RawScenario, RawValue};
use super::{Account, Code, Expect, ExpectedOutcome, Pattern, PolicyKind, Scenario, SchedulerConfig};
use objects::Objects;
use steps::Scope;

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

/// The names of one kind (accounts, locks, transactions) in file order, indexed so that every
/// reference resolves in constant time (a scenario may name a million of them).
struct Names {
    list: Vec<String>,
    index: HashMap<String, usize>,
    what: &'static str,
}

impl Names {
    fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// A hint for a name that is not one of these: the closest, or a few of them.
    fn suggestion(&self, name: &str) -> Option<String> {
        suggestion(name, &self.list, self.what)
    }
}

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
                Some(toml_errors::name_help(name.get_ref())),
            ))
        }
    }

    /// Checks names are valid and unique; returns them in order, indexed.
    fn unique_names<'n>(
        &self,
        names: impl Iterator<Item = &'n Spanned<String>>,
        what: &'static str,
    ) -> Result<Names> {
        let mut list: Vec<String> = Vec::new();
        let mut index = HashMap::new();
        for name in names {
            self.name(name, what)?;
            if index.insert(name.get_ref().clone(), list.len()).is_some() {
                return Err(self.err(name.span(), format!("duplicate {what} name `{}`", name.get_ref())));
            }
            list.push(name.get_ref().clone());
        }
        Ok(Names { list, index, what })
    }

    fn resolve(&self, name: &Spanned<String>, known: &Names) -> Result<usize> {
        known.get(name.get_ref()).ok_or_else(|| {
            let mut help = known.suggestion(name.get_ref());
            let typo = did_you_mean(name.get_ref(), known.list.iter().map(String::as_str)).is_some();
            if known.what == "lock" && !typo && known.list.len() <= LISTED_NAMES {
                // Every lock must be declared: say where and how.
                let declared: Vec<String> = known
                    .list
                    .iter()
                    .chain(std::iter::once(name.get_ref()))
                    .map(|l| format!("\"{l}\""))
                    .collect();
                let how = format!(
                    "declare it at the top level, before any table: locks = [{}]",
                    declared.join(", ")
                );
                help = Some(match help {
                    Some(known) => format!("{known}; {how}"),
                    None => how,
                });
            }
            self.err_help(
                name.span(),
                format!("unknown {} `{}`", known.what, name.get_ref()),
                help,
            )
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
                .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned()),
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
        let objects = self.objects(&raw, &account_names)?;
        let (queues, events) = (objects.queue_names(), objects.event_names());
        let tx_names =
            self.unique_names(raw.transactions.iter().map(|t| &t.get_ref().name), "transaction")?;
        let transactions = raw
            .transactions
            .iter()
            .enumerate()
            .map(|(me, t)| {
                let scope = Scope {
                    accounts: &account_names,
                    objects: &objects,
                    queues: &queues,
                    events: &events,
                    transactions: &tx_names,
                    me,
                };
                self.transaction(t, &scope)
            })
            .collect::<Result<Vec<_>>>()?;

        let scheduler = self.scheduler(&raw, &tx_names)?;
        let workers = match raw.pool.as_ref().and_then(|p| p.workers.as_ref()) {
            Some(w) => self.positive(w, "`workers`")? as usize,
            None => transactions.len(),
        };
        let expect = match &raw.expect {
            Some(e) => self.expect(e, &account_names, &objects)?,
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
            locks: objects.locks,
            semaphores: objects.semaphores,
            events: objects.events,
            conditions: objects.conditions,
            barriers: objects.barriers,
            queues: objects.queues,
            transactions,
            scheduler,
            workers,
            expect,
        })
    }

    fn scheduler(&self, raw: &RawScenario, tx_names: &Names) -> Result<SchedulerConfig> {
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
                    .map(|n| self.resolve(n, tx_names))
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

    /// Compiles an expression, pointing errors at their place inside the string value.
    fn expr(&self, text: &Spanned<String>, resolve: &mut expr::Resolver) -> Result<Code> {
        match expr::parse(text.get_ref(), resolve) {
            Ok(expr) => Ok(Code::new(expr, text.get_ref().clone())),
            Err(e) => {
                let offsets = source_map::string_offsets(self.source, &text.span(), text.get_ref());
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

    /// An `[expect]` condition: names are accounts; `len(q)` and `is_set(e)` read queues and
    /// events.
    fn expect_expr(&self, text: &Spanned<String>, scope: &Scope) -> Result<Code> {
        self.expr(text, &mut |name| match name {
            Name::Plain(n) => scope
                .accounts
                .get(n)
                .map(|i| Var::Account(i as u32))
                .ok_or_else(|| {
                    let hint = if scope.queues.get(n).is_some() {
                        Some(format!("`{n}` is a queue: write len({n}) for its length"))
                    } else if scope.events.get(n).is_some() {
                        Some(format!("`{n}` is an event: write is_set({n}) for its flag"))
                    } else {
                        scope.accounts.suggestion(n).or(Some(
                            "expectations are written over account balances, len(QUEUE) and is_set(EVENT)"
                                .into(),
                        ))
                    };
                    (format!("unknown account `{n}`"), hint)
                }),
            Name::Call { function, argument } => steps::call(scope, function, argument),
        })
    }

    /// A table of accounts' balances and queues' contents; what it does not name is any value.
    fn pattern(&self, entries: &Spanned<Entries>, accounts: &Names, queues: &Names) -> Result<Pattern> {
        let mut pattern = Pattern {
            balances: vec![None; accounts.list.len()],
            queues: vec![None; queues.list.len()],
        };
        for (name, value) in &entries.get_ref().0 {
            match (
                accounts.get(name.get_ref()),
                queues.get(name.get_ref()),
                value.get_ref(),
            ) {
                (Some(a), _, RawValue::Int(v)) => pattern.balances[a] = Some(*v),
                (Some(_), _, RawValue::List(_)) => {
                    return Err(self.err(
                        value.span(),
                        format!("`{}` is an account: its value is an integer", name.get_ref()),
                    ));
                }
                (None, Some(q), RawValue::List(values)) => pattern.queues[q] = Some(values.clone()),
                (None, Some(_), RawValue::Int(_)) => {
                    return Err(self.err_help(
                        value.span(),
                        format!(
                            "`{}` is a queue: its value is an array of its contents",
                            name.get_ref()
                        ),
                        Some(format!(
                            "write {} = [1, 2] (front first), or [] for empty",
                            name.get_ref()
                        )),
                    ));
                }
                (None, None, _) if queues.list.is_empty() => {
                    return Err(self.err_help(
                        name.span(),
                        format!("unknown account `{}`", name.get_ref()),
                        accounts.suggestion(name.get_ref()),
                    ));
                }
                (None, None, _) => {
                    let mut known = accounts.list.clone();
                    known.extend(queues.list.iter().cloned());
                    return Err(self.err_help(
                        name.span(),
                        format!("unknown account or queue `{}`", name.get_ref()),
                        suggestion(name.get_ref(), &known, "account or queue"),
                    ));
                }
            }
        }
        Ok(pattern)
    }

    fn expect(&self, e: &RawExpect, accounts: &Names, objects: &Objects) -> Result<Expect> {
        let (queues, events) = (objects.queue_names(), objects.event_names());
        let transactions = Names {
            list: Vec::new(),
            index: HashMap::new(),
            what: "transaction",
        };
        let scope = Scope {
            accounts,
            objects,
            queues: &queues,
            events: &events,
            transactions: &transactions,
            me: usize::MAX,
        };
        let final_state = match &e.final_balances {
            Some(f) => Some(self.pattern(f, accounts, &queues)?),
            None => None,
        };
        let always = e
            .always
            .iter()
            .map(|c| self.expect_expr(c, &scope))
            .collect::<Result<_>>()?;
        let at_end = e
            .at_end
            .iter()
            .map(|c| self.expect_expr(c, &scope))
            .collect::<Result<_>>()?;
        let outcomes = match &e.outcomes {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                let mut seen = BTreeSet::new();
                for o in list {
                    let outcome = match o.get_ref() {
                        RawOutcome::Status(s) if s == "deadlock" => ExpectedOutcome::Deadlock,
                        RawOutcome::Status(s) if s == "livelock" => ExpectedOutcome::Livelock,
                        RawOutcome::Status(s) if s == "error" => ExpectedOutcome::Error,
                        RawOutcome::Status(s) => {
                            return Err(self.err_help(
                                o.span(),
                                format!("unknown outcome `{s}`"),
                                Some("an outcome is a table of balances (and queues), \"deadlock\", \"livelock\" or \"error\"".into()),
                            ));
                        }
                        RawOutcome::Balances(entries) => {
                            let spanned = Spanned::new(o.span(), entries.clone());
                            ExpectedOutcome::Ok(self.pattern(&spanned, accounts, &queues)?)
                        }
                    };
                    if !seen.insert(outcome.clone()) {
                        return Err(self.err(o.span(), "duplicate outcome"));
                    }
                    out.push(outcome);
                }
                Some(out)
            }
        };
        Ok(Expect {
            final_state,
            always,
            at_end,
            outcomes,
        })
    }
}

/// How many names a hint lists before it says how many more there are.
const LISTED_NAMES: usize = 8;

/// A hint for `name`, which is not one of `known`: the closest name if it looks like a typo,
/// else the first few names.
fn suggestion(name: &str, known: &[String], what: &str) -> Option<String> {
    if let Some(s) = did_you_mean(name, known.iter().map(String::as_str)) {
        return Some(format!("did you mean `{s}`?"));
    }
    match known.len() {
        0 => None,
        n if n <= LISTED_NAMES => Some(format!("known {what} names: {}", known.join(", "))),
        n => Some(format!(
            "known {what} names: {}, and {} more",
            known[..LISTED_NAMES].join(", "),
            n - LISTED_NAMES
        )),
    }
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
