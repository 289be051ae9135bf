//! The `planning` use case: validate the request, load the artists it
//! considers (three statements, whatever their number), and hand plain data
//! to the pure planner, off the async runtime.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::errors::DomainError;
use super::records::{Artist, ArtistDetails};
use super::validation::{self, Violations};
use crate::planning;

pub const MAX_SLOTS: usize = 5_000;
pub const MAX_POSITIONS: i64 = 20_000;
pub const MAX_ARTIST_IDS: usize = 10_000;
pub const SLOT_KEY_MAX_CHARS: usize = 100;
pub const SLOT_LABEL_MAX_CHARS: usize = 200;
pub const MAX_REST_MINUTES: i32 = 7 * 24 * 60;

#[derive(Clone, Debug)]
pub struct SlotRequest {
    pub key: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub positions: i32,
    pub required_skills: Vec<String>,
    pub label: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulesRequest {
    pub max_slots_per_artist: Option<i32>,
    pub min_rest_minutes: i32,
}

impl RulesRequest {
    /// The rules as the planner takes them (validated first: a negative
    /// maximum reads as none).
    pub(crate) fn for_planner(&self) -> planning::Rules {
        planning::Rules {
            max_slots_per_artist: self
                .max_slots_per_artist
                .and_then(|max| u32::try_from(max).ok()),
            min_rest: TimeDelta::minutes(i64::from(self.min_rest_minutes)),
        }
    }
}

/// An artist on a slot of the request, as the client names them.
#[derive(Clone, Debug)]
pub struct AssignmentRequest {
    pub slot_key: String,
    pub artist_id: String,
}

#[derive(Clone, Debug, Default)]
pub struct PlanningRequest {
    pub slots: Vec<SlotRequest>,
    /// As the client sent them; None considers every artist.
    pub artist_ids: Option<Vec<String>>,
    pub rules: RulesRequest,
    /// Kept as they are (`planning::Decisions::pinned`).
    pub pinned: Vec<AssignmentRequest>,
    /// The planning re-planned (`planning::Decisions::previous`).
    pub previous: Vec<AssignmentRequest>,
}

/// A computed planning with what it refers to: `planning.assignments[i]`
/// indexes `slots` and `artists`.
#[derive(Debug)]
pub struct PlanningOutcome {
    pub slots: Vec<planning::Slot>,
    pub artists: Vec<ArtistDetails>,
    pub planning: planning::Planning,
}

impl PlanningOutcome {
    pub fn artist(&self, index: usize) -> Option<&Artist> {
        self.artists.get(index).map(|details| &details.artist)
    }

