//! The explorer: random runs of this lab's starting world (or of one of the explorer's named
//! settings), with lost answers, delays, timeouts and crashes, looking for runs that break a
//! guarantee; and the exactly-once matrix, the same search for every named setting. Both run
//! in a Web Worker (`explorer.rs`), show their progress and speed, stop at any time, and open
//! what they found in the lab as a scenario whose script is the shrunk run.

use std::rc::Rc;

use eos_core::explore::job::{ExploreRequest, ExploreUpdate, FoundRun, MAX_RUNS, WorldSource};
use eos_core::explore::matrix::MATRIX_RUNS;
use eos_core::explore::settings::catalogue;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::explorer_matrix::{
    MatrixTable, MatrixView, RowView, growth_legend, growth_summary, growth_svg, open_in_lab,
};
use crate::explorer::{Explorer, Heard, Place};
use crate::scenarios::Origin;
use crate::state::LabAction;

/// The budgets the panel starts with: a search of a few seconds on a phone, and a matrix of
/// under a minute (the book's, `explore::matrix::MATRIX_RUNS` runs per setting, is a field away).
const DEFAULT_RUNS: u64 = 300;
const DEFAULT_MATRIX_RUNS: u64 = 200;
const STEPS_PER_RUN: usize = 200;
/// The world select's value for the lab's own starting world.
const THIS_LAB: &str = "this-lab";

#[derive(Debug, Properties, PartialEq)]
pub struct ExplorerPanelProps {
    /// The lab's starting world: the runs start from it.
    pub origin: Rc<Origin>,
    pub dispatch: Callback<LabAction>,
}

/// Which job the panel ran last.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JobKind {
    #[default]
    Search,
    Matrix,
}

/// Where a search (or the matrix) stands, as the panel shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchView {
    pub job: JobKind,
    pub runs: u64,
    pub runs_done: u64,
    pub steps_done: u64,
    pub running: bool,
    pub findings: Vec<FoundRun>,
    pub matrix: Option<MatrixView>,
    pub failed: Option<String>,
    pub place: Option<Place>,
    /// When the search began to run (in the worker or on the page) and when it last reported,
    /// in page milliseconds (for steps/s).
    pub started_ms: f64,
    pub last_ms: f64,
}

#[derive(Debug)]
pub enum SearchEvent {
    Started { job: JobKind, runs: u64, at_ms: f64 },
    Update { heard: Heard, at_ms: f64 },
    Stopped,
}

impl Reducible for SearchView {
    type Action = SearchEvent;

