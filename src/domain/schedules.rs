//! Kept schedules: a planning stored with its slots, rules and
//! assignments, to adjust by hand, publish and re-plan.
//!
//! Every change to a schedule runs in one transaction that first raises
//! its `version` by one: the row's lock (PostgreSQL) or the database's
//! write lock (SQLite) makes changes to one schedule run one after the
//! other, and a change that fails rolls its version back with it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::errors::DomainError;
use super::planning::{PlanningOutcome, PlanningRequest, RulesRequest};
use super::records::ArtistDetails;
use super::validation::{self, Violations};
use super::{time, write};
use crate::entities::{
    schedule, schedule_artist, schedule_assignment, schedule_refusal, schedule_slot,
};
use crate::planning;

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

#[derive(Clone, Debug)]
pub struct ScheduledAssignment {
    pub id: Uuid,
    /// Index into its schedule's `slots`.
    pub slot: usize,
    pub artist_id: Uuid,
    pub status: AssignmentStatus,
    pub pinned: bool,
}

/// A schedule as stored: slots sorted by start, then key; assignments in
/// the order they were made.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub id: Uuid,
    pub name: String,
    pub status: ScheduleStatus,
    pub version: i64,
    pub rules: RulesRequest,
    /// The artists it considers; all when `None`.
    pub artist_ids: Option<Vec<Uuid>>,
    pub slots: Vec<planning::Slot>,
    pub assignments: Vec<ScheduledAssignment>,
    /// Who declined which slot (index into `slots`, artist), kept after
    /// the declined assignment goes.
    pub refusals: Vec<(usize, Uuid)>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A schedule to create: its name, and the planning request it keeps.
#[derive(Clone, Debug)]
pub struct NewSchedule {
    pub name: String,
    pub planning: PlanningRequest,
}

/// What a schedule's assignments are worth now, on current data: each
/// filling assignment's reasons and the hard rules it breaks, the
/// positions left empty and the figures, as `planning` words them.
#[derive(Debug)]
pub struct Evaluation {
    /// The artists it considers and those it assigns; `planning`'s
    /// assignments index them.
    pub artists: Vec<ArtistDetails>,
    pub planning: planning::Planning,
    pub reasons: HashMap<Uuid, Vec<String>>,
    pub problems: HashMap<Uuid, Vec<String>>,
}

