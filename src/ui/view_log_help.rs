//! The Log panel and the keyboard-shortcuts Help overlay: yew function components that take
//! their data and callbacks as props (they know nothing of the App or its messages) and render
//! again only when their props change.

use super::panel_model::LogLine;
use super::view_html::{button, p_c, span_c};
use super::view_pane::pane_view;
use yew::prelude::*;

#[derive(PartialEq)]
pub struct LogProps {
    /// The lines to show, newest first (see [`super::panel_model::log_lines`]).
    pub lines: Vec<LogLine>,
}

/// The Log panel (hook `log`): the latest lines of the simulation's log, newest first.
pub fn log_panel(props: &LogProps) -> Html {
    html! {
        <section class="panel log" aria-label="Event log">
            <h2>{ "Log" }</h2>
            <ol class="log-lines" data-testid="log">
            { for props.lines.iter().map(|l| html! {
                <li class={classes!("log-line", l.kind)}>{ span_c("at", format!("{} ms", l.at_ms).into()) }{ span_c("text", l.text.clone().into()) }</li>
            }) }
            </ol>
        </section>
    }
}

#[derive(PartialEq)]
pub struct HelpProps {
    /// Closes the overlay (its Close button, or a click outside the dialog).
    pub on_close: Callback<()>,
}

/// The keyboard shortcuts, one row each.
const SHORTCUTS: [(&str, &str); 10] = [
    ("Space", "play / pause"),
    ("→  or  l", "process the next event"),
    ("←  or  h", "go back one event"),
    (
        "]  /  [",
        "on to the next / back to the previous checkpoint event",
    ),
    ("+  /  -", "faster / slower (log scale, 0.01× to 100×)"),
    (
        "Home  /  End",
        "jump to 0 ms / to the furthest point reached",
    ),
    ("c", "trigger a checkpoint"),
    ("s", "trigger a savepoint"),
    ("?", "show / hide this help"),
    ("Esc", "close this help, a dialog or the inspector"),
];

/// The keyboard shortcuts overlay (hook `help-overlay`).
pub fn help_overlay(props: &HelpProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" onclick={close.clone()} data-testid="help-overlay">
            <div class="dialog help" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts"
                onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2>{ "Keyboard shortcuts" }</h2>
                <table>
                    { for SHORTCUTS.iter().map(|(k, v)| html! { <tr><td><kbd>{ *k }</kbd></td><td>{ *v }</td></tr> }) }
                </table>
                { p_c("muted", "Click a subtask to inspect it and inject faults; click a channel to slow its consumer down; click a history row for its per-subtask details; hover anything for what it is in Flink's terms. Injecting a fault while rewound forks the run (you are told how many later inputs it drops, and can undo). The URL always holds a link to the frame on screen when paused.".into()) }
                { p_c("muted", "In a big job (the benchmarks) a subtask too small for its name is a bar, its index beside it; where bars are too close to tell apart, neighbours that look the same are drawn as one run (a click opens the subtask under the pointer). One bundle stands for all the channels between two operators: its shading shows where items are in flight, a barrier on it says on how many channels (×N), and the bundle's bytes, buffers, blocked and full channels are under the columns.".into()) }
                <div class="dialog-buttons">{ button(Some("primary"), None, None, None, close, "Close") }</div>
            </div>
        </div>
    }
}

pane_view!(LogProps, log_panel);
pane_view!(HelpProps, help_overlay);
