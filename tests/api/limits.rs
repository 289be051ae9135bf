//! Every limit of the API as a client meets it, over HTTP: a request at the
//! bound is served, one past it gets a clear answer that names the limit (a
//! typed ValidationError with the offending field's path, a top-level error
//! with its `extensions.code`, or the documented HTTP status), and a refused
//! write changes nothing. Writes run on every backend; what only concerns
//! the HTTP layer or GraphQL validation runs on SQLite.
//!
//! Tested elsewhere: the default depth limit, the body limit (413),
//! introspection turned off (tests/http.rs), `first: 1000` and the other
//! bad paging arguments (tests/listing.rs).

use crate::common::{
    TestDb, TestServer, field_messages, hold_write_lock, on_each_backend, sqlite_file,
    sqlite_memory, string,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

const CREATE: &str =
    "mutation($input: CreateArtistInput!) { createArtist(input: $input) { __typename
  ... on Artist { id name email skills availabilities { note } }
  ... on UserError { code message }
  ... on ValidationError { fields { field message } } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateArtistInput!) { updateArtist(id: $id, input: $input) { __typename
  ... on Artist { id }
  ... on UserError { code message }
  ... on ValidationError { fields { field message } } } }";
const ADD: &str = "mutation($id: ID!, $input: AvailabilityInput!) { addAvailability(artistId: $id, input: $input) { __typename
  ... on Availability { id note }
  ... on UserError { code message }
  ... on ValidationError { fields { field message } } } }";
const UPDATE_AVAILABILITY: &str = "mutation($id: ID!, $input: AvailabilityInput!) { updateAvailability(id: $id, input: $input) { __typename
  ... on Availability { id }
  ... on UserError { code message }
  ... on ValidationError { fields { field message } } } }";
const SET: &str = "mutation($id: ID!, $list: [AvailabilityInput!]!) { setAvailabilities(artistId: $id, availabilities: $list) { __typename
  ... on Artist { id }
  ... on UserError { code message }
  ... on ValidationError { fields { field message } } } }";
const ARTIST: &str =
    "query($id: ID!) { artist(id: $id) { name email skills availabilities { startsAt note } } }";
const PAGE: &str = "query($first: Int, $last: Int, $filter: ArtistFilter) {
  artists(first: $first, last: $last, filter: $filter) {
    totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage } } }";
const PLANNING: &str = "query($input: PlanningInput!) { planning(input: $input) { __typename
  ... on Planning { stats { slots positions artistsConsidered } }
  ... on UserError { code message }
  ... on ValidationError { fields { field message } } } }";

/// POSTs a request that must succeed: 200 and no top-level error. Returns `data`.
async fn served(server: &TestServer, query: &str, variables: Value) -> Value {
    let (status, body) = server.graphql(query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"].clone()
}

/// POSTs a request that a limit refuses with one top-level error: asserts
/// 200, no data, the code and the message; returns the error.
async fn refused(server: &TestServer, query: &str, variables: Value, code: &str) -> Value {
    let (status, body) = server.graphql(query, variables).await;
    assert_eq!(status, 200, "{body}");
    let errors = body["errors"].as_array().map_or(0, Vec::len);
    assert_eq!(errors, 1, "one top-level error: {body}");
    let error = body["errors"][0].clone();
    assert_eq!(error["extensions"]["code"], code, "{body}");
    error
}

/// The ValidationError in `result`, as (field, message) pairs.
fn violations(result: &Value) -> Vec<(String, String)> {
    assert_eq!(result["__typename"], "ValidationError", "{result}");
    assert_eq!(result["code"], "VALIDATION", "{result}");
    let fields = field_messages(&result["fields"]);
    if let [(field, message)] = fields.as_slice() {
        assert_eq!(result["message"], format!("{field}: {message}"));
    }
    fields
}

fn one(field: &str, message: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), message.to_owned())]
}

