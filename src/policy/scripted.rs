//! `scripted`: the schedule names the thread of every step; a name that is not ready, running
//! out of names, or names left over at the end are errors naming the position.

use super::{Policy, ScheduleError};
use crate::scenario::ThreadId;

#[derive(Debug, Clone)]
pub struct Scripted {
    schedule: Vec<ThreadId>,
    position: usize,
}

impl Scripted {
    pub fn new(schedule: Vec<ThreadId>) -> Scripted {
        Scripted {
            schedule,
            position: 0,
        }
    }
}

impl Policy for Scripted {
    fn pick(&mut self, ready: &[ThreadId], step: u64) -> Result<ThreadId, ScheduleError> {
        let Some(&wanted) = self.schedule.get(self.position) else {
            return Err(ScheduleError::RanOut {
                entries: self.schedule.len(),
                ready: ready.to_vec(),
            });
        };
        if !ready.contains(&wanted) {
            return Err(ScheduleError::NotReady {
                position: step,
                wanted,
                ready: ready.to_vec(),
            });
        }
        self.position += 1;
        Ok(wanted)
    }

    fn finish(&mut self, steps: u64) -> Result<(), ScheduleError> {
        if self.position < self.schedule.len() {
            return Err(ScheduleError::LeftOver {
                steps,
                entries: self.schedule.len(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_script() {
        let mut s = Scripted::new(vec![1, 0, 1]);
        assert_eq!(s.pick(&[0, 1], 1), Ok(1));
        assert_eq!(s.pick(&[0, 1], 2), Ok(0));
        assert_eq!(s.pick(&[1], 3), Ok(1));
        assert_eq!(s.finish(3), Ok(()));
    }

    #[test]
    fn errors_name_the_position() {
        let mut s = Scripted::new(vec![0, 0]);
        assert_eq!(s.pick(&[0, 1], 1), Ok(0));
        assert_eq!(
            s.pick(&[1], 2),
            Err(ScheduleError::NotReady {
                position: 2,
                wanted: 0,
                ready: vec![1]
            })
        );
        let mut s = Scripted::new(vec![0]);
        s.pick(&[0, 1], 1).unwrap();
        assert_eq!(
            s.pick(&[1], 2),
            Err(ScheduleError::RanOut {
                entries: 1,
                ready: vec![1]
            })
        );
        let mut s = Scripted::new(vec![0, 1]);
        s.pick(&[0], 1).unwrap();
        assert_eq!(s.finish(1), Err(ScheduleError::LeftOver { steps: 1, entries: 2 }));
    }
}
