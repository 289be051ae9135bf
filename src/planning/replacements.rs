//! Who could take a position on one slot of a planning: "Ana called in
//! sick; who covers stage B at 20:00?"

use super::explain;
use super::instance::{conflict, merged_availability, micros, rest_micros};
use super::model::{Pick, Problem, Slot};
use super::rules;

/// An artist who could take a position on the slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// Index into `problem.artists`.
    pub artist: usize,
    /// The artist's assignments that would have to move for it (indices
    /// into `problem.slots`, by start): none when the artist is free now.
    pub moves: Vec<usize>,
    /// One to three short human reasons, most important first.
    pub reasons: Vec<String>,
}

/// The artists who could take a position on `slot` (an index into
/// `problem.slots`) among `held`, the assignments that fill positions (a
/// planning's, or a kept schedule's), best first: fewest assignments to
/// move, then fewest slots held, then name and ID. Only artists available for
/// the whole slot with every skill it requires, who did not decline it
/// and are not on it already; never one whose move would break a pin.
pub fn replacements(problem: &Problem, held: &[Pick], slot: usize) -> Vec<Replacement> {
    let Some(target) = problem.slots.get(slot) else {
        return Vec::new();
    };
    let rest = rest_micros(problem.rules.min_rest);
    let span = |index: usize| {
        let slot = &problem.slots[index];
        let start = micros(&slot.starts_at);
        (start, micros(&slot.ends_at).saturating_add(rest))
    };
    let (start, ext_end) = span(slot);
    let mut per_artist: Vec<Vec<usize>> = vec![Vec::new(); problem.artists.len()];
    for pick in held {
        if let Some(slots) = per_artist.get_mut(pick.artist) {
            slots.push(pick.slot);
        }
    }
    let pinned =
        |artist: usize, slot: usize| problem.decisions.pinned.contains(&Pick { slot, artist });
    let refused = |artist: usize| problem.decisions.refused.contains(&Pick { slot, artist });
    let limit = problem.rules.max_slots_per_artist.map(|max| max as usize);

    let mut found: Vec<(usize, usize, Replacement)> = Vec::new();
    for (index, artist) in problem.artists.iter().enumerate() {
        let mine = &mut per_artist[index];
        let Some(covering) = rules::covers(&merged_availability(artist), target) else {
            continue;
        };
        if !rules::lacking_skills(target, artist).is_empty()
            || refused(index)
            || mine.contains(&slot)
        {
            continue;
        }
        mine.sort_by_key(|&other| (span(other).0, other));
        let mut moves: Vec<usize> = mine
            .iter()
            .copied()
            .filter(|&other| {
                let (other_start, other_end) = span(other);
                conflict(other_start, other_end, start, ext_end)
            })
            .collect();
        // At the limit, one more slot means giving one up: the last one
        // that is not pinned.
        let kept = mine.len() - moves.len();
        if limit.is_some_and(|limit| kept + 1 > limit)
            && let Some(&given_up) = mine
                .iter()
                .rev()
                .find(|&&other| !moves.contains(&other) && !pinned(index, other))
        {
            moves.push(given_up);
            moves.sort_by_key(|&other| (span(other).0, other));
        }
        let over_limit = limit.is_some_and(|limit| mine.len() - moves.len() + 1 > limit);
        if over_limit || moves.iter().any(|&other| pinned(index, other)) {
            continue;
        }
        let load = mine.len() - moves.len();
        let reasons = reasons(problem, target, covering, &moves, (load + 1, limit));
        found.push((
            moves.len(),
            load,
            Replacement {
                artist: index,
                moves,
                reasons,
            },
        ));
    }
    found.sort_by(|(moves_a, load_a, a), (moves_b, load_b, b)| {
        let (artist_a, artist_b) = (&problem.artists[a.artist], &problem.artists[b.artist]);
        (moves_a, load_a, &artist_a.name, artist_a.id).cmp(&(
            moves_b,
            load_b,
            &artist_b.name,
            artist_b.id,
        ))
    });
    found.into_iter().map(|(_, _, found)| found).collect()
}

/// Free now, or which assignments would move; then the availability and,
/// under a limit, how many slots the artist would hold.
fn reasons(
    problem: &Problem,
    target: &Slot,
    covering: (i64, i64),
    moves: &[usize],
    (held, limit): (usize, Option<usize>),
) -> Vec<String> {
    let mut reasons = Vec::with_capacity(3);
    if moves.is_empty() {
        reasons.push("free now".to_owned());
    } else {
        let slots: Vec<String> = moves
            .iter()
            .map(|&other| explain::slot_at(&problem.slots[other], target))
            .collect();
        reasons.push(format!("would leave {}", slots.join(", ")));
    }
    reasons.push(explain::available(covering));
    if let Some(limit) = limit {
        reasons.push(format!("would hold {held} of at most {limit} slots"));
    }
    reasons
}
