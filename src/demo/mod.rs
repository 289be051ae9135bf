//! The demo data set (`coulisses seed --demo`) and its loader. The tests
//! load it too: every example of docs/examples/ runs against it.
//!
//! Demo records have fixed IDs, of UUID version 8 (the version RFC 9562
//! leaves to applications), which read as what they are:
//! `de300000-0000-8000-8000-0000000000NN` is artist NN,
//! `de300000-00NN-8000-8000-0000000000MM` is availability MM of artist NN,
//! `de305c00-0000-8000-8000-0000000000NN` is schedule NN ("sc"),
//! `de305c00-00NN-8000-8000-0000000000MM` its slot MM, and
//! `de30a500-00NN-8000-8000-0000000000MM` its assignment MM ("as").

mod data;

pub use data::{
    ARTISTS, DemoArtist, FESTIVAL_FRIDAY, FESTIVAL_SUNDAY, Range, TOUR_FIRST_DAY, TOUR_LAST_DAY,
    UTC_OFFSET_HOURS,
};

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::listing::{self, ValidFilter};
use crate::domain::{self, DomainError, NewArtist, NewAvailability, NewIds};

const ID_PREFIX: u128 = 0xde30_0000_0000_8000_8000_0000_0000_0000;
const SCHEDULE_PREFIX: u128 = 0xde30_5c00_0000_8000_8000_0000_0000_0000;
const ASSIGNMENT_PREFIX: u128 = 0xde30_a500_0000_8000_8000_0000_0000_0000;

/// The demo's kept schedule: Saturday of the festival, planned.
pub const SCHEDULE: u8 = 1;

/// The ID of demo artist `number` (1 to 99).
pub fn artist_id(number: u8) -> Uuid {
    Uuid::from_u128(ID_PREFIX | decimal_digits(number))
}

/// The ID of the `index`-th (from 1, up to 99) availability of demo artist
/// `artist`.
pub fn availability_id(artist: u8, index: u8) -> Uuid {
    Uuid::from_u128(ID_PREFIX | decimal_digits(artist) << 80 | decimal_digits(index))
}

/// The ID of demo schedule `number` (1 to 99).
pub fn schedule_id(number: u8) -> Uuid {
    Uuid::from_u128(SCHEDULE_PREFIX | decimal_digits(number))
}

/// The ID of the `index`-th (from 1, up to 99) slot of demo schedule
/// `schedule`.
pub fn slot_id(schedule: u8, index: u8) -> Uuid {
    Uuid::from_u128(SCHEDULE_PREFIX | decimal_digits(schedule) << 80 | decimal_digits(index))
}

/// The ID of the `index`-th (from 1, up to 99) assignment of demo
/// schedule `schedule`.
pub fn assignment_id(schedule: u8, index: u8) -> Uuid {
    Uuid::from_u128(ASSIGNMENT_PREFIX | decimal_digits(schedule) << 80 | decimal_digits(index))
}

/// Position `index` (from 0) of a list, as a demo ID's number (from 1).
fn number(index: usize) -> u8 {
    u8::try_from(index + 1).unwrap_or(u8::MAX)
}

/// Two decimal digits written as hex digits, so that 12 reads "12".
fn decimal_digits(n: u8) -> u128 {
    u128::from(n / 10 % 10) << 4 | u128::from(n % 10)
}

/// What a load wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub artists: usize,
    pub availabilities: usize,
    pub schedules: usize,
}

/// What `seed` does to a database that holds artists already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfNotEmpty {
    /// Write nothing, and say so.
    Refuse,
    /// Delete every artist (and so every availability) first.
    Replace,
}

