//! One run on screen and its time travel: the timeline of user inputs, the frame being shown,
//! and keyframes to scrub back cheaply.
//!
//! A frame is a position on the timeline: `(now, events processed, inputs applied)`. Every frame
//! can be rebuilt exactly from the scenario, the seed and the timeline's inputs, because the
//! simulation is deterministic and inputs are only ever applied at a clean instant (after every
//! event at or before `now`; see [`Run::apply`]). Scrubbing back clones the nearest keyframe
//! before the target and re-simulates forward; keyframes are taken every `interval` of simulated
//! time, at most [`MAX_KEYFRAMES`] of them, fewer for a big job so that they stay within
//! [`KEYFRAME_MEMORY`] (the interval doubles and every other keyframe is
//! dropped when there would be more), never one per event.
//!
//! Applying an input while rewound forks the timeline: the inputs and keyframes after the
//! current frame are dropped, as in RaftScope and Runway.
//!
//! The steps to the next / previous checkpoint event live in `checkpoint_steps`, the timeline
//! strip's compact rows in `strip`. Pure Rust, no web dependency: tested natively.

use crate::sim::ids::SimTime;
use crate::sim::scenario::{CheckpointingSpec, FaultSpec, ScenarioError};

use crate::sim::{Input, Simulation};

mod checkpoint_steps;
mod strip;
pub use checkpoint_steps::checkpoint_signature;
pub use strip::{RestartMark, StripEntry};

/// Most keyframes kept at once.
pub const MAX_KEYFRAMES: usize = 48;
/// Fewest keyframes kept, however big the job (a production-size job's clone weighs tens of
/// megabytes: two keep the browser's heap within its budget; scrubbing re-simulates more).
pub const MIN_KEYFRAMES: usize = 2;
/// Memory the keyframes of one run may take, roughly, in bytes.
pub const KEYFRAME_MEMORY: usize = 48 << 20;
/// The first keyframe spacing, in simulated time.
pub const INITIAL_KEYFRAME_INTERVAL_US: u64 = 2_000_000;
/// Most bars the timeline strip keeps; beyond it the oldest are merged pairwise.
pub const STRIP_MAX: usize = 1024;

/// Checkpoint history rows the simulation keeps in the browser (Flink's web UI keeps 10); the
/// run keeps a compact row of every checkpoint (the strip) separately, once, so that keyframes
/// stay small.
pub const UI_HISTORY_ROWS: usize = 100;
/// Restart records the simulation keeps in the browser; the run keeps a timeline tick of every
/// restart separately.
pub const UI_RESTART_ROWS: usize = 32;
/// Checkpoints that keep per-subtask details in the browser (clicking an older row jumps to its
/// trigger time, where it has them again).
pub const UI_DETAIL_ROWS: usize = 16;
/// Most events [`Run::step_checkpoint`] processes looking for a checkpoint event.
pub const CHECKPOINT_STEP_LIMIT: usize = 500_000;

/// How many events are processed between two looks at the frame budget.
const BUDGET_CHECK_EVERY: u64 = 32;

/// A position on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Simulated time on screen, µs.
    pub now: SimTime,
    /// Events processed to get here.
    pub events: u64,
    /// Timeline inputs applied to get here.
    pub inputs: usize,
}

/// Where to move: to `t`, either after every event up to `t` (`events: None`) or after exactly
/// `events` events; with `inputs: None`, every timeline input up to `t` is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goal {
    pub t: SimTime,
    pub events: Option<u64>,
    pub inputs: Option<usize>,
    /// After reaching `events`, move the clock on to `t` (a paused frame between events).
    pub settle: bool,
}

impl Goal {
    /// After every event and input up to `t`: what playing to `t` or scrubbing to `t` shows.
    pub fn at(t: SimTime) -> Goal {
        Goal {
            t,
            events: None,
            inputs: None,
            settle: true,
        }
    }

    /// Exactly the given frame.
    pub fn frame(f: Frame) -> Goal {
        Goal {
            t: f.now,
            events: Some(f.events),
            inputs: Some(f.inputs),
            settle: true,
        }
    }
}

