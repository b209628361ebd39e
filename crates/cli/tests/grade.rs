//! `eos-lab grade` and `eos-lab check-exercise` as a teacher runs them: the binary over a
//! folder of a class's attempt files (`tests/attempts/charge-twice`: one that passes, one that
//! does not, and malformed, tampered, foreign-version, wrong-exercise, older-exercise,
//! impossible and non-attempt files, plus a too-large one written here), and over broken
//! exercises.

use std::path::{Path, PathBuf};

mod support;
use support::{eos_lab, root, stderr, stdout};

/// A fresh folder under the system's temp dir, named for the test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eos-lab-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// The class's attempts, and one more: a file larger than the grader reads.
fn class_folder(name: &str) -> PathBuf {
    let dir = scratch(name);
    let fixtures = root().join("crates/cli/tests/attempts/charge-twice");
    for entry in std::fs::read_dir(&fixtures).expect("the fixtures") {
        let path = entry.expect("an entry").path();
        std::fs::copy(&path, dir.join(path.file_name().expect("a name"))).expect("a copy");
    }
    let padding = " ".repeat(eos_course::MAX_ATTEMPT_BYTES);
    std::fs::write(dir.join("kim-too-large.json"), format!("{{{padding}}}")).expect("written");
    std::fs::write(dir.join("notes.txt"), "not graded: not a .json file").expect("written");
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

#[test]
fn grading_a_folder_gives_every_file_its_row_and_the_reason_in_words() {
    let folder = class_folder("text");
    let out = eos_lab(&["grade", "assets/exercises/charge-twice.json", path(&folder)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let row = |file: &str| {
        text.lines()
            .find(|l| l.starts_with(file))
            .unwrap_or_else(|| panic!("no row for {file}:\n{text}"))
            .to_owned()
    };
    assert!(text.starts_with("exercise: charge-twice (Charge order pay-1 twice), par 6 steps\n"));
    let too_large = format!(
        "too large: {} bytes, the most accepted is {}",
        eos_course::MAX_ATTEMPT_BYTES + 2,
        eos_course::MAX_ATTEMPT_BYTES
    );
    let expected = [
        ("alice-passed.json", "passed", "6/6"),
        (
            "bob-commits-first.json",
            "not yet",
            "the database applied pay-1's effect once",
        ),
        ("carol-tampered.json", "invalid", "tampered"),
        (
            "dave-foreign-version.json",
            "invalid",
            "attempt version 2 is not supported",
        ),
        (
            "erin-wrong-exercise.json",
            "invalid",
            "made for another exercise (`fence-the-zombie`)",
        ),
        ("frank-malformed.json", "invalid", "malformed: line 12"),
        (
            "grace-older-exercise.json",
            "invalid",
            "another version of this exercise",
        ),
        (
            "heidi-impossible-step.json",
            "invalid",
            "step 2 cannot happen there: consumer `c9`",
        ),
        ("ivan-not-an-attempt.json", "invalid", "not an attempt file"),
        (
            "judy-not-allowed.json",
            "not yet",
            "step 7 is `crash_broker`, which this exercise does not allow",
        ),
        ("kim-too-large.json", "invalid", &too_large),
    ];
    for (file, result, words) in expected {
        let line = row(file);
        assert!(line.contains(&format!("  {result}  ")), "{line}");
        assert!(line.contains(words), "{line}");
    }
    assert!(!text.contains("notes.txt"), "{text}");
    assert!(
        text.ends_with("11 attempt(s): 1 passed, 2 not yet, 8 invalid\n"),
        "{text}"
    );
}

#[test]
fn grading_as_json_and_csv_gives_the_same_rows() {
    let folder = class_folder("machine");
    let out = eos_lab(&[
        "grade",
        "--json",
        "assets/exercises/charge-twice.json",
        path(&folder),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(report["exercise"]["id"], "charge-twice");
    let attempts = report["attempts"].as_array().expect("rows");
    assert_eq!(attempts.len(), 11);
    assert_eq!(attempts[0]["file"], "alice-passed.json");
    assert_eq!(attempts[0]["result"], "passed");
    assert_eq!(attempts[0]["steps"], 6);
    assert_eq!(attempts[0]["par"], 6);
    assert_eq!(attempts[1]["result"], "not_yet");
    assert_eq!(attempts[10]["steps"], serde_json::Value::Null);

    let out = eos_lab(&[
        "grade",
        "assets/exercises/charge-twice.json",
        path(&folder),
        "--csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "file,result,steps,par,reason");
    assert_eq!(lines.len(), 12, "{csv}");
    assert_eq!(lines[1], "alice-passed.json,passed,6,6,passed");
    // The reason has a comma: it is quoted.
    assert!(
        lines[2].starts_with("bob-commits-first.json,not_yet,7,6,\"the database"),
        "{csv}"
    );
}

#[test]
fn an_unreadable_or_invalid_exercise_stops_grading_with_exit_code_1() {
    let folder = class_folder("bad-exercise");
    let out = eos_lab(&["grade", "assets/exercises/no-such.json", path(&folder)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("assets/exercises/no-such.json"),
        "{}",
        stderr(&out)
    );

    let dir = scratch("bad-exercise-file");
    let text = std::fs::read_to_string(root().join("assets/exercises/charge-twice.json"))
        .expect("the exercise")
        .replace(
            "\"business_id\": \"pay-1\"",
            "\"business_id\": \"pay-1\", \"at_lest\": 2",
        );
    let file = dir.join("charge-twice.json");
    std::fs::write(&file, text).expect("written");
    let out = eos_lab(&["grade", path(&file), path(&folder)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unknown field `at_lest`"),
        "{}",
        stderr(&out)
    );

    let out = eos_lab(&[
        "grade",
        "assets/exercises/charge-twice.json",
        "/no/such/folder",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = eos_lab(&["grade", "assets/exercises/charge-twice.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_exercise_passes_the_shipped_ones_and_locates_a_broken_one() {
    for entry in std::fs::read_dir(root().join("assets/exercises")).expect("the exercises") {
        let file = entry.expect("an entry").path();
        let out = eos_lab(&["check-exercise", path(&file)]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(": ok: the reference passes"),
            "{}",
            stdout(&out)
        );
    }

    let dir = scratch("check-exercise");
    let exercise = std::fs::read_to_string(root().join("assets/exercises/charge-twice.json"))
        .expect("the exercise");
    let cases = [
        // The goal names a partition the scenario does not have.
        (
            exercise.replace(
                "{\"effects\": {\"business_id\": \"pay-1\", \"at_least\": 2}}",
                "{\"all\": [{\"offset\": {\"partition\": \"payments-7\", \"mark\": \"lso\", \"eq\": 0}}]}",
            ),
            "/goal/all/0/offset/partition: the scenario has no partition `payments-7`",
        ),
        // A wrong attempt's reason that the grader does not give.
        (
            exercise.replace(
                "\"reason\": \"the database applied pay-1's effect once\"",
                "\"reason\": \"something else\"",
            ),
            "/wrong_attempts/0/reason: the grader's reason is",
        ),
        // A reference that does not reach the goal.
        (
            exercise.replace("\"at_least\": 2}", "\"at_least\": 3}"),
            "/reference: the reference solution does not pass: the database applies pay-1's effect at least 3 times: not yet, the database applied pay-1's effect twice",
        ),
    ];
    for (i, (text, located)) in cases.iter().enumerate() {
        let file = dir.join(format!("case-{i}.json"));
        std::fs::write(&file, text).expect("written");
        let out = eos_lab(&[
            "check-exercise",
            "--scenarios",
            "assets/scenarios",
            path(&file),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(stderr(&out).contains(located), "{}", stderr(&out));
    }
}

#[test]
fn check_lesson_passes_the_shipped_ones() {
    for entry in std::fs::read_dir(root().join("assets/lessons")).expect("the lessons") {
        let file = entry.expect("an entry").path();
        let out = eos_lab(&["check-lesson", path(&file)]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
}
