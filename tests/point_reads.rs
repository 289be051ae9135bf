//! Point reads outside the pool (`db::PointReads`): in place on a SQLite
//! file, pipelined on PostgreSQL. On both, concurrent reads each get their
//! own answer and a read sees every write answered before it. On
//! PostgreSQL, a request dropped midway leaves its session sound, and when
//! the server ends a session, the pool answers its reads until a new one
//! serves them.

mod common;

use common::{TestApi, TestDb};
use futures::FutureExt;
use futures::future::join_all;
use serde_json::{Value, json};

const ARTIST: &str =
    "query($id: ID!) { artist(id: $id) { id name availabilities { startsAt endsAt } } }";

/// Artists with names and availabilities of their own, and what a read
/// of each must answer.
async fn distinct_artists(api: &TestApi, count: usize) -> Vec<(String, Value)> {
    let mut artists = Vec::with_capacity(count);
    for n in 0..count {
        let id = api
            .create_artist(json!({ "name": format!("Pipelined {n:02}") }))
            .await;
        // n availabilities: day d of June, 10:00 to 12:00.
        let mut availabilities = Vec::new();
        for day in 1..=n % 4 {
            let (starts_at, ends_at) = (
                format!("2026-06-{day:02}T10:00:00Z"),
                format!("2026-06-{day:02}T12:00:00Z"),
            );
            api.add_availability(&id, &starts_at, &ends_at).await;
            availabilities.push(json!({ "startsAt": starts_at, "endsAt": ends_at }));
        }
        let expected = json!({ "data": { "artist": {
            "id": id,
            "name": format!("Pipelined {n:02}"),
            "availabilities": availabilities,
        } } });
        artists.push((id, expected));
    }
    artists
}

/// Reads the artist by its compiled plan, which reads it beside the pool.
async fn read_by_plan(api: &TestApi, id: &str) -> Value {
    let (answer, by_plan) = api.answer(ARTIST, json!({ "id": id })).await;
    assert!(by_plan, "the read plan did not answer: {answer}");
    answer
}

/// The API over `db`, its point reads outside the pool, and the read's
/// plan compiled.
async fn with_point_reads(db: TestDb) -> (TestDb, TestApi) {
    assert!(
        db.point_reads.is_some(),
        "{}: point reads go through the pool (for PostgreSQL on another \
         host, add sslmode=disable to TEST_DATABASE_URL)",
        db.label
    );
    let api = db.api();
    // The first request of a document compiles its plan.
    api.execute(
        ARTIST,
        json!({ "id": "00000000-0000-0000-0000-000000000000" }),
    )
    .await;
    (db, api)
}

async fn postgres() -> Option<(TestDb, TestApi)> {
    Some(with_point_reads(common::postgres().await?).await)
}

