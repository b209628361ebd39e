//! Playing the lab: the speeds on offer and the timer that dispatches [`LabAction::Tick`]. The
//! reducer decides what a tick does (`LabState`'s playback); this module only keeps time, and
//! pauses when the tab is hidden so a lab nobody watches does not run ahead.

use crate::state::LabAction;
use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use yew::prelude::*;

/// Steps per second while playing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Speed {
    Half,
    #[default]
    One,
    Two,
    Four,
}

impl Speed {
    pub const ALL: [Speed; 4] = [Speed::Half, Speed::One, Speed::Two, Speed::Four];

    /// Milliseconds between two steps.
    pub fn interval_ms(self) -> u32 {
        match self {
            Speed::Half => 2000,
            Speed::One => 1000,
            Speed::Two => 500,
            Speed::Four => 250,
        }
    }

    /// The value of the speed select's option.
    pub fn name(self) -> &'static str {
        match self {
            Speed::Half => "0.5",
            Speed::One => "1",
            Speed::Two => "2",
            Speed::Four => "4",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// What the select shows.
    pub fn label(self) -> &'static str {
        match self {
            Speed::Half => "1 step every 2 s",
            Speed::One => "1 step per second",
            Speed::Two => "2 steps per second",
            Speed::Four => "4 steps per second",
        }
    }
}

/// Ticks every `speed` while `playing`, and pauses when the page is hidden.
#[hook]
pub fn use_playback(playing: bool, speed: Speed, dispatch: Callback<LabAction>) {
    {
        let dispatch = dispatch.clone();
        use_effect_with((playing, speed), move |&(playing, speed)| {
            let timer = playing.then(|| {
                Interval::new(speed.interval_ms(), move || dispatch.emit(LabAction::Tick))
            });
            move || drop(timer)
        });
    }
    use_effect_with((), move |()| {
        let listener = web_sys::window()
            .and_then(|w| w.document())
            .map(|document| {
                let watched = document.clone();
                EventListener::new(&watched, "visibilitychange", move |_| {
                    if document.hidden() {
                        dispatch.emit(LabAction::Pause);
                    }
                })
            });
        move || drop(listener)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_speed_reads_back_from_its_name() {
        for speed in Speed::ALL {
            assert_eq!(Speed::from_name(speed.name()), Some(speed));
        }
        assert_eq!(Speed::from_name("8"), None);
        assert!(Speed::Four.interval_ms() < Speed::Half.interval_ms());
    }
}
