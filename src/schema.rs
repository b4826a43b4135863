//! The scenario format as a JSON Schema (draft-07), for editors and outside checks.
//!
//! The serde structs in `scenario::raw` keep toml spans, which have no `JsonSchema` impl, so the
//! format is mirrored here with plain types whose doc comments become the schema's descriptions
//! (what Taplo / Even Better TOML shows on hover). tests/it/cli.rs fails when `raw.rs` accepts a
//! key that this mirror lacks or the other way round, and when `racesim.schema.json` at the
//! repository root differs from [`json`].
//!
//! Draft-07 rather than 2020-12: it is the newest draft that the TOML editor tooling validates
//! fully.

// The doc comments below are the schema's user-facing descriptions, plain text for editors'
// hovers, not rustdoc: names like ChaCha8 stay unquoted.
#![allow(clippy::doc_markdown)]
// The mirror types are never constructed: they exist only to be described.
#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

/// The JSON Schema of a scenario file, pretty-printed, ending in a newline.
pub fn json() -> String {
    let generator = SchemaSettings::draft07().with_transform(NoNull).into_generator();
    let schema = generator.into_root_schema_for::<ScenarioFile>();
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

/// TOML has no null: an optional key is one that may be left out, so `Option<T>` is described
/// as `T` (schemars would otherwise allow `null` too).
#[derive(Clone)]
struct NoNull;

impl Transform for NoNull {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            if let Some(serde_json::Value::Array(types)) = obj.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    obj.insert("type".into(), only);
                }
            }
            for key in ["anyOf", "oneOf"] {
                let Some(serde_json::Value::Array(options)) = obj.get_mut(key) else {
                    continue;
                };
                options.retain(|o| o.get("type").is_none_or(|t| t != "null"));
                if options.len() != 1 {
                    continue;
                }
                let only = options.remove(0);
                obj.remove(key);
                if obj.is_empty() {
                    if let serde_json::Value::Object(map) = only {
                        *obj = map;
                    }
                } else {
                    // Draft-07 ignores the siblings of a `$ref`, so a described reference
                    // stays wrapped.
                    obj.insert("allOf".into(), serde_json::Value::Array(vec![only]));
                }
            }
        }
        transform_subschemas(self, schema);
    }
}

/// schemars describes an untagged enum with `anyOf`; its variants here exclude each other (each
/// requires a key the others forbid), and `oneOf` says so to the reader.
fn exactly_one(schema: &mut Schema) {
    if let Some(obj) = schema.as_object_mut()
        && let Some(options) = obj.remove("anyOf")
    {
        obj.insert("oneOf".into(), options);
    }
}

/// A name of an account, lock, transaction or local.
struct Name;

impl JsonSchema for Name {
    fn schema_name() -> Cow<'static, str> {
        "Name".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A name: a letter or `_`, then letters, digits or `_`. Names are unique among the accounts, locks, transactions and locals of a scenario.",
            "type": "string",
            "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"
        })
    }
}

/// An expression over integers and names.
struct Expr;

impl JsonSchema for Expr {
    fn schema_name() -> Cow<'static, str> {
        "Expr".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An expression: i64 integers, names, + - * / % (truncating), == != < <= > >=, && || !, unary -, parentheses; comparisons give 1 or 0. In steps the names are the transaction's locals; in [expect] they are account balances.",
            "type": "string",
            "minLength": 1
        })
    }
}

/// A racesim scenario: accounts, the transactions (one logical thread each) that race on them,
/// the scheduler that interleaves their steps, and what every run is expected to do.
#[derive(JsonSchema)]
#[schemars(title = "racesim scenario", deny_unknown_fields)]
struct ScenarioFile {
    /// The scenario's name in reports. Default: the file name without `.toml`.
    name: Option<String>,
    /// One line saying what the scenario shows.
    description: Option<String>,
    /// The locks that steps take with `lock` and release with `unlock`; every lock used must be
    /// declared here (at the top level, before any table).
    #[schemars(extend("uniqueItems" = true))]
    locks: Option<Vec<Name>>,
    /// How the threads' steps are interleaved. Command-line flags override these keys.
    scheduler: Option<Scheduler>,
    /// The worker pool that runs the transactions.
    pool: Option<Pool>,
    /// The shared accounts, `[[accounts]]` tables with a name and an opening balance.
    accounts: Option<Vec<Account>>,
    /// The transactions, `[[transactions]]` tables: each is one logical thread, run by a pool
    /// worker in file order. At least one is required.
    #[schemars(length(min = 1))]
    transactions: Vec<Transaction>,
    /// What every run must satisfy; checked by run, explore, sweep and test.
    expect: Option<Expect>,
}

/// `[scheduler]`: the policy that picks the next thread at each scheduling point.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Scheduler {
    /// The scheduling policy. Default: "random".
    policy: Option<Policy>,
    /// random / pct: the ChaCha8 seed; `--seed` overrides. Default: 0.
    seed: Option<u64>,
    /// pct: the bug depth d (d - 1 priority change points). Default: 3.
    #[schemars(range(min = 1))]
    depth: Option<u32>,
    /// round-robin: steps a thread runs before the turn passes. Default: 1.
    #[schemars(range(min = 1))]
    quantum: Option<u32>,
    /// scripted: the exact interleaving, one transaction name per step.
    schedule: Option<Vec<Name>>,
    /// os-threads: the real duration of one tick of delay, a whole number with a unit: "1ms",
    /// "500us", "2s", "10ns". Default: "1ms".
    #[schemars(regex(pattern = r"^\s*[0-9]+\s*(ns|us|µs|ms|s)\s*$"))]
    tick: Option<String>,
    /// Stop a run after this many steps with status `limit` (`--max-steps` overrides it).
    /// Default: no limit.
    #[schemars(range(min = 1))]
    max_steps: Option<u64>,
}

