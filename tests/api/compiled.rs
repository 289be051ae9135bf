//! Compiled reads (src/graphql/compiled) answer what async-graphql answers,
//! and leave to it every request they cannot.
//!
//! Each document runs by async-graphql alone (`Api::execute`), then twice
//! as the server runs it (`Api::answer`): the first time async-graphql
//! answers and the document is compiled, the second time the plan answers.
//! The answers hold the same values; a plan writes each object's fields in
//! the document's order, as the GraphQL spec asks, where async-graphql
//! writes them in the order their resolvers finish (sibling fields that
//! wait on the database can swap), so the order is checked on its own.
//! Random selections cover aliases, `__typename`, every field of an artist,
//! its availabilities with and without windows, and every part of a
//! connection; the variables cases cover what a plan must refuse.

use crate::common;

use crate::common::service::{Service, sqlite_file};
use crate::common::{ARTIST_FIELDS, AVAILABILITY_FIELDS, TestApi, TestDb};
use async_graphql::parser::types::{DocumentOperations, Selection, SelectionSet};
use async_graphql::{Request, Variables};
use coulisses::auth::Role;
use coulisses::demo;
use coulisses::graphql::{Answer, Transport};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const WINDOWS: &[&str] = &[
    "",
    "(from: \"2027-07-10T00:00:00Z\")",
    "(to: \"2027-07-10T20:00:00+02:00\")",
    "(from: \"2027-07-10T16:00:00Z\", to: \"2027-07-11T00:00:00Z\")",
];
const ALIASES: &[&str] = &["", "a: ", "b: ", "c: "];

/// Items of a selection, each `(response key, text)`; the first of each
/// key is kept, as a plan takes no field twice under one key.
fn selection(items: Vec<(String, String)>) -> String {
    let mut keys = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|(key, _)| keys.insert(key.clone()))
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join(" ")
}

fn keyed(alias: &str, field: &str, rest: String) -> (String, String) {
    let key = alias.trim_end_matches(": ");
    let key = if key.is_empty() { field } else { key };
    (key.to_owned(), format!("{alias}{field}{rest}"))
}

fn fields_of(names: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (prop::sample::select(ALIASES), prop::sample::select(names)),
        1..6,
    )
    .prop_map(|items| {
        items
            .into_iter()
            .map(|(alias, field)| keyed(alias, field, String::new()))
            .collect()
    })
}

fn artist_selection() -> impl Strategy<Value = String> {
    let availabilities = (
        prop::sample::select(ALIASES),
        prop::sample::select(WINDOWS),
        fields_of(AVAILABILITY_FIELDS),
    )
        .prop_map(|(alias, window, fields)| {
            keyed(
                alias,
                "availabilities",
                format!("{window} {{ {} }}", selection(fields)),
            )
        });
    (
        fields_of(ARTIST_FIELDS),
        prop::option::of(availabilities),
        any::<bool>(),
    )
        .prop_map(|(mut fields, availabilities, first)| {
            if let Some(availabilities) = availabilities {
                if first {
                    fields.insert(0, availabilities);
                } else {
                    fields.push(availabilities);
                }
            }
            selection(fields)
        })
}

fn list_arguments() -> impl Strategy<Value = String> {
    let size = prop_oneof![
        (0..12u8).prop_map(|n| format!("first: {n}")),
        (1..12u8).prop_map(|n| format!("last: {n}")),
        Just(String::new()),
    ];
    let order = prop::sample::select(vec![
        "",
        "orderBy: NAME_ASC",
        "orderBy: NAME_DESC",
        "orderBy: CREATED_AT_ASC",
        "orderBy: CREATED_AT_DESC",
    ]);
    let filter = prop::sample::select(vec![
        "",
        "filter: { search: \"o\" }",
        "filter: { skills: [\"sound\"] }",
        "filter: { skills: \"Sound \" }",
        "filter: { availableDuring: { startsAt: \"2027-07-10T18:00:00Z\", endsAt: \"2027-07-10T22:00:00Z\" } }",
        "filter: { search: \"nobody at all\" }",
    ]);
    (size, order, filter).prop_map(|(size, order, filter)| {
        let arguments: Vec<String> = [size, order.to_owned(), filter.to_owned()]
            .into_iter()
            .filter(|argument| !argument.is_empty())
            .collect();
        if arguments.is_empty() {
            String::new()
        } else {
            format!("({})", arguments.join(", "))
        }
    })
}

