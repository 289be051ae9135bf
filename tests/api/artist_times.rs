//! Each artist's row keeps its availabilities' times, which the list
//! page reads (triggers of migration m20261124_000003 keep them). After
//! every kind of write, by the service, by a cascade, by an operator's
//! SQL, and under concurrent writes, a page that reads the kept times
//! answers what one that reads the availabilities themselves answers.

use crate::common;

use crate::common::{TestApi, TestDb, on_each_backend, string};
use futures::future::join_all;
use migration::MigratorTrait;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// Read by its plan, this page takes the times each artist's row keeps.
const KEPT: &str = "{ artists(first: 100) { nodes { name availabilities { startsAt endsAt } } } }";
/// Asking for an availability's id, the page reads the availabilities.
const READ: &str =
    "{ artists(first: 100) { nodes { name availabilities { id startsAt endsAt } } } }";

/// Asserts that both pages answer the same times for every artist.
async fn assert_kept(api: &TestApi, when: &str) {
    // The first answer compiles the plan; the second is the plan's.
    api.execute(KEPT, json!({})).await;
    let (kept, by_plan) = api.answer(KEPT, json!({})).await;
    assert!(by_plan, "{when}: the plan did not answer");
    let mut read = api.data(READ, json!({})).await;
    for node in read["artists"]["nodes"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        for availability in node["availabilities"].as_array_mut().into_iter().flatten() {
            if let Some(fields) = availability.as_object_mut() {
                fields.remove("id");
            }
        }
    }
    assert_eq!(kept, json!({ "data": read }), "{when}");
}

fn range(day: u32, from: u32, to: u32) -> Value {
    json!({
        "startsAt": format!("2026-07-{day:02}T{from:02}:00:00Z"),
        "endsAt": format!("2026-07-{day:02}T{to:02}:00:00Z"),
    })
}

/// Runs a mutation, asserting it returned `typename`; its data.
async fn mutate(api: &TestApi, mutation: &str, variables: Value, typename: &str) -> Value {
    let data = api.data(mutation, variables).await;
    let result = data.as_object().and_then(|fields| fields.values().next());
    assert_eq!(
        result.map(|result| &result["__typename"]),
        Some(&json!(typename)),
        "{mutation}: {data}"
    );
    result.cloned().unwrap_or_default()
}

