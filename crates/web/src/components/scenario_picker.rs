//! Choosing where the lab starts: free play or one of the shipped scenarios, listed by title
//! and grouped by the concept they show, in the story's order. The choice always names what is
//! loaded, however it was loaded (the picker, an address, a link, a restore).

use crate::concepts::concept_title;
use crate::scenarios::{Origin, Source, catalog};
use crate::state::LabAction;
use eos_core::run::scenario::ScenarioHeading;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// One choice of the picker: a catalog entry by its title.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickerEntry {
    /// Its place in [`catalog`].
    pub index: usize,
    /// The scenario's own name (what the loaded lab's heading says too).
    pub title: String,
}

/// The picker's choices under one heading (an `<optgroup>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickerGroup {
    pub label: String,
    pub entries: Vec<PickerEntry>,
}

/// The catalog as the picker lists it: free play first, then each concept's scenarios in the
/// story's order (a scenario goes under the first concept it lists), in file order within a
/// concept; a file whose heading does not read last, by its file name, so it can still be
/// chosen (and its error shown). Only headings are read: the steps are parsed when a file is
/// chosen.
pub fn picker_groups(catalog: &[Source]) -> Vec<PickerGroup> {
    let mut by_concept: Vec<(u32, PickerGroup)> = Vec::new();
    let mut unreadable = Vec::new();
    let mut free_play = Vec::new();
    for (index, source) in catalog.iter().enumerate() {
        let parsed = match source {
            Source::File { text, .. } => ScenarioHeading::read(text).ok(),
            _ => None,
        };
        match (source, parsed) {
            (Source::FreePlay, _) => free_play.push(PickerEntry {
                index,
                title: source.title(),
            }),
            (_, Some(scenario)) => {
                let concept = scenario.concepts.first().copied().unwrap_or(u32::MAX);
                let entry = PickerEntry {
                    index,
                    title: scenario.name,
                };
                match by_concept.iter_mut().find(|(c, _)| *c == concept) {
                    Some((_, group)) => group.entries.push(entry),
                    None => by_concept.push((
                        concept,
                        PickerGroup {
                            label: concept_label(concept),
                            entries: vec![entry],
                        },
                    )),
                }
            }
            (_, None) => unreadable.push(PickerEntry {
                index,
                title: source.title(),
            }),
        }
    }
    by_concept.sort_by_key(|(concept, _)| *concept);
    let free_play = (!free_play.is_empty()).then(|| PickerGroup {
        label: "Free play".to_owned(),
        entries: free_play,
    });
    let unreadable = (!unreadable.is_empty()).then(|| PickerGroup {
        label: "Files that could not be read".to_owned(),
        entries: unreadable,
    });
    free_play
        .into_iter()
        .chain(by_concept.into_iter().map(|(_, group)| group))
        .chain(unreadable)
        .collect()
}

fn concept_label(concept: u32) -> String {
    match concept_title(concept) {
        Some(title) => format!("{concept} · {title}"),
        None => "Other scenarios".to_owned(),
    }
}

/// The entry that names the loaded lab: the catalog entry whose scenario has its name (so a
/// scenario opened by an address, a link or a restore is named too), or none when the lab came
/// from elsewhere (a link or file of a scenario the lab does not ship).
pub fn loaded_entry(groups: &[PickerGroup], origin: &Origin) -> Option<usize> {
    let free_play = Origin::free_play();
    groups
        .iter()
        .flat_map(|g| &g.entries)
        .find(|entry| {
            entry.title == origin.name
                || (origin.name == free_play.name && entry.title == Source::FreePlay.title())
        })
        .map(|entry| entry.index)
}

#[derive(Debug, Properties, PartialEq)]
pub struct ScenarioPickerProps {
    /// The scenario the lab runs now, for its name and description.
    /// Shared with the lab: a link's origin carries its whole script, so it is compared by
    /// identity first, never copied.
    pub origin: Rc<Origin>,
    pub dispatch: Callback<LabAction>,
}

/// The value of the choice naming a loaded lab that is not in the catalog.
const ELSEWHERE: &str = "loaded";

