//! A lesson: a starting scenario and beats. A beat tells something (narration), may play
//! scripted actions and point at a thing on the stage, says what is true once its actions have
//! played (`expect`), and may hand over to the learner (`your_turn`): a goal to reach with their
//! own clicks, a hint, the reference actions ("show me"), and plausible wrong moves that tests
//! prove do not pass.
//!
//! The lesson's path is fixed: beat k starts from the world the reference reached, that is the
//! start, every earlier beat's actions and every earlier checkpoint's `show_me`. After a
//! learner passes a checkpoint their own way, the next beat continues from that reference
//! world, so its narration always matches what is on the stage.
//!
//! A wrong move is a step after which the checkpoint's goal is still not met once the learner
//! has taken as many steps as `show_me` has (the checkpoint's par): from then on each such step
//! shows the hint. A step the core refuses changes nothing and is not counted.

use crate::error::{CourseError, ErrorKind, check_id, check_text, parse_course_file, pointer};
use crate::goal::{Evaluation, Goal};
use crate::markup::{self, Block};
use crate::play::play;
use crate::start::{ScenarioLookup, Start, StartingPoint};
use crate::target::Target;
use eos_core::{Action, Event, World};
use serde::{Deserialize, Serialize};

/// The lesson format this build reads.
pub const LESSON_FORMAT_VERSION: u32 = 1;

/// A lesson file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub format_version: u32,
    /// Lowercase letters, digits and `-`; the file is `assets/lessons/<id>.json`.
    pub id: String,
    pub title: String,
    /// The concepts (numbers from the lab's concept list) the lesson covers.
    #[serde(default)]
    pub concepts: Vec<u32>,
    pub start: Start,
    pub beats: Vec<Beat>,
}

/// One beat of a lesson.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beat {
    /// What the beat tells, in the narration markup (see [`markup`]).
    pub narration: String,
    /// The concepts this beat shows (each one also in the lesson's `concepts`), so that every
    /// concept of the lab's list can be mapped to the beat that shows it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concepts: Vec<u32>,
    /// Scripted actions the beat plays, in the scenario `steps` format.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_at: Option<Target>,
    /// What is true once the beat's actions have played (required when it plays any); its
    /// events are those of the beat's actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Goal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub your_turn: Option<YourTurn>,
}

/// A checkpoint: the learner acts until the goal is met.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YourTurn {
    /// Checked after every step, over the world and the events since the checkpoint began.
    pub goal: Goal,
    /// Shown after a wrong move (markup).
    pub hint: String,
    /// The reference actions "show me" plays; their count is the checkpoint's par.
    pub show_me: Vec<Action>,
    /// Plausible wrong sequences (at least one): none of their prefixes meets the goal.
    pub wrong_moves: Vec<Vec<Action>>,
}

/// Where on a beat's path a world stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeatPoint {
    /// Before the beat's actions.
    Before,
    /// After its actions: where its checkpoint, if any, begins.
    AfterActions,
    /// After its checkpoint's `show_me` too: where the next beat begins.
    After,
}

/// How a checkpoint stands after the learner's steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointStatus {
    pub evaluation: Evaluation,
    /// Whether to show the hint: the goal is not met after at least par steps.
    pub show_hint: bool,
}

impl CheckpointStatus {
    pub fn passed(&self) -> bool {
        self.evaluation.met
    }
}

impl Beat {
    /// The narration as blocks to render.
    pub fn narration_blocks(&self) -> Vec<Block> {
        markup::parse(&self.narration)
    }
}

impl YourTurn {
    /// How the checkpoint stands: `world` and `events` since it began, after `steps` steps the
    /// core accepted.
    pub fn status(&self, world: &World, events: &[Event], steps: usize) -> CheckpointStatus {
        let evaluation = self.goal.evaluate(world, events);
        let show_hint = !evaluation.met && steps >= self.show_me.len().max(1);
        CheckpointStatus {
            evaluation,
            show_hint,
        }
    }

    pub fn hint_blocks(&self) -> Vec<Block> {
        markup::parse(&self.hint)
    }
}

impl Lesson {
    /// Reads a lesson file; `source` names it in errors. Checks shape and texts only: names and
    /// actions need the starting world ([`Lesson::check`]).
    pub fn parse(source: &str, text: &str) -> Result<Self, CourseError> {
        let lesson: Lesson = parse_course_file(source, text, LESSON_FORMAT_VERSION, "lesson")?;
        check_id(source, &lesson.id)?;
        check_text(source, "/title", &lesson.title)?;
        if lesson.beats.is_empty() {
            return Err(CourseError::at(
                source,
                "/beats",
                ErrorKind::Invalid,
                "a lesson has at least one beat",
            ));
        }
        for (i, beat) in lesson.beats.iter().enumerate() {
            let at = pointer("/beats", i);
            check_text(source, &pointer(&at, "narration"), &beat.narration)?;
            for (j, concept) in beat.concepts.iter().enumerate() {
                if !lesson.concepts.contains(concept) {
                    return Err(CourseError::at(
                        source,
                        &pointer(&pointer(&at, "concepts"), j),
                        ErrorKind::Invalid,
                        format!("concept {concept} is not among the lesson's concepts"),
                    ));
                }
            }
            if !beat.actions.is_empty() && beat.expect.is_none() {
                return Err(CourseError::at(
                    source,
                    &at,
                    ErrorKind::Invalid,
                    "a beat that plays actions says what they lead to: add `expect`",
                ));
            }
            if let Some(turn) = &beat.your_turn {
                let at = pointer(&at, "your_turn");
                check_text(source, &pointer(&at, "hint"), &turn.hint)?;
                if turn.show_me.is_empty() {
                    return Err(CourseError::at(
                        source,
                        &pointer(&at, "show_me"),
                        ErrorKind::Invalid,
                        "show_me has at least one action: the learner has to do something",
                    ));
                }
                if turn.wrong_moves.is_empty() {
                    return Err(CourseError::at(
                        source,
                        &pointer(&at, "wrong_moves"),
                        ErrorKind::Invalid,
                        "give at least one plausible wrong sequence, so tests prove it does not pass",
                    ));
                }
            }
        }
        Ok(lesson)
    }

