//! The explorer: random runs of this lab's starting world, with lost answers, delays, timeouts
//! and crashes, looking for one that breaks a guarantee. It runs in a Web Worker (`explorer.rs`),
//! shows its progress and speed, can be stopped at any time, and opens what it found in the lab
//! as a scenario whose script is the shrunk run.

use std::rc::Rc;

use eos_core::explore::job::{ExploreRequest, ExploreUpdate, Finding, MAX_RUNS};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::explorer::{ExplorerRun, Heard, Place};
use crate::scenarios::{Origin, Source};
use crate::state::LabAction;

/// The budgets the panel starts with: a search of a few seconds on a phone.
const DEFAULT_RUNS: u64 = 300;
const STEPS_PER_RUN: usize = 200;

#[derive(Debug, Properties, PartialEq)]
pub struct ExplorerPanelProps {
    /// The lab's starting world: the runs start from it.
    pub origin: Rc<Origin>,
    pub dispatch: Callback<LabAction>,
}

/// Where a search stands, as the panel shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchView {
    pub runs: u64,
    pub runs_done: u64,
    pub steps_done: u64,
    pub running: bool,
    pub findings: Vec<Finding>,
    pub failed: Option<String>,
    pub place: Option<Place>,
    /// When the search started and when it last reported, in page milliseconds (for steps/s).
    pub started_ms: f64,
    pub last_ms: f64,
}

#[derive(Debug)]
pub enum SearchEvent {
    Started { runs: u64, at_ms: f64 },
    Update { heard: Heard, at_ms: f64 },
    Stopped,
}

impl Reducible for SearchView {
    type Action = SearchEvent;

    fn reduce(self: Rc<Self>, event: SearchEvent) -> Rc<Self> {
        let mut next = (*self).clone();
        match event {
            SearchEvent::Started { runs, at_ms } => {
                next = SearchView {
                    runs,
                    running: true,
                    started_ms: at_ms,
                    last_ms: at_ms,
                    ..SearchView::default()
                };
            }
            SearchEvent::Update { heard, at_ms } => {
                if !next.running {
                    return self;
                }
                let update = match heard {
                    Heard::RunsIn(place) => {
                        next.place = Some(place);
                        return Rc::new(next);
                    }
                    Heard::Update(update) => update,
                };
                next.last_ms = at_ms;
                match update {
                    ExploreUpdate::Progress {
                        runs_done,
                        steps_done,
                    } => (next.runs_done, next.steps_done) = (runs_done, steps_done),
                    ExploreUpdate::Found(finding) => next.findings.push(finding),
                    ExploreUpdate::Done {
                        runs_done,
                        steps_done,
                    } => {
                        (next.runs_done, next.steps_done) = (runs_done, steps_done);
                        next.running = false;
                    }
                    ExploreUpdate::Failed { why } => {
                        next.failed = Some(why);
                        next.running = false;
                    }
                }
            }
            SearchEvent::Stopped => next.running = false,
        }
        Rc::new(next)
    }
}

impl SearchView {
    /// Steps per second so far, once there is enough time to measure.
    pub fn steps_per_second(&self) -> Option<f64> {
        let seconds = (self.last_ms - self.started_ms) / 1000.0;
        (seconds > 0.05).then(|| self.steps_done as f64 / seconds)
    }

