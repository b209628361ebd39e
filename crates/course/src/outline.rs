//! The course outline (`assets/course.json`): the lessons and exercises in the story's order,
//! each with its title and concepts, so the app can list the course without fetching every file.

use crate::error::{CourseError, check_id, check_text, parse_course_file, pointer};
use serde::{Deserialize, Serialize};

/// The outline format this build reads.
pub const OUTLINE_FORMAT_VERSION: u32 = 1;

/// The course as the app lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    pub format_version: u32,
    pub lessons: Vec<OutlineEntry>,
    #[serde(default)]
    pub exercises: Vec<OutlineEntry>,
}

/// One lesson or exercise: its id names its file (`assets/lessons/<id>.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlineEntry {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub concepts: Vec<u32>,
}

impl Outline {
    /// Reads `course.json`; `source` names it in errors. Every id must be a plain id.
    pub fn parse(source: &str, text: &str) -> Result<Self, CourseError> {
        let outline: Outline =
            parse_course_file(source, text, OUTLINE_FORMAT_VERSION, "course outline")?;
        for (list, entries) in [
            ("/lessons", &outline.lessons),
            ("/exercises", &outline.exercises),
        ] {
            for (i, entry) in entries.iter().enumerate() {
                let at = pointer(list, i);
                check_id(source, &entry.id).map_err(|e| CourseError {
                    location: crate::error::Location::Pointer(pointer(&at, "id")),
                    ..e
                })?;
                check_text(source, &pointer(&at, "title"), &entry.title)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    #[test]
    fn an_outline_lists_lessons_in_order_and_names_the_next() {
        let outline = Outline::parse(
            "course.json",
            r#"{"format_version": 1,
                "lessons": [{"id": "a", "title": "A", "concepts": [3]}, {"id": "b", "title": "B"}],
                "exercises": []}"#,
        )
        .unwrap();
        assert_eq!(outline.lesson_after("a").map(|l| l.id.as_str()), Some("b"));
        assert_eq!(outline.lesson_after("b"), None);
    }

    #[test]
    fn a_bad_id_is_located() {
        let err = Outline::parse(
            "course.json",
            r#"{"format_version": 1, "lessons": [{"id": "../x", "title": "A"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.location, Location::Pointer("/lessons/0/id".to_owned()));
    }
}
