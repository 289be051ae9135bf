//! Reads on sessions of their own, beside the pool (`domain::Reads`).
//! Point reads: on read-only connections of a SQLite file, pipelined on
//! PostgreSQL. On both, concurrent reads each
//! get their own answer and a read sees every write answered before it.
//! List pages: pipelined on PostgreSQL, on
//! sessions of their own, answering as the pool does for every filter,
//! order and cursor. On PostgreSQL, a request dropped midway leaves its
//! session sound, and when the server ends a session, the pool answers its
//! reads until a new one serves them.

use crate::common;

use crate::common::{TestApi, TestDb};
use futures::FutureExt;
use futures::future::join_all;
use serde_json::{Value, json};

/// What a page's statement with its artists' times holds.
const KEPT_TIMES: &str = r#""availability_spans" AS "spans""#;

/// The application names of the pipelined sessions.
const POINTS: &str = coulisses::db::POINT_READS_NAME;
const PAGES: &str = coulisses::db::PAGE_READS_NAME;

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
        db.point_reads_apart(),
        "{}: point reads go through the pool",
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

async fn postgres() -> (TestDb, TestApi) {
    with_point_reads(common::postgres().await).await
}

/// A SQLite file, and PostgreSQL.
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
        let pooled = db.pooled_statements();
        for (answer, expected) in join_all(reads).await {
            assert_eq!(&answer, expected);
        }
        assert_eq!(
            db.pooled_statements(),
            pooled,
            "no read went through the pool"
        );
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
            let pooled = db.pooled_statements();
            assert_eq!(read_by_plan(&api, &id).await, expected, "after day {day}");
            assert_eq!(
                db.pooled_statements(),
                pooled,
                "the read went through the pool"
            );
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
    let (db, api) = postgres().await;
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

