//! The view model of the timeline strip: the checkpoint bars packed into lanes (older ones from
//! the run's strip, the recent ones as the simulation has them, and while rewound the ones
//! ahead as they were at the furthest point), the narration steps, the faults and the failovers,
//! with the frame on screen and the furthest point reached. Pure Rust, tested natively.

use super::model::lanes;
use super::run::{Run, StripEntry};
use crate::sim::ids::SimTime;

/// One bar of the strip.
#[derive(Clone, Debug, PartialEq)]
pub struct StripBar {
    pub entry: StripEntry,
    /// From the frame ahead (rewound): the run as it went on, drawn faded.
    pub ahead: bool,
    pub lane: usize,
    /// Trigger and end (µs; a pending one ends at the frame, or at the furthest point ahead).
    pub start_us: u64,
    pub end_us: u64,
}

/// A tick on the strip: its time (µs) and tooltip.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub at_us: u64,
    pub title: String,
}

/// What the timeline shows.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineView {
    pub now: SimTime,
    pub furthest: SimTime,
    /// The expanded checkpoint (its bar is highlighted).
    pub selected: Option<u64>,
    pub bars: Vec<StripBar>,
    pub lanes: usize,
    pub steps: Vec<Tick>,
    pub faults: Vec<Tick>,
    pub restarts: Vec<Tick>,
}

impl TimelineView {
    pub fn of(run: &Run, selected: Option<u64>) -> Self {
        let sim = run.sim();
        let now = sim.now();
        let furthest = run.furthest().now;
        let recent: Vec<StripEntry> = sim.stats().history().iter().map(StripEntry::from).collect();
        let current: Vec<&StripEntry> = run.older().iter().chain(recent.iter()).collect();
        let last_id = current.last().map(|e| e.last_id);
        let ahead = run
            .ahead()
            .iter()
            .filter(|e| Some(e.id) > last_id || e.trigger > now);
        let all: Vec<&StripEntry> = current.iter().copied().chain(ahead).collect();
        let is_ahead = |e: &StripEntry| Some(e.id) > last_id;
        let end_of = |e: &StripEntry| {
            let open_end = if is_ahead(e) { furthest.0 } else { now.0 };
            e.end.map_or(open_end, |t| t.0)
        };
        let lane_of = lanes(&all, &end_of);
        let bars: Vec<StripBar> = all
            .iter()
            .zip(&lane_of)
            .map(|(e, lane)| StripBar {
                entry: (*e).clone(),
                ahead: is_ahead(e),
                lane: *lane,
                start_us: e.trigger.0,
                end_us: end_of(e),
            })
            .collect();
        let reached = furthest.0.max(now.0);
        let restarts = run
            .older_restarts()
            .iter()
            .map(|m| (m.at, m.cause.as_str(), m.restored_checkpoint_id))
            .chain(
                sim.job()
                    .restarts
                    .iter()
                    .map(|r| (r.at, r.cause.as_str(), r.restored_checkpoint_id)),
            )
            .map(|(at, cause, restored)| Tick {
                at_us: at.0,
                title: format!(
                    "{} ms: failover ({cause}){}",
                    at.as_ms(),
                    restored
                        .map(|c| format!(", restored checkpoint {c}"))
                        .unwrap_or_default()
                ),
            })
            .collect();
        TimelineView {
            now,
            furthest,
            selected,
            lanes: lane_of.iter().max().map_or(1, |l| l + 1),
            bars,
            steps: sim
                .scenario()
                .steps
                .iter()
                .map(|s| Tick {
                    at_us: s.at_ms * 1000,
                    title: format!("{} ms: {}", s.at_ms, s.text),
                })
                .collect(),
            faults: sim
                .faults()
                .iter()
                .filter(|f| f.at_ms * 1000 <= reached)
                .map(|f| Tick {
                    at_us: f.at_ms * 1000,
                    title: format!("{} ms: fault {}", f.at_ms, f.fault.label()),
                })
                .collect(),
            restarts,
        }
    }

    /// The strip's time span in µs (at least 1 s).
    pub fn span_us(&self) -> u64 {
        self.furthest.0.max(self.now.0).max(1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::scenarios;

    #[test]
    fn bars_follow_the_history_and_pack_into_at_most_four_lanes() {
        let s = scenarios::find("concurrent-subsumption")
            .unwrap()
            .parse()
            .unwrap();
        let mut run = Run::new(crate::sim::Simulation::new(s).unwrap());
        run.play_to(SimTime::from_ms(6000), &mut || false).unwrap();
        let v = TimelineView::of(&run, None);
        assert!(!v.bars.is_empty());
        assert!(v.lanes >= 1 && v.lanes <= 4);
        assert!(v.bars.iter().all(|b| !b.ahead && b.start_us <= b.end_us));
        assert_eq!(v.span_us(), v.now.0.max(1_000_000));
    }

    #[test]
    fn rewound_the_bars_ahead_are_marked() {
        let s = scenarios::find("happy-path").unwrap().parse().unwrap();
        let mut run = Run::new(crate::sim::Simulation::new(s).unwrap());
        run.play_to(SimTime::from_ms(5000), &mut || false).unwrap();
        run.seek_ms(500).unwrap();
        let v = TimelineView::of(&run, Some(1));
        assert!(v.now < v.furthest);
        assert!(
            v.bars.iter().any(|b| b.ahead),
            "checkpoints after 500 ms are ahead"
        );
        assert_eq!(v.selected, Some(1));
    }
}
