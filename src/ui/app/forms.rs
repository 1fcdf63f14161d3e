//! What the forms and buttons change: the checkpoint settings (validated by the simulation,
//! named by the scenario field and Flink's option key), injected faults, the scenario picker
//! and the seed.

use super::*;

impl App {
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
                self.update_hash();
            }
            Err(e) => {
                self.error = Some(format!("Setting rejected: {e}"));
                // Re-create the form so that it shows the configuration in force again.
                self.ui.form_gen += 1;
            }
        }
    }

    pub(super) fn act(&mut self, action: Action) {
        let at_ms = self.run.sim().now().as_ms();
        let fault = match action {
            Action::Kill(task) => Fault::Kill { task },
            Action::Slow(task) => Fault::Slow {
                task,
                factor: self.ui.slow_factor,
                duration_ms: self.ui.slow_ms,
            },
            Action::DropAck(task) => Fault::DropAck { task },
            Action::Decline(task) => Fault::Decline { task },
            Action::StorageOutage => Fault::StorageOutage {
                duration_ms: self.ui.outage_ms,
            },
            Action::CoordinatorFailover => Fault::CoordinatorFailover,
            Action::TriggerCheckpoint => Fault::TriggerCheckpoint,
            Action::TriggerSavepoint => Fault::TriggerSavepoint,
        };
        let label = fault.label();
        match self.run.inject(FaultSpec { at_ms, fault }) {
            Ok(()) => {
                self.notice = Some(format!(
                    "Injected {label} at {} ms (recorded in the run; it replays from the link).",
                    self.run.sim().now().as_ms()
                ));
                self.update_hash();
            }
            Err(e) => self.error = Some(format!("Fault rejected: {e}")),
        }
    }

    pub(super) fn select_scenario(&mut self, key: &str) {
        self.pause();
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
