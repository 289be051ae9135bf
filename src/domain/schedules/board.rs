//! A schedule against today's artists: the planner's problem for it, and
//! the hard rules its assignments break. The one place where a schedule's
//! decisions (pins, confirmations, refusals) become the planner's.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{Schedule, artists_needed};
use crate::domain::errors::DomainError;
use crate::domain::planning::planner_artist;
use crate::domain::records::ArtistDetails;
use crate::planning::{self, Breach, Pick};

pub(super) struct Board {
    /// Sorted by ID; the problem's artists, in the same order.
    pub artists: Vec<ArtistDetails>,
    /// Pinned: the assignments re-plans keep. Refused: the refusals kept
    /// and the declined assignments. Previous: none.
    pub problem: planning::Problem,
    artist_of: HashMap<Uuid, usize>,
}

/// Some of a schedule's assignments as the planner's picks, in the order
/// they were made.
pub(super) struct Picks {
    pub picks: Vec<Pick>,
    /// Each pick's index in the schedule's assignments.
    pub assignments: Vec<usize>,
    /// Whether each pick is pinned or confirmed: free of the maximum per
    /// artist, as the planner keeps it.
    pub kept: Vec<bool>,
}

impl Board {
    /// Reads the artists `schedule` considers and assigns, and `also`.
    pub async fn read(
        db: &impl ConnectionTrait,
        schedule: &Schedule,
        also: Option<Uuid>,
    ) -> Result<Self, DomainError> {
        let ids = artists_needed(schedule, also);
        let artists = crate::domain::artists::load_details(db, ids.as_deref()).await?;
        Ok(Self::of(schedule, artists))
    }

    /// The board of `schedule` over these artists.
    pub fn of(schedule: &Schedule, artists: Vec<ArtistDetails>) -> Self {
        let artist_of: HashMap<Uuid, usize> = artists
            .iter()
            .enumerate()
            .map(|(index, details)| (details.artist.id, index))
            .collect();
        let mut board = Self {
            problem: planning::Problem {
                artists: artists.iter().map(planner_artist).collect(),
                slots: schedule.slots.clone(),
                rules: schedule.summary.rules.for_planner(),
                decisions: planning::Decisions::default(),
            },
            artists,
            artist_of,
        };
        let kept = board.picks(schedule, |a| a.kept_by_replans());
        let declined = schedule
            .assignments
            .iter()
            .filter(|a| !a.status.fills())
            .map(|a| (a.slot, a.artist_id));
        let refused = schedule
            .refusals
            .iter()
            .copied()
            .chain(declined)
            .filter_map(|(slot, artist)| board.pick(slot, artist))
            .collect();
        board.problem.decisions = planning::Decisions {
            pinned: kept.picks,
            refused,
            previous: Vec::new(),
        };
        board
    }

    /// Artist `artist` on slot `slot` as a pick; `None` when the artist is
    /// not on the board (deleted since the schedule was read).
    pub fn pick(&self, slot: usize, artist: Uuid) -> Option<Pick> {
        Some(Pick {
            slot,
            artist: *self.artist_of.get(&artist)?,
        })
    }

    /// The artist on the board with this ID.
    pub fn artist(&self, id: Uuid) -> Option<&ArtistDetails> {
        self.artists.get(*self.artist_of.get(&id)?)
    }

    /// The assignments of `schedule` that `which` chooses, as picks: those
    /// re-plans keep first, then the others, each in the order they were
    /// made. Of two that cannot both hold, the later one breaks the rule,
    /// so a pinned or confirmed assignment takes its position, its time
    /// and its share of the maximum before any other.
    pub fn picks(
        &self,
        schedule: &Schedule,
        which: impl Fn(&super::ScheduledAssignment) -> bool,
    ) -> Picks {
        let mut chosen = Picks {
            picks: Vec::new(),
            assignments: Vec::new(),
            kept: Vec::new(),
        };
        for kept in [true, false] {
            for (index, assignment) in schedule.assignments.iter().enumerate() {
                if assignment.kept_by_replans() != kept || !which(assignment) {
                    continue;
                }
                if let Some(pick) = self.pick(assignment.slot, assignment.artist_id) {
                    chosen.picks.push(pick);
                    chosen.assignments.push(index);
                    chosen.kept.push(kept);
                }
            }
        }
        chosen
    }

    /// The hard rules each pick breaks; `removed` as for
    /// [`planning::breaches_removing`].
    pub fn breaches(
        &self,
        picks: &Picks,
        removed: impl Fn(usize, &[Breach]) -> bool,
    ) -> Vec<Vec<Breach>> {
        let exempt = |i: usize| picks.kept.get(i).copied().unwrap_or(false);
        planning::breaches_removing(&self.problem, &picks.picks, exempt, removed)
    }

    /// The sentences a stage manager reads for the breaches of pick `index`.
    pub fn sentences(&self, picks: &Picks, index: usize, found: &[Breach]) -> Vec<String> {
        found
            .iter()
            .map(|breach| planning::sentence(&self.problem, &picks.picks, index, breach))
            .collect()
    }
}