async fn count_rows(db: &DatabaseConnection, table: &str) -> i64 {
    let statement = Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    );
    match db.query_one_raw(statement).await {
        Ok(Some(row)) => row.try_get::<i64>("", "n").unwrap_or(-1),
        other => panic!("cannot count {table}: {other:?}"),
    }
}

/// Rows of every table a write can touch.
async fn stored(t: &TestDb) -> [i64; 3] {
    [
        count_rows(&t.db, "artists").await,
        count_rows(&t.db, "artist_skills").await,
        count_rows(&t.db, "availabilities").await,
    ]
}

async fn create(server: &TestServer, input: Value) -> Value {
    served(server, CREATE, json!({ "input": input })).await["createArtist"].clone()
}

async fn create_ok(server: &TestServer, input: Value) -> String {
    let artist = create(server, input).await;
    assert_eq!(artist["__typename"], "Artist", "{artist}");
    string(&artist["id"])
}

async fn artist(server: &TestServer, id: &str) -> Value {
    served(server, ARTIST, json!({ "id": id })).await["artist"].clone()
}

/// The `index`-th hour from 2026-06-01T00:00Z, RFC 3339.
fn hour(index: i64) -> String {
    match chrono::DateTime::from_timestamp(1_780_272_000 + index * 3_600, 0) {
        Some(at) => at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => panic!("hour {index} is out of range"),
    }
}

/// `count` one-hour availabilities end to end (touching, so valid together).
fn hours(count: i64, note: Option<&str>) -> Vec<Value> {
    (0..count)
        .map(|i| json!({ "startsAt": hour(i), "endsAt": hour(i + 1), "note": note }))
        .collect()
}

/// `count` distinct skills.
fn skills(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("skill {i:03}")).collect()
}

// ------------------------------------------------------------ GraphQL validation

/// A query of exactly `complexity`: artists and nodes count 1 each, and so
/// does every aliased `name` (lists count once, whatever their length).
fn of_complexity(complexity: usize) -> String {
    let names: Vec<String> = (0..complexity - 2).map(|i| format!("n{i}: name")).collect();
    format!("{{ artists {{ nodes {{ {} }} }} }}", names.join(" "))
}

/// A query `depth` fields deep (at least 3): artists, nodes, then
/// availabilities and artist in turn, and a scalar at the end.
fn of_depth(depth: usize) -> String {
    let mut path = vec!["artists", "nodes"];
    while path.len() < depth - 1 {
        path.push(if path.len() % 2 == 0 {
            "availabilities"
        } else {
            "artist"
        });
    }
    let leaf = if path.last() == Some(&"availabilities") {
        "id"
    } else {
        "name"
    };
    let selection = path.iter().rev().fold(leaf.to_owned(), |inner, field| {
        format!("{field} {{ {inner} }}")
    });
    format!("{{ {selection} }}")
}

#[tokio::test]
async fn query_complexity_is_at_most_5000_by_default() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let data = served(&server, &of_complexity(5_000), json!({})).await;
    assert_eq!(data["artists"]["nodes"], json!([]));

    let error = refused(
        &server,
        &of_complexity(5_001),
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        error["message"],
        "the query selects more than this service allows (complexity 5000: one per field, \
         a list counted once, a planning one more per 10 of its slots, positions and listed \
         artists; this query costs 5001)"
    );
}

#[tokio::test]
async fn max_complexity_sets_the_limit_both_ways() {
    let db = sqlite_memory().await;
    for limit in [10, 6_000] {
        let server = TestServer::start_with(&db, |config| config.max_complexity = limit).await;
        served(&server, &of_complexity(limit), json!({})).await;
        let error = refused(
            &server,
            &of_complexity(limit + 1),
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        )
        .await;
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("complexity {limit}:")),
            "limit {limit}: {message}"
        );
    }
}

