//! A goal in plain words. `not` is pushed down to the facts (De Morgan for `all` and `any`), so
//! every sentence says plainly what must be true: "no read_committed consumer of payments-0 can
//! see a record with key 42" rather than "not: ...".

use super::facts::{isolation_name, mark_name};
use super::{Bound, Goal, Kept, Liveness};

/// The goal in words, read with `positive` polarity (false under an odd number of `not`s).
pub(super) fn describe(goal: &Goal, positive: bool) -> String {
    match goal {
        Goal::Not(inner) => describe(inner, !positive),
        Goal::All(goals) if positive => join(goals, positive, "and"),
        Goal::Any(goals) if !positive => join(goals, positive, "and"),
        Goal::All(goals) | Goal::Any(goals) => join(goals, positive, "or"),
        Goal::Offset(f) => format!(
            "{}'s {} is {}",
            f.partition,
            mark_name(f.mark),
            range(
                Bound::of(f.eq, f.at_least, f.at_most),
                positive,
                Unit::Offset
            )
        ),
        Goal::Visible(f) => {
            let what = match (&f.key, &f.value) {
                (Some(k), Some(v)) => format!(" with key {k} and value \"{v}\""),
                (Some(k), None) => format!(" with key {k}"),
                (None, Some(v)) => format!(" with value \"{v}\""),
                (None, None) => String::new(),
            };
            format!(
                "a {} consumer of {} can see {}{what}",
                isolation_name(f.isolation),
                f.partition,
                range(
                    Bound::of(f.eq, f.at_least, f.at_most).or_at_least_one(),
                    positive,
                    Unit::Records
                )
            )
        }
        Goal::Committed(f) => format!(
            "group {}'s committed offset for {} is {}",
            f.group,
            f.partition,
            range(
                Bound::of(f.eq, f.at_least, f.at_most),
                positive,
                Unit::Offset
            )
        ),
        Goal::Position(f) => format!(
            "{}'s position in {} is {}",
            f.consumer,
            f.partition,
            range(
                Bound::of(f.eq, f.at_least, f.at_most),
                positive,
                Unit::Offset
            )
        ),
        Goal::Effects(f) => {
            let bound = Bound::of(f.eq, f.at_least, f.at_most).or_at_least_one();
            match &f.business_id {
                Some(id) => format!(
                    "the database applies {id}'s effect {}",
                    range(bound, positive, Unit::Times)
                ),
                None => format!(
                    "the database applies {}",
                    range(bound, positive, Unit::Effects)
                ),
            }
        }
        Goal::Guarantee(f) => {
            let broken = (f.is == Kept::Broken) == positive;
            format!("{} is {}", f.name, if broken { "broken" } else { "kept" })
        }
        Goal::Transaction(f) => format!(
            "the coordinator {} {} in {}",
            if positive { "has" } else { "does not have" },
            f.transactional_id,
            f.is
        ),
        Goal::Producer(f) => {
            let (yes, no) = match f.is.as_str() {
                "running" => ("is running", "is not running"),
                "crashed" => ("has crashed", "has not crashed"),
                "fenced" => ("is fenced", "is not fenced"),
                _ => ("is in", "is not in"),
            };
            let tail = match f.is.as_str() {
                "running" | "crashed" | "fenced" => String::new(),
                state => format!(" {state}"),
            };
            format!("{} {}{tail}", f.id, if positive { yes } else { no })
        }
        Goal::Consumer(f) => {
            let crashed = (f.is == Liveness::Crashed) == positive;
            format!(
                "{} {}",
                f.id,
                if crashed { "has crashed" } else { "is running" }
            )
        }
        Goal::ErrorSeen(f) => {
            let to = f
                .client
                .as_ref()
                .map_or_else(String::new, |c| format!(" to {c}"));
            let bound = Bound::of(f.eq, f.at_least, f.at_most).or_at_least_one();
            match range(bound, positive, Unit::Times).as_str() {
                "never" => format!("{} is never answered{to}", f.error),
                how => format!("{} is answered{to} {how}", f.error),
            }
        }
        Goal::EventSeen(f) => {
            let bound = Bound::of(f.eq, f.at_least, f.at_most).or_at_least_one();
            match range(bound, positive, Unit::Times).as_str() {
                "never" => format!("{} never happens", f.event),
                how => format!("{} happens {how}", f.event),
            }
        }
    }
}

