//! The front door, `POST /graphql` and `GET /graphql`, as tools written
//! elsewhere meet it: media types and statuses by the GraphQL-over-HTTP
//! specification, the standard introspection query, GraphiQL's own assets,
//! queries by GET, and requests built to cost far more than their answer
//! (each measured by the work or the size it causes, never by time).

use crate::common::{TestServer, sqlite_memory};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const CREATE: &str = "mutation { createArtist(input: { name: \"Ada\" }) { __typename } }";
const COUNT: &str = "{ artists { totalCount } }";

/// A POST with this `Accept` (none when `None`): status, media type, body.
async fn post(server: &TestServer, accept: Option<&str>, body: Value) -> (u16, String, Value) {
    let mut request = server
        .client
        .post(format!("{}/graphql", server.base))
        .json(&body);
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|err| panic!("request: {err}"));
    read(response).await
}

async fn get(
    server: &TestServer,
    accept: Option<&str>,
    query: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = server
        .client
        .get(format!("{}/graphql", server.base))
        .query(query);
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    request
        .send()
        .await
        .unwrap_or_else(|err| panic!("request: {err}"))
}

async fn read(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let media_type = media_type(&response);
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("status {status}: not JSON ({err}): {text}"));
    (status, media_type, body)
}

fn media_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn artists(server: &TestServer) -> Value {
    let (_, body) = server.graphql(COUNT, json!({})).await;
    body["data"]["artists"]["totalCount"].clone()
}

#[tokio::test]
async fn the_answer_comes_in_a_media_type_the_client_accepts() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let cases = [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/json, multipart/mixed"),
            "application/json",
        ),
    ];
    for (accept, expected) in cases {
        let (status, media_type, body) =
            post(&server, accept, json!({ "query": "{ __typename }" })).await;
        assert_eq!(status, 200, "{accept:?}");
        assert!(
            media_type.starts_with(expected) && media_type.contains("charset=utf-8"),
            "{accept:?}: {media_type}"
        );
        assert_eq!(body["data"]["__typename"], "Query");
    }
    let (status, _, body) = post(
        &server,
        Some("application/xml"),
        json!({ "query": "{ __typename }" }),
    )
    .await;
    assert_eq!(status, 406);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_ACCEPTABLE");
}