/// What a seed did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeded {
    /// Artists deleted first (`IfNotEmpty::Replace` only).
    pub deleted: u64,
    pub loaded: Loaded,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the database holds {artists} artists already, so the demo data was not loaded: \
         `seed --demo` fills an empty database only; add --force to replace every artist \
         (and their availabilities) with the demo set"
    )]
    NotEmpty { artists: u64 },
    #[error("cannot count or delete the existing artists")]
    Existing(#[source] DomainError),
    #[error("cannot load the demo schedule (seed with --force to start over)")]
    Schedule {
        #[source]
        source: DomainError,
    },
    #[error("cannot load demo artist {name} (seed with --force to start over)")]
    Load {
        name: &'static str,
        #[source]
        source: DomainError,
    },
}

/// Loads the demo set into a database with no artists, via the domain
/// services, so every rule of the API holds for it.
pub async fn load(db: &DatabaseConnection) -> Result<Loaded, SeedError> {
    let mut loaded = Loaded {
        artists: 0,
        availabilities: 0,
        schedules: 0,
    };
    for artist in ARTISTS {
        let failed = |source| SeedError::Load {
            name: artist.name,
            source,
        };
        let (ids, input) = records(artist).map_err(failed)?;
        loaded.availabilities += ids.availabilities.len();
        domain::artists::create_with_ids(db, ids, input)
            .await
            .map_err(failed)?;
        loaded.artists += 1;
    }
    let failed = |source| SeedError::Schedule { source };
    let ids = domain::schedules::ScheduleIds {
        schedule: schedule_id(SCHEDULE),
        slot: |index| slot_id(SCHEDULE, number(index)),
        assignment: |index| assignment_id(SCHEDULE, number(index)),
    };
    let saturday = saturday().map_err(failed)?;
    domain::schedules::create_with_ids(db, ids, saturday, crate::planning::Effort::DEFAULT)
        .await
        .map_err(failed)?;
    loaded.schedules += 1;
    Ok(loaded)
}

/// The crew Saturday's schedule considers: a stage short, so that a
/// position is left for a stage manager to fill by hand.
const SATURDAY_CREW: [u8; 7] = [2, 3, 7, 8, 9, 12, 13];

/// Saturday of the festival, as a stage manager would ask for it.
fn saturday() -> Result<domain::schedules::NewSchedule, DomainError> {
    let slot = |key: &str, label: &str, (start, end), positions, skills: &[&str]| {
        Ok::<_, DomainError>(domain::planning::SlotRequest {
            key: key.to_owned(),
            starts_at: local_time(start)?,
            ends_at: local_time(end)?,
            positions,
            required_skills: skills.iter().map(|&s| s.to_owned()).collect(),
            label: Some(label.to_owned()),
        })
    };
    let evening = ("2027-07-10 16:00", "2027-07-11 00:00");
    Ok(domain::schedules::NewSchedule {
        name: "Festival des Remparts 2027, Saturday".to_owned(),
        planning: domain::planning::PlanningRequest {
            slots: vec![
                slot(
                    "sat-main-rigging",
                    "Grande scène get-in",
                    ("2027-07-10 10:00", "2027-07-10 14:00"),
                    2,
                    &["rigging"],
                )?,
                slot("sat-main-sound", "Grande scène", evening, 2, &["sound"])?,
                slot("sat-main-light", "Grande scène", evening, 1, &["light"])?,
                slot("sat-main-stage", "Grande scène", evening, 3, &["stage"])?,
            ],
            artist_ids: Some(
                SATURDAY_CREW
                    .iter()
                    .map(|&number| artist_id(number).to_string())
                    .collect(),
            ),
            rules: domain::planning::RulesRequest {
                max_slots_per_artist: Some(3),
                min_rest_minutes: 60,
            },
            ..domain::planning::PlanningRequest::default()
        },
    })
}

/// Loads the demo set into an empty database; a database with artists is
/// refused or emptied first, as `if_not_empty` says. The two steps are not
/// one transaction: a load that fails halfway is repaired by seeding again
/// with `IfNotEmpty::Replace`.
pub async fn seed(db: &DatabaseConnection, if_not_empty: IfNotEmpty) -> Result<Seeded, SeedError> {
    let artists = listing::count(db, &ValidFilter::default())
        .await
        .map_err(SeedError::Existing)?;
    let deleted = match (artists, if_not_empty) {
        (0, _) => 0,
        (artists, IfNotEmpty::Refuse) => return Err(SeedError::NotEmpty { artists }),
        (_, IfNotEmpty::Replace) => {
            domain::schedules::delete_all(db)
                .await
                .map_err(SeedError::Existing)?;
            domain::artists::delete_all(db)
                .await
                .map_err(SeedError::Existing)?
        }
    };
    let loaded = load(db).await?;
    Ok(Seeded { deleted, loaded })
}