#[component]
pub fn ScenarioPicker(props: &ScenarioPickerProps) -> Html {
    let sources = use_memo((), |()| catalog());
    let groups = {
        let sources = sources.clone();
        use_memo((), move |()| picker_groups(&sources))
    };
    let loaded = {
        let (groups, origin) = (groups.clone(), Rc::clone(&props.origin));
        *use_memo(Rc::as_ptr(&props.origin), move |_| {
            loaded_entry(&groups, &origin)
        })
    };
    // A choice made in the picker holds until a lab is loaded, whichever way.
    let chosen = use_state(|| None::<(Rc<Origin>, usize)>);
    let selected = chosen
        .as_ref()
        .filter(|(origin, _)| Rc::ptr_eq(origin, &props.origin))
        .map(|(_, index)| *index)
        .or(loaded);
    let value = selected.map_or_else(|| ELSEWHERE.to_owned(), |i| i.to_string());
    let select = use_node_ref();
    {
        // The `selected` attribute no longer moves a select the user has touched; the property does.
        let (select, value) = (select.clone(), value.clone());
        use_effect_with(value, move |value| {
            if let Some(select) = select.cast::<HtmlSelectElement>() {
                select.set_value(value);
            }
        });
    }
    let on_change = {
        let (chosen, origin) = (chosen.clone(), Rc::clone(&props.origin));
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(index) = value.parse::<usize>() {
                chosen.set(Some((Rc::clone(&origin), index)));
            }
        })
    };
    let on_load = {
        let dispatch = props.dispatch.clone();
        let sources = sources.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(source) = selected.and_then(|i| sources.get(i)) {
                dispatch.emit(LabAction::Load(source.clone()));
            }
        })
    };
    html! {
        <section class="panel panel-scenario" aria-labelledby="scenario-heading">
            <h2 id="scenario-heading" class="scenario-name">{&props.origin.name}</h2>
            // Folded, so the page opens on the controls; one click shows the whole story.
            <details class="scenario-about">
                <summary>{"About this scenario"}</summary>
                <p class="scenario-description" id="scenario-description">{&props.origin.description}</p>
            </details>
            <div class="scenario-choice">
                <label for="scenario-picker">{"Start from"}</label>
                <select id="scenario-picker" ref={select} onchange={on_change}>
                    {loaded.is_none().then(|| html! {
                        <option value={ELSEWHERE} disabled=true selected={selected.is_none()}>
                            {format!("{} (loaded now)", props.origin.name)}
                        </option>
                    })}
                    { for groups.iter().map(|group| html! {
                        <optgroup label={group.label.clone()}>
                            { for group.entries.iter().map(|entry| html! {
                                <option value={entry.index.to_string()}
                                    selected={selected == Some(entry.index)}>{&entry.title}</option>
                            }) }
                        </optgroup>
                    }) }
                </select>
                <button type="button" class="button" id="load-scenario" onclick={on_load}>{"Load"}</button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::run::scenario::Scenario;

    fn titles(group: &PickerGroup) -> Vec<&str> {
        group.entries.iter().map(|e| e.title.as_str()).collect()
    }

    #[test]
    fn free_play_first_then_concepts_in_the_story_order() {
        let groups = picker_groups(&catalog());
        assert_eq!(groups[0].label, "Free play");
        assert_eq!(titles(&groups[0]), ["Free play (nothing scripted)"]);
        assert_eq!(groups[1].label, "1 · At-most-once");
        assert_eq!(groups[2].label, "2 · At-least-once");
        assert_eq!(
            titles(&groups[2]),
            [
                "At-least-once: a retry after a lost ack writes a duplicate, a late commit repeats processing",
                "A consumer too slow for max.poll.interval.ms: its commit fails and the records are processed twice"
            ]
        );
        let concepts: Vec<u32> = groups[1..]
            .iter()
            .map(|g| g.label.split(" · ").next().unwrap().parse().unwrap())
            .collect();
        let mut sorted = concepts.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(concepts, sorted, "each concept once, in order");
    }

    #[test]
    fn every_scenario_is_listed_once_by_its_title_under_its_first_concept() {
        let sources = catalog();
        let groups = picker_groups(&sources);
        let mut listed: Vec<usize> = groups
            .iter()
            .flat_map(|g| &g.entries)
            .map(|e| e.index)
            .collect();
        listed.sort_unstable();
        assert_eq!(listed, (0..sources.len()).collect::<Vec<_>>());
        for group in &groups[1..] {
            let concept: u32 = group.label.split(" · ").next().unwrap().parse().unwrap();
            for entry in &group.entries {
                let Source::File { text, name } = &sources[entry.index] else {
                    panic!("only files under a concept");
                };
                let scenario = Scenario::parse(text).expect("shipped scenarios parse");
                assert_eq!(entry.title, scenario.name, "{name}: listed by its title");
                assert_eq!(scenario.concepts.first(), Some(&concept), "{name}");
                assert!(!entry.title.contains(".json"), "{name}");
            }
        }
        // "10-14-…" goes under 10, "13-19-20-…" under 13: a file under its first concept.
        let thirteen = groups
            .iter()
            .find(|g| g.label.starts_with("13 · "))
            .unwrap();
        assert_eq!(thirteen.entries.len(), 1);
    }

    #[test]
    fn the_loaded_lab_is_named_however_it_was_loaded() {
        let sources = catalog();
        let groups = picker_groups(&sources);
        assert_eq!(loaded_entry(&groups, &Origin::free_play()), Some(0));
        let story = crate::scenarios::first_story().expect("the first story ships");
        let index = sources.iter().position(|s| *s == story).unwrap();
        let mut origin = story.origin().unwrap();
        assert_eq!(loaded_entry(&groups, &origin), Some(index));
        // Opened with another seed (an address) it is still that scenario.
        origin.seed = 99;
        assert_eq!(loaded_entry(&groups, &origin), Some(index));
        // A link of a scenario the lab does not ship is named by its own name instead.
        origin.name = "My own scenario".to_owned();
        assert_eq!(loaded_entry(&groups, &origin), None);
    }
}
