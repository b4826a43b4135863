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

/// A name of an account, shared object, transaction or local.
struct Name;

impl JsonSchema for Name {
    fn schema_name() -> Cow<'static, str> {
        "Name".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A name: a letter or `_`, then letters, digits or `_`. Accounts, transactions and the locals of a transaction are unique in their kind; the names of locks, rlocks, semaphores, events, conditions, barriers and queues are unique across all of these kinds, and a queue may not share a name with an account.",
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
            "description": "An expression: i64 integers, names, + - * / % (truncating), == != < <= > >=, && || !, unary -, parentheses; comparisons give 1 or 0, and && and || evaluate their right side only when the left side does not decide the result. len(QUEUE) is a queue's length and is_set(EVENT) an event's flag (1 or 0). In steps a name is a local of the transaction, else an account, read in the same atomic step; in [expect] the names are account balances. Overflow and division by zero are runtime errors of the run.",
            "type": "string",
            "minLength": 1
        })
    }
}

/// A racesim scenario: accounts, the transactions (one logical thread each) that race on them,
/// the shared objects they synchronize with, the scheduler that interleaves their steps, and
/// what every run is expected to do.
#[derive(JsonSchema)]
#[schemars(title = "racesim scenario", deny_unknown_fields)]
struct ScenarioFile {
    /// The scenario's name in reports. Default: the file name without `.toml`.
    name: Option<String>,
    /// One line saying what the scenario shows.
    description: Option<String>,
    /// The locks that steps take with `lock` or `try_lock` and release with `unlock`, owned
    /// and not re-entrant (locking one the thread holds blocks forever). Every lock used must be
    /// declared here or in `rlocks`, at the top level before any table.
    #[schemars(extend("uniqueItems" = true))]
    locks: Option<Vec<Name>>,
    /// Re-entrant locks (threading.RLock): the thread that holds one may lock it again, and
    /// it is free when every `lock` has had its `unlock`.
    #[schemars(extend("uniqueItems" = true))]
    rlocks: Option<Vec<Name>>,
    /// Counting semaphores (threading.Semaphore / BoundedSemaphore), taken with `acquire` and
    /// `try_acquire` and given back with `release`. An array of inline tables, or
    /// `[[semaphores]]` tables (the same TOML data).
    semaphores: Option<Vec<Semaphore>>,
    /// Events (threading.Event), initially clear: `signal` sets one, `clear` clears it, `wait`
    /// waits until it is set, is_set(EVENT) reads it.
    #[schemars(extend("uniqueItems" = true))]
    events: Option<Vec<Name>>,
    /// Condition variables (threading.Condition), each over a lock of `locks`. An array of
    /// inline tables, or `[[conditions]]` tables.
    conditions: Option<Vec<Condition>>,
    /// Barriers (threading.Barrier), reusable: `wait` blocks until `parties` threads have
    /// arrived. An array of inline tables, or `[[barriers]]` tables.
    barriers: Option<Vec<Barrier>>,
    /// FIFO queues of i64 values: `put` appends, `get` takes the front, len(QUEUE) is the
    /// length. An array of inline tables, or `[[queues]]` tables.
    queues: Option<Vec<Queue>>,
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

/// A semaphore: a counter that `acquire` waits to decrement and `release` increments.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Semaphore {
    /// The semaphore's name.
    name: Name,
    /// The initial value. Default: 1.
    #[schemars(range(min = 0))]
    value: Option<i64>,
    /// A bounded semaphore: a `release` above the initial value is a runtime error. Default:
    /// false.
    bounded: Option<bool>,
}

/// A condition variable: `wait` (holding its lock) releases the lock and waits to be
/// notified, then takes the lock again; `notify` and `notify_all` (holding it) wake the
/// longest waiting thread or every one.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Condition {
    /// The condition's name.
    name: Name,
    /// Its lock: a plain lock declared in `locks` (not an rlock).
    lock: Name,
}

/// A reusable barrier: the `parties`-th `wait` of a round releases every thread of the round.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Barrier {
    /// The barrier's name.
    name: Name,
    /// How many threads a round waits for.
    #[schemars(range(min = 1, max = u32::MAX))]
    parties: u32,
}

