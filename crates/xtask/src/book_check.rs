//! The `book` phase: checks the book as built into `dist/book/`, offline. Every internal link and
//! `#anchor` must lead somewhere; every address of the lab (an embedded lab's iframe or a link to
//! the full lab) must name a scenario, step and concept the lab has, with parameters it knows;
//! every embedded lab must have a `title` and `loading="lazy"`; every page but the book's own
//! frames must embed at least one lab; and each of the lab's concepts must have its section,
//! an element with the id `concept-N`.
//!
//! The built HTML is checked rather than the Markdown, because the built pages are what a reader
//! follows: mdBook turns `.md` links into `.html` and makes the headings' ids.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::Res;

/// Pages mdBook writes that are not chapters: the sidebar's frame and the not-found page (whose
/// links are absolute, from `site-url`).
const NOT_CHAPTERS: [&str; 2] = ["toc.html", "404.html"];

/// The lab's address parameters (`docs/embedding.md`, `crates/web/src/launch.rs`).
const LAB_PARAMETERS: [&str; 10] = [
    "concept",
    "scenario",
    "step",
    "seed",
    "isolation",
    "view",
    "embed",
    "id",
    "lesson",
    "beat",
];
const VIEWS: [&str; 6] = [
    "stage",
    "all",
    "log",
    "transactions",
    "consumers",
    "timeline",
];
const ISOLATION_LEVELS: [&str; 2] = ["read_committed", "read_uncommitted"];
/// The scenario that needs no file.
const FREE_PLAY: &str = "free-play";

/// What the lab can open: each scenario by file stem with its number of scripted steps, the
/// concepts the scenarios show, and each lesson by id with its number of beats.
#[derive(Debug, Default)]
pub(crate) struct Catalogue {
    scenario_steps: BTreeMap<String, usize>,
    concepts: BTreeSet<u64>,
    lesson_beats: BTreeMap<String, usize>,
}

impl Catalogue {
    /// Reads `assets/scenarios/*.json` (each file's `steps` and `concepts`) and
    /// `assets/lessons/*.json` (each lesson's `beats`).
    pub(crate) fn load(assets: &Path) -> Res<Self> {
        let scenarios = assets.join("scenarios");
        let mut catalogue = Self::default();
        for (stem, json) in json_files(&assets.join("lessons"))? {
            let beats = json["beats"].as_array().map_or(0, Vec::len);
            catalogue.lesson_beats.insert(stem, beats);
        }
        for (stem, json) in json_files(&scenarios)? {
            let steps = json["steps"].as_array().map_or(0, Vec::len);
            catalogue.scenario_steps.insert(stem, steps);
            let concepts = json["concepts"].as_array().into_iter().flatten();
            catalogue
                .concepts
                .extend(concepts.filter_map(serde_json::Value::as_u64));
        }
        if catalogue.scenario_steps.is_empty() {
            return Err(format!("no scenario files in {}", scenarios.display()));
        }
        Ok(catalogue)
    }