/// The backends of the pipelined sessions named `name`, as the server
/// lists them.
async fn pipelined_backends(db: &TestDb, name: &str) -> Vec<i32> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .db
        .query_all_raw(Statement::from_sql_and_values(
            db.db.get_database_backend(),
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = $1 ORDER BY pid",
            [name.into()],
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
    let (db, api) = postgres().await;
    let artists = distinct_artists(&api, 2).await;
    let (id, expected) = &artists[1];
    assert_eq!(&read_by_plan(&api, id).await, expected);
    let before = pipelined_backends(&db, POINTS).await;
    assert_eq!(before.len(), 1, "one session: {before:?}");
    assert_ran_the_read(&db, before[0]).await;

    // As an administrator or a restart would, and waiting until it is gone.
    terminate(&db, before[0]).await;

    // The read finds the session gone (or loses its answer with it): the
    // pool answers it, by the plan all the same, and a new session opens.
    assert_eq!(&read_by_plan(&api, id).await, expected);
    let replacement = new_session(&db, POINTS, &before).await;
    // The session opens on the server a moment before it serves here (and
    // its statement, prepared as it opens, reads as the read's text).
    poll_until("a read on the new session", async || {
        let pooled = db.pooled_statements();
        assert_eq!(&read_by_plan(&api, id).await, expected);
        (db.pooled_statements() == pooled).then_some(())
    })
    .await;
    assert_ran_the_read(&db, replacement).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_whose_session_the_server_ends_is_answered_by_the_pool() {
    let (db, api) = postgres().await;
    let artists = distinct_artists(&api, 2).await;
    let (id, expected) = artists[1].clone();
    assert_eq!(read_by_plan(&api, &id).await, expected);
    let session = pipelined_backends(&db, POINTS).await;

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
    new_session(&db, POINTS, &session).await;
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

/// Polls the server until a pipelined session named `name`, other than
/// `old`, is open; its backend.
async fn new_session(db: &TestDb, name: &str, old: &[i32]) -> i32 {
    poll_until("a new pipelined session", async || {
        pipelined_backends(db, name)
            .await
            .into_iter()
            .find(|pid| !old.contains(pid))
    })
    .await
}

/// Asserts that backend `pid` ran the single artist's read last.
async fn assert_ran_the_read(db: &TestDb, pid: i32) {
    assert_ran(db, pid, "FROM availabilities WHERE artist_id").await;
}

/// Asserts that backend `pid` last ran a statement that holds `part`.
async fn assert_ran(db: &TestDb, pid: i32, part: &str) {
    let last = about_backend(db, "SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
        .await
        .and_then(|row| row.try_get_by_index::<String>(0).ok());
    assert!(
        last.as_deref().is_some_and(|query| query.contains(part)),
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

/// A page of artists with their availabilities' times: read by its plan
/// with the times, in one statement. FILTER stands for the filter, if any,
/// written in (a filter given as a variable keeps the general path).
const PAGE_WITH_TIMES: &str = "query($first: Int, $after: String, $last: Int, $before: String, \
     $order: ArtistOrder) { artists(first: $first, after: $after, last: $last, before: $before, \
     orderBy: $order FILTER) { nodes { name email availabilities { startsAt endsAt } } \
     pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
/// The same with whole availabilities: the page, then its availabilities.
const PAGE_WITH_RECORDS: &str = "query($first: Int, $after: String, $last: Int, $before: String, \
     $order: ArtistOrder) { artists(first: $first, after: $after, last: $last, before: $before, \
     orderBy: $order FILTER) { edges { cursor node { name availabilities { id startsAt note } } } \
     pageInfo { hasNextPage hasPreviousPage } } }";

/// `page` with `filter` written in.
fn filtered(page: &str, filter: &str) -> String {
    page.replace("FILTER", filter)
}

/// Thirty artists, named out of creation order, with one skill or four in
/// turn, zero to three availabilities, and an email for two in three.
async fn listed_artists(api: &TestApi) {
    for n in 0..30 {
        let days: Vec<Value> = (1..=n % 4)
            .map(|day| {
                json!({
                    "startsAt": format!("2026-06-{day:02}T10:00:00+02:00"),
                    "endsAt": format!("2026-06-{day:02}T18:00:00Z"),
                    "note": format!("day {day}"),
                })
            })
            .collect();
        let skills = if n % 2 == 0 {
            json!(["sound", "light", "rigging", "video"])
        } else {
            json!(["light"])
        };
        let email = (n % 3 != 0).then(|| format!("listed{n}@example.org"));
        api.create_artist(json!({
            "name": format!("Listed {:02}", (n * 7) % 30),
            "email": email,
            "skills": skills,
            "availabilities": days,
        }))
        .await;
    }
}

/// On PostgreSQL's page sessions and on a SQLite file's readers.
#[tokio::test]
async fn pages_are_read_on_connections_of_their_own_and_answer_as_the_pool_does() {
    for db in common::pooled_backends().await {
        pages_answer_as_the_pool_does(&db).await;
    }
}

async fn pages_answer_as_the_pool_does(db: &TestDb) {
    assert!(
        db.page_statements().is_some(),
        "{}: list pages go through the pool",
        db.label
    );
    let (api, pool) = (db.api(), db.pool_api());
    listed_artists(&api).await;
    let first = pool
        .data(&filtered(PAGE_WITH_TIMES, ""), json!({ "first": 5 }))
        .await;
    let cursor = first["artists"]["pageInfo"]["endCursor"].clone();
    let oldest = pool
        .data(
            &filtered(PAGE_WITH_TIMES, ""),
            json!({ "first": 5, "order": "CREATED_AT_ASC" }),
        )
        .await;
    let created = oldest["artists"]["pageInfo"]["endCursor"].clone();
    let available = r#"filter: { availableDuring: {
        startsAt: "2026-06-02T09:00:00Z", endsAt: "2026-06-02T17:00:00Z" } }"#;
    let everything = r#"filter: { search: "listed", skills: ["Sound", "light"], availableDuring: {
        startsAt: "2026-06-01T09:00:00Z", endsAt: "2026-06-01T17:00:00Z" } }"#;
    let cases = [
        ("", json!({ "first": 5 })),
        ("", json!({ "first": 5, "after": cursor })),
        ("", json!({ "last": 3, "before": cursor })),
        ("", json!({ "last": 4, "order": "NAME_DESC" })),
        ("", json!({ "first": 7, "order": "CREATED_AT_DESC" })),
        (r#"filter: { search: "listed 1" }"#, json!({ "first": 50 })),
        (r#"filter: { search: "LISTED2@" }"#, json!({ "first": 50 })),
        (r#"filter: { skills: ["sound"] }"#, json!({ "first": 50 })),
        (
            r#"filter: { skills: ["sound", "light"] }"#,
            json!({ "first": 50 }),
        ),
        (available, json!({ "first": 50 })),
        // More skills than PostgreSQL tests one by one: one grouped query.
        (
            r#"filter: { skills: ["sound", "light", "rigging", "video"] }"#,
            json!({ "first": 50 }),
        ),
        (everything, json!({ "last": 5, "order": "CREATED_AT_DESC" })),
        (
            "",
            json!({ "first": 4, "after": created, "order": "CREATED_AT_ASC" }),
        ),
        (
            "",
            json!({ "last": 2, "before": created, "order": "CREATED_AT_ASC" }),
        ),
        (
            r#"filter: { skills: ["light"] }"#,
            json!({ "first": 2, "order": "CREATED_AT_ASC" }),
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for page in [PAGE_WITH_TIMES, PAGE_WITH_RECORDS] {
        for (filter, variables) in &cases {
            let query = filtered(page, filter);
            let expected = pool.data(&query, variables.clone()).await;
            // async-graphql answers a document first, then its read plan
            // does. Both read the page on its session.
            let first_seen = seen.insert(query.clone());
            for by_plan in [!first_seen, true] {
                let ran = db.page_statements();
                let answer = api.answer(&query, variables.clone()).await;
                let on = db.label;
                assert_eq!(
                    answer,
                    (json!({ "data": expected }), by_plan),
                    "{on}: {query}"
                );
                assert_eq!(
                    db.page_statements(),
                    ran.map(|ran| ran + 1),
                    "{on}: one statement on the page reads' connections: {query}"
                );
            }
        }
    }
    if db.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let sessions = pipelined_backends(db, PAGES).await;
        assert_eq!(sessions.len(), 1, "one session: {sessions:?}");
        assert_ran(db, sessions[0], r#"SELECT "artists"."id""#).await;
    }
}

#[tokio::test]
async fn a_page_session_the_server_ended_is_replaced_and_meanwhile_the_pool_answers() {
    let db = common::postgres().await;
    let (api, pool) = (db.api(), db.pool_api());
    listed_artists(&api).await;
    let (query, page) = (filtered(PAGE_WITH_TIMES, ""), json!({ "first": 10 }));
    let expected = pool.execute(&query, page.clone()).await;
    assert_eq!(api.execute(&query, page.clone()).await, expected);
    let before = pipelined_backends(&db, PAGES).await;
    assert_eq!(before.len(), 1, "one session: {before:?}");
    assert_ran(&db, before[0], r#"SELECT "artists"."id""#).await;

    terminate(&db, before[0]).await;

    // By the plan, as before the session ended, with the pool's answer.
    let (answer, by_plan) = api.answer(&query, page.clone()).await;
    assert!(by_plan);
    assert_eq!(answer, expected);
    let replacement = new_session(&db, PAGES, &before).await;
    // The session opens on the server a moment before it serves here.
    poll_until("a page read on the new session", async || {
        let ran = db.page_statements();
        assert_eq!(api.execute(&query, page.clone()).await, expected);
        (db.page_statements() > ran).then_some(())
    })
    .await;
    assert_ran(&db, replacement, KEPT_TIMES).await;
}

/// Where the URL asks for TLS, the pipelined sessions encrypt as the pool
/// does: production reaches its server so.
#[tokio::test]
async fn sessions_encrypt_where_the_url_asks_for_tls() {
    use sea_orm::{ConnectionTrait, Statement};
    let (db, api) = with_point_reads(common::postgres_with_tls().await).await;
    let _ = read_by_plan(&api, "00000000-0000-0000-0000-000000000000").await;
    let rows = db
        .db
        .query_all_raw(Statement::from_string(
            db.db.get_database_backend(),
            "SELECT a.application_name, s.ssl FROM pg_stat_activity a \
             JOIN pg_stat_ssl s USING (pid) WHERE a.datname = current_database() \
             AND a.application_name IN ('coulisses pipelined reads', 'coulisses pipelined pages')",
        ))
        .await
        .unwrap_or_else(|err| panic!("pg_stat_ssl: {err}"));
    let sessions: Vec<(String, bool)> = rows
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0)
                    .unwrap_or_else(|err| panic!("{err}")),
                row.try_get_by_index(1)
                    .unwrap_or_else(|err| panic!("{err}")),
            )
        })
        .collect();
    assert_eq!(
        sessions.len(),
        2,
        "one point and one page session: {sessions:?}"
    );
    assert!(
        sessions.iter().all(|(_, ssl)| *ssl),
        "a pipelined session in clear: {sessions:?}"
    );
}