#[tokio::test]
async fn every_write_keeps_the_times_a_page_reads() {
    on_each_backend(|t| async move {
        let api = t.api();
        let cast = api
            .create_artist(json!({
                "name": "Cast",
                "availabilities": [range(3, 9, 12), range(1, 9, 12)],
            }))
            .await;
        let crew = api.create_artist(json!({ "name": "Crew" })).await;
        assert_kept(&api, "created, one with times and one without").await;

        let added = mutate(
            &api,
            "mutation($a: ID!, $i: AvailabilityInput!) { addAvailability(artistId: $a, input: $i) { __typename ... on Availability { id } } }",
            json!({ "a": crew, "i": range(2, 14, 18) }),
            "Availability",
        )
        .await;
        let added = string(&added["id"]);
        assert_kept(&api, "added").await;

        mutate(
            &api,
            "mutation($id: ID!, $i: AvailabilityInput!) { updateAvailability(id: $id, input: $i) { __typename } }",
            json!({ "id": added, "i": range(5, 8, 20) }),
            "Availability",
        )
        .await;
        assert_kept(&api, "moved in time").await;

        mutate(
            &api,
            "mutation($a: ID!, $all: [AvailabilityInput!]!) { setAvailabilities(artistId: $a, availabilities: $all) { __typename } }",
            json!({ "a": cast, "all": [range(9, 10, 11), range(7, 10, 11), range(8, 10, 11)] }),
            "Artist",
        )
        .await;
        assert_kept(&api, "all replaced").await;

        // An operator moves the crew's availability to the cast in SQL:
        // both artists' times change.
        t.db.execute_unprepared("UPDATE availabilities SET artist_id = (SELECT artist_id FROM availabilities GROUP BY artist_id HAVING COUNT(*) = 3)")
            .await
            .unwrap_or_else(|err| panic!("UPDATE: {err}"));
        assert_kept(&api, "moved to another artist in SQL").await;

        mutate(
            &api,
            "mutation($id: ID!, $i: UpdateArtistInput!) { updateArtist(id: $id, input: $i) { __typename } }",
            json!({ "id": crew, "i": { "name": "Crew renamed", "email": "crew@example.org" } }),
            "Artist",
        )
        .await;
        assert_kept(&api, "an artist renamed").await;

        mutate(
            &api,
            "mutation($id: ID!) { deleteAvailability(id: $id) { __typename } }",
            json!({ "id": added }),
            "DeletedAvailability",
        )
        .await;
        assert_kept(&api, "deleted").await;

        mutate(
            &api,
            "mutation($a: ID!) { setAvailabilities(artistId: $a, availabilities: []) { __typename } }",
            json!({ "a": crew }),
            "Artist",
        )
        .await;
        assert_kept(&api, "all cleared").await;

        mutate(
            &api,
            "mutation($id: ID!) { deleteArtist(id: $id) { __typename } }",
            json!({ "id": cast }),
            "DeletedArtist",
        )
        .await;
        assert_kept(&api, "an artist deleted, its availabilities with it").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_keep_the_times_a_page_reads() {
    for t in common::pooled_backends().await {
        concurrent_writes_on(&t).await;
    }
}

async fn concurrent_writes_on(t: &TestDb) {
    let api = t.api();
    let artist = api.create_artist(json!({ "name": "Busy" })).await;
    // Twenty writers at once, each its own day, on one artist.
    let writes = (1..=20).map(|day| {
        let (api, artist) = (api.clone(), artist.clone());
        tokio::spawn(async move {
            api.add_availability(
                &artist,
                &format!("2026-08-{day:02}T09:00:00Z"),
                &format!("2026-08-{day:02}T17:00:00Z"),
            )
            .await
        })
    });
    for written in join_all(writes).await {
        let written = written.unwrap_or_else(|err| panic!("a write failed: {err}"));
        assert_eq!(written["__typename"], "Availability", "{written}");
    }
    assert_kept(&api, &format!("{}: twenty concurrent writes", t.label)).await;
    let page = api.data(KEPT, json!({})).await;
    let kept = page["artists"]["nodes"][0]["availabilities"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(kept, 20, "{}", t.label);
}

/// The migration that keeps the times, and the one that packs
/// PostgreSQL's into one column.
const TIMES_MIGRATIONS: [&str; 2] = [
    "m20261124_000003_artist_times",
    "m20261204_000006_artist_spans_packed",
];

/// How many migrations to roll back to undo `name` and those after it.
fn steps_back_to_before(name: &str) -> u32 {
    let names = crate::common::migration_names();
    let Some(index) = names.iter().position(|known| known == name) else {
        panic!("no migration {name} among {names:?}");
    };
    u32::try_from(names.len() - index).unwrap_or(u32::MAX)
}

#[tokio::test]
async fn the_migration_keeps_the_times_of_availabilities_written_before_it() {
    on_each_backend(|t| async move {
        let api = t.api();
        for n in 0..3_u32 {
            let days: Vec<Value> = (1..=n).map(|day| range(day, 9, 17)).collect();
            api.create_artist(json!({ "name": format!("Before {n}"), "availabilities": days }))
                .await;
        }
        // Back to before each migration, then forward again: each fills
        // the columns from the availabilities there.
        for name in TIMES_MIGRATIONS {
            migration::Migrator::down(&t.db, Some(steps_back_to_before(name)))
                .await
                .unwrap_or_else(|err| panic!("{}: down before {name}: {err}", t.label));
            migration::Migrator::up(&t.db, None)
                .await
                .unwrap_or_else(|err| panic!("{}: up from before {name}: {err}", t.label));
            assert_kept(&api, &format!("{name} run after the writes")).await;
        }
    })
    .await;
}

/// Two transactions of an operator's script insert availabilities of one
/// artist without locking it first: the second trigger waits for the
/// first transaction, then aggregates what it committed. Then the script
/// truncates the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_that_do_not_lock_the_artist_keep_its_times_too() {
    use sea_orm::{Statement, TransactionTrait};
    let t = common::postgres().await;
    let api = t.api();
    let artist = api.create_artist(json!({ "name": "Scripted" })).await;
    let insert = |day: u32| {
        Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "INSERT INTO availabilities (id, artist_id, starts_at, ends_at, created_at, updated_at) \
             VALUES (gen_random_uuid(), $1::uuid, $2, $3, 0, 0)",
            [
                artist.clone().into(),
                (i64::from(day) * 86_400_000_000).into(),
                (i64::from(day) * 86_400_000_000 + 3_600_000_000).into(),
            ],
        )
    };
    let first =
        t.db.begin()
            .await
            .unwrap_or_else(|err| panic!("BEGIN: {err}"));
    first
        .execute_raw(insert(20_000))
        .await
        .unwrap_or_else(|err| panic!("INSERT: {err}"));
    let second = tokio::spawn({
        let (db, statement) = (t.db.clone(), insert(20_001));
        async move {
            let second = db.begin().await?;
            second.execute_raw(statement).await?;
            second.commit().await
        }
    });
    // The second waits in its trigger for the first's lock on the artist.
    let waiting = "SELECT COUNT(*) AS n FROM pg_stat_activity \
                   WHERE datname = current_database() AND wait_event_type = 'Lock'";
    let mut blocked = false;
    for _ in 0..1_000 {
        let row =
            t.db.query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                waiting,
            ))
            .await
            .unwrap_or_else(|err| panic!("pg_stat_activity: {err}"));
        if row.and_then(|row| row.try_get::<i64>("", "n").ok()) == Some(1) {
            blocked = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(blocked, "the second writer never waited for the first");
    first
        .commit()
        .await
        .unwrap_or_else(|err| panic!("COMMIT: {err}"));
    second
        .await
        .unwrap_or_else(|err| panic!("the second writer: {err}"))
        .unwrap_or_else(|err| panic!("the second writer: {err}"));
    assert_kept(&api, "two writers without the artist's lock").await;

    // TRUNCATE fires no row trigger: a statement trigger clears the times.
    t.db.execute_unprepared("TRUNCATE availabilities")
        .await
        .unwrap_or_else(|err| panic!("TRUNCATE: {err}"));
    assert_kept(&api, "availabilities truncated").await;
}