    /// Checks a lab address's query (`embed&concept=3&id=x`, entities already decoded).
    fn check_address(&self, query: &str) -> Result<LabAddress, String> {
        let mut address = LabAddress::default();
        let mut seen = BTreeSet::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !LAB_PARAMETERS.contains(&name) {
                return Err(format!(
                    "unknown parameter `{name}` (the lab knows {})",
                    LAB_PARAMETERS.join(", ")
                ));
            }
            if !seen.insert(name) {
                return Err(format!("parameter `{name}` given twice"));
            }
            match name {
                "concept" => {
                    let n: u64 = value
                        .parse()
                        .map_err(|_| format!("concept `{value}` is not a number"))?;
                    if !self.concepts.contains(&n) {
                        return Err(format!("no scenario shows concept {n}"));
                    }
                    address.concept = Some(n);
                }
                "scenario" => {
                    let stem = value.strip_suffix(".json").unwrap_or(value);
                    if stem != FREE_PLAY && !self.scenario_steps.contains_key(stem) {
                        return Err(format!("no scenario `{stem}` in assets/scenarios/"));
                    }
                    address.scenario = Some(stem.to_owned());
                }
                "step" => {
                    address.step = Some(
                        value
                            .parse()
                            .map_err(|_| format!("step `{value}` is not a whole number"))?,
                    );
                }
                "seed" => {
                    value
                        .parse::<u64>()
                        .map_err(|_| format!("seed `{value}` is not a whole number"))?;
                }
                "isolation" if !ISOLATION_LEVELS.contains(&value) => {
                    return Err(format!(
                        "isolation `{value}` is not one of {ISOLATION_LEVELS:?}"
                    ));
                }
                "view" if !VIEWS.contains(&value) => {
                    return Err(format!("view `{value}` is not one of {VIEWS:?}"));
                }
                "embed" => address.embed = !matches!(value, "0" | "false" | "no"),
                "lesson" => {
                    if !self.lesson_beats.contains_key(value) {
                        return Err(format!("no lesson `{value}` in assets/lessons/"));
                    }
                    address.lesson = Some(value.to_owned());
                }
                "beat" => {
                    address.beat = Some(
                        value
                            .parse()
                            .ok()
                            .filter(|beat| *beat >= 1)
                            .ok_or_else(|| format!("beat `{value}` is not a beat number from 1"))?,
                    );
                }
                _ => {}
            }
        }
        if address.concept.is_some() && (address.scenario.is_some() || address.step.is_some()) {
            return Err(
                "`concept` names its own scenario and step: drop `scenario` and `step`".into(),
            );
        }
        if address.lesson.is_some()
            && (address.concept.is_some() || address.scenario.is_some() || address.step.is_some())
        {
            return Err(
                "`lesson` names its own scenario and steps: drop `concept`, `scenario` and `step`"
                    .into(),
            );
        }
        match (&address.lesson, address.beat) {
            (None, Some(_)) => return Err("`beat` needs a `lesson`".into()),
            (Some(lesson), Some(beat)) => {
                let beats = self.lesson_beats.get(lesson).copied().unwrap_or(0);
                if beat > beats {
                    return Err(format!(
                        "beat {beat} is past the end of lesson `{lesson}` ({beats} beats)"
                    ));
                }
            }
            _ => {}
        }
        if let (Some(stem), Some(step)) = (&address.scenario, address.step) {
            let steps = self.scenario_steps.get(stem).copied().unwrap_or(0);
            if step > steps {
                return Err(format!(
                    "step {step} is past the end of `{stem}` ({steps} steps)"
                ));
            }
        }
        Ok(address)
    }
}

/// Every `*.json` file of a folder, by file stem, read as JSON.
fn json_files(folder: &Path) -> Res<Vec<(String, serde_json::Value)>> {
    let entries =
        std::fs::read_dir(folder).map_err(|e| format!("cannot list {}: {e}", folder.display()))?;
    let mut files = Vec::new();
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let json = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{}: file name is not UTF-8", path.display()))?;
        files.push((stem.to_owned(), json));
    }
    Ok(files)
}

#[derive(Debug, Default)]
struct LabAddress {
    concept: Option<u64>,
    scenario: Option<String>,
    step: Option<usize>,
    lesson: Option<String>,
    beat: Option<usize>,
    embed: bool,
}

/// One element's start tag: its name and attributes (values with entities decoded).
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: BTreeMap<String, String>,
}

impl Tag {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
}

/// The start tags of an HTML page, outside comments, scripts and styles. Enough for mdBook's
/// output and hand-written chapters; not a general HTML parser.
fn start_tags(html: &str) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len());
        if name_len == 0 || !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        let (attributes, after) = attributes(&rest[name_len..]);
        rest = after;
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            rest = rest
                .to_ascii_lowercase()
                .find(&close)
                .map_or("", |end| &rest[end..]);
        }
        tags.push(Tag { name, attributes });
    }
    tags
}

/// Parses attributes up to the end of the tag; returns them and the text after the `>`.
fn attributes(mut rest: &str) -> (BTreeMap<String, String>, &str) {
    let mut found = BTreeMap::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return (found, rest);
        }
        if let Some(after) = rest.strip_prefix('>') {
            return (found, after);
        }
        let name_len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '=' | '>' | '/'))
            .unwrap_or(rest.len());
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (raw, remaining) = match after.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let end = body.find(quote).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = decode_entities(raw);
            rest = remaining;
        }
        if !name.is_empty() {
            found.insert(name, value);
        }
    }
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// A built page: its path under `dist/`, its ids and its tags.
struct Page {
    path: PathBuf,
    ids: BTreeSet<String>,
    tags: Vec<Tag>,
}

