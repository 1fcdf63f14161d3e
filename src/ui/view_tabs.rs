//! The sidebar's tabs: Checkpoints (Flink's statistics), Exactly-once, Settings and Log. Each
//! scenario opens on the tab that carries its lesson (see [`super::scenarios::lesson_tab`]); the
//! panels of the other tabs stay in the document, hidden, so that nothing is lost on switching.
//! A yew function component with `Properties` and a `Callback`, as yew's own examples do.

use super::scenarios::Tab;
use super::view_pane::{pane, pane_view};
use std::rc::Rc;
use yew::prelude::*;

#[derive(PartialEq)]
pub struct TabsProps {
    pub active: Tab,
    pub on_select: Callback<Tab>,
}

/// The tab bar (a WAI-ARIA tablist).
pub fn tabs(props: &TabsProps) -> Html {
    html! {
        <div class="tabs" role="tablist" aria-label="Panels">
            { for Tab::ALL.iter().map(|&t| {
                let on = props.on_select.reform(move |_: MouseEvent| t);
                let active = props.active == t;
                html! {
                    <button role="tab" class={classes!("tab", active.then_some("active"))} aria-selected={active.to_string()}
                        data-testid={format!("tab-{}", t.key())} onclick={on} title={t.hint()}>{ t.label() }</button>
                }
            }) }
        </div>
    }
}

#[derive(PartialEq)]
pub struct TabPanelProps {
    pub tab: Tab,
    pub active: Tab,
    pub children: Html,
}

/// One tab's panel holding `children`: hidden (still in the document) unless `active`.
#[inline(never)]
pub fn tab_panel(tab: Tab, active: Tab, children: Html) -> Html {
    pane(Rc::new(TabPanelProps {
        tab,
        active,
        children,
    }))
}

fn tab_panel_view(props: &TabPanelProps) -> Html {
    let active = props.tab == props.active;
    html! {
        <div class={classes!("tab-panel", (!active).then_some("hidden"))} role="tabpanel"
            data-testid={format!("tabpanel-{}", props.tab.key())} aria-label={props.tab.label()}>
            { props.children.clone() }
        </div>
    }
}

pane_view!(TabsProps, tabs);
pane_view!(TabPanelProps, tab_panel_view);
