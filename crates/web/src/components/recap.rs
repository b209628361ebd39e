//! Where a scenario makes its point: a caption at its moment, and its recap once every scripted
//! step is applied, with buttons back to the moment and to each step that broke a guarantee.

use super::on;
use crate::state::{LabAction, LabState};
use eos_core::run::scenario::Recap as RecapText;
use yew::prelude::*;

/// What the scenario's story says at the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecapView {
    /// The moment's caption, when the cursor is right after the moment's scripted step.
    pub moment_caption: Option<String>,
    /// The ending, once every scripted step is applied.
    pub ending: Option<Ending>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ending {
    pub recap: RecapText,
    /// The cursor position right after the moment's step, if the scenario names one.
    pub moment_at: Option<usize>,
    /// Each broken guarantee and the step that broke it.
    pub broken: Vec<(&'static str, u64)>,
}

impl RecapView {
    pub fn is_empty(&self) -> bool {
        self.moment_caption.is_none() && self.ending.is_none()
    }
}

/// The story's marks at the cursor of `state`, whose world there is `world`.
pub fn recap_view(state: &LabState, world: &eos_core::World) -> RecapView {
    let origin = state.origin();
    let script = origin.script.len();
    // The moment is a count of scripted steps; step k is the scripted step with index k - 1.
    let moment_index = origin.moment.as_ref().map(|m| m.step.get() as usize - 1);
    let history = state.history();
    let at_moment = moment_index.is_some_and(|m| {
        state
            .cursor()
            .checked_sub(1)
            .and_then(|i| history.get(i))
            .is_some_and(|step| step.scripted == Some(m))
    });
    let ending = origin
        .recap
        .as_ref()
        .filter(|_| script > 0 && state.scripted_applied() == script)
        .map(|recap| Ending {
            recap: recap.clone(),
            moment_at: moment_index.and_then(|m| {
                history
                    .iter()
                    .take(state.cursor())
                    .position(|step| step.scripted == Some(m))
                    .map(|i| i + 1)
                    // At the moment already (it is the last step), there is nowhere to go.
                    .filter(|at| *at != state.cursor())
            }),
            broken: world
                .invariants()
                .statuses()
                .iter()
                .filter_map(|s| s.broken.as_ref().map(|v| (s.name, v.step)))
                .collect(),
        });
    RecapView {
        moment_caption: origin
            .moment
            .as_ref()
            .filter(|_| at_moment)
            .map(|m| m.caption.clone()),
        ending,
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct RecapProps {
    pub view: RecapView,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn Recap(props: &RecapProps) -> Html {
    let view = &props.view;
    if view.is_empty() {
        return Html::default();
    }
    html! {
        <section class="story" aria-label="The point of this scenario">
            { for view.moment_caption.as_ref().map(|caption| html! {
                <p class="moment-caption" id="moment-caption">
                    <span aria-hidden="true">{"★ "}</span>
                    <strong>{"This is the moment: "}</strong>{caption}
                </p>
            }) }
            { for view.ending.as_ref().map(|ending| ending_view(ending, &props.dispatch)) }
        </section>
    }
}

fn ending_view(ending: &Ending, dispatch: &Callback<LabAction>) -> Html {
    html! {
        <div class="recap" id="recap">
            <h2 id="recap-heading">{"Recap"}</h2>
            <dl>
                <dt>{"What you saw"}</dt>
                <dd>{&ending.recap.saw}</dd>
                <dt>{"Guarantee"}</dt>
                <dd>{&ending.recap.guarantee}</dd>
                <dt>{"Try next"}</dt>
                <dd>{&ending.recap.try_next}</dd>
            </dl>
            <div class="recap-jumps">
                { for ending.moment_at.map(|at| html! {
                    <button type="button" class="button" id="recap-moment"
                        onclick={on::<MouseEvent>(dispatch, LabAction::JumpTo(at))}>
                        <span aria-hidden="true">{"★ "}</span>{format!("Go to the moment (step {at})")}
                    </button>
                }) }
                { for ending.broken.iter().map(|(name, step)| html! {
                    <button type="button" class="button is-broken" id={format!("recap-jump-{name}")}
                        onclick={on::<MouseEvent>(dispatch,
                            LabAction::JumpTo(usize::try_from(*step).unwrap_or(usize::MAX)))}>
                        <span aria-hidden="true">{"✗ "}</span>
                        {format!("Go to step {step}: {name} broke")}
                    </button>
                }) }
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{Origin, catalog};
    use std::rc::Rc;
    use yew::Reducible;

    fn scenario(prefix: &str) -> Origin {
        catalog()
            .into_iter()
            .find(|s| s.name().starts_with(prefix))
            .expect("shipped")
            .origin()
            .expect("parses")
    }

    fn after(origin: Origin, actions: impl IntoIterator<Item = LabAction>) -> Rc<LabState> {
        actions
            .into_iter()
            .fold(Rc::new(LabState::start(origin)), |s, a| s.reduce(a))
    }

    fn view(state: &LabState) -> RecapView {
        recap_view(state, state.world().expect("a world"))
    }

    #[test]
    fn the_moment_is_captioned_only_at_its_step() {
        let origin = scenario("07-out-of-order");
        let moment = origin.moment.clone().expect("a moment").step.get() as usize;
        let before = after(
            origin.clone(),
            std::iter::repeat_n(LabAction::NextScripted, moment - 1),
        );
        assert_eq!(view(&before), RecapView::default());
        let at = after(
            origin.clone(),
            std::iter::repeat_n(LabAction::NextScripted, moment),
        );
        let caption = view(&at).moment_caption.expect("captioned");
        assert!(
            caption.contains("OUT_OF_ORDER_SEQUENCE_NUMBER"),
            "{caption}"
        );
        let past = after(
            origin,
            std::iter::repeat_n(LabAction::NextScripted, moment + 1),
        );
        assert_eq!(view(&past).moment_caption, None);
    }

    #[test]
    fn the_recap_shows_at_the_end_with_the_moment_and_every_broken_guarantee() {
        let origin = scenario("01-");
        let script = origin.script.len();
        let moment = origin.moment.clone().expect("a moment").step.get() as usize;
        let almost = after(
            origin.clone(),
            std::iter::repeat_n(LabAction::NextScripted, script - 1),
        );
        assert_eq!(
            view(&almost).ending,
            None,
            "not before the last scripted step"
        );
        let end = after(origin, std::iter::repeat_n(LabAction::NextScripted, script));
        let ending = view(&end).ending.expect("the recap");
        assert_eq!(ending.moment_at, Some(moment));
        assert_eq!(
            ending.broken,
            vec![("no_send_lost", 3), ("no_record_skipped_by_group", 7)]
        );
        assert!(ending.recap.try_next.contains("02-at-least-once"));
    }

    #[test]
    fn a_moment_on_the_last_step_is_captioned_with_the_recap_and_no_jump() {
        let origin = scenario("08-");
        let script = origin.script.len();
        let end = after(origin, std::iter::repeat_n(LabAction::NextScripted, script));
        let view = view(&end);
        assert!(view.moment_caption.is_some());
        let ending = view.ending.expect("the recap");
        assert_eq!(ending.moment_at, None, "already there");
        assert_eq!(
            ending.broken,
            vec![("no_duplicate_write_across_sessions", 9)]
        );
    }

    #[test]
    fn free_play_and_an_edited_scenario_tell_no_story() {
        let free = after(Origin::free_play(), []);
        assert!(view(&free).is_empty());
        let mut origin = scenario("02-");
        origin.moment = None;
        origin.recap = None;
        let script = origin.script.len();
        let end = after(origin, std::iter::repeat_n(LabAction::NextScripted, script));
        assert!(view(&end).is_empty());
    }
}
