//! Tests of the planner through its public interface.
//!
//! `check` re-implements every hard rule directly on the public types, and
//! `brute_force` enumerates every planning, so neither shares code with the
//! planner they judge.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn t(minutes: i64) -> DateTime<Utc> {
    // 2025-06-01 00:00 UTC plus `minutes`.
    Utc.timestamp_opt(1_748_736_000 + minutes * 60, 0)
        .single()
        .unwrap_or_default()
}

fn artist(n: u128, name: &str, skills: &[&str], ranges: &[(i64, i64)]) -> Artist {
    Artist {
        id: Uuid::from_u128(n),
        name: name.to_string(),
        skills: skills.iter().map(|s| s.to_string()).collect(),
        availability: ranges
            .iter()
            .map(|&(s, e)| TimeRange {
                starts_at: t(s),
                ends_at: t(e),
            })
            .collect(),
    }
}

fn slot(key: &str, start: i64, end: i64, positions: u32, skills: &[&str]) -> Slot {
    Slot {
        key: key.to_string(),
        starts_at: t(start),
        ends_at: t(end),
        positions,
        required_skills: skills.iter().map(|s| s.to_string()).collect(),
        label: None,
    }
}

fn rules(max: Option<u32>, rest_minutes: i64) -> Rules {
    Rules {
        max_slots_per_artist: max,
        min_rest: TimeDelta::minutes(rest_minutes),
    }
}

fn problem(artists: Vec<Artist>, slots: Vec<Slot>, rules: Rules) -> Problem {
    Problem {
        artists,
        slots,
        rules,
        decisions: Decisions::default(),
    }
}

const HOUR: i64 = 60;

/// Every hard rule, checked on the public types.
fn check(p: &Problem, plan: &Planning) -> Result<(), String> {
    check_rules(p, &plan.assignments)?;
    check_figures(p, plan)
}