fn connection_selection() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        prop::sample::select(ALIASES).prop_map(|alias| keyed(alias, "totalCount", String::new())),
        prop::sample::select(ALIASES).prop_map(|alias| keyed(alias, "__typename", String::new())),
        (prop::sample::select(ALIASES), artist_selection()).prop_map(|(alias, artist)| keyed(
            alias,
            "nodes",
            format!(" {{ {artist} }}")
        )),
        (
            prop::sample::select(ALIASES),
            prop::sample::subsequence(vec!["cursor", "__typename", "node"], 1..=3),
            artist_selection(),
        )
            .prop_map(|(alias, parts, artist)| {
                let parts: Vec<String> = parts
                    .into_iter()
                    .map(|part| match part {
                        "node" => format!("node {{ {artist} }}"),
                        other => other.to_owned(),
                    })
                    .collect();
                keyed(alias, "edges", format!(" {{ {} }}", parts.join(" ")))
            }),
        (
            prop::sample::select(ALIASES),
            prop::sample::subsequence(
                vec![
                    "hasNextPage",
                    "hasPreviousPage",
                    "startCursor",
                    "endCursor",
                    "__typename"
                ],
                1..=5
            ),
        )
            .prop_map(|(alias, parts)| keyed(
                alias,
                "pageInfo",
                format!(" {{ {} }}", parts.join(" "))
            )),
    ];
    prop::collection::vec(part, 1..5).prop_map(selection)
}

/// A query of one to three root fields.
fn document() -> impl Strategy<Value = String> {
    let artist_id = prop::sample::select(vec![
        demo::artist_id(3).to_string(),
        demo::artist_id(4).to_string(),
        // No such artist, and no UUID at all: both answer null.
        uuid::Uuid::nil().to_string(),
        "not-an-id".to_owned(),
    ]);
    let root = prop_oneof![
        (prop::sample::select(ALIASES), artist_id, artist_selection()).prop_map(
            |(alias, id, artist)| keyed(alias, "artist", format!("(id: \"{id}\") {{ {artist} }}"))
        ),
        (
            prop::sample::select(ALIASES),
            list_arguments(),
            connection_selection()
        )
            .prop_map(|(alias, arguments, connection)| keyed(
                alias,
                "artists",
                format!("{arguments} {{ {connection} }}")
            )),
        prop::sample::select(ALIASES).prop_map(|alias| keyed(alias, "__typename", String::new())),
    ];
    prop::collection::vec(root, 1..4).prop_map(|roots| format!("{{ {} }}", selection(roots)))
}

/// The demo data, and an artist whose strings need escaping, on SQLite and
/// PostgreSQL.
fn apis() -> (tokio::runtime::Runtime, Vec<(TestDb, TestApi)>) {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|err| panic!("runtime: {err}"));
    let apis = runtime.block_on(async {
        let mut apis = Vec::new();
        for db in common::backends().await {
            if let Err(err) = demo::load(&db.db).await {
                panic!("demo data: {err}");
            }
            let api = db.api();
            api.create_artist(json!({
                "name": "Zoë \"Z\" O'Brien \\ 🎭",
                "email": "zoe@example.org",
                "skills": ["Sound", "éclairage"],
                "availabilities": [{
                    "startsAt": "2027-07-10T17:30:00.250Z",
                    "endsAt": "2027-07-10T23:00:00Z",
                    "note": "line one\nline two\t\u{1}\u{7f} </script>"
                }]
            }))
            .await;
            apis.push((db, api));
        }
        apis
    });
    (runtime, apis)
}

async fn general(api: &TestApi, query: &str, variables: &Value) -> Vec<u8> {
    api.api
        .execute(request(query, variables), Role::Viewer)
        .await
        .into_json()
}

async fn answered(api: &TestApi, query: &str, variables: &Value) -> (bool, Vec<u8>) {
    let answer = api
        .api
        .answer(request(query, variables), Role::Viewer, Transport::Post)
        .await;
    (matches!(answer, Answer::Written(_)), answer.into_json())
}

fn request(query: &str, variables: &Value) -> Request {
    Request::new(query).variables(Variables::from_json(variables.clone()))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The answer as JSON whose objects compare regardless of key order.
fn unordered(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|err| panic!("{err}: {}", text(bytes)))
}

