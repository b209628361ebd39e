//! Where the course's files come from: the site (fetched when a lesson, an exercise or the
//! outline is opened, never part of the first page load) or texts handed in (browser tests,
//! which have no server). A teacher's file named in the address must be on this site.

use eos_course::MAX_COURSE_FILE_BYTES;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The course outline (lessons and exercises in the story's order), relative to the page.
pub const OUTLINE_PATH: &str = "assets/course.json";

/// A lesson's path, relative to the page.
pub fn lesson_path(id: &str) -> String {
    format!("assets/lessons/{id}.json")
}

/// Where a shipped exercise is served.
pub fn exercise_path(id: &str) -> String {
    format!("assets/exercises/{id}.json")
}

/// The source of the course's files.
#[derive(Clone, Debug, Default)]
pub enum CourseFiles {
    /// Fetched from the site, relative to the page.
    #[default]
    Site,
    /// These texts by path; a path not among them reads as missing.
    Given(Rc<BTreeMap<String, String>>),
}

impl PartialEq for CourseFiles {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (CourseFiles::Site, CourseFiles::Site) => true,
            (CourseFiles::Given(a), CourseFiles::Given(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl CourseFiles {
    /// These files given by path, in place of the site.
    pub fn given<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        CourseFiles::Given(Rc::new(
            files
                .into_iter()
                .map(|(path, text)| (path.to_owned(), text.to_owned()))
                .collect(),
        ))
    }

    /// The text at `path`, or why it could not be had, in words.
    pub async fn read(&self, path: &str) -> Result<String, String> {
        match self {
            CourseFiles::Given(files) => files
                .get(path)
                .cloned()
                .ok_or_else(|| "the server answered 404 Not Found".to_owned()),
            CourseFiles::Site => fetch_text(path).await,
        }
    }
}

async fn fetch_text(path: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("there is no window to fetch from")?;
    let response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|_| "the network did not answer".to_owned())?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| "the answer is not a response".to_owned())?;
    if !response.ok() {
        return Err(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let body = response
        .text()
        .map_err(|_| "its body cannot be read".to_owned())?;
    let text = JsFuture::from(body)
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or("its body is not text")?;
    if text.len() > MAX_COURSE_FILE_BYTES {
        return Err(format!(
            "it is {} bytes; the most accepted is {MAX_COURSE_FILE_BYTES}",
            text.len()
        ));
    }
    Ok(text)
}

/// A teacher's file named in the address (`exercise_url=`), if it is a path on this site: a
/// relative or `/`-rooted path. Anything that could reach another origin is refused: a scheme
/// (`https:`, `data:`), a network path (`//host`), and backslashes or control characters, which
/// browsers turn into slashes or drop while resolving.
pub fn same_origin_path(path: &str) -> Result<&str, String> {
    let refused = |why: &str| Err(format!("“{path}” is not a path on this site: {why}"));
    if path.is_empty() {
        return refused("it is empty");
    }
    if path
        .chars()
        .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    {
        return refused("it holds a backslash, a space or a control character");
    }
    if path.starts_with("//") {
        return refused("other origins are refused");
    }
    let before_path = path.split(['/', '?', '#']).next().unwrap_or_default();
    if before_path.contains(':') {
        return refused("other origins are refused");
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_fetched() {
        for ok in [
            "exercises/mine.json",
            "/class/week-3/fence.json",
            "./a.json?v=2",
            "a.json#x:y",
        ] {
            assert_eq!(same_origin_path(ok), Ok(ok));
        }
        for refused in [
            "",
            "https://evil.example/x.json",
            "//evil.example/x.json",
            "/\\evil.example/x.json",
            "javascript:alert(1)",
            "data:application/json,{}",
            "/\t/evil.example/x.json",
        ] {
            assert!(same_origin_path(refused).is_err(), "{refused:?}");
        }
    }
}
