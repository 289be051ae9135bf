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

use super::instance::{Instance, conflict, covering_range, ix};
use super::model::Problem;

/// The pins that hold every hard rule, as canonical (slot, artist) pairs
/// in canonical order. Taken in that order, a pin is left out when its
/// slot or artist does not exist, the artist is not available for the
/// whole slot, lacks a required skill or declined the slot, the slot is
/// full of earlier pins, or the artist's earlier pins clash with it.
pub(crate) fn kept(problem: &Problem, inst: &Instance) -> Vec<(u32, u32)> {
    let refused: BTreeSet<(usize, usize)> = problem
        .decisions
        .refused
        .iter()
        .map(|pick| (pick.slot, pick.artist))
        .collect();
    let mut pins: Vec<(u32, u32)> = problem
        .decisions
        .pinned
        .iter()
        .filter(|pick| !refused.contains(&(pick.slot, pick.artist)))
        .filter_map(|pick| {
            let s = *inst.slot_of_source.get(pick.slot)?;
            let a = *inst.artist_of_source.get(pick.artist)?;
            Some((s, a))
        })
        .collect();
    pins.sort_unstable();
    pins.dedup();

    let mut per_slot = vec![0u32; inst.slots.len()];
    let mut per_artist: Vec<Vec<u32>> = vec![Vec::new(); inst.artists.len()];
    pins.retain(|&(s, a)| {
        let slot = &inst.slots[s as usize];
        let artist = &inst.artists[a as usize];
        let source = &problem.slots[slot.source];
        let skills = &problem.artists[artist.source].skills;
        let holds = slot.start < slot.end
            && per_slot[s as usize] < slot.positions
            && covering_range(&artist.availability, slot.start, slot.end).is_some()
            && source
                .required_skills
                .iter()
                .all(|skill| skills.contains(skill))
            && per_artist[a as usize].iter().all(|&other| {
                let other = &inst.slots[other as usize];
                !conflict(other.start, other.ext_end, slot.start, slot.ext_end)
            });
        if holds {
            per_slot[s as usize] += 1;
            per_artist[a as usize].push(s);
        }
        holds
    });
    pins
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
