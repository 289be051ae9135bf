//! The demo data set: it loads through the domain rules under its fixed
//! IDs, and `seed` never writes over artists unless told to replace them.

use crate::common;

use crate::common::{TestDb, on_each_backend};
use chrono::{TimeZone, Utc};
use coulisses::demo::{self, IfNotEmpty, Loaded, SeedError, Seeded};
use coulisses::domain::{self, ArtistDetails, NewArtist, NewAvailability};
use coulisses::entities::availability;
use sea_orm::{EntityTrait, PaginatorTrait};

async fn details(t: &TestDb) -> Vec<ArtistDetails> {
    match domain::artists::load_details(&t.db, None).await {
        Ok(details) => details,
        Err(err) => panic!("cannot read the artists: {err}"),
    }
}

/// Everything about the artists but the times their rows were written.
fn content(details: &[ArtistDetails]) -> Vec<String> {
    details
        .iter()
        .map(|d| {
            format!(
                "{} {} {:?} {:?} {:?}",
                d.artist.id, d.artist.name, d.artist.email, d.skills, d.availabilities
            )
        })
        .collect()
}

async fn availability_rows(t: &TestDb) -> u64 {
    match availability::Entity::find().count(&t.db).await {
        Ok(count) => count,
        Err(err) => panic!("cannot count availabilities: {err}"),
    }
}

#[allow(
    clippy::needless_update,
    reason = "an optional field added to NewArtist needs no change here"
)]
async fn create_ada(t: &TestDb) {
    let created = domain::artists::create(
        &t.db,
        NewArtist {
            name: "Ada Lovelace".into(),
            email: Some("amara.okafor@example.org".into()),
            skills: vec!["sound".into()],
            availabilities: vec![NewAvailability {
                starts_at: Utc.with_ymd_and_hms(2027, 7, 9, 8, 0, 0).unwrap(),
                ends_at: Utc.with_ymd_and_hms(2027, 7, 9, 20, 0, 0).unwrap(),
                note: None,
            }],
            ..NewArtist::default()
        },
    )
    .await;
    assert!(created.is_ok(), "{created:?}");
}

const DEMO_AVAILABILITIES: usize = 84;

#[tokio::test]
async fn the_demo_set_loads_under_its_fixed_ids() {
    on_each_backend(|t| async move {
        let loaded = demo::load(&t.db).await;
        assert_eq!(
            loaded.ok(),
            Some(Loaded {
                artists: 40,
                availabilities: DEMO_AVAILABILITIES,
                schedules: 1,
            })
        );
        let all = details(&t).await;
        assert_eq!(all.len(), 40);
        assert_eq!(availability_rows(&t).await, DEMO_AVAILABILITIES as u64);

        // Each artist is the one of its number, and its n-th availability
        // (by start) has the n-th ID, so the docs can name them.
        for spec in demo::ARTISTS {
            let id = demo::artist_id(spec.number);
            let Some(stored) = all.iter().find(|d| d.artist.id == id) else {
                panic!("{} is missing", spec.name);
            };
            assert_eq!(stored.artist.name, spec.name);
            assert_eq!(stored.artist.email.as_deref(), spec.email);
            let ids: Vec<_> = stored.availabilities.iter().map(|a| a.id).collect();
            let expected: Vec<_> = (1..=ids.len())
                .map(|n| demo::availability_id(spec.number, n as u8))
                .collect();
            assert_eq!(ids, expected, "{}", spec.name);
        }

        let amara = &all[0];
        assert_eq!(
            amara.artist.id.to_string(),
            "de300000-0000-8000-8000-000000000001"
        );
        assert_eq!(amara.skills, ["sound", "stage"]);
        assert_eq!(
            amara.availabilities[0].starts_at.to_rfc3339(),
            "2027-07-09T13:00:00+00:00",
            "15:00 in UTC+02:00"
        );
        let without_email = all.iter().filter(|d| d.artist.email.is_none()).count();
        assert_eq!(without_email, 6);
        let without_availability = all.iter().filter(|d| d.availabilities.is_empty()).count();
        assert_eq!(without_availability, 1);
    })
    .await;
}

#[tokio::test]
async fn seed_fills_an_empty_database() {
    on_each_backend(|t| async move {
        let seeded = demo::seed(&t.db, IfNotEmpty::Refuse).await;
        assert_eq!(
            seeded.ok(),
            Some(Seeded {
                deleted: 0,
                loaded: Loaded {
                    artists: 40,
                    availabilities: DEMO_AVAILABILITIES,
                    schedules: 1,
                }
            })
        );
        assert_eq!(details(&t).await.len(), 40);
    })
    .await;
}

#[tokio::test]
async fn seed_refuses_a_database_with_artists_and_writes_nothing() {
    on_each_backend(|t| async move {
        create_ada(&t).await;
        let before = details(&t).await;
        let refused = demo::seed(&t.db, IfNotEmpty::Refuse).await;
        assert!(
            matches!(refused, Err(SeedError::NotEmpty { artists: 1 })),
            "{refused:?}"
        );
        let message = refused.err().map(|err| err.to_string()).unwrap_or_default();
        assert!(message.contains("--force"), "{message}");
        assert_eq!(details(&t).await, before, "not a row changed");
        assert_eq!(availability_rows(&t).await, 1);
    })
    .await;
}

#[tokio::test]
async fn seed_with_replace_puts_the_demo_set_in_place_of_every_artist() {
    on_each_backend(|t| async move {
        let fresh = common::sqlite_memory().await;
        if let Err(err) = demo::load(&fresh.db).await {
            panic!("{err}");
        }
        let demo_content = content(&details(&fresh).await);

        // Ada holds the email of a demo artist: the demo set still loads,
        // since she is gone first, with her availability.
        create_ada(&t).await;
        let seeded = demo::seed(&t.db, IfNotEmpty::Replace).await;
        assert_eq!(
            seeded.as_ref().ok().map(|s| s.deleted),
            Some(1),
            "{seeded:?}"
        );
        assert_eq!(content(&details(&t).await), demo_content);
        assert_eq!(availability_rows(&t).await, DEMO_AVAILABILITIES as u64);

        // Edited demo data is put back as it was.
        let amara = demo::artist_id(1);
        let deleted = domain::Writes::new(t.db.clone()).delete_artist(amara).await;
        assert!(deleted.is_ok());
        let seeded = demo::seed(&t.db, IfNotEmpty::Replace).await;
        assert_eq!(seeded.ok().map(|s| s.deleted), Some(39));
        assert_eq!(content(&details(&t).await), demo_content);
    })
    .await;
}