/// A user input that failed when replayed (a share link naming a subtask that does not exist).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayError {
    pub index: usize,
    pub error: ScenarioError,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "input {} cannot be replayed: {}", self.index, self.error)
    }
}

/// The run: the simulation on screen plus what is needed to move anywhere along its timeline.
#[derive(Debug, Clone)]
pub struct Run {
    sim: Simulation,
    /// Every input of the timeline, in order; the shown frame has applied a prefix of them.
    timeline: Vec<(SimTime, Input)>,
    keyframes: Vec<Simulation>,
    /// How many keyframes this job's size allows (see [`keyframe_budget`]).
    max_keyframes: usize,
    interval_us: u64,
    /// The furthest frame reached on this timeline.
    furthest: Frame,
    /// Every checkpoint of the furthest frame, without per-subtask details, for the timeline
    /// strip. Kept here, once, not in the simulation (whose history is bounded to
    /// [`UI_HISTORY_ROWS`] so that keyframes stay small): memory grows by one small row per
    /// checkpoint instead of one row per checkpoint per keyframe.
    strip: Vec<StripEntry>,
    /// Every restart of the furthest frame, for the timeline's ticks (thinned past
    /// [`STRIP_MAX`]); the simulation keeps only the newest [`UI_RESTART_ROWS`] records.
    restart_marks: Vec<RestartMark>,
    /// Keyframes taken and re-simulated events, for the diagnostics line and the tests.
    pub resimulated_events: u64,
}

impl Run {
    /// A run at time 0 of a freshly built simulation.
    pub fn new(mut sim: Simulation) -> Run {
        sim.set_history_limit(Some(UI_HISTORY_ROWS));
        sim.set_detail_limit(UI_DETAIL_ROWS);
        sim.set_restart_limit(Some(UI_RESTART_ROWS));
        let furthest = frame_of(&sim);
        Run {
            max_keyframes: keyframe_budget(&sim),
            keyframes: vec![sim.clone()],
            sim,
            timeline: Vec::new(),
            interval_us: INITIAL_KEYFRAME_INTERVAL_US,
            furthest,
            strip: Vec::new(),
            restart_marks: Vec::new(),
            resimulated_events: 0,
        }
    }

    /// A run that replays `inputs` and shows `frame` (a share link).
    pub fn replay(
        sim: Simulation,
        inputs: Vec<(SimTime, Input)>,
        frame: Goal,
    ) -> Result<Run, ReplayError> {
        let mut run = Run::new(sim);
        run.timeline = inputs;
        run.advance(frame, &mut || false)?;
        // Inputs beyond the frame stay on the timeline (the link was made while rewound).
        Ok(run)
    }

    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    pub fn frame(&self) -> Frame {
        frame_of(&self.sim)
    }

    pub fn furthest(&self) -> Frame {
        self.furthest
    }

    pub fn timeline(&self) -> &[(SimTime, Input)] {
        &self.timeline
    }

    pub fn keyframes(&self) -> usize {
        self.keyframes.len()
    }

    pub fn max_keyframes(&self) -> usize {
        self.max_keyframes
    }

    pub fn keyframe_interval_us(&self) -> u64 {
        self.interval_us
    }

    /// Every checkpoint up to the furthest frame (as it was there), oldest first.
    pub fn strip(&self) -> &[StripEntry] {
        &self.strip
    }

    /// Checkpoints triggered after the shown frame (known while rewound), for the timeline.
    pub fn ahead(&self) -> &[StripEntry] {
        let last = self.sim.stats().history().back().map(|e| e.id);
        let from = self.strip.partition_point(|e| Some(e.last_id) <= last);
        if self.is_rewound() {
            &self.strip[from..]
        } else {
            &[]
        }
    }

    /// Checkpoints older than the simulation's bounded history, from the strip.
    pub fn older(&self) -> &[StripEntry] {
        match self.sim.stats().history().front() {
            Some(first) => &self.strip[..self.strip.partition_point(|e| e.last_id < first.id)],
            None => &self.strip,
        }
    }

