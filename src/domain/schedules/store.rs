//! How schedules are stored and read back: one statement per table,
//! whatever their size.

use std::collections::HashMap;

use sea_orm::{
    AccessMode, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, IsolationLevel, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, TransactionTrait,
};
use uuid::Uuid;

use super::{
    AssignmentStatus, NewSchedule, Schedule, ScheduleStatus, ScheduledAssignment, Summary,
};
use crate::domain::errors::DomainError;
use crate::domain::planning::{PlanningOutcome, RulesRequest};
use crate::domain::validation::{self, Violations};
use crate::domain::{time, write};
use crate::entities::{
    schedule, schedule_artist, schedule_assignment, schedule_refusal, schedule_slot,
};
use crate::planning;

/// The IDs a new schedule's records get.
#[derive(Clone, Copy, Debug)]
pub struct ScheduleIds {
    pub schedule: Uuid,
    /// The ID of the slot at this index of the request.
    pub slot: fn(usize) -> Uuid,
    /// The ID of the assignment at this index of the planning (sorted by
    /// slot start, slot key, artist name, artist ID).
    pub assignment: fn(usize) -> Uuid,
}

impl ScheduleIds {
    /// New IDs for every record, as the API gives them.
    pub fn fresh() -> Self {
        Self {
            schedule: Uuid::now_v7(),
            slot: |_| Uuid::now_v7(),
            assignment: |_| Uuid::now_v7(),
        }
    }
}

/// Plans the request as `planning` would and stores the result as a
/// DRAFT, every assignment PROPOSED, at version 1.
pub async fn create(
    db: &DatabaseConnection,
    input: NewSchedule,
    effort: planning::Effort,
) -> Result<Schedule, DomainError> {
    create_with_ids(db, ScheduleIds::fresh(), input, effort).await
}

/// As `create`, every rule included, under IDs the caller chose: for the
/// demo data set, whose IDs the documented examples name (as
/// `artists::create_with_ids`). IDs taken already make the write fail.
pub async fn create_with_ids(
    db: &DatabaseConnection,
    ids: ScheduleIds,
    input: NewSchedule,
    effort: planning::Effort,
) -> Result<Schedule, DomainError> {
    let mut violations = Violations::default();
    let name = validation::name(&input.name, "name", &mut violations);
    let rules = input.planning.rules.clone();
    let listed = input.planning.artist_ids.is_some();
    // The name's violations come with the slots' and rules', in one answer.
    let planned = crate::domain::planning::plan(db, input.planning, effort).await;
    let outcome = together(violations.finish(), planned)?;
    let id = ids.schedule;
    store(db, ids, &name, &rules, listed, &outcome).await?;
    read(db, id)
        .await?
        .ok_or_else(|| DomainError::internal(format!("schedule {id} gone after its creation")))
}

/// `then`'s value, or the error: the violations of both in one answer
/// when both are invalid.
pub(super) fn together<T>(
    first: Result<(), DomainError>,
    then: Result<T, DomainError>,
) -> Result<T, DomainError> {
    match (first, then) {
        (Ok(()), Ok(value)) => Ok(value),
        (Err(DomainError::Validation(mut first)), Err(DomainError::Validation(mut then))) => {
            first.append(&mut then);
            Err(DomainError::Validation(first))
        }
        (Err(err), _) | (_, Err(err)) => Err(err),
    }
}

/// Deletes every schedule, with its slots, assignments and refusals (ON
/// DELETE CASCADE); returns how many there were. Only `seed --demo
/// --force` does this.
pub async fn delete_all(db: &DatabaseConnection) -> Result<u64, DomainError> {
    Ok(schedule::Entity::delete_many()
        .exec(db)
        .await?
        .rows_affected)
}

/// Writes a new schedule and its planning, in one transaction.
async fn store(
    db: &DatabaseConnection,
    ids: ScheduleIds,
    name: &str,
    rules: &RulesRequest,
    listed: bool,
    outcome: &PlanningOutcome,
) -> Result<(), DomainError> {
    let id = ids.schedule;
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
        write::insert_all(&txn, listing.collect()).await?;
    }
    let slot_ids: Vec<Uuid> = (0..outcome.slots.len()).map(ids.slot).collect();
    let slots = outcome
        .slots
        .iter()
        .zip(&slot_ids)
        .map(|(slot, &slot_id)| slot_row(id, slot_id, slot))
        .collect::<Result<Vec<_>, _>>()?;
    write::insert_all(&txn, slots).await?;
    let assignments: Vec<schedule_assignment::ActiveModel> = outcome
        .planning
        .assignments
        .iter()
        .enumerate()
        .filter_map(|(index, assignment)| {
            Some(assignment_row(
                (ids.assignment)(index),
                *slot_ids.get(assignment.slot)?,
                outcome.artist(assignment.artist)?.id,
                false,
            ))
        })
        .collect();
    write::insert_all(&txn, assignments).await?;
    txn.commit().await?;
    Ok(())
}

