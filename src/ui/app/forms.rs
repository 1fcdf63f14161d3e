//! What the forms and buttons change: the checkpoint settings (validated by the simulation,
//! named by the scenario field and Flink's option key), injected faults, the scenario picker
//! and the seed.

use super::*;

/// The timeline and frame before an input, and how many later inputs it drops.
pub(super) type ForkPoint = (Vec<(SimTime, crate::sim::Input)>, Frame, usize);

impl ConfigField {
    /// The field's name in the scenario file.
    pub fn scenario_field(self) -> &'static str {
        match self {
            ConfigField::Interval => "checkpointing.interval_ms",
            ConfigField::Mode => "checkpointing.mode",
            ConfigField::Timeout => "checkpointing.timeout_ms",
            ConfigField::MinPause => "checkpointing.min_pause_ms",
            ConfigField::MaxConcurrent => "checkpointing.max_concurrent",
            ConfigField::TolerableFailed => "checkpointing.tolerable_failed",
            ConfigField::Unaligned => "checkpointing.unaligned",
            ConfigField::AlignedTimeout => "checkpointing.aligned_timeout_ms",
            ConfigField::NumRetained => "checkpointing.num_retained",
        }
    }

    /// Flink's configuration option for the field.
    pub fn flink_key(self) -> &'static str {
        match self {
            ConfigField::Interval => "execution.checkpointing.interval",
            ConfigField::Mode => "execution.checkpointing.mode",
            ConfigField::Timeout => "execution.checkpointing.timeout",
            ConfigField::MinPause => "execution.checkpointing.min-pause",
            ConfigField::MaxConcurrent => "execution.checkpointing.max-concurrent-checkpoints",
            ConfigField::TolerableFailed => "execution.checkpointing.tolerable-failed-checkpoints",
            ConfigField::Unaligned => "execution.checkpointing.unaligned.enabled",
            ConfigField::AlignedTimeout => "execution.checkpointing.aligned-checkpoint-timeout",
            ConfigField::NumRetained => "execution.checkpointing.num-retained",
        }
    }
}

impl App {
    /// The timeline and frame before an input, and how many later inputs applying one here
    /// drops (the run forks when it is rewound).
    pub(super) fn fork_point(&self) -> ForkPoint {
        let timeline = self.run.timeline().to_vec();
        let frame = self.run.frame();
        let dropped = timeline.len().saturating_sub(frame.inputs);
        (timeline, frame, dropped)
    }

    /// After an input: says how many later inputs the fork dropped and offers undo.
    pub(super) fn note_fork(&mut self, before: ForkPoint, what: &str) {
        let (timeline, frame, dropped) = before;
        if dropped == 0 {
            self.undo = None;
            return;
        }
        self.notice = Some(format!(
            "Forked the run at {} ms: {what} replaced the {dropped} later input{} of the old run, which are dropped.",
            frame.now.as_ms(),
            if dropped == 1 { "" } else { "s" }
        ));
        self.undo = Some((timeline, frame));
    }

    /// Undoes the last fork: replays the old timeline to the frame it was on.
    pub(super) fn undo_fork(&mut self) {
        let Some((timeline, frame)) = self.undo.take() else {
            return;
        };
        if self.ui.playing {
            self.pause();
        }
        let mut s = (*self.base).clone();
        s.seed = self.run.sim().scenario().seed;
        let r = Simulation::new(s)
            .map_err(|e| e.to_string())
            .and_then(|sim| {
                Run::replay(sim, timeline, Goal::frame(frame)).map_err(|e| e.to_string())
            });
        match r {
            Ok(run) => {
                self.run = run;
                self.forget_figures();
                self.ui.form_gen += 1;
                self.notice =
                    Some("Fork undone: the old run and its later inputs are back.".into());
                self.update_hash();
            }
            Err(e) => self.error = Some(format!("Undo failed: {e}")),
        }
    }

    /// The log lines stamped at `t` (what the last input set off shows as new ones).
    fn log_at(&self, t: SimTime) -> Vec<String> {
        self.run
            .sim()
            .log_entries()
            .iter()
            .filter(|e| e.at == t && e.kind != crate::sim::LogKind::Step)
            .map(|e| e.text.clone())
            .collect()
    }

