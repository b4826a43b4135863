//! `scripted`: the schedule names the thread of every step; a name that is not ready, running
//! out of names, or names left over at the end are errors naming the position.

use super::Policy;
use crate::scenario::ThreadId;

#[derive(Debug, Clone)]
pub struct Scripted {
    schedule: Vec<ThreadId>,
    names: Vec<String>,
    position: usize,
}

impl Scripted {
    /// `names` are the transaction names, for error messages.
    pub fn new(schedule: Vec<ThreadId>, names: Vec<String>) -> Scripted {
        Scripted {
            schedule,
            names,
            position: 0,
        }
    }

    fn list(&self, ready: &[ThreadId]) -> String {
        ready
            .iter()
            .map(|&t| self.names[t].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Policy for Scripted {
    fn pick(&mut self, ready: &[ThreadId], step: u64) -> Result<ThreadId, String> {
        let Some(&wanted) = self.schedule.get(self.position) else {
            return Err(format!(
                "schedule ran out after {}, but the run goes on (ready: {})",
                count(self.schedule.len() as u64, "entry", "entries"),
                self.list(ready)
            ));
        };
        if !ready.contains(&wanted) {
            return Err(format!(
                "schedule position {step}: `{}` is not ready (ready: {})",
                self.names[wanted],
                self.list(ready)
            ));
        }
        self.position += 1;
        Ok(wanted)
    }

    fn finish(&mut self, steps: u64) -> Result<(), String> {
        if self.position < self.schedule.len() {
            return Err(format!(
                "the run ended after {}, but the schedule has {}",
                count(steps, "step", "steps"),
                count(self.schedule.len() as u64, "entry", "entries")
            ));
        }
        Ok(())
    }
}

/// "1 entry", "2 entries".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(schedule: &[ThreadId]) -> Scripted {
        Scripted::new(schedule.to_vec(), vec!["a".into(), "b".into()])
    }

    #[test]
    fn follows_the_script() {
        let mut s = script(&[1, 0, 1]);
        assert_eq!(s.pick(&[0, 1], 1), Ok(1));
        assert_eq!(s.pick(&[0, 1], 2), Ok(0));
        assert_eq!(s.pick(&[1], 3), Ok(1));
        assert_eq!(s.finish(3), Ok(()));
    }

    #[test]
    fn errors_name_the_position() {
        let mut s = script(&[0, 0]);
        assert_eq!(s.pick(&[0, 1], 1), Ok(0));
        assert_eq!(
            s.pick(&[1], 2),
            Err("schedule position 2: `a` is not ready (ready: b)".into())
        );
        let mut s = script(&[0]);
        s.pick(&[0, 1], 1).unwrap();
        assert_eq!(
            s.pick(&[1], 2),
            Err("schedule ran out after 1 entry, but the run goes on (ready: b)".into())
        );
        let mut s = script(&[0, 1]);
        s.pick(&[0], 1).unwrap();
        assert_eq!(
            s.finish(1),
            Err("the run ended after 1 step, but the schedule has 2 entries".into())
        );
    }
}
