//! The `planning` query's inputs and outputs.

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};

use super::artist::Artist;
use crate::domain::planning::{
    AssignmentRequest, PlanningOutcome, PlanningRequest, RulesRequest, SlotRequest,
};
use crate::graphql::scalars::DateTime;
use crate::planning;

#[derive(InputObject, Clone, Debug)]
pub struct SlotInput {
    /// The client's own key for the slot, unique within one request.
    pub key: String,
    pub starts_at: DateTime,
    pub ends_at: DateTime,
    /// How many distinct artists the slot needs.
    #[graphql(default = 1)]
    pub positions: i32,
    /// An artist qualifies only if it has every one of these skills (normalized like Artist.skills).
    #[graphql(default)]
    pub required_skills: Vec<String>,
    /// Free text shown back to the client, e.g. a stage or venue.
    pub label: Option<String>,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct PlanningRules {
    /// At most this many slots for one artist; no limit when left out.
    pub max_slots_per_artist: Option<i32>,
    /// Minimum gap between the end of one of an artist's slots and the start of the next.
    #[graphql(default)]
    pub min_rest_minutes: i32,
}

/// An artist on a slot of this request.
#[derive(InputObject, Clone, Debug)]
pub struct SlotAssignmentInput {
    pub slot_key: String,
    pub artist_id: ID,
}

#[derive(InputObject, Clone, Debug)]
pub struct PlanningInput {
    pub slots: Vec<SlotInput>,
    /// Only these artists are considered; all artists when left out.
    pub artist_ids: Option<Vec<ID>>,
    pub rules: Option<PlanningRules>,
    /// Assignments kept as they are, even past maxSlotsPerArtist. Each must hold every other rule (availability, skills, positions, overlaps, rest): one that does not is a ValidationError.
    pub pinned: Option<Vec<SlotAssignmentInput>>,
    /// The planning being re-planned: once as many positions as possible are filled, as few of these assignments as possible change.
    pub previous: Option<Vec<SlotAssignmentInput>>,
}

impl From<SlotAssignmentInput> for AssignmentRequest {
    fn from(input: SlotAssignmentInput) -> Self {
        Self {
            slot_key: input.slot_key,
            artist_id: input.artist_id.0,
        }
    }
}

fn assignments(list: Option<Vec<SlotAssignmentInput>>) -> Vec<AssignmentRequest> {
    list.unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

impl From<SlotInput> for SlotRequest {
    fn from(slot: SlotInput) -> Self {
        Self {
            key: slot.key,
            starts_at: slot.starts_at.0,
            ends_at: slot.ends_at.0,
            positions: slot.positions,
            required_skills: slot.required_skills,
            label: slot.label,
        }
    }
}

impl From<PlanningRules> for RulesRequest {
    fn from(rules: PlanningRules) -> Self {
        Self {
            max_slots_per_artist: rules.max_slots_per_artist,
            min_rest_minutes: rules.min_rest_minutes,
        }
    }
}

impl From<PlanningInput> for PlanningRequest {
    fn from(input: PlanningInput) -> Self {
        Self {
            slots: input.slots.into_iter().map(Into::into).collect(),
            artist_ids: input
                .artist_ids
                .map(|ids| ids.into_iter().map(|id| id.0).collect()),
            rules: input.rules.unwrap_or_default().into(),
            pinned: assignments(input.pinned),
            previous: assignments(input.previous),
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnfilledReason {
    /// No considered artist is available for the whole slot.
    NoArtistAvailable,
    /// Some artists are available, but none has every required skill.
    NoArtistWithSkills,
    /// Qualified, available artists exist, but the rules or other slots use them up.
    CandidatesExhausted,
}

impl From<planning::UnfilledReason> for UnfilledReason {
    fn from(reason: planning::UnfilledReason) -> Self {
        match reason {
            planning::UnfilledReason::NoArtistAvailable => Self::NoArtistAvailable,
            planning::UnfilledReason::NoArtistWithSkills => Self::NoArtistWithSkills,
            planning::UnfilledReason::CandidatesExhausted => Self::CandidatesExhausted,
        }
    }
}

pub struct Assignment<'a> {
    slot: &'a planning::Slot,
    artist: &'a crate::domain::Artist,
    reasons: &'a [String],
}

#[Object]
impl Assignment<'_> {
    async fn slot_key(&self) -> &str {
        &self.slot.key
    }

    async fn starts_at(&self) -> DateTime {
        self.slot.starts_at.into()
    }

    async fn ends_at(&self) -> DateTime {
        self.slot.ends_at.into()
    }

    async fn artist(&self) -> Artist {
        Artist(self.artist.clone())
    }

    /// Why this artist fits this slot, most important first (at most 3).
    async fn reasons(&self) -> &[String] {
        self.reasons
    }
}

pub struct UnfilledSlot<'a> {
    slot: &'a planning::Slot,
    unfilled: &'a planning::UnfilledSlot,
}

impl<'a> UnfilledSlot<'a> {
    /// A planning's empty positions, in its order; `slots` are those its
    /// indices refer to.
    pub(crate) fn list(slots: &'a [planning::Slot], planning: &'a planning::Planning) -> Vec<Self> {
        planning
            .unfilled
            .iter()
            .filter_map(|unfilled| {
                Some(Self {
                    slot: slots.get(unfilled.slot)?,
                    unfilled,
                })
            })
            .collect()
    }
}

#[Object]
impl UnfilledSlot<'_> {
    async fn slot_key(&self) -> &str {
        &self.slot.key
    }

    async fn starts_at(&self) -> DateTime {
        self.slot.starts_at.into()
    }

    async fn ends_at(&self) -> DateTime {
        self.slot.ends_at.into()
    }

    /// Positions left empty.
    async fn missing(&self) -> i32 {
        saturating_i32(self.unfilled.missing)
    }

    async fn reason(&self) -> UnfilledReason {
        self.unfilled.reason.into()
    }

    /// One sentence a stage manager can act on.
    async fn explanation(&self) -> &str {
        &self.unfilled.explanation
    }
}

#[derive(SimpleObject)]
pub struct PlanningStats {
    slots: i32,
    positions: i32,
    filled: i32,
    /// filled / positions, 1.0 when there are no positions.
    coverage: f64,
    artists_considered: i32,
    artists_assigned: i32,
    /// Most slots given to one artist.
    max_load: i32,
    /// An upper bound on `filled` that no valid planning can beat; equal to filled when the planning is proven optimal.
    filled_upper_bound: i32,
}

impl From<&planning::Stats> for PlanningStats {
    fn from(stats: &planning::Stats) -> Self {
        Self {
            slots: saturating_i32(stats.slots),
            positions: saturating_i32(stats.positions),
            filled: saturating_i32(stats.filled),
            coverage: stats.coverage,
            artists_considered: saturating_i32(stats.artists_considered),
            artists_assigned: saturating_i32(stats.artists_assigned),
            max_load: saturating_i32(stats.max_load),
            filled_upper_bound: saturating_i32(stats.filled_upper_bound),
        }
    }
}

pub(crate) fn saturating_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

pub struct Planning(pub PlanningOutcome);

impl From<PlanningOutcome> for Planning {
    fn from(outcome: PlanningOutcome) -> Self {
        Self(outcome)
    }
}

#[Object]
impl Planning {
    /// Sorted by startsAt, then slotKey, then artist name.
    async fn assignments(&self) -> Vec<Assignment<'_>> {
        let outcome = &self.0;
        outcome
            .planning
            .assignments
            .iter()
            .filter_map(|assignment| {
                Some(Assignment {
                    slot: outcome.slots.get(assignment.slot)?,
                    artist: outcome.artist(assignment.artist)?,
                    reasons: &assignment.reasons,
                })
            })
            .collect()
    }

    /// Sorted by startsAt, then slotKey.
    async fn unfilled(&self) -> Vec<UnfilledSlot<'_>> {
        UnfilledSlot::list(&self.0.slots, &self.0.planning)
    }

    async fn stats(&self) -> PlanningStats {
        (&self.0.planning.stats).into()
    }
}