    pub(super) fn apply_config(&mut self, field: ConfigField, value: String) {
        let mut c: CheckpointingSpec = self.run.sim().coordinator().config.clone();
        let v = value.trim();
        let num = |name: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: `{v}` is not a whole number of milliseconds"))
        };
        let num32 = |name: &str| -> Result<u32, String> {
            v.parse::<u32>()
                .map_err(|_| format!("{name}: `{v}` is not a whole number"))
        };
        let parsed: Result<(), String> = (|| {
            match field {
                ConfigField::Interval => {
                    c.interval_ms = if v.is_empty() || v.eq_ignore_ascii_case("off") {
                        None
                    } else {
                        Some(num("checkpointing.interval_ms")?)
                    }
                }
                ConfigField::Mode => {
                    c.mode = match v {
                        "EXACTLY_ONCE" => CheckpointingMode::ExactlyOnce,
                        "AT_LEAST_ONCE" => CheckpointingMode::AtLeastOnce,
                        _ => return Err(format!("checkpointing.mode: unknown mode `{v}`")),
                    }
                }
                ConfigField::Timeout => c.timeout_ms = num("checkpointing.timeout_ms")?,
                ConfigField::MinPause => c.min_pause_ms = num("checkpointing.min_pause_ms")?,
                ConfigField::MaxConcurrent => {
                    c.max_concurrent = num32("checkpointing.max_concurrent")?
                }
                ConfigField::TolerableFailed => {
                    c.tolerable_failed = num32("checkpointing.tolerable_failed")?
                }
                ConfigField::Unaligned => c.unaligned = v == "true",
                ConfigField::AlignedTimeout => {
                    c.aligned_timeout_ms = num("checkpointing.aligned_timeout_ms")?
                }
                ConfigField::NumRetained => c.num_retained = num32("checkpointing.num_retained")?,
            }
            Ok(())
        })();
        let before = self.fork_point();
        let result = parsed.and_then(|_| {
            if c == self.run.sim().coordinator().config {
                return Ok(false);
            }
            self.run
                .configure(c)
                .map(|_| true)
                .map_err(|e| e.to_string())
        });
        match result {
            // A no-op change (the value in force typed again) keeps the banner of a rejection.
            Ok(false) => self.ui.form_gen += 1,
            Ok(true) => {
                self.error = None;
                self.note_fork(before, "the setting");
                self.update_hash();
            }
            Err(e) => {
                self.error = Some(format!(
                    "Setting rejected ({}, Flink's {}): {e}",
                    field.scenario_field(),
                    field.flink_key()
                ));
                // Re-create the form so that it shows the configuration in force again.
                self.ui.form_gen += 1;
            }
        }
    }

    pub(super) fn act(&mut self, action: Action) {
        let at_ms = self.run.sim().now().as_ms();
        let fault: Scheduled = match action {
            Action::Kill(task) => Fault::Kill { task }.into(),
            Action::Slow(task) => Fault::Slow {
                task,
                factor: self.ui.slow_factor,
                duration_ms: self.ui.slow_ms,
            }
            .into(),
            Action::DropAck(task) => Fault::DropAck { task }.into(),
            Action::LoseAck(task, checkpoint) => Fault::LoseAck { task, checkpoint }.into(),
            Action::FailSnapshotSync(task) => Fault::SnapshotFailure {
                task,
                phase: SnapshotPhase::Sync,
            }
            .into(),
            Action::FailSnapshotAsync(task) => Fault::SnapshotFailure {
                task,
                phase: SnapshotPhase::Async,
            }
            .into(),
            Action::StorageOutage => Fault::StorageOutage {
                duration_ms: self.ui.outage_ms,
            }
            .into(),
            Action::CoordinatorFailover => Fault::CoordinatorFailover.into(),
            Action::TriggerCheckpoint => Intervention::TriggerCheckpoint.into(),
            Action::TriggerSavepoint => Intervention::TriggerSavepoint.into(),
        };
        let label = fault.label();
        let why = match &fault {
            Scheduled::Fault(Fault::Slow { task, factor, duration_ms }) => format!(
                " {task} now needs {}× longer per record for {duration_ms} ms. It shows only when records arrive faster than it can process them: then its input channels fill up (orange), upstream is backpressured and aligned barriers queue behind the data; a subtask with spare capacity just keeps up.",
                crate::ui::format::number(*factor)
            ),
            _ => String::new(),
        };
        let before = self.fork_point();
        let now = self.run.sim().now();
        let logged_before = self.log_at(now).len();
        match self.run.inject(FaultSpec { at_ms, fault }) {
            Ok(()) => {
                // What the input set off at once (a refused trigger, a failover) shows here,
                // not only in the Log.
                let said: Vec<String> = self.log_at(now).into_iter().skip(logged_before).collect();
                self.notice = Some(
                    format!(
                    "Injected {label} at {} ms (recorded in the run; it replays from the link).{}",
                    now.as_ms(),
                    if said.is_empty() {
                        String::new()
                    } else {
                        format!(" At once: {}.", said.join("; "))
                    }
                ) + &why,
                );
                self.note_fork(before, &label);
                self.update_hash();
            }
            Err(e) => self.error = Some(format!("Fault rejected: {e}")),
        }
    }

    pub(super) fn select_scenario(&mut self, link: &Scope<App>, key: &str) {
        self.pause();
        if let Some(s) = scenarios::find(key) {
            if !self.scenario_at_hand(link, s, fetch::AfterFetch::Select) {
                self.picking = Some(s.key);
                return;
            }
        }
        match scenarios::find(key).map(|s| (s.key, s.parse())) {
            Some((key, Ok(s))) => match build(&s) {
                Ok(run) => {
                    self.install(Some(key), s, run);
                    self.error = None;
                    self.notice = None;
                    self.update_hash();
                }
                Err(e) => self.error = Some(e),
            },
            Some((_, Err(e))) => self.error = Some(format!("Scenario `{key}` does not load: {e}")),
            None => self.error = Some(format!("No scenario `{key}`")),
        }
    }

    pub(super) fn restart_with_seed(&mut self, seed: u64) {
        self.pause();
        let mut s = (*self.base).clone();
        s.seed = seed;
        match build(&s) {
            Ok(run) => {
                let key = self.scenario_key;
                self.install(key, s, run);
                self.update_hash();
            }
            Err(e) => self.error = Some(e),
        }
    }
}
