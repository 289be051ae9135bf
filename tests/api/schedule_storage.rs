//! What the database itself holds of kept schedules, whoever writes: one
//! assignment per artist and slot, one slot per key, statuses and versions
//! it knows, and the cascades (a schedule takes its slots, a slot its
//! assignments and refusals, an artist theirs).

use coulisses::entities::{
    schedule, schedule_artist, schedule_assignment, schedule_refusal, schedule_slot,
};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait};
use serde_json::json;
use uuid::Uuid;

use crate::common::{TestDb, on_each_backend};

fn a_schedule() -> schedule::Model {
    schedule::Model {
        id: Uuid::now_v7(),
        name: "Festival".into(),
        status: "DRAFT".into(),
        version: 1,
        max_slots_per_artist: None,
        min_rest_minutes: 0,
        artists_listed: true,
        created_at: 0,
        updated_at: 0,
        published_at: None,
    }
}

fn a_slot(schedule: Uuid, key: &str) -> schedule_slot::Model {
    schedule_slot::Model {
        id: Uuid::now_v7(),
        schedule_id: schedule,
        key: key.into(),
        starts_at: 0,
        ends_at: 3_600_000_000,
        positions: 2,
        required_skills: "[]".into(),
        label: None,
    }
}

fn an_assignment(slot: Uuid, artist: Uuid) -> schedule_assignment::Model {
    schedule_assignment::Model {
        id: Uuid::now_v7(),
        slot_id: slot,
        artist_id: artist,
        status: "PROPOSED".into(),
        pinned: false,
        created_at: 0,
    }
}

async fn insert<A>(t: &TestDb, model: impl IntoActiveModel<A>) -> Result<(), sea_orm::DbErr>
where
    A: ActiveModelTrait + Send,
{
    A::Entity::insert(model.into_active_model())
        .exec_without_returning(&t.db)
        .await
        .map(|_| ())
}

/// A schedule with one slot, one artist listed, assigned and refused.
async fn stored(t: &TestDb) -> (schedule::Model, schedule_slot::Model, Uuid) {
    let artist = t.api().create_artist(json!({ "name": "Ada" })).await;
    let artist = Uuid::parse_str(&artist).unwrap_or_else(|err| panic!("{artist}: {err}"));
    let schedule = a_schedule();
    let slot = a_slot(schedule.id, "late");
    let written = async {
        insert(t, schedule.clone()).await?;
        insert(
            t,
            schedule_artist::Model {
                schedule_id: schedule.id,
                artist_id: artist,
            },
        )
        .await?;
        insert(t, slot.clone()).await?;
        insert(t, an_assignment(slot.id, artist)).await?;
        insert(
            t,
            schedule_refusal::Model {
                slot_id: slot.id,
                artist_id: artist,
            },
        )
        .await
    };
    if let Err(err) = written.await {
        panic!("{}: a valid schedule was refused: {err}", t.label);
    }
    (schedule, slot, artist)
}

async fn count<E: EntityTrait>(t: &TestDb) -> u64
where
    E::Model: Sync,
{
    E::find()
        .count(&t.db)
        .await
        .unwrap_or_else(|err| panic!("{}: count: {err}", t.label))
}

#[tokio::test]
async fn an_artist_is_on_a_slot_once_and_a_key_names_one_slot() {
    on_each_backend(|t| async move {
        let (schedule, slot, artist) = stored(&t).await;
        assert!(
            insert(&t, an_assignment(slot.id, artist)).await.is_err(),
            "{}: a second assignment of the same artist to the same slot",
            t.label
        );
        assert!(
            insert(&t, a_slot(schedule.id, "late")).await.is_err(),
            "{}: a second slot keyed late",
            t.label
        );
        assert!(insert(&t, a_slot(schedule.id, "early")).await.is_ok());
        assert_eq!(count::<schedule_assignment::Entity>(&t).await, 1);
    })
    .await;
}

#[tokio::test]
async fn statuses_versions_and_slots_outside_the_rules_are_refused() {
    on_each_backend(|t| async move {
        let refused = [
            schedule::Model {
                status: "LIVE".into(),
                ..a_schedule()
            },
            schedule::Model {
                version: 0,
                ..a_schedule()
            },
            schedule::Model {
                min_rest_minutes: -1,
                ..a_schedule()
            },
        ];
        for schedule in refused {
            let shown = format!("{schedule:?}");
            assert!(insert(&t, schedule).await.is_err(), "{}: {shown}", t.label);
        }
        let schedule = a_schedule();
        insert(&t, schedule.clone())
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", t.label));
        let inverted = schedule_slot::Model {
            ends_at: 0,
            starts_at: 60,
            ..a_slot(schedule.id, "inverted")
        };
        assert!(insert(&t, inverted).await.is_err(), "{}", t.label);
        let artist = t.api().create_artist(json!({ "name": "Bo" })).await;
        let artist = Uuid::parse_str(&artist).unwrap_or_else(|err| panic!("{artist}: {err}"));
        let slot = a_slot(schedule.id, "s");
        insert(&t, slot.clone())
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", t.label));
        let unknown = schedule_assignment::Model {
            status: "MAYBE".into(),
            ..an_assignment(slot.id, artist)
        };
        assert!(insert(&t, unknown).await.is_err(), "{}", t.label);
    })
    .await;
}

