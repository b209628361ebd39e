//! The page's first drawing, in turns: the top band, then the stage, then the details, each
//! in its own task of the browser's event loop.
//!
//! Why: on a phone, most of the first render's time is the browser compiling the WebAssembly
//! functions the render calls for the first time. Drawn in one task, the page cannot answer a
//! tap for several hundred milliseconds; drawn in turns, each part's share runs on its own and
//! the browser can paint and react in between. Later renders draw everything at once.

use gloo_timers::callback::Timeout;
use yew::prelude::*;

/// How much of the page is drawn so far, in page order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Drawn {
    /// The scenario picker, the time controls and the course's way in.
    TopBand,
    /// The stage, its narration and the guarantees strip as well.
    Stage,
    /// The folded detail groups too: the whole page.
    Everything,
}

impl Drawn {
    fn next(self) -> Self {
        match self {
            Drawn::TopBand => Drawn::Stage,
            Drawn::Stage | Drawn::Everything => Drawn::Everything,
        }
    }
}

/// How much of the page to draw now: everything at once unless `in_turns`, otherwise one
/// more part after each turn of the event loop until the page is whole.
#[hook]
pub fn use_drawn(in_turns: bool) -> Drawn {
    let drawn = use_state(|| {
        if in_turns {
            Drawn::TopBand
        } else {
            Drawn::Everything
        }
    });
    {
        let drawn = drawn.clone();
        use_effect_with(*drawn, move |now| {
            let pending = (*now < Drawn::Everything).then(|| {
                let next = now.next();
                Timeout::new(0, move || drawn.set(next))
            });
            move || drop(pending)
        });
    }
    *drawn
}
