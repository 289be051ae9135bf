//! Changes a stage manager makes to a schedule by hand: assign, unassign,
//! record an artist's answer, pin, edit, publish, delete. Each runs in one
//! transaction that starts by raising the schedule's version (`lock`), and
//! checks the hard rules as the planner holds them (`Board`).

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter,
};
use uuid::Uuid;

use super::board::{Board, Picks};
use super::live::Live;
use super::store::{self, together};
use super::{Assigned, AssignmentStatus, Change, Removal, Schedule, ScheduleStatus};
use crate::domain::calendars;
use crate::domain::errors::DomainError;
use crate::domain::planning::{PlanningRequest, RulesRequest, SlotRequest, validate};
use crate::domain::validation::{self, Violations};
use crate::domain::{time, write};
use crate::entities::{schedule, schedule_assignment, schedule_refusal, schedule_slot};
use crate::planning::{self, Breach};

/// Starts a change of schedule `id`: raises its version, which holds the
/// schedule's row (PostgreSQL; SQLite holds the database) until the
/// transaction ends, and reads the schedule as it stands then.
pub(super) async fn lock(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<(DatabaseTransaction, Schedule), DomainError> {
    let txn = write::begin(db).await?;
    if !raise_version(&txn, id, None).await? {
        return Err(DomainError::not_found("Schedule", id));
    }
    let schedule = store::get(&txn, id)
        .await?
        .ok_or_else(|| DomainError::internal(format!("schedule {id} gone while held")))?;
    Ok((txn, schedule))
}

/// Raises the version of schedule `id` by one, in `txn`, if it is at
/// `expected` (any version when `None`); whether it did. The row stays
/// held until the transaction ends.
pub(super) async fn raise_version(
    txn: &DatabaseTransaction,
    id: Uuid,
    expected: Option<i64>,
) -> Result<bool, DomainError> {
    let mut raise = schedule::Entity::update_many()
        .col_expr(
            schedule::Column::Version,
            Expr::col(schedule::Column::Version).add(1),
        )
        .col_expr(
            schedule::Column::UpdatedAt,
            Expr::value(time::to_micros(time::now())),
        )
        .filter(schedule::Column::Id.eq(id));
    if let Some(version) = expected {
        raise = raise.filter(schedule::Column::Version.eq(version));
    }
    Ok(raise.exec(txn).await?.rows_affected == 1)
}

/// As `lock`, for the schedule holding assignment `id`; with the
/// assignment's index in it.
async fn lock_assignment(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<(DatabaseTransaction, Schedule, usize), DomainError> {
    let gone = || DomainError::not_found("ScheduledAssignment", id);
    let schedule_id = store::schedule_of_assignment(db, id)
        .await?
        .ok_or_else(gone)?;
    let (txn, schedule) = lock(db, schedule_id).await.map_err(|err| match err {
        DomainError::NotFound { .. } => gone(),
        other => other,
    })?;
    // Another change may have removed it between the two reads.
    let index = schedule.assignment_with(id).ok_or_else(gone)?;
    Ok((txn, schedule, index))
}

/// Ends a change: the schedule as it is after it, its artists' calendar
/// events brought up to date with it, then the commit, which wakes its
/// followers.
pub(super) async fn commit(
    txn: DatabaseTransaction,
    live: &Live,
    id: Uuid,
) -> Result<Schedule, DomainError> {
    let schedule = store::get(&txn, id)
        .await?
        .ok_or_else(|| DomainError::internal(format!("schedule {id} gone while held")))?;
    calendars::sync(&txn, &schedule).await?;
    live.commit(txn, &[id]).await?;
    Ok(schedule)
}

/// Ends a change that changed nothing: the version goes back with it.
pub(super) async fn unchanged(
    db: &DatabaseConnection,
    txn: DatabaseTransaction,
    id: Uuid,
) -> Result<Schedule, DomainError> {
    txn.rollback().await?;
    store::read(db, id)
        .await?
        .ok_or_else(|| DomainError::not_found("Schedule", id))
}

/// Assignment `id` in `schedule`, read after a change that changed
/// nothing: another change may have removed it since, and then it is not
/// found.
fn still_there(schedule: Schedule, id: Uuid) -> Result<Assigned, DomainError> {
    if schedule.assignment_with(id).is_none() {
        return Err(DomainError::not_found("ScheduledAssignment", id));
    }
    Assigned::find(schedule, id)
}

/// A hard rule the change would break, as a conflict on `field`.
fn conflict(field: &str, sentences: Vec<String>) -> DomainError {
    DomainError::Conflict {
        field: Some(field.to_owned()),
        conflicting_id: None,
        message: sentences.join("; "),
    }
}

/// The sentences of the hard rules the schedule's assignment `index`
/// would break, kept by re-plans (pinned or confirmed, and so free of the
/// maximum per artist) or not as `kept` says. It is judged after every
/// other assignment that fills a position: a change by hand must hold
/// beside them all, never make one of them break. A refusal is not
/// counted when `withdrawn`: the artist takes it back.
fn breaking(
    board: &mut Board,
    schedule: &Schedule,
    index: usize,
    kept: bool,
    withdrawn: bool,
) -> Vec<String> {
    let others = board.picks(schedule, |a| a.status.fills());
    let Some(pick) = schedule
        .assignments
        .get(index)
        .and_then(|a| board.pick(a.slot, a.artist_id))
    else {
        return vec![String::from("names no slot or artist of this schedule")];
    };
    if withdrawn {
        board.problem.decisions.refused.retain(|&r| r != pick);
    }
    let mut picks = Picks {
        picks: Vec::with_capacity(others.picks.len() + 1),
        assignments: Vec::with_capacity(others.picks.len() + 1),
        kept: Vec::with_capacity(others.picks.len() + 1),
    };
    for (i, &other) in others.assignments.iter().enumerate() {
        if other != index {
            picks.picks.push(others.picks[i]);
            picks.assignments.push(other);
            picks.kept.push(others.kept[i]);
        }
    }
    picks.picks.push(pick);
    picks.assignments.push(index);
    picks.kept.push(kept);
    let last = picks.picks.len() - 1;
    let found = board.breaches(&picks, |_, _| false);
    board.sentences(&picks, last, &found[last])
}

/// By hand: puts the artist on the slot, PROPOSED. A ConflictError names
/// each hard rule it would break, as the planner holds them, the maximum
/// per artist excepted when `pinned`.
pub async fn assign(
    db: &DatabaseConnection,
    live: &Live,
    schedule_id: Uuid,
    slot_key: &str,
    artist_id: Uuid,
    pinned: bool,
) -> Result<Assigned, DomainError> {
    let (txn, mut schedule) = lock(db, schedule_id).await?;
    let slot_key = slot_key.trim();
    let Some(slot) = schedule.slot_named(slot_key) else {
        return Err(DomainError::Validation(vec![
            crate::domain::Violation::new(
                "slotKey",
                format!("names no slot of this schedule: {slot_key:?}"),
            ),
        ]));
    };
    let mut board = Board::read(&txn, &schedule, Some(artist_id)).await?;
    let Some(artist) = board.artist(artist_id) else {
        return Err(DomainError::not_found("Artist", artist_id));
    };
    let name = artist.artist.name.clone();
    if let Some(held) = schedule
        .assignments
        .iter()
        .find(|a| a.slot == slot && a.artist_id == artist_id)
    {
        let sentence = if held.status.fills() {
            format!("{name} is on {slot_key} already")
        } else {
            format!("{name} declined {slot_key}")
        };
        return Err(conflict("artistId", vec![sentence]));
    }
    let id = Uuid::now_v7();
    schedule.assignments.push(super::ScheduledAssignment {
        id,
        slot,
        artist_id,
        status: AssignmentStatus::Proposed,
        pinned,
    });
    let index = schedule.assignments.len() - 1;
    let broken = breaking(&mut board, &schedule, index, pinned, false);
    if !broken.is_empty() {
        return Err(conflict("artistId", broken));
    }
    schedule_assignment::Entity::insert(store::assignment_row(
        id,
        schedule.slot_ids[slot],
        artist_id,
        pinned,
    ))
    .exec_without_returning(&txn)
    .await?;
    Assigned::find(commit(txn, live, schedule_id).await?, id)
}

/// Removes the assignment. A refusal it recorded stays.
pub async fn unassign(db: &DatabaseConnection, live: &Live, id: Uuid) -> Result<(), DomainError> {
    let (txn, schedule, _) = lock_assignment(db, id).await?;
    schedule_assignment::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    commit(txn, live, schedule.summary.id).await?;
    Ok(())
}

/// The artist's answer. DECLINED keeps a refusal, so that no re-plan gives
/// the slot back to the artist, and drops the pin (it fills nothing). An
/// answer that makes the assignment fill a position again, or confirms
/// it, must hold every hard rule (a ConflictError names those it breaks);
/// taking a refusal back withdraws it.
pub async fn set_status(
    db: &DatabaseConnection,
    live: &Live,
    id: Uuid,
    status: AssignmentStatus,
) -> Result<Assigned, DomainError> {
    let (txn, schedule, index) = lock_assignment(db, id).await?;
    let schedule_id = schedule.summary.id;
    let held = schedule.assignments[index].clone();
    if held.status == status {
        return still_there(unchanged(db, txn, schedule_id).await?, id);
    }
    let slot_id = schedule.slot_ids[held.slot];
    let refusal = schedule_refusal::Entity::delete_many()
        .filter(schedule_refusal::Column::SlotId.eq(slot_id))
        .filter(schedule_refusal::Column::ArtistId.eq(held.artist_id));
    let mut pinned = held.pinned;
    if status == AssignmentStatus::Declined {
        refusal.exec(&txn).await?;
        schedule_refusal::Entity::insert(schedule_refusal::ActiveModel {
            slot_id: Set(slot_id),
            artist_id: Set(held.artist_id),
        })
        .exec_without_returning(&txn)
        .await?;
        pinned = false;
    } else {
        let withdrawn = !held.status.fills();
        if withdrawn || status == AssignmentStatus::Confirmed {
            let mut board = Board::read(&txn, &schedule, None).await?;
            let kept = held.pinned || status == AssignmentStatus::Confirmed;
            let broken = breaking(&mut board, &schedule, index, kept, withdrawn);
            if !broken.is_empty() {
                return Err(conflict("status", broken));
            }
        }
        if withdrawn {
            refusal.exec(&txn).await?;
        }
    }
    schedule_assignment::Entity::update(schedule_assignment::ActiveModel {
        id: Set(id),
        status: Set(status.stored().to_owned()),
        pinned: Set(pinned),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    Assigned::find(commit(txn, live, schedule_id).await?, id)
}

/// Pins or unpins the assignment. A pin is kept by every re-plan, past the
/// maximum per artist, never past another hard rule: pinning an
/// assignment that breaks one, or a declined one, is a ConflictError.
pub async fn pin(
    db: &DatabaseConnection,
    live: &Live,
    id: Uuid,
    pinned: bool,
) -> Result<Assigned, DomainError> {
    let (txn, schedule, index) = lock_assignment(db, id).await?;
    let schedule_id = schedule.summary.id;
    let held = schedule.assignments[index].clone();
    if held.pinned == pinned {
        return still_there(unchanged(db, txn, schedule_id).await?, id);
    }
    if pinned {
        if !held.status.fills() {
            return Err(conflict(
                "pinned",
                vec![String::from(
                    "a declined assignment fills no position: it cannot be pinned",
                )],
            ));
        }
        let mut board = Board::read(&txn, &schedule, None).await?;
        let broken = breaking(&mut board, &schedule, index, true, false);
        if !broken.is_empty() {
            return Err(conflict("pinned", broken));
        }
    }
    schedule_assignment::Entity::update(schedule_assignment::ActiveModel {
        id: Set(id),
        pinned: Set(pinned),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    Assigned::find(commit(txn, live, schedule_id).await?, id)
}

/// Shows the schedule to its artists. Publishing it again changes nothing.
pub async fn publish(
    db: &DatabaseConnection,
    live: &Live,
    id: Uuid,
) -> Result<Schedule, DomainError> {
    let (txn, schedule) = lock(db, id).await?;
    if schedule.summary.status == ScheduleStatus::Published {
        return unchanged(db, txn, id).await;
    }
    schedule::Entity::update(schedule::ActiveModel {
        id: Set(id),
        status: Set(ScheduleStatus::Published.stored().to_owned()),
        published_at: Set(Some(time::to_micros(time::now()))),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    commit(txn, live, id).await
}

/// Deletes the schedule with its slots, assignments and refusals (ON
/// DELETE CASCADE); the calendar events it showed are cancelled.
pub async fn delete(db: &DatabaseConnection, live: &Live, id: Uuid) -> Result<(), DomainError> {
    // Its version is raised first, as by every change: the deletion is
    // one, and waits for those under way.
    let txn = write::begin(db).await?;
    if !raise_version(&txn, id, None).await? {
        return Err(DomainError::not_found("Schedule", id));
    }
    schedule::Entity::delete_by_id(id).exec(&txn).await?;
    calendars::schedule_goes(&txn, id).await?;
    live.commit(txn, &[id]).await
}

/// What to change of a schedule; what is left out stays.
#[derive(Clone, Debug, Default)]
pub struct ScheduleChanges {
    pub name: Option<String>,
    /// The slots it has after the change, by key.
    pub slots: Option<Vec<SlotRequest>>,
    pub rules: Option<RulesRequest>,
}

/// Changes the schedule's name, slots (by key) and rules. A slot whose key
/// is gone takes its assignments with it; an assignment the change makes
/// break a hard rule is removed (one that broke one already stays, with
/// its problems). Nothing is re-planned.
pub async fn update(
    db: &DatabaseConnection,
    live: &Live,
    id: Uuid,
    changes: ScheduleChanges,
) -> Result<Change, DomainError> {
    let mut violations = Violations::default();
    let name = changes
        .name
        .as_deref()
        .map(|name| validation::name(name, "name", &mut violations));
    let checked = validate(&PlanningRequest {
        slots: changes.slots.clone().unwrap_or_default(),
        rules: changes.rules.clone().unwrap_or_default(),
        ..PlanningRequest::default()
    });
    let (mut slots, _) = together(violations.finish(), checked)?;
    // As they are stored: to the microsecond.
    for slot in &mut slots {
        slot.starts_at = time::truncate(slot.starts_at);
        slot.ends_at = time::truncate(slot.ends_at);
    }

    let (txn, before) = lock(db, id).await?;
    let mut after = before.clone();
    if let Some(name) = &name {
        after.summary.name.clone_from(name);
    }
    if let Some(rules) = &changes.rules {
        after.summary.rules = rules.clone();
    }
    let mut removed: Vec<Removal> = Vec::new();
    if changes.slots.is_some() {
        let gone = reslot(&mut after, slots);
        for index in gone {
            let assignment = &before.assignments[index];
            let key = &before.slots[assignment.slot].key;
            removed.push(Removal {
                id: assignment.id,
                slot_key: key.clone(),
                artist_id: assignment.artist_id,
                reason: format!("slot {key} was removed from the schedule"),
            });
        }
    }
    let breaking_after = newly_breaking(&txn, &before, &after).await?;
    if after.summary.name == before.summary.name
        && after.summary.rules == before.summary.rules
        && after.slots == before.slots
        && after.slot_ids == before.slot_ids
        && breaking_after.is_empty()
    {
        return Ok(Change {
            schedule: unchanged(db, txn, id).await?,
            added: Vec::new(),
            removed: Vec::new(),
            kept: before.assignments.len(),
        });
    }

    store_slots(&txn, &before, &after).await?;
    for (index, reason) in breaking_after {
        let assignment = &after.assignments[index];
        removed.push(Removal {
            id: assignment.id,
            slot_key: after.slots[assignment.slot].key.clone(),
            artist_id: assignment.artist_id,
            reason,
        });
    }
    let removed_ids: Vec<Uuid> = removed.iter().map(|r| r.id).collect();
    store::delete_assignments(&txn, &removed_ids).await?;
    schedule::Entity::update(schedule::ActiveModel {
        id: Set(id),
        name: Set(after.summary.name.clone()),
        max_slots_per_artist: Set(after.summary.rules.max_slots_per_artist),
        min_rest_minutes: Set(after.summary.rules.min_rest_minutes),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    let schedule = commit(txn, live, id).await?;
    Ok(Change {
        kept: before.assignments.len() - removed.len(),
        schedule,
        added: Vec::new(),
        removed,
    })
}

/// Gives `schedule` these slots, by key: a slot keeps its row ID (and its
/// assignments) when its key stays, a new key gets a new row. Returns the
/// assignments (by index in `schedule` before) whose slot is gone; they
/// are no longer in `schedule`.
fn reslot(schedule: &mut Schedule, mut slots: Vec<planning::Slot>) -> Vec<usize> {
    slots.sort_by(|a, b| (a.starts_at, &a.key).cmp(&(b.starts_at, &b.key)));
    let old: HashMap<&str, (usize, Uuid)> = schedule
        .slots
        .iter()
        .zip(&schedule.slot_ids)
        .enumerate()
        .map(|(index, (slot, &row))| (slot.key.as_str(), (index, row)))
        .collect();
    let mut moved: HashMap<usize, usize> = HashMap::new();
    let mut slot_ids = Vec::with_capacity(slots.len());
    for (index, slot) in slots.iter().enumerate() {
        match old.get(slot.key.as_str()) {
            Some(&(was, row)) => {
                moved.insert(was, index);
                slot_ids.push(row);
            }
            None => slot_ids.push(Uuid::now_v7()),
        }
    }
    let mut gone = Vec::new();
    let mut assignments = Vec::with_capacity(schedule.assignments.len());
    for (index, assignment) in schedule.assignments.iter().enumerate() {
        match moved.get(&assignment.slot) {
            Some(&slot) => assignments.push(super::ScheduledAssignment {
                slot,
                ..assignment.clone()
            }),
            None => gone.push(index),
        }
    }
    schedule.refusals = schedule
        .refusals
        .iter()
        .filter_map(|&(slot, artist)| Some((*moved.get(&slot)?, artist)))
        .collect();
    schedule.assignments = assignments;
    schedule.slots = slots;
    schedule.slot_ids = slot_ids;
    gone
}

/// The filling assignments of `after` (by index) that break a hard rule
/// after the change and did not before it, with the first rule each
/// breaks. Each is taken out as it is found, oldest first: it holds no
/// position or time for the later ones.
async fn newly_breaking(
    txn: &DatabaseTransaction,
    before: &Schedule,
    after: &Schedule,
) -> Result<Vec<(usize, String)>, DomainError> {
    let board = Board::read(txn, before, None).await?;
    let picks = board.picks(before, |a| a.status.fills());
    let broke_before: HashSet<Uuid> = board
        .breaches(&picks, |_, _| false)
        .iter()
        .zip(&picks.assignments)
        .filter(|(found, _)| !found.is_empty())
        .map(|(_, &index)| before.assignments[index].id)
        .collect();
    let board = Board::of(after, board.artists);
    let picks: Picks = board.picks(after, |a| a.status.fills());
    let is_new = |i: usize| {
        let index = picks.assignments[i];
        !broke_before.contains(&after.assignments[index].id)
    };
    let found = board.breaches(&picks, |i, found: &[Breach]| !found.is_empty() && is_new(i));
    Ok(found
        .iter()
        .enumerate()
        .filter(|(i, found)| !found.is_empty() && is_new(*i))
        .map(|(i, found)| {
            let sentence = board.sentences(&picks, i, &found[..1]).pop();
            (picks.assignments[i], sentence.unwrap_or_default())
        })
        .collect())
}

/// Writes the slots of `after` over those of `before`: deletes the rows of
/// keys gone (their assignments and refusals go with them), updates the
/// rows that changed, inserts the new ones.
async fn store_slots(
    txn: &DatabaseTransaction,
    before: &Schedule,
    after: &Schedule,
) -> Result<(), DomainError> {
    let kept: HashSet<Uuid> = after.slot_ids.iter().copied().collect();
    let gone: Vec<Uuid> = before
        .slot_ids
        .iter()
        .copied()
        .filter(|row| !kept.contains(row))
        .collect();
    for chunk in gone.chunks(write::ROWS_PER_STATEMENT) {
        schedule_slot::Entity::delete_many()
            .filter(schedule_slot::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    let was: HashMap<Uuid, &planning::Slot> =
        before.slot_ids.iter().copied().zip(&before.slots).collect();
    let mut new = Vec::new();
    for (slot, &row) in after.slots.iter().zip(&after.slot_ids) {
        let model = store::slot_row(after.summary.id, row, slot)?;
        match was.get(&row) {
            None => new.push(model),
            Some(&old) if old != slot => {
                schedule_slot::Entity::update(model).exec(txn).await?;
            }
            Some(_) => {}
        }
    }
    write::insert_all(txn, new).await
}
