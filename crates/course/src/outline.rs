//! The course outline (`assets/course.json`): the lessons and exercises in the order the story
//! builds, each with the title and concepts the outline shows before its file is fetched. The
//! app loads the outline first and a lesson or exercise only when it is opened.

use crate::error::{CourseError, ErrorKind, check_id, check_text, parse_course_file, pointer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The outline format this build reads.
pub const OUTLINE_FORMAT_VERSION: u32 = 1;

/// The course outline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    pub format_version: u32,
    /// Lessons in the story's order.
    pub lessons: Vec<OutlineEntry>,
    /// Exercises in the story's order.
    pub exercises: Vec<OutlineEntry>,
}

/// One lesson or exercise as the outline lists it; `id` names `assets/lessons/<id>.json` or
/// `assets/exercises/<id>.json`, whose own title and concepts must be the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlineEntry {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub concepts: Vec<u32>,
}

impl Outline {
    /// Reads an outline: size, version and shape, then every id plain and listed once, every
    /// title non-empty. Mistakes are located by JSON pointer.
    pub fn parse(source: &str, text: &str) -> Result<Self, CourseError> {
        let outline: Outline =
            parse_course_file(source, text, OUTLINE_FORMAT_VERSION, "course outline")?;
        for (list, entries) in [
            ("/lessons", &outline.lessons),
            ("/exercises", &outline.exercises),
        ] {
            let mut seen = BTreeSet::new();
            for (i, entry) in entries.iter().enumerate() {
                let at = pointer(list, i);
                // check_id names `/id`; the outline's ids sit deeper, so say where.
                check_id(source, &entry.id).map_err(|e| {
                    CourseError::at(source, &pointer(&at, "id"), ErrorKind::Invalid, e.message)
                })?;
                check_text(source, &pointer(&at, "title"), &entry.title)?;
                if !seen.insert(entry.id.as_str()) {
                    return Err(CourseError::at(
                        source,
                        &pointer(&at, "id"),
                        ErrorKind::Invalid,
                        format!("`{}` is listed twice", entry.id),
                    ));
                }
            }
        }
        Ok(outline)
    }

    /// The lesson after `id` in the story's order, if any.
    pub fn lesson_after(&self, id: &str) -> Option<&OutlineEntry> {
        let at = self.lessons.iter().position(|l| l.id == id)?;
        self.lessons.get(at + 1)
    }
}