    /// One sentence on where the search stands.
    pub fn status(&self) -> String {
        let speed = self
            .steps_per_second()
            .map(|s| format!(", {} steps/s", group_thousands(s.round() as u64)))
            .unwrap_or_default();
        let found = match self.findings.len() {
            0 => "nothing broken yet".to_owned(),
            1 => "1 guarantee broken".to_owned(),
            n => format!("{n} guarantees broken"),
        };
        let verb = if self.running {
            "Searching"
        } else {
            "Searched"
        };
        let place = match self.place {
            Some(Place::Worker) => " in a background worker",
            Some(Place::Page) => " on this page",
            None => "",
        };
        format!(
            "{verb}{place}: {} of {} runs, {} steps{speed}; {found}.",
            self.runs_done,
            self.runs,
            group_thousands(self.steps_done)
        )
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[component]
pub fn ExplorerPanel(props: &ExplorerPanelProps) -> Html {
    let search = use_reducer(SearchView::default);
    let runs = use_state(|| DEFAULT_RUNS);
    let seed = use_state(|| 0u64);
    let run = use_mut_ref(|| None::<ExplorerRun>);

    let on_runs = {
        let runs = runs.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>()
                && let Ok(n) = input.value().trim().parse::<u64>()
            {
                runs.set(n.clamp(1, MAX_RUNS));
            }
        })
    };
    let on_seed = {
        let seed = seed.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>()
                && let Ok(n) = input.value().trim().parse::<u64>()
            {
                seed.set(n);
            }
        })
    };
    let on_start = {
        let (search, run, runs, seed) = (search.clone(), run.clone(), *runs, *seed);
        let origin = props.origin.clone();
        Callback::from(move |_: MouseEvent| {
            let scenario = serde_json::to_string(&origin.as_scenario(Vec::new()));
            let request = ExploreRequest {
                scenario: scenario.unwrap_or_default(),
                first_seed: seed,
                runs,
                steps_per_run: STEPS_PER_RUN,
            };
            search.dispatch(SearchEvent::Started {
                runs,
                at_ms: now_ms(),
            });
            let on_update = {
                let search = search.clone();
                Callback::from(move |heard| {
                    search.dispatch(SearchEvent::Update {
                        heard,
                        at_ms: now_ms(),
                    });
                })
            };
            // Starting again ends the search before (dropping it stops it).
            *run.borrow_mut() = Some(ExplorerRun::start(request, on_update));
        })
    };
    let on_stop = {
        let (search, run) = (search.clone(), run.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(run) = run.borrow_mut().take() {
                run.stop();
            }
            search.dispatch(SearchEvent::Stopped);
        })
    };
    // A search explores one starting world: another one (a finding opened in the lab, another
    // scenario) stops it. What it found stays listed: each finding carries its own world.
    {
        let (search, run) = (search.clone(), run.clone());
        use_effect_with(props.origin.clone(), move |_| {
            move || {
                run.borrow_mut().take();
                search.dispatch(SearchEvent::Stopped);
            }
        });
    }

    let view = &*search;
    let started = view.runs > 0;
    html! {
        <section class="panel explorer" aria-labelledby="explorer-heading">
            <h2 id="explorer-heading">{"Explorer: find a run that breaks a guarantee"}</h2>
            <p class="explorer-note">
                {"Random runs of this lab's starting world: sends, transactions, polls and commits, with lost answers, delays, timeouts and crashes of every node. The first run that breaks each guarantee is shrunk to the steps it needs, and opens in the lab as a scenario to step through."}
            </p>
            <form class="explorer-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <div class="explorer-field">
                    <label for="explorer-runs">{"Runs"}</label>
                    <input id="explorer-runs" type="number" inputmode="numeric" min="1"
                        max={MAX_RUNS.to_string()} step="1" value={runs.to_string()}
                        oninput={on_runs} disabled={view.running} />
                </div>
                <div class="explorer-field">
                    <label for="explorer-seed">{"First seed"}</label>
                    <input id="explorer-seed" type="number" inputmode="numeric" min="0" step="1"
                        value={seed.to_string()} oninput={on_seed} disabled={view.running} />
                </div>
                if view.running {
                    <button type="button" class="button" id="explorer-stop" onclick={on_stop}>{"Stop"}</button>
                } else {
                    <button type="button" id="explorer-start" class="button button-primary" onclick={on_start}>
                        {if started { "Search again" } else { "Search" }}
                    </button>
                }
            </form>
            if started {
                <div class="explorer-progress">
                    <progress id="explorer-progress-bar" max={view.runs.to_string()}
                        value={view.runs_done.to_string()} aria-labelledby="explorer-status" />
                    <p id="explorer-status" role="status">{view.status()}</p>
                </div>
            }
            if let Some(why) = &view.failed {
                <p class="explorer-failed" role="alert">{format!("The search stopped: {why}")}</p>
            }
            if !view.findings.is_empty() {
                <ul class="explorer-findings" aria-label="What the search found">
                    { for view.findings.iter().map(|finding| finding_item(finding, &props.dispatch)) }
                </ul>
            } else if started && !view.running && view.failed.is_none() {
                <p class="explorer-none">
                    {format!("No guarantee broke in {} runs of up to {STEPS_PER_RUN} steps. \
                              That is evidence, not proof: try more runs or other seeds.",
                             view.runs_done)}
                </p>
            }
        </section>
    }
}

fn finding_item(finding: &Finding, dispatch: &Callback<LabAction>) -> Html {
    let open = {
        let dispatch = dispatch.clone();
        let (name, text): (Rc<str>, Rc<str>) = (
            format!("found-{}-seed-{}.json", finding.guarantee, finding.seed).into(),
            finding.scenario.as_str().into(),
        );
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(LabAction::Load(Source::File {
                name: name.clone(),
                text: text.clone(),
            }));
        })
    };
    html! {
        <li class="explorer-finding">
            <p>
                <code>{finding.guarantee.clone()}</code>
                {format!(" broke in {} steps (seed {}). ", finding.steps, finding.seed)}
                {finding.why.clone()}
            </p>
            <button type="button" class="button explorer-open" onclick={open}
                aria-label={format!("Open the run that breaks {} in the lab", finding.guarantee)}>
                {"Open in the lab"}
            </button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_says_how_far_the_search_is_and_how_fast() {
        let view = SearchView {
            runs: 300,
            runs_done: 120,
            steps_done: 24_000,
            running: true,
            started_ms: 0.0,
            last_ms: 2_000.0,
            place: Some(Place::Worker),
            ..SearchView::default()
        };
        assert_eq!(
            view.status(),
            "Searching in a background worker: 120 of 300 runs, 24,000 steps, 12,000 steps/s; nothing broken yet."
        );
    }

    #[test]
    fn updates_after_a_stop_are_ignored() {
        let view = Rc::new(SearchView::default())
            .reduce(SearchEvent::Started {
                runs: 10,
                at_ms: 0.0,
            })
            .reduce(SearchEvent::Stopped)
            .reduce(SearchEvent::Update {
                heard: Heard::Update(ExploreUpdate::Progress {
                    runs_done: 5,
                    steps_done: 1000,
                }),
                at_ms: 10.0,
            });
        assert_eq!(view.runs_done, 0);
        assert!(!view.running);
    }
}