    /// Restarts older than the simulation's bounded list of restart records, oldest first.
    pub fn older_restarts(&self) -> &[RestartMark] {
        let dropped = self.sim.job().restarts_dropped;
        &self.restart_marks[..self.restart_marks.partition_point(|m| m.n < dropped)]
    }

    /// True when the shown frame is behind the furthest one reached.
    pub fn is_rewound(&self) -> bool {
        self.frame() != self.furthest
    }

    /// Plays forward to `t` (to after every event at `t`), stopping early when `stop` says the
    /// frame budget is spent. Returns whether `t` was reached. A Flink job is unbounded: the run
    /// goes on past the scenario's `duration_ms` (free play); only the narration ends there.
    pub fn play_to(
        &mut self,
        t: SimTime,
        stop: &mut dyn FnMut() -> bool,
    ) -> Result<bool, ReplayError> {
        if t < self.sim.now() {
            return Ok(true);
        }
        self.advance(Goal::at(t), stop)
    }

    /// Processes the next event (applying the timeline inputs that come before it). Returns
    /// false when nothing is left to happen (an idle job with checkpointing off).
    pub fn step(&mut self) -> Result<bool, ReplayError> {
        loop {
            let Some(te) = self.sim.next_event_time() else {
                return Ok(false);
            };
            let k = self.sim.inputs().len();
            let input_at = self.timeline.get(k).map(|i| i.0).filter(|&at| at < te);
            let kf_at = Some(self.next_keyframe_time()).filter(|&at| at < te);
            match (input_at, kf_at) {
                (Some(i), Some(kf)) if kf < i => self.take_keyframe_at(kf),
                (Some(i), _) => {
                    self.sim.run_until(i);
                    self.apply_timeline_input(k)?;
                }
                (None, Some(kf)) => self.take_keyframe_at(kf),
                (None, None) => break,
            }
        }
        let stepped = self.sim.step();
        self.note_progress();
        Ok(stepped)
    }

    /// Goes back one event (re-simulating from a keyframe).
    pub fn step_back(&mut self) -> Result<(), ReplayError> {
        let f = self.frame();
        if f.events == 0 {
            return Ok(());
        }
        self.seek(Goal {
            t: f.now,
            events: Some(f.events - 1),
            inputs: Some(f.inputs),
            settle: false,
        })
    }

    /// Shows the frame `goal` describes, from the nearest keyframe (or the shown frame) before it.
    pub fn seek(&mut self, goal: Goal) -> Result<(), ReplayError> {
        let goal = Goal {
            t: goal.t.min(self.furthest.now.max(self.sim.now())),
            ..goal
        };
        let current_ok = is_prefix(&self.sim, &goal);
        let best_kf = self
            .keyframes
            .iter()
            .rposition(|k| is_prefix(k, &goal))
            .unwrap_or(0);
        let kf_time = self.keyframes[best_kf].now();
        if !current_ok || kf_time > self.sim.now() {
            self.sim = self.keyframes[best_kf].clone();
        }
        let before = self.sim.events_processed();
        let r = self.advance(goal, &mut || false);
        self.resimulated_events += self.sim.events_processed() - before;
        r.map(|_| ())
    }

    /// Scrubs to `ms` of simulated time (the timeline slider).
    pub fn seek_ms(&mut self, ms: u64) -> Result<(), ReplayError> {
        self.seek(Goal::at(SimTime::from_ms(ms)))
    }

    /// Applies a user input at the shown frame: first every event at this instant is processed
    /// (so the input lands at a clean point that replays identically), then, if the frame is
    /// rewound, the future is dropped (the timeline forks), then the input goes to the
    /// simulation, which validates and records it.
    pub fn apply(&mut self, input: Input) -> Result<(), ScenarioError> {
        let now = self.sim.now();
        // Validate on a probe first: a rejected input must not fork the timeline.
        let mut probe = self.sim.clone();
        probe.run_until(now);
        apply_input(&mut probe, &input)?;
        self.sim.run_until(now);
        self.fork_here();
        apply_input(&mut self.sim, &input)?;
        if let Some(last) = self.sim.inputs().last() {
            self.timeline.push(last.clone());
        }
        // What the input sets off at this very instant (a kill, a trigger) shows at once.
        self.sim.run_until(now);
        self.note_progress();
        Ok(())
    }

