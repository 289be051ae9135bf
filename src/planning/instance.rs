//! Canonical, index-based view of a [`Problem`].
//!
//! Everything downstream works on this view only. Slots and artists are
//! re-indexed in a canonical order that depends on their content (slot start
//! and key, artist id), never on their position in the input, which is what
//! makes the planner's output independent of input order.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::model::{Artist, Problem, Slot};

/// Candidate (artist, group) pairs kept at most. Past this, each artist keeps
/// only its candidate groups with the fewest candidates so that memory and
/// time stay bounded on the largest requests (10,000 artists x 5,000 slots would otherwise be
/// 50 million pairs).
pub(crate) const PAIR_BUDGET: usize = 3_000_000;

/// A slot in canonical order.
#[derive(Debug, Clone)]
pub(crate) struct SlotInfo {
    /// Index into `problem.slots`.
    pub source: usize,
    pub start: i64,
    pub end: i64,
    /// `end + min_rest`: two slots conflict for one artist exactly when
    /// their `[start, ext_end)` ranges intersect.
    pub ext_end: i64,
    pub positions: u32,
    /// `None` when the slot cannot be staffed at all (no duration or no
    /// position).
    pub group: Option<usize>,
}

/// Slots with the same start, end and required skills. They have exactly
/// the same candidates and conflict with each other, so the flow treats
/// them as one node.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub start: i64,
    pub ext_end: i64,
    /// Canonical slot indices, in canonical order.
    pub slots: Vec<u32>,
    /// Candidate artists (canonical indices, ascending) after pruning.
    pub artists: Vec<u32>,
    /// Number of candidates before pruning.
    pub full_candidates: usize,
}

/// An artist in canonical order.
#[derive(Debug, Clone)]
pub(crate) struct ArtistInfo {
    /// Index into `problem.artists`.
    pub source: usize,
    /// Most slots this artist may take (beside its pins, in the open part
    /// of an instance with pins: `pins::open`).
    pub cap: u32,
    /// The artist's pinned slots, which the balance weighs with the others
    /// (0 but in the open part of an instance with pins).
    pub pinned: u32,
    /// Merged availability, sorted, disjoint and non-touching.
    pub availability: Vec<(i64, i64)>,
    /// Candidate groups (ascending, hence by start).
    pub groups: Vec<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub slots: Vec<SlotInfo>,
    pub artists: Vec<ArtistInfo>,
    pub groups: Vec<Group>,
    /// True when candidate lists were cut to the pair budget.
    pub pruned: bool,
    /// Longest `ext_end - start` of a group: bounds how far back a slot
    /// conflicting with a given one can start.
    pub max_span: i64,
    /// Per artist, the canonical slots it held in the previous planning
    /// (ascending).
    pub previous: Vec<Vec<u32>>,
    /// The canonical index of each slot of the problem, by its index there.
    pub slot_of_source: Vec<u32>,
    /// The canonical index of each artist of the problem, by its index there.
    pub artist_of_source: Vec<u32>,
}

