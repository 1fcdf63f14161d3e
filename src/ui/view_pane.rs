//! One yew component, [`Pane`], for every panel of the page (wasm only). A panel is its props
//! struct (a view model and `Callback`s) and the function that draws it, joined by
//! [`pane_view!`]; `Pane` holds one behind an `Rc<dyn PaneView>` and renders again only when
//! the new props differ from the old (same panel type, `PartialEq` says changed), as a function
//! component per panel did. One component type instead of one per panel: yew's lifecycle code
//! (create, reuse, props comparison, mount) is compiled once, not once per panel (the browser
//! bundle's size budget, tests/e2e/bundle-size.test.mjs). Panels sit at fixed places in the page,
//! so one panel is never reconciled against another.

use std::any::Any;
use std::rc::Rc;
use yew::prelude::*;

/// A panel: its props, how it draws them, and how they compare to another panel's.
pub trait PaneView: 'static {
    fn view(&self) -> Html;
    fn as_any(&self) -> &dyn Any;
    /// The same panel type with equal props.
    fn same(&self, other: &dyn PaneView) -> bool;
}

/// Makes a props struct (which must be `PartialEq`) a panel drawn by `$view(&props)`.
macro_rules! pane_view {
    ($props:ty, $view:expr) => {
        impl $crate::ui::view_pane::PaneView for $props {
            fn view(&self) -> ::yew::Html {
                ($view)(self)
            }
            fn as_any(&self) -> &dyn ::std::any::Any {
                self
            }
            fn same(&self, other: &dyn $crate::ui::view_pane::PaneView) -> bool {
                other
                    .as_any()
                    .downcast_ref::<Self>()
                    .is_some_and(|o| o == self)
            }
        }
    };
}
pub(crate) use pane_view;

#[derive(Properties, Clone)]
pub struct PaneProps {
    pub pane: Rc<dyn PaneView>,
}

impl PartialEq for PaneProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.pane, &other.pane) || self.pane.same(&*other.pane)
    }
}

/// The component that draws a panel.
pub struct Pane;

impl Component for Pane {
    type Message = ();
    type Properties = PaneProps;

    fn create(_ctx: &Context<Self>) -> Self {
        Pane
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        ctx.props().pane.view()
    }
}

/// A panel in the page.
#[inline(never)]
pub fn pane(p: Rc<dyn PaneView>) -> Html {
    html! { <Pane pane={p} /> }
}

/// A panel in a keyed list.
#[inline(never)]
pub fn pane_keyed(key: u32, p: Rc<dyn PaneView>) -> Html {
    html! { <Pane key={key} pane={p} /> }
}
