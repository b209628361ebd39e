//! Where the course's files come from: the site (fetched when a lesson or the outline is
//! opened, never part of the first page load) or texts handed in (browser tests, which have no
//! server).

use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The outline's path, relative to the page.
pub const OUTLINE_PATH: &str = "assets/course.json";

/// A lesson's path, relative to the page.
pub fn lesson_path(id: &str) -> String {
    format!("assets/lessons/{id}.json")
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
    /// The text at `path`, or why it could not be had, in words.
    pub async fn read(&self, path: &str) -> Result<String, String> {
        match self {
            CourseFiles::Given(files) => files
                .get(path)
                .cloned()
                .ok_or_else(|| "the file was not found".to_owned()),
            CourseFiles::Site => fetch_text(path).await,
        }
    }
}

async fn fetch_text(path: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("there is no window to fetch from")?;
    let response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|_| "the network request failed".to_owned())?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "the answer was not an HTTP response".to_owned())?;
    if !response.ok() {
        return Err(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let text = response
        .text()
        .map_err(|_| "the answer had no text".to_owned())?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| "the answer's text could not be read".to_owned())
}
