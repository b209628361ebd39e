//! The `css` phase: every stylesheet the app ships, parsed by a real CSS parser (lightningcss).
//!
//! A browser never reports a CSS mistake; it recovers, often by nesting what follows a missing
//! `}` inside the rule left open, so whole sections of the page quietly lose their styles. The
//! app uses no CSS nesting on purpose, so here any nested rule is a failure, as is any parse
//! error or warning, each named by file, line and column.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use lightningcss::rules::{CssRule, CssRuleList, Location};
use lightningcss::stylesheet::{ParserOptions, StyleSheet};

use crate::Res;

/// One thing wrong in a stylesheet, where it is (1-based line and column, as editors count).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Checks every stylesheet under `root` the app ships: `web/*.css`, the book's
/// `docs/book/theme/*.css`, and the `<style>` elements of `index.html` and `web/*.html`. Says what it checked, or fails listing every problem.
pub(crate) fn run(root: &Path) -> Res<()> {
    let files = shipped_files(root)?;
    let mut problems = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        let css = if name.ends_with(".html") {
            style_elements_only(&text)
        } else {
            text
        };
        problems.extend(check(&name, &css));
    }
    if problems.is_empty() {
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
            .collect();
        println!("stylesheets parse cleanly: {}", names.join(", "));
        return Ok(());
    }
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Err(format!(
        "{} stylesheet problem(s):\n{}",
        problems.len(),
        list.join("\n")
    ))
}

fn shipped_files(root: &Path) -> Res<Vec<PathBuf>> {
    let mut files = Vec::new();
    // The app's pages and styles, and the book's own theme (docs/book/theme/*.css).
    for dir in [root.join("web"), root.join("docs/book/theme")] {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.extension()
                        .is_some_and(|ext| ext == "css" || ext == "html")
                }),
        );
    }
    files.push(root.join("index.html"));
    files.sort();
    Ok(files)
}

/// The page with everything but the contents of its `<style>` elements blanked out (newlines
/// kept, every other character a space), so the parser's lines and columns are the page's.
fn style_elements_only(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find("<style") {
        let Some(body) = rest[open..].find('>').map(|end| open + end + 1) else {
            break;
        };
        let close = rest[body..]
            .find("</style>")
            .map_or(rest.len(), |end| body + end);
        out.extend(rest[..body].chars().map(blank));
        out.push_str(&rest[body..close]);
        rest = &rest[close..];
    }
    out.extend(rest.chars().map(blank));
    out
}

fn blank(c: char) -> char {
    if c == '\n' { '\n' } else { ' ' }
}

/// Every parse error, warning and nested style rule in `css`, located in `file`.
pub(crate) fn check(file: &str, css: &str) -> Vec<Problem> {
    let warnings = Arc::new(RwLock::new(Vec::new()));
    let options = ParserOptions {
        filename: file.to_owned(),
        // Recover, so every mistake in the file is listed, not only the first.
        error_recovery: true,
        warnings: Some(Arc::clone(&warnings)),
        ..ParserOptions::default()
    };
    let mut problems = Vec::new();
    match StyleSheet::parse(css, options) {
        Ok(sheet) => nested_rules(file, css, &sheet.rules, &mut problems),
        Err(error) => problems.push(parser_problem(file, &error.kind.to_string(), error.loc)),
    }
    if let Ok(warnings) = warnings.read() {
        for warning in warnings.iter() {
            problems.push(parser_problem(
                file,
                &warning.kind.to_string(),
                warning.loc.clone(),
            ));
        }
    }
    problems.sort_by_key(|p| (p.line, p.column));
    problems
}

fn parser_problem(
    file: &str,
    message: &str,
    loc: Option<lightningcss::error::ErrorLocation>,
) -> Problem {
    let (line, column) = loc.map_or((0, 0), |l| (l.line + 1, l.column));
    Problem {
        file: file.to_owned(),
        line,
        column,
        message: message.to_owned(),
    }
}

