//! The keyboard shortcuts, listed in a dialog that `?` opens.

use yew::prelude::*;

/// Every shortcut and what it does; the app's key handler follows this list.
/// (`[` and `]` are the lesson player's own, `course::player`.)
pub const SHORTCUTS: [(&str, &str); 10] = [
    ("←", "step back"),
    ("→", "step forward"),
    ("Home", "go to the start"),
    ("End", "go to the latest step"),
    ("n", "apply the next scripted step"),
    ("r", "reset: start the scenario again"),
    ("p", "play or pause: one step at a time at the chosen speed"),
    ("]", "in a lesson: the next beat"),
    ("[", "in a lesson: the previous beat"),
    ("?", "show this list (Esc closes it)"),
];

#[derive(Debug, Properties, PartialEq)]
pub struct HelpDialogProps {
    pub on_close: Callback<MouseEvent>,
    /// The lab is embedded: its keys act only while focus is inside it.
    #[prop_or_default]
    pub within_lab: bool,
}

#[component]
pub fn HelpDialog(props: &HelpDialogProps) -> Html {
    let close = use_node_ref();
    {
        // Focus moves into the dialog when it opens; the app returns it to the opener.
        let close = close.clone();
        use_effect_with((), move |()| {
            if let Some(button) = close.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    // The close button is the dialog's only control, so Tab stays on it while it is open.
    let keep_focus = Callback::from(|e: KeyboardEvent| {
        if e.key() == "Tab" {
            e.prevent_default();
        }
    });
    html! {
        <div class="dialog-backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-heading" id="help-dialog"
                onkeydown={keep_focus}>
                <h2 id="help-heading">{"Keyboard shortcuts"}</h2>
                <p>{if props.within_lab {
                    "They work while the lab has focus (click it first), except while you type in a field."
                } else {
                    "They work anywhere on the page except while you type in a field."
                }}</p>
                <dl class="shortcuts">
                    { for SHORTCUTS.iter().map(|(key, what)| html! {
                        <div class="shortcut"><dt><kbd>{*key}</kbd></dt><dd>{*what}</dd></div>
                    }) }
                </dl>
                <button type="button" class="button button-primary" id="close-help" ref={close}
                    onclick={props.on_close.clone()}>{"Close (Esc)"}</button>
            </div>
        </div>
    }
}
