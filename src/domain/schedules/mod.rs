//! Kept schedules: a planning stored with its slots, rules and
//! assignments, to adjust by hand, publish and re-plan.
//!
//! Every change to a schedule runs in one transaction that first raises
//! its `version` by one (`changes::lock`): the row's lock (PostgreSQL) or
//! the database's write lock (SQLite) makes changes to one schedule run
//! one after the other, and a change that fails, or changes nothing,
//! rolls its version back with it.

mod board;
mod changes;
mod evaluate;
mod listing;
mod live;
mod replan;
mod store;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::errors::DomainError;
use super::planning::{PlanningRequest, RulesRequest};
use crate::planning;

pub use changes::{ScheduleChanges, assign, delete, pin, publish, set_status, unassign, update};
pub use evaluate::{Evaluation, evaluate};
pub use listing::{SchedulePage, count, list};
pub use live::{Following, Live, Seen, Snapshot};
pub use replan::{Replacement, replacements, replan};
pub(crate) use store::artist_leaves;
pub use store::{ScheduleIds, create, create_with_ids, delete_all, of_assignment, read, read_many};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleStatus {
    Draft,
    Published,
}

impl ScheduleStatus {
    fn stored(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Published => "PUBLISHED",
        }
    }

    fn read(stored: &str) -> Result<Self, DomainError> {
        match stored {
            "DRAFT" => Ok(Self::Draft),
            "PUBLISHED" => Ok(Self::Published),
            other => Err(DomainError::internal(format!("schedule status {other:?}"))),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignmentStatus {
    Proposed,
    Confirmed,
    Declined,
}

impl AssignmentStatus {
    fn stored(self) -> &'static str {
        match self {
            Self::Proposed => "PROPOSED",
            Self::Confirmed => "CONFIRMED",
            Self::Declined => "DECLINED",
        }
    }

    fn read(stored: &str) -> Result<Self, DomainError> {
        match stored {
            "PROPOSED" => Ok(Self::Proposed),
            "CONFIRMED" => Ok(Self::Confirmed),
            "DECLINED" => Ok(Self::Declined),
            other => Err(DomainError::internal(format!(
                "assignment status {other:?}"
            ))),
        }
    }

    /// Whether the assignment fills a position (a declined one does not).
    pub fn fills(self) -> bool {
        self != Self::Declined
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledAssignment {
    pub id: Uuid,
    /// Index into its schedule's `slots`.
    pub slot: usize,
    pub artist_id: Uuid,
    pub status: AssignmentStatus,
    pub pinned: bool,
}

impl ScheduledAssignment {
    /// Whether re-plans keep it: pinned, or confirmed by the artist. Such
    /// an assignment is free of the maximum per artist, as a pin is.
    pub fn kept_by_replans(&self) -> bool {
        self.status.fills() && (self.pinned || self.status == AssignmentStatus::Confirmed)
    }
}

/// What a schedule is, without its slots and assignments: what a list of
/// schedules shows.
#[derive(Clone, Debug)]
pub struct Summary {
    pub id: Uuid,
    pub name: String,
    pub status: ScheduleStatus,
    pub version: i64,
    pub rules: RulesRequest,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A schedule as stored: slots sorted by start, then key; assignments in
/// the order they were made.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub summary: Summary,
    /// The artists it considers; all when `None`.
    pub artist_ids: Option<Vec<Uuid>>,
    pub slots: Vec<planning::Slot>,
    /// Each slot's row ID, by the slot's index.
    pub slot_ids: Vec<Uuid>,
    pub assignments: Vec<ScheduledAssignment>,
    /// Who declined which slot (index into `slots`, artist), kept after
    /// the declined assignment goes.
    pub refusals: Vec<(usize, Uuid)>,
}

impl Schedule {
    /// The slot with this key, by its index.
    pub fn slot_named(&self, key: &str) -> Option<usize> {
        self.slots.iter().position(|slot| slot.key == key)
    }

    /// The assignment with this ID, by its index.
    pub fn assignment_with(&self, id: Uuid) -> Option<usize> {
        self.assignments.iter().position(|a| a.id == id)
    }
}

/// One assignment of a schedule, in the schedule as a change left it.
#[derive(Clone, Debug)]
pub struct Assigned {
    pub schedule: Schedule,
    /// Index into the schedule's assignments.
    pub index: usize,
}

impl Assigned {
    /// Assignment `id` in `schedule`, which a change just left there.
    fn find(schedule: Schedule, id: Uuid) -> Result<Self, DomainError> {
        let index = schedule.assignment_with(id).ok_or_else(|| {
            DomainError::internal(format!("assignment {id} gone from its change"))
        })?;
        Ok(Self { schedule, index })
    }
}

/// A schedule to create: its name, and the planning request it keeps.
#[derive(Clone, Debug)]
pub struct NewSchedule {
    pub name: String,
    pub planning: PlanningRequest,
}

/// An assignment a change removed, and why (one sentence).
#[derive(Clone, Debug)]
pub struct Removal {
    pub id: Uuid,
    pub slot_key: String,
    pub artist_id: Uuid,
    pub reason: String,
}

/// What a change did to a schedule's assignments: the schedule after it,
/// the assignments it added (by ID), those it removed, and how many it
/// left as they were.
#[derive(Clone, Debug)]
pub struct Change {
    pub schedule: Schedule,
    pub added: Vec<Uuid>,
    pub removed: Vec<Removal>,
    pub kept: usize,
}

/// The artists a reading of `schedule` needs, by ID: those it lists, those
/// it assigns and `also`; all artists (`None`) when it lists none.
fn artists_needed(schedule: &Schedule, also: Option<Uuid>) -> Option<Vec<Uuid>> {
    schedule.artist_ids.as_ref().map(|listed| {
        let mut ids: Vec<Uuid> = listed.clone();
        ids.extend(schedule.assignments.iter().map(|a| a.artist_id));
        ids.extend(also);
        ids.sort_unstable();
        ids.dedup();
        ids
    })
}
