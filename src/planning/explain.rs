//! Human wording: reasons for assignments and explanations for empty
//! positions. Times are UTC; a date is shown only where it is needed.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

use super::instance::{Instance, conflict, covering_range, ix};
use super::model::{Problem, Slot, UnfilledReason, UnfilledSlot};
use super::search::State;

fn at(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

/// `18:00-23:00` within a day (a range ending at midnight shows `24:00`),
/// `2025-06-01 22:00 to 2025-06-02 02:00` across days.
fn span(start: i64, end: i64, with_date: bool) -> String {
    let (Some(s), Some(e)) = (at(start), at(end)) else {
        return String::from("at an unrepresentable time");
    };
    let (sd, ed) = (s.date_naive(), e.date_naive());
    let ends_midnight =
        e.num_seconds_from_midnight() == 0 && e.nanosecond() == 0 && sd.succ_opt() == Some(ed);
    if sd == ed || ends_midnight {
        let end = if ends_midnight {
            String::from("24:00")
        } else {
            e.format("%H:%M").to_string()
        };
        let date = if with_date {
            format!("{} ", sd.format("%Y-%m-%d"))
        } else {
            String::new()
        };
        format!("{date}{}-{end}", s.format("%H:%M"))
    } else {
        format!(
            "{} to {}",
            s.format("%Y-%m-%d %H:%M"),
            e.format("%Y-%m-%d %H:%M")
        )
    }
}

/// Start time of another slot, with its date when it is not `day`.
fn moment(micros: i64, day: Option<NaiveDate>) -> String {
    match at(micros) {
        Some(t) if Some(t.date_naive()) == day => t.format("%H:%M").to_string(),
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => String::from("an unrepresentable time"),
    }
}

fn duration(micros: i64) -> String {
    let minutes = Duration::microseconds(micros).num_minutes();
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}min"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m:02}"),
    }
}

/// "stage-B at 20:00": a slot as a stage manager names it, with its date
/// when it is not the day of `beside`.
pub(crate) fn slot_at(slot: &Slot, beside: &Slot) -> String {
    format!(
        "{} at {}",
        slot_name(slot),
        moment(
            slot.starts_at.timestamp_micros(),
            Some(beside.starts_at.date_naive())
        )
    )
}

/// "available 18:00-23:00": the availability covering a slot.
pub(crate) fn available((from, to): (i64, i64)) -> String {
    format!("available {}", span(from, to, false))
}

pub(crate) fn slot_name(slot: &Slot) -> &str {
    match &slot.label {
        Some(label) if !label.trim().is_empty() => label,
        _ => &slot.key,
    }
}

fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// "the skill 'x'" or "the skills 'x' and 'y'".
fn skills_phrase(skills: &[String]) -> String {
    let s = if skills.len() == 1 { "" } else { "s" };
    format!("the skill{s} {}", quoted_list(skills))
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// One to three reasons for artist `a` on slot `s` (canonical indices):
/// a pin first, as a person's decision outranks the planner's.
pub(crate) fn reasons(
    problem: &Problem,
    state: &State,
    s: u32,
    a: u32,
    pinned: bool,
) -> Vec<String> {
    let inst = state.inst;
    let info = &inst.slots[s as usize];
    let artist = &inst.artists[a as usize];
    let mut out = Vec::with_capacity(4);
    if pinned {
        out.push("pinned".to_owned());
    }
    if let Some(range) = covering_range(&artist.availability, info.start, info.end) {
        out.push(available(range));
    }
    let required = &problem.slots[info.source].required_skills;
    if !required.is_empty() {
        out.push(format!("has skills: {}", required.join(", ")));
    }
    let mine = &state.artist_slots[a as usize];
    // The artist's slots are sorted, and this one is among them.
    let rank = mine.binary_search(&s).map_or(0, |k| k) + 1;
    let limit = match problem.rules.max_slots_per_artist {
        Some(max) => format!(" (limit {max})"),
        None => String::new(),
    };
    out.push(if mine.len() == 1 {
        format!("only slot{limit}")
    } else {
        format!("{} of {} slots{limit}", ordinal(rank), mine.len())
    });
    out.truncate(3);
    out
}

/// "Ana is on stage-B at 20:00": the slot of `name` that `target` clashes
/// with, and " (11h rest needed)" when the two do not overlap but leave
/// less than the minimum rest (`rest`, in microseconds) between them.
pub(crate) fn clash_with(name: &str, other: &Slot, target: &Slot, rest: i64) -> String {
    let overlap = other.starts_at < target.ends_at && target.starts_at < other.ends_at;
    let needed = if overlap {
        String::new()
    } else {
        format!(" ({} rest needed)", duration(rest))
    };
    format!("{name} is on {}{needed}", slot_at(other, target))
}

/// "2026-06-12 18:00-23:00": when a slot runs, with its date.
pub(crate) fn slot_span(slot: &Slot) -> String {
    span(
        slot.starts_at.timestamp_micros(),
        slot.ends_at.timestamp_micros(),
        true,
    )
}

/// Why `a` cannot take `s` in the final planning, as a clause.
fn blocker(problem: &Problem, state: &State, s: u32, a: u32) -> String {
    let inst = state.inst;
    let target = &inst.slots[s as usize];
    let name = &problem.artists[inst.artists[a as usize].source].name;
    let clash = state.artist_slots[a as usize].iter().find(|&&j| {
        let other = &inst.slots[j as usize];
        conflict(other.start, other.ext_end, target.start, target.ext_end)
    });
    if let Some(&j) = clash {
        let rest = target.ext_end - target.end;
        return clash_with(
            name,
            &problem.slots[inst.slots[j as usize].source],
            &problem.slots[target.source],
            rest,
        );
    }
    let cap = inst.artists[a as usize].cap;
    if state.load(a) >= cap as usize {
        return format!(
            "{name} has reached the limit of {}",
            plural(cap as usize, "slot", "slots")
        );
    }
    format!("{name} could still take it")
}

/// The empty positions of slot `s` (canonical), if any, with their reason.
pub(crate) fn unfilled(problem: &Problem, state: &State, s: u32) -> Option<UnfilledSlot> {
    let inst: &Instance = state.inst;
    let info = &inst.slots[s as usize];
    let slot = &problem.slots[info.source];
    let here = &state.slot_artists[s as usize];
    let missing = info.positions.saturating_sub(ix(here.len()));
    if missing == 0 {
        return None;
    }
    let name = slot_name(slot);
    let when = span(info.start, info.end, true);
    let done = |reason, explanation| {
        Some(UnfilledSlot {
            slot: info.source,
            missing,
            reason,
            explanation,
        })
    };
    if info.start >= info.end {
        return done(
            UnfilledReason::NoArtistAvailable,
            format!("{name} does not end after it starts: fix its times."),
        );
    }

    let mut available = Vec::new();
    let mut partial: Option<(i64, u32, (i64, i64))> = None;
    for (a, artist) in inst.artists.iter().enumerate() {
        if covering_range(&artist.availability, info.start, info.end).is_some() {
            available.push(ix(a));
            continue;
        }
        for &(from, to) in &artist.availability {
            let overlap = to.min(info.end).saturating_sub(from.max(info.start));
            if overlap > 0 && partial.is_none_or(|(best, _, _)| overlap > best) {
                partial = Some((overlap, ix(a), (from, to)));
            }
        }
    }
    let artist_name = |a: u32| &problem.artists[inst.artists[a as usize].source].name;
    if available.is_empty() {
        let text = match partial {
            Some((_, a, (from, to))) => {
                let count = inst
                    .artists
                    .iter()
                    .filter(|x| {
                        x.availability
                            .iter()
                            .any(|&(f, t)| f < info.end && t > info.start)
                    })
                    .count();
                format!(
                    "No artist is available for the whole of {name} ({when}); {} part of it, e.g. {} ({}): extend an availability or shorten the slot.",
                    plural(count, "artist covers", "artists cover"),
                    artist_name(a),
                    span(from, to, false),
                )
            }
            None => format!(
                "No artist is available at any time during {name} ({when}): add availabilities or move the slot."
            ),
        };
        return done(UnfilledReason::NoArtistAvailable, text);
    }

    let required = &slot.required_skills;
    let lacking = |a: u32| -> Vec<String> {
        let skills = &problem.artists[inst.artists[a as usize].source].skills;
        required
            .iter()
            .filter(|r| !skills.contains(r))
            .cloned()
            .collect()
    };
    let qualified: Vec<u32> = available
        .iter()
        .copied()
        .filter(|&a| lacking(a).is_empty())
        .collect();
    let is_are = |n: usize| if n == 1 { "is" } else { "are" };
    if qualified.is_empty() {
        let closest = available
            .iter()
            .map(|&a| (lacking(a), a))
            .min_by_key(|(miss, a)| (miss.len(), *a));
        let hint = match closest {
            Some((miss, a)) => format!(
                "; closest is {}, who lacks {}",
                artist_name(a),
                quoted_list(&miss)
            ),
            None => String::new(),
        };
        let all = if required.len() > 1 { "all of " } else { "" };
        return done(
            UnfilledReason::NoArtistWithSkills,
            format!(
                "{} {} available for {name} ({when}) but none has {all}{}{hint}.",
                plural(available.len(), "artist", "artists"),
                is_are(available.len()),
                skills_phrase(required),
            ),
        );
    }

    let who = if required.is_empty() {
        plural(qualified.len(), "artist", "artists")
    } else {
        format!(
            "{} with {}",
            plural(qualified.len(), "artist", "artists"),
            skills_phrase(required)
        )
    };
    let others: Vec<u32> = qualified
        .iter()
        .copied()
        .filter(|&a| !state.has(a, s))
        .collect();
    let text = if others.is_empty() {
        format!(
            "Only {who} {} available for {name} ({when}) and already on it: make {} available or reduce the positions.",
            is_are(qualified.len()),
            plural(missing as usize, "more artist", "more artists"),
        )
    } else {
        let mut details: Vec<String> = others
            .iter()
            .take(3)
            .map(|&a| blocker(problem, state, s, a))
            .collect();
        if others.len() > 3 {
            details.push(format!("and {} more", others.len() - 3));
        }
        let subject = match (here.len(), others.len()) {
            (0, 1) => String::from("is booked"),
            (0, 2) => String::from("both are booked"),
            (0, _) => String::from("all are booked"),
            (h, n) => format!(
                "{h} {} already on it and the other {n} {} busy",
                is_are(h),
                is_are(n)
            ),
        };
        format!(
            "{who} {} available for {name} ({when}) but {subject}: {}.",
            is_are(qualified.len()),
            details.join(", ")
        )
    };
    done(UnfilledReason::CandidatesExhausted, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000_000;
    /// 2025-06-01 00:00 UTC in microseconds.
    const DAY0: i64 = 1_748_736_000_000_000;

    #[test]
    fn ranges_show_the_date_only_across_days() {
        assert_eq!(span(DAY0 + 18 * H, DAY0 + 23 * H, false), "18:00-23:00");
        assert_eq!(span(DAY0, DAY0 + 24 * H, false), "00:00-24:00");
        assert_eq!(
            span(DAY0 + 18 * H, DAY0 + 24 * H, true),
            "2025-06-01 18:00-24:00"
        );
        assert_eq!(
            span(DAY0 + 18 * H, DAY0 + 26 * H, false),
            "2025-06-01 18:00 to 2025-06-02 02:00"
        );
        assert_eq!(
            moment(DAY0 + 20 * H, at(DAY0).map(|t| t.date_naive())),
            "20:00"
        );
        assert_eq!(
            moment(DAY0 + 44 * H, at(DAY0).map(|t| t.date_naive())),
            "2025-06-02 20:00"
        );
    }

    #[test]
    fn small_words() {
        let ords: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111]
            .map(ordinal)
            .into();
        assert_eq!(
            ords,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
                "101st", "111th"
            ]
        );
        assert_eq!(duration(11 * H), "11h");
        assert_eq!(duration(H + H / 2), "1h30");
        assert_eq!(duration(H / 4), "15min");
        let skills = |v: &[&str]| -> Vec<String> { v.iter().map(|s| s.to_string()).collect() };
        assert_eq!(skills_phrase(&skills(&["a"])), "the skill 'a'");
        assert_eq!(
            skills_phrase(&skills(&["a", "b", "c"])),
            "the skills 'a', 'b' and 'c'"
        );
    }
}
