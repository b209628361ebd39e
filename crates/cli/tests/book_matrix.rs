//! The book's chapter on the exactly-once matrix prints what `eos-lab matrix --markdown` prints,
//! and every finding's link opens a run the lab can play.

mod support;

use eos_core::run::share::{self, SharedLink};
use support::{eos_lab, root, stderr, stdout};

const CHAPTER: &str = "docs/book/src/exactly-once-matrix.md";
const BEGIN: &str = "<!-- matrix: begin -->\n";
const END: &str = "<!-- matrix: end -->";

#[test]
fn the_books_matrix_is_what_the_explorer_finds_today() {
    // The default budget: every weaker setting shows its anomaly within it.
    let out = eos_lab(&["matrix", "--jobs", "2", "--markdown"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    let path = root().join(CHAPTER);
    let chapter = std::fs::read_to_string(&path).expect("the chapter exists");
    let (before, rest) = chapter
        .split_once(BEGIN)
        .expect("the chapter marks the table's start");
    let (printed, after) = rest
        .split_once(END)
        .expect("the chapter marks the table's end");
    if printed != table {
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, format!("{before}{BEGIN}{table}{END}{after}")).expect("write");
        } else {
            panic!(
                "{CHAPTER} is out of date: run `UPDATE_GOLDEN=1 cargo test -p eos-cli --test book_matrix`"
            );
        }
    }
    let links: Vec<&str> = table
        .split("](../#")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(link, _)| link))
        .collect();
    assert!(
        links.len() >= 8,
        "{} findings link into the lab",
        links.len()
    );
    for link in links {
        let Ok(SharedLink::Lab(lab)) = share::decode(link) else {
            panic!("a finding's link does not decode: {link}");
        };
        let run = lab.origin.run().expect("the shrunk run plays");
        assert_eq!(run.trace.steps.len(), lab.origin.steps.len());
        assert!(
            lab.origin.recap.is_some(),
            "the run ends by saying what it showed"
        );
    }
}
