//! The hard rules, checked on assignments someone made (by hand, or kept
//! from an earlier planning on data that has changed since): which rule
//! each breaks, and a sentence a stage manager reads.
//!
//! The planner itself never breaks them; this is for the assignments it
//! did not make, and for the ones whose artist or slot changed after.

use std::collections::BTreeSet;

use super::explain;
use super::instance::{conflict, covering_range, merged_availability, micros, rest_micros};
use super::model::{Artist, Pick, Problem, Slot};

/// A hard rule an assignment breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// Its slot or artist is not in the problem.
    Unknown,
    /// The artist declined the slot.
    Refused,
    /// The artist is not available for the whole slot (or the slot ends
    /// before it starts).
    NotAvailable,
    /// The artist lacks these skills the slot requires.
    LacksSkills(Vec<String>),
    /// It overlaps another assignment of the same artist (`with`, its
    /// index among the picks checked), or leaves less than the minimum
    /// rest before or after it.
    Clashes { with: usize },
    /// The slot's positions are taken by earlier assignments.
    SlotFull,
    /// The artist's earlier assignments reach the maximum per artist.
    OverLimit,
}

/// The skills of `slot` that `artist` lacks: one place for the skills rule.
pub(crate) fn lacking_skills(slot: &Slot, artist: &Artist) -> Vec<String> {
    slot.required_skills
        .iter()
        .filter(|skill| !artist.skills.contains(skill))
        .cloned()
        .collect()
}

/// Whether `artist` is available for the whole of `slot` (an empty or
/// inverted slot is never covered): one place for the availability rule.
pub(crate) fn covers(merged: &[(i64, i64)], slot: &Slot) -> Option<(i64, i64)> {
    let (start, end) = (micros(&slot.starts_at), micros(&slot.ends_at));
    (start < end)
        .then(|| covering_range(merged, start, end))
        .flatten()
}

/// The rules each of `picks` breaks, beside the others. Picks are taken in
/// the order given (callers give the oldest first): of two that cannot
/// both hold, the later one breaks the rule. An assignment that breaks a
/// rule still takes its position and its artist's time, as it does in the
/// schedule until someone removes it. `exempt(i)` frees pick `i` from the
/// maximum per artist, as a pin is (a person decided so).
pub fn breaches(
    problem: &Problem,
    picks: &[Pick],
    exempt: impl Fn(usize) -> bool,
) -> Vec<Vec<Breach>> {
    breaches_removing(problem, picks, exempt, |_, _| false)
}

/// As [`breaches`], but a pick for which `removed(i, its breaches)` is
/// true is taken out as it is found: it holds no position and none of its
/// artist's time for the later picks. One pass gives what removing the
/// breaking assignments one by one, oldest first, would leave.
pub fn breaches_removing(
    problem: &Problem,
    picks: &[Pick],
    exempt: impl Fn(usize) -> bool,
    removed: impl Fn(usize, &[Breach]) -> bool,
) -> Vec<Vec<Breach>> {
    let rest = rest_micros(problem.rules.min_rest);
    let limit = problem.rules.max_slots_per_artist.map(|max| max as usize);
    let merged: Vec<Vec<(i64, i64)>> = problem.artists.iter().map(merged_availability).collect();
    let mut per_slot = vec![0usize; problem.slots.len()];
    // Per artist, the picks seen so far: (index, start, end with rest).
    let mut per_artist: Vec<Vec<(usize, i64, i64)>> = vec![Vec::new(); problem.artists.len()];
    let refused: BTreeSet<&Pick> = problem.decisions.refused.iter().collect();
    let mut out = Vec::with_capacity(picks.len());
    for (index, pick) in picks.iter().enumerate() {
        let (Some(slot), Some(artist)) = (
            problem.slots.get(pick.slot),
            problem.artists.get(pick.artist),
        ) else {
            out.push(vec![Breach::Unknown]);
            continue;
        };
        let mut broken = Vec::new();
        if refused.contains(pick) {
            broken.push(Breach::Refused);
        }
        if covers(&merged[pick.artist], slot).is_none() {
            broken.push(Breach::NotAvailable);
        }
        let lacking = lacking_skills(slot, artist);
        if !lacking.is_empty() {
            broken.push(Breach::LacksSkills(lacking));
        }
        let (start, ext_end) = (
            micros(&slot.starts_at),
            micros(&slot.ends_at).saturating_add(rest),
        );
        let mine = &mut per_artist[pick.artist];
        if let Some(&(with, _, _)) = mine.iter().find(|&&(_, other_start, other_ext_end)| {
            conflict(other_start, other_ext_end, start, ext_end)
        }) {
            broken.push(Breach::Clashes { with });
        }
        if per_slot[pick.slot] >= slot.positions as usize {
            broken.push(Breach::SlotFull);
        }
        if !exempt(index) && limit.is_some_and(|limit| mine.len() >= limit) {
            broken.push(Breach::OverLimit);
        }
        if !removed(index, &broken) {
            per_slot[pick.slot] += 1;
            mine.push((index, start, ext_end));
        }
        out.push(broken);
    }
    out
}

/// One sentence for `breach` of pick `index` among `picks`, naming the
/// artist, the slot and the rule: "Ana is on stage-B at 20:00",
/// "Ana is not available 18:00-23:00", "Ana lacks rigging".
pub fn sentence(problem: &Problem, picks: &[Pick], index: usize, breach: &Breach) -> String {
    let Some((slot, artist)) = picks.get(index).and_then(|pick| {
        Some((
            problem.slots.get(pick.slot)?,
            problem.artists.get(pick.artist)?,
        ))
    }) else {
        return String::from("names no slot or artist of this schedule");
    };
    let name = &artist.name;
    match breach {
        Breach::Unknown => String::from("names no slot or artist of this schedule"),
        Breach::Refused => format!("{name} declined {}", explain::slot_name(slot)),
        Breach::NotAvailable => format!("{name} is not available {}", explain::slot_span(slot)),
        Breach::LacksSkills(skills) => format!("{name} lacks {}", skills.join(", ")),
        Breach::Clashes { with } => {
            let other = picks
                .get(*with)
                .and_then(|other| problem.slots.get(other.slot));
            match other {
                Some(other) => {
                    explain::clash_with(name, other, slot, rest_micros(problem.rules.min_rest))
                }
                None => format!("{name} is on another slot at that time"),
            }
        }
        Breach::SlotFull => format!(
            "{} has no position left: all {} taken",
            explain::slot_name(slot),
            slot.positions
        ),
        Breach::OverLimit => format!(
            "{name} would exceed the limit of {} per artist",
            problem
                .rules
                .max_slots_per_artist
                .map_or_else(String::new, |max| explain::plural(
                    max as usize,
                    "slot",
                    "slots"
                ))
        ),
    }
}