    /// Injects a fault (or manual trigger) now.
    pub fn inject(&mut self, fault: FaultSpec) -> Result<(), ScenarioError> {
        self.apply(Input::Fault(fault))
    }

    /// Applies a new checkpoint configuration now.
    pub fn configure(&mut self, config: CheckpointingSpec) -> Result<(), ScenarioError> {
        self.apply(Input::Checkpointing(config))
    }

    /// Drops everything after the shown frame.
    fn fork_here(&mut self) {
        let f = self.frame();
        self.timeline.truncate(f.inputs);
        self.keyframes.retain(|k| {
            k.now() <= f.now && k.events_processed() <= f.events && k.inputs().len() <= f.inputs
        });
        if self.keyframes.is_empty() {
            // Cannot happen (the keyframe at time 0 is a prefix of every frame), but never
            // leave the run without a starting point.
            self.keyframes.push(self.sim.clone());
        }
        self.furthest = f;
        self.sync_strip();
    }

    /// Moves forward along the timeline to `goal`, taking keyframes on the way.
    fn advance(&mut self, goal: Goal, stop: &mut dyn FnMut() -> bool) -> Result<bool, ReplayError> {
        loop {
            let k = self.sim.inputs().len();
            let input_at = self
                .timeline
                .get(k)
                .map(|i| i.0)
                .filter(|&at| at <= goal.t && goal.inputs.map(|n| k < n).unwrap_or(true));
            let kf = self.next_keyframe_time();
            let kf_at = Some(kf).filter(|&at| {
                if goal.events.is_some() {
                    at < goal.t
                } else {
                    at <= goal.t
                }
            });
            let next = match (input_at, kf_at) {
                (Some(i), Some(f)) if f < i => Stop::Keyframe(f),
                (Some(i), _) => Stop::Input(i),
                (None, Some(f)) => Stop::Keyframe(f),
                (None, None) => break,
            };
            match next {
                Stop::Input(at) => {
                    if !self.run_until_budget(at, stop) {
                        return Ok(false);
                    }
                    self.apply_timeline_input(k)?;
                }
                Stop::Keyframe(at) => {
                    if !self.run_until_budget(at, stop) {
                        return Ok(false);
                    }
                    self.take_keyframe_at(at);
                }
            }
        }
        match goal.events {
            None => {
                if !self.run_until_budget(goal.t, stop) {
                    return Ok(false);
                }
            }
            Some(n) => {
                // Never past `t`, whatever `n` says (a hand-edited link).
                while self.sim.events_processed() < n
                    && self
                        .sim
                        .next_event_time()
                        .map(|at| at <= goal.t)
                        .unwrap_or(false)
                {
                    self.sim.step();
                }
                if goal.settle && self.sim.now() < goal.t {
                    self.sim.run_until(goal.t);
                }
            }
        }
        self.note_progress();
        Ok(true)
    }

    /// `run_until(t)`, but gives up when `stop` says so. Returns whether `t` was reached.
    /// Stopping early may leave a frame between two events of one instant (a production-size
    /// job's output flushers all fire at once, too much work for one animation frame): a frame
    /// like any other (see [`Frame`]); inputs still land only after every event at their
    /// instant ([`Run::apply`]), and [`Run::play_to`] the shown instant completes it.
    fn run_until_budget(&mut self, t: SimTime, stop: &mut dyn FnMut() -> bool) -> bool {
        let mut n = 0u64;
        while let Some(at) = self.sim.next_event_time() {
            if at > t {
                break;
            }
            if n >= BUDGET_CHECK_EVERY {
                n = 0;
                if stop() {
                    self.note_progress();
                    return false;
                }
            }
            self.sim.step();
            n += 1;
        }
        self.sim.run_until(t);
        true
    }

