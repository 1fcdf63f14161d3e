//! The share link in the URL hash: loading a link (keeping the run on a bad one), and
//! writing the link of the frame on screen into the address bar.

use super::*;

impl App {
    /// Loads a share link. On failure the page keeps the run it shows (`opening`: the page is
    /// just opening, so the default scenario is shown) and the error banner says why. False
    /// while the link's scenario is being fetched (it loads when the file arrives).
    pub(super) fn load_hash(&mut self, scope: &Scope<App>, hash: &str, opening: bool) -> bool {
        let keeping = if opening {
            "Showing the default scenario."
        } else {
            "The run on screen is kept."
        };
        let link = match ShareLink::from_hash(hash) {
            Ok(l) => l,
            Err(e) => {
                self.error = Some(format!(
                    "This URL is not a valid BarrierScope share link: {e}. {keeping}"
                ));
                return true;
            }
        };
        if let ScenarioRef::Shipped(k) = &link.scenario {
            let then = fetch::AfterFetch::Link {
                hash: hash.to_string(),
                opening,
            };
            if scenarios::find(k).is_some_and(|s| !self.scenario_at_hand(scope, s, then)) {
                return false;
            }
        }
        let (key, mut scenario) = match &link.scenario {
            ScenarioRef::Shipped(k) => match scenarios::find(k).map(|s| (s.key, s.parse())) {
                Some((key, Ok(s))) => (Some(key), s),
                Some((_, Err(e))) => {
                    self.error = Some(format!("The shared scenario `{k}` does not load: {e}"));
                    return true;
                }
                None => {
                    self.error = Some(format!(
                        "This share link names a scenario `{k}` that this version does not ship. {keeping}"
                    ));
                    return true;
                }
            },
            ScenarioRef::Inline(s) => (None, (**s).clone()),
        };
        scenario.seed = link.seed;
        // A whole scenario that is a shipped one unchanged: its link names it from now on.
        let key = key.or_else(|| self.shipped_key(scope, &scenario));
        let sim = match Simulation::new(scenario.clone()) {
            Ok(s) => s,
            Err(e) => {
                self.error = Some(format!("The shared scenario does not load: {e}"));
                return true;
            }
        };
        let mut goal = Goal::frame(link.frame);
        if link.frame.events == u64::MAX {
            goal.events = None; // a link without `ev`: every event up to `t`
        }
        // Free play goes on past duration_ms; a link is bounded to an hour beyond it.
        goal.t = goal
            .t
            .min(SimTime(sim.end_time().0.saturating_add(3_600_000_000)));
        match Run::replay(sim, link.inputs, goal) {
            Ok(run) => {
                self.install(key, scenario, run);
                self.last_hash = hash.trim_start_matches('#').to_string();
            }
            Err(e) => {
                self.error = Some(format!("This share link cannot be replayed: {e}"));
            }
        }
        true
    }

    pub(super) fn share_link(&self) -> ShareLink {
        let sim = self.run.sim();
        let scenario = match self.scenario_key {
            Some(k) => ScenarioRef::Shipped(k.to_string()),
            None => ScenarioRef::Inline(Box::new((*self.base).clone())),
        };
        ShareLink {
            scenario,
            seed: sim.scenario().seed,
            inputs: self.run.timeline().to_vec(),
            frame: self.run.frame(),
        }
    }

    /// Puts the share link of the shown frame in the address bar (without a history entry).
    pub(super) fn update_hash(&mut self) {
        let hash = self.share_link().to_hash();
        panic::set_context(PanicContext {
            scenario: self.run.sim().scenario().name.clone(),
            seed: self.run.sim().scenario().seed,
            hash: hash.clone(),
        });
        if hash == self.last_hash {
            return;
        }
        if let Ok(h) = window().history() {
            let _ = h.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("#{hash}")),
            );
        }
        self.last_hash = hash;
    }
}