    /// Checks the lesson against its starting world by walking its path: every name a goal or
    /// target uses exists, every action plays, every `expect` is met, every checkpoint is
    /// passed by its `show_me` and by no prefix of its wrong moves. Returns the starting point.
    pub fn check(
        &self,
        source: &str,
        lookup: ScenarioLookup<'_>,
    ) -> Result<StartingPoint, CourseError> {
        let start = self.start.resolve(source, "/start", lookup)?;
        let mut world = start.world().clone();
        for (i, beat) in self.beats.iter().enumerate() {
            let at = pointer("/beats", i);
            if let Some(target) = &beat.point_at {
                target.check(source, &world, &pointer(&at, "point_at"))?;
            }
            let mut events = Vec::new();
            play(
                &mut world,
                &beat.actions,
                &mut events,
                source,
                &pointer(&at, "actions"),
            )?;
            if let Some(expect) = &beat.expect {
                let here = pointer(&at, "expect");
                expect.check(source, &world, &here)?;
                let evaluation = expect.evaluate(&world, &events);
                if !evaluation.met {
                    return Err(CourseError::at(
                        source,
                        &here,
                        ErrorKind::Contradiction,
                        format!(
                            "after the beat's actions the expectation is not met: {}",
                            evaluation.sentence()
                        ),
                    ));
                }
            }
            if let Some(turn) = &beat.your_turn {
                world = check_turn(turn, source, &world, &pointer(&at, "your_turn"))?;
            }
        }
        Ok(start)
    }

    /// The beats (0-based) that show `concept`.
    pub fn beats_showing(&self, concept: u32) -> impl Iterator<Item = usize> + '_ {
        self.beats
            .iter()
            .enumerate()
            .filter(move |(_, b)| b.concepts.contains(&concept))
            .map(|(i, _)| i)
    }

    /// The actions that lead from the starting point to `point` of beat `beat` along the
    /// lesson's path (every earlier beat's actions and `show_me`); `None` past the last beat.
    pub fn path_to(&self, beat: usize, point: BeatPoint) -> Option<Vec<Action>> {
        let current = self.beats.get(beat)?;
        let mut actions: Vec<Action> = self.beats[..beat]
            .iter()
            .flat_map(|b| {
                b.actions
                    .iter()
                    .chain(b.your_turn.iter().flat_map(|t| t.show_me.iter()))
            })
            .cloned()
            .collect();
        if point != BeatPoint::Before {
            actions.extend(current.actions.iter().cloned());
        }
        if point == BeatPoint::After {
            actions.extend(
                current
                    .your_turn
                    .iter()
                    .flat_map(|t| t.show_me.iter())
                    .cloned(),
            );
        }
        Some(actions)
    }
}

/// Plays a checkpoint's wrong moves and its reference from `world`; returns the reference's
/// end world, where the next beat begins.
fn check_turn(
    turn: &YourTurn,
    source: &str,
    world: &World,
    at: &str,
) -> Result<World, CourseError> {
    turn.goal.check(source, world, &pointer(at, "goal"))?;
    let before = turn.goal.evaluate(world, &[]);
    if before.met {
        return Err(CourseError::at(
            source,
            &pointer(at, "goal"),
            ErrorKind::Contradiction,
            format!(
                "the goal is met before the learner does anything: {}",
                before.sentence()
            ),
        ));
    }
    for (k, moves) in turn.wrong_moves.iter().enumerate() {
        let here = pointer(&pointer(at, "wrong_moves"), k);
        let mut tried = world.clone();
        let mut events = Vec::new();
        for (j, action) in moves.iter().enumerate() {
            play(
                &mut tried,
                std::slice::from_ref(action),
                &mut events,
                source,
                &pointer(&here, j),
            )?;
            let evaluation = turn.goal.evaluate(&tried, &events);
            if evaluation.met {
                return Err(CourseError::at(
                    source,
                    &pointer(&here, j),
                    ErrorKind::Contradiction,
                    format!("this wrong move meets the goal: {}", evaluation.sentence()),
                ));
            }
        }
    }
    let mut reference = world.clone();
    let mut events = Vec::new();
    play(
        &mut reference,
        &turn.show_me,
        &mut events,
        source,
        &pointer(at, "show_me"),
    )?;
    let evaluation = turn.goal.evaluate(&reference, &events);
    if !evaluation.met {
        return Err(CourseError::at(
            source,
            &pointer(at, "show_me"),
            ErrorKind::Contradiction,
            format!("show_me does not reach the goal: {}", evaluation.sentence()),
        ));
    }
    Ok(reference)
}