/// Checks that every object of a plan's answer holds the keys its
/// selection asks for, in the selection's order.
fn assert_in_document_order(query: &str, body: &[u8]) {
    let document =
        async_graphql::parser::parse_query(query).unwrap_or_else(|err| panic!("{query}: {err}"));
    let DocumentOperations::Single(operation) = &document.operations else {
        panic!("{query}: one operation expected");
    };
    // async-graphql's own value type keeps the order of keys.
    let answer: async_graphql::Value =
        serde_json::from_slice(body).unwrap_or_else(|err| panic!("{err}"));
    let async_graphql::Value::Object(answer) = answer else {
        panic!("{query}: {}", text(body));
    };
    let data = answer.get("data").cloned().unwrap_or_default();
    in_order(&operation.node.selection_set.node, &data, query);
}

fn in_order(set: &SelectionSet, value: &async_graphql::Value, query: &str) {
    match value {
        async_graphql::Value::List(items) => {
            for item in items {
                in_order(set, item, query);
            }
        }
        async_graphql::Value::Object(object) => {
            let fields: Vec<_> = set
                .items
                .iter()
                .filter_map(|item| match &item.node {
                    Selection::Field(field) => Some(&field.node),
                    _ => None,
                })
                .collect();
            let keys: Vec<&str> = object.keys().map(|key| key.as_str()).collect();
            let expected: Vec<&str> = fields
                .iter()
                .map(|field| field.response_key().node.as_str())
                .collect();
            assert_eq!(keys, expected, "{query}");
            for field in fields {
                if let Some(value) = object.get(field.response_key().node.as_str()) {
                    in_order(&field.selection_set.node, value, query);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn compiled_reads_answer_byte_for_byte_as_async_graphql() {
    let (runtime, apis) = apis();
    for (_db, api) in &apis {
        answers_match(&runtime, api);
    }
}

fn answers_match(runtime: &tokio::runtime::Runtime, api: &TestApi) {
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&document(), |query| {
        let no_variables = json!({});
        let expected = runtime.block_on(general(api, &query, &no_variables));
        prop_assert!(
            !text(&expected).contains("\"errors\""),
            "{query}: {}",
            text(&expected)
        );
        // The first answer compiles the document, the second runs the plan.
        let (_, first) = runtime.block_on(answered(api, &query, &no_variables));
        let (compiled, second) = runtime.block_on(answered(api, &query, &no_variables));
        prop_assert!(compiled, "no plan answered {query}");
        prop_assert_eq!(unordered(&first), unordered(&expected), "{}", query);
        prop_assert_eq!(unordered(&second), unordered(&expected), "{}", query);
        assert_in_document_order(&query, &second);
        Ok(())
    });
    if let Err(err) = outcome {
        panic!("{err}");
    }
}

/// Runs `query` with each of `cases` after compiling it with `valid`:
/// every answer is async-graphql's own, and the plan answers exactly the
/// cases flagged `true`.
fn check_variables(query: &str, valid: Value, cases: &[(Value, bool)]) {
    let (runtime, apis) = apis();
    runtime.block_on(async {
        for (_db, api) in &apis {
            variables_bind(api, query, &valid, cases).await;
        }
    });
}

async fn variables_bind(api: &TestApi, query: &str, valid: &Value, cases: &[(Value, bool)]) {
    let (_, _) = answered(api, query, valid).await;
    let (compiled, _) = answered(api, query, valid).await;
    assert!(compiled, "no plan for {query}");
    for (variables, by_plan) in cases {
        let expected = general(api, query, variables).await;
        let (compiled, body) = answered(api, query, variables).await;
        assert_eq!(
            unordered(&body),
            unordered(&expected),
            "{query} with {variables}"
        );
        if compiled {
            assert_in_document_order(query, &body);
        }
        assert_eq!(
            compiled,
            *by_plan,
            "{query} with {variables}: {}",
            text(&body)
        );
    }
}

#[test]
fn an_artist_id_binds_as_the_id_scalar_does() {
    check_variables(
        "query($id: ID!) { artist(id: $id) { name availabilities { startsAt endsAt } } }",
        json!({ "id": demo::artist_id(3) }),
        &[
            (json!({ "id": demo::artist_id(4) }), true),
            (json!({ "id": uuid::Uuid::nil() }), true),
            (json!({ "id": "nope" }), true),
            // An integer is an ID too; a float, a boolean or null is not.
            (json!({ "id": 7 }), true),
            (json!({ "id": 7.5 }), false),
            (json!({ "id": true }), false),
            (json!({ "id": null }), false),
            (json!({}), false),
        ],
    );
}

#[test]
fn every_argument_is_checked_even_where_no_data_reaches_it() {
    // async-graphql's validation refuses a bad `from` even for an artist
    // that does not exist; so does the plan, by leaving it to it.
    check_variables(
        "query($id: ID!, $from: DateTime) { artist(id: $id) { availabilities(from: $from) { id } } }",
        json!({ "id": demo::artist_id(3), "from": "2027-07-10T00:00:00Z" }),
        &[
            (json!({ "id": uuid::Uuid::nil(), "from": null }), true),
            (json!({ "id": uuid::Uuid::nil() }), true),
            (
                json!({ "id": demo::artist_id(4), "from": "2027-07-10T00:00:00+02:00" }),
                true,
            ),
            (
                json!({ "id": uuid::Uuid::nil(), "from": "yesterday" }),
                false,
            ),
            (json!({ "id": demo::artist_id(3), "from": 5 }), false),
        ],
    );
}

#[test]
fn list_arguments_bind_or_leave_the_error_to_async_graphql() {
    check_variables(
        "query($first: Int, $after: String, $order: ArtistOrder, $skills: [String!]) { artists(first: $first, after: $after, orderBy: $order, filter: { skills: $skills }) { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }",
        json!({ "first": 2 }),
        &[
            (json!({ "first": 3, "order": "NAME_DESC" }), true),
            (json!({ "order": null, "skills": ["sound"] }), true),
            (json!({ "skills": "SOUND" }), true),
            (json!({ "first": 2, "after": null }), true),
            // Out of range, not an Int, not an order, a null skill, a
            // cursor that is not one, a page too large: all errors.
            (json!({ "first": 3_000_000_000u64 }), false),
            (json!({ "first": "2" }), false),
            (json!({ "order": "SIDEWAYS" }), false),
            (json!({ "skills": ["sound", null] }), false),
            (json!({ "after": "not a cursor" }), false),
            (json!({ "first": 1000 }), false),
        ],
    );
}

/// async-graphql skips checking an argument whose variable the request
/// left out, so an unknown field beside it passes once and is refused
/// when the variable is given: such a document is never compiled.
#[test]
fn an_unknown_input_field_is_never_compiled_in() {
    let (runtime, apis) = apis();
    let (_db, api) = &apis[0];
    runtime.block_on(async {
        for query in [
            "query($s: String) { artists(filter: { search: $s, bogus: 1 }) { totalCount } }",
            "query($a: DateTime) { artists(filter: { availableDuring: { startsAt: $a, endsAt: \"2027-07-11T00:00:00Z\", tz: 1 } }) { totalCount } }",
        ] {
            for variables in [json!({}), json!({}), json!({ "s": "o", "a": "2027-07-10T00:00:00Z" })] {
                let expected = general(api, query, &variables).await;
                let (compiled, body) = answered(api, query, &variables).await;
                assert!(!compiled, "a plan answered {query} with {variables}");
                assert_eq!(unordered(&body), unordered(&expected), "{query}");
            }
        }
    });
}

#[test]
fn a_variable_declared_non_null_is_not_taken_null() {
    check_variables(
        "query($search: String!) { artists(filter: { search: $search }) { nodes { name } } }",
        json!({ "search": "o" }),
        &[
            (json!({ "search": "é" }), true),
            (json!({ "search": null }), false),
        ],
    );
}

#[test]
fn documents_beyond_plans_keep_the_general_path() {
    let (runtime, apis) = apis();
    let no_variables = json!({});
    let (_db, api) = &apis[0];
    runtime.block_on(async {
        for query in [
            "{ artists { nodes { ...F } } } fragment F on Artist { name }",
            "{ artists { nodes { name @include(if: true) } } }",
            "{ artists { nodes { availabilities { artist { name } } } } }",
            "query($f: ArtistFilter) { artists(filter: $f) { totalCount } }",
            "{ __schema { queryType { name } } }",
            "mutation { deleteArtist(id: \"nope\") { __typename } }",
        ] {
            let expected = general(api, query, &no_variables).await;
            for _ in 0..2 {
                let (compiled, body) = answered(api, query, &no_variables).await;
                assert!(!compiled, "a plan answered {query}");
                assert_eq!(unordered(&body), unordered(&expected), "{query}");
            }
        }
    });
}

#[test]
fn a_document_that_fails_to_validate_is_never_compiled() {
    let (runtime, apis) = apis();
    let (_db, api) = &apis[0];
    runtime.block_on(async {
        let query = "{ artists { nodes { name shoeSize } } }";
        for _ in 0..2 {
            let (compiled, body) = answered(api, query, &json!({})).await;
            assert!(!compiled);
            assert!(
                text(&body).contains("GRAPHQL_VALIDATION_FAILED"),
                "{}",
                text(&body)
            );
        }
    });
}

/// Over HTTP, a compiled answer is the same response, with the same media
/// type, and the metrics count it.
#[tokio::test]
async fn over_http_a_compiled_answer_is_the_same_response() {
    let db = common::sqlite_memory().await;
    if let Err(err) = demo::load(&db.db).await {
        panic!("demo data: {err}");
    }
    let server = common::TestServer::start(&db).await;
    let query =
        "query One($id: ID!) { artist(id: $id) { name skills availabilities { startsAt note } } }";
    let body = json!({ "query": query, "variables": { "id": demo::artist_id(4) } });
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = server
            .client
            .post(format!("{}/graphql", server.base))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|err| panic!("request: {err}"));
        assert_eq!(response.status().as_u16(), 200);
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        assert_eq!(
            media_type.as_deref(),
            Some("application/json; charset=utf-8")
        );
        let text = response
            .text()
            .await
            .unwrap_or_else(|err| panic!("body: {err}"));
        answers.push(unordered(text.as_bytes()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0]["data"]["artist"]["name"], "Kenji Watanabe");

    let metrics = server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap_or_else(|err| panic!("metrics: {err}"))
        .text()
        .await
        .unwrap_or_else(|err| panic!("metrics body: {err}"));
    assert!(
        metrics.contains("coulisses_graphql_compiled_requests_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "coulisses_graphql_requests_total{operation=\"One\",kind=\"query\",outcome=\"ok\"} 2\n"
        ),
        "{metrics}"
    );
}

/// A plan whose load fails (here a stored time out of range, which only a
/// broken database holds) logs the cause, and the general path answers:
/// with the generic internal error, the cause logged again by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_fails_to_load_logs_why_and_leaves_the_answer_to_the_general_path() {
    let (_dir, url) = sqlite_file();
    let mut service = Service::serve(&url, &[], "info");
    let client = reqwest::Client::new();
    let post = |body: Value| {
        let request = client.post(format!("{}/graphql", service.base)).json(&body);
        async move {
            let response = request
                .send()
                .await
                .unwrap_or_else(|err| panic!("request: {err}"));
            response
                .json::<Value>()
                .await
                .unwrap_or_else(|err| panic!("body: {err}"))
        }
    };
    let created = post(json!({ "query": "mutation { createArtist(input: { name: \"Ada\", availabilities: [{ startsAt: \"2027-01-01T08:00:00Z\", endsAt: \"2027-01-01T12:00:00Z\" }] }) { ... on Artist { id } } }" })).await;
    let id = created["data"]["createArtist"]["id"].clone();
    let read = json!({
        "query": "query($id: ID!) { artist(id: $id) { availabilities { startsAt endsAt } } }",
        "variables": { "id": id }
    });
    let first = post(read.clone()).await;
    assert_eq!(
        first["data"]["artist"]["availabilities"][0]["endsAt"], "2027-01-01T12:00:00Z",
        "{first}"
    );

    let db = coulisses::db::connect(&url, 1)
        .await
        .unwrap_or_else(|err| panic!("connect: {err}"));
    db.execute_unprepared("UPDATE availabilities SET ends_at = 9223372036854775807")
        .await
        .unwrap_or_else(|err| panic!("update: {err}"));

    let second = post(read).await;
    assert_eq!(
        second["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR",
        "{second}"
    );
    let logged = service.wait_for_log("a read plan failed");
    assert!(logged.contains("out of range"), "{logged}");
    service.wait_for_log("internal error");
}

/// A plan is learnt per role: the one an editor's requests made never
/// answers a viewer, whose first request takes the general path (and its
/// role checks), and only then gets a plan of its own.
#[tokio::test]
async fn a_plan_learnt_from_one_role_never_serves_another() {
    let db = common::sqlite_memory().await;
    let api = db.api();
    let query = "{ artists(first: 2) { nodes { name } } }";
    let as_editor = |_| api.answer_as(Role::Editor, query, json!({}));
    assert!(!as_editor(()).await.1, "the first request compiles");
    assert!(
        as_editor(()).await.1,
        "the editor's plan answers the editor"
    );
    let (first, by_plan) = api.answer_as(Role::Viewer, query, json!({})).await;
    assert!(!by_plan, "the editor's plan answered a viewer: {first}");
    let (second, by_plan) = api.answer_as(Role::Viewer, query, json!({})).await;
    assert!(by_plan, "the viewer's own plan answers the viewer");
    assert_eq!(first, second);
}

/// Plans match the schema's field names as the resolvers declare them:
/// every field of the types they serve, as the served schema names it, is
/// answered by a plan, but for those left to the general path on purpose.
/// A field renamed or added on one side and not the other fails here
/// rather than silently taking the slow path.
#[test]
fn plans_serve_every_field_of_the_types_they_answer() {
    use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};
    /// Where a field of each type sits in a document.
    const PLACES: &[(&str, &str, &str)] = &[
        ("Query", "{ ", " }"),
        ("ArtistConnection", "{ artists { ", " } }"),
        ("ArtistEdge", "{ artists { edges { ", " } } }"),
        ("PageInfo", "{ artists { pageInfo { ", " } } }"),
        ("Artist", "{ artists { nodes { ", " } } }"),
        (
            "Availability",
            "{ artists { nodes { availabilities { ",
            " } } } }",
        ),
    ];
    /// Served by the general path only: fields beyond what plans read.
    const GENERAL_ONLY: &[(&str, &str)] = &[
        ("Availability", "artist"),
        ("Query", "node"),
        ("Query", "schedule"),
        ("Query", "schedules"),
        ("Query", "replacements"),
        ("Query", "planning"),
    ];
    /// The arguments a field needs to validate.
    const ARGUMENTS: &[(&str, &str)] =
        &[("artist", "(id: \"00000000-0000-0000-0000-000000000000\")")];

    let schema = async_graphql::parser::parse_schema(coulisses::graphql::sdl())
        .unwrap_or_else(|err| panic!("the served schema parses: {err}"));
    let objects: std::collections::HashMap<String, Vec<(String, String)>> = schema
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            TypeSystemDefinition::Type(ty) => match &ty.node.kind {
                TypeKind::Object(object) => Some((
                    ty.node.name.node.to_string(),
                    object
                        .fields
                        .iter()
                        .map(|field| {
                            let mut base = &field.node.ty.node.base;
                            while let BaseType::List(inner) = base {
                                base = &inner.base;
                            }
                            (field.node.name.node.to_string(), base.to_string())
                        })
                        .collect(),
                )),
                _ => None,
            },
            _ => None,
        })
        .collect();

    let (runtime, apis) = apis();
    let (_db, api) = &apis[0];
    runtime.block_on(async {
        let mut served = 0;
        for (ty, before, after) in PLACES {
            let fields = objects
                .get(*ty)
                .unwrap_or_else(|| panic!("the schema has no type {ty}"));
            for (field, of) in fields {
                if GENERAL_ONLY.contains(&(*ty, field.as_str())) {
                    continue;
                }
                let arguments = ARGUMENTS
                    .iter()
                    .find(|(name, _)| name == field)
                    .map_or("", |(_, arguments)| arguments);
                let selection = if objects.contains_key(of) {
                    " { __typename }"
                } else {
                    ""
                };
                let query = format!("{before}{field}{arguments}{selection}{after}");
                let expected = general(api, &query, &json!({})).await;
                assert!(
                    !text(&expected).contains("\"errors\""),
                    "{query}: {}",
                    text(&expected)
                );
                // The first sight learns the document; the second is the plan's.
                let (_, learnt) = answered(api, &query, &json!({})).await;
                assert_eq!(learnt, expected, "{query}");
                let (compiled, body) = answered(api, &query, &json!({})).await;
                assert!(compiled, "no plan answered {query}");
                assert_eq!(body, expected, "{query}");
                served += 1;
            }
        }
        assert!(served >= 20, "only {served} fields checked");
    });
}