/// The artist as the domain takes it, with its fixed IDs.
#[allow(
    clippy::needless_update,
    reason = "an optional field added to NewArtist needs no change here"
)]
fn records(artist: &DemoArtist) -> Result<(NewIds, NewArtist), DomainError> {
    let ranges = artist.availabilities.iter().flat_map(|block| block.iter());
    let mut ids = Vec::new();
    let mut availabilities = Vec::new();
    for (index, range) in (1..).zip(ranges) {
        ids.push(availability_id(artist.number, index));
        availabilities.push(NewAvailability {
            starts_at: local_time(range.start)?,
            ends_at: local_time(range.end)?,
            note: range.note.map(str::to_owned),
        });
    }
    Ok((
        NewIds {
            artist: artist_id(artist.number),
            availabilities: ids,
        },
        NewArtist {
            name: artist.name.to_owned(),
            email: artist.email.map(str::to_owned),
            skills: artist.skills.iter().map(|&s| s.to_owned()).collect(),
            availabilities,
            ..NewArtist::default()
        },
    ))
}

/// "YYYY-MM-DD HH:MM" in the set's local time, as UTC.
fn local_time(text: &str) -> Result<DateTime<Utc>, DomainError> {
    let bad = || DomainError::internal(format!("demo time {text:?} is no YYYY-MM-DD HH:MM"));
    let offset = FixedOffset::east_opt(UTC_OFFSET_HOURS * 3600).ok_or_else(bad)?;
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .map_err(|_| bad())?
        .and_local_timezone(offset)
        .single()
        .map(|local| local.with_timezone(&Utc))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_read_as_artist_and_availability_numbers() {
        assert_eq!(
            artist_id(7).to_string(),
            "de300000-0000-8000-8000-000000000007"
        );
        assert_eq!(
            availability_id(40, 12).to_string(),
            "de300000-0040-8000-8000-000000000012"
        );
        assert_eq!(artist_id(7).get_version_num(), 8);
        assert_eq!(
            schedule_id(1).to_string(),
            "de305c00-0000-8000-8000-000000000001"
        );
        assert_eq!(
            slot_id(1, 3).to_string(),
            "de305c00-0001-8000-8000-000000000003"
        );
        assert_eq!(
            assignment_id(1, 12).to_string(),
            "de30a500-0001-8000-8000-000000000012"
        );
    }

    #[test]
    fn every_demo_id_is_distinct_and_every_time_parses() {
        let mut ids = HashSet::new();
        for artist in ARTISTS {
            assert!((1..100).contains(&artist.number), "{}", artist.name);
            let (new_ids, input) = match records(artist) {
                Ok(records) => records,
                Err(err) => panic!("{}: {err}", artist.name),
            };
            assert!(ids.insert(new_ids.artist), "{} reuses an ID", artist.name);
            assert!(new_ids.availabilities.len() < 100, "{}", artist.name);
            for id in new_ids.availabilities {
                assert!(ids.insert(id), "{} reuses an ID", artist.name);
            }
            assert!(input.availabilities.iter().all(|a| a.starts_at < a.ends_at));
        }
        assert_eq!(ARTISTS.len(), 40);
    }

    #[test]
    fn local_times_are_summer_time_in_europe() {
        let parsed = local_time("2027-07-09 15:00").map(|t| t.to_rfc3339());
        assert_eq!(parsed.ok().as_deref(), Some("2027-07-09T13:00:00+00:00"));
        assert!(local_time("2027-07-09T15:00").is_err());
    }
}