/// Runs the check over `root/dist/book` with the scenarios of `root/assets/scenarios`.
pub(crate) fn run(root: &Path) -> Res<()> {
    let dist = root.join("dist");
    let book = dist.join("book");
    if !book.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html: build first (`cargo xtask test --only build,book`)",
            book.display()
        ));
    }
    let catalogue = Catalogue::load(&root.join("assets"))?;
    let (labs, concepts) = check_book(&dist, &catalogue)?;
    println!(
        "book: links and anchors resolve; {labs} embedded lab(s), each with a title, lazy and \
         naming what the lab has; concepts {} each have a section",
        concepts
    );
    Ok(())
}

/// Checks every page of `dist/book`; returns the number of embedded labs and the concepts' range.
fn check_book(dist: &Path, catalogue: &Catalogue) -> Res<(usize, String)> {
    let mut pages = BTreeMap::new();
    for path in html_files(&dist.join("book"))? {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let relative = path.strip_prefix(dist).unwrap_or(&path).to_path_buf();
        let tags = start_tags(&text);
        let ids = tags
            .iter()
            .filter_map(|t| {
                t.get("id")
                    .or_else(|| t.get("name").filter(|_| t.name == "a"))
            })
            .map(str::to_owned)
            .collect();
        pages.insert(
            relative.clone(),
            Page {
                path: relative,
                ids,
                tags,
            },
        );
    }
    let mut problems = Vec::new();
    let mut labs = 0;
    let mut concept_sections: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for page in pages.values() {
        let name = page.path.display().to_string();
        let file_name = page.path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        if NOT_CHAPTERS.contains(&file_name) {
            continue;
        }
        let mut page_labs = 0;
        for tag in &page.tags {
            let attribute = match tag.name.as_str() {
                "a" | "link" => "href",
                "iframe" | "script" | "img" => "src",
                _ => continue,
            };
            let Some(target) = tag.get(attribute) else {
                continue;
            };
            match check_link(dist, &page.path, target, &pages, catalogue) {
                Ok(Some(address)) if tag.name == "iframe" => {
                    page_labs += 1;
                    problems.extend(
                        check_embedded_lab(tag, &address)
                            .into_iter()
                            .map(|p| format!("{name}: lab `{target}`: {p}")),
                    );
                }
                Ok(_) => {}
                Err(problem) => problems.push(format!("{name}: {attribute} `{target}`: {problem}")),
            }
        }
        labs += page_labs;
        if page_labs == 0 {
            problems.push(format!(
                "{name}: embeds no lab (every chapter shows at least one)"
            ));
        }
        // index.html is mdBook's copy of the first chapter: its ids are that chapter's.
        if file_name != "index.html" {
            for id in &page.ids {
                if let Some(n) = id.strip_prefix("concept-").and_then(|n| n.parse().ok()) {
                    concept_sections.entry(n).or_default().push(name.clone());
                }
            }
        }
    }
    for concept in &catalogue.concepts {
        match concept_sections.get(concept).map(Vec::as_slice) {
            None => problems.push(format!(
                "concept {concept} has no section: give its heading the id `concept-{concept}`"
            )),
            Some([_]) => {}
            Some(many) => problems.push(format!(
                "concept {concept} has a section on several pages: {}",
                many.join(", ")
            )),
        }
    }
    for extra in concept_sections
        .keys()
        .filter(|n| !catalogue.concepts.contains(n))
    {
        problems.push(format!(
            "a section `concept-{extra}` names a concept no scenario shows"
        ));
    }
    if !problems.is_empty() {
        return Err(format!(
            "{} problem(s) in the book:\n  {}",
            problems.len(),
            problems.join("\n  ")
        ));
    }
    let range = match (catalogue.concepts.first(), catalogue.concepts.last()) {
        (Some(first), Some(last)) => format!("{first} to {last}"),
        _ => "(none)".to_owned(),
    };
    Ok((labs, range))
}

