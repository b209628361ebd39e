//! What every plotters drawing needs before it goes into the page: a role, an id, and a title
//! and description a screen reader reads, with their text escaped (the SVG is inserted raw).

/// Gives plotters' `<svg>` the id `id`, `role="img"`, and its `<title>` and `<desc>` (ids
/// `{label_id}-title`, `{label_id}-desc`). Anything that is not an `<svg …>` is returned
/// unchanged.
pub fn accessible(svg: &str, id: &str, label_id: &str, title: &str, desc: &str) -> String {
    let Some(body) = svg.strip_prefix("<svg ") else {
        return svg.to_owned();
    };
    let Some(open_end) = body.find('>') else {
        return svg.to_owned();
    };
    let (attributes, rest) = body.split_at(open_end);
    format!(
        "<svg id=\"{id}\" role=\"img\" aria-labelledby=\"{label_id}-title {label_id}-desc\" {attributes}><title id=\"{label_id}-title\">{}</title><desc id=\"{label_id}-desc\">{}</desc>{}",
        escape(title),
        escape(desc),
        &rest[1..],
    )
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}
