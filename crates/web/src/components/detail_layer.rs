//! The detail layer under the stage: today's panels, each group folded in a disclosure, opened
//! when the scenario's concept needs it, when an embedded lab's `view=` asks for it, or when
//! something on the page reveals it (an offset picked for the inspector).
//!
//! The stage and its narration carry the story; these panels are the depth one click away.

use crate::launch::View;
use yew::prelude::*;

/// One folded group of panels under the stage, in page order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DetailGroup {
    Guarantees,
    Explorer,
    Clients,
    Network,
    Logs,
    Readers,
    Coordinator,
    Database,
    Inspector,
    Timeline,
    Branches,
    ClusterSettings,
    ShareAndSave,
}

impl DetailGroup {
    pub const ALL: [DetailGroup; 13] = [
        DetailGroup::Guarantees,
        DetailGroup::Explorer,
        DetailGroup::Clients,
        DetailGroup::Network,
        DetailGroup::Logs,
        DetailGroup::Readers,
        DetailGroup::Coordinator,
        DetailGroup::Database,
        DetailGroup::Inspector,
        DetailGroup::Timeline,
        DetailGroup::Branches,
        DetailGroup::ClusterSettings,
        DetailGroup::ShareAndSave,
    ];

    /// The group's element id, `detail-…`, for links and for revealing it.
    pub fn id(self) -> &'static str {
        match self {
            DetailGroup::Guarantees => "detail-guarantees",
            DetailGroup::Explorer => "detail-explorer",
            DetailGroup::Clients => "detail-clients",
            DetailGroup::Network => "detail-network",
            DetailGroup::Logs => "detail-logs",
            DetailGroup::Readers => "detail-readers",
            DetailGroup::Coordinator => "detail-coordinator",
            DetailGroup::Database => "detail-database",
            DetailGroup::Inspector => "detail-inspector",
            DetailGroup::Timeline => "detail-timeline",
            DetailGroup::Branches => "detail-branches",
            DetailGroup::ClusterSettings => "detail-cluster-settings",
            DetailGroup::ShareAndSave => "detail-share",
        }
    }

    /// What the disclosure says: its name, then what is inside.
    pub fn summary(self) -> (&'static str, &'static str) {
        match self {
            DetailGroup::Guarantees => ("Guarantees", "each one holding or broken, and where"),
            DetailGroup::Explorer => (
                "Explorer",
                "random runs with faults, searching for one that breaks a guarantee",
            ),
            DetailGroup::Clients => (
                "Producers and consumers",
                "settings, sequences, transactions, positions",
            ),
            DetailGroup::Network => ("Network and time", "every message in flight, the clock"),
            DetailGroup::Logs => (
                "Partition logs",
                "every record, marker and offset, per producer state",
            ),
            DetailGroup::Readers => (
                "What each isolation level reads",
                "read_uncommitted and read_committed side by side",
            ),
            DetailGroup::Coordinator => (
                "Transaction coordinator and brokers",
                "states, timeouts, __transaction_state",
            ),
            DetailGroup::Database => ("External database", "effects, dedup table, outbox"),
            DetailGroup::Inspector => (
                "Record inspector",
                "why a record can or cannot be read, tool views, offsets over time, the cost model",
            ),
            DetailGroup::Timeline => ("Timeline", "every step so far, to go back to"),
            DetailGroup::Branches => ("Branches", "runs you left behind, compared"),
            DetailGroup::ClusterSettings => ("Cluster settings", "brokers and topics"),
            DetailGroup::ShareAndSave => ("Share and save", "a link, a file, an import"),
        }
    }
}

/// Whether a group starts open. On the page, the groups the scenario's concepts need (concept
/// numbers of `shared/concepts.md`); embedded, exactly the groups `view=` names, and none for
/// the compact default.
pub fn opens(group: DetailGroup, concepts: &[u32], embedded_view: Option<View>) -> bool {
    match embedded_view {
        Some(view) => shown_in(group, view),
        None => concepts.iter().any(|concept| needs(*concept, group)),
    }
}

/// Whether an embedded lab with this `view=` shows the group at all.
pub fn shown_in(group: DetailGroup, view: View) -> bool {
    use DetailGroup as G;
    match view {
        View::Stage => false,
        View::All => true,
        View::Log => matches!(group, G::Network | G::Logs),
        View::Transactions => {
            matches!(group, G::Clients | G::Network | G::Coordinator | G::Logs)
        }
        View::Consumers => matches!(group, G::Clients | G::Logs | G::Readers | G::Inspector),
        View::Timeline => matches!(group, G::Timeline | G::Guarantees),
    }
}