#[tokio::test]
async fn max_depth_sets_the_limit_both_ways() {
    let db = sqlite_memory().await;
    // 14 is over the default of 12: the flag raises the limit as well.
    // 40 is over async-graphql's own default recursion limit of 32 too.
    for limit in [3, 14, 40] {
        let server = TestServer::start_with(&db, |config| config.max_depth = limit).await;
        served(&server, &of_depth(limit), json!({})).await;
        let error = refused(
            &server,
            &of_depth(limit + 1),
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        )
        .await;
        assert_eq!(
            error["message"],
            format!("the query nests deeper than this service allows ({limit} levels)"),
        );
    }
}

// ------------------------------------------------------------ the artist list

#[tokio::test]
async fn first_and_last_are_at_most_100() {
    let db = sqlite_memory().await;
    let api = db.api();
    for i in 0..101 {
        api.create_artist(json!({ "name": format!("artist {i:03}") }))
            .await;
    }
    let server = TestServer::start(&db).await;
    for (argument, more) in [("first", "hasNextPage"), ("last", "hasPreviousPage")] {
        let data = served(&server, PAGE, json!({ argument: 100 })).await;
        let page = &data["artists"];
        assert_eq!(
            page["nodes"].as_array().map(Vec::len),
            Some(100),
            "{argument}"
        );
        assert_eq!(page["pageInfo"][more], true, "{argument}: one is left");

        let error = refused(&server, PAGE, json!({ argument: 101 }), "BAD_USER_INPUT").await;
        let message = "must be between 0 and 100";
        assert_eq!(error["message"], format!("{argument}: {message}"));
        assert_eq!(
            error["extensions"]["fields"],
            json!([{ "field": argument, "message": message }])
        );
    }
}

#[tokio::test]
async fn search_is_at_most_200_characters() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    create_ok(&server, json!({ "name": "é".repeat(200) })).await;

    // Characters, not bytes, and counted after trimming.
    let at_bound = format!("  {}  ", "É".repeat(200));
    let data = served(&server, PAGE, json!({ "filter": { "search": at_bound } })).await;
    assert_eq!(data["artists"]["totalCount"], 1);

    let over = "é".repeat(201);
    let error = refused(
        &server,
        PAGE,
        json!({ "filter": { "search": over } }),
        "BAD_USER_INPUT",
    )
    .await;
    assert_eq!(
        error["extensions"]["fields"],
        json!([{ "field": "filter.search", "message": "must be at most 200 characters" }])
    );
}

#[tokio::test]
async fn a_filter_has_at_most_50_skills() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    create_ok(&server, json!({ "name": "Ada", "skills": skills(50) })).await;

    let data = served(&server, PAGE, json!({ "filter": { "skills": skills(50) } })).await;
    assert_eq!(data["artists"]["totalCount"], 1);

    let error = refused(
        &server,
        PAGE,
        json!({ "filter": { "skills": skills(51) } }),
        "BAD_USER_INPUT",
    )
    .await;
    assert_eq!(
        error["extensions"]["fields"],
        json!([{ "field": "filter.skills", "message": "must have at most 50 skills" }])
    );
}

// ------------------------------------------------------------ artist writes

#[tokio::test]
async fn names_are_at_most_200_characters() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        // Characters, not bytes, and counted after trimming.
        let at_bound = "é".repeat(200);
        let id = create_ok(&server, json!({ "name": format!("  {at_bound}  ") })).await;
        assert_eq!(artist(&server, &id).await["name"], at_bound.as_str());
        let before = stored(&t).await;

        let over = "é".repeat(201);
        let expected = one("input.name", "must be at most 200 characters");
        let created = create(&server, json!({ "name": over })).await;
        assert_eq!(violations(&created), expected);
        let updated = served(
            &server,
            UPDATE,
            json!({ "id": id, "input": { "name": over } }),
        )
        .await;
        assert_eq!(violations(&updated["updateArtist"]), expected);

        assert_eq!(stored(&t).await, before, "nothing written");
        assert_eq!(artist(&server, &id).await["name"], at_bound.as_str());
    })
    .await;
}

