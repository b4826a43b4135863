//! The shared objects of a scenario (locks, rlocks, semaphores, events, conditions, barriers,
//! queues): their declarations checked, their names unique across every kind (and a queue's
//! distinct from every account's), and one index that resolves a step's target with its kind.

use std::collections::HashMap;

use toml::Spanned;

use super::{Names, Result, Validator, suggestion};
use crate::scenario::raw::RawScenario;
use crate::scenario::{Barrier, CondVar, Lock, LockId, Queue, Semaphore};

/// What a name among the shared objects is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Object {
    Lock(LockId),
    Semaphore(usize),
    Event(usize),
    Condition(usize),
    Barrier(usize),
    Queue(usize),
}

/// Every shared object, declared and indexed.
pub(super) struct Objects {
    pub locks: Vec<Lock>,
    pub semaphores: Vec<Semaphore>,
    pub events: Vec<String>,
    pub conditions: Vec<CondVar>,
    pub barriers: Vec<Barrier>,
    pub queues: Vec<Queue>,
    index: HashMap<String, Object>,
    /// Every object name in file order, for hints.
    all: Vec<String>,
}

impl Objects {
    pub fn get(&self, name: &str) -> Option<Object> {
        self.index.get(name).copied()
    }

    /// The object's kind, in words: "a lock", "an rlock", "a semaphore", ...
    pub fn kind(&self, object: Object) -> &'static str {
        match object {
            Object::Lock(l) if self.locks[l].reentrant => "an rlock",
            Object::Lock(_) => "a lock",
            Object::Semaphore(_) => "a semaphore",
            Object::Event(_) => "an event",
            Object::Condition(_) => "a condition",
            Object::Barrier(_) => "a barrier",
            Object::Queue(_) => "a queue",
        }
    }

    /// The names of the objects of one kind ("lock" also names the rlocks), at most a few.
    pub fn names_of_kind(&self, what: &str) -> Vec<String> {
        let names: Vec<String> = match what {
            "lock" => self.locks.iter().map(|l| l.name.clone()).collect(),
            "semaphore" => self.semaphores.iter().map(|s| s.name.clone()).collect(),
            "event" => self.events.clone(),
            "condition" => self.conditions.iter().map(|c| c.name.clone()).collect(),
            "queue" => self.queues.iter().map(|q| q.name.clone()).collect(),
            _ => Vec::new(),
        };
        names.into_iter().take(8).collect()
    }

    /// A hint for an unknown object name: the closest name of any kind.
    pub fn suggestion(&self, name: &str) -> Option<String> {
        suggestion(name, &self.all, "object")
    }

    /// The names of the queues, indexed (for `len(q)` and `[expect]` entries).
    pub fn queue_names(&self) -> Names {
        names_of(self.queues.iter().map(|q| q.name.clone()), "queue")
    }

    /// The names of the events, indexed (for `is_set(e)`).
    pub fn event_names(&self) -> Names {
        names_of(self.events.iter().cloned(), "event")
    }
}

fn names_of(list: impl Iterator<Item = String>, what: &'static str) -> Names {
    let list: Vec<String> = list.collect();
    let index = list.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
    Names { list, index, what }
}