/// A SQLite file, and PostgreSQL when TEST_DATABASE_URL is set.
async fn both_engines() -> Vec<(TestDb, TestApi)> {
    let mut engines = Vec::new();
    for db in common::pooled_backends().await {
        engines.push(with_point_reads(db).await);
    }
    engines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_each_get_their_own_artist() {
    for (db, api) in both_engines().await {
        eprintln!("-- on {}", db.label);
        let artists = distinct_artists(&api, 24).await;
        // Ten rounds over every artist at once, each read a task of its
        // own. On PostgreSQL's one session, their statements go out back to
        // back and their answers come back in turn; on SQLite, the two
        // runtime threads read at once, each on a connection of its own.
        let reads = (0..10).flat_map(|_| artists.iter()).map(|(id, expected)| {
            let (api, id) = (api.clone(), id.clone());
            let read = tokio::spawn(async move { read_by_plan(&api, &id).await });
            async move {
                let answer = read
                    .await
                    .unwrap_or_else(|err| panic!("a read failed: {err}"));
                (answer, expected)
            }
        });
        let pooled = db.statements();
        for (answer, expected) in join_all(reads).await {
            assert_eq!(&answer, expected);
        }
        assert_eq!(db.statements(), pooled, "no read went through the pool");
    }
}

#[tokio::test]
async fn a_read_sees_every_write_answered_before_it() {
    for (db, api) in both_engines().await {
        eprintln!("-- on {}", db.label);
        let artists = distinct_artists(&api, 1).await;
        let (id, mut expected) = artists[0].clone();
        for day in 1..=5 {
            let (starts_at, ends_at) = (
                format!("2026-07-{day:02}T09:00:00Z"),
                format!("2026-07-{day:02}T18:00:00Z"),
            );
            api.add_availability(&id, &starts_at, &ends_at).await;
            if let Some(availabilities) =
                expected["data"]["artist"]["availabilities"].as_array_mut()
            {
                availabilities.push(json!({ "startsAt": starts_at, "endsAt": ends_at }));
            }
            let pooled = db.statements();
            assert_eq!(read_by_plan(&api, &id).await, expected, "after day {day}");
            assert_eq!(db.statements(), pooled, "the read went through the pool");
        }
        api.data(
            "mutation($id: ID!) { deleteArtist(id: $id) { __typename } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(
            read_by_plan(&api, &id).await,
            json!({ "data": { "artist": null } }),
            "after its deletion"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_dropped_midway_leaves_the_session_sound() {
    let Some((db, api)) = postgres().await else {
        return;
    };
    let artists = distinct_artists(&api, 4).await;
    // Once through, so that the next reads run the prepared statement at
    // their first poll.
    assert_eq!(read_by_plan(&api, &artists[0].0).await, artists[0].1);
    // Under this lock, no read can finish: each is surely in flight when
    // dropped.
    let lock = lock_artists(&db).await;
    for (id, _) in &artists {
        // Polled once, the read has sent its statement; dropped, it never
        // takes the answer, which the next read must not receive instead.
        let abandoned = api.answer(ARTIST, json!({ "id": id })).now_or_never();
        assert!(abandoned.is_none(), "the read finished under the lock");
    }
    lock.rollback()
        .await
        .unwrap_or_else(|err| panic!("ROLLBACK: {err}"));
    for (id, expected) in artists.iter().rev() {
        assert_eq!(&read_by_plan(&api, id).await, expected);
    }
}

/// A transaction holding the artists table locked: reads of it wait until
/// it ends.
async fn lock_artists(db: &TestDb) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let lock = db
        .db
        .begin()
        .await
        .unwrap_or_else(|err| panic!("BEGIN: {err}"));
    lock.execute_unprepared("LOCK TABLE artists IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap_or_else(|err| panic!("LOCK: {err}"));
    lock
}

/// The pipelined sessions' backends, as the server lists them.
async fn pipelined_backends(db: &TestDb) -> Vec<i32> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .db
        .query_all_raw(Statement::from_sql_and_values(
            db.db.get_database_backend(),
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = $1 ORDER BY pid",
            [coulisses::db::PIPELINED_APPLICATION_NAME.into()],
        ))
        .await
        .unwrap_or_else(|err| panic!("pg_stat_activity: {err}"));
    rows.iter()
        .map(|row| {
            row.try_get_by_index::<i32>(0)
                .unwrap_or_else(|err| panic!("pid: {err}"))
        })
        .collect()
}

#[tokio::test]
async fn a_session_the_server_ended_is_replaced_and_meanwhile_the_pool_answers() {
    let Some((db, api)) = postgres().await else {
        return;
    };
    let artists = distinct_artists(&api, 2).await;
    let (id, expected) = &artists[1];
    assert_eq!(&read_by_plan(&api, id).await, expected);
    let before = pipelined_backends(&db).await;
    assert_eq!(before.len(), 1, "one session: {before:?}");
    assert_ran_the_read(&db, before[0]).await;

    // As an administrator or a restart would, and waiting until it is gone.
    terminate(&db, before[0]).await;

    // The read finds the session gone (or loses its answer with it): the
    // pool answers it, by the plan all the same, and a new session opens.
    assert_eq!(&read_by_plan(&api, id).await, expected);
    let replacement = new_session(&db, &before).await;
    assert_eq!(&read_by_plan(&api, id).await, expected);
    assert_ran_the_read(&db, replacement).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_whose_session_the_server_ends_is_answered_by_the_pool() {
    let Some((db, api)) = postgres().await else {
        return;
    };
    let artists = distinct_artists(&api, 2).await;
    let (id, expected) = artists[1].clone();
    assert_eq!(read_by_plan(&api, &id).await, expected);
    let session = pipelined_backends(&db).await;

    // The read waits on this lock, its statement in flight, when the
    // server ends its session: the error is the read's answer.
    let lock = lock_artists(&db).await;
    let read = tokio::spawn({
        let api = api.clone();
        async move { read_by_plan(&api, &id).await }
    });
    wait_until_waiting_on_a_lock(&db, session[0]).await;
    terminate(&db, session[0]).await;
    lock.rollback()
        .await
        .unwrap_or_else(|err| panic!("ROLLBACK: {err}"));

    let answer = read
        .await
        .unwrap_or_else(|err| panic!("the read failed: {err}"));
    assert_eq!(answer, expected);
    new_session(&db, &session).await;
}

/// The one row `sql` answers about backend `pid` (its `$1`), if any.
async fn about_backend(db: &TestDb, sql: &str, pid: i32) -> Option<sea_orm::QueryResult> {
    use sea_orm::{ConnectionTrait, Statement};
    db.db
        .query_one_raw(Statement::from_sql_and_values(
            db.db.get_database_backend(),
            sql,
            [pid.into()],
        ))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

/// Asks `check` every 10 ms, at most 10 s, until it finds something.
async fn poll_until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..1_000 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 10 s");
}

/// Polls the server until a pipelined session other than `old` is open;
/// its backend.
async fn new_session(db: &TestDb, old: &[i32]) -> i32 {
    poll_until("a new pipelined session", async || {
        pipelined_backends(db)
            .await
            .into_iter()
            .find(|pid| !old.contains(pid))
    })
    .await
}

/// Asserts that backend `pid` ran the single artist's read last.
async fn assert_ran_the_read(db: &TestDb, pid: i32) {
    let last = about_backend(db, "SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
        .await
        .and_then(|row| row.try_get_by_index::<String>(0).ok());
    assert!(
        last.as_deref()
            .is_some_and(|query| query.starts_with("SELECT a.name")),
        "backend {pid} last ran {last:?}"
    );
}

/// Polls the server until backend `pid` waits on a lock.
async fn wait_until_waiting_on_a_lock(db: &TestDb, pid: i32) {
    poll_until("a wait on the lock", async || {
        about_backend(
            db,
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
            pid,
        )
        .await
        .and_then(|row| row.try_get_by_index::<Option<bool>>(0).ok().flatten())
        .filter(|waiting| *waiting)
    })
    .await;
}

async fn terminate(db: &TestDb, pid: i32) {
    let ended = about_backend(db, "SELECT pg_terminate_backend($1, 5000)", pid)
        .await
        .and_then(|row| row.try_get_by_index::<bool>(0).ok());
    assert_eq!(ended, Some(true), "backend {pid} did not end within 5 s");
}