#[tokio::test]
async fn emails_are_at_most_254_characters() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        // A deliverable address: a local part of 64, labels of at most 63.
        let address = |last_label: usize| {
            format!(
                "{}@{}.{}.{}.org",
                "a".repeat(64),
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(last_label)
            )
        };
        let (at_bound, over) = (address(57), address(58));
        assert_eq!((at_bound.len(), over.len()), (254, 255));

        let id = create_ok(&server, json!({ "name": "Ada", "email": at_bound })).await;
        assert_eq!(artist(&server, &id).await["email"], at_bound.as_str());
        let before = stored(&t).await;

        let expected = one("input.email", "must be at most 254 characters");
        let created = create(&server, json!({ "name": "Bob", "email": over })).await;
        assert_eq!(violations(&created), expected);
        let updated = served(
            &server,
            UPDATE,
            json!({ "id": id, "input": { "email": over } }),
        )
        .await;
        assert_eq!(violations(&updated["updateArtist"]), expected);

        assert_eq!(stored(&t).await, before, "nothing written");
        assert_eq!(artist(&server, &id).await["email"], at_bound.as_str());
    })
    .await;
}

#[tokio::test]
async fn skills_are_at_most_50_characters() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let at_bound = "s".repeat(50);
        let id = create_ok(&server, json!({ "name": "Ada", "skills": [at_bound] })).await;
        assert_eq!(artist(&server, &id).await["skills"], json!([at_bound]));
        let before = stored(&t).await;

        let skills = json!(["sound", "s".repeat(51)]);
        let expected = one("input.skills[1]", "must be at most 50 characters");
        let created = create(&server, json!({ "name": "Bob", "skills": skills })).await;
        assert_eq!(violations(&created), expected);
        let updated = served(
            &server,
            UPDATE,
            json!({ "id": id, "input": { "skills": skills } }),
        )
        .await;
        assert_eq!(violations(&updated["updateArtist"]), expected);

        assert_eq!(stored(&t).await, before, "nothing written");
        assert_eq!(artist(&server, &id).await["skills"], json!([at_bound]));
    })
    .await;
}

#[tokio::test]
async fn an_artist_has_at_most_50_skills() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let id = create_ok(&server, json!({ "name": "Ada", "skills": skills(50) })).await;
        assert_eq!(artist(&server, &id).await["skills"], json!(skills(50)));
        let before = stored(&t).await;
        assert_eq!(before, [1, 50, 0]);

        let expected = one("input.skills", "must have at most 50 skills");
        let created = create(&server, json!({ "name": "Bob", "skills": skills(51) })).await;
        assert_eq!(violations(&created), expected);
        let updated = served(
            &server,
            UPDATE,
            json!({ "id": id, "input": { "skills": skills(51) } }),
        )
        .await;
        assert_eq!(violations(&updated["updateArtist"]), expected);

        assert_eq!(stored(&t).await, before, "nothing written");
    })
    .await;
}