/// Microseconds since the epoch; chrono's range fits in an `i64` of them.
pub(crate) fn micros(t: &DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Converts an index or count to the planner's `u32` indices. Saturates
/// instead of wrapping: more than four billion slots, artists or arcs could
/// not be held in memory anyway.
pub(crate) fn ix(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Two slots conflict for one artist when they overlap or the gap between
/// them is shorter than the minimum rest.
pub(crate) fn conflict(a_start: i64, a_ext_end: i64, b_start: i64, b_ext_end: i64) -> bool {
    a_start < b_ext_end && b_start < a_ext_end
}

/// Sorts and merges ranges, joining those that overlap or touch.
pub(crate) fn merge_ranges(mut ranges: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    ranges.retain(|&(s, e)| s < e);
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The minimum rest in microseconds: below zero counts as zero, and out of
/// the i64 microsecond range means beyond ±292,000 years.
pub(crate) fn rest_micros(min_rest: TimeDelta) -> i64 {
    match min_rest.num_microseconds() {
        Some(us) => us.max(0),
        None if min_rest > TimeDelta::zero() => i64::MAX,
        None => 0,
    }
}

/// The artist's availability in microseconds, sorted and merged.
pub(crate) fn merged_availability(artist: &Artist) -> Vec<(i64, i64)> {
    merge_ranges(
        artist
            .availability
            .iter()
            .map(|range| (micros(&range.starts_at), micros(&range.ends_at)))
            .collect(),
    )
}

/// The merged availability range containing `[start, end)`, if any.
pub(crate) fn covering_range(merged: &[(i64, i64)], start: i64, end: i64) -> Option<(i64, i64)> {
    let idx = merged.partition_point(|&(s, _)| s <= start);
    let &(s, e) = merged.get(idx.checked_sub(1)?)?;
    (s <= start && end <= e).then_some((s, e))
}

fn slot_order(a: &Slot, b: &Slot) -> Ordering {
    // Keys are unique per the caller's validation; the other fields only
    // make the order total if they are not.
    a.starts_at
        .cmp(&b.starts_at)
        .then_with(|| a.key.cmp(&b.key))
        .then_with(|| a.ends_at.cmp(&b.ends_at))
        .then_with(|| a.positions.cmp(&b.positions))
        .then_with(|| a.required_skills.cmp(&b.required_skills))
        .then_with(|| a.label.cmp(&b.label))
}

fn artist_order(a: (&Artist, &[(i64, i64)]), b: (&Artist, &[(i64, i64)])) -> Ordering {
    a.0.id
        .cmp(&b.0.id)
        .then_with(|| a.0.name.cmp(&b.0.name))
        .then_with(|| a.0.skills.cmp(&b.0.skills))
        .then_with(|| a.1.cmp(b.1))
}

/// Bit set over the skills some slot requires (other skills never matter).
fn skill_bits(skills: &[String], universe: &BTreeMap<&str, usize>, words: usize) -> Vec<u64> {
    let mut bits = vec![0u64; words];
    for skill in skills {
        if let Some(&i) = universe.get(skill.as_str()) {
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    bits
}

fn is_subset(required: &[u64], have: &[u64]) -> bool {
    required.iter().zip(have).all(|(r, h)| r & !h == 0)
}

impl Instance {
    /// True when the artist held the slot in the previous planning.
    pub(crate) fn was_on(&self, a: u32, s: u32) -> bool {
        self.previous[a as usize].binary_search(&s).is_ok()
    }

    pub(crate) fn new(problem: &Problem, pair_budget: usize) -> Self {
        let rest = rest_micros(problem.rules.min_rest);
        let cap = problem.rules.max_slots_per_artist.unwrap_or(u32::MAX);

        let mut slot_idx: Vec<usize> = (0..problem.slots.len()).collect();
        slot_idx.sort_by(|&a, &b| slot_order(&problem.slots[a], &problem.slots[b]));

        let mut availability: Vec<Vec<(i64, i64)>> =
            problem.artists.iter().map(merged_availability).collect();
        let mut artist_idx: Vec<usize> = (0..problem.artists.len()).collect();
        artist_idx.sort_by(|&a, &b| {
            artist_order(
                (&problem.artists[a], &availability[a]),
                (&problem.artists[b], &availability[b]),
            )
        });

        let mut universe: BTreeMap<&str, usize> = BTreeMap::new();
        for slot in &problem.slots {
            for skill in &slot.required_skills {
                universe.insert(skill.as_str(), 0);
            }
        }
        for (i, v) in universe.values_mut().enumerate() {
            *v = i;
        }
        let words = universe.len().div_ceil(64);

        // Slots someone declined have candidates of their own: their own
        // group, which never takes the artists who declined it. So do the
        // slots of the previous planning, so that keeping an artist on its
        // slot is one choice of a group.
        let mut refused_by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for pick in &problem.decisions.refused {
            refused_by.entry(pick.slot).or_default().push(pick.artist);
        }
        for pick in &problem.decisions.previous {
            refused_by.entry(pick.slot).or_default();
        }

        let mut slots = Vec::with_capacity(slot_idx.len());
        let mut groups: Vec<Group> = Vec::new();
        let mut group_refused: Vec<Vec<usize>> = Vec::new();
        // Flat: group g's skill words are group_skills[g * words..][..words].
        let mut group_skills: Vec<u64> = Vec::new();
        let mut group_end: Vec<i64> = Vec::new();
        let mut group_of: BTreeMap<(i64, i64, Vec<u64>, Option<usize>), usize> = BTreeMap::new();
        for (canon, &source) in slot_idx.iter().enumerate() {
            let slot = &problem.slots[source];
            let (start, end) = (micros(&slot.starts_at), micros(&slot.ends_at));
            let ext_end = end.saturating_add(rest);
            let group = (start < end && slot.positions > 0).then(|| {
                let bits = skill_bits(&slot.required_skills, &universe, words);
                let refused = refused_by.get(&source);
                let own = refused.map(|_| source);
                let next = groups.len();
                let g = *group_of
                    .entry((start, end, bits.clone(), own))
                    .or_insert(next);
                if g == next {
                    group_refused.push(refused.cloned().unwrap_or_default());
                    groups.push(Group {
                        start,
                        ext_end,
                        slots: Vec::new(),
                        artists: Vec::new(),
                        full_candidates: 0,
                    });
                    group_skills.extend_from_slice(&bits);
                    group_end.push(end);
                }
                groups[g].slots.push(ix(canon));
                g
            });
            slots.push(SlotInfo {
                source,
                start,
                end,
                ext_end,
                positions: slot.positions,
                group,
            });
        }

        // Canonical slots are sorted by start, so group ids are too.
        let group_start: Vec<i64> = groups.iter().map(|g| g.start).collect();
        let merged: Vec<Vec<(i64, i64)>> = artist_idx
            .iter()
            .map(|&source| std::mem::take(&mut availability[source]))
            .collect();
        let bits: Vec<Vec<u64>> = artist_idx
            .iter()
            .map(|&source| skill_bits(&problem.artists[source].skills, &universe, words))
            .collect();
        let scan = |a: usize, visit: &mut dyn FnMut(usize)| {
            let source = artist_idx[a];
            for &(s, e) in &merged[a] {
                let mut g = group_start.partition_point(|&gs| gs < s);
                while g < group_start.len() && group_start[g] < e {
                    if group_end[g] <= e
                        && is_subset(&group_skills[g * words..(g + 1) * words], &bits[a])
                        && !group_refused[g].contains(&source)
                    {
                        visit(g);
                    }
                    g += 1;
                }
            }
        };

        // First pass counts only, so that memory stays bounded when the
        // pairs exceed the budget.
        let mut per_artist = vec![0usize; artist_idx.len()];
        for (a, count) in per_artist.iter_mut().enumerate() {
            scan(a, &mut |g| {
                *count += 1;
                groups[g].full_candidates += 1;
            });
        }
        let pruned = per_artist.iter().sum::<usize>() > pair_budget;
        let keep = if pruned {
            per_artist_limit(&per_artist, pair_budget)
        } else {
            usize::MAX
        };
        let full: Vec<usize> = groups.iter().map(|g| g.full_candidates).collect();
        let mut artists = Vec::with_capacity(artist_idx.len());
        for (a, (&source, availability)) in artist_idx.iter().zip(merged.iter()).enumerate() {
            let mut cand = Vec::with_capacity(per_artist[a].min(keep));
            scan(a, &mut |g| cand.push(ix(g)));
            if cand.len() > keep {
                // Keep the scarcest groups; a per-artist hash breaks ties so
                // that equally scarce groups are spread over the artists.
                let mut keyed: Vec<(usize, u64, u32)> = cand
                    .iter()
                    .map(|&g| (full[g as usize], mix(a as u64, u64::from(g)), g))
                    .collect();
                keyed.select_nth_unstable(keep);
                cand = keyed[..keep].iter().map(|&(_, _, g)| g).collect();
                cand.sort_unstable();
            }
            artists.push(ArtistInfo {
                source,
                cap,
                pinned: 0,
                availability: availability.clone(),
                groups: cand,
            });
        }
        for (a, artist) in artists.iter().enumerate() {
            for &g in &artist.groups {
                groups[g as usize].artists.push(ix(a));
            }
        }
        let max_span = groups
            .iter()
            .map(|g| g.ext_end.saturating_sub(g.start))
            .max()
            .unwrap_or(0);
        let mut canon_slot = vec![u32::MAX; slots.len()];
        for (s, slot) in slots.iter().enumerate() {
            canon_slot[slot.source] = ix(s);
        }
        let mut canon_artist = vec![u32::MAX; artists.len()];
        for (a, artist) in artists.iter().enumerate() {
            canon_artist[artist.source] = ix(a);
        }
        let mut previous: Vec<Vec<u32>> = vec![Vec::new(); artists.len()];
        for pick in &problem.decisions.previous {
            if let (Some(&s), Some(&a)) = (canon_slot.get(pick.slot), canon_artist.get(pick.artist))
            {
                previous[a as usize].push(s);
            }
        }
        for slots in &mut previous {
            slots.sort_unstable();
            slots.dedup();
        }
        Instance {
            slots,
            artists,
            groups,
            pruned,
            max_span,
            previous,
            slot_of_source: canon_slot,
            artist_of_source: canon_artist,
        }
    }
}

/// Largest per-artist candidate count keeping the total within `budget`.
fn per_artist_limit(counts: &[usize], budget: usize) -> usize {
    let fits = |k: usize| counts.iter().map(|&c| c.min(k)).sum::<usize>() <= budget;
    let (mut lo, mut hi) = (1usize, counts.iter().copied().max().unwrap_or(1));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// splitmix64 finalizer of two values: a fixed pseudo-random tie-break.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = (a << 32 ^ b).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_when_touching_or_overlapping() {
        let merged = merge_ranges(vec![
            (20, 30),
            (0, 10),
            (10, 15),
            (12, 14),
            (40, 40),
            (50, 45),
        ]);
        assert_eq!(merged, vec![(0, 15), (20, 30)]);
        assert_eq!(covering_range(&merged, 2, 15), Some((0, 15)));
        assert_eq!(covering_range(&merged, 14, 21), None);
        assert_eq!(covering_range(&merged, 20, 30), Some((20, 30)));
        assert_eq!(covering_range(&[], 0, 1), None);
    }

    #[test]
    fn conflicts_include_the_rest_time() {
        // [0, 10) and [10, 20) touch: fine without rest.
        assert!(!conflict(0, 10, 10, 20));
        // With a rest of 5 the first extends to 15.
        assert!(conflict(0, 15, 10, 25));
        assert!(conflict(0, 15, 0, 15));
    }
}
