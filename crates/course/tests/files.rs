//! Course files as untrusted input: a lesson or exercise with a mistake is refused with the
//! file, a JSON pointer (or line and column) and a sentence; attempts are bounded; a
//! checkpoint's hint follows the documented rule for a wrong move.

use eos_course::{
    Attempt, BeatPoint, CourseError, ErrorKind, Exercise, Lesson, Location, MAX_ATTEMPT_ACTIONS,
    Problem, Verdict, grade, grade_actions,
};
use std::path::PathBuf;

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets")
}

fn scenario(stem: &str) -> Option<String> {
    std::fs::read_to_string(assets().join("scenarios").join(format!("{stem}.json"))).ok()
}

fn shipped(folder: &str, id: &str) -> String {
    std::fs::read_to_string(assets().join(folder).join(format!("{id}.json"))).expect("shipped")
}

/// The error a lesson text gives, parsing then checking.
fn lesson_error(text: &str) -> CourseError {
    match Lesson::parse("l.json", text) {
        Err(e) => e,
        Ok(lesson) => lesson
            .check("l.json", &scenario)
            .expect_err("the lesson has a mistake"),
    }
}

fn exercise_error(text: &str) -> CourseError {
    match Exercise::parse("e.json", text) {
        Err(e) => e,
        Ok(exercise) => exercise
            .check("e.json", &scenario)
            .expect_err("the exercise has a mistake"),
    }
}

#[test]
fn a_lesson_mistake_is_located() {
    let lesson = shipped("lessons", "two-generals");
    let cases: [(String, &str); 9] = [
        (
            lesson.replace(
                r#""actions": [{"step": "deliver"}],"#,
                r#""actions": [{"step": "deliver", "message": 42}],"#,
            ),
            "l.json: /beats/2/actions/0: the lab refuses this step here: ",
        ),
        (
            lesson.replace(
                r#"{"offset": {"partition": "payments-0", "mark": "log_end", "eq": 1}},
        {"visible""#,
                r#"{"offset": {"partition": "payments-0", "mark": "log_end", "eq": 2}},
        {"visible""#,
            ),
            "l.json: /beats/2/expect: after the beat's actions the expectation is not met: payments-0's log end is 2",
        ),
        (
            lesson.replace(
                r#"[{"step": "advance_time", "ms": 30000}]
        ]"#,
                r#"[{"step": "advance_time", "ms": 30000}, {"step": "drop"}]
        ]"#,
            ),
            "l.json: /beats/2/your_turn/wrong_moves/1/1: this wrong move meets the goal",
        ),
        (
            lesson.replace(
                r#""show_me": [{"step": "drop"}]"#,
                r#""show_me": [{"step": "deliver"}]"#,
            ),
            "l.json: /beats/2/your_turn/show_me: show_me does not reach the goal: ",
        ),
        (
            lesson.replace(r#"{"producer": "p1"}"#, r#"{"producer": "p3"}"#),
            "l.json: /beats/0/point_at/producer: the scenario has no producer `p3`",
        ),
        (
            lesson.replace(
                r#""start": {"scenario": "03-two-generals"}"#,
                r#""start": {"scenario": "../../etc/passwd"}"#,
            ),
            "l.json: /start/scenario: `../../etc/passwd` is not a scenario stem",
        ),
        (
            lesson.replace(
                r#""start": {"scenario": "03-two-generals"}"#,
                r#""start": {"scenario": "03-three-generals"}"#,
            ),
            "l.json: /start/scenario: there is no scenario `03-three-generals`",
        ),
        (
            lesson.replace(
                r#""start": {"scenario": "03-two-generals"}"#,
                r#""start": {"scenario": "03-two-generals", "after_steps": 99}"#,
            ),
            "l.json: /start: after_steps is 99, but the scenario has only 6 scripted steps",
        ),
        (
            lesson.replace(r#""format_version": 1"#, r#""format_version": 2"#),
            "l.json: /format_version: format_version 2 is not supported; this build reads version 1",
        ),
    ];
    for (text, expected) in cases {
        let error = lesson_error(&text).to_string();
        assert!(error.starts_with(expected), "{error}\n  not {expected}");
    }
    let error = lesson_error(&lesson.replace(
        r#""concepts": [3],
      "narration""#,
        r#""concepts": [7],
      "narration""#,
    ))
    .to_string();
    assert_eq!(
        error,
        "l.json: /beats/3/concepts/0: concept 7 is not among the lesson's concepts"
    );
    let error = lesson_error(&lesson.replace("\"beats\": [", "\"beats\": [,"));
    assert!(
        matches!(error.location, Location::Text { line: 7, .. }),
        "{error:?}"
    );
    assert_eq!(error.kind, ErrorKind::Syntax);
    let error = lesson_error(&lesson.replace(
        r#""expect": {"all": [
        {"event_seen": {"event": "message_sent", "eq": 1}},
        {"offset": {"partition": "payments-0", "mark": "log_end", "eq": 0}}
      ]}"#,
        r#""id": "x""#,
    ));
    assert!(error.to_string().contains("unknown field `id`"), "{error}");
}

