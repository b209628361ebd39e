//! The course as a whole: `assets/course.json` lists every lesson and exercise file once, with
//! their own titles and concepts; the lessons together cover all 28 concepts of the lab's list;
//! and `docs/concepts.md` names, for every concept, a lesson beat that shows it and that the
//! replay in `shipped.rs` checks (a beat with an `expect` or a checkpoint).

use eos_course::{ErrorKind, Exercise, Lesson, Location, Outline};
use std::collections::BTreeMap;
use std::path::PathBuf;

const CONCEPTS: u32 = 28;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn outline() -> Outline {
    Outline::parse("assets/course.json", &read("assets/course.json"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn stems(folder: &str) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(root().join("assets").join(folder))
        .unwrap_or_else(|e| panic!("assets/{folder}: {e}"))
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            p.file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    stems.sort();
    stems
}

fn lessons() -> BTreeMap<String, Lesson> {
    stems("lessons")
        .into_iter()
        .map(|id| {
            let source = format!("assets/lessons/{id}.json");
            let lesson = Lesson::parse(&source, &read(&source)).unwrap_or_else(|e| panic!("{e}"));
            (id, lesson)
        })
        .collect()
}

#[test]
fn the_outline_lists_every_lesson_file_once_with_its_title_and_concepts() {
    let outline = outline();
    let mut listed: Vec<String> = outline.lessons.iter().map(|e| e.id.clone()).collect();
    listed.sort();
    assert_eq!(
        listed,
        stems("lessons"),
        "assets/course.json against assets/lessons"
    );
    let lessons = lessons();
    for entry in &outline.lessons {
        let lesson = &lessons[&entry.id];
        assert_eq!(
            entry.title, lesson.title,
            "{}: the outline's title",
            entry.id
        );
        assert_eq!(
            entry.concepts, lesson.concepts,
            "{}: the outline's concepts",
            entry.id
        );
    }
}

#[test]
fn the_outline_lists_every_exercise_file_once_with_its_title_and_concepts() {
    let outline = outline();
    let mut listed: Vec<String> = outline.exercises.iter().map(|e| e.id.clone()).collect();
    listed.sort();
    assert_eq!(
        listed,
        stems("exercises"),
        "assets/course.json against assets/exercises"
    );
    for entry in &outline.exercises {
        let source = format!("assets/exercises/{}.json", entry.id);
        let exercise = Exercise::parse(&source, &read(&source)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            entry.title, exercise.title,
            "{}: the outline's title",
            entry.id
        );
        assert_eq!(
            entry.concepts, exercise.concepts,
            "{}: the outline's concepts",
            entry.id
        );
    }
}

#[test]
fn the_course_has_at_least_sixteen_exercises_and_a_lesson_for_every_concept() {
    let outline = outline();
    assert!(
        outline.exercises.len() >= 16,
        "{} exercises",
        outline.exercises.len()
    );
    for concept in 1..=CONCEPTS {
        assert!(
            outline
                .lessons
                .iter()
                .any(|l| l.concepts.contains(&concept)),
            "no lesson covers concept {concept}"
        );
    }
}

/// The `lesson` column of docs/concepts.md: for each concept, "`lesson-id` beat N".
fn documented_beats() -> BTreeMap<u32, (String, usize)> {
    let doc = read("docs/concepts.md");
    let mut beats = BTreeMap::new();
    for row in doc
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| #"))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let Ok(concept) = cells[1].parse::<u32>() else {
            continue;
        };
        let cell = cells.get(4).copied().unwrap_or_default();
        let (id, beat) = cell
            .split_once(" beat ")
            .unwrap_or_else(|| panic!("concept {concept}: `{cell}` is not \"`lesson` beat N\""));
        let beat: usize = beat
            .parse()
            .unwrap_or_else(|_| panic!("concept {concept}: `{beat}` is not a beat number"));
        beats.insert(concept, (id.trim_matches('`').to_owned(), beat));
    }
    beats
}

#[test]
fn docs_concepts_names_for_every_concept_a_lesson_beat_that_is_replayed_and_checked() {
    let beats = documented_beats();
    assert_eq!(
        beats.keys().copied().collect::<Vec<_>>(),
        (1..=CONCEPTS).collect::<Vec<_>>(),
        "docs/concepts.md names a lesson beat for each concept"
    );
    let lessons = lessons();
    for (concept, (id, beat)) in beats {
        let lesson = lessons
            .get(&id)
            .unwrap_or_else(|| panic!("concept {concept}: no lesson `{id}` in assets/lessons"));
        assert!(
            lesson.concepts.contains(&concept),
            "concept {concept}: lesson `{id}` does not list it among its concepts"
        );
        // Beats are numbered from 1, as `?lesson=ID&beat=N` counts them.
        let shown = beat
            .checked_sub(1)
            .and_then(|i| lesson.beats.get(i))
            .unwrap_or_else(|| panic!("concept {concept}: lesson `{id}` has no beat {beat}"));
        assert!(
            shown.expect.is_some() || shown.your_turn.is_some(),
            "concept {concept}: beat {beat} of `{id}` checks nothing when it is replayed"
        );
    }
}

#[test]
fn an_outline_listing_an_id_twice_is_located() {
    let text = r#"{"format_version": 1,
        "lessons": [{"id": "a", "title": "A"}, {"id": "a", "title": "A again"}],
        "exercises": []}"#;
    let error = Outline::parse("course.json", text).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Invalid);
    assert_eq!(error.location, Location::Pointer("/lessons/1/id".into()));
    assert!(error.message.contains("listed twice"), "{}", error.message);
}

#[test]
fn an_outline_with_a_bad_id_or_a_newer_version_is_refused() {
    let bad_id =
        r#"{"format_version": 1, "lessons": [], "exercises": [{"id": "../x", "title": "X"}]}"#;
    let error = Outline::parse("course.json", bad_id).unwrap_err();
    assert_eq!(error.location, Location::Pointer("/exercises/0/id".into()));
    let newer = r#"{"format_version": 2, "lessons": [], "exercises": []}"#;
    assert_eq!(
        Outline::parse("course.json", newer).unwrap_err().kind,
        ErrorKind::Format
    );
}
