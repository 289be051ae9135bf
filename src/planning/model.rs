//! Public input and output types of the planner (the integration contract).

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

/// Half-open time range `[starts_at, ends_at)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRange {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A person who can be assigned to slots.
///
/// `skills` are normalized by the caller (trimmed, lower-case, sorted,
/// deduplicated). `availability` may come in any order and its ranges may
/// touch or overlap: the planner merges them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artist {
    pub id: Uuid,
    pub name: String,
    pub skills: Vec<String>,
    pub availability: Vec<TimeRange>,
}

/// A time slot needing `positions` distinct artists, each having every
/// skill of `required_skills` (normalized like [`Artist::skills`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub key: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub positions: u32,
    pub required_skills: Vec<String>,
    pub label: Option<String>,
}

/// Rules every planning must respect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Most slots one artist may take; `None` means no limit.
    pub max_slots_per_artist: Option<u32>,
    /// Minimum gap between the end of a slot and the start of the next slot
    /// of the same artist. Negative values are treated as zero.
    pub min_rest: TimeDelta,
}

/// One planning request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub artists: Vec<Artist>,
    pub slots: Vec<Slot>,
    pub rules: Rules,
    pub decisions: Decisions,
}

/// One artist on one slot, by their indices in the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pick {
    /// Index into `problem.slots`.
    pub slot: usize,
    /// Index into `problem.artists`.
    pub artist: usize,
}

/// What people decided about the planning, which the planner keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decisions {
    /// Assignments a person fixed: kept as they are, even past the maximum
    /// per artist, never past a hard rule (availability, skills, refusals,
    /// positions, overlaps, rest). A pin that breaks one is not kept, and
    /// [`Planning::unkept_pins`] says why.
    pub pinned: Vec<Pick>,
    /// Pairs never to make: the artist declined the slot.
    pub refused: Vec<Pick>,
    /// The planning being re-planned: as few of its assignments as
    /// possible change, once as many positions as possible are filled.
    pub previous: Vec<Pick>,
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Planning {
    /// Sorted by slot start, slot key, artist name, artist id.
    pub assignments: Vec<Assignment>,
    /// Sorted by slot start, slot key.
    pub unfilled: Vec<UnfilledSlot>,
    /// The pins that break a hard rule, by their index in
    /// `problem.decisions.pinned`; empty when every pin is kept.
    pub unkept_pins: Vec<UnkeptPin>,
    pub stats: Stats,
}

/// A pin the planning does not keep, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnkeptPin {
    /// Index into `problem.decisions.pinned`.
    pub pin: usize,
    pub why: PinProblem,
}

/// The hard rule a pin breaks. Pins are taken in the planner's canonical
/// order (slot start and key, then artist ID): of two that cannot both be
/// kept, the later one is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinProblem {
    /// Its slot or artist is not in the problem.
    Unknown,
    /// The same pin again.
    Twice,
    /// The artist declined the slot.
    Refused,
    /// The artist is not available for the whole slot.
    NotAvailable,
    /// The artist lacks a skill the slot requires.
    LacksSkills,
    /// The slot's positions are all pinned already.
    SlotFull,
    /// It overlaps, or leaves less than the minimum rest with, another pin
    /// of the same artist (its index in `problem.decisions.pinned`).
    Clashes { with: usize },
}

/// One artist on one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Index into `problem.slots`.
    pub slot: usize,
    /// Index into `problem.artists`.
    pub artist: usize,
    /// One to three short human reasons, most important first.
    pub reasons: Vec<String>,
}

impl Assignment {
    /// The artist on the slot, as decisions name them.
    pub fn pick(&self) -> Pick {
        Pick {
            slot: self.slot,
            artist: self.artist,
        }
    }
}

/// A slot with positions left empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfilledSlot {
    /// Index into `problem.slots`.
    pub slot: usize,
    /// Number of empty positions.
    pub missing: u32,
    pub reason: UnfilledReason,
    /// One actionable sentence for a stage manager.
    pub explanation: String,
}

/// Why a slot keeps empty positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnfilledReason {
    /// No artist is available for the whole slot.
    NoArtistAvailable,
    /// Some artists are available but none has every required skill.
    NoArtistWithSkills,
    /// Qualified, available artists exist but the rules or other slots use
    /// them up.
    CandidatesExhausted,
}

/// Summary figures of a planning.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub slots: u32,
    pub positions: u32,
    pub filled: u32,
    /// `filled / positions`, 1.0 when there is no position.
    pub coverage: f64,
    pub artists_considered: u32,
    pub artists_assigned: u32,
    /// Most slots given to one artist.
    pub max_load: u32,
    /// No valid planning fills more positions than this. Equal to `filled`
    /// when the planner proved its planning optimal.
    pub filled_upper_bound: u32,
}
