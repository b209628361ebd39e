//! The verdict beside the story: one line under the stage saying whether every guarantee holds,
//! and for each broken one where it broke, with a way to go there. The full list stays in the
//! Guarantees detail panel.

use super::{WorldRef, on};
use crate::state::LabAction;
use eos_core::invariants::InvariantStatus;
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct GuaranteeStripProps {
    pub world: WorldRef,
    pub dispatch: Callback<LabAction>,
}

/// What the strip says: how many guarantees hold, and the broken ones with their step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub holding: usize,
    pub total: usize,
    /// Each broken guarantee: its name, the step that broke it and why, in the order listed.
    pub broken: Vec<(&'static str, u64, String)>,
}

impl Verdict {
    pub fn of(statuses: &[InvariantStatus]) -> Self {
        let broken: Vec<_> = statuses
            .iter()
            .filter_map(|s| s.broken.as_ref().map(|v| (s.name, v.step, v.why.clone())))
            .collect();
        Self {
            holding: statuses.len() - broken.len(),
            total: statuses.len(),
            broken,
        }
    }
}

#[component]
pub fn GuaranteeStrip(props: &GuaranteeStripProps) -> Html {
    let verdict = Verdict::of(props.world.invariants().statuses());
    if verdict.broken.is_empty() {
        return html! {
            <p class="guarantee-strip holds" id="guarantee-strip">
                <span class="verdict"><span aria-hidden="true">{"✓ "}</span>{"All hold"}</span>
                {format!("Every one of the {} guarantees the lab checks holds so far.", verdict.total)}
            </p>
        };
    }
    html! {
        <div class="guarantee-strip broken" id="guarantee-strip">
            <p>
                <span class="verdict"><span aria-hidden="true">{"✗ "}</span>{"Broken"}</span>
                {format!("{} of {} guarantees broke:", verdict.broken.len(), verdict.total)}
            </p>
            <ul>
                { for verdict.broken.iter().map(|(name, step, why)| html! {
                    <li>
                        <code>{*name}</code>{format!(" at step {step}: {why} ")}
                        <button type="button" class="button button-small"
                            id={format!("strip-jump-{name}")}
                            onclick={on::<MouseEvent>(&props.dispatch,
                                LabAction::JumpTo(usize::try_from(*step).unwrap_or(usize::MAX)))}>
                            {format!("Go to step {step}")}
                        </button>
                    </li>
                }) }
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::invariants::Violation;

    #[test]
    fn a_broken_guarantee_is_named_with_its_step() {
        let statuses = vec![
            InvariantStatus {
                name: "no_duplicate_write",
                description: "",
                broken: Some(Violation {
                    step: 5,
                    why: "pay-1 written twice".to_owned(),
                }),
            },
            InvariantStatus {
                name: "offsets_contiguous",
                description: "",
                broken: None,
            },
        ];
        let verdict = Verdict::of(&statuses);
        assert_eq!(verdict.holding, 1);
        assert_eq!(verdict.total, 2);
        assert_eq!(
            verdict.broken,
            vec![("no_duplicate_write", 5, "pay-1 written twice".to_owned())]
        );
    }
}