#[tokio::test]
async fn notes_are_at_most_1000_characters() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let at_bound = "n".repeat(1_000);
        let over = "n".repeat(1_001);
        let id = create_ok(
            &server,
            json!({ "name": "Ada", "availabilities": hours(1, Some(&at_bound)) }),
        )
        .await;
        let added = served(
            &server,
            ADD,
            json!({ "id": id, "input": { "startsAt": hour(1), "endsAt": hour(2), "note": at_bound } }),
        )
        .await;
        assert_eq!(added["addAvailability"]["note"], at_bound.as_str());
        let availability = string(&added["addAvailability"]["id"]);
        let before = stored(&t).await;
        assert_eq!(before, [1, 0, 2]);

        let message = "must be at most 1000 characters";
        let created = create(&server, json!({ "name": "Bob", "availabilities": hours(1, Some(&over)) })).await;
        assert_eq!(violations(&created), one("input.availabilities[0].note", message));
        let range = json!({ "startsAt": hour(5), "endsAt": hour(6), "note": over });
        let added = served(&server, ADD, json!({ "id": id, "input": range })).await;
        assert_eq!(violations(&added["addAvailability"]), one("input.note", message));
        let updated = served(&server, UPDATE_AVAILABILITY, json!({ "id": availability, "input": range })).await;
        assert_eq!(violations(&updated["updateAvailability"]), one("input.note", message));
        let set = served(&server, SET, json!({ "id": id, "list": hours(1, Some(&over)) })).await;
        assert_eq!(violations(&set["setAvailabilities"]), one("availabilities[0].note", message));

        assert_eq!(stored(&t).await, before, "nothing written");
        let notes = &artist(&server, &id).await["availabilities"];
        assert_eq!(notes[0]["note"], at_bound.as_str());
        assert_eq!(notes[1]["note"], at_bound.as_str());
        assert_eq!(notes[1]["startsAt"], hour(1), "the update did not move it");
    })
    .await;
}

#[tokio::test]
async fn a_request_carries_at_most_1000_availabilities() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let id = create_ok(
            &server,
            json!({ "name": "Ada", "availabilities": hours(1_000, None) }),
        )
        .await;
        let listed = artist(&server, &id).await["availabilities"]
            .as_array()
            .map(Vec::len);
        assert_eq!(listed, Some(1_000));
        let set = served(
            &server,
            SET,
            json!({ "id": id, "list": hours(1_000, None) }),
        )
        .await;
        assert_eq!(set["setAvailabilities"]["__typename"], "Artist", "{set}");
        let before = stored(&t).await;
        assert_eq!(before, [1, 0, 1_000]);

        let message = "must have at most 1000 entries";
        let created = create(
            &server,
            json!({ "name": "Bob", "availabilities": hours(1_001, None) }),
        )
        .await;
        assert_eq!(violations(&created), one("input.availabilities", message));
        let set = served(
            &server,
            SET,
            json!({ "id": id, "list": hours(1_001, None) }),
        )
        .await;
        assert_eq!(
            violations(&set["setAvailabilities"]),
            one("availabilities", message)
        );

        assert_eq!(
            stored(&t).await,
            before,
            "nothing written, nothing replaced"
        );
    })
    .await;
}

// ------------------------------------------------------------ planning

fn slot(key: &str, positions: i64) -> Value {
    json!({ "key": key, "startsAt": hour(10), "endsAt": hour(12), "positions": positions })
}

fn slots(count: usize) -> Vec<Value> {
    (0..count).map(|i| slot(&format!("s{i}"), 1)).collect()
}

async fn plan(server: &TestServer, input: Value) -> Value {
    served(server, PLANNING, json!({ "input": input })).await["planning"].clone()
}

/// Plans `at_bound`, which must be served, and `over`, which must be
/// refused with exactly `expected`.
async fn bounded_planning(
    server: &TestServer,
    at_bound: Value,
    over: Value,
    expected: Vec<(String, String)>,
) -> Value {
    let planned = plan(server, at_bound).await;
    assert_eq!(planned["__typename"], "Planning", "{planned}");
    let refused = plan(server, over).await;
    assert_eq!(violations(&refused), expected);
    planned
}

#[tokio::test]
async fn a_planning_has_at_most_5000_slots() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let planned = bounded_planning(
            &server,
            json!({ "slots": slots(5_000) }),
            json!({ "slots": slots(5_001) }),
            one("input.slots", "must have at most 5000 slots"),
        )
        .await;
        assert_eq!(planned["stats"]["slots"], 5_000);
    })
    .await;
}