    /// The artists the planning assigns, each once: the only ones whose
    /// fields a client can ask for.
    pub fn assigned_artists(&self) -> impl Iterator<Item = &ArtistDetails> {
        let assigned: std::collections::BTreeSet<usize> =
            self.planning.assignments.iter().map(|a| a.artist).collect();
        assigned
            .into_iter()
            .filter_map(|index| self.artists.get(index))
    }
}

/// Validates, loads and plans within `effort`. Field paths are relative to
/// the input.
pub async fn plan(
    db: &DatabaseConnection,
    request: PlanningRequest,
    effort: planning::Effort,
) -> Result<PlanningOutcome, DomainError> {
    let (slots, rules) = validate(&request)?;
    let artist_ids = match &request.artist_ids {
        Some(raw) => Some(resolve_ids(raw)?),
        None => None,
    };
    let artists = super::artists::load_details(db, artist_ids.as_deref()).await?;
    if let (Some(raw), Some(ids)) = (&request.artist_ids, &artist_ids) {
        let found: HashSet<Uuid> = artists.iter().map(|d| d.artist.id).collect();
        if let Some(position) = ids.iter().position(|id| !found.contains(id)) {
            return Err(DomainError::not_found("Artist", &raw[position]));
        }
    }

    let decisions = planning::Decisions {
        pinned: picks(&request.pinned, "pinned", &slots, &artists, &artist_ids)?,
        refused: Vec::new(),
        previous: picks(&request.previous, "previous", &slots, &artists, &artist_ids)?,
    };
    let problem = planning::Problem {
        artists: artists.iter().map(planner_artist).collect(),
        slots,
        rules,
        decisions,
    };
    // The planner is CPU work: keep it off the threads that serve requests.
    let (problem, planning) = tokio::task::spawn_blocking(move || {
        let planning = planning::plan_with_effort(&problem, effort);
        (problem, planning)
    })
    .await
    .map_err(DomainError::internal)?;
    unkept_pins(&problem, &planning)?;
    Ok(PlanningOutcome {
        slots: problem.slots,
        artists,
        planning,
    })
}

/// The client's (slot key, artist ID) pairs as planner indices. A key must
/// name a slot of the request; an ID an artist the planning considers
/// (one that is no UUID, or names no artist, is not found).
fn picks(
    requested: &[AssignmentRequest],
    field: &str,
    slots: &[planning::Slot],
    artists: &[ArtistDetails],
    considered: &Option<Vec<Uuid>>,
) -> Result<Vec<planning::Pick>, DomainError> {
    let slot_of: HashMap<&str, usize> = slots
        .iter()
        .enumerate()
        .map(|(index, slot)| (slot.key.as_str(), index))
        .collect();
    let artist_of: HashMap<Uuid, usize> = artists
        .iter()
        .enumerate()
        .map(|(index, details)| (details.artist.id, index))
        .collect();
    let mut violations = Violations::default();
    let mut picks = Vec::with_capacity(requested.len());
    for (index, pick) in requested.iter().enumerate() {
        let slot = slot_of.get(pick.slot_key.trim()).copied();
        if slot.is_none() {
            violations.add(
                format!("{field}[{index}].slotKey"),
                format!("names no slot of this request: {:?}", pick.slot_key),
            );
        }
        let Ok(id) = Uuid::parse_str(&pick.artist_id) else {
            return Err(DomainError::not_found("Artist", &pick.artist_id));
        };
        let artist = match artist_of.get(&id) {
            Some(&artist) => Some(artist),
            // Only the considered artists were loaded: one left out of
            // `artistIds` is the client's contradiction, not a missing one.
            None if considered.is_some() => {
                violations.add(
                    format!("{field}[{index}].artistId"),
                    "must be one of artistIds",
                );
                None
            }
            None => return Err(DomainError::not_found("Artist", &pick.artist_id)),
        };
        if let (Some(slot), Some(artist)) = (slot, artist) {
            picks.push(planning::Pick { slot, artist });
        }
    }
    violations.finish()?;
    Ok(picks)
}

/// A pin breaking a hard rule is the client's error: the planning that
/// left it out is not shown.
fn unkept_pins(
    problem: &planning::Problem,
    planning: &planning::Planning,
) -> Result<(), DomainError> {
    let mut violations = Violations::default();
    for unkept in &planning.unkept_pins {
        let Some(pick) = problem.decisions.pinned.get(unkept.pin) else {
            continue;
        };
        let (slot, artist) = (&problem.slots[pick.slot], &problem.artists[pick.artist]);
        let message = match unkept.why {
            planning::PinProblem::Unknown => "names no slot or artist of this request".to_owned(),
            planning::PinProblem::Twice => "pins the same artist to the same slot again".to_owned(),
            planning::PinProblem::Refused => format!("{} declined slot {}", artist.name, slot.key),
            planning::PinProblem::NotAvailable => format!(
                "{} is not available for the whole of slot {}",
                artist.name, slot.key
            ),
            planning::PinProblem::LacksSkills => format!(
                "{} lacks a skill slot {} requires ({})",
                artist.name,
                slot.key,
                slot.required_skills.join(", ")
            ),
            planning::PinProblem::SlotFull => format!(
                "slot {} has {} position(s), all pinned by earlier pins",
                slot.key, slot.positions
            ),
            planning::PinProblem::Clashes { with } => format!(
                "{} is pinned to a slot that overlaps this one or leaves less than the minimum rest (pinned[{with}])",
                artist.name
            ),
        };
        violations.add(format!("pinned[{}]", unkept.pin), message);
    }
    violations.finish()
}

pub(crate) fn planner_artist(details: &ArtistDetails) -> planning::Artist {
    planning::Artist {
        id: details.artist.id,
        name: details.artist.name.clone(),
        skills: details.skills.clone(),
        availability: details
            .availabilities
            .iter()
            .map(|a| planning::TimeRange {
                starts_at: a.starts_at,
                ends_at: a.ends_at,
            })
            .collect(),
    }
}

/// Every ID must name an artist; one that is no UUID names none. Returns
/// one entry per raw ID, in order, so a missing one is reported as sent.
fn resolve_ids(raw: &[String]) -> Result<Vec<Uuid>, DomainError> {
    raw.iter()
        .map(|id| Uuid::parse_str(id).map_err(|_| DomainError::not_found("Artist", id)))
        .collect()
}

pub(crate) fn validate(
    request: &PlanningRequest,
) -> Result<(Vec<planning::Slot>, planning::Rules), DomainError> {
    let mut violations = Violations::default();
    if request.slots.len() > MAX_SLOTS {
        violations.add("slots", format!("must have at most {MAX_SLOTS} slots"));
    }
    let positions: i64 = request
        .slots
        .iter()
        .map(|s| i64::from(s.positions.max(0)))
        .sum();
    if positions > MAX_POSITIONS {
        violations.add(
            "slots",
            format!("must ask for at most {MAX_POSITIONS} positions in all, not {positions}"),
        );
    }
    for (field, list) in [("pinned", &request.pinned), ("previous", &request.previous)] {
        if list.len() as i64 > MAX_POSITIONS {
            violations.add(
                field,
                format!("must have at most {MAX_POSITIONS} assignments"),
            );
        }
    }
    if request
        .artist_ids
        .as_ref()
        .is_some_and(|ids| ids.len() > MAX_ARTIST_IDS)
    {
        violations.add(
            "artistIds",
            format!("must have at most {MAX_ARTIST_IDS} IDs"),
        );
    }

    let mut first_with_key: HashMap<&str, usize> = HashMap::new();
    let mut slots = Vec::with_capacity(request.slots.len());
    for (index, slot) in request.slots.iter().enumerate() {
        let path = format!("slots[{index}]");
        let key = slot.key.trim();
        if key.is_empty() {
            violations.add(format!("{path}.key"), "must not be blank");
        } else if key.chars().count() > SLOT_KEY_MAX_CHARS {
            violations.add(
                format!("{path}.key"),
                format!("must be at most {SLOT_KEY_MAX_CHARS} characters"),
            );
        } else if let Some(&first) = first_with_key.get(key) {
            violations.add(
                format!("{path}.key"),
                format!("duplicates slots[{first}].key {key:?}; keys must be unique"),
            );
        } else {
            first_with_key.insert(key, index);
        }
        validation::time_range(slot.starts_at, slot.ends_at, &path, &mut violations);
        if slot.positions < 1 {
            violations.add(format!("{path}.positions"), "must be at least 1");
        }
        let required_skills = validation::skills(
            &slot.required_skills,
            &format!("{path}.requiredSkills"),
            &mut violations,
        );
        let label = slot
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        if label.is_some_and(|l| l.chars().count() > SLOT_LABEL_MAX_CHARS) {
            violations.add(
                format!("{path}.label"),
                format!("must be at most {SLOT_LABEL_MAX_CHARS} characters"),
            );
        }
        slots.push(planning::Slot {
            key: key.to_owned(),
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
            positions: u32::try_from(slot.positions).unwrap_or(0),
            required_skills,
            label: label.map(str::to_owned),
        });
    }

    let rules = &request.rules;
    if rules.max_slots_per_artist.is_some_and(|max| max < 0) {
        violations.add("rules.maxSlotsPerArtist", "must not be negative");
    }
    if !(0..=MAX_REST_MINUTES).contains(&rules.min_rest_minutes) {
        violations.add(
            "rules.minRestMinutes",
            format!("must be between 0 and {MAX_REST_MINUTES} (one week)"),
        );
    }
    violations.finish()?;
    Ok((slots, rules.for_planner()))
}
