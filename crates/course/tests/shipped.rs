//! Every lesson in `assets/lessons` and every exercise in `assets/exercises`, read from the
//! folders so that a new file is tested as soon as it is added: each lesson replays beat by beat
//! to its expectations, each checkpoint is passed by its `show_me` and not by its wrong moves;
//! each exercise's reference passes and each wrong attempt fails for the reason it gives, also
//! when it goes through an attempt file.

use eos_course::{Attempt, Exercise, Lesson, Verdict, grade};
use std::path::{Path, PathBuf};

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets")
}

fn scenario(stem: &str) -> Option<String> {
    std::fs::read_to_string(assets().join("scenarios").join(format!("{stem}.json"))).ok()
}

fn files(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(assets().join(folder))
        .unwrap_or_else(|e| panic!("assets/{folder}: {e}"))
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).expect("a readable file");
    (path.display().to_string(), text)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_lesson_replays_to_its_expectations_and_checkpoints() {
    let lessons = files("lessons");
    assert!(!lessons.is_empty(), "assets/lessons holds no lesson");
    for path in lessons {
        let (source, text) = read(&path);
        let lesson = Lesson::parse(&source, &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lesson.id, stem(&path), "{source}: the id names the file");
        lesson
            .check(&source, &scenario)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            lesson.beats.iter().any(|b| b.your_turn.is_some()),
            "{source}: a lesson has at least one checkpoint"
        );
    }
}

#[test]
fn every_exercise_passes_its_reference_and_fails_its_wrong_attempts() {
    let exercises = files("exercises");
    assert!(!exercises.is_empty(), "assets/exercises holds no exercise");
    for path in exercises {
        let (source, text) = read(&path);
        let exercise = Exercise::parse(&source, &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(exercise.id, stem(&path), "{source}: the id names the file");
        let start = exercise
            .check(&source, &scenario)
            .unwrap_or_else(|e| panic!("{e}"));
        // The same through attempt files, as a class's exports would be graded.
        let reference = Attempt::new(&exercise, &start, exercise.reference.clone());
        let graded = grade(&exercise, &start, &reference.to_json());
        assert_eq!(
            graded.verdict,
            Verdict::Passed,
            "{source}: {}",
            graded.reason()
        );
        for wrong in &exercise.wrong_attempts {
            let attempt = Attempt::new(&exercise, &start, wrong.actions.clone());
            let graded = grade(&exercise, &start, &attempt.to_json());
            match graded.verdict {
                Verdict::NotYet { reason } => assert!(
                    reason.contains(&wrong.reason),
                    "{source}: {reason:?} does not contain {:?}",
                    wrong.reason
                ),
                other => panic!("{source}: a wrong attempt graded {other:?}"),
            }
        }
    }
}

#[test]
fn the_outline_names_every_lesson_and_exercise_with_its_title_and_concepts() {
    let (source, text) = read(&assets().join("course.json"));
    let outline = eos_course::Outline::parse(&source, &text).unwrap_or_else(|e| panic!("{e}"));
    let mut listed: Vec<String> = outline.lessons.iter().map(|l| l.id.clone()).collect();
    listed.sort();
    let on_disk: Vec<String> = files("lessons").iter().map(|p| stem(p)).collect();
    assert_eq!(listed, on_disk, "course.json lists exactly assets/lessons");
    for entry in &outline.lessons {
        let (source, text) = read(&assets().join("lessons").join(format!("{}.json", entry.id)));
        let lesson = Lesson::parse(&source, &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (&entry.title, &entry.concepts),
            (&lesson.title, &lesson.concepts),
            "{source}"
        );
    }
    let mut listed: Vec<String> = outline.exercises.iter().map(|e| e.id.clone()).collect();
    listed.sort();
    let on_disk: Vec<String> = files("exercises").iter().map(|p| stem(p)).collect();
    assert_eq!(
        listed, on_disk,
        "course.json lists exactly assets/exercises"
    );
    for entry in &outline.exercises {
        let (source, text) = read(
            &assets()
                .join("exercises")
                .join(format!("{}.json", entry.id)),
        );
        let exercise = Exercise::parse(&source, &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (&entry.title, &entry.concepts),
            (&exercise.title, &exercise.concepts),
            "{source}"
        );
    }
}