#[tokio::test]
async fn a_planning_asks_for_at_most_20000_positions_in_all() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        // The bound is on the sum over slots, not on one slot.
        let planned = bounded_planning(
            &server,
            json!({ "slots": [slot("a", 10_000), slot("b", 10_000)] }),
            json!({ "slots": [slot("a", 10_000), slot("b", 10_001)] }),
            one(
                "input.slots",
                "must ask for at most 20000 positions in all, not 20001",
            ),
        )
        .await;
        assert_eq!(planned["stats"]["positions"], 20_000);
    })
    .await;
}

#[tokio::test]
async fn a_planning_names_at_most_10000_artists() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let ada = create_ok(&server, json!({ "name": "Ada" })).await;
        let planned = bounded_planning(
            &server,
            json!({ "slots": slots(1), "artistIds": vec![ada.clone(); 10_000] }),
            json!({ "slots": slots(1), "artistIds": vec![ada; 10_001] }),
            one("input.artistIds", "must have at most 10000 IDs"),
        )
        .await;
        assert_eq!(planned["stats"]["artistsConsidered"], 1);
    })
    .await;
}

#[tokio::test]
async fn slot_keys_and_labels_are_bounded() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let with = |key: usize, label: usize| {
            json!({ "slots": [{ "key": "k".repeat(key), "startsAt": hour(0), "endsAt": hour(1), "label": "l".repeat(label) }] })
        };
        bounded_planning(
            &server,
            with(100, 200),
            with(101, 200),
            one("input.slots[0].key", "must be at most 100 characters"),
        )
        .await;
        bounded_planning(
            &server,
            with(100, 200),
            with(100, 201),
            one("input.slots[0].label", "must be at most 200 characters"),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_slot_requires_at_most_50_skills() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let with = |count: usize| {
            json!({ "slots": [{ "key": "k", "startsAt": hour(0), "endsAt": hour(1), "requiredSkills": skills(count) }] })
        };
        bounded_planning(
            &server,
            with(50),
            with(51),
            one("input.slots[0].requiredSkills", "must have at most 50 skills"),
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn min_rest_is_0_to_10080_minutes() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let with =
            |minutes: i64| json!({ "slots": slots(2), "rules": { "minRestMinutes": minutes } });
        let expected = one(
            "input.rules.minRestMinutes",
            "must be between 0 and 10080 (one week)",
        );
        bounded_planning(&server, with(0), with(-1), expected.clone()).await;
        bounded_planning(&server, with(10_080), with(10_081), expected).await;
    })
    .await;
}

// ------------------------------------------------------------ request time

/// The test holds SQLite's write lock, so the mutation waits on it (for up
/// to the 10 s busy timeout) and cannot finish before the 1 s request
/// timeout: the outcome is certain, not a race against the clock.
#[tokio::test]
async fn a_request_over_the_time_limit_gets_a_json_503_and_changes_nothing() {
    let t = sqlite_file().await;
    let server = TestServer::start_with(&t, |config| config.request_timeout_secs = 1).await;
    let lock = hold_write_lock(&t.url).await;

    let (status, body) = server
        .graphql(CREATE, json!({ "input": { "name": "Late" } }))
        .await;
    // 503, not 408: browsers resend a request answered 408 by themselves.
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body,
        json!({ "errors": [{
            "message": "the request took longer than the service allows; a mutation may or may not have been applied",
            "extensions": { "code": "REQUEST_TIMEOUT" }
        }] })
    );

    lock.execute_unprepared("COMMIT")
        .await
        .unwrap_or_else(|err| panic!("commit: {err}"));
    assert_eq!(
        stored(&t).await,
        [0, 0, 0],
        "the timed-out mutation wrote nothing"
    );

    // The cut-off write left no transaction open behind it: writes go on.
    let id = create_ok(&server, json!({ "name": "On time" })).await;
    assert_eq!(artist(&server, &id).await["name"], "On time");
    assert_eq!(stored(&t).await, [1, 0, 0]);
}
