//! Narration markup (`eos_course::markup`) as Yew nodes, element by element: text from a lesson
//! file only ever becomes text nodes, never HTML.

use eos_course::markup::{Block, Inline};
use yew::prelude::*;

/// Paragraphs of narration.
pub fn blocks(blocks: &[Block]) -> Html {
    html! {
        { for blocks.iter().map(|Block::Paragraph(inlines)| html! { <p>{ runs(inlines) }</p> }) }
    }
}

fn runs(inlines: &[Inline]) -> Html {
    html! {
        { for inlines.iter().map(|inline| match inline {
            Inline::Text(text) => html! { {text.clone()} },
            Inline::Code(code) => html! { <code>{code.clone()}</code> },
            Inline::Emphasis(inner) => html! { <em>{ runs(inner) }</em> },
            Inline::Strong(inner) => html! { <strong>{ runs(inner) }</strong> },
        }) }
    }
}
