//! Graceful shutdown of the built binary: on SIGTERM, requests in flight
//! complete, new connections are refused, and the process exits 0, at the
//! latest when the grace period ends.
//!
//! A request is held in flight without any sleep: the test holds SQLite's
//! write lock, so the service's mutation waits on it (busy timeout) until
//! the test lets go.

use std::time::{Duration, Instant};

use crate::common::hold_write_lock;
use crate::common::service::{PATIENCE, Service, sqlite_file};
use coulisses::db;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// The handler's debug line for a request it took (its fields follow).
const HANDLER_TOOK_IT: &str = "graphql request caller=";
const CREATE: &str = "mutation { createArtist(input: { name: \"Late\" }) { __typename } }";
/// The debug line marks a request the handler has taken.
const LOG_FILTER: &str = "info,coulisses=debug";

fn serve(database_url: &str, grace_secs: u64) -> Service {
    let grace = grace_secs.to_string();
    Service::serve(database_url, &["--shutdown-grace-secs", &grace], LOG_FILTER)
}

/// Waits until a new connection is refused, as it must once shutdown has
/// begun (the listener closes a moment after the log line).
async fn refuses_new_connections(service: &Service) -> bool {
    let addr = service.base.trim_start_matches("http://").to_owned();
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        match tokio::net::TcpStream::connect(&addr).await {
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => return true,
            // Polled, not spun: the two cores are shared with the service.
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    false
}

fn post(base: &str, query: &str) -> tokio::task::JoinHandle<Result<Value, reqwest::Error>> {
    let request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }));
    tokio::spawn(async move { request.send().await?.json::<Value>().await })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_requests_in_flight_finish_and_refuses_new_ones() {
    let (_dir, url) = sqlite_file();
    let mut service = serve(&url, 20);
    let lock = hold_write_lock(&url).await;

    let in_flight = post(&service.base, CREATE);
    service.wait_for_log(HANDLER_TOOK_IT);
    service.terminate();
    service.wait_for_log("shutting down");

    assert!(
        refuses_new_connections(&service).await,
        "a new connection was still accepted during shutdown"
    );
    assert!(
        !in_flight.is_finished(),
        "the request in flight cannot finish while the lock is held"
    );
    lock.execute_unprepared("COMMIT")
        .await
        .unwrap_or_else(|err| panic!("commit: {err}"));

    let answer = match in_flight.await {
        Ok(Ok(answer)) => answer,
        other => panic!("the request in flight got no answer: {other:?}"),
    };
    assert_eq!(
        answer["data"]["createArtist"]["__typename"], "Artist",
        "{answer}"
    );
    let status = service.exit_status().await;
    assert!(status.success(), "exits 0 after draining, got {status}");

    let stored = lock
        .query_one_raw(sea_orm::Statement::from_string(
            lock.get_database_backend(),
            "SELECT COUNT(*) AS n FROM artists WHERE name = 'Late'",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get::<i64>("", "n").ok());
    assert_eq!(stored, Some(1), "the drained mutation is in the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_outliving_the_grace_period_does_not_hold_up_the_exit() {
    let (_dir, url) = sqlite_file();
    let mut service = serve(&url, 1);
    let lock = hold_write_lock(&url).await;

    let in_flight = post(&service.base, CREATE);
    service.wait_for_log(HANDLER_TOOK_IT);
    service.terminate();
    service.wait_for_log("grace period over");
    let status = service.exit_status().await;
    assert!(
        status.success(),
        "exits 0 when the grace ends, got {status}"
    );

    // The process is gone while the request still waited on the lock: the
    // client sees the connection close, not an answer.
    assert!(
        matches!(in_flight.await, Ok(Err(_))),
        "the cut-off request got no answer"
    );
    lock.execute_unprepared("ROLLBACK")
        .await
        .unwrap_or_else(|err| panic!("rollback: {err}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_startup_stops_at_once() {
    let (_dir, url) = sqlite_file();
    // Migrated first, so that the service's own start only waits for the
    // write lock its migration step takes, which the test holds.
    let migrated = db::connect(&url, 1)
        .await
        .unwrap_or_else(|err| panic!("cannot open {url}: {err}"));
    db::migrate(&migrated)
        .await
        .unwrap_or_else(|err| panic!("cannot migrate: {err}"));
    let lock = hold_write_lock(&url).await;

    let mut service = Service::spawn_serve(
        "coulisses",
        &url,
        &["--shutdown-grace-secs", "20"],
        LOG_FILTER,
    );
    // Logged once the signal handlers are in place, before migrating.
    service.wait_for_log("no tokens configured");
    service.terminate();
    service.wait_for_log("stopped before serving");
    let status = service.exit_status().await;
    assert!(status.success(), "exits 0, got {status}");
    lock.execute_unprepared("ROLLBACK")
        .await
        .unwrap_or_else(|err| panic!("rollback: {err}"));
}