/// A scheduling policy.
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum Policy {
    /// A seeded ChaCha8 choice among the ready threads (the default).
    Random,
    /// Each thread runs `quantum` steps, then the turn passes in file order.
    RoundRobin,
    /// The `schedule` names the thread for each step.
    Scripted,
    /// Probabilistic Concurrency Testing: random priorities and `depth - 1` change points.
    Pct,
    /// Real OS threads; the order taken is printed as a replayable schedule.
    OsThreads,
}

/// `[pool]`: like a ThreadPoolExecutor.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Pool {
    /// How many transactions run at once; the rest wait for a free worker, in file order.
    /// Default: one worker per transaction.
    #[schemars(range(min = 1))]
    workers: Option<u64>,
}

/// `[[accounts]]`: a shared balance.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Account {
    /// The account's name, used by steps and in [expect].
    name: Name,
    /// The opening balance (an i64). Default: 0.
    balance: Option<i64>,
}

/// `[[transactions]]`: one logical thread. Give either `kind` (with its keys) or `steps`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[schemars(extend(
    "oneOf" = [
        { "required": ["kind"], "not": { "required": ["steps"] } },
        { "required": ["steps"], "not": { "required": ["kind"] } }
    ],
    "allOf" = [
        {
            "if": { "properties": { "kind": { "const": "update" } }, "required": ["kind"] },
            "then": { "required": ["account", "amount"] }
        },
        {
            "if": { "properties": { "kind": { "const": "transfer" } }, "required": ["kind"] },
            "then": { "required": ["from", "to", "amount"] }
        }
    ],
    "dependencies" = {
        "account": ["kind"],
        "from": ["kind"],
        "to": ["kind"],
        "amount": ["kind"],
        "delay": ["kind"]
    }
))]
struct Transaction {
    /// The transaction's (thread's) name, used in logs and schedules.
    name: Name,
    /// Sugar for a standard transaction; its expansion is exact and fixes the step count.
    kind: Option<Kind>,
    /// update: the account to read, change and write back.
    account: Option<Name>,
    /// transfer: the account the amount leaves.
    from: Option<Name>,
    /// transfer: the account the amount arrives in.
    to: Option<Name>,
    /// update: added to the balance (negative to withdraw). transfer: the amount moved.
    amount: Option<i64>,
    /// update / transfer: ticks slept between the reads and the writes. Default: 0.
    #[schemars(range(min = 0))]
    delay: Option<i64>,
    /// Run the steps this many times; locals persist between repeats. Default: 1.
    #[schemars(range(min = 1))]
    repeat: Option<u32>,
    /// The steps, in order; each is one atomic action and one scheduling point.
    #[schemars(length(min = 1))]
    steps: Option<Vec<Step>>,
}

/// A transaction kind.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Kind {
    /// log, read `account` into local_copy, add `amount`, sleep `delay` (if > 0), write it back,
    /// log: the lesson's lost-update pattern.
    Update,
    /// read `from` and `to`, sleep `delay` (if > 0), write `from` - amount and `to` + amount.
    Transfer,
}

/// One step: an inline table with exactly one operation key, plus an optional `delay`.
#[derive(JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(transform = exactly_one)]
enum Step {
    /// `{ read = "A", into = "x" }`: local x := the balance of account A.
    Read {
        /// The account to read.
        read: Name,
        /// The local that receives the balance.
        into: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ write = "A", value = "EXPR" }`: the balance of A := EXPR over locals.
    Write {
        /// The account to write.
        write: Name,
        /// The new balance.
        value: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ set = "x", value = "EXPR" }`: local x := EXPR.
    Set {
        /// The local to assign.
        set: Name,
        /// The local's new value.
        value: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ atomic_add = "A", value = "EXPR" }`: the balance of A += EXPR in one atomic step.
    AtomicAdd {
        /// The account to add to.
        atomic_add: Name,
        /// The amount added.
        value: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ lock = "m" }`: acquire lock m, waiting while another thread holds it (not re-entrant).
    Lock {
        /// A lock declared in `locks`.
        lock: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ unlock = "m" }`: release lock m, which the thread must hold.
    Unlock {
        /// A lock declared in `locks`.
        unlock: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ require = "EXPR" }`: when EXPR is 0 the transaction ends here, declined.
    Require {
        /// The condition, over locals.
        require: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ sleep = N }`: do nothing, then sleep N ticks.
    Sleep {
        /// Ticks to sleep.
        #[schemars(range(min = 0))]
        sleep: i64,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ log = "text" }`: emit a message into the log.
    Log {
        /// The message.
        log: String,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
}

/// `[expect]`: checked by run, explore, sweep and test; a failure exits with status 1.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Expect {
    /// explore: the exact set of reachable outcomes, each a table of every account's balance,
    /// "deadlock" or "error".
    outcomes: Option<Vec<Outcome>>,
    /// Conditions over account balances checked after every step.
    always: Option<Vec<Expr>>,
    /// Conditions over account balances checked in the final state.
    at_end: Option<Vec<Expr>>,
    /// Every run must end with exactly these balances, one per account.
    #[serde(rename = "final")]
    final_balances: Option<Balances>,
}

/// An end state: the balances of every account, or a status.
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(transform = exactly_one)]
enum Outcome {
    /// The run ended with a deadlock or a runtime error.
    Status(Status),
    /// The run finished with these balances.
    Balances(Balances),
}

/// A run's status other than ok.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    /// Some threads are blocked forever.
    Deadlock,
    /// A runtime error (overflow, division by zero, unlocking a lock not held).
    Error,
}

/// `account = balance` for every account.
#[derive(JsonSchema)]
#[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
struct Balances(BTreeMap<String, i64>);