#[tokio::test]
async fn requests_that_never_ran_are_400_without_data_under_graphql_response_json() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let refused = [
        (
            json!({ "query": "{ artists(first: 1 " }),
            "GRAPHQL_PARSE_FAILED",
        ),
        (json!({ "query": "{ nope }" }), "GRAPHQL_VALIDATION_FAILED"),
        (
            json!({ "query": "query($n: Int!) { artists(first: $n) { totalCount } }" }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "query": "query($n: Int!) { artists(first: $n) { totalCount } }", "variables": { "n": null } }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "query": "query($n: Int!) { artists(first: $n) { totalCount } }", "variables": { "n": "many" } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (body, code) in &refused {
        let (status, _, answer) = post(&server, Some(GRAPHQL_RESPONSE), body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.get("data").is_none(), "{body}: {answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], *code,
            "{body}: {answer}"
        );
        // Under application/json the same request is 200, still without
        // data: it never ran.
        let (status, _, answer) = post(&server, Some("application/json"), body.clone()).await;
        assert_eq!(status, 200, "{body}: {answer}");
        assert!(answer.get("data").is_none(), "{body}: {answer}");
    }
    // A field's error is no request error: 200 with data.
    let (status, _, answer) = post(
        &server,
        Some(GRAPHQL_RESPONSE),
        json!({ "query": "{ artists(first: 1000) { totalCount } }" }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("data").is_some(), "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_standard_introspection_queries_answer_at_default_settings() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    for (tool, query) in [
        (
            "graphql-js",
            include_str!("fixtures/introspection-graphql-js.graphql"),
        ),
        (
            "graphql-core",
            include_str!("fixtures/introspection-graphql-core.graphql"),
        ),
    ] {
        let (status, _, body) = post(&server, None, json!({ "query": query })).await;
        assert_eq!(status, 200, "{tool}");
        assert!(body.get("errors").is_none(), "{tool}: {}", body["errors"]);
        let types = body["data"]["__schema"]["types"]
            .as_array()
            .map(|types| {
                types
                    .iter()
                    .filter_map(|t| t["name"].as_str())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        assert!(types.contains(&"Artist"), "{tool}: {types:?}");
    }
    // Lists of the schema nested four deep multiply the answer by the
    // schema's size once more: refused.
    let (status, _, body) = post(
        &server,
        None,
        json!({ "query": "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }" }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn graphiql_is_served_from_the_service_itself() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let page = get(&server, Some(browser), &[]).await;
    assert_eq!(page.status(), 200);
    assert!(media_type(&page).starts_with("text/html"));
    let html = page.text().await.unwrap_or_default();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    let assets: Vec<&str> = html
        .split('"')
        .filter(|part| part.starts_with("/graphiql/"))
        .collect();
    assert_eq!(assets.len(), 4, "{assets:?}");
    for asset in assets {
        let response = server
            .client
            .get(format!("{}{asset}", server.base))
            .send()
            .await
            .unwrap_or_else(|err| panic!("{asset}: {err}"));
        assert_eq!(response.status(), 200, "{asset}");
        let expected = if asset.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(media_type(&response).starts_with(expected), "{asset}");
        let tag = response
            .headers()
            .get("etag")
            .cloned()
            .unwrap_or_else(|| panic!("{asset}: no ETag"));
        let bytes = response.bytes().await.map(|b| b.len()).unwrap_or_default();
        assert!(bytes > 1_000, "{asset}: {bytes} bytes");
        let again = server
            .client
            .get(format!("{}{asset}", server.base))
            .header("if-none-match", tag)
            .send()
            .await
            .map(|r| r.status().as_u16());
        assert_eq!(again.ok(), Some(304), "{asset}");
    }
    let missing = server
        .client
        .get(format!("{}/graphiql/nope.js", server.base))
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(missing.ok(), Some(404));
}

#[tokio::test]
async fn queries_run_over_get_and_mutations_never_do() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;

    let response = get(&server, Some(GRAPHQL_RESPONSE), &[("query", COUNT)]).await;
    assert_eq!(response.status(), 200);
    let tag = response.headers().get("etag").cloned();
    let vary = response
        .headers()
        .get("vary")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        vary.contains("Authorization") && vary.contains("Accept"),
        "{vary}"
    );
    let (_, media_type, body) = read(response).await;
    assert!(media_type.starts_with(GRAPHQL_RESPONSE));
    assert_eq!(body["data"]["artists"]["totalCount"], 0);

    // The same answer revalidates; a new one does not.
    let Some(tag) = tag else {
        panic!("a GET answer has an ETag");
    };
    let revalidated = server
        .client
        .get(format!("{}/graphql", server.base))
        .query(&[("query", COUNT)])
        .header("if-none-match", tag.clone())
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(revalidated.ok(), Some(304));

    // Variables and the operation's name, as JSON text in the URL.
    let response = get(
        &server,
        None,
        &[
            (
                "query",
                "query A { a: __typename } query B($n: Int!) { artists(first: $n) { totalCount } }",
            ),
            ("operationName", "B"),
            ("variables", r#"{"n": 2}"#),
        ],
    )
    .await;
    let (status, _, body) = read(response).await;
    assert_eq!(
        (status, &body["data"]["artists"]["totalCount"]),
        (200, &json!(0))
    );

    // A mutation over GET: 405, with Allow: POST, and nothing written,
    // in either media type, and as the only operation or one chosen by
    // name.
    for (accept, query) in [
        (None, vec![("query", CREATE)]),
        (
            Some(GRAPHQL_RESPONSE),
            vec![
                (
                    "query",
                    "query Q { __typename } mutation M { createArtist(input: { name: \"B\" }) { __typename } }",
                ),
                ("operationName", "M"),
            ],
        ),
    ] {
        let response = get(&server, accept, &query).await;
        assert_eq!(response.status(), 405, "{query:?}");
        assert_eq!(
            response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        let (_, _, body) = read(response).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
        assert!(body.get("data").is_none());
    }
    assert_eq!(artists(&server).await, 0, "no mutation ran");
    // The tag of a changed answer no longer matches.
    let (_, body) = server.graphql(CREATE, json!({})).await;
    assert_eq!(body["data"]["createArtist"]["__typename"], "Artist");
    let changed = server
        .client
        .get(format!("{}/graphql", server.base))
        .query(&[("query", COUNT)])
        .header("if-none-match", tag)
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(changed.ok(), Some(200));

    // No document: 400.
    let response = get(&server, None, &[("operationName", "A")]).await;
    let (status, _, body) = read(response).await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["code"]),
        (400, &json!("BAD_REQUEST"))
    );
}

/// 1,000 aliases of `planning` over one input of 5,000 slots: the cost is
/// counted before anything runs, so the request is refused without a
/// single statement, while one such planning is served.
#[tokio::test]
async fn planning_costs_by_its_input_and_a_request_cannot_buy_more() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let slots: Vec<Value> = (0..5_000)
        .map(|i| {
            json!({
                "key": format!("s{i}"),
                "startsAt": "2027-06-12T18:00:00Z",
                "endsAt": "2027-06-12T20:00:00Z",
                "positions": 1,
            })
        })
        .collect();
    let input = json!({ "input": { "slots": slots } });
    let aliases: String = (0..1_000)
        .map(|i| format!("p{i}: planning(input: $input) {{ __typename }} "))
        .collect();
    let before = db.statements();
    let (status, body) = server
        .graphql(
            &format!("query($input: PlanningInput!) {{ {aliases} }}"),
            input.clone(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    // Each planning: 1, plus 10,000 slots and positions / 10, plus its child.
    assert!(message.contains("this query costs 1002000"), "{message}");
    assert!(body.get("data").is_none());
    assert_eq!(db.statements(), before, "nothing ran");

    let (_, body) = server
        .graphql(
            "query($input: PlanningInput!) { planning(input: $input) { ... on Planning { stats { slots } } } }",
            input,
        )
        .await;
    assert_eq!(body["data"]["planning"]["stats"]["slots"], 5_000, "{body}");
}

/// Validation errors are many when a document is built for it: the
/// answer lists 100 and counts the rest, and a document holding more
/// nodes than validation should visit is refused before it is.
#[tokio::test]
async fn a_document_full_of_mistakes_gets_a_small_answer() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let cases = [
        // 100,000 unknown directives on one field: past the nodes allowed.
        (format!("{{ __typename {} }}", "@a".repeat(100_000)), 1),
        // 4,000 of them: each an error, 100 listed.
        (
            format!("{{ artists {{ totalCount {} }} }}", "@a".repeat(4_000)),
            101,
        ),
        // A megabyte of numbers: past the tokens allowed, never parsed.
        (
            format!(
                "{{ artists(first: [{}]) {{ totalCount }} }}",
                "1 ".repeat(500_000)
            ),
            1,
        ),
    ];
    for (query, errors) in cases {
        let response = server
            .client
            .post(format!("{}/graphql", server.base))
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap_or_else(|err| panic!("request: {err}"));
        let text = response.text().await.unwrap_or_default();
        assert!(
            text.len() < 20_000,
            "{} bytes: {}",
            text.len(),
            &text[..200]
        );
        let body: Value = serde_json::from_str(&text).unwrap_or_default();
        let listed = body["errors"].as_array().map_or(0, Vec::len);
        assert_eq!(listed, errors, "{}", &text[..300.min(text.len())]);
        if errors == 101 {
            assert_eq!(body["errors"][100]["extensions"]["code"], "TOO_MANY_ERRORS");
            assert_eq!(
                body["errors"][100]["message"],
                "3900 more errors were left out"
            );
        }
    }
    // Fragments that each spread the next twice are a small document that
    // expands exponentially: measured without expanding, and refused.
    let links = 30;
    let mut query = String::from("query { ...F0 } ");
    for link in 0..links {
        query.push_str(&format!(
            "fragment F{link} on Query {{ ...F{next} ...F{next} }} ",
            next = link + 1
        ));
    }
    query.push_str(&format!("fragment F{links} on Query {{ __typename }}"));
    let (_, body) = server.graphql(&query, json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("this query costs {}", 1u64 << links)),
        "{message}"
    );
}

#[tokio::test]
async fn without_introspection_no_error_names_what_the_client_did_not_send() {
    let db = sqlite_memory().await;
    let open = TestServer::start(&db).await;
    let closed = TestServer::start_with(&db, |config| config.disable_introspection = true).await;
    let probes = [
        ("{ artist(id: 1) { nme } }", "name"),
        ("{ planning { __typename } }", "input"),
        ("{ artists(frist: 1) { totalCount } }", "Query"),
        ("{ artists { nodes } }", "Artist"),
    ];
    for (query, secret) in probes {
        let (_, body) = open.graphql(query, json!({})).await;
        let told = body["errors"].to_string();
        assert!(told.contains(secret), "with introspection, {query}: {told}");
        let (_, body) = closed.graphql(query, json!({})).await;
        let told = body["errors"].to_string();
        assert!(!told.contains(secret), "{query}: {told}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
    // What the client wrote may be quoted back.
    let (_, body) = closed
        .graphql("{ artists(first: $many) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "Variable \"$many\" is not defined"
    );
}

#[tokio::test]
async fn directives_and_skipped_fields_follow_the_specification() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let invalid = [
        "{ __typename @unknownDirective }",
        "{ __typename @include(if: $undefinedVar) }",
        "{ __typename @skip(if: true) @skip(if: false) }",
        "{ __typename @skip(if: \"yes\") }",
        "query($b: String!) { __typename @skip(if: $b) }",
        "{ __typename(x: 1) }",
        "query @skip(if: true) { __typename }",
    ];
    for query in invalid {
        let (status, body) = server.graphql(query, json!({ "b": "x" })).await;
        assert_eq!(status, 200);
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{query}: {body}"
        );
        assert!(body.get("data").is_none(), "{query}: {body}");
    }
    let answered = [
        (
            "{ artists(first: 1) { totalCount @skip(if: true) } }",
            json!({ "artists": {} }),
        ),
        ("{ __typename @skip(if: true) }", json!({})),
        (
            "{ a: __typename @include(if: false) artists { totalCount @skip(if: true) } }",
            json!({ "artists": {} }),
        ),
        (
            "query($x: Boolean!) { t: __typename @include(if: $x) }",
            json!({ "t": "Query" }),
        ),
        (
            "{ ... on Query { __typename @skip(if: true) } artists { ...F } } fragment F on ArtistConnection { totalCount @include(if: false) }",
            json!({ "artists": {} }),
        ),
        (
            "mutation { createArtist(input: { name: \"\" }) { ... on Artist { id } } }",
            json!({ "createArtist": {} }),
        ),
    ];
    for (query, data) in answered {
        let (status, body) = server.graphql(query, json!({ "x": true })).await;
        assert_eq!(status, 200);
        assert!(body.get("errors").is_none(), "{query}: {body}");
        assert_eq!(body["data"], data, "{query}");
    }
    // Errors the service raises itself point at nothing rather than at a
    // line 0.
    let refusals = [
        format!("{{ {} }}", "a ".repeat(20_000)),
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
            .to_owned(),
        format!("{{ artists {{ nodes {{ {} }} }} }}", "name ".repeat(5_000)),
    ];
    for query in refusals {
        let (_, body) = server.graphql(&query, json!({})).await;
        let error = &body["errors"][0];
        assert!(error["message"].is_string(), "{body}");
        assert!(error.get("locations").is_none(), "{error}");
    }
}