/// Reads the schedule against today's artists: who is available, with
/// which skills, as the planner would explain a planning of its own.
pub async fn evaluate(
    db: &DatabaseConnection,
    schedule: &Schedule,
    effort: planning::Effort,
) -> Result<Evaluation, DomainError> {
    let ids = schedule.artist_ids.as_ref().map(|listed| {
        let mut ids: Vec<Uuid> = listed.clone();
        ids.extend(schedule.assignments.iter().map(|a| a.artist_id));
        ids.sort_unstable();
        ids.dedup();
        ids
    });
    let artists = super::artists::load_details(db, ids.as_deref()).await?;
    let artist_of: HashMap<Uuid, usize> = artists
        .iter()
        .enumerate()
        .map(|(index, details)| (details.artist.id, index))
        .collect();
    let pick = |slot: usize, artist: Uuid| {
        Some(planning::Pick {
            slot,
            artist: *artist_of.get(&artist)?,
        })
    };
    // The assignments that fill positions, in the order they were made.
    let filling: Vec<(&ScheduledAssignment, planning::Pick)> = schedule
        .assignments
        .iter()
        .filter(|a| a.status.fills())
        .filter_map(|a| Some((a, pick(a.slot, a.artist_id)?)))
        .collect();
    let kept = |a: &ScheduledAssignment| a.pinned || a.status == AssignmentStatus::Confirmed;
    let declined = schedule
        .assignments
        .iter()
        .filter(|a| !a.status.fills())
        .map(|a| (a.slot, a.artist_id));
    let refused: Vec<planning::Pick> = schedule
        .refusals
        .iter()
        .copied()
        .chain(declined)
        .filter_map(|(slot, artist)| pick(slot, artist))
        .collect();
    let problem = planning::Problem {
        artists: artists
            .iter()
            .map(super::planning::planner_artist)
            .collect(),
        slots: schedule.slots.clone(),
        rules: schedule.rules.for_planner(),
        decisions: planning::Decisions {
            pinned: filling
                .iter()
                .filter(|(a, _)| kept(a))
                .map(|&(_, p)| p)
                .collect(),
            refused,
            previous: Vec::new(),
        },
    };
    let picks: Vec<planning::Pick> = filling.iter().map(|&(_, p)| p).collect();
    let exempt: Vec<bool> = filling.iter().map(|(a, _)| a.pinned).collect();
    let exempt = move |i: usize| exempt.get(i).copied().unwrap_or(false);
    let id_of: HashMap<planning::Pick, Uuid> = filling.iter().map(|&(a, p)| (p, a.id)).collect();
    // The planner is CPU work: keep it off the threads that serve requests.
    let (planning, broken) = tokio::task::spawn_blocking(move || {
        let planning = planning::evaluate(&problem, &picks, effort);
        let broken: Vec<Vec<String>> = planning::breaches(&problem, &picks, exempt)
            .iter()
            .enumerate()
            .map(|(i, found)| {
                found
                    .iter()
                    .map(|breach| planning::sentence(&problem, &picks, i, breach))
                    .collect()
            })
            .collect();
        (planning, broken)
    })
    .await
    .map_err(DomainError::internal)?;
    let reasons = planning
        .assignments
        .iter()
        .filter_map(|a| Some((*id_of.get(&a.pick())?, a.reasons.clone())))
        .collect();
    let problems = filling
        .iter()
        .zip(broken)
        .map(|(&(a, _), sentences)| (a.id, sentences))
        .collect();
    Ok(Evaluation {
        artists,
        planning,
        reasons,
        problems,
    })
}

/// Plans the request as `planning` would and stores the result as a
/// DRAFT, every assignment PROPOSED, at version 1.
pub async fn create(
    db: &DatabaseConnection,
    input: NewSchedule,
    effort: planning::Effort,
) -> Result<Schedule, DomainError> {
    let mut violations = Violations::default();
    let name = validation::name(&input.name, "name", &mut violations);
    let rules = input.planning.rules.clone();
    let listed = input.planning.artist_ids.is_some();
    // The name's violations come with the slots' and rules', in one answer.
    let planned = super::planning::plan(db, input.planning, effort).await;
    let outcome = match (planned, violations.finish()) {
        (Ok(outcome), Ok(())) => outcome,
        (Err(DomainError::Validation(mut planning)), Err(DomainError::Validation(mut naming))) => {
            naming.append(&mut planning);
            return Err(DomainError::Validation(naming));
        }
        (Err(err), _) | (_, Err(err)) => return Err(err),
    };
    let id = Uuid::now_v7();
    store(db, id, &name, &rules, listed, &outcome).await?;
    get(db, id)
        .await?
        .ok_or_else(|| DomainError::internal(format!("schedule {id} gone after its creation")))
}

