//! Keyboard shortcuts: what each key does, and the window listener that routes keys to the
//! app (not while typing in a field; only ? and Esc under an overlay).

use super::*;

impl App {
    pub(super) fn on_key(&mut self, ctx: &Context<Self>, e: KeyboardEvent) -> bool {
        let key = e.key();
        // Under the help overlay or a dialog, only ? and Esc act: nothing plays behind it.
        if (self.show_help || self.dialog.is_some()) && !matches!(key.as_str(), "?" | "Escape") {
            return false;
        }
        match key.as_str() {
            " " => {
                ctx.link().send_message(Msg::TogglePlay);
                false
            }
            "ArrowRight" | "l" => {
                ctx.link().send_message(Msg::Step);
                false
            }
            "]" => {
                ctx.link().send_message(Msg::StepCheckpoint);
                false
            }
            "[" => {
                ctx.link().send_message(Msg::StepBackCheckpoint);
                false
            }
            "ArrowLeft" | "h" => {
                ctx.link().send_message(Msg::StepBack);
                false
            }
            "+" | "=" => {
                ctx.link()
                    .send_message(Msg::Speed((self.ui.speed_log + 0.25).min(SPEED_LOG_MAX)));
                false
            }
            "-" | "_" => {
                ctx.link()
                    .send_message(Msg::Speed((self.ui.speed_log - 0.25).max(SPEED_LOG_MIN)));
                false
            }
            "Home" => {
                ctx.link().send_message(Msg::Scrub(0));
                false
            }
            "End" => {
                let ms = self.run.furthest().now.as_ms();
                ctx.link().send_message(Msg::Scrub(ms));
                false
            }
            "c" => {
                ctx.link()
                    .send_message(Msg::Action(Action::TriggerCheckpoint));
                false
            }
            "s" => {
                ctx.link()
                    .send_message(Msg::Action(Action::TriggerSavepoint));
                false
            }
            "?" => {
                self.show_help = !self.show_help;
                true
            }
            "Escape" => {
                let changed =
                    self.show_help || self.dialog.is_some() || self.ui.selected_task.is_some();
                let changed = self.hide_whatif() || changed;
                self.show_help = false;
                self.dialog = None;
                self.ui.selected_task = None;
                changed
            }
            _ => false,
        }
    }
}

/// The window's keydown listener: routes shortcut keys to the app, except while the user types
/// in a field (Esc still closes) or a focused slider uses its own arrow keys.
pub(super) fn key_listener(link: Scope<App>, win: &web_sys::Window) -> EventListener {
    let opts = EventListenerOptions::enable_prevent_default();
    EventListener::new_with_options(win, "keydown", opts, move |e| {
        let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let tag = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .map(|el| {
                let kind = el.get_attribute("type").unwrap_or_default();
                (el.tag_name().to_ascii_lowercase(), kind)
            })
            .unwrap_or_default();
        let key = e.key();
        let typing = matches!(tag.0.as_str(), "textarea" | "select")
            || (tag.0 == "input" && !matches!(tag.1.as_str(), "range" | "checkbox" | "button"));
        if typing && key != "Escape" {
            return;
        }
        // A focused range input keeps its own arrow keys.
        if tag.1 == "range" && key.starts_with("Arrow") {
            return;
        }
        if matches!(
            key.as_str(),
            " " | "ArrowRight" | "ArrowLeft" | "Home" | "End"
        ) {
            e.prevent_default();
        }
        link.send_message(Msg::Key(e.clone()));
    })
}