#[tokio::test]
async fn a_deleted_artist_takes_their_assignments_refusals_and_listing() {
    on_each_backend(|t| async move {
        let (_, _, artist) = stored(&t).await;
        let deleted = t
            .api()
            .data(
                "mutation($id: ID!) { deleteArtist(id: $id) { __typename } }",
                json!({ "id": artist.to_string() }),
            )
            .await;
        assert_eq!(deleted["deleteArtist"]["__typename"], "DeletedArtist");
        assert_eq!(count::<schedule_assignment::Entity>(&t).await, 0);
        assert_eq!(count::<schedule_refusal::Entity>(&t).await, 0);
        assert_eq!(count::<schedule_artist::Entity>(&t).await, 0);
        assert_eq!(
            count::<schedule_slot::Entity>(&t).await,
            1,
            "the slot stays"
        );
    })
    .await;
}

#[tokio::test]
async fn a_deleted_schedule_takes_everything_it_held() {
    on_each_backend(|t| async move {
        let (schedule, _, _) = stored(&t).await;
        schedule::Entity::delete_by_id(schedule.id)
            .exec(&t.db)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", t.label));
        assert_eq!(count::<schedule_slot::Entity>(&t).await, 0);
        assert_eq!(count::<schedule_assignment::Entity>(&t).await, 0);
        assert_eq!(count::<schedule_refusal::Entity>(&t).await, 0);
        assert_eq!(count::<schedule_artist::Entity>(&t).await, 0);
        assert_eq!(
            t.api().data("{ artists { totalCount } }", json!({})).await["artists"]["totalCount"],
            1
        );
    })
    .await;
}

/// A schedule is read in five statements. A change that commits between
/// two of them (here, between the slots and the assignments) is not seen
/// by the read at all: it answers the schedule as it was when it began,
/// never slots and assignments of two different commits. The read is held
/// after its slots by the metric callback of its own pool, which runs
/// after each statement; the reader has a thread and a runtime of its own,
/// which the hold blocks.
#[tokio::test]
async fn a_schedule_is_read_as_of_one_commit_whatever_commits_meanwhile() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Mutex, mpsc};

    for t in crate::common::pooled_backends().await {
        let (schedule, _, artist) = stored(&t).await;
        let (held, on_hold) = mpsc::channel::<()>();
        let (release, released) = mpsc::channel::<()>();
        let (url, label, id) = (t.url.clone(), t.label, schedule.id);
        let reader = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|err| panic!("{label}: a runtime: {err}"));
            runtime.block_on(async move {
                let mut reader = coulisses::db::connect(&url, 1)
                    .await
                    .unwrap_or_else(|err| panic!("{label}: a second pool: {err}"));
                let (held, released) = (Mutex::new(held), Mutex::new(released));
                let armed = AtomicBool::new(true);
                reader.set_metric_callback(move |info| {
                    if info.statement.sql.contains("FROM \"schedule_slots\"")
                        && armed.swap(false, Ordering::SeqCst)
                    {
                        let _ = held.lock().map(|held| held.send(()));
                        let _ = released.lock().map(|released| released.recv());
                    }
                });
                let during = coulisses::domain::schedules::read(&reader, id).await;
                let after = coulisses::domain::schedules::read(&reader, id).await;
                (during, after)
            })
        });
        let holding = tokio::task::spawn_blocking(move || on_hold.recv()).await;
        assert!(
            matches!(holding, Ok(Ok(()))),
            "{}: the read never reached its slots",
            t.label
        );
        // Meanwhile: a new slot, and the artist assigned to it.
        let early = a_slot(schedule.id, "early");
        let written = async {
            insert(&t, early.clone()).await?;
            insert(&t, an_assignment(early.id, artist)).await
        };
        if let Err(err) = written.await {
            panic!("{}: the change was refused: {err}", t.label);
        }
        let _ = release.send(());
        let (during, after) = match tokio::task::spawn_blocking(move || reader.join()).await {
            Ok(Ok(reads)) => reads,
            _ => panic!("{}: the reader panicked", t.label),
        };
        let counts = |read: Result<Option<coulisses::domain::schedules::Schedule>, _>| match read {
            Ok(Some(schedule)) => (schedule.slots.len(), schedule.assignments.len()),
            other => panic!("{}: the read answered {other:?}", t.label),
        };
        assert_eq!(counts(during), (1, 1), "{}: as before the change", t.label);
        assert_eq!(counts(after), (2, 2), "{}: the next read sees it", t.label);
    }
}
