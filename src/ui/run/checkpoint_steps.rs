//! Steps to the next or the previous checkpoint event (a trigger, a barrier reaching a subtask,
//! an ack, a completion, an abort): the frames where the [`checkpoint_signature`] of the run
//! changes. Forward it steps event by event; backward it re-simulates windows of growing
//! length back from the frame on screen (the simulation only runs forward).

use super::{Goal, ReplayError, Run, CHECKPOINT_STEP_LIMIT, INITIAL_KEYFRAME_INTERVAL_US};
use crate::sim::ids::SimTime;
use crate::sim::Simulation;

/// A fingerprint of the checkpoint activity in a frame: it changes when a checkpoint is
/// triggered, a barrier reaches a subtask (its alignment progresses or its snapshot starts), a
/// subtask acknowledges, or a checkpoint completes or is aborted.
pub fn checkpoint_signature(sim: &Simulation) -> u64 {
    let mix = |h: u64, v: u64| (h ^ v).wrapping_mul(0x100_0000_01b3);
    let c = sim.stats().counts;
    let mut h = 0xcbf2_9ce4_8422_2325;
    for v in [c.total, c.completed, c.failed] {
        h = mix(h, v);
    }
    for p in sim.coordinator().pending.values() {
        h = mix(h, p.id.0);
        h = mix(h, p.num_acknowledged() as u64);
        h = mix(h, p.is_finalizing() as u64);
    }
    for t in sim.tasks() {
        h = mix(
            h,
            t.alignment().map_or(0, |a| a.received.count() as u64 + 1),
        );
        h = mix(h, t.in_sync().map_or(0, |id| id.0 + 1));
        h = mix(h, t.in_progress.len() as u64);
        h = mix(h, t.last_snapshot.as_ref().map_or(0, |s| s.0 .0));
    }
    h
}

impl Run {
    /// Steps forward to the next checkpoint event (a trigger, a barrier reaching a subtask, an
    /// ack, a completion, an abort): the next frame whose [`checkpoint_signature`] differs.
    /// Gives up after [`CHECKPOINT_STEP_LIMIT`] events (for example with checkpointing off);
    /// returns whether it found one.
    pub fn step_checkpoint(&mut self) -> Result<bool, ReplayError> {
        let start = checkpoint_signature(&self.sim);
        for _ in 0..CHECKPOINT_STEP_LIMIT {
            if !self.step()? {
                return Ok(false);
            }
            if checkpoint_signature(&self.sim) != start {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Steps back to the previous checkpoint event: the latest frame before the shown one
    /// right after an event that changed the [`checkpoint_signature`] (re-simulating windows
    /// of growing length back from the shown frame). Stays put when there is none.
    pub fn step_back_checkpoint(&mut self) -> Result<bool, ReplayError> {
        let target = self.frame();
        let mut window = INITIAL_KEYFRAME_INTERVAL_US;
        let mut until = target.now.0;
        loop {
            let from = until.saturating_sub(window);
            if from == 0 {
                // From the very start (no event yet): a trigger at 0 ms is an event to land on.
                self.seek(Goal {
                    t: SimTime::ZERO,
                    events: Some(0),
                    inputs: Some(0),
                    settle: true,
                })?;
            } else {
                self.seek(Goal::at(SimTime(from)))?;
            }
            if self.frame().events > target.events {
                // A frame at `from` past the target's events (same instant): start earlier.
                self.seek(Goal::at(SimTime(from.saturating_sub(1))))?;
            }
            let mut sig = checkpoint_signature(&self.sim);
            let mut last = None;
            while self.frame().events < target.events {
                if !self.step()? {
                    break;
                }
                let s = checkpoint_signature(&self.sim);
                if s != sig && self.frame().events < target.events {
                    last = Some(self.frame());
                }
                sig = s;
            }
            if let Some(f) = last {
                self.seek(Goal::frame(f))?;
                return Ok(true);
            }
            if from == 0 {
                self.seek(Goal::frame(target))?;
                return Ok(false);
            }
            until = from;
            window = window.saturating_mul(2);
        }
    }
}