#[test]
fn a_lesson_can_start_from_an_inline_scenario() {
    let inline = scenario("03-two-generals").expect("shipped");
    let lesson = shipped("lessons", "two-generals").replace(
        r#""start": {"scenario": "03-two-generals"}"#,
        &format!(r#""start": {{"inline": {inline}}}"#),
    );
    let parsed = Lesson::parse("l.json", &lesson).expect("parses");
    parsed
        .check("l.json", &|_| None)
        .expect("checks without a lookup");
    let both = shipped("lessons", "two-generals").replace(
        r#""start": {"scenario": "03-two-generals"}"#,
        &format!(r#""start": {{"scenario": "03-two-generals", "inline": {inline}}}"#),
    );
    let error = lesson_error(&both).to_string();
    assert!(
        error.starts_with("l.json: line ") && error.contains("give exactly one of `scenario`"),
        "{error}"
    );
}

#[test]
fn the_hint_shows_once_the_learner_has_taken_par_steps_without_the_goal() {
    let lesson = Lesson::parse("l.json", &shipped("lessons", "two-generals")).expect("parses");
    let start = lesson.check("l.json", &scenario).expect("checks");
    let beat = 2;
    let turn = lesson.beats[beat].your_turn.as_ref().expect("a checkpoint");
    let mut world = start.world().clone();
    for action in lesson
        .path_to(beat, BeatPoint::AfterActions)
        .expect("a beat")
    {
        world.step(&action).expect("the path plays");
    }
    let fresh = turn.status(&world, &[], 0);
    assert!(!fresh.passed() && !fresh.show_hint);
    // A wrong move: deliver the ack instead of dropping it.
    let mut wrong = world.clone();
    let events = wrong
        .step(&eos_core::Action::Deliver { message: None })
        .expect("applies");
    let status = turn.status(&wrong, &events, 1);
    assert!(!status.passed() && status.show_hint, "{status:?}");
    assert!(
        status
            .evaluation
            .sentence()
            .ends_with("; send_acknowledged happened once"),
        "{}",
        status.evaluation.sentence()
    );
    // The right move.
    let events = world
        .step(&eos_core::Action::Drop { message: None })
        .expect("applies");
    assert!(turn.status(&world, &events, 1).passed());
    assert_eq!(lesson.path_to(99, BeatPoint::Before), None);
    assert_eq!(
        lesson.path_to(3, BeatPoint::Before).expect("a beat").len(),
        lesson.path_to(2, BeatPoint::After).expect("a beat").len()
    );
}

#[test]
fn an_exercise_mistake_is_located() {
    let exercise = shipped("exercises", "charge-twice");
    let cases: [(String, &str); 5] = [
        (
            exercise.replace(r#""allowed": ["poll","#, r#""allowed": ["pol","#),
            "e.json: /limits/allowed/0: `pol` is not a step kind: expected one of `send`,",
        ),
        (
            exercise.replace(r#""par": 6,"#, r#""par": 16,"#),
            "e.json: /limits/par: par 16 is above max_steps 12",
        ),
        (
            exercise.replace(r#""id": "charge-twice""#, r#""id": "Charge Twice""#),
            "e.json: /id: `Charge Twice` is not an id",
        ),
        (
            exercise.replace(
                r#""goal": {"effects": {"business_id": "pay-1", "at_least": 2}}"#,
                r#""goal": {"effects": {"business_id": "pay-1", "at_least": 0}}"#,
            ),
            "e.json: /goal: the goal is met before the learner does anything",
        ),
        (
            exercise.replace(
                r#""task": "The payment"#,
                r#""task": " ", "x": "The payment"#,
            ),
            "e.json: line",
        ),
    ];
    for (text, expected) in cases {
        let error = exercise_error(&text).to_string();
        assert!(error.starts_with(expected), "{error}\n  not {expected}");
    }
}

#[test]
fn attempts_are_bounded_and_round_trip() {
    let exercise = Exercise::parse("e.json", &shipped("exercises", "charge-twice")).expect("ok");
    let start = exercise.check("e.json", &scenario).expect("checks");
    let attempt = Attempt::new(&exercise, &start, exercise.reference.clone());
    assert_eq!(Attempt::parse(&attempt.to_json()), Ok(attempt.clone()));

    let many = Attempt::new(
        &exercise,
        &start,
        vec![eos_core::Action::DeliverAll {}; MAX_ATTEMPT_ACTIONS + 1],
    );
    assert_eq!(
        grade(&exercise, &start, &many.to_json()).verdict,
        Verdict::Invalid {
            problem: Problem::TooManyActions {
                count: MAX_ATTEMPT_ACTIONS + 1
            }
        }
    );
    // Over max_steps, though every step is allowed and the goal is met.
    let mut long = exercise.reference.clone();
    long.extend(std::iter::repeat_n(
        eos_core::Action::Poll {
            consumer: eos_core::ClientId::new("c1"),
        },
        7,
    ));
    let graded = grade_actions(&exercise, &start, &long);
    assert_eq!(
        graded.verdict,
        Verdict::NotYet {
            reason: "took 13 steps; the most allowed is 12".to_owned()
        }
    );
    assert_eq!((graded.steps, graded.par), (Some(13), Some(6)));
    let mut action: serde_json::Value = serde_json::from_str(&attempt.to_json()).expect("json");
    action["actions"][0] = serde_json::json!({"step": "poll", "consumer": 3});
    let graded = grade(&exercise, &start, &action.to_string());
    assert!(
        graded
            .reason()
            .starts_with("invalid: malformed: action 1: "),
        "{}",
        graded.reason()
    );
}
