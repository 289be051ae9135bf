//! What a schedule's assignments are worth on today's data.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::Schedule;
use super::board::Board;
use crate::domain::errors::DomainError;
use crate::domain::records::ArtistDetails;
use crate::planning;

/// Each filling assignment's reasons and the hard rules it breaks, the
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
    db: &impl ConnectionTrait,
    schedule: &Schedule,
    effort: planning::Effort,
) -> Result<Evaluation, DomainError> {
    let board = Board::read(db, schedule, None).await?;
    let filling = board.picks(schedule, |a| a.status.fills());
    let id_of = |index: usize| schedule.assignments[index].id;
    let ids: Vec<Uuid> = filling.assignments.iter().map(|&i| id_of(i)).collect();
    // The planner is CPU work: keep it off the threads that serve requests.
    let (board, filling, planning, broken) = tokio::task::spawn_blocking(move || {
        let planning = planning::evaluate(&board.problem, &filling.picks, effort);
        let broken: Vec<Vec<String>> = board
            .breaches(&filling, |_, _| false)
            .iter()
            .enumerate()
            .map(|(i, found)| board.sentences(&filling, i, found))
            .collect();
        (board, filling, planning, broken)
    })
    .await
    .map_err(DomainError::internal)?;
    let id_by_pick: HashMap<planning::Pick, Uuid> = filling
        .picks
        .iter()
        .copied()
        .zip(ids.iter().copied())
        .collect();
    let reasons = planning
        .assignments
        .iter()
        .filter_map(|a| Some((*id_by_pick.get(&a.pick())?, a.reasons.clone())))
        .collect();
    let problems = ids.into_iter().zip(broken).collect();
    Ok(Evaluation {
        artists: board.artists,
        planning,
        reasons,
        problems,
    })
}