/// A FIFO queue of i64 values.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Queue {
    /// The queue's name (not an account's).
    name: Name,
    /// The most values it holds: `put` waits while it is full. Default: 0, unbounded.
    #[schemars(range(min = 0))]
    capacity: Option<i64>,
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
    #[schemars(range(min = 1, max = u32::MAX))]
    depth: Option<u32>,
    /// round-robin: steps a thread runs before the turn passes. Default: 1.
    #[schemars(range(min = 1, max = u32::MAX))]
    quantum: Option<u32>,
    /// scripted: the exact interleaving, one transaction name per step.
    schedule: Option<Vec<Name>>,
    /// os-threads: the real duration of one tick of delay, a whole number with a unit: "1ms",
    /// "500us", "2s", "10ns". Default: "1ms".
    #[schemars(regex(pattern = r"^\s*[0-9]+\s*(ns|us|µs|ms|s)\s*$"))]
    tick: Option<String>,
    /// run / sweep: stop a run after this many steps with status `limit` (`--max-steps`
    /// overrides it; explore ignores it). Default: 100000 for a scenario with a `while`, else
    /// no limit.
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
    /// How many transactions run at once; the rest wait for a free worker, in file order. A
    /// blocked transaction keeps its worker. Default: one worker per transaction.
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
    /// The transaction's (thread's) name, used in logs, schedules and `join`.
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
    #[schemars(range(min = 1, max = u32::MAX))]
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

