//! Re-planning a kept schedule with the fewest changes, and who could
//! take a position on one of its slots.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::board::Board;
use super::changes::{commit, lock, unchanged};
use super::{Change, Removal, Schedule, store};
use crate::domain::errors::DomainError;
use crate::domain::records::ArtistDetails;
use crate::entities::schedule_assignment;
use crate::planning::{self, Pick};

/// Why the re-plan let an assignment go that broke no rule: the planner
/// gives one up only where that fills more positions.
const GIVEN_UP: &str = "given up so that more positions are filled";

/// Re-plans the schedule: keeps pinned and CONFIRMED assignments, removes
/// those that break a hard rule (each with the first it breaks), fills
/// every position it can while changing as few of the others as
/// possible, then balances. Kept assignments keep their IDs; DECLINED
/// ones stay as they are, and their artists never get those slots back.
pub async fn replan(
    db: &DatabaseConnection,
    id: Uuid,
    effort: planning::Effort,
) -> Result<Change, DomainError> {
    let (txn, schedule) = lock(db, id).await?;
    let mut board = Board::read(&txn, &schedule, None).await?;
    let filling = board.picks(&schedule, |a| a.status.fills());
    // Those that break a rule go, oldest first, each freeing its position
    // and time for the later ones.
    let found = board.breaches(&filling, |_, found| !found.is_empty());
    let mut removed: Vec<Removal> = Vec::new();
    let mut holding: Vec<(Pick, usize)> = Vec::new();
    for (i, found) in found.iter().enumerate() {
        let index = filling.assignments[i];
        if found.is_empty() {
            holding.push((filling.picks[i], index));
        } else {
            let reason = board.sentences(&filling, i, &found[..1]).pop();
            removed.push(removal(&schedule, index, reason.unwrap_or_default()));
        }
    }
    let kept_by_replans = |index: usize| schedule.assignments[index].kept_by_replans();
    board.problem.decisions.pinned = holding
        .iter()
        .filter(|&&(_, index)| kept_by_replans(index))
        .map(|&(pick, _)| pick)
        .collect();
    board.problem.decisions.previous = holding
        .iter()
        .filter(|&&(_, index)| !kept_by_replans(index))
        .map(|&(pick, _)| pick)
        .collect();
    // The planner is CPU work: keep it off the threads that serve requests.
    let (board, planning) = tokio::task::spawn_blocking(move || {
        let planning = planning::plan_with_effort(&board.problem, effort);
        (board, planning)
    })
    .await
    .map_err(DomainError::internal)?;

    let planned: HashSet<Pick> = planning.assignments.iter().map(|a| a.pick()).collect();
    for &(pick, index) in &holding {
        if !planned.contains(&pick) {
            removed.push(removal(&schedule, index, GIVEN_UP.to_owned()));
        }
    }
    let held: HashMap<Pick, usize> = holding.iter().copied().collect();
    let mut added: Vec<Uuid> = Vec::new();
    let mut rows = Vec::new();
    for assignment in &planning.assignments {
        if held.contains_key(&assignment.pick()) {
            continue;
        }
        let (Some(&slot_id), Some(details)) = (
            schedule.slot_ids.get(assignment.slot),
            board.artists.get(assignment.artist),
        ) else {
            return Err(DomainError::internal(
                "a re-plan assigned no slot or artist",
            ));
        };
        let id = Uuid::now_v7();
        added.push(id);
        rows.push(store::assignment_row(id, slot_id, details.artist.id, false));
    }
    if added.is_empty() && removed.is_empty() {
        return Ok(Change {
            kept: schedule.assignments.len(),
            schedule: unchanged(db, txn, id).await?,
            added,
            removed,
        });
    }
    let removed_ids: Vec<Uuid> = removed.iter().map(|r| r.id).collect();
    for chunk in removed_ids.chunks(store::ROWS_PER_INSERT) {
        schedule_assignment::Entity::delete_many()
            .filter(schedule_assignment::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    store::insert_all(&txn, rows).await?;
    let kept = schedule.assignments.len() - removed.len();
    Ok(Change {
        schedule: commit(txn, id).await?,
        added,
        removed,
        kept,
    })
}

fn removal(schedule: &Schedule, index: usize, reason: String) -> Removal {
    let assignment = &schedule.assignments[index];
    Removal {
        id: assignment.id,
        slot_key: schedule.slots[assignment.slot].key.clone(),
        artist_id: assignment.artist_id,
        reason,
    }
}

/// An artist who could take a position on a slot of a schedule.
#[derive(Debug)]
pub struct Replacement {
    pub artist: ArtistDetails,
    /// How many of the schedule's other assignments must move for it.
    pub moves: usize,
    pub reasons: Vec<String>,
}

/// Who could take a position on the slot now, best first (fewest moves,
/// then balance), at most `first`; `None` when the schedule has no slot
/// with this key. Every artist is a candidate, the schedule's listing or
/// not: a stage manager looking for cover calls whoever can come, and may
/// assign anyone by hand.
pub async fn replacements(
    db: &impl ConnectionTrait,
    schedule: &Schedule,
    slot_key: &str,
    first: usize,
) -> Result<Option<Vec<Replacement>>, DomainError> {
    let Some(slot) = schedule.slot_named(slot_key.trim()) else {
        return Ok(None);
    };
    let everyone = crate::domain::artists::load_details(db, None).await?;
    let board = Board::of(schedule, everyone);
    let filling = board.picks(schedule, |a| a.status.fills());
    // The planner is CPU work: keep it off the threads that serve requests.
    let (board, found) = tokio::task::spawn_blocking(move || {
        let found = planning::replacements(&board.problem, &filling.picks, slot);
        (board, found)
    })
    .await
    .map_err(DomainError::internal)?;
    Ok(Some(
        found
            .into_iter()
            .take(first)
            .filter_map(|found| {
                Some(Replacement {
                    artist: board.artists.get(found.artist)?.clone(),
                    moves: found.moves.len(),
                    reasons: found.reasons,
                })
            })
            .collect(),
    ))
}
