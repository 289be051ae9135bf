//! Pinned assignments: kept as a person fixed them, and planned around.
//!
//! The search never sees a pin. It plans the *open* part of the problem:
//! each slot with its pinned positions taken off, each pinned artist with
//! its pins taken off its maximum and without the slots that clash with
//! them. The pins are added back to the planning it finds, so that every
//! step of the search, the flow, the proof and the exhaustive search work
//! unchanged, and the pins count in the figures and the explanations as
//! any assignment does.

use std::collections::BTreeSet;

use super::instance::{Instance, conflict, ix};
use super::model::{Pick, PinProblem, Problem, UnkeptPin};
use super::rules;

/// The pins that hold every hard rule, as canonical (slot, artist) pairs
/// in canonical order, and why each other pin was not kept. Taken in that
/// order, a pin is left out when its slot or artist does not exist, the
/// artist declined the slot, is not available for the whole slot or lacks
/// a required skill, the slot is full of earlier pins, or one of the
/// artist's earlier pins clashes with it.
pub(crate) fn kept(problem: &Problem, inst: &Instance) -> (Vec<(u32, u32)>, Vec<UnkeptPin>) {
    let refused: BTreeSet<Pick> = problem.decisions.refused.iter().copied().collect();
    let mut unkept = Vec::new();
    let mut pins: Vec<(u32, u32, usize)> = Vec::new();
    for (index, pick) in problem.decisions.pinned.iter().enumerate() {
        let found = (
            inst.slot_of_source.get(pick.slot),
            inst.artist_of_source.get(pick.artist),
        );
        match found {
            (Some(&s), Some(&a)) if !refused.contains(pick) => pins.push((s, a, index)),
            (Some(_), Some(_)) => unkept.push(UnkeptPin {
                pin: index,
                why: PinProblem::Refused,
            }),
            _ => unkept.push(UnkeptPin {
                pin: index,
                why: PinProblem::Unknown,
            }),
        }
    }
    pins.sort_unstable();

    let mut per_slot = vec![0u32; inst.slots.len()];
    // Per artist, its kept pins: (slot, index of the pin).
    let mut per_artist: Vec<Vec<(u32, usize)>> = vec![Vec::new(); inst.artists.len()];
    let mut kept = Vec::with_capacity(pins.len());
    for (s, a, index) in pins {
        let slot = &inst.slots[s as usize];
        let artist = &inst.artists[a as usize];
        let clash = per_artist[a as usize].iter().find(|&&(other, _)| {
            let other = &inst.slots[other as usize];
            conflict(other.start, other.ext_end, slot.start, slot.ext_end)
        });
        let source = &problem.slots[slot.source];
        let why = if kept.last() == Some(&(s, a)) {
            Some(PinProblem::Twice)
        } else if rules::covers(&artist.availability, source).is_none() {
            Some(PinProblem::NotAvailable)
        } else if !rules::lacking_skills(source, &problem.artists[artist.source]).is_empty() {
            Some(PinProblem::LacksSkills)
        } else if per_slot[s as usize] >= slot.positions {
            Some(PinProblem::SlotFull)
        } else {
            clash.map(|&(_, with)| PinProblem::Clashes { with })
        };
        match why {
            Some(why) => unkept.push(UnkeptPin { pin: index, why }),
            None => {
                per_slot[s as usize] += 1;
                per_artist[a as usize].push((s, index));
                kept.push((s, a));
            }
        }
    }
    unkept.sort_by_key(|unkept| unkept.pin);
    (kept, unkept)
}

/// The open part of the instance: positions, maximums and candidates left
/// once the pins are placed.
pub(crate) fn open(inst: &Instance, pins: &[(u32, u32)]) -> Instance {
    let mut open = inst.clone();
    for &(s, a) in pins {
        let slot = &inst.slots[s as usize];
        let open_slot = &mut open.slots[s as usize];
        open_slot.positions = open_slot.positions.saturating_sub(1);
        let artist = &mut open.artists[a as usize];
        artist.cap = artist.cap.saturating_sub(1);
        artist.pinned += 1;
        artist.groups.retain(|&g| {
            let group = &inst.groups[g as usize];
            !conflict(group.start, group.ext_end, slot.start, slot.ext_end)
        });
    }
    for group in &mut open.groups {
        group.artists.clear();
    }
    for (a, artist) in open.artists.iter().enumerate() {
        for &g in &artist.groups {
            open.groups[g as usize].artists.push(ix(a));
        }
    }
    open
}