/// The row of slot `slot_id` of schedule `schedule_id`.
pub(super) fn slot_row(
    schedule_id: Uuid,
    slot_id: Uuid,
    slot: &planning::Slot,
) -> Result<schedule_slot::ActiveModel, DomainError> {
    Ok(schedule_slot::ActiveModel {
        id: Set(slot_id),
        schedule_id: Set(schedule_id),
        key: Set(slot.key.clone()),
        starts_at: Set(time::to_micros(slot.starts_at)),
        ends_at: Set(time::to_micros(slot.ends_at)),
        positions: Set(i32::try_from(slot.positions).map_err(DomainError::internal)?),
        required_skills: Set(
            serde_json::to_string(&slot.required_skills).map_err(DomainError::internal)?
        ),
        label: Set(slot.label.clone()),
    })
}

/// The row of a new assignment, made now.
pub(super) fn assignment_row(
    id: Uuid,
    slot_id: Uuid,
    artist_id: Uuid,
    pinned: bool,
) -> schedule_assignment::ActiveModel {
    schedule_assignment::ActiveModel {
        id: Set(id),
        slot_id: Set(slot_id),
        artist_id: Set(artist_id),
        status: Set(AssignmentStatus::Proposed.stored().to_owned()),
        pinned: Set(pinned),
        created_at: Set(time::to_micros(time::now())),
    }
}