/// Reports each style rule that holds other rules: the first rule nested in it, and how many
/// follow; then looks inside it for more. At-rules that hold rules (`@media`, `@supports`, ...)
/// are searched, not reported.
fn nested_rules(file: &str, css: &str, rules: &CssRuleList<'_>, problems: &mut Vec<Problem>) {
    for rule in &rules.0 {
        match rule {
            CssRule::Style(style) => {
                if let Some(first) = style.rules.0.first() {
                    let inner = rule_location(first).unwrap_or(style.loc);
                    let more = style.rules.0.len() - 1;
                    let and_more = match more {
                        0 => String::new(),
                        1 => ", and so is 1 more rule after it".to_owned(),
                        n => format!(", and so are {n} more rules after it"),
                    };
                    problems.push(Problem {
                        file: file.to_owned(),
                        line: inner.line + 1,
                        column: inner.column,
                        message: format!(
                            "`{}` is nested inside `{}` (line {}){and_more}: is a `}}` missing \
                             before line {}? (the app uses no CSS nesting)",
                            selector_at(css, inner),
                            selector_at(css, style.loc),
                            style.loc.line + 1,
                            inner.line + 1,
                        ),
                    });
                }
                // A second missing `}` further down is nested one level deeper.
                nested_rules(file, css, &style.rules, problems);
            }
            CssRule::Nesting(nesting) => problems.push(Problem {
                file: file.to_owned(),
                line: nesting.loc.line + 1,
                column: nesting.loc.column,
                message: "a nested `&` rule at the top level".to_owned(),
            }),
            CssRule::Media(r) => nested_rules(file, css, &r.rules, problems),
            CssRule::Supports(r) => nested_rules(file, css, &r.rules, problems),
            CssRule::LayerBlock(r) => nested_rules(file, css, &r.rules, problems),
            CssRule::Container(r) => nested_rules(file, css, &r.rules, problems),
            CssRule::Scope(r) => nested_rules(file, css, &r.rules, problems),
            CssRule::StartingStyle(r) => nested_rules(file, css, &r.rules, problems),
            CssRule::MozDocument(r) => nested_rules(file, css, &r.rules, problems),
            _ => {}
        }
    }
}

fn rule_location(rule: &CssRule<'_>) -> Option<Location> {
    match rule {
        CssRule::Style(r) => Some(r.loc),
        CssRule::Media(r) => Some(r.loc),
        CssRule::Supports(r) => Some(r.loc),
        CssRule::Nesting(r) => Some(r.loc),
        CssRule::NestedDeclarations(r) => Some(r.loc),
        CssRule::Container(r) => Some(r.loc),
        _ => None,
    }
}

/// The rule's selector (or prelude) as written: its line from where it starts up to its `{`.
fn selector_at(css: &str, loc: Location) -> String {
    let line = css.lines().nth(loc.line as usize).unwrap_or_default();
    let from = line
        .char_indices()
        .nth(loc.column.saturating_sub(1) as usize)
        .map_or(0, |(i, _)| i);
    let text = &line[from..];
    let text = text.split('{').next().unwrap_or(text).trim();
    if text.is_empty() {
        "(declarations)".to_owned()
    } else if text.ends_with(',') {
        // A selector list over several lines: its first line, marked as cut.
        format!("{text} …")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_closing_brace_is_named_where_the_nesting_starts() {
        let css = ".a {\n  color: red;\n\n.b {\n  color: blue;\n}\n\n.c {\n  color: green;\n}\n";
        let problems = check("web/x.css", css);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let problem = &problems[0];
        assert_eq!((problem.line, problem.column), (4, 1), "{problem}");
        assert!(
            problem
                .message
                .contains("`.b` is nested inside `.a` (line 1)")
                && problem.message.contains("1 more rule"),
            "{problem}"
        );
        assert!(problem.to_string().starts_with("web/x.css:4:1: "));
    }

    #[test]
    fn well_formed_css_with_media_queries_passes() {
        let css = ".a { color: red; }\n@media (max-width: 40rem) {\n  .a { color: blue; }\n}\n\
                   @supports (display: grid) { .b { display: grid; } }\n";
        assert_eq!(check("ok.css", css), []);
    }

    #[test]
    fn each_of_two_missing_braces_is_named() {
        let css = ".a {\n  color: red;\n.b {\n  color: blue;\n.c { color: green; }\n";
        let lines: Vec<u32> = check("two.css", css).iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 5]);
    }

    #[test]
    fn nesting_inside_a_media_query_is_found_too() {
        let css = "@media print {\n  .a {\n    color: red;\n  .b { color: blue; }\n  }\n}\n";
        let problems = check("m.css", css);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 4, "{}", problems[0]);
    }

    #[test]
    fn parse_errors_are_located() {
        let problems = check("e.css", ".a {\n  color: red;\n}\n\n.b }\n");
        assert!(!problems.is_empty());
        assert!(problems.iter().all(|p| p.line >= 1), "{problems:?}");
    }

    #[test]
    fn only_style_elements_of_a_page_are_read_and_keep_their_lines() {
        let html = "<html>\n<head>\n<style>\n.a {\n  color: red;\n.b { color: blue; }\n</style>\n</head>\n<body><p>{ not css }</p></body>\n</html>\n";
        let css = style_elements_only(html);
        assert_eq!(css.lines().count(), html.lines().count());
        let problems = check("page.html", &css);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].column), (6, 1));
    }
}
