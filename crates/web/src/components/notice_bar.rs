//! The one message the lab may have for the user: a refused action, a scenario that could not
//! be loaded, the end of a script.

use super::on;
use crate::state::{LabAction, Notice};
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct NoticeBarProps {
    pub notice: Option<Notice>,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn NoticeBar(props: &NoticeBarProps) -> Html {
    // The live region stays in the page so a screen reader announces each new message.
    html! {
        <div class="notice-region" role="status" aria-live="polite">
            {props.notice.as_ref().map(|notice| html! {
                <div class={classes!("notice", matches!(notice, Notice::Refused { .. } | Notice::SettingsRefused { .. } | Notice::CourseFile { .. } | Notice::NotAllowed { .. }).then_some("is-refusal"))}
                    id="notice">
                    <p id="notice-text">{notice.message()}</p>
                    {unreadable_data(notice)}
                    <button type="button" class="button" id="dismiss-notice"
                        onclick={on::<MouseEvent>(&props.dispatch, LabAction::DismissNotice)}>{"Dismiss"}</button>
                </div>
            })}
        </div>
    }
}

/// A download button for saved data the lab could not restore, so it is never lost.
fn unreadable_data(notice: &Notice) -> Html {
    let Notice::Unrestorable {
        data: Some(data), ..
    } = notice
    else {
        return Html::default();
    };
    let data = std::rc::Rc::clone(data);
    let on_download = Callback::from(move |_: MouseEvent| {
        super::save_box::download("unreadable-saved-lab.json", &data);
    });
    html! {
        <button type="button" class="button" id="download-unreadable" onclick={on_download}>
            {"Download the unreadable data"}
        </button>
    }
}
