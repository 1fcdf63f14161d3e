//! Fetching a shipped scenario that the browser bundle does not embed (src/ui/scenarios.rs):
//! the picker or a share link asks for it, its file comes from the page's own `scenarios/`, and
//! what asked goes on once it is here. The run on screen stays until then, and on a failed
//! fetch.

use super::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// What to go on with once the file is here.
pub enum AfterFetch {
    /// Open the scenario (the picker).
    Select,
    /// Load the share link (`opening`: the page is just opening).
    Link { hash: String, opening: bool },
    /// Tell whether the scenario on screen (imported, or from a link that carries it whole) is
    /// this shipped one unchanged: then its share link names it.
    Recognise,
}

/// The body of a same-origin GET, or why there is none.
async fn fetch_text(url: String) -> Result<String, String> {
    let response = JsFuture::from(window().fetch_with_str(&url))
        .await
        .map_err(|_| "the request failed".to_string())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "no response".to_string())?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = response.text().map_err(|_| "no body".to_string())?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| "the body is not text".to_string())
}

impl App {
    /// True when shipped scenario `key`'s file is at hand. Otherwise starts fetching it and
    /// returns false: `then` runs when it arrives.
    pub(super) fn scenario_at_hand(
        &self,
        link: &Scope<App>,
        shipped: &'static scenarios::Shipped,
        then: AfterFetch,
    ) -> bool {
        if shipped.text().is_some() {
            return true;
        }
        let key = shipped.key;
        let url = shipped.url();
        link.send_future(async move { Msg::ScenarioFetched(key, fetch_text(url).await, then) });
        false
    }

    /// A fetched file arrived (or did not): keep it, and go on with what asked for it.
    pub(super) fn on_scenario_fetched(
        &mut self,
        link: &Scope<App>,
        key: &'static str,
        body: Result<String, String>,
        then: AfterFetch,
    ) {
        if matches!(then, AfterFetch::Select) {
            self.picking = None;
        }
        match body {
            Ok(text) => {
                scenarios::keep_fetched(key, text);
                match then {
                    AfterFetch::Select => self.select_scenario(link, key),
                    AfterFetch::Link { hash, opening } => {
                        self.load_hash(link, &hash, opening);
                        self.update_hash();
                    }
                    AfterFetch::Recognise => {
                        if self.scenario_key.is_none()
                            && scenarios::key_of(&self.base) == Some(key)
                        {
                            self.scenario_key = Some(key);
                            self.update_hash();
                        }
                    }
                }
            }
            // Nobody asked to see it: the run on screen stays as it is, unnamed.
            Err(_) if matches!(then, AfterFetch::Recognise) => {}
            Err(e) => {
                self.error = Some(format!(
                    "Scenario `{key}` could not be fetched (scenarios/{key}.json: {e}). The run on screen is kept."
                ))
            }
        }
    }

    /// The key of the shipped scenario that `s` is, seed aside ([`scenarios::key_of`]). When a
    /// shipped one of its name is not at hand, its file is fetched and `s` is compared once it
    /// arrives (`AfterFetch::Recognise`).
    pub(super) fn shipped_key(&self, link: &Scope<App>, s: &Scenario) -> Option<&'static str> {
        let key = scenarios::key_of(s);
        if let (None, Some(sh)) = (key, scenarios::to_confirm(s)) {
            self.scenario_at_hand(link, sh, AfterFetch::Recognise);
        }
        key
    }
}