/// Writes a new schedule and its planning, in one transaction.
async fn store(
    db: &DatabaseConnection,
    id: Uuid,
    name: &str,
    rules: &RulesRequest,
    listed: bool,
    outcome: &PlanningOutcome,
) -> Result<(), DomainError> {
    let now = time::to_micros(time::now());
    let txn = write::begin(db).await?;
    schedule::Entity::insert(schedule::ActiveModel {
        id: Set(id),
        name: Set(name.to_owned()),
        status: Set(ScheduleStatus::Draft.stored().to_owned()),
        version: Set(1),
        max_slots_per_artist: Set(rules.max_slots_per_artist),
        min_rest_minutes: Set(rules.min_rest_minutes),
        artists_listed: Set(listed),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    if listed {
        let listing = outcome
            .artists
            .iter()
            .map(|details| schedule_artist::ActiveModel {
                schedule_id: Set(id),
                artist_id: Set(details.artist.id),
            });
        insert_all(&txn, listing.collect()).await?;
    }
    let slot_ids: Vec<Uuid> = outcome.slots.iter().map(|_| Uuid::now_v7()).collect();
    {
        let mut rows = Vec::with_capacity(outcome.slots.len());
        for (slot, &slot_id) in outcome.slots.iter().zip(&slot_ids) {
            rows.push(schedule_slot::ActiveModel {
                id: Set(slot_id),
                schedule_id: Set(id),
                key: Set(slot.key.clone()),
                starts_at: Set(time::to_micros(slot.starts_at)),
                ends_at: Set(time::to_micros(slot.ends_at)),
                positions: Set(i32::try_from(slot.positions).map_err(DomainError::internal)?),
                required_skills: Set(
                    serde_json::to_string(&slot.required_skills).map_err(DomainError::internal)?
                ),
                label: Set(slot.label.clone()),
            });
        }
        insert_all(&txn, rows).await?;
    }
    let assignments: Vec<schedule_assignment::ActiveModel> = outcome
        .planning
        .assignments
        .iter()
        .filter_map(|assignment| {
            Some(schedule_assignment::ActiveModel {
                id: Set(Uuid::now_v7()),
                slot_id: Set(*slot_ids.get(assignment.slot)?),
                artist_id: Set(outcome.artist(assignment.artist)?.id),
                status: Set(AssignmentStatus::Proposed.stored().to_owned()),
                pinned: Set(false),
                created_at: Set(now),
            })
        })
        .collect();
    insert_all(&txn, assignments).await?;
    txn.commit().await?;
    Ok(())
}

/// Rows per INSERT: far below SQLite's 32,766 bound parameters and
/// PostgreSQL's 65,535 for the widest row (eight columns), whatever the
/// size of the schedule.
const ROWS_PER_INSERT: usize = 1_000;

/// Inserts `rows`, a statement per `ROWS_PER_INSERT`.
async fn insert_all<A>(txn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DomainError>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// An artist is about to be deleted, in `txn`: every schedule that
/// assigns, lists or kept a refusal of them changes with them (the
/// cascades remove those rows), so its version grows by one.
pub(crate) async fn artist_leaves(
    txn: &impl ConnectionTrait,
    artist_id: Uuid,
) -> Result<(), DomainError> {
    use sea_orm::Condition;
    use sea_orm::sea_query::{Expr, ExprTrait};
    let slots_of = |slot_ids: sea_orm::sea_query::SelectStatement| {
        schedule_slot::Entity::find()
            .select_only()
            .column(schedule_slot::Column::ScheduleId)
            .filter(schedule_slot::Column::Id.in_subquery(slot_ids))
            .into_query()
    };
    let assigned = schedule_assignment::Entity::find()
        .select_only()
        .column(schedule_assignment::Column::SlotId)
        .filter(schedule_assignment::Column::ArtistId.eq(artist_id))
        .into_query();
    let refused = schedule_refusal::Entity::find()
        .select_only()
        .column(schedule_refusal::Column::SlotId)
        .filter(schedule_refusal::Column::ArtistId.eq(artist_id))
        .into_query();
    let listed = schedule_artist::Entity::find()
        .select_only()
        .column(schedule_artist::Column::ScheduleId)
        .filter(schedule_artist::Column::ArtistId.eq(artist_id))
        .into_query();
    schedule::Entity::update_many()
        .col_expr(
            schedule::Column::Version,
            Expr::col(schedule::Column::Version).add(1),
        )
        .col_expr(
            schedule::Column::UpdatedAt,
            Expr::value(time::to_micros(time::now())),
        )
        .filter(
            Condition::any()
                .add(schedule::Column::Id.in_subquery(slots_of(assigned)))
                .add(schedule::Column::Id.in_subquery(slots_of(refused)))
                .add(schedule::Column::Id.in_subquery(listed)),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// The schedule holding the assignment with this ID, if it exists.
pub async fn of_assignment(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<Option<Schedule>, DomainError> {
    let Some(assignment) = schedule_assignment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let Some(slot) = schedule_slot::Entity::find_by_id(assignment.slot_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    get(db, slot.schedule_id).await
}

/// The schedule with this ID, if it exists: four statements, whatever its
/// size.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Schedule>, DomainError> {
    let Some(row) = schedule::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let slot_rows = schedule_slot::Entity::find()
        .filter(schedule_slot::Column::ScheduleId.eq(id))
        .order_by_asc(schedule_slot::Column::StartsAt)
        .order_by_asc(schedule_slot::Column::Key)
        .all(db)
        .await?;
    let slot_of: HashMap<Uuid, usize> = slot_rows
        .iter()
        .enumerate()
        .map(|(index, slot)| (slot.id, index))
        .collect();
    let index_of = |slot_id: Uuid| {
        slot_of
            .get(&slot_id)
            .copied()
            .ok_or_else(|| DomainError::internal(format!("no slot {slot_id} in schedule {id}")))
    };
    // The schedule's slots, as the database finds them: no list of IDs
    // to bind, whatever their number.
    let its_slots = || {
        schedule_slot::Entity::find()
            .select_only()
            .column(schedule_slot::Column::Id)
            .filter(schedule_slot::Column::ScheduleId.eq(id))
            .into_query()
    };
    let assignment_rows = schedule_assignment::Entity::find()
        .filter(schedule_assignment::Column::SlotId.in_subquery(its_slots()))
        .order_by_asc(schedule_assignment::Column::CreatedAt)
        .order_by_asc(schedule_assignment::Column::Id)
        .all(db)
        .await?;
    let refusal_rows = schedule_refusal::Entity::find()
        .filter(schedule_refusal::Column::SlotId.in_subquery(its_slots()))
        .all(db)
        .await?;
    let artist_ids = if row.artists_listed {
        let listed = schedule_artist::Entity::find()
            .filter(schedule_artist::Column::ScheduleId.eq(id))
            .all(db)
            .await?;
        Some(listed.into_iter().map(|listed| listed.artist_id).collect())
    } else {
        None
    };

    let mut slots = Vec::with_capacity(slot_rows.len());
    for slot in &slot_rows {
        slots.push(planning::Slot {
            key: slot.key.clone(),
            starts_at: time::from_micros(slot.starts_at)?,
            ends_at: time::from_micros(slot.ends_at)?,
            positions: u32::try_from(slot.positions).map_err(DomainError::internal)?,
            required_skills: serde_json::from_str(&slot.required_skills)
                .map_err(DomainError::internal)?,
            label: slot.label.clone(),
        });
    }
    let mut assignments = Vec::with_capacity(assignment_rows.len());
    for assignment in assignment_rows {
        assignments.push(ScheduledAssignment {
            id: assignment.id,
            slot: index_of(assignment.slot_id)?,
            artist_id: assignment.artist_id,
            status: AssignmentStatus::read(&assignment.status)?,
            pinned: assignment.pinned,
        });
    }
    let refusals = refusal_rows
        .into_iter()
        .map(|refusal| Ok((index_of(refusal.slot_id)?, refusal.artist_id)))
        .collect::<Result<Vec<_>, DomainError>>()?;
    Ok(Some(Schedule {
        id: row.id,
        name: row.name,
        status: ScheduleStatus::read(&row.status)?,
        version: row.version,
        rules: RulesRequest {
            max_slots_per_artist: row.max_slots_per_artist,
            min_rest_minutes: row.min_rest_minutes,
        },
        artist_ids,
        slots,
        assignments,
        refusals,
        created_at: time::from_micros(row.created_at)?,
        updated_at: time::from_micros(row.updated_at)?,
        published_at: row.published_at.map(time::from_micros).transpose()?,
    }))
}