/// The depth a concept needs beyond the stage: the one panel that shows what the stage only
/// hints at.
fn needs(concept: u32, group: DetailGroup) -> bool {
    use DetailGroup as G;
    match concept {
        // Sequences, the last five batches, the producer state a partition keeps.
        5..=8 => group == G::Logs,
        // The coordinator's states, __transaction_state, timeouts, recovery.
        10 | 12 | 15..=17 => group == G::Coordinator,
        // What each isolation level reads, and why.
        13 | 18 | 19 | 21 => group == G::Readers,
        // Effects outside Kafka.
        24 | 25 => group == G::Database,
        _ => false,
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct DetailProps {
    pub group: DetailGroup,
    /// Whether it starts open; a later change opens or closes it, the user's own toggles stay.
    pub open: bool,
    pub children: Html,
}

/// One folded group: a disclosure whose summary names the group and what is inside. Its panels
/// are built the first time it opens, not before: most readers open few groups, and building
/// every folded panel made the first render of a concept's page long (mobile total blocking
/// time). Once built they stay, folded or not, so a panel keeps what the reader picked in it.
#[component]
pub fn Detail(props: &DetailProps) -> Html {
    let (name, hint) = props.group.summary();
    let opened_once = use_state_eq(|| props.open);
    {
        let opened_once = opened_once.clone();
        use_effect_with(props.open, move |open| {
            if *open {
                opened_once.set(true);
            }
        });
    }
    // The `toggle` event also follows an `open` set from code (`reveal`, `unfold_around`).
    let ontoggle = {
        let opened_once = opened_once.clone();
        Callback::from(move |event: Event| {
            let opened = event
                .target_dyn_into::<web_sys::Element>()
                .is_some_and(|details| details.has_attribute("open"));
            if opened {
                opened_once.set(true);
            }
        })
    };
    let built = *opened_once || props.open;
    html! {
        <details class="detail" id={props.group.id()} open={props.open} {ontoggle}>
            <summary>
                <span class="detail-name">{name}</span>
                <span class="detail-hint">{hint}</span>
            </summary>
            <div class="detail-body">
                if built { {props.children.clone()} }
            </div>
        </details>
    }
}

/// Opens every folded group around `element` and brings it into view, so a panel revealed from
/// elsewhere on the page (an offset picked on the stage) is never hidden inside a closed one.
pub fn unfold_around(element: &web_sys::Element) {
    let mut next = element.closest("details").ok().flatten();
    while let Some(details) = next {
        let _ = details.set_attribute("open", "");
        next = details
            .parent_element()
            .and_then(|parent| parent.closest("details").ok().flatten());
    }
}

/// Unfolds the group (or the element) with this id in the lab that holds `origin` and brings it
/// into view with focus on it, so "show the details" from the stage lands the reader, and a
/// keyboard user, on the panel. Looked up from the lab's own root, so two labs on one page (an
/// embedding page, the tests) never reveal each other's panels.
pub fn reveal(origin: &web_sys::Element, id: &str) {
    let Some(element) = origin
        .closest("main")
        .ok()
        .flatten()
        .and_then(|lab| lab.query_selector(&format!("#{id}")).ok().flatten())
    else {
        return;
    };
    unfold_around(&element);
    if element.tag_name().eq_ignore_ascii_case("details") {
        let _ = element.set_attribute("open", "");
    }
    element.scroll_into_view();
    if let Some(summary) = element
        .query_selector("summary")
        .ok()
        .flatten()
        .and_then(|s| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(s).ok())
    {
        let _ = summary.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_play_starts_with_every_group_folded() {
        assert!(DetailGroup::ALL.iter().all(|g| !opens(*g, &[], None)));
    }

    #[test]
    fn a_concept_opens_the_panel_it_needs() {
        assert!(opens(DetailGroup::Readers, &[13, 18, 19, 20], None));
        assert!(opens(DetailGroup::Coordinator, &[12], None));
        assert!(!opens(DetailGroup::Coordinator, &[2], None));
        assert!(opens(DetailGroup::Database, &[25], None));
    }

    #[test]
    fn an_embedded_lab_shows_only_what_its_view_names() {
        let compact: Vec<_> = DetailGroup::ALL
            .iter()
            .filter(|g| shown_in(**g, View::Stage))
            .collect();
        assert!(compact.is_empty(), "the compact embed shows no details");
        assert!(opens(DetailGroup::Logs, &[13], Some(View::Log)));
        assert!(!opens(DetailGroup::Readers, &[13], Some(View::Log)));
        assert!(DetailGroup::ALL.iter().all(|g| shown_in(*g, View::All)));
    }

    #[test]
    fn every_group_has_its_own_id() {
        let mut ids: Vec<_> = DetailGroup::ALL.iter().map(|g| g.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), DetailGroup::ALL.len());
    }
}