impl Validator<'_> {
    /// Declares every shared object of `raw`; names are unique across the kinds, and no queue is
    /// named like an account.
    pub(super) fn objects(&self, raw: &RawScenario, accounts: &Names) -> Result<Objects> {
        let mut objects = Objects {
            locks: Vec::new(),
            semaphores: Vec::new(),
            events: Vec::new(),
            conditions: Vec::new(),
            barriers: Vec::new(),
            queues: Vec::new(),
            index: HashMap::new(),
            all: Vec::new(),
        };
        let declare = |objects: &mut Objects,
                       name: &Spanned<String>,
                       kind: &str,
                       object: Object|
         -> Result<()> {
            self.name(name, kind)?;
            if let Some(before) = objects.get(name.get_ref()) {
                // Twice in one list: a plain duplicate.
                let same_kind = objects.kind(before).split(' ').nth(1) == Some(kind);
                if same_kind {
                    return Err(self.err(name.span(), format!("duplicate {kind} name `{}`", name.get_ref())));
                }
                return Err(self.err_help(
                    name.span(),
                    format!(
                        "`{}` is already {}; the names of locks, rlocks, semaphores, events, conditions, barriers and queues are unique across all of them",
                        name.get_ref(),
                        objects.kind(before)
                    ),
                    None,
                ));
            }
            objects.index.insert(name.get_ref().clone(), object);
            objects.all.push(name.get_ref().clone());
            Ok(())
        };
        for (reentrant, list) in [(false, &raw.locks), (true, &raw.rlocks)] {
            for name in list {
                let id = objects.locks.len();
                objects.locks.push(Lock {
                    name: name.get_ref().clone(),
                    reentrant,
                });
                declare(
                    &mut objects,
                    name,
                    if reentrant { "rlock" } else { "lock" },
                    Object::Lock(id),
                )?;
            }
        }
        for s in &raw.semaphores {
            let s = s.get_ref();
            let initial = match &s.value {
                Some(v) => i64::try_from(self.non_negative(v, "a semaphore's `value`")?)
                    .map_err(|_| self.err(v.span(), "`value` is too large"))?,
                None => 1,
            };
            let id = objects.semaphores.len();
            declare(&mut objects, &s.name, "semaphore", Object::Semaphore(id))?;
            objects.semaphores.push(Semaphore {
                name: s.name.get_ref().clone(),
                initial,
                bounded: s.bounded.unwrap_or(false),
            });
        }
        for e in &raw.events {
            let id = objects.events.len();
            declare(&mut objects, e, "event", Object::Event(id))?;
            objects.events.push(e.get_ref().clone());
        }
        for b in &raw.barriers {
            let b = b.get_ref();
            let parties = u32::try_from(self.positive(&b.parties, "a barrier's `parties`")?)
                .map_err(|_| self.err(b.parties.span(), "`parties` is too large"))?;
            let id = objects.barriers.len();
            declare(&mut objects, &b.name, "barrier", Object::Barrier(id))?;
            objects.barriers.push(Barrier {
                name: b.name.get_ref().clone(),
                parties,
            });
        }
        for q in &raw.queues {
            let q = q.get_ref();
            let capacity = match &q.capacity {
                Some(c) => self.non_negative(c, "a queue's `capacity`")?,
                None => 0,
            };
            if accounts.get(q.name.get_ref()).is_some() {
                return Err(self.err_help(
                    q.name.span(),
                    format!(
                        "`{}` is already an account; a queue needs a name of its own",
                        q.name.get_ref()
                    ),
                    Some("expressions and [expect] entries name both accounts and queues".into()),
                ));
            }
            let id = objects.queues.len();
            declare(&mut objects, &q.name, "queue", Object::Queue(id))?;
            objects.queues.push(Queue {
                name: q.name.get_ref().clone(),
                capacity,
            });
        }
        // Last: a condition names a lock, which may be declared after it in the file.
        for c in &raw.conditions {
            let c = c.get_ref();
            let lock = match objects.get(c.lock.get_ref()) {
                Some(Object::Lock(l)) if !objects.locks[l].reentrant => l,
                Some(Object::Lock(_)) => {
                    return Err(self.err_help(
                        c.lock.span(),
                        format!(
                            "`{}` is an rlock; a condition's lock must be a plain lock",
                            c.lock.get_ref()
                        ),
                        Some(format!(
                            "declare it in `locks` instead of `rlocks`: locks = [\"{}\"]",
                            c.lock.get_ref()
                        )),
                    ));
                }
                Some(other) => {
                    return Err(self.err(
                        c.lock.span(),
                        format!(
                            "`{}` is {}; a condition's lock must be a lock",
                            c.lock.get_ref(),
                            objects.kind(other)
                        ),
                    ));
                }
                None => {
                    return Err(self.err_help(
                        c.lock.span(),
                        format!("unknown lock `{}`", c.lock.get_ref()),
                        Some(format!(
                            "a condition's lock must be declared in `locks`: locks = [\"{}\"]",
                            c.lock.get_ref()
                        )),
                    ));
                }
            };
            let id = objects.conditions.len();
            declare(&mut objects, &c.name, "condition", Object::Condition(id))?;
            objects.conditions.push(CondVar {
                name: c.name.get_ref().clone(),
                lock,
            });
        }
        Ok(objects)
    }
}
