//! Re-planning a kept schedule with the fewest changes, and who could
//! take a position on one of its slots.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use uuid::Uuid;

use super::board::Board;
use super::changes::{commit, lock, raise_version, unchanged};
use super::live::Live;
use super::{Change, Removal, Schedule, store};
use crate::domain::errors::DomainError;
use crate::domain::records::ArtistDetails;
use crate::domain::write;
use crate::entities::schedule_assignment;
use crate::planning::{self, Pick};

/// Why the re-plan let an assignment go that broke no rule: the planner
/// gives one up only where that fills more positions.
const GIVEN_UP: &str = "given up so that more positions are filled";

/// Re-plans planned without holding the schedule that another change
/// overtakes before they are written; then one more plans under the hold.
const UNHELD_ATTEMPTS: usize = 3;

/// Re-plans the schedule: keeps pinned and CONFIRMED assignments, removes
/// those that break a hard rule (each with the first it breaks), fills
/// every position it can while changing as few of the others as
/// possible, then balances. Kept assignments keep their IDs; DECLINED
/// ones stay as they are, and their artists never get those slots back.
///
/// The planning is made without holding the schedule, so that other
/// changes (and, on SQLite, every other write) need not wait for the
/// planner; it is written only if the schedule is still the version it
/// was made from. A change that came in between means planning again;
/// after `UNHELD_ATTEMPTS` of them, the last planning holds the schedule.
pub async fn replan(
    db: &DatabaseConnection,
    live: &Live,
    id: Uuid,
    effort: planning::Effort,
) -> Result<Change, DomainError> {
    for _ in 0..UNHELD_ATTEMPTS {
        let schedule = store::read(db, id)
            .await?
            .ok_or_else(|| DomainError::not_found("Schedule", id))?;
        let replanned = plan(db, &schedule, effort).await?;
        if replanned.changes_nothing() {
            return Ok(replanned.unchanged(schedule));
        }
        if let Some(txn) = hold_if_still(db, &schedule).await? {
            return replanned.write(txn, live, &schedule).await;
        }
    }
    let (txn, schedule) = lock(db, id).await?;
    let replanned = plan(&txn, &schedule, effort).await?;
    if replanned.changes_nothing() {
        let schedule = unchanged(db, txn, id).await?;
        return Ok(replanned.unchanged(schedule));
    }
    replanned.write(txn, live, &schedule).await
}

/// Starts the change of `schedule` if it is still at the version read:
/// raises the version, holding the schedule. `None` when another change
/// came first (or deleted it: the next attempt will say so).
async fn hold_if_still(
    db: &DatabaseConnection,
    schedule: &Schedule,
) -> Result<Option<DatabaseTransaction>, DomainError> {
    let txn = write::begin(db).await?;
    let id = schedule.summary.id;
    if raise_version(&txn, id, Some(schedule.summary.version)).await? {
        return Ok(Some(txn));
    }
    txn.rollback().await?;
    Ok(None)
}

/// What a re-plan would do to a schedule.
struct Replanned {
    added: Vec<schedule_assignment::ActiveModel>,
    added_ids: Vec<Uuid>,
    removed: Vec<Removal>,
}

impl Replanned {
    fn changes_nothing(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }

    /// The answer when nothing changes: `schedule` as it is.
    fn unchanged(self, schedule: Schedule) -> Change {
        Change {
            kept: schedule.assignments.len(),
            schedule,
            added: Vec::new(),
            removed: Vec::new(),
        }
    }

    /// Writes the change in `txn`, which holds `schedule` at a new version.
    async fn write(
        self,
        txn: DatabaseTransaction,
        live: &Live,
        schedule: &Schedule,
    ) -> Result<Change, DomainError> {
        let removed_ids: Vec<Uuid> = self.removed.iter().map(|r| r.id).collect();
        store::delete_assignments(&txn, &removed_ids).await?;
        write::insert_all(&txn, self.added).await?;
        Ok(Change {
            kept: schedule.assignments.len() - self.removed.len(),
            schedule: commit(txn, live, schedule.summary.id).await?,
            added: self.added_ids,
            removed: self.removed,
        })
    }
}

/// The re-plan of `schedule` on today's artists.
async fn plan(
    db: &impl ConnectionTrait,
    schedule: &Schedule,
    effort: planning::Effort,
) -> Result<Replanned, DomainError> {
    let mut board = Board::read(db, schedule, None).await?;
    let filling = board.picks(schedule, |a| a.status.fills());
    // Those that break a rule go, oldest first, each freeing its position
    // and time for the later ones.
    let found = board.breaches(&filling, |_, found| !found.is_empty());
    let mut breaking: Vec<(Pick, Removal)> = Vec::new();
    let mut holding: Vec<(Pick, usize)> = Vec::new();
    for (i, found) in found.iter().enumerate() {
        let index = filling.assignments[i];
        if found.is_empty() {
            holding.push((filling.picks[i], index));
        } else {
            let reason = board.sentences(&filling, i, &found[..1]).pop();
            let removed = removal(schedule, index, reason.unwrap_or_default());
            breaking.push((filling.picks[i], removed));
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
    // One that broke a rule only beside others the planning moved (over
    // the maximum, say) may be planned again: it stays, under its ID.
    let mut removed: Vec<Removal> = Vec::new();
    let mut held: HashSet<Pick> = HashSet::new();
    for (pick, removal) in breaking {
        if planned.contains(&pick) {
            held.insert(pick);
        } else {
            removed.push(removal);
        }
    }
    for &(pick, index) in &holding {
        if planned.contains(&pick) {
            held.insert(pick);
        } else {
            removed.push(removal(schedule, index, GIVEN_UP.to_owned()));
        }
    }
    let mut replanned = Replanned {
        added: Vec::new(),
        added_ids: Vec::new(),
        removed,
    };
    for assignment in &planning.assignments {
        if held.contains(&assignment.pick()) {
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
        replanned.added_ids.push(id);
        replanned
            .added
            .push(store::assignment_row(id, slot_id, details.artist.id, false));
    }
    Ok(replanned)
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
