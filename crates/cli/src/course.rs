//! The course commands: `grade` (a class's attempt files against one exercise, one row each)
//! and `check-exercise` / `check-lesson` (a teacher's file, checked by replaying it). The
//! grading itself is `eos_course::grade`; this module reads files and prints rows.

use eos_course::{
    Exercise, Grade, Lesson, MAX_ATTEMPT_BYTES, MAX_COURSE_FILE_BYTES, Problem, StartingPoint,
    Verdict, grade,
};
use std::io::Read;
use std::path::{Path, PathBuf};

/// How `grade` prints its rows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Table {
    Text,
    Json,
    Csv,
}

/// One graded attempt file.
struct Row {
    file: String,
    grade: Grade,
}

/// Reads at most `limit` bytes, and one more so that a larger file is noticed as such.
fn read_limited(path: &Path, limit: usize) -> Result<String, String> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    std::fs::File::open(path)
        .and_then(|f| f.take(cap).read_to_end(&mut bytes))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))
}

/// Stems resolve to `<scenarios>/<stem>.json`; by default the `scenarios` folder beside the
/// folder holding the course file (`assets/exercises/x.json` -> `assets/scenarios/`).
fn scenarios_dir(file: &Path, given: Option<&str>) -> PathBuf {
    match given {
        Some(dir) => PathBuf::from(dir),
        None => file
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."))
            .join("scenarios"),
    }
}

/// A stem names a file in the scenarios folder and nothing else: lowercase letters, digits and
/// `-` only, so an exercise file can never make the grader read `../elsewhere.json`.
fn is_plain_stem(stem: &str) -> bool {
    !stem.is_empty()
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn lookup_in(dir: PathBuf) -> impl Fn(&str) -> Option<String> {
    move |stem: &str| {
        if !is_plain_stem(stem) {
            return None;
        }
        read_limited(
            &dir.join(format!("{stem}.json")),
            eos_core::run::scenario::MAX_BYTES,
        )
        .ok()
    }
}

/// The exercise file, parsed and checked against its scenario (an invalid exercise cannot
/// grade anyone).
fn load_exercise(path: &str, scenarios: Option<&str>) -> Result<(Exercise, StartingPoint), String> {
    let file = Path::new(path);
    let text = read_limited(file, MAX_COURSE_FILE_BYTES)?;
    let exercise = Exercise::parse(path, &text).map_err(|e| e.to_string())?;
    let lookup = lookup_in(scenarios_dir(file, scenarios));
    let start = exercise
        .start
        .resolve(path, "/start", &lookup)
        .map_err(|e| e.to_string())?;
    exercise
        .goal
        .check(path, start.world(), "/goal")
        .map_err(|e| e.to_string())?;
    Ok((exercise, start))
}

/// `eos-lab grade EXERCISE ATTEMPTS_DIR`: every `*.json` file of the folder, in name order,
/// one row each; a file that cannot be read or graded is a row saying why.
pub(crate) fn grade_folder(
    exercise_path: &str,
    folder: &str,
    table: Table,
    scenarios: Option<&str>,
) -> Result<String, String> {
    let (exercise, start) = load_exercise(exercise_path, scenarios)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| format!("{folder}: {e}"))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let rows: Vec<Row> = files
        .iter()
        .map(|path| {
            let file = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            // A file over the limit is named by its real size; reading stops one byte past the
            // limit, so the grader sees a too-large text rather than a cut-off JSON.
            let size = std::fs::metadata(path).map_or(0, |m| m.len());
            let grade = match read_limited(path, MAX_ATTEMPT_BYTES) {
                Ok(_) if size > u64::try_from(MAX_ATTEMPT_BYTES).unwrap_or(u64::MAX) => Grade {
                    verdict: Verdict::Invalid {
                        problem: Problem::TooLarge {
                            bytes: usize::try_from(size).unwrap_or(usize::MAX),
                        },
                    },
                    steps: None,
                    par: exercise.limits.par,
                },
                Ok(text) => grade(&exercise, &start, &text),
                Err(message) => Grade {
                    verdict: Verdict::Invalid {
                        problem: Problem::Unreadable { message },
                    },
                    steps: None,
                    par: exercise.limits.par,
                },
            };
            Row { file, grade }
        })
        .collect();
    Ok(match table {
        Table::Text => text_table(&exercise, &rows),
        Table::Json => json_table(&exercise, &rows),
        Table::Csv => csv_table(&rows),
    })
}

fn result_word(grade: &Grade) -> &'static str {
    match grade.verdict {
        Verdict::Passed => "passed",
        Verdict::NotYet { .. } => "not yet",
        Verdict::Invalid { .. } => "invalid",
    }
}