/// Every hard rule holds on these assignments, the pins among them.
fn check_rules(p: &Problem, assignments: &[Assignment]) -> Result<(), String> {
    let mut per_slot: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut per_artist: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for asg in assignments {
        let (s, a) = (
            p.slots.get(asg.slot).ok_or("bad slot index")?,
            p.artists.get(asg.artist).ok_or("bad artist index")?,
        );
        if asg.reasons.is_empty() || asg.reasons.len() > 3 {
            return Err(format!("{} reasons", asg.reasons.len()));
        }
        if !per_slot.entry(asg.slot).or_default().insert(asg.artist) {
            return Err(format!("{} twice on {}", a.name, s.key));
        }
        per_artist.entry(asg.artist).or_default().push(asg.slot);
        if !s.required_skills.iter().all(|r| a.skills.contains(r)) {
            return Err(format!("{} lacks skills for {}", a.name, s.key));
        }
        if !covered(a, s.starts_at, s.ends_at) {
            return Err(format!("{} not available for {}", a.name, s.key));
        }
    }
    for (s, artists) in &per_slot {
        if artists.len() > p.slots[*s].positions as usize {
            return Err(format!("{} overfilled", p.slots[*s].key));
        }
    }
    for pick in &p.decisions.refused {
        if per_slot
            .get(&pick.slot)
            .is_some_and(|on| on.contains(&pick.artist))
        {
            return Err(format!("refusal {pick:?} assigned"));
        }
    }
    for pick in &p.decisions.pinned {
        if !per_slot
            .get(&pick.slot)
            .is_some_and(|on| on.contains(&pick.artist))
        {
            return Err(format!("pin {pick:?} not kept"));
        }
    }
    let rest = p.rules.min_rest.max(TimeDelta::zero());
    for (a, slots) in &per_artist {
        if let Some(max) = p.rules.max_slots_per_artist {
            // A person may pin past the limit; the planner adds nothing then.
            let pinned = p
                .decisions
                .pinned
                .iter()
                .filter(|pick| pick.artist == *a)
                .count();
            if slots.len() > (max as usize).max(pinned) {
                return Err(format!("{} over the limit", p.artists[*a].name));
            }
        }
        for (i, &x) in slots.iter().enumerate() {
            for &y in &slots[i + 1..] {
                let (x, y) = (&p.slots[x], &p.slots[y]);
                let (first, second) = if x.starts_at <= y.starts_at {
                    (x, y)
                } else {
                    (y, x)
                };
                if second.starts_at - first.ends_at < rest {
                    return Err(format!(
                        "{} on {} and {} too close",
                        p.artists[*a].name, first.key, second.key
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The planning's figures agree with its assignments.
fn check_figures(p: &Problem, plan: &Planning) -> Result<(), String> {
    let filled = instance::ix(plan.assignments.len());
    if plan.stats.filled != filled {
        return Err("stats.filled".into());
    }
    if filled > plan.stats.filled_upper_bound {
        return Err(format!(
            "filled {filled} above bound {}",
            plan.stats.filled_upper_bound
        ));
    }
    let missing: u32 = plan.unfilled.iter().map(|u| u.missing).sum();
    let positions: u32 = p.slots.iter().map(|s| s.positions).sum();
    if missing + filled != positions {
        return Err("missing + filled != positions".into());
    }
    Ok(())
}

/// Whether the union of the artist's ranges (touching ones joined) covers
/// `[start, end)`: walk forward from `start` through ranges reaching it.
fn covered(a: &Artist, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    let mut reach = start;
    loop {
        if reach >= end {
            return true;
        }
        let next = a
            .availability
            .iter()
            .filter(|r| r.starts_at <= reach && r.ends_at > reach)
            .map(|r| r.ends_at)
            .max();
        match next {
            Some(e) => reach = e,
            None => return false,
        }
    }
}

fn valid_together(p: &Problem, x: usize, y: usize) -> bool {
    let rest = p.rules.min_rest.max(TimeDelta::zero());
    let (x, y) = (&p.slots[x], &p.slots[y]);
    let (first, second) = if x.starts_at <= y.starts_at {
        (x, y)
    } else {
        (y, x)
    };
    second.starts_at - first.ends_at >= rest
}

/// Best (filled, -squares) over every valid planning, by enumeration.
/// Pins (valid ones: the callers make them so) are placed first and
/// count in the fill and the loads; refused pairs are never made.
fn brute_force(p: &Problem) -> (u32, u64) {
    let (filled, _, squares) = brute_force_replanning(p);
    (filled, squares)
}

/// Best (filled, kept, -squares) over every valid planning, by
/// enumeration: `kept` counts the assignments of `p.decisions.previous`
/// the planning holds.
fn brute_force_replanning(p: &Problem) -> (u32, usize, u64) {
    let pinned = |s: usize, a: usize| p.decisions.pinned.contains(&Pick { slot: s, artist: a });
    let refused = |s: usize, a: usize| p.decisions.refused.contains(&Pick { slot: s, artist: a });
    let qualified: Vec<Vec<usize>> = p
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (0..p.artists.len())
                .filter(|&a| {
                    let art = &p.artists[a];
                    s.starts_at < s.ends_at
                        && s.required_skills.iter().all(|r| art.skills.contains(r))
                        && covered(art, s.starts_at, s.ends_at)
                        && !refused(i, a)
                        && !pinned(i, a)
                })
                .collect()
        })
        .collect();
    let mut taken: Vec<Vec<usize>> = vec![Vec::new(); p.artists.len()];
    let mut pins = vec![0u32; p.slots.len()];
    let mut pins_of = vec![0usize; p.artists.len()];
    for pick in &p.decisions.pinned {
        taken[pick.artist].push(pick.slot);
        pins[pick.slot] += 1;
        pins_of[pick.artist] += 1;
    }
    let context = Context {
        qualified,
        pins,
        pins_of,
    };
    let mut best = (0u32, 0usize, u64::MAX);
    struct Context {
        qualified: Vec<Vec<usize>>,
        /// Pins on each slot.
        pins: Vec<u32>,
        /// Pins of each artist.
        pins_of: Vec<usize>,
    }
    fn go(
        p: &Problem,
        c: &Context,
        s: usize,
        taken: &mut Vec<Vec<usize>>,
        filled: u32,
        best: &mut (u32, usize, u64),
    ) {
        if s == p.slots.len() {
            let sq: u64 = taken.iter().map(|t| (t.len() as u64).pow(2)).sum();
            let kept = taken
                .iter()
                .enumerate()
                .flat_map(|(a, slots)| slots.iter().map(move |&s| Pick { slot: s, artist: a }))
                .filter(|pick| p.decisions.previous.contains(pick))
                .count();
            if (filled, kept, std::cmp::Reverse(sq)) > (best.0, best.1, std::cmp::Reverse(best.2)) {
                *best = (filled, kept, sq);
            }
            return;
        }
        let cands = &c.qualified[s];
        let pinned_here = c.pins[s];
        for mask in 0u32..(1 << cands.len()) {
            if mask.count_ones() + pinned_here > p.slots[s].positions {
                continue;
            }
            let chosen: Vec<usize> = (0..cands.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| cands[i])
                .collect();
            // Pins are in `taken` from the start: past the limit they
            // leave no room, and they clash like any slot.
            let ok = chosen.iter().all(|&a| {
                p.rules
                    .max_slots_per_artist
                    .is_none_or(|m| taken[a].len() < (m as usize).max(c.pins_of[a]))
                    && taken[a].iter().all(|&o| valid_together(p, o, s))
            });
            if !ok {
                continue;
            }
            for &a in &chosen {
                taken[a].push(s);
            }
            go(
                p,
                c,
                s + 1,
                taken,
                filled + instance::ix(chosen.len()) + pinned_here,
                best,
            );
            for &a in &chosen {
                taken[a].pop();
            }
        }
    }
    go(p, &context, 0, &mut taken, 0, &mut best);
    if best.2 == u64::MAX {
        best.2 = 0;
    }
    best
}

fn squares(plan: &Planning) -> u64 {
    let mut load: BTreeMap<usize, u64> = BTreeMap::new();
    for a in &plan.assignments {
        *load.entry(a.artist).or_default() += 1;
    }
    load.values().map(|l| l * l).sum()
}

/// The planning in terms of slot keys and artist ids, for comparisons
/// across input orders.
type Canon = (
    Vec<(String, Uuid, Vec<String>)>,
    Vec<(String, u32, UnfilledReason, String)>,
    String,
);

fn canon(p: &Problem, plan: &Planning) -> Canon {
    (
        plan.assignments
            .iter()
            .map(|a| {
                (
                    p.slots[a.slot].key.clone(),
                    p.artists[a.artist].id,
                    a.reasons.clone(),
                )
            })
            .collect(),
        plan.unfilled
            .iter()
            .map(|u| {
                (
                    p.slots[u.slot].key.clone(),
                    u.missing,
                    u.reason,
                    u.explanation.clone(),
                )
            })
            .collect(),
        format!("{:?}", plan.stats),
    )
}

fn pairs(p: &Problem, plan: &Planning) -> Vec<(String, String)> {
    plan.assignments
        .iter()
        .map(|a| {
            (
                p.slots[a.slot].key.clone(),
                p.artists[a.artist].name.clone(),
            )
        })
        .collect()
}

fn pair(s: &str, a: &str) -> (String, String) {
    (s.to_string(), a.to_string())
}

// ---------------------------------------------------------------- rules --

#[test]
fn touching_availabilities_are_merged() {
    let p = problem(
        vec![
            artist(
                1,
                "Ana",
                &[],
                &[(20 * HOUR, 22 * HOUR), (18 * HOUR, 20 * HOUR)],
            ),
            artist(
                2,
                "Bo",
                &[],
                &[(18 * HOUR, 20 * HOUR), (20 * HOUR + 1, 22 * HOUR)],
            ),
        ],
        vec![slot("s", 19 * HOUR, 21 * HOUR, 2, &[])],
        rules(None, 0),
    );
    let plan = plan(&p);
    check(&p, &plan).unwrap();
    assert_eq!(pairs(&p, &plan), vec![pair("s", "Ana")]);
    assert_eq!(plan.assignments[0].reasons[0], "available 18:00-22:00");
}

#[test]
fn availability_must_cover_the_whole_slot() {
    let p = problem(
        vec![artist(1, "Ana", &[], &[(18 * HOUR, 20 * HOUR)])],
        vec![slot("s", 19 * HOUR, 21 * HOUR, 1, &[])],
        rules(None, 0),
    );
    let plan = plan(&p);
    assert!(plan.assignments.is_empty());
    assert_eq!(plan.unfilled[0].reason, UnfilledReason::NoArtistAvailable);
    assert_eq!(
        plan.unfilled[0].explanation,
        "No artist is available for the whole of s (2025-06-01 19:00-21:00); 1 artist covers part of it, e.g. Ana (18:00-20:00): extend an availability or shorten the slot."
    );
}

#[test]
fn every_required_skill_is_needed() {
    let p = problem(
        vec![
            artist(1, "Ana", &["light"], &[(0, 24 * HOUR)]),
            artist(2, "Bo", &["light", "sound"], &[(0, 24 * HOUR)]),
        ],
        vec![slot("s", 10 * HOUR, 12 * HOUR, 2, &["light", "sound"])],
        rules(None, 0),
    );
    let plan = plan(&p);
    check(&p, &plan).unwrap();
    assert_eq!(pairs(&p, &plan), vec![pair("s", "Bo")]);
    assert_eq!(plan.assignments[0].reasons[1], "has skills: light, sound");
}

#[test]
fn no_two_overlapping_slots() {
    let p = problem(
        vec![artist(1, "Ana", &[], &[(0, 24 * HOUR)])],
        vec![
            slot("a", 10 * HOUR, 12 * HOUR, 1, &[]),
            slot("b", 11 * HOUR, 13 * HOUR, 1, &[]),
        ],
        rules(None, 0),
    );
    let plan = plan(&p);
    check(&p, &plan).unwrap();
    assert_eq!(plan.stats.filled, 1);
    assert_eq!(plan.stats.filled_upper_bound, 1);
}

#[test]
fn touching_slots_are_fine_without_rest() {
    let p = problem(
        vec![artist(1, "Ana", &[], &[(0, 24 * HOUR)])],
        vec![
            slot("a", 10 * HOUR, 12 * HOUR, 1, &[]),
            slot("b", 12 * HOUR, 14 * HOUR, 1, &[]),
        ],
        rules(None, 0),
    );
    let plan = plan(&p);
    assert_eq!(plan.stats.filled, 2);
    assert_eq!(
        plan.assignments[0].reasons,
        vec!["available 00:00-24:00", "1st of 2 slots"]
    );
}

#[test]
fn a_pin_past_the_limit_is_kept_and_one_against_a_hard_rule_is_not() {
    let mut p = problem(
        vec![
            artist(1, "Ana", &["sound"], &[(0, 24 * HOUR)]),
            artist(2, "Bo", &[], &[(0, 24 * HOUR)]),
        ],
        vec![
            slot("a", 10 * HOUR, 12 * HOUR, 1, &[]),
            slot("b", 13 * HOUR, 15 * HOUR, 1, &[]),
            slot("c", 14 * HOUR, 16 * HOUR, 1, &["sound"]),
            slot("d", 20 * HOUR, 22 * HOUR, 2, &[]),
        ],
        rules(Some(1), 0),
    );
    let pick = |slot, artist| Pick { slot, artist };
    p.decisions.pinned = vec![
        // Ana twice: past her limit of one, as a person decided.
        pick(0, 0),
        pick(1, 0),
        // Ana again, on a slot that overlaps b: not kept.
        pick(2, 0),
        // Bo lacks the skill c requires: not kept.
        pick(2, 1),
        // No such slot: not kept.
        pick(9, 1),
        // Bo declined d: not kept.
        pick(3, 1),
    ];
    p.decisions.refused = vec![pick(3, 1)];
    let plan = plan(&p);
    assert_eq!(
        pairs(&p, &plan),
        vec![pair("a", "Ana"), pair("b", "Ana")],
        "{plan:?}"
    );
    assert_eq!(plan.assignments[0].reasons[0], "pinned");
    // Bo refused d, and Ana is at her limit: d stays empty.
    assert_eq!(plan.stats.filled_upper_bound, 2);
    let unkept = |pin, why| UnkeptPin { pin, why };
    assert_eq!(
        plan.unkept_pins,
        vec![
            unkept(2, PinProblem::Clashes { with: 1 }),
            unkept(3, PinProblem::LacksSkills),
            unkept(4, PinProblem::Unknown),
            unkept(5, PinProblem::Refused),
        ]
    );
}

#[test]
fn minimum_rest_is_respected() {
    let slots = vec![
        slot("a", 10 * HOUR, 12 * HOUR, 1, &[]),
        slot("b", 13 * HOUR, 15 * HOUR, 1, &[]),
    ];
    let ana = artist(1, "Ana", &[], &[(0, 24 * HOUR)]);
    let tight = problem(vec![ana.clone()], slots.clone(), rules(None, 2 * HOUR));
    let plan_tight = plan(&tight);
    check(&tight, &plan_tight).unwrap();
    assert_eq!(plan_tight.stats.filled, 1);
    assert_eq!(plan_tight.stats.filled_upper_bound, 1);
    assert_eq!(
        plan_tight.unfilled[0].explanation,
        "1 artist is available for b (2025-06-01 13:00-15:00) but is booked: Ana is on a at 10:00 (2h rest needed)."
    );
    let exact = problem(vec![ana], slots, rules(None, HOUR));
    assert_eq!(plan(&exact).stats.filled, 2);
}

#[test]
fn max_slots_per_artist_is_respected() {
    let p = problem(
        vec![artist(1, "Ana", &[], &[(0, 24 * HOUR)])],
        vec![
            slot("a", 10 * HOUR, 12 * HOUR, 1, &[]),
            slot("b", 14 * HOUR, 16 * HOUR, 1, &[]),
        ],
        rules(Some(1), 0),
    );
    let plan = plan(&p);
    check(&p, &plan).unwrap();
    assert_eq!(plan.stats.filled, 1);
    assert_eq!(plan.unfilled[0].reason, UnfilledReason::CandidatesExhausted);
    assert_eq!(
        plan.unfilled[0].explanation,
        "1 artist is available for b (2025-06-01 14:00-16:00) but is booked: Ana has reached the limit of 1 slot."
    );
    assert_eq!(plan.assignments[0].reasons[1], "only slot (limit 1)");
}

#[test]
fn positions_cap_each_slot() {
    let p = problem(
        (1..=3)
            .map(|i| artist(i, &format!("A{i}"), &[], &[(0, 24 * HOUR)]))
            .collect(),
        vec![slot("s", 10 * HOUR, 12 * HOUR, 2, &[])],
        rules(None, 0),
    );
    let plan = plan(&p);
    check(&p, &plan).unwrap();
    assert_eq!(pairs(&p, &plan), vec![pair("s", "A1"), pair("s", "A2")]);
    assert!(plan.unfilled.is_empty());
}

#[test]
fn one_position_per_slot_per_artist() {
    let p = problem(
        vec![artist(1, "Ana", &["rigging"], &[(0, 24 * HOUR)])],
        vec![slot("s", 10 * HOUR, 12 * HOUR, 3, &["rigging"])],
        rules(None, 0),
    );
    let plan = plan(&p);
    check(&p, &plan).unwrap();
    assert_eq!(plan.stats.filled, 1);
    assert_eq!(plan.unfilled[0].missing, 2);
    assert_eq!(plan.unfilled[0].reason, UnfilledReason::CandidatesExhausted);
    assert_eq!(
        plan.unfilled[0].explanation,
        "Only 1 artist with the skill 'rigging' is available for s (2025-06-01 10:00-12:00) and already on it: make 2 more artists available or reduce the positions."
    );
}

#[test]
fn windows_detect_clean_time_grids() {
    let windows_of = |slots: Vec<Slot>, rest: i64| {
        let p = problem(
            vec![artist(1, "Ana", &[], &[(0, 24 * HOUR)])],
            slots,
            rules(None, rest),
        );
        let inst = instance::Instance::new(&p, usize::MAX);
        let (_, count, clean) = relax::windows(&inst, &inst.artists[0].groups);
        (count, clean)
    };
    let grid = vec![
        slot("a", 0, 2 * HOUR, 1, &[]),
        slot("b", 0, 2 * HOUR, 1, &[]),
        slot("c", 2 * HOUR, 4 * HOUR, 1, &[]),
        slot("d", 4 * HOUR, 6 * HOUR, 1, &[]),
    ];
    assert_eq!(windows_of(grid, 0), (3, true));
    let staircase = vec![
        slot("a", 0, 2 * HOUR, 1, &[]),
        slot("b", HOUR, 3 * HOUR, 1, &[]),
        slot("c", 2 * HOUR, 4 * HOUR, 1, &[]),
    ];
    assert_eq!(windows_of(staircase, 0), (2, false));
    // With one hour of rest, back-to-back slots conflict: a pair is one
    // window, a chain of three is not clean.
    let pair = vec![
        slot("a", 0, 2 * HOUR, 1, &[]),
        slot("b", 2 * HOUR, 4 * HOUR, 1, &[]),
    ];
    assert_eq!(windows_of(pair.clone(), HOUR), (1, true));
    let mut chain = pair;
    chain.push(slot("c", 4 * HOUR, 6 * HOUR, 1, &[]));
    assert_eq!(windows_of(chain, HOUR), (2, false));
}

// ----------------------------------------------------------- tie-breaks --

#[test]
fn load_is_balanced() {
    let p = problem(
        vec![
            artist(1, "Ana", &[], &[(0, 24 * HOUR)]),
            artist(2, "Bo", &[], &[(0, 24 * HOUR)]),
        ],
        vec![
            slot("a", 10 * HOUR, 12 * HOUR, 1, &[]),
            slot("b", 12 * HOUR, 14 * HOUR, 1, &[]),
        ],
        rules(None, 0),
    );
    let plan = plan(&p);
    assert_eq!(plan.stats.max_load, 1);
    assert_eq!(plan.stats.artists_assigned, 2);
}

#[test]
fn balance_also_with_partial_overlaps() {
    // Not a clean time grid (b overlaps a and c partially): local search and
    // exhaustive search path.
    let p = problem(
        vec![
            artist(1, "Ana", &[], &[(0, 24 * HOUR)]),
            artist(2, "Bo", &[], &[(0, 24 * HOUR)]),
        ],
        vec![
            slot("a", 10 * HOUR, 12 * HOUR, 1, &[]),
            slot("b", 11 * HOUR, 13 * HOUR, 1, &[]),
            slot("c", 12 * HOUR, 14 * HOUR, 1, &[]),
            slot("d", 15 * HOUR, 16 * HOUR, 1, &[]),
        ],
        rules(None, 0),
    );
    let plan = plan(&p);
    check(&p, &plan).unwrap();
    assert_eq!(plan.stats.filled, 4);
    assert_eq!(plan.stats.max_load, 2);
    assert_eq!(plan.stats.filled_upper_bound, 4);
}

#[test]
fn output_does_not_depend_on_input_order() {
    let artists = vec![
        artist(3, "Cy", &["sound"], &[(8 * HOUR, 20 * HOUR)]),
        artist(1, "Ana", &["light", "sound"], &[(0, 24 * HOUR)]),
        artist(2, "Bo", &[], &[(9 * HOUR, 15 * HOUR)]),
        artist(4, "Di", &["light"], &[(10 * HOUR, 23 * HOUR)]),
    ];
    let slots = vec![
        slot("x", 10 * HOUR, 12 * HOUR, 2, &[]),
        slot("y", 10 * HOUR, 12 * HOUR, 2, &["sound"]),
        slot("z", 12 * HOUR, 14 * HOUR, 3, &[]),
        slot("w", 13 * HOUR, 15 * HOUR, 1, &["light"]),
    ];
    let base = problem(artists.clone(), slots.clone(), rules(Some(2), 30));
    let expected = canon(&base, &plan(&base));
    for rot in 1..4 {
        let mut a = artists.clone();
        let mut s = slots.clone();
        a.rotate_left(rot);
        s.reverse();
        s.rotate_left(rot);
        let shuffled = problem(a, s, rules(Some(2), 30));
        assert_eq!(canon(&shuffled, &plan(&shuffled)), expected);
    }
}

#[test]
fn output_is_sorted() {
    let mut late = slot("a-late", 20 * HOUR, 21 * HOUR, 2, &[]);
    late.label = Some("Main stage".into());
    let p = problem(
        vec![
            artist(9, "Zoe", &[], &[(0, 24 * HOUR)]),
            artist(2, "Al", &[], &[(0, 24 * HOUR)]),
        ],
        vec![
            late,
            slot("b", 10 * HOUR, 11 * HOUR, 1, &[]),
            slot("d", 30 * HOUR, 31 * HOUR, 1, &[]),
            slot("a", 10 * HOUR, 11 * HOUR, 1, &[]),
            slot("c", 30 * HOUR, 31 * HOUR, 1, &[]),
            slot("z", 5 * HOUR, 6 * HOUR, 1, &["light"]),
        ],
        rules(None, 0),
    );
    let plan = plan(&p);
    let slot_keys: Vec<String> = pairs(&p, &plan).into_iter().map(|(s, _)| s).collect();
    assert_eq!(slot_keys, vec!["a", "b", "a-late", "a-late"]);
    assert_eq!(
        pairs(&p, &plan)[2..],
        [pair("a-late", "Al"), pair("a-late", "Zoe")]
    );
    let keys: Vec<&str> = plan
        .unfilled
        .iter()
        .map(|u| p.slots[u.slot].key.as_str())
        .collect();
    assert_eq!(keys, vec!["z", "c", "d"]);
    assert_eq!(
        plan.assignments[3].reasons,
        vec!["available 00:00-24:00", "2nd of 2 slots"]
    );
}

// ------------------------------------------------------ unfilled reasons --

#[test]
fn nobody_at_all_is_available() {
    let p = problem(
        vec![artist(1, "Ana", &[], &[(0, HOUR)])],
        vec![slot("s", 10 * HOUR, 12 * HOUR, 1, &[])],
        rules(None, 0),
    );
    let plan = plan(&p);
    assert_eq!(plan.unfilled[0].reason, UnfilledReason::NoArtistAvailable);
    assert_eq!(
        plan.unfilled[0].explanation,
        "No artist is available at any time during s (2025-06-01 10:00-12:00): add availabilities or move the slot."
    );
}

#[test]
fn nobody_has_the_skills() {
    let p = problem(
        vec![
            artist(1, "Ana", &["light"], &[(0, 24 * HOUR)]),
            artist(2, "Bo", &[], &[(0, 24 * HOUR)]),
        ],
        vec![slot("s", 10 * HOUR, 12 * HOUR, 1, &["light", "rigging"])],
        rules(None, 0),
    );
    let plan = plan(&p);
    assert_eq!(plan.unfilled[0].reason, UnfilledReason::NoArtistWithSkills);
    assert_eq!(
        plan.unfilled[0].explanation,
        "2 artists are available for s (2025-06-01 10:00-12:00) but none has all of the skills 'light' and 'rigging'; closest is Ana, who lacks 'rigging'."
    );
}

#[test]
fn candidates_used_up_elsewhere() {
    let mut b = slot("stage-b-20", 20 * HOUR, 22 * HOUR, 2, &["rigging"]);
    b.label = Some("stage-B".into());
    let p = problem(
        vec![
            artist(1, "Ana", &["rigging"], &[(18 * HOUR, 26 * HOUR)]),
            artist(2, "Bo", &["rigging"], &[(18 * HOUR, 26 * HOUR)]),
        ],
        vec![b, slot("stage-a-21", 21 * HOUR, 23 * HOUR, 1, &["rigging"])],
        rules(None, 0),
    );
    let plan = plan(&p);
    check(&p, &plan).unwrap();
    assert_eq!(plan.stats.filled, 2);
    let u = &plan.unfilled[0];
    assert_eq!(p.slots[u.slot].key, "stage-a-21");
    assert_eq!(u.reason, UnfilledReason::CandidatesExhausted);
    assert_eq!(
        u.explanation,
        "2 artists with the skill 'rigging' are available for stage-a-21 (2025-06-01 21:00-23:00) but both are booked: Ana is on stage-B at 20:00, Bo is on stage-B at 20:00."
    );
    assert_eq!(
        plan.assignments[0].reasons[0],
        "available 2025-06-01 18:00 to 2025-06-02 02:00"
    );
}

// ------------------------------------------------------- degenerate input --

#[test]
fn degenerate_inputs_do_not_panic() {
    let empty = problem(vec![], vec![], rules(None, 0));
    let plan_empty = plan(&empty);
    assert_eq!(plan_empty.stats.coverage, 1.0);
    assert_eq!(plan_empty.stats.filled_upper_bound, 0);

    let no_artists = problem(vec![], vec![slot("s", 0, 60, 2, &[])], rules(None, 0));
    assert_eq!(plan(&no_artists).unfilled[0].missing, 2);

    let weird = problem(
        vec![
            artist(1, "Ana", &["x"], &[(0, 24 * HOUR), (5, 5), (30, 10)]),
            artist(1, "Ana", &["x"], &[(0, 24 * HOUR)]),
        ],
        vec![
            slot("zero", 0, 60, 0, &[]),
            slot("inverted", 60, 0, 1, &[]),
            slot("empty", 60, 60, 1, &[]),
            slot("huge", 0, 60, u32::MAX, &["x"]),
            slot("dup", 0, 60, 1, &[]),
            slot("dup", 0, 60, 1, &[]),
        ],
        Rules {
            max_slots_per_artist: Some(u32::MAX),
            min_rest: TimeDelta::MAX,
        },
    );
    let plan_weird = plan(&weird);
    assert!(plan_weird.stats.filled <= plan_weird.stats.filled_upper_bound);
    assert_eq!(plan_weird.stats.positions, u32::MAX);

    let negative_rest = problem(
        vec![artist(1, "Ana", &[], &[(0, 24 * HOUR)])],
        vec![slot("a", 0, 120, 1, &[]), slot("b", 60, 180, 1, &[])],
        Rules {
            max_slots_per_artist: Some(0),
            min_rest: TimeDelta::MIN,
        },
    );
    let plan_neg = plan(&negative_rest);
    assert_eq!(plan_neg.stats.filled, 0);
    check(&negative_rest, &plan_neg).unwrap();

    // A hugely negative rest still forbids overlaps (and counts as zero).
    let overlapping = problem(
        vec![artist(1, "Ana", &[], &[(0, 24 * HOUR)])],
        vec![
            slot("a", 0, 120, 1, &[]),
            slot("b", 60, 180, 1, &[]),
            slot("c", 180, 240, 1, &[]),
        ],
        Rules {
            max_slots_per_artist: None,
            min_rest: TimeDelta::MIN,
        },
    );
    let plan_overlap = plan(&overlapping);
    check(&overlapping, &plan_overlap).unwrap();
    assert_eq!(plan_overlap.stats.filled, 2);
}

/// Reference optimum for grid instances (every slot starts on a shared grid
/// and lasts one grid step, no rest): a plain min-cost flow, one unit per
/// Bellman-Ford path, on the unaggregated network source -> artist (unit
/// arcs costing 1, 3, 5, ...) -> (artist, start) -> slot -> sink.
fn grid_reference(p: &Problem) -> (u32, u64) {
    struct Net {
        to: Vec<usize>,
        cap: Vec<i64>,
        cost: Vec<i64>,
        adj: Vec<Vec<usize>>,
    }
    impl Net {
        fn arc(&mut self, u: usize, v: usize, cap: i64, cost: i64) {
            for (a, b, c, k) in [(u, v, cap, cost), (v, u, 0, -cost)] {
                self.adj[a].push(self.to.len());
                self.to.push(b);
                self.cap.push(c);
                self.cost.push(k);
            }
        }
    }
    let starts: Vec<DateTime<Utc>> = p
        .slots
        .iter()
        .map(|s| s.starts_at)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (na, ns, nt) = (p.artists.len(), p.slots.len(), starts.len());
    let artist = |a: usize| 2 + a;
    let window = |a: usize, w: usize| 2 + na + a * nt + w;
    let slot_node = |s: usize| 2 + na + na * nt + s;
    let n = 2 + na + na * nt + ns;
    let mut net = Net {
        to: vec![],
        cap: vec![],
        cost: vec![],
        adj: vec![vec![]; n],
    };
    let limit = p
        .rules
        .max_slots_per_artist
        .map_or(ns, |m| (m as usize).min(ns));
    for a in 0..na {
        for k in 1..=i64::from(instance::ix(limit)) {
            net.arc(0, artist(a), 1, 2 * k - 1);
        }
        for w in 0..nt {
            net.arc(artist(a), window(a, w), 1, 0);
        }
    }
    for (i, s) in p.slots.iter().enumerate() {
        let w = starts.iter().position(|&t| t == s.starts_at).unwrap_or(0);
        for (a, art) in p.artists.iter().enumerate() {
            if s.required_skills.iter().all(|r| art.skills.contains(r))
                && covered(art, s.starts_at, s.ends_at)
            {
                net.arc(window(a, w), slot_node(i), 1, 0);
            }
        }
        net.arc(slot_node(i), 1, i64::from(s.positions), 0);
    }
    let (mut flow, mut cost) = (0u32, 0i64);
    loop {
        let mut dist = vec![i64::MAX; n];
        let mut via = vec![usize::MAX; n];
        dist[0] = 0;
        for _ in 0..n {
            let mut changed = false;
            for u in 0..n {
                if dist[u] == i64::MAX {
                    continue;
                }
                for &e in &net.adj[u] {
                    let v = net.to[e];
                    if net.cap[e] > 0 && dist[u] + net.cost[e] < dist[v] {
                        dist[v] = dist[u] + net.cost[e];
                        via[v] = e;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if dist[1] == i64::MAX {
            return (flow, cost.unsigned_abs());
        }
        let mut v = 1;
        while v != 0 {
            let e = via[v];
            net.cap[e] -= 1;
            net.cap[e ^ 1] += 1;
            v = net.to[e ^ 1];
        }
        flow += 1;
        cost += dist[1];
    }
}

// ------------------------------------------------------------ proptests --

/// Raw material for a random instance: slots as (start unit, length units,
/// positions, skill mask), artists as (skill mask, ranges), rules.
type Raw = (
    Vec<(i64, i64, u32, u8)>,
    Vec<(u8, Vec<(i64, i64)>)>,
    Option<u32>,
    i64,
);

fn build(raw: &Raw, unit: i64, grid: bool) -> Problem {
    const SKILLS: [&str; 3] = ["light", "rigging", "sound"];
    let names = |mask: u8| -> Vec<&str> {
        SKILLS
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, s)| *s)
            .collect()
    };
    let slots = raw
        .0
        .iter()
        .enumerate()
        .map(|(i, &(start, len, positions, mask))| {
            let (start, len) = if grid {
                (start / 2 * 2, 2)
            } else {
                (start, len)
            };
            slot(
                &format!("s{i:02}"),
                start * unit,
                (start + len) * unit,
                positions,
                &names(mask & 0b011),
            )
        })
        .collect();
    let artists = raw
        .1
        .iter()
        .enumerate()
        .map(|(i, (mask, ranges))| {
            let ranges: Vec<(i64, i64)> = ranges
                .iter()
                .map(|&(s, l)| (s * unit, (s + l) * unit))
                .collect();
            artist(i as u128 + 1, &format!("a{i}"), &names(*mask), &ranges)
        })
        .collect();
    let rest = if grid { 0 } else { raw.3 * unit };
    problem(artists, slots, rules(raw.2, rest))
}

fn raw(max_slots: usize, max_artists: usize) -> impl Strategy<Value = Raw> {
    (
        prop::collection::vec((0i64..12, 1i64..5, 0u32..4, 0u8..8), 0..=max_slots),
        prop::collection::vec(
            (0u8..8, prop::collection::vec((0i64..12, 1i64..10), 0..4)),
            0..=max_artists,
        ),
        prop::option::of(0u32..4),
        0i64..3,
    )
}

/// Denser instances: long availabilities, many overlapping slots, more
/// candidate pairs than the exhaustive search takes, so the local search
/// does the work.
fn dense(max_slots: usize, max_artists: usize) -> impl Strategy<Value = Raw> {
    (
        prop::collection::vec((0i64..24, 1i64..6, 1u32..4, 0u8..3), 1..=max_slots),
        prop::collection::vec(
            (0u8..8, prop::collection::vec((0i64..10, 8i64..30), 1..3)),
            1..=max_artists,
        ),
        prop::option::of(1u32..5),
        0i64..3,
    )
}

fn shuffled(p: &Problem, seed: u64) -> Problem {
    // Deterministic Fisher-Yates with a splitmix64 stream.
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    // Uniform enough in 0..=i for tests; the modulo of a usize-sized value.
    let pick = |r: u64, i: usize| (r.to_le_bytes()[0] as usize) % (i + 1);
    let mut slot_order: Vec<usize> = (0..p.slots.len()).collect();
    for i in (1..slot_order.len()).rev() {
        slot_order.swap(i, pick(next(), i));
    }
    let mut artist_order: Vec<usize> = (0..p.artists.len()).collect();
    for i in (1..artist_order.len()).rev() {
        artist_order.swap(i, pick(next(), i));
    }
    // Where each slot and artist went, for the decisions' indices.
    let new_index =
        |order: &[usize], old: usize| order.iter().position(|&i| i == old).unwrap_or(old);
    let moved = |picks: &[Pick]| -> Vec<Pick> {
        picks
            .iter()
            .map(|pick| Pick {
                slot: new_index(&slot_order, pick.slot),
                artist: new_index(&artist_order, pick.artist),
            })
            .rev()
            .collect()
    };
    Problem {
        slots: slot_order.iter().map(|&i| p.slots[i].clone()).collect(),
        artists: artist_order.iter().map(|&i| p.artists[i].clone()).collect(),
        rules: p.rules.clone(),
        decisions: Decisions {
            pinned: moved(&p.decisions.pinned),
            refused: moved(&p.decisions.refused),
            previous: moved(&p.decisions.previous),
        },
    }
}

/// How many assignments of the previous planning `plan` keeps.
fn kept(p: &Problem, plan: &Planning) -> usize {
    plan.assignments
        .iter()
        .filter(|asg| p.decisions.previous.contains(&asg.pick()))
        .count()
}

/// Decisions a stage manager could take about `p`, re-planning a planning
/// of it (the previous one): some of its assignments pinned (chosen by
/// the bits of `pins`), the pairs `refusals` names refused (unless
/// pinned), and with `tighten` the limit lowered to one slot, below what
/// some pins and the previous planning hold.
fn decided(p: &Problem, pins: u64, refusals: &[(usize, usize)], tighten: bool) -> Problem {
    let mut q = p.clone();
    let planning = plan(p);
    // The planning people kept: every assignment of the plan before the
    // decisions, some of which they now break (refusals, a lower limit).
    q.decisions.previous = planning.assignments.iter().map(Assignment::pick).collect();
    q.decisions.pinned = planning
        .assignments
        .iter()
        .enumerate()
        .filter(|(k, _)| pins & (1 << (k % 64)) != 0)
        .map(|(_, asg)| asg.pick())
        .collect();
    if !p.slots.is_empty() && !p.artists.is_empty() {
        q.decisions.refused = refusals
            .iter()
            .map(|&(s, a)| Pick {
                slot: s % p.slots.len(),
                artist: a % p.artists.len(),
            })
            .filter(|pick| !q.decisions.pinned.contains(pick))
            .collect();
    }
    if tighten {
        q.rules.max_slots_per_artist = Some(1);
    }
    q
}

/// Every hard rule holds, a grid is solved exactly, and shuffling the
/// input changes nothing.
fn valid_and_order_independent(p: &Problem, grid: bool, seed: u64) -> Result<(), TestCaseError> {
    let out = plan(p);
    prop_assert_eq!(check(p, &out), Ok(()));
    if grid {
        prop_assert_eq!(out.stats.filled, out.stats.filled_upper_bound);
    }
    let q = shuffled(p, seed);
    prop_assert_eq!(canon(&q, &plan(&q)), canon(p, &out));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn plannings_respect_every_rule(raw in raw(14, 10), grid in any::<bool>(), seed in any::<u64>()) {
        valid_and_order_independent(&build(&raw, 30, grid), grid, seed)?;
    }

    #[test]
    fn dense_plannings_respect_every_rule(raw in dense(30, 14), grid in any::<bool>(), seed in any::<u64>()) {
        valid_and_order_independent(&build(&raw, 30, grid), grid, seed)?;
    }

    #[test]
    fn windows_are_cliques_and_clean_means_no_cross_conflict(raw in dense(30, 6)) {
        let p = build(&raw, 30, false);
        let inst = instance::Instance::new(&p, usize::MAX);
        for artist in &inst.artists {
            let (window, _, clean) = relax::windows(&inst, &artist.groups);
            let mut cross = false;
            for (x, &gx) in artist.groups.iter().enumerate() {
                for (y, &gy) in artist.groups.iter().enumerate().skip(x + 1) {
                    let (a, b) = (&inst.groups[gx as usize], &inst.groups[gy as usize]);
                    let clash = instance::conflict(a.start, a.ext_end, b.start, b.ext_end);
                    if window[x] == window[y] {
                        prop_assert!(clash, "window members must conflict");
                    } else {
                        cross |= clash;
                    }
                }
            }
            prop_assert_eq!(clean, !cross);
        }
    }

    #[test]
    fn pruned_candidate_lists_stay_valid(raw in raw(14, 10), grid in any::<bool>(), budget in 1usize..40) {
        let p = build(&raw, 30, grid);
        let budgets = Budgets { pairs: budget, ..Budgets::DEFAULT };
        let out = plan_with(&p, budgets);
        prop_assert_eq!(check(&p, &out), Ok(()));
        let q = shuffled(&p, budget as u64);
        prop_assert_eq!(canon(&q, &plan_with(&q, budgets)), canon(&p, &out));
    }

    #[test]
    fn small_instances_are_solved_optimally(raw in raw(4, 4), grid in any::<bool>()) {
        let mut raw = raw;
        for s in &mut raw.0 {
            s.2 = s.2.min(2);
        }
        let p = build(&raw, 30, grid);
        let out = plan(&p);
        prop_assert_eq!(check(&p, &out), Ok(()));
        let (best, best_squares) = brute_force(&p);
        prop_assert_eq!(out.stats.filled, best);
        prop_assert_eq!(out.stats.filled_upper_bound, best);
        prop_assert_eq!(squares(&out), best_squares);
    }

    /// The integer program alone (no exhaustive search to fall back on)
    /// finds the best fill and proves it, on instances a brute force
    /// checks: overlapping slots, rest times and limits included.
    #[test]
    fn the_integer_program_proves_the_best_fill(raw in dense(9, 3)) {
        let mut raw = raw;
        for s in &mut raw.0 {
            s.2 = s.2.min(2);
        }
        let p = build(&raw, 30, false);
        let out = plan_with(&p, Budgets { exhaustive_pairs: 0, ..Budgets::DEFAULT });
        prop_assert_eq!(check(&p, &out), Ok(()));
        let (best, _) = brute_force(&p);
        prop_assert_eq!(out.stats.filled, best);
        prop_assert_eq!(out.stats.filled_upper_bound, best);
    }

    /// Re-planning, the integer program alone keeps the most of the
    /// previous planning among the plannings filling the most.
    #[test]
    fn the_integer_program_changes_the_fewest_assignments(
        raw in dense(9, 3),
        pins in any::<u64>(),
        refusals in prop::collection::vec((0usize..9, 0usize..3), 0..4),
        tighten in any::<bool>(),
    ) {
        let mut raw = raw;
        for s in &mut raw.0 {
            s.2 = s.2.min(2);
        }
        let p = decided(&build(&raw, 30, false), pins, &refusals, tighten);
        let out = plan_with(&p, Budgets { exhaustive_pairs: 0, ..Budgets::DEFAULT });
        prop_assert_eq!(check(&p, &out), Ok(()));
        let (best, best_kept, _) = brute_force_replanning(&p);
        prop_assert_eq!(out.stats.filled, best);
        prop_assert_eq!(kept(&p, &out), best_kept);
    }

    /// However little the proof may do (no pairs, or no branch-and-bound
    /// node past the root), the planning holds every rule and its bound
    /// stays above the best any planning fills.
    #[test]
    fn a_spent_proof_budget_leaves_a_valid_bound(
        raw in dense(9, 3),
        pairs in 0usize..40,
        nodes in 0u64..3,
    ) {
        let mut raw = raw;
        for s in &mut raw.0 {
            s.2 = s.2.min(2);
        }
        let p = build(&raw, 30, false);
        let budgets = Budgets {
            proof: proof::ProofBudget { pairs, nodes },
            exhaustive_pairs: 0,
            ..Budgets::DEFAULT
        };
        let out = plan_with(&p, budgets);
        prop_assert_eq!(check(&p, &out), Ok(()));
        let (best, _) = brute_force(&p);
        prop_assert!(out.stats.filled_upper_bound >= best);
    }

    /// Instances the size of the dense property tests (up to 30 slots and
    /// 14 artists, most of them past the exhaustive search) are proven
    /// optimal within the default budget.
    #[test]
    fn dense_instances_are_proven_optimal(raw in dense(30, 14)) {
        let p = build(&raw, 30, false);
        let out = plan(&p);
        prop_assert_eq!(out.stats.filled, out.stats.filled_upper_bound);
    }

    /// Pins are kept (past the limit too), refusals never assigned, every
    /// other rule held, and the input's order changes nothing.
    #[test]
    fn decisions_are_kept(
        raw in raw(14, 10),
        grid in any::<bool>(),
        pins in any::<u64>(),
        refusals in prop::collection::vec((0usize..20, 0usize..20), 0..6),
        tighten in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let p = decided(&build(&raw, 30, grid), pins, &refusals, tighten);
        let out = plan(&p);
        prop_assert_eq!(check(&p, &out), Ok(()));
        prop_assert_eq!(&out.unkept_pins, &Vec::new());
        let q = shuffled(&p, seed);
        prop_assert_eq!(canon(&q, &plan(&q)), canon(&p, &out));
    }

    /// With pins and refusals, the fill is still the best any planning
    /// keeping them reaches, and proven; so is the balance, pins weighed.
    #[test]
    fn decided_instances_are_solved_optimally(
        raw in raw(5, 5),
        pins in any::<u64>(),
        refusals in prop::collection::vec((0usize..5, 0usize..5), 0..4),
        tighten in any::<bool>(),
    ) {
        let mut raw = raw;
        for s in &mut raw.0 {
            s.2 = s.2.min(2);
        }
        let p = decided(&build(&raw, 30, false), pins, &refusals, tighten);
        let out = plan(&p);
        prop_assert_eq!(check(&p, &out), Ok(()));
        let (best, best_kept, best_squares) = brute_force_replanning(&p);
        prop_assert_eq!(out.stats.filled, best);
        prop_assert_eq!(out.stats.filled_upper_bound, best);
        prop_assert_eq!(kept(&p, &out), best_kept);
        prop_assert_eq!(squares(&out), best_squares);
    }

    #[test]
    fn medium_grid_instances_match_a_reference_flow(raw in raw(24, 12)) {
        let p = build(&raw, 30, true);
        let out = plan(&p);
        prop_assert_eq!(check(&p, &out), Ok(()));
        let (best, best_squares) = grid_reference(&p);
        prop_assert_eq!(out.stats.filled, best);
        prop_assert_eq!(out.stats.filled_upper_bound, best);
        prop_assert_eq!(squares(&out), best_squares);
    }

    #[test]
    fn grid_instances_are_solved_optimally(raw in raw(5, 5)) {
        let mut raw = raw;
        for s in &mut raw.0 {
            s.2 = s.2.min(2);
        }
        let p = build(&raw, 30, true);
        let out = plan(&p);
        let (best, best_squares) = brute_force(&p);
        prop_assert_eq!(out.stats.filled, best);
        prop_assert_eq!(out.stats.filled_upper_bound, best);
        prop_assert_eq!(squares(&out), best_squares);
    }
}

#[test]
fn replacements_list_who_could_cover_a_slot_fewest_moves_first() {
    let all_day = [(0, 24 * HOUR)];
    let mut p = problem(
        vec![
            artist(1, "Ana", &["sound"], &all_day),
            artist(2, "Bo", &["sound"], &all_day),
            artist(3, "Cy", &["sound"], &all_day),
            artist(4, "Di", &["sound"], &all_day),
            artist(5, "Ed", &[], &all_day),
            artist(6, "Flo", &["sound"], &[(0, 19 * HOUR)]),
            artist(7, "Gus", &["sound"], &all_day),
        ],
        vec![
            slot("B-20", 20 * HOUR, 22 * HOUR, 1, &["sound"]),
            slot("A-19", 19 * HOUR, 21 * HOUR, 1, &[]),
            slot("C-10", 10 * HOUR, 12 * HOUR, 1, &[]),
            slot("D-14", 14 * HOUR, 16 * HOUR, 1, &[]),
        ],
        rules(Some(2), 0),
    );
    let pick = |slot, artist| Pick { slot, artist };
    p.decisions.pinned = vec![pick(1, 3)];
    p.decisions.refused = vec![pick(0, 6)];
    let held: Vec<Pick> = [(0, 0), (1, 1), (2, 2), (3, 2), (1, 3)]
        .into_iter()
        .map(|(slot, artist)| pick(slot, artist))
        .collect();
    let found = replacements(&p, &held, 0);
    let names: Vec<(&str, usize)> = found
        .iter()
        .map(|r| (p.artists[r.artist].name.as_str(), r.moves.len()))
        .collect();
    // Ana is on it; Ed lacks the skill; Flo leaves at 19:00; Gus declined
    // it; Di's A-19 is pinned. Bo would leave A-19; Cy, at the limit of
    // two, would give up D-14.
    assert_eq!(names, vec![("Bo", 1), ("Cy", 1)]);
    assert_eq!(found[0].moves, vec![1]);
    assert_eq!(
        found[0].reasons,
        vec![
            "would leave A-19 at 19:00",
            "available 00:00-24:00",
            "would hold 1 of at most 2 slots"
        ]
    );
    assert_eq!(found[1].moves, vec![3]);

    // Without the limit, Cy is free now and comes first.
    p.rules.max_slots_per_artist = None;
    let found = replacements(&p, &held, 0);
    assert_eq!(p.artists[found[0].artist].name, "Cy");
    assert_eq!(found[0].moves, Vec::<usize>::new());
    assert_eq!(found[0].reasons, vec!["free now", "available 00:00-24:00"]);
    assert!(replacements(&p, &held, 99).is_empty());
}
/// The effort scales the proof: on this instance (19 overlapping slots,
/// 12 artists, where the exhaustive search does not reach) the default
/// effort proves the fill, while the least effort keeps the flow's bound,
/// and both plannings hold every rule.
#[test]
fn a_smaller_effort_proves_less() {
    let slots = vec![
        (2, 4, 1, 2),
        (4, 1, 1, 0),
        (6, 1, 1, 0),
        (6, 2, 2, 1),
        (1, 1, 1, 0),
        (7, 1, 1, 0),
        (14, 4, 1, 0),
        (0, 1, 1, 0),
        (0, 1, 1, 0),
        (0, 1, 1, 1),
        (6, 3, 2, 1),
        (7, 1, 1, 1),
        (2, 1, 1, 0),
        (5, 1, 1, 0),
        (0, 1, 1, 0),
        (0, 1, 1, 0),
        (0, 1, 1, 0),
        (8, 5, 1, 0),
        (1, 2, 1, 0),
    ];
    let mut artists = vec![(2, vec![(0, 8)]), (6, vec![(0, 8)])];
    artists.extend(std::iter::repeat_n((2, vec![(0, 8)]), 2));
    artists.extend(std::iter::repeat_n((0, vec![(0, 8)]), 7));
    artists.push((0, vec![(0, 8), (0, 18)]));
    let p = build(&(slots, artists, None, 2), 30, false);
    let least = Effort::new(Effort::LEAST).unwrap_or_else(|| panic!("the least effort"));
    let hasty = plan_with_effort(&p, least);
    let default = plan(&p);
    assert_eq!(check(&p, &hasty), Ok(()));
    assert_eq!(check(&p, &default), Ok(()));
    assert_eq!(default.stats.filled, default.stats.filled_upper_bound);
    assert!(hasty.stats.filled_upper_bound > hasty.stats.filled);
    assert!(hasty.stats.filled_upper_bound > default.stats.filled_upper_bound);
}

#[test]
fn an_effort_is_a_factor_from_the_least_to_the_most() {
    for factor in [Effort::LEAST, 0.5, 1.0, Effort::MOST] {
        assert_eq!(Effort::new(factor).map(Effort::factor), Some(factor));
    }
    for refused in [0.0, -1.0, 0.009, 100.5, f64::NAN, f64::INFINITY] {
        assert_eq!(Effort::new(refused), None, "{refused}");
    }
    let halved = Effort::new(0.5).map(Effort::budgets);
    assert_eq!(halved.map(|b| b.search), Some(Budgets::DEFAULT.search / 2));
    assert_eq!(
        halved.map(|b| b.proof.pairs),
        Some(Budgets::DEFAULT.proof.pairs / 2)
    );
    assert_eq!(halved.map(|b| b.pairs), Some(Budgets::DEFAULT.pairs));
    assert_eq!(Effort::default(), Effort::DEFAULT);
}

/// Assignments made by hand, checked in the order they were made: each
/// rule a later one breaks is named once, with a sentence naming the
/// artist, the slot and the rule.
#[test]
fn assignments_made_by_hand_are_checked_against_every_rule() {
    let h = |hour: i64| hour * 60;
    let ana = artist(1, "Ana", &["light"], &[(h(18), h(23))]);
    let bo = artist(2, "Bo", &[], &[(h(10), h(12))]);
    let slots = vec![
        slot("a", h(19), h(21), 1, &["light"]),
        slot("b", h(20), h(22), 2, &[]),
        slot("c", h(21) + 30, h(23), 1, &[]),
    ];
    let mut p = problem(vec![ana, bo], slots, rules(Some(2), 60));
    p.decisions.refused = vec![Pick { slot: 2, artist: 0 }];
    let pick = |slot, artist| Pick { slot, artist };
    let picks = [pick(0, 0), pick(1, 0), pick(0, 1), pick(2, 0), pick(9, 0)];
    let found = breaches(&p, &picks, |_| false);
    assert_eq!(
        found,
        vec![
            vec![],
            vec![Breach::Clashes { with: 0 }],
            vec![
                Breach::NotAvailable,
                Breach::LacksSkills(vec!["light".into()]),
                Breach::SlotFull
            ],
            vec![
                Breach::Refused,
                Breach::Clashes { with: 0 },
                Breach::OverLimit
            ],
            vec![Breach::Unknown],
        ]
    );
    let said: Vec<Vec<String>> = found
        .iter()
        .enumerate()
        .map(|(index, broken)| {
            broken
                .iter()
                .map(|b| sentence(&p, &picks, index, b))
                .collect()
        })
        .collect();
    assert_eq!(said[1], vec!["Ana is on a at 19:00"]);
    assert_eq!(
        said[2],
        vec![
            "Bo is not available 2025-06-01 19:00-21:00",
            "Bo lacks light",
            "a has no position left: all 1 taken"
        ]
    );
    assert_eq!(
        said[3],
        vec![
            "Ana declined c",
            "Ana is on a at 19:00 (1h rest needed)",
            "Ana would exceed the limit of 2 slots per artist"
        ]
    );
    assert_eq!(said[4], vec!["names no slot or artist of this schedule"]);
    // A pinned assignment is free of the limit, of no other rule.
    let exempt = breaches(&p, &picks, |index| index == 3);
    assert_eq!(
        exempt[3],
        vec![Breach::Refused, Breach::Clashes { with: 0 }]
    );
}

proptest! {
    /// The checker and the planner hold the same rules: nothing the
    /// planner assigns breaks one, in whichever order it is checked.
    #[test]
    fn the_planners_assignments_break_no_rule(raw in dense(14, 8)) {
        let p = build(&raw, 30, false);
        let out = plan(&p);
        let mut picks: Vec<Pick> = out.assignments.iter().map(Assignment::pick).collect();
        prop_assert!(breaches(&p, &picks, |_| false).iter().all(Vec::is_empty));
        picks.reverse();
        prop_assert!(breaches(&p, &picks, |_| false).iter().all(Vec::is_empty));
    }

    /// An assignment never breaks a rule because of a later one, and one
    /// that breaks none holds every rule with all those before it (the
    /// brute force's own check).
    #[test]
    fn earlier_assignments_answer_for_nothing_later(
        raw in dense(10, 6),
        made in prop::collection::vec((0usize..10, 0usize..6), 0..16),
    ) {
        let p = build(&raw, 30, false);
        let picks: Vec<Pick> = made
            .iter()
            .map(|&(slot, artist)| Pick { slot: slot % p.slots.len(), artist: artist % p.artists.len() })
            .collect();
        let all = breaches(&p, &picks, |_| false);
        for k in 0..=picks.len() {
            prop_assert_eq!(&breaches(&p, &picks[..k], |_| false)[..], &all[..k]);
        }
        // The picks that break nothing, each with those kept before it,
        // form a valid planning.
        let mut kept: Vec<Pick> = Vec::new();
        for pick in &picks {
            let mut with = kept.clone();
            with.push(*pick);
            if breaches(&p, &with, |_| false).iter().all(Vec::is_empty) {
                kept = with;
            }
        }
        // Removing each breaking assignment as it is found leaves the same.
        let removing = breaches_removing(&p, &picks, |_| false, |_, found| !found.is_empty());
        let left: Vec<Pick> = picks
            .iter()
            .zip(&removing)
            .filter(|(_, found)| found.is_empty())
            .map(|(pick, _)| *pick)
            .collect();
        prop_assert_eq!(&left, &kept);
        let assignments: Vec<Assignment> = kept
            .iter()
            .map(|pick| Assignment { slot: pick.slot, artist: pick.artist, reasons: vec!["by hand".into()] })
            .collect();
        prop_assert_eq!(check_rules(&p, &assignments), Ok(()));
    }
}

proptest! {
    /// A schedule that holds the planner's planning reads as that
    /// planning: the same assignments and reasons, the same empty
    /// positions and explanations, the same figures and bound, with
    /// decisions or without.
    #[test]
    fn a_kept_planning_reads_as_the_planner_answered(
        raw in dense(12, 8),
        pins in any::<u64>(),
        refusals in prop::collection::vec((0usize..12, 0usize..8), 0..3),
        decide in any::<bool>(),
    ) {
        let built = build(&raw, 30, false);
        let p = if decide { decided(&built, pins, &refusals, false) } else { built };
        let planned = plan(&p);
        let picks: Vec<Pick> = planned.assignments.iter().map(Assignment::pick).collect();
        let held = evaluate(&p, &picks, Effort::DEFAULT);
        prop_assert_eq!(&held.assignments, &planned.assignments);
        prop_assert_eq!(&held.unfilled, &planned.unfilled);
        prop_assert_eq!(held.stats, planned.stats);
    }
}

/// Taken off by hand, an assignment leaves its position empty and the
/// bound where it was; added by hand past the rules, it still fills a
/// position, and the bound never reads below the fill.
#[test]
fn a_kept_planning_counts_what_it_holds() {
    let h = |hour: i64| hour * 60;
    let ana = artist(1, "Ana", &[], &[(h(18), h(23))]);
    let bo = artist(2, "Bo", &[], &[(h(18), h(23))]);
    let p = problem(
        vec![ana, bo],
        vec![
            slot("early", h(18), h(20), 1, &[]),
            slot("late", h(19), h(21), 1, &[]),
        ],
        rules(None, 0),
    );
    let planned = plan(&p);
    assert_eq!(
        (planned.stats.filled, planned.stats.filled_upper_bound),
        (2, 2)
    );
    let picks: Vec<Pick> = planned.assignments.iter().map(Assignment::pick).collect();

    let fewer = evaluate(&p, &picks[1..], Effort::DEFAULT);
    assert_eq!((fewer.stats.filled, fewer.stats.filled_upper_bound), (1, 2));
    assert_eq!(fewer.unfilled.len(), 1);
    assert_eq!(fewer.unfilled[0].slot, picks[0].slot);
    assert_eq!(fewer.unfilled[0].missing, 1);

    // Both on both slots: two of the four overlap for each artist.
    let all: Vec<Pick> = (0..2)
        .flat_map(|slot| (0..2).map(move |artist| Pick { slot, artist }))
        .collect();
    let crowded = evaluate(&p, &all, Effort::DEFAULT);
    assert_eq!(crowded.stats.filled, 4);
    assert_eq!(crowded.stats.filled_upper_bound, 4);
    assert!(crowded.unfilled.is_empty());
}