/// What an embedded lab's iframe must carry besides a good address.
fn check_embedded_lab(tag: &Tag, address: &LabAddress) -> Vec<String> {
    let mut problems = Vec::new();
    if !address.embed {
        problems.push("an embedded lab's address needs `embed`".to_owned());
    }
    if tag.get("title").is_none_or(|t| t.trim().is_empty()) {
        problems.push("no `title` (screen readers announce it)".to_owned());
    }
    if tag.get("loading") != Some("lazy") {
        problems.push("no `loading=\"lazy\"` (a lab starts only when scrolled near)".to_owned());
    }
    if !tag
        .get("class")
        .is_some_and(|c| c.split_whitespace().any(|c| c == "eos-lab"))
    {
        problems.push(
            "no class `eos-lab` (the book sizes only those from their height messages)".to_owned(),
        );
    }
    problems
}

/// Checks one link of `page` (a path under `dist/`). Returns the lab address it names, if it
/// leads to the lab.
fn check_link(
    dist: &Path,
    page: &Path,
    target: &str,
    pages: &BTreeMap<PathBuf, Page>,
    catalogue: &Catalogue,
) -> Result<Option<LabAddress>, String> {
    let external = target.starts_with("//")
        || target
            .split_once(':')
            .is_some_and(|(scheme, _)| !scheme.contains('/') && !scheme.is_empty());
    if external {
        return Ok(None);
    }
    if target.starts_with('/') {
        return Err(
            "absolute path: the book must work under any host path, link relatively".into(),
        );
    }
    let (rest, fragment) = target.split_once('#').unwrap_or((target, ""));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let resolved = if path.is_empty() {
        page.to_path_buf()
    } else {
        let joined = normalize(&page.parent().unwrap_or(Path::new("")).join(path))
            .ok_or("leads outside the built site")?;
        if path.ends_with('/') || dist.join(&joined).is_dir() {
            joined.join("index.html")
        } else {
            joined
        }
    };
    if !dist.join(&resolved).is_file() {
        return Err(format!("no file {} in the built site", resolved.display()));
    }
    if !fragment.is_empty() {
        match pages.get(&resolved) {
            Some(target_page) if !target_page.ids.contains(fragment) => {
                return Err(format!("{} has no id `{fragment}`", resolved.display()));
            }
            Some(_) => {}
            // A share link (`#v2.…`) is the lab's one fragment; the book's links of that kind
            // are the matrix's findings, which crates/cli/tests/book_matrix.rs replays.
            None if resolved == Path::new("index.html") && is_share_link(fragment) => {}
            None if resolved == Path::new("index.html") => {
                return Err("the lab reads no anchor; its start goes in the query".into());
            }
            None => {}
        }
    }
    if resolved == Path::new("index.html") {
        return catalogue.check_address(query).map(Some);
    }
    Ok(None)
}