/// Deletes the assignments with these IDs, a statement per
/// `write::ROWS_PER_STATEMENT`.
pub(super) async fn delete_assignments(
    txn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<(), DomainError> {
    for chunk in ids.chunks(write::ROWS_PER_STATEMENT) {
        schedule_assignment::Entity::delete_many()
            .filter(schedule_assignment::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// An artist is about to be deleted, in `txn`: every schedule that
/// assigns, lists or kept a refusal of them changes with them (the
/// cascades remove those rows), so its version grows by one; their IDs.
/// The schedules are held in the order of their IDs, so that two
/// deletions sharing schedules wait for each other rather than deadlock.
pub(crate) async fn artist_leaves(
    txn: &impl ConnectionTrait,
    artist_id: Uuid,
) -> Result<Vec<Uuid>, DomainError> {
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
    let held: Vec<Uuid> = schedule::Entity::find()
        .select_only()
        .column(schedule::Column::Id)
        .filter(
            Condition::any()
                .add(schedule::Column::Id.in_subquery(slots_of(assigned)))
                .add(schedule::Column::Id.in_subquery(slots_of(refused)))
                .add(schedule::Column::Id.in_subquery(listed)),
        )
        .order_by_asc(schedule::Column::Id)
        .lock_exclusive()
        .into_tuple()
        .all(txn)
        .await?;
    for chunk in held.chunks(write::ROWS_PER_STATEMENT) {
        schedule::Entity::update_many()
            .col_expr(
                schedule::Column::Version,
                Expr::col(schedule::Column::Version).add(1),
            )
            .col_expr(
                schedule::Column::UpdatedAt,
                Expr::value(time::to_micros(time::now())),
            )
            .filter(schedule::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(held)
}

/// The ID of the schedule holding the assignment with this ID, if any.
pub(super) async fn schedule_of_assignment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<Uuid>, DomainError> {
    let holding = schedule_slot::Entity::find()
        .select_only()
        .column(schedule_slot::Column::ScheduleId)
        .filter(
            schedule_slot::Column::Id.in_subquery(
                schedule_assignment::Entity::find()
                    .select_only()
                    .column(schedule_assignment::Column::SlotId)
                    .filter(schedule_assignment::Column::Id.eq(id))
                    .into_query(),
            ),
        )
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(holding)
}

/// The schedule holding the assignment with this ID, if it exists.
pub async fn of_assignment(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<Option<Schedule>, DomainError> {
    match schedule_of_assignment(db, id).await? {
        Some(schedule_id) => read(db, schedule_id).await,
        None => Ok(None),
    }
}

/// A read-only transaction that sees one snapshot of the database: the
/// statements of a read would otherwise each see what was committed when
/// it started (PostgreSQL's READ COMMITTED, SQLite outside a transaction),
/// and a change committed between two of them would show as slots and
/// assignments that do not match. SQLite's read transaction is one
/// snapshot already.
pub(crate) async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DomainError> {
    Ok(match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    })
}

/// The schedule with this ID, if it exists, as committed.
pub async fn read(db: &DatabaseConnection, id: Uuid) -> Result<Option<Schedule>, DomainError> {
    Ok(read_many(db, &[id]).await?.pop())
}

/// The schedules with these IDs that exist, as committed, in no
/// particular order.
pub async fn read_many(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<Vec<Schedule>, DomainError> {
    let txn = snapshot(db).await?;
    let schedules = get_many(&txn, ids).await?;
    txn.commit().await?;
    Ok(schedules)
}

/// The schedule with this ID, if it exists, as `txn` sees it.
pub async fn get(txn: &DatabaseTransaction, id: Uuid) -> Result<Option<Schedule>, DomainError> {
    Ok(get_many(txn, &[id]).await?.pop())
}

/// The schedules with these IDs that exist, as the transaction `db` sees
/// them, in no particular order: five statements, whatever their number
/// and size. Only in a transaction, whose statements see one snapshot
/// (`read` and `read_many` open one).
async fn get_many(db: &DatabaseTransaction, ids: &[Uuid]) -> Result<Vec<Schedule>, DomainError> {
    let rows = schedule::Entity::find()
        .filter(schedule::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let slot_rows = schedule_slot::Entity::find()
        .filter(schedule_slot::Column::ScheduleId.is_in(found.iter().copied()))
        .order_by_asc(schedule_slot::Column::StartsAt)
        .order_by_asc(schedule_slot::Column::Key)
        .all(db)
        .await?;
    // The schedules' slots, as the database finds them: no list of slot
    // IDs to bind, whatever their number.
    let their_slots = || {
        schedule_slot::Entity::find()
            .select_only()
            .column(schedule_slot::Column::Id)
            .filter(schedule_slot::Column::ScheduleId.is_in(found.iter().copied()))
            .into_query()
    };
    let assignment_rows = schedule_assignment::Entity::find()
        .filter(schedule_assignment::Column::SlotId.in_subquery(their_slots()))
        .order_by_asc(schedule_assignment::Column::CreatedAt)
        .order_by_asc(schedule_assignment::Column::Id)
        .all(db)
        .await?;
    let refusal_rows = schedule_refusal::Entity::find()
        .filter(schedule_refusal::Column::SlotId.in_subquery(their_slots()))
        .all(db)
        .await?;
    let listed_rows = if rows.iter().any(|row| row.artists_listed) {
        schedule_artist::Entity::find()
            .filter(schedule_artist::Column::ScheduleId.is_in(found.iter().copied()))
            .all(db)
            .await?
    } else {
        Vec::new()
    };

    let mut schedules: Vec<Schedule> = Vec::with_capacity(rows.len());
    let mut position: HashMap<Uuid, usize> = HashMap::with_capacity(rows.len());
    for row in rows {
        position.insert(row.id, schedules.len());
        schedules.push(Schedule {
            artist_ids: row.artists_listed.then(Vec::new),
            summary: summary(row)?,
            slots: Vec::new(),
            slot_ids: Vec::new(),
            assignments: Vec::new(),
            refusals: Vec::new(),
        });
    }
    let fault = |what: String| DomainError::internal(what);
    // Each slot's schedule and index in it.
    let mut slot_at: HashMap<Uuid, (usize, usize)> = HashMap::with_capacity(slot_rows.len());
    for slot in slot_rows {
        let &at = position
            .get(&slot.schedule_id)
            .ok_or_else(|| fault(format!("slot {} of no schedule read", slot.id)))?;
        let schedule = &mut schedules[at];
        slot_at.insert(slot.id, (at, schedule.slots.len()));
        schedule.slot_ids.push(slot.id);
        schedule.slots.push(planning::Slot {
            starts_at: time::from_micros(slot.starts_at)?,
            ends_at: time::from_micros(slot.ends_at)?,
            positions: u32::try_from(slot.positions).map_err(DomainError::internal)?,
            required_skills: serde_json::from_str(&slot.required_skills)
                .map_err(DomainError::internal)?,
            key: slot.key,
            label: slot.label,
        });
    }
    let slot_of = |slot_id: Uuid| {
        slot_at
            .get(&slot_id)
            .copied()
            .ok_or_else(|| fault(format!("no slot {slot_id} in the schedules read")))
    };
    for assignment in assignment_rows {
        let (at, slot) = slot_of(assignment.slot_id)?;
        schedules[at].assignments.push(ScheduledAssignment {
            id: assignment.id,
            slot,
            artist_id: assignment.artist_id,
            status: AssignmentStatus::read(&assignment.status)?,
            pinned: assignment.pinned,
        });
    }
    for refusal in refusal_rows {
        let (at, slot) = slot_of(refusal.slot_id)?;
        schedules[at].refusals.push((slot, refusal.artist_id));
    }
    for listed in listed_rows {
        let at = position.get(&listed.schedule_id).copied();
        if let Some(ids) = at.and_then(|at| schedules[at].artist_ids.as_mut()) {
            ids.push(listed.artist_id);
        }
    }
    Ok(schedules)
}

/// The schedule's own row, as read.
pub(super) fn summary(row: schedule::Model) -> Result<Summary, DomainError> {
    Ok(Summary {
        id: row.id,
        status: ScheduleStatus::read(&row.status)?,
        version: row.version,
        rules: RulesRequest {
            max_slots_per_artist: row.max_slots_per_artist,
            min_rest_minutes: row.min_rest_minutes,
        },
        created_at: time::from_micros(row.created_at)?,
        updated_at: time::from_micros(row.updated_at)?,
        published_at: row.published_at.map(time::from_micros).transpose()?,
        name: row.name,
    })
}
