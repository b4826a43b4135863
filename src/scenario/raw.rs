//! The scenario file as serde sees it: every key optional where the format allows, unknown keys
//! rejected, and spans kept on every value that validation may need to point at.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<Spanned<String>>,
    pub description: Option<String>,
    #[serde(default)]
    pub locks: Vec<Spanned<String>>,
    #[serde(default)]
    pub rlocks: Vec<Spanned<String>>,
    #[serde(default)]
    pub semaphores: Vec<Spanned<RawSemaphore>>,
    #[serde(default)]
    pub events: Vec<Spanned<String>>,
    #[serde(default)]
    pub conditions: Vec<Spanned<RawCondition>>,
    #[serde(default)]
    pub barriers: Vec<Spanned<RawBarrier>>,
    #[serde(default)]
    pub queues: Vec<Spanned<RawQueue>>,
    pub scheduler: Option<RawScheduler>,
    pub pool: Option<RawPool>,
    #[serde(default)]
    pub accounts: Vec<Spanned<RawAccount>>,
    #[serde(default)]
    pub transactions: Vec<Spanned<RawTransaction>>,
    pub expect: Option<RawExpect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSemaphore {
    pub name: Spanned<String>,
    pub value: Option<Spanned<i64>>,
    pub bounded: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub name: Spanned<String>,
    pub lock: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBarrier {
    pub name: Spanned<String>,
    pub parties: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    pub name: Spanned<String>,
    pub capacity: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    pub policy: Option<Spanned<String>>,
    pub seed: Option<Spanned<i64>>,
    pub depth: Option<Spanned<i64>>,
    pub quantum: Option<Spanned<i64>>,
    pub schedule: Option<Vec<Spanned<String>>>,
    pub tick: Option<Spanned<String>>,
    pub max_steps: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    pub workers: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccount {
    pub name: Spanned<String>,
    #[serde(default)]
    pub balance: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransaction {
    pub name: Spanned<String>,
    pub kind: Option<Spanned<String>>,
    pub account: Option<Spanned<String>>,
    pub from: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub amount: Option<Spanned<i64>>,
    pub delay: Option<Spanned<i64>>,
    pub repeat: Option<Spanned<i64>>,
    pub steps: Option<RawSteps>,
}

/// A list of steps as written: a transaction's `steps`, an `if`'s `then`/`else`, a `while`'s body.
pub type RawSteps = Spanned<Vec<Spanned<RawStep>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub read: Option<Spanned<String>>,
    pub into: Option<Spanned<String>>,
    pub write: Option<Spanned<String>>,
    pub value: Option<Spanned<String>>,
    pub set: Option<Spanned<String>>,
    pub atomic_add: Option<Spanned<String>>,
    pub lock: Option<Spanned<String>>,
    pub unlock: Option<Spanned<String>>,
    pub try_lock: Option<Spanned<String>>,
    pub acquire: Option<Spanned<String>>,
    pub release: Option<Spanned<String>>,
    pub try_acquire: Option<Spanned<String>>,
    pub signal: Option<Spanned<String>>,
    pub clear: Option<Spanned<String>>,
    pub wait: Option<Spanned<String>>,
    pub notify: Option<Spanned<String>>,
    pub notify_all: Option<Spanned<String>>,
    pub put: Option<Spanned<String>>,
    pub get: Option<Spanned<String>>,
    pub join: Option<Spanned<String>>,
    #[serde(rename = "await")]
    pub await_: Option<Spanned<String>>,
    pub assert: Option<Spanned<String>>,
    pub message: Option<Spanned<String>>,
    pub cas: Option<Spanned<String>>,
    pub expect: Option<Spanned<String>>,
    #[serde(rename = "if")]
    pub if_: Option<Spanned<String>>,
    pub then: Option<RawSteps>,
    #[serde(rename = "else")]
    pub else_: Option<RawSteps>,
    #[serde(rename = "while")]
    pub while_: Option<Spanned<String>>,
    pub steps: Option<RawSteps>,
    pub require: Option<Spanned<String>>,
    pub sleep: Option<Spanned<i64>>,
    pub log: Option<Spanned<String>>,
    pub delay: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    #[serde(rename = "final")]
    pub final_balances: Option<Spanned<Entries>>,
    #[serde(default)]
    pub always: Vec<Spanned<String>>,
    #[serde(default)]
    pub at_end: Vec<Spanned<String>>,
    pub outcomes: Option<Vec<Spanned<RawOutcome>>>,
}

#[derive(Debug)]
pub enum RawOutcome {
    Status(String),
    Balances(Entries),
}

/// A table of `account = balance` and `queue = [values]` entries, in file order, with spans.
#[derive(Debug, Default, Clone)]
pub struct Entries(pub Vec<(Spanned<String>, Spanned<RawValue>)>);

/// The value of an entry: a balance, or a queue's contents.
#[derive(Debug, Clone)]
pub enum RawValue {
    Int(i64),
    List(Vec<i64>),
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer (a balance) or an array of integers (a queue)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawValue, E> {
                Ok(RawValue::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawValue, E> {
                i64::try_from(v)
                    .map(RawValue::Int)
                    .map_err(|_| E::custom(format!("integer `{v}` is out of the i64 range")))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<i64>()? {
                    out.push(v);
                }
                Ok(RawValue::List(out))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of account = balance and queue = [values]")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Visitor)
    }
}

impl<'de> Deserialize<'de> for RawOutcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Written by hand: serde's untagged enums buffer values and lose toml's spans.
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawOutcome;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of balances, \"deadlock\", \"livelock\" or \"error\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawOutcome, E> {
                Ok(RawOutcome::Status(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawOutcome, A::Error> {
                let entries = Entries::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RawOutcome::Balances(entries))
            }
        }
        d.deserialize_any(Visitor)
    }
}