    fn reduce(self: Rc<Self>, event: SearchEvent) -> Rc<Self> {
        let mut next = (*self).clone();
        match event {
            SearchEvent::Started { job, runs, at_ms } => {
                next = SearchView {
                    job,
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
                        // Steps/s counts the search's own time, from when it begins to run.
                        next.place = Some(place);
                        (next.started_ms, next.last_ms) = (at_ms, at_ms);
                        return Rc::new(next);
                    }
                    Heard::Update(update) => update,
                };
                next.last_ms = at_ms;
                match update {
                    ExploreUpdate::Progress {
                        runs_done,
                        runs_total,
                        steps_done,
                    } => {
                        (next.runs_done, next.runs, next.steps_done) =
                            (runs_done, runs_total, steps_done);
                    }
                    ExploreUpdate::Found(finding) => next.findings.push(finding),
                    ExploreUpdate::MatrixStarted {
                        columns,
                        settings,
                        budgets,
                    } => {
                        next.runs = next.runs.saturating_mul(settings.len() as u64);
                        next.matrix = Some(MatrixView {
                            columns,
                            settings,
                            budgets,
                            rows: Vec::new(),
                        });
                    }
                    ExploreUpdate::MatrixRow {
                        setting,
                        cells,
                        found_by_budget,
                    } => {
                        if let Some(matrix) = &mut next.matrix {
                            matrix.rows.push(RowView {
                                setting,
                                cells,
                                found_by_budget,
                            });
                        }
                    }
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
        let found = match (self.job, self.findings.len()) {
            (JobKind::Matrix, _) => {
                let rows = self.matrix.as_ref().map_or(0, |m| m.rows.len());
                let of = self.matrix.as_ref().map_or(0, |m| m.settings.len());
                format!("{rows} of {of} settings done")
            }
            (JobKind::Search, 0) => "nothing broken yet".to_owned(),
            (JobKind::Search, 1) => "1 guarantee broken".to_owned(),
            (JobKind::Search, n) => format!("{n} guarantees broken"),
        };
        let verb = match (self.job, self.running) {
            (JobKind::Search, true) => "Searching",
            (JobKind::Search, false) => "Searched",
            (JobKind::Matrix, true) => "Building the matrix",
            (JobKind::Matrix, false) => "Built the matrix",
        };
        let place = match self.place {
            Some(Place::Worker) => " in a background worker",
            #[cfg(feature = "explorer-on-page")]
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

/// Reads a whole number typed into a field; a field being edited (empty, "1e") keeps the last.
fn on_number(state: UseStateHandle<u64>, max: u64) -> Callback<InputEvent> {
    Callback::from(move |e: InputEvent| {
        if let Some(input) = e.target_dyn_into::<HtmlInputElement>()
            && let Ok(n) = input.value().trim().parse::<u64>()
        {
            state.set(n.clamp(1, max));
        }
    })
}

#[component]
pub fn ExplorerPanel(props: &ExplorerPanelProps) -> Html {
    let search = use_reducer(SearchView::default);
    let runs = use_state(|| DEFAULT_RUNS);
    let matrix_runs = use_state(|| DEFAULT_MATRIX_RUNS);
    let seed = use_state(|| 0u64);
    let world = use_state(|| THIS_LAB.to_owned());
    let explorer = use_mut_ref(|| None::<Explorer>);
    // The worker starts as the panel opens, so a search starts at once; it ends with the panel.
    {
        let explorer = explorer.clone();
        use_effect_with((), move |()| {
            *explorer.borrow_mut() = Some(Explorer::new());
            move || drop(explorer.borrow_mut().take())
        });
    }
    // Names, titles and what each setting gives up; built once.
    let settings = use_memo((), |()| {
        catalogue()
            .into_iter()
            .map(|s| (s.name, s.title, s.about))
            .collect::<Vec<_>>()
    });

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
    let on_world = {
        let world = world.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                world.set(select.value());
            }
        })
    };
    // Starts a job; starting again ends the one before.
    let start = {
        let (search, explorer) = (search.clone(), explorer.clone());
        move |job: JobKind, runs: u64, request: ExploreRequest| {
            search.dispatch(SearchEvent::Started {
                job,
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
            explorer
                .borrow_mut()
                .get_or_insert_with(Explorer::new)
                .search(request, on_update);
        }
    };
    let on_search = {
        let start = start.clone();
        let (runs, seed, world) = (*runs, *seed, (*world).clone());
        let origin = props.origin.clone();
        Callback::from(move |_: MouseEvent| {
            let world = if world == THIS_LAB {
                let text = serde_json::to_string(&origin.as_scenario(Vec::new()));
                WorldSource::Scenario {
                    text: text.unwrap_or_default(),
                }
            } else {
                WorldSource::Setting {
                    name: world.clone(),
                }
            };
            let request = ExploreRequest::Search {
                world,
                first_seed: seed,
                runs,
                steps_per_run: STEPS_PER_RUN,
            };
            start(JobKind::Search, runs, request);
        })
    };
    let on_matrix = {
        let runs = *matrix_runs;
        Callback::from(move |_: MouseEvent| {
            let request = ExploreRequest::Matrix {
                runs,
                steps_per_run: STEPS_PER_RUN,
            };
            start(JobKind::Matrix, runs, request);
        })
    };
    let on_stop = {
        let (search, explorer) = (search.clone(), explorer.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(explorer) = explorer.borrow().as_ref() {
                explorer.stop();
            }
            search.dispatch(SearchEvent::Stopped);
        })
    };
    // A search explores one starting world: another one (a finding opened in the lab, another
    // scenario) stops it. What it found stays listed: each finding carries its own world.
    {
        let (search, explorer) = (search.clone(), explorer.clone());
        use_effect_with(props.origin.clone(), move |_| {
            move || {
                if let Some(explorer) = explorer.borrow().as_ref() {
                    explorer.stop();
                }
                search.dispatch(SearchEvent::Stopped);
            }
        });
    }

    let view = &*search;
    let started = view.runs > 0;
    let about = settings
        .iter()
        .find(|(name, ..)| *name == world.as_str())
        .map(|(_, _, about)| *about);
    let stop_button = html! {
        <button type="button" class="button" id="explorer-stop" onclick={on_stop}>{"Stop"}</button>
    };
    html! {
        <section class="panel explorer" aria-labelledby="explorer-heading">
            <h2 id="explorer-heading">{"Explorer: find a run that breaks a guarantee"}</h2>
            <p class="explorer-note">
                {"Random runs of a world: sends, transactions, polls and commits, with lost answers, delays, timeouts and crashes of every node, each run with its own mix. The first run that breaks each guarantee is shrunk to the steps it needs, and opens in the lab as a scenario to step through."}
            </p>
            <form class="explorer-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <div class="explorer-field explorer-world">
                    <label for="explorer-world">{"World"}</label>
                    <select id="explorer-world" onchange={on_world} disabled={view.running}>
                        <option value={THIS_LAB} selected={*world == THIS_LAB}>
                            {"This lab's starting world"}
                        </option>
                        { for settings.iter().map(|(name, title, _)| html! {
                            <option value={*name} selected={world.as_str() == *name}>
                                {format!("Setting {name}: {title}")}
                            </option>
                        }) }
                    </select>
                </div>
                <div class="explorer-field">
                    <label for="explorer-runs">{"Runs"}</label>
                    <input id="explorer-runs" type="number" inputmode="numeric" min="1"
                        max={MAX_RUNS.to_string()} step="1" value={runs.to_string()}
                        oninput={on_number(runs.clone(), MAX_RUNS)} disabled={view.running} />
                </div>
                <div class="explorer-field">
                    <label for="explorer-seed">{"First seed"}</label>
                    <input id="explorer-seed" type="number" inputmode="numeric" min="0" step="1"
                        value={seed.to_string()} oninput={on_seed} disabled={view.running} />
                </div>
                if view.running && view.job == JobKind::Search {
                    {stop_button.clone()}
                } else {
                    <button type="button" id="explorer-start" class="button button-primary"
                        onclick={on_search} disabled={view.running}>
                        {if started && view.job == JobKind::Search { "Search again" } else { "Search" }}
                    </button>
                }
            </form>
            if let Some(about) = about {
                <p class="explorer-about">{about}</p>
            }
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
            if view.job == JobKind::Search {
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
            }
            <h3 id="explorer-matrix-heading">{"The exactly-once matrix"}</h3>
            <p class="explorer-note">
                {format!("The same search for every named setting: which anomaly each weaker choice lets through, and how many runs it took to find it. The rarest need hundreds of runs: at {} runs per setting every weaker choice shows its anomaly.", group_thousands(MATRIX_RUNS))}
            </p>
            <form class="explorer-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <div class="explorer-field">
                    <label for="explorer-matrix-runs">{"Runs per setting"}</label>
                    <input id="explorer-matrix-runs" type="number" inputmode="numeric" min="1"
                        max="2000" step="1" value={matrix_runs.to_string()}
                        oninput={on_number(matrix_runs.clone(), 2_000)} disabled={view.running} />
                </div>
                if view.running && view.job == JobKind::Matrix {
                    {stop_button}
                } else {
                    <button type="button" id="explorer-matrix-start" class="button button-primary"
                        onclick={on_matrix} disabled={view.running}>
                        {"Build the matrix"}
                    </button>
                }
            </form>
            if let (JobKind::Matrix, Some(matrix)) = (view.job, &view.matrix) {
                <MatrixTable matrix={matrix.clone()} dispatch={props.dispatch.clone()} />
                if let Some(svg) = growth_svg(matrix) {
                    <figure class="plot-figure">
                        // Plotters escapes every text it draws; `accessible` the title and description.
                        <div class="plot">{Html::from_html_unchecked(AttrValue::from(svg))}</div>
                        <figcaption class="plot-legend">
                            <p class="plot-cursor-note">{growth_summary(matrix)}</p>
                            {growth_legend(matrix)}
                        </figcaption>
                    </figure>
                }
            }
        </section>
    }
}

fn finding_item(finding: &FoundRun, dispatch: &Callback<LabAction>) -> Html {
    let jepsen = finding
        .jepsen
        .as_ref()
        .map_or(String::new(), |name| format!(" (Jepsen: {name})"));
    html! {
        <li class={classes!("explorer-finding", finding.expected.is_some().then_some("explorer-expected"))}>
            <p>
                <strong>{format!("{}{jepsen}", finding.anomaly)}</strong>{": "}
                <code>{finding.guarantee.clone()}</code>
                // A colon, not a full stop: the reason may begin with a client's name ("p1"),
                // which must keep its case.
                {format!(" broke in {} steps (seed {}): ", finding.steps, finding.seed)}
                {finding.why.clone()}
                <br />
                {match &finding.expected {
                    Some(why) => format!("Expected by design: {why}."),
                    None => "Not expected: this world is meant to prevent it.".to_owned(),
                }}
            </p>
            <button type="button" class="button explorer-open" onclick={open_in_lab(finding, dispatch)}
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
                job: JobKind::Search,
                runs: 10,
                at_ms: 0.0,
            })
            .reduce(SearchEvent::Stopped)
            .reduce(SearchEvent::Update {
                heard: Heard::Update(ExploreUpdate::Progress {
                    runs_done: 5,
                    runs_total: 10,
                    steps_done: 1000,
                }),
                at_ms: 10.0,
            });
        assert_eq!(view.runs_done, 0);
        assert!(!view.running);
    }
}