/// Whether a fragment has the shape of a share link: a version, a dot, then URL-safe base64.
fn is_share_link(fragment: &str) -> bool {
    ["v1.", "v2."].iter().any(|version| {
        fragment.strip_prefix(version).is_some_and(|data| {
            !data.is_empty()
                && data
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    })
}

/// Resolves `.` and `..` without touching the file system; `None` if it climbs above the start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn html_files(dir: &Path) -> Res<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for path in entries.filter_map(Result::ok).map(|e| e.path()) {
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|ext| ext == "html") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        Catalogue {
            scenario_steps: [("02-at-least-once".to_owned(), 12)].into(),
            concepts: [2, 3].into(),
            lesson_beats: [("two-generals".to_owned(), 6)].into(),
        }
    }

    #[test]
    fn tags_are_read_with_their_attributes_outside_scripts_and_comments() {
        let html = r#"<p id=a>x</p><!-- <a href="no"> --><script>let s = "<a href='no'>";</script>
            <iframe class="eos-lab" src="../?embed&amp;concept=3" title='A "lab"' loading=lazy></iframe>"#;
        let tags = start_tags(html);
        let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["p", "script", "iframe"]);
        assert_eq!(tags[0].get("id"), Some("a"));
        let iframe = &tags[2];
        assert_eq!(iframe.get("src"), Some("../?embed&concept=3"));
        assert_eq!(iframe.get("title"), Some("A \"lab\""));
        assert_eq!(iframe.get("loading"), Some("lazy"));
    }

    #[test]
    fn lab_addresses_must_name_what_the_lab_has() {
        let c = catalogue();
        assert!(c.check_address("embed&concept=3&id=x").is_ok());
        assert!(
            c.check_address("embed&scenario=02-at-least-once&step=12")
                .is_ok()
        );
        assert!(c.check_address("embed&lesson=two-generals&beat=6").is_ok());
        let refused = [
            ("embed&concept=9", "concept 9"),
            (
                "embed&scenario=02-at-most-once",
                "no scenario `02-at-most-once`",
            ),
            ("embed&scenario=02-at-least-once&step=13", "past the end"),
            (
                "embed&senario=02-at-least-once",
                "unknown parameter `senario`",
            ),
            ("embed&view=logs", "view `logs`"),
            ("embed&concept=2&step=1", "drop `scenario` and `step`"),
            ("embed&lesson=two-armies", "no lesson `two-armies`"),
            ("embed&lesson=two-generals&beat=7", "past the end of lesson"),
            ("embed&lesson=two-generals&beat=0", "beat `0`"),
            ("embed&beat=2", "`beat` needs a `lesson`"),
            (
                "embed&lesson=two-generals&concept=2",
                "drop `concept`, `scenario` and `step`",
            ),
        ];
        for (query, expected) in refused {
            let err = c.check_address(query).unwrap_err();
            assert!(err.contains(expected), "{query}: {err}");
        }
    }

    #[test]
    fn an_embedded_lab_needs_a_title_lazy_loading_and_its_class() {
        let tag = &start_tags(r#"<iframe class="eos-lab" src="../?embed&concept=3">"#)[0];
        let address = catalogue().check_address("embed&concept=3").unwrap();
        let problems = check_embedded_lab(tag, &address).join("\n");
        assert!(
            problems.contains("title") && problems.contains("lazy"),
            "{problems}"
        );
        assert!(!problems.contains("eos-lab"), "{problems}");
    }

    /// A small built site: the app's page and a two-page book.
    fn site(chapter: &str) -> (PathBuf, Res<(usize, String)>) {
        let dir = std::env::temp_dir().join(format!(
            "eos-book-check-{}-{}",
            std::process::id(),
            chapter.len()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("book")).unwrap();
        std::fs::write(dir.join("index.html"), "<p>app</p>").unwrap();
        let lab = r#"<iframe class="eos-lab" title="t" loading="lazy" src="../?embed&amp;concept=2"></iframe>"#;
        std::fs::write(
            dir.join("book/index.html"),
            format!(r#"<h2 id="concept-3">x</h2>{lab}<a href="chapter.html#concept-2">next</a>"#),
        )
        .unwrap();
        std::fs::write(dir.join("book/chapter.html"), chapter).unwrap();
        let result = check_book(&dir, &catalogue());
        (dir, result)
    }

    #[test]
    fn a_consistent_book_passes_and_broken_links_and_anchors_are_named() {
        let good = r#"<h2 id="concept-2">y</h2><h2 id="concept-3">z</h2>
            <iframe class="eos-lab" title="t" loading="lazy" src="../?embed&amp;scenario=02-at-least-once&amp;step=5"></iframe>
            <a href="index.html">back</a><a href="../?concept=2">lab</a><a href="https://kafka.apache.org/">kafka</a>
            <a href="../#v2.5VXRbio3EP0Vy31p_-">a shared run</a>"#;
        let (dir, result) = site(good);
        assert_eq!(result.unwrap(), (2, "2 to 3".to_owned()));
        let _ = std::fs::remove_dir_all(dir);

        let bad = r#"<h2 id="concept-2">y</h2>
            <iframe class="eos-lab" title="t" loading="lazy" src="../?embed&amp;concept=7"></iframe>
            <a href="missing.html">gone</a><a href="index.html#nowhere">anchor</a><a href="/book/">abs</a>
            <a href="../#start">a lab anchor</a>"#;
        let (dir, result) = site(bad);
        let err = result.unwrap_err();
        for expected in [
            "no scenario shows concept 7",
            "no file book/missing.html",
            "has no id `nowhere`",
            "absolute path",
            "the lab reads no anchor",
            "concept 3 has no section",
        ] {
            assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
