//! What each message does: the App's router. Playback, time travel, the forms, the dialogs
//! and the share link each keep their own work in a sibling module; this one decides which
//! runs for a message and whether the App renders again.

use super::*;

impl App {
    /// Handles one message; returns whether to render.
    pub(super) fn route(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame(ts) => return self.on_frame(ctx, ts),
            Msg::Resize => {
                let Some(el) = self.graph_ref.cast::<web_sys::Element>() else {
                    return false;
                };
                let (w, h) = (el.client_width() as f64, el.client_height() as f64);
                if w < 50.0 || h < 50.0 {
                    return false;
                }
                // The SVG leaves 1.6rem below it for the legend.
                let screen = Screen::measured(w, h - 26.0);
                if self.screen == Some(screen) {
                    return false;
                }
                self.screen = Some(screen);
                self.layout = Rc::new(Layout::new(&self.graph, self.screen));
            }
            Msg::TogglePlay => {
                if self.ui.playing {
                    self.pause();
                } else {
                    self.notice = None;
                    // The description is whole at the start; playing gives the graph its room.
                    self.ui.show_description = false;
                    self.play(ctx);
                }
            }
            Msg::Pause | Msg::Hidden => {
                if !self.ui.playing {
                    return false;
                }
                self.pause();
            }
            Msg::Step => {
                self.notice = None;
                self.ui.show_description = false;
                if self.ui.playing {
                    self.pause();
                }
                let r = self.run.step().map(|_| ());
                self.report(r);
                self.update_hash();
            }
            Msg::StepCheckpoint | Msg::StepBackCheckpoint => {
                self.notice = None;
                self.ui.show_description = false;
                if self.ui.playing {
                    self.pause();
                }
                let r = if matches!(msg, Msg::StepCheckpoint) {
                    self.run.step_checkpoint()
                } else {
                    self.run.step_back_checkpoint()
                };
                match r {
                    Ok(true) => {}
                    Ok(false) => {
                        self.notice = Some("No checkpoint event that way.".into());
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
                self.update_hash();
            }
            Msg::UndoFork => self.undo_fork(),
            Msg::Tab(t) => self.ui.tab = t,
            Msg::StepBack => {
                if self.ui.playing {
                    self.pause();
                }
                let r = self.run.step_back();
                self.report(r);
                self.update_hash();
            }
            Msg::Speed(v) => {
                if !v.is_finite() {
                    return false;
                }
                self.ui.speed_log = v.clamp(SPEED_LOG_MIN, SPEED_LOG_MAX);
            }
            Msg::Reset => {
                let seed = self.run.sim().scenario().seed;
                self.restart_with_seed(seed);
                self.error = None;
                self.notice = None;
            }
            Msg::Seed(v) => match v.trim().parse::<u64>() {
                Ok(seed) => {
                    self.error = None;
                    self.restart_with_seed(seed)
                }
                Err(_) => {
                    self.error = Some(format!(
                        "seed: `{}` is not a whole number from 0 to 18446744073709551615",
                        v.trim()
                    ));
                    self.ui.form_gen += 1;
                }
            },
            Msg::PickScenario(key) => self.select_scenario(ctx.link(), &key),
            Msg::ScenarioFetched(key, body, then) => {
                self.on_scenario_fetched(ctx.link(), key, body, then)
            }
            Msg::Config(field, value) => self.apply_config(field, value),
            Msg::SelectTask(t) => self.ui.selected_task = t,
            Msg::ExpandCheckpoint(id) => {
                if self.ui.selected_checkpoint == Some(id) {
                    self.ui.selected_checkpoint = None;
                } else {
                    self.ui.selected_checkpoint = Some(id);
                    self.ui.finished_checkpoint = None;
                    self.keep_finished_checkpoint();
                }
            }
            Msg::ShowInAnimation(id) => {
                self.ui.selected_checkpoint = Some(id);
                self.keep_finished_checkpoint();
                let trigger = self
                    .run
                    .sim()
                    .stats()
                    .get(crate::sim::ids::CheckpointId(id))
                    .map(|e| e.trigger_timestamp);
                if let Some(t) = trigger {
                    if self.ui.playing {
                        self.pause();
                    }
                    let r = self.run.seek(Goal::at(t));
                    self.report(r);
                    self.update_hash();
                }
            }
            Msg::JumpTo(ms) => {
                if self.ui.playing {
                    self.pause();
                }
                let furthest = self.run.furthest().now.as_ms();
                if ms > furthest {
                    let r = self
                        .run
                        .play_to(SimTime::from_ms(ms), &mut || false)
                        .map(|_| ());
                    self.report(r);
                } else {
                    let r = self.run.seek_ms(ms);
                    self.report(r);
                }
                self.update_hash();
            }
            Msg::Scrub(ms) => {
                self.notice = None;
                if self.ui.playing {
                    self.pause();
                }
                let r = self.run.seek_ms(ms);
                self.report(r);
                self.update_hash();
            }
            Msg::Action(a) => {
                self.act(a);
            }
            Msg::Key(e) => return self.on_key(ctx, e),
            Msg::Help(v) => self.show_help = v,
            Msg::ShowAllHistory(v) => self.ui.show_all_history = v,
            Msg::Dialog(d) => {
                self.dialog = d;
                if d == Some(Dialog::Import) {
                    self.import_text.clear();
                }
            }
            Msg::ImportText(t) => {
                self.import_text = t;
                return false;
            }
            Msg::DoImport => match Scenario::from_json(&self.import_text) {
                Ok(s) => match build(&s) {
                    Ok(run) => {
                        self.pause();
                        let key = self.shipped_key(ctx.link(), &s);
                        self.install(key, s, run);
                        self.dialog = None;
                        self.error = None;
                        self.notice = Some("Scenario imported.".into());
                        self.update_hash();
                    }
                    Err(e) => self.error = Some(format!("Import rejected: {e}")),
                },
                Err(e) => {
                    self.error = Some(format!("Import rejected (the current run is kept): {e}"))
                }
            },
            #[cfg(feature = "flink-import-ui")]
            Msg::Flink(m) => return self.on_flink(ctx, m),
            Msg::DismissError => {
                self.error = None;
                self.notice = None;
            }
            Msg::HashChanged => {
                let hash = current_hash();
                if hash.trim_start_matches('#') == self.last_hash {
                    return false;
                }
                if self.ui.playing {
                    self.pause();
                }
                self.error = None;
                if self.load_hash(ctx.link(), &hash, false) {
                    self.update_hash();
                }
            }
            Msg::CopyLink => {
                self.update_hash();
                let href = window().location().href().unwrap_or_default();
                let clip = window().navigator().clipboard();
                let _ = clip.write_text(&href);
                self.notice =
                    Some("Share link copied: it reproduces this run and this frame.".into());
            }
            Msg::Download => {
                dialogs::download_json(
                    &format!("{}.json", self.scenario_key.unwrap_or("scenario")),
                    &self.run.sim().scenario().to_json(),
                );
            }
            Msg::SlowFactor(v) => match crate::ui::format::parse_number(&v) {
                Some(f) if f.is_finite() && f > 0.0 => self.ui.slow_factor = f,
                _ => {
                    self.error = Some(format!(
                        "slow-down factor: `{}` is not a number > 0",
                        v.trim()
                    ))
                }
            },
            Msg::SlowMs(v) => match positive_ms("slow-down duration", &v) {
                Ok(ms) => self.ui.slow_ms = ms,
                Err(e) => self.error = Some(e),
            },
            Msg::OutageMs(v) => match positive_ms("outage duration", &v) {
                Ok(ms) => self.ui.outage_ms = ms,
                Err(e) => self.error = Some(e),
            },
            Msg::ToggleDescription => self.ui.show_description = !self.ui.show_description,
            Msg::SlowMo(v) => self.ui.slowmo = v,
            #[cfg(feature = "whatif-ui")]
            Msg::OpenWhatIf => self.whatif.open = true,
            #[cfg(feature = "whatif-ui")]
            Msg::WhatIf(i) => self.whatif(ctx, i),
            #[cfg(feature = "whatif-ui")]
            Msg::WhatIfDone(g, i, out) => self.whatif_done(g, i, out),
            #[cfg(feature = "whatif-ui")]
            Msg::WhatIfBack => self.whatif_back(),
        }
        true
    }
}

/// A duration field's text as a whole number of ms > 0, or the error banner's text naming it.
fn positive_ms(what: &str, v: &str) -> Result<u64, String> {
    match v.trim().parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(ms),
        _ => Err(format!(
            "{what}: `{}` is not a whole number of ms > 0",
            v.trim()
        )),
    }
}
