//! What is wrong with a lesson, an exercise or an attempt, and where: the file (as the caller
//! named it) and a place inside it, a line and column for JSON that does not parse, or a JSON
//! pointer (`/goal/all/0/offset/partition`) for a name the scenario does not know. Course files
//! are written by teachers and attempts by anyone: every mistake is one of these, never a panic.

use std::fmt;

/// Where in a file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (too large, another format).
    File,
    /// The JSON text does not parse, or a field has the wrong shape.
    Text { line: usize, column: usize },
    /// A JSON pointer to the value in question, e.g. `/beats/2/your_turn/goal`.
    Pointer(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Text { line, column } => write!(f, "line {line}, column {column}"),
            Location::Pointer(pointer) => f.write_str(pointer),
        }
    }
}

/// The kind of a problem, for code that reacts to some of them (the grader's "invalid" column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    TooLarge,
    /// Not JSON, or a field of the wrong shape or name.
    Syntax,
    /// Another kind of file, or a version this build does not read.
    Format,
    /// A name (partition, client, guarantee, error, event, scenario) nothing answers to.
    UnknownName,
    /// A value out of its range, or fields that contradict each other.
    Invalid,
    /// The starting scenario cannot be read or run.
    Scenario,
    /// An action the core refuses at that point.
    ImpossibleAction,
    /// The content does what it says it does not: an `expect` not met, a reference that fails,
    /// a wrong attempt that passes.
    Contradiction,
}

/// A problem in a course file, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseError {
    /// The file, as the caller named it (a path, a URL, "attempt").
    pub source: String,
    pub location: Location,
    pub kind: ErrorKind,
    pub message: String,
}

impl CourseError {
    pub fn new(
        source: &str,
        location: Location,
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            source: source.to_owned(),
            location,
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn at(
        source: &str,
        pointer: &str,
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self::new(source, Location::Pointer(pointer.to_owned()), kind, message)
    }

    /// A serde_json error, located by its line and column.
    pub(crate) fn syntax(source: &str, error: &serde_json::Error) -> Self {
        let message = error.to_string();
        // serde_json appends " at line L column C"; the location carries them already.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        };
        Self::new(
            source,
            Location::Text {
                line: error.line(),
                column: error.column(),
            },
            ErrorKind::Syntax,
            message,
        )
    }
}

impl fmt::Display for CourseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::File => write!(f, "{}: {}", self.source, self.message),
            location => write!(f, "{}: {location}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for CourseError {}

/// Appends a key or index to a JSON pointer, escaping as RFC 6901 says.
pub(crate) fn pointer(base: &str, token: impl fmt::Display) -> String {
    let token = token.to_string().replace('~', "~0").replace('/', "~1");
    format!("{base}/{token}")
}

/// The largest lesson or exercise file accepted, in bytes: room for an inline scenario of the
/// largest size the lab reads.
pub const MAX_COURSE_FILE_BYTES: usize = eos_core::run::scenario::MAX_BYTES + 1024 * 1024;

/// Reads a course file's JSON: its size first, then its shape, then its `format_version`.
pub(crate) fn parse_course_file<T: serde::de::DeserializeOwned>(
    source: &str,
    text: &str,
    version: u32,
    what: &str,
) -> Result<T, CourseError> {
    if text.len() > MAX_COURSE_FILE_BYTES {
        return Err(CourseError::new(
            source,
            Location::File,
            ErrorKind::TooLarge,
            format!(
                "the {what} is {} bytes; the most accepted is {MAX_COURSE_FILE_BYTES}",
                text.len()
            ),
        ));
    }
    // The version first, so a newer file is named as such rather than as a field out of place.
    #[derive(serde::Deserialize)]
    struct Header {
        format_version: Option<serde_json::Value>,
    }
    let header: Header = serde_json::from_str(text).map_err(|e| CourseError::syntax(source, &e))?;
    match header.format_version {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(version)) => {}
        Some(found) => {
            return Err(CourseError::at(
                source,
                "/format_version",
                ErrorKind::Format,
                format!(
                    "format_version {found} is not supported; this build reads version {version}"
                ),
            ));
        }
        None => {
            return Err(CourseError::new(
                source,
                Location::File,
                ErrorKind::Format,
                format!("this is not a {what} file: it has no format_version"),
            ));
        }
    }
    serde_json::from_str(text).map_err(|e| CourseError::syntax(source, &e))
}

/// A course id names a file and an entry in saved progress: short, plain, no path.
pub(crate) fn check_id(source: &str, id: &str) -> Result<(), CourseError> {
    let plain = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if plain {
        Ok(())
    } else {
        Err(CourseError::at(
            source,
            "/id",
            ErrorKind::Invalid,
            format!("`{id}` is not an id: use lowercase letters, digits and -, at most 100"),
        ))
    }
}

/// A text a reader is shown must say something.
pub(crate) fn check_text(source: &str, at: &str, text: &str) -> Result<(), CourseError> {
    if text.trim().is_empty() {
        Err(CourseError::at(
            source,
            at,
            ErrorKind::Invalid,
            "the text is empty",
        ))
    } else {
        Ok(())
    }
}
