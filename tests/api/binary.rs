//! End to end: the built `coulisses` binary, as an operator runs it.

use std::process::Command;

use crate::common::service::{BINARY, Service, artists_in};
use serde_json::{Value, json};

/// Starts `coulisses serve` and waits until it listens.
fn start(database_url: &str) -> Service {
    Service::serve(database_url, &[], "info")
}

async fn graphql(base: &str, query: &str, variables: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap_or_else(|err| panic!("request failed: {err}"));
    response
        .json()
        .await
        .unwrap_or_else(|err| panic!("not JSON: {err}"))
}

#[tokio::test]
async fn the_binary_serves_persists_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let file = dir.path().join("coulisses.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());

    let mut service = start(&url);
    let base = service.base.clone();
    assert!(file.exists(), "the SQLite file is created at start");
    let health = reqwest::get(format!("{base}/health")).await;
    assert_eq!(health.map(|r| r.status().as_u16()).ok(), Some(200));
    let created = graphql(
        &base,
        "mutation { createArtist(input: { name: \"Ada\", availabilities: [{ startsAt: \"2026-06-01T10:00:00+02:00\", endsAt: \"2026-06-01T12:00:00Z\" }] }) { ... on Artist { id } } }",
        json!({}),
    )
    .await;
    let id = created["data"]["createArtist"]["id"].clone();
    assert!(id.is_string(), "{created}");
    service.terminate();
    let status = service.exit_status().await;
    assert!(status.success(), "exits 0 on SIGTERM, got {status}");

    // A restart on the same file sees the data.
    let mut service = start(&url);
    let base = service.base.clone();
    let fetched = graphql(
        &base,
        "query($id: ID!) { artist(id: $id) { name availabilities { startsAt endsAt } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        fetched["data"]["artist"],
        json!({ "name": "Ada", "availabilities": [{ "startsAt": "2026-06-01T08:00:00Z", "endsAt": "2026-06-01T12:00:00Z" }] })
    );
    service.terminate();
    assert!(service.exit_status().await.success());
}

#[test]
fn the_committed_schema_is_what_the_binary_prints() {
    let printed = Command::new(BINARY)
        .arg("schema")
        .output()
        .unwrap_or_else(|err| panic!("cannot run {BINARY}: {err}"));
    assert!(printed.status.success());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&printed.stdout) == committed,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and commit it"
    );
}

#[test]
fn migrate_status_lists_the_migrations() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let run = |action: &str| {
        Command::new(BINARY)
            .args(["migrate", "--database-url", &url, action])
            .output()
            .unwrap_or_else(|err| panic!("cannot run {BINARY}: {err}"))
    };
    assert!(run("up").status.success());
    let status = run("status");
    assert!(status.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        text.contains("m20261123_000002_create_availabilities"),
        "{text}"
    );
    assert!(text.contains("Applied"), "{text}");
}

/// Runs `coulisses seed` with these arguments on `url`.
fn seed(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BINARY)
        .arg("seed")
        .args(args)
        .args(["--database-url", url])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap_or_else(|err| panic!("cannot run {BINARY}: {err}"))
}

/// The names of the artists in the file, sorted.
async fn artist_names(url: &str) -> Vec<String> {
    let mut names: Vec<String> = artists_in(url)
        .await
        .into_iter()
        .map(|d| d.artist.name)
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn seed_demo_fills_an_empty_database_and_replaces_one_only_with_force() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());

    let first = seed(&url, &["--demo"]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{first:?}");
    assert!(stdout.contains("40 artists, 84 availabilities"), "{stdout}");
    let demo_names = artist_names(&url).await;
    assert_eq!(demo_names.len(), 40);

    // Someone adds an artist: the demo data is no longer alone.
    let db = coulisses::db::connect(&url, 1)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let added = coulisses::domain::artists::create(
        &db,
        coulisses::domain::NewArtist {
            name: "Ada Lovelace".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(added.is_ok(), "{added:?}");
    let _ = db.close().await;
    let with_ada = artist_names(&url).await;
    assert_eq!(with_ada.len(), 41);

    let refused = seed(&url, &["--demo"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "a second seed must fail");
    assert!(
        stderr.contains("holds 41 artists already") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(artist_names(&url).await, with_ada, "nothing written");

    let forced = seed(&url, &["--demo", "--force"]);
    let stdout = String::from_utf8_lossy(&forced.stdout);
    assert!(forced.status.success(), "{forced:?}");
    assert!(stdout.contains("deleted 41 artists"), "{stdout}");
    assert_eq!(artist_names(&url).await, demo_names, "Ada is gone");

    let no_set = seed(&url, &[]);
    assert!(!no_set.status.success(), "seed needs --demo");
    assert!(String::from_utf8_lossy(&no_set.stderr).contains("--demo"));
}