/// One step: an inline table with exactly one operation key, the keys that operation takes,
/// and an optional `delay`. Every step is one atomic action and one scheduling point.
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
    /// `{ write = "A", value = "EXPR" }`: the balance of A := EXPR.
    Write {
        /// The account to write.
        write: Name,
        /// The new balance, over locals and accounts.
        value: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ set = "x", value = "EXPR" }`: local x := EXPR.
    Set {
        /// The local to assign.
        set: Name,
        /// The local's new value, over locals and accounts.
        value: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ atomic_add = "A", value = "EXPR" }`: the balance of A += EXPR in one atomic step.
    AtomicAdd {
        /// The account to add to.
        atomic_add: Name,
        /// The amount added, over locals and accounts.
        value: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ lock = "m" }`: acquire lock m, waiting while another thread holds it. A plain lock
    /// is not re-entrant; an rlock held by this thread is taken once more.
    Lock {
        /// A lock declared in `locks` or `rlocks`.
        lock: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ unlock = "m" }`: release lock m (an rlock: once), which the thread must hold.
    Unlock {
        /// A lock declared in `locks` or `rlocks`.
        unlock: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ try_lock = "m", into = "x" }`: take lock m if `lock` would not wait (x := 1), else
    /// x := 0; never waits.
    TryLock {
        /// A lock declared in `locks` or `rlocks`.
        try_lock: Name,
        /// The local that receives 1 (taken) or 0.
        into: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ acquire = "s" }`: wait until semaphore s is above 0, then decrement it.
    Acquire {
        /// A semaphore declared in `semaphores`.
        acquire: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ release = "s" }`: increment semaphore s; above the initial value of a bounded one:
    /// a runtime error.
    Release {
        /// A semaphore declared in `semaphores`.
        release: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ try_acquire = "s", into = "x" }`: if semaphore s is above 0, decrement it and x := 1,
    /// else x := 0; never waits.
    TryAcquire {
        /// A semaphore declared in `semaphores`.
        try_acquire: Name,
        /// The local that receives 1 (acquired) or 0.
        into: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ signal = "e" }`: set event e.
    Signal {
        /// An event declared in `events`.
        signal: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ clear = "e" }`: clear event e.
    Clear {
        /// An event declared in `events`.
        clear: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ wait = "e" }`: an event: wait until it is set. A condition (holding its lock): release
    /// the lock, wait to be notified, then take the lock again (a generated `reacquire` step).
    /// A barrier: arrive, and wait until the round has all its parties.
    Wait {
        /// An event, condition or barrier.
        wait: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ notify = "c" }`: wake the longest waiting thread of condition c (holding its lock).
    Notify {
        /// A condition declared in `conditions`.
        notify: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ notify_all = "c" }`: wake every waiting thread of condition c (holding its lock).
    NotifyAll {
        /// A condition declared in `conditions`.
        notify_all: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ put = "q", value = "EXPR" }`: append EXPR to queue q, waiting while it is full.
    Put {
        /// A queue declared in `queues`.
        put: Name,
        /// The value appended, over locals and accounts.
        value: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ get = "q", into = "x" }`: wait until queue q is not empty, then x := its front value,
    /// removed.
    Get {
        /// A queue declared in `queues`.
        get: Name,
        /// The local that receives the value.
        into: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ join = "T" }`: wait until transaction T has finished.
    Join {
        /// Another transaction.
        join: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ await = "EXPR" }`: wait until EXPR is non-zero (a guard over the current state).
    Await {
        /// The guard, over locals, accounts, len() and is_set().
        #[serde(rename = "await")]
        await_: Expr,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ assert = "EXPR", message = "text" }`: if EXPR is 0 the run ends with status error,
    /// `THREAD: assertion failed: TEXT`.
    Assert {
        /// The condition that must hold.
        assert: Expr,
        /// The failure's text. Default: the expression.
        message: Option<String>,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ cas = "A", expect = "EXPR", value = "EXPR", into = "x" }`: compare-and-swap: if the
    /// balance of A equals `expect`, it becomes `value` and x := 1; else x := 0.
    Cas {
        /// The account to compare and swap.
        cas: Name,
        /// The balance expected, evaluated first.
        expect: Expr,
        /// The new balance, evaluated second.
        value: Expr,
        /// The local that receives 1 (swapped) or 0.
        into: Name,
        /// Ticks the thread sleeps after the step. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ if = "EXPR", then = [STEPS], else = [STEPS] }`: evaluating EXPR is the step; the
    /// thread goes on with `then` (non-zero) or `else` (zero), then after the `if`.
    If {
        /// The condition.
        #[serde(rename = "if")]
        if_: Expr,
        /// The steps run when the condition is non-zero; may be empty.
        then: Vec<Step>,
        /// The steps run when it is zero; may be empty. Default: none.
        #[serde(rename = "else")]
        else_: Option<Vec<Step>>,
        /// Ticks the thread sleeps after the evaluation. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ while = "EXPR", steps = [STEPS] }`: evaluating EXPR is the step; non-zero: the thread
    /// runs `steps` and comes back to it; zero: it goes on after the loop.
    While {
        /// The loop's condition.
        #[serde(rename = "while")]
        while_: Expr,
        /// The loop's body; may be empty (a spin-wait).
        steps: Vec<Step>,
        /// Ticks the thread sleeps after each evaluation. Default: 0.
        #[schemars(range(min = 0))]
        delay: Option<i64>,
    },
    /// `{ require = "EXPR" }`: when EXPR is 0 the transaction ends here, declined.
    Require {
        /// The condition, over locals and accounts.
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
    /// explore: the exact set of reachable outcomes. Every reachable outcome must match an
    /// entry and every entry a reachable outcome; run and sweep accept it.
    #[schemars(extend("uniqueItems" = true))]
    outcomes: Option<Vec<Outcome>>,
    /// Conditions checked in the initial state and after every step.
    always: Option<Vec<Expr>>,
    /// Conditions checked where a run ends (ok, deadlock, error) or stops at the step limit.
    at_end: Option<Vec<Expr>>,
    /// The values every run must end with (or stop at the step limit with): the accounts and
    /// queues named; the others may have any value.
    #[serde(rename = "final")]
    final_state: Option<EndState>,
}

/// An expected outcome: a table of values, or a status.
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(transform = exactly_one)]
enum Outcome {
    /// Any outcome of this status.
    Status(Status),
    /// The ok outcomes whose named accounts and queues have these values.
    EndState(EndState),
}

/// An outcome's status other than ok.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    /// Some threads are blocked forever.
    Deadlock,
    /// The threads can only keep stepping forever, never reaching an end.
    Livelock,
    /// A runtime error (overflow, division by zero, unlocking a lock not held, a failed
    /// assert, ...).
    Error,
}

/// `account = balance` and `queue = [values]` for some accounts and queues; an account or
/// queue not named matches any value.
#[derive(JsonSchema)]
#[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
struct EndState(BTreeMap<String, EndValue>);

/// The value of an account or a queue at the end of a run.
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(transform = exactly_one)]
enum EndValue {
    /// An account's balance.
    Balance(i64),
    /// A queue's contents, front first ([] for empty).
    Contents(Vec<i64>),
}
