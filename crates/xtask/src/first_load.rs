//! What the main page transfers, read from the built `dist/index.html` (ARCHITECTURE.md,
//! "First load"): before the visitor acts, the page and the files its `<link>` and `<script>`
//! tags fetch (styles, icon, `boot.js`); on the first act, the app's JavaScript and wasm,
//! which `web/boot.js` fetches from the names Trunk wrote into its tag (`data-js`,
//! `data-wasm`). Brotli, as a static host would send them. The smoke test measures the same
//! in a browser (`first_load_check.rs`); this reading needs no browser, for `size`, `bench`
//! and `bundle`.

use std::path::Path;

use crate::Res;
pub(crate) use crate::first_load_check::BUDGET_KIB;

/// The files of `dist/` the main page fetches, in page order.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Named {
    pub(crate) before_act: Vec<String>,
    pub(crate) on_first_act: Vec<String>,
}

/// Each file with its brotli size.
pub(crate) struct Measured {
    pub(crate) before_act: Vec<(String, usize)>,
    pub(crate) on_first_act: Vec<(String, usize)>,
}

impl Measured {
    pub(crate) fn before_act_kib(&self) -> f64 {
        kib(&self.before_act)
    }

    pub(crate) fn after_act_kib(&self) -> f64 {
        kib(&self.before_act) + kib(&self.on_first_act)
    }

    /// Two lines for a report: before any act against the budget, and after the first act.
    pub(crate) fn lines(&self) -> String {
        format!(
            "first visit, before any act (every file the main page loads, brotli; budget \
             {BUDGET_KIB} KiB): {:.1} KiB: {}\n\
             after the first act (the app's JavaScript and wasm as well): {:.1} KiB: {}\n",
            self.before_act_kib(),
            listed(&self.before_act),
            self.after_act_kib(),
            listed(&self.on_first_act),
        )
    }
}

pub(crate) fn kib(files: &[(String, usize)]) -> f64 {
    files.iter().map(|(_, bytes)| bytes).sum::<usize>() as f64 / 1024.0
}

pub(crate) fn listed(files: &[(String, usize)]) -> String {
    files
        .iter()
        .map(|(name, bytes)| format!("{name} {:.1}", *bytes as f64 / 1024.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads `dist/index.html` and sizes every file it makes the browser fetch.
pub(crate) fn measure(dist: &Path) -> Res<Measured> {
    let page = std::fs::read_to_string(dist.join("index.html"))
        .map_err(|e| format!("cannot read dist/index.html (build first): {e}"))?;
    let named = files_named(&page);
    let sized = |names: Vec<String>| -> Res<Vec<(String, usize)>> {
        names
            .into_iter()
            .map(|name| {
                let path = dist.join(&name);
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("dist/index.html names {name}, unreadable: {e}"))?;
                Ok((name, crate::bundle_size::brotli_len(&bytes)?))
            })
            .collect()
    };
    let page_bytes = crate::bundle_size::brotli_len(page.as_bytes())?;
    let mut before_act = vec![("index.html".to_owned(), page_bytes)];
    before_act.extend(sized(named.before_act)?);
    Ok(Measured {
        before_act,
        on_first_act: sized(named.on_first_act)?,
    })
}

/// The local files a page's `<link href>` and `<script src>` fetch, and those its boot
/// script's `data-js` and `data-wasm` name. Anchors (`<a href>`) fetch nothing and are not read.
pub(crate) fn files_named(page: &str) -> Named {
    let mut named = Named::default();
    for tag in ["<link ", "<script "] {
        for (at, _) in page.match_indices(tag) {
            let element = &page[at..];
            let element = &element[..element.find('>').unwrap_or(element.len())];
            for (attribute, on_act) in [
                ("href", false),
                ("src", false),
                ("data-js", true),
                ("data-wasm", true),
            ] {
                let Some(file) = local_file(element, attribute) else {
                    continue;
                };
                let list = if on_act {
                    &mut named.on_first_act
                } else {
                    &mut named.before_act
                };
                if !list.contains(&file) {
                    list.push(file);
                }
            }
        }
    }
    named
}

/// The value of ` name="…"` in a tag, as a path in `dist/`, if it names a file of this site.
fn local_file(element: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = element.find(&marker)? + marker.len();
    let value = element[start..].split('"').next()?;
    let file = value.trim_start_matches('/');
    let local = !file.is_empty() && !file.contains("://") && !file.contains(['#', '?']);
    local.then(|| file.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><head>
<link rel="icon" href="/favicon-1.svg" type="image/svg+xml">
<link rel="stylesheet" href="/style-2.css" integrity="sha384-x">
<link rel="stylesheet" href="https://elsewhere.example/font.css">
<script id="eos-bundle" src="/boot.js" data-js="/eos-web-3.js" data-wasm="/eos-web-3_bg.wasm"></script>
</head><body><div id="app" data-first-screen><a href="book/index.html">book</a>
<a href="?concept=2">two</a></div></body></html>"#;

    #[test]
    fn the_page_fetches_its_styles_icon_and_boot_script_and_the_app_on_the_first_act() {
        let named = files_named(PAGE);
        assert_eq!(
            named.before_act,
            ["favicon-1.svg", "style-2.css", "boot.js"],
            "links to other sites and anchors fetch nothing of ours"
        );
        assert_eq!(named.on_first_act, ["eos-web-3.js", "eos-web-3_bg.wasm"]);
    }
}

/// `web/boot.js` holds the app's shortcut keys pressed on the static first screen, and must
/// know them all: a key it does not hold would be lost, not done once the lab has started.
#[cfg(test)]
mod shortcuts {
    use std::path::Path;

    fn repo_file(path: &str) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The keys of `shortcut`'s `match` in the app: its arms' quoted keys.
    fn app_keys(app: &str) -> Vec<String> {
        let body = app
            .split_once("let action = match key.as_str() {")
            .expect("app.rs: the shortcut's match")
            .1;
        let body = &body[..body.find("_ => return None").expect("its last arm")];
        body.lines()
            .filter_map(|line| line.trim().strip_prefix('"'))
            .filter_map(|rest| rest.split_once("\" =>").map(|(key, _)| key.to_owned()))
            .collect()
    }

    #[test]
    fn boot_js_holds_every_shortcut_key_the_app_has() {
        let keys = app_keys(&repo_file("crates/web/src/app.rs"));
        assert!(keys.len() >= 8, "found only {keys:?} in app.rs");
        let boot = repo_file("web/boot.js");
        let held = boot
            .lines()
            .find(|line| line.contains("const SHORTCUTS = ["))
            .expect("boot.js: const SHORTCUTS");
        for key in keys {
            assert!(
                held.contains(&format!("\"{key}\"")),
                "web/boot.js does not hold the app's shortcut {key:?}: {held}"
            );
        }
    }
}
