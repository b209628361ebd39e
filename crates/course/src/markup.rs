//! The small, safe Markdown subset narration and hints are written in: paragraphs (separated by
//! a blank line), `code`, *emphasis* and **strong**. It is parsed into a tree the app renders
//! element by element, never as HTML, so a file cannot inject markup. Anything else reads as
//! plain text: an unclosed `*` or a `#` is just a character.

use serde::Serialize;

/// A block of narration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "block", content = "inlines", rename_all = "snake_case")]
pub enum Block {
    Paragraph(Vec<Inline>),
}

/// A run of text inside a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "inline", content = "content", rename_all = "snake_case")]
pub enum Inline {
    Text(String),
    /// `code`: shown in a monospace font, never parsed further.
    Code(String),
    /// *emphasis*
    Emphasis(Vec<Inline>),
    /// **strong**
    Strong(Vec<Inline>),
}

/// Parses narration text into blocks. Total: every text is some narration.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !paragraph.is_empty() {
                blocks.push(Block::Paragraph(inlines(&paragraph.join(" "))));
                paragraph.clear();
            }
        } else {
            paragraph.push(line.trim());
        }
    }
    if !paragraph.is_empty() {
        blocks.push(Block::Paragraph(inlines(&paragraph.join(" "))));
    }
    blocks
}

/// The text without its markup, e.g. for a screen reader's live region or a test.
pub fn plain_text(blocks: &[Block]) -> String {
    fn flatten(inlines: &[Inline], out: &mut String) {
        for inline in inlines {
            match inline {
                Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                Inline::Emphasis(inner) | Inline::Strong(inner) => flatten(inner, out),
            }
        }
    }
    let paragraphs: Vec<String> = blocks
        .iter()
        .map(|Block::Paragraph(inlines)| {
            let mut out = String::new();
            flatten(inlines, &mut out);
            out
        })
        .collect();
    paragraphs.join("\n\n")
}

/// Inline markup of one paragraph: code spans first (nothing inside them is markup), then
/// `**` and `*` pairs, each only when it is closed.
fn inlines(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        match rest[open + 1..].find('`') {
            Some(len) => {
                emphasis(&rest[..open], &mut out);
                out.push(Inline::Code(rest[open + 1..open + 1 + len].to_owned()));
                rest = &rest[open + 1 + len + 1..];
            }
            None => break,
        }
    }
    emphasis(rest, &mut out);
    out
}

fn emphasis(text: &str, out: &mut Vec<Inline>) {
    if text.is_empty() {
        return;
    }
    if let Some((before, inner, after)) = delimited(text, "**") {
        emphasis(before, out);
        let mut strong = Vec::new();
        emphasis(inner, &mut strong);
        out.push(Inline::Strong(strong));
        emphasis(after, out);
    } else if let Some((before, inner, after)) = delimited(text, "*") {
        emphasis(before, out);
        let mut emph = Vec::new();
        emphasis(inner, &mut emph);
        out.push(Inline::Emphasis(emph));
        emphasis(after, out);
    } else {
        push_text(text, out);
    }
}

/// The first `marker ... marker` pair with something between, as (before, inside, after).
fn delimited<'a>(text: &'a str, marker: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let open = text.find(marker)?;
    let after_open = open + marker.len();
    let len = text[after_open..].find(marker)?;
    if len == 0 {
        return None;
    }
    let close = after_open + len;
    Some((
        &text[..open],
        &text[after_open..close],
        &text[close + marker.len()..],
    ))
}

fn push_text(text: &str, out: &mut Vec<Inline>) {
    if let Some(Inline::Text(last)) = out.last_mut() {
        last.push_str(text);
    } else {
        out.push(Inline::Text(text.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_owned())
    }

    #[test]
    fn paragraphs_are_split_by_blank_lines_and_lines_joined() {
        let blocks = parse("one\ntwo\n\n\nthree");
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph(vec![text("one two")]),
                Block::Paragraph(vec![text("three")])
            ]
        );
    }

    #[test]
    fn code_emphasis_and_strong_nest_as_written() {
        let blocks = parse("set `acks=all` and **never *retry* blindly**");
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                text("set "),
                Inline::Code("acks=all".to_owned()),
                text(" and "),
                Inline::Strong(vec![
                    text("never "),
                    Inline::Emphasis(vec![text("retry")]),
                    text(" blindly")
                ]),
            ])]
        );
    }

    #[test]
    fn markup_inside_code_and_unclosed_markers_stay_text() {
        let blocks = parse("`*not emphasis*` and 2 * 3 and <b>html</b>");
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                Inline::Code("*not emphasis*".to_owned()),
                text(" and 2 * 3 and <b>html</b>"),
            ])]
        );
        assert_eq!(plain_text(&parse("a `b` *c*")), "a b c");
    }
}