fn join(goals: &[Goal], positive: bool, word: &str) -> String {
    let parts: Vec<String> = goals.iter().map(|g| describe(g, positive)).collect();
    match parts.as_slice() {
        [] if word == "and" => "nothing (always met)".to_owned(),
        [] => "one of nothing (never met)".to_owned(),
        [one] => one.clone(),
        [first, second] => format!("{first}, {word} {second}"),
        [init @ .., last] => format!("{}; {word} {last}", init.join("; ")),
    }
}

/// What a number counts, for its words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Offset,
    Records,
    Effects,
    Times,
}

/// "at least 2 records", "between 1 and 3", "fewer than 2 times", "never", "no records".
fn range(bound: Bound, positive: bool, unit: Unit) -> String {
    let count = unit != Unit::Offset;
    let (less, more) = if count {
        ("fewer than", "more than")
    } else {
        ("below", "above")
    };
    let phrase = |n: i64| number(n, unit);
    match (bound.eq, bound.at_least, bound.at_most, positive) {
        (Some(n), _, _, true) if count => format!("exactly {}", phrase(n)),
        (Some(n), _, _, true) => n.to_string(),
        (Some(n), _, _, false) => format!("other than {}", phrase(n)),
        (None, Some(1), None, false) if count => none(unit).to_owned(),
        (None, Some(1), None, true) if unit == Unit::Records => "a record".to_owned(),
        (None, Some(low), Some(high), true) => {
            format!("between {low} and {high}{}", plural(unit))
        }
        (None, Some(low), Some(high), false) => {
            format!("{less} {low} or {more} {high}{}", plural(unit))
        }
        (None, Some(low), None, true) => format!("at least {}", phrase(low)),
        (None, Some(low), None, false) => format!("{less} {}", phrase(low)),
        (None, None, Some(high), true) => format!("at most {}", phrase(high)),
        (None, None, Some(high), false) => format!("{more} {}", phrase(high)),
        (None, None, None, _) => "anything".to_owned(),
    }
}

/// The unit after a range's second number: "between 1 and 3 records".
fn plural(unit: Unit) -> &'static str {
    match unit {
        Unit::Offset => "",
        Unit::Records => " records",
        Unit::Effects => " effects",
        Unit::Times => " times",
    }
}

fn none(unit: Unit) -> &'static str {
    match unit {
        Unit::Records => "no records",
        Unit::Effects => "no effects",
        Unit::Times | Unit::Offset => "never",
    }
}

fn number(n: i64, unit: Unit) -> String {
    match unit {
        Unit::Offset => n.to_string(),
        Unit::Records => count_words(n, "record", "records"),
        Unit::Effects => count_words(n, "effect", "effects"),
        Unit::Times => times(n),
    }
}

/// "1 record", "2 records".
pub(super) fn count_words(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "never", "once", "twice", "3 times".
pub(super) fn times(n: i64) -> String {
    match n {
        0 => "0 times".to_owned(),
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}

/// Whether `value` lies in the bound's range.
pub(super) fn bound_holds(bound: Bound, value: i64) -> bool {
    bound.eq.is_none_or(|n| value == n)
        && bound.at_least.is_none_or(|n| value >= n)
        && bound.at_most.is_none_or(|n| value <= n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(eq: Option<i64>, at_least: Option<i64>, at_most: Option<i64>) -> Bound {
        Bound::of(eq, at_least, at_most)
    }

    #[test]
    fn ranges_read_in_words_either_way_round() {
        let cases = [
            (
                bound(Some(2), None, None),
                Unit::Times,
                "exactly twice",
                "other than twice",
            ),
            (
                bound(None, Some(1), None),
                Unit::Times,
                "at least once",
                "never",
            ),
            (
                bound(None, Some(1), None),
                Unit::Records,
                "a record",
                "no records",
            ),
            (
                bound(None, Some(2), None),
                Unit::Records,
                "at least 2 records",
                "fewer than 2 records",
            ),
            (
                bound(None, None, Some(1)),
                Unit::Effects,
                "at most 1 effect",
                "more than 1 effect",
            ),
            (
                bound(None, Some(1), Some(2)),
                Unit::Times,
                "between 1 and 2 times",
                "fewer than 1 or more than 2 times",
            ),
            (
                bound(None, Some(3), None),
                Unit::Offset,
                "at least 3",
                "below 3",
            ),
            (
                bound(Some(0), None, None),
                Unit::Offset,
                "0",
                "other than 0",
            ),
        ];
        for (b, unit, yes, no) in cases {
            assert_eq!(range(b, true, unit), yes);
            assert_eq!(range(b, false, unit), no);
        }
    }
}