fn steps_word(grade: &Grade) -> String {
    match (grade.steps, grade.par) {
        (Some(steps), Some(par)) => format!("{steps}/{par}"),
        (Some(steps), None) => steps.to_string(),
        (None, _) => "-".to_owned(),
    }
}

fn text_table(exercise: &Exercise, rows: &[Row]) -> String {
    let mut out = format!("exercise: {} ({})", exercise.id, exercise.title);
    if let Some(par) = exercise.limits.par {
        out.push_str(&format!(", par {par} steps"));
    }
    out.push('\n');
    let width = rows
        .iter()
        .map(|r| r.file.chars().count())
        .max()
        .unwrap_or(0)
        .max("file".len());
    out.push_str(&format!(
        "{:width$}  {:7}  {:7}  reason\n",
        "file", "result", "steps"
    ));
    for row in rows {
        out.push_str(&format!(
            "{:width$}  {:7}  {:7}  {}\n",
            row.file,
            result_word(&row.grade),
            steps_word(&row.grade),
            row.grade.reason()
        ));
    }
    let count = |word: &str| {
        rows.iter()
            .filter(|r| result_word(&r.grade) == word)
            .count()
    };
    out.push_str(&format!(
        "{} attempt(s): {} passed, {} not yet, {} invalid\n",
        rows.len(),
        count("passed"),
        count("not yet"),
        count("invalid")
    ));
    out
}

fn json_table(exercise: &Exercise, rows: &[Row]) -> String {
    let attempts: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            serde_json::json!({
                "file": row.file,
                "result": result_word(&row.grade).replace(' ', "_"),
                "steps": row.grade.steps,
                "par": row.grade.par,
                "reason": row.grade.reason(),
            })
        })
        .collect();
    let report = serde_json::json!({
        "exercise": {
            "id": exercise.id,
            "title": exercise.title,
            "par": exercise.limits.par,
        },
        "attempts": attempts,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    )
}

fn csv_table(rows: &[Row]) -> String {
    let mut out = "file,result,steps,par,reason\n".to_owned();
    for row in rows {
        let number = |n: Option<usize>| n.map_or_else(String::new, |n| n.to_string());
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            csv_field(&row.file),
            result_word(&row.grade).replace(' ', "_"),
            number(row.grade.steps),
            number(row.grade.par),
            csv_field(&row.grade.reason())
        ));
    }
    out
}

/// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// `eos-lab check-exercise FILE`: the reference passes, every wrong attempt fails for its
/// reason.
pub(crate) fn check_exercise(path: &str, scenarios: Option<&str>) -> Result<String, String> {
    let file = Path::new(path);
    let text = read_limited(file, MAX_COURSE_FILE_BYTES)?;
    let exercise = Exercise::parse(path, &text).map_err(|e| e.to_string())?;
    let lookup = lookup_in(scenarios_dir(file, scenarios));
    exercise.check(path, &lookup).map_err(|e| e.to_string())?;
    Ok(format!(
        "{path}: ok: the reference passes in {} steps{}; {} wrong attempt(s) fail for their reasons\n  goal: {}\n",
        exercise.reference.len(),
        exercise
            .limits
            .par
            .map_or_else(String::new, |p| format!(" (par {p})")),
        exercise.wrong_attempts.len(),
        exercise.goal.describe()
    ))
}

/// `eos-lab check-lesson FILE`: every beat replays to its expectation, every checkpoint is
/// passed by its show_me and not by its wrong moves.
pub(crate) fn check_lesson(path: &str, scenarios: Option<&str>) -> Result<String, String> {
    let file = Path::new(path);
    let text = read_limited(file, MAX_COURSE_FILE_BYTES)?;
    let lesson = Lesson::parse(path, &text).map_err(|e| e.to_string())?;
    let lookup = lookup_in(scenarios_dir(file, scenarios));
    lesson.check(path, &lookup).map_err(|e| e.to_string())?;
    let checkpoints = lesson
        .beats
        .iter()
        .filter(|b| b.your_turn.is_some())
        .count();
    Ok(format!(
        "{path}: ok: {} beat(s) replay to their expectations; {checkpoints} checkpoint(s) pass by show_me and not by their wrong moves\n",
        lesson.beats.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stem_that_leaves_the_scenarios_folder_is_not_looked_up() {
        let lookup = lookup_in(PathBuf::from("../../assets/scenarios"));
        assert!(lookup("02-at-least-once").is_some());
        assert!(lookup("../scenarios/02-at-least-once").is_none());
        assert!(lookup("/etc/passwd").is_none());
    }

    #[test]
    fn csv_fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
