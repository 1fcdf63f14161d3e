//! A figure the app computes from the run at most when the run has moved (events processed,
//! inputs applied), and while playing a big job at most once per so many milliseconds of wall
//! time: the exactly-once oracle's verdict.

use crate::sim::Simulation;
use std::cell::RefCell;

/// A value with the run's (events processed, inputs applied) and the wall time it was computed.
type Stamped<T> = ((u64, usize), f64, T);

/// The last value computed.
pub struct Throttled<T> {
    last: RefCell<Option<Stamped<T>>>,
}

impl<T: Clone> Throttled<T> {
    pub fn new() -> Self {
        Throttled {
            last: RefCell::new(None),
        }
    }

    /// The value for `sim` now (`now_ms`, wall time): the last one if the run has not moved, or
    /// if it is younger than `every_ms` (None: recompute whenever the run moved).
    pub fn get(
        &self,
        sim: &Simulation,
        now_ms: f64,
        every_ms: Option<f64>,
        compute: impl FnOnce() -> T,
    ) -> T {
        let key = (sim.events_processed(), sim.inputs().len());
        if let Some((k, at, value)) = &*self.last.borrow() {
            let throttled = every_ms.is_some_and(|every| now_ms - at < every);
            if *k == key || throttled {
                return value.clone();
            }
        }
        let value = compute();
        self.last.replace(Some((key, now_ms, value.clone())));
        value
    }

    /// Forgets the last value (another run is on screen).
    pub fn clear(&self) {
        self.last.replace(None);
    }
}