    fn apply_timeline_input(&mut self, k: usize) -> Result<(), ReplayError> {
        let input = self.timeline[k].1.clone();
        apply_input(&mut self.sim, &input).map_err(|error| ReplayError { index: k, error })?;
        if self.sim.inputs().len() != k + 1 {
            return Err(ReplayError {
                index: k,
                error: ScenarioError::invalid("inputs", "the input was not recorded"),
            });
        }
        Ok(())
    }

    /// The next keyframe boundary after both the last keyframe and the shown frame.
    fn next_keyframe_time(&self) -> SimTime {
        let last = self.keyframes.last().map(|k| k.now().0).unwrap_or(0);
        let after = last.max(self.sim.now().0);
        SimTime((after / self.interval_us + 1).saturating_mul(self.interval_us))
    }

    fn take_keyframe_at(&mut self, at: SimTime) {
        self.sim.run_until(at);
        if self.keyframes.last().map(|k| k.now() < at).unwrap_or(true) {
            // Thin out when there would be too many, or when they would weigh too much (the
            // checkpoint history a clone carries grows with the run), counting the new keyframe
            // before it is cloned: the old ones go first, so that no more clones than the
            // budget are ever alive at once (a production-size job's clone weighs ~38 MB, and
            // wasm memory never shrinks).
            let bytes = clone_bytes(&self.sim);
            let mut iv = self.interval_us;
            while {
                let n = self.keyframes.len() + (at.0 % iv == 0) as usize;
                let total = self.keyframes.iter().map(clone_bytes).sum::<usize>() + bytes;
                n > self.max_keyframes || (n > MIN_KEYFRAMES && total > KEYFRAME_MEMORY)
            } {
                iv = iv.saturating_mul(2);
                self.keyframes.retain(|k| k.now().0 % iv == 0);
            }
            self.interval_us = iv;
            if at.0 % iv == 0 {
                self.keyframes.push(self.sim.clone());
            }
        }
        self.note_progress();
    }

    fn note_progress(&mut self) {
        let f = self.frame();
        let beyond = f.now > self.furthest.now
            || (f.now == self.furthest.now
                && (f.events > self.furthest.events || f.inputs > self.furthest.inputs));
        if beyond {
            self.furthest = f;
        }
        if f == self.furthest {
            self.sync_strip();
        }
    }
}

enum Stop {
    Input(SimTime),
    Keyframe(SimTime),
}

/// How many keyframes fit in [`KEYFRAME_MEMORY`] for this job: a clone costs roughly half a
/// kilobyte per channel and per subtask (queues, gates, state), plus the statistics.
pub fn keyframe_budget(sim: &Simulation) -> usize {
    (KEYFRAME_MEMORY / clone_bytes(sim)).clamp(MIN_KEYFRAMES, MAX_KEYFRAMES)
}

/// Roughly what one clone of `sim` weighs, in bytes.
fn clone_bytes(sim: &Simulation) -> usize {
    let g = sim.graph();
    64 * 1024 + 512 * (g.channels.len() + g.subtasks.len()) + 320 * sim.stats().history().len()
}

fn frame_of(sim: &Simulation) -> Frame {
    Frame {
        now: sim.now(),
        events: sim.events_processed(),
        inputs: sim.inputs().len(),
    }
}

/// Whether `sim` lies on the way to `goal` on the same timeline. Along one timeline the clock,
/// the events processed and the inputs applied never decrease, and a state is determined by
/// the three, so a state no later than the goal in all three comes before it.
fn is_prefix(sim: &Simulation, goal: &Goal) -> bool {
    sim.now() <= goal.t
        && goal
            .events
            .map(|n| sim.events_processed() <= n)
            .unwrap_or(true)
        && goal.inputs.map(|k| sim.inputs().len() <= k).unwrap_or(true)
}

/// Sends one input to the simulation (which validates and records it).
pub fn apply_input(sim: &mut Simulation, input: &Input) -> Result<(), ScenarioError> {
    match input {
        Input::Fault(f) => sim.inject(f.clone()),
        Input::Checkpointing(c) => sim.apply_checkpointing(c.clone()),
    }
}

#[cfg(test)]
mod tests;
