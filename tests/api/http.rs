//! The service over HTTP on 127.0.0.1 port 0: health, GraphiQL, error
//! codes, masked internal errors, and concurrent conflicting writes.

use crate::common::{TestServer, pooled_backends, sqlite_memory, string};
use futures::future::join_all;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateArtistInput!) { createArtist(input: $input) { __typename ... on Artist { id } ... on ConflictError { conflictingId } } }";
const ADD: &str = "mutation($id: ID!, $input: AvailabilityInput!) { addAvailability(artistId: $id, input: $input) { __typename ... on Availability { id } ... on ConflictError { field conflictingId } } }";
const AVAILABILITIES: &str =
    "query($id: ID!) { artist(id: $id) { availabilities { id startsAt endsAt } } }";

#[tokio::test]
async fn health_graphiql_and_graphql_answer() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;

    let health = server
        .client
        .get(format!("{}/health", server.base))
        .send()
        .await;
    let health = health.unwrap_or_else(|err| panic!("health: {err}"));
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let body: Value = health.json().await.unwrap_or_default();
    assert_eq!(body["status"], "ok");

    let page = server
        .client
        .get(format!("{}/graphql", server.base))
        .header("accept", "text/html")
        .send()
        .await;
    let page = page.unwrap_or_else(|err| panic!("graphiql: {err}"));
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap_or_default()
            .contains("/graphiql/graphiql.min.js")
    );

    let (status, body) = server
        .graphql(CREATE, json!({ "input": { "name": "Ada" } }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["createArtist"]["__typename"], "Artist");
}

#[tokio::test]
async fn top_level_errors_carry_a_code() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let cases = [
        ("{ artists(first: 1 ", "GRAPHQL_PARSE_FAILED"),
        (
            "{ artists { nodes { nope } } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ artists(first: 1000) { totalCount } }", "BAD_USER_INPUT"),
    ];
    for (query, code) in cases {
        let (status, body) = server.graphql(query, json!({})).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{query}: {body}"
        );
    }
    let mut too_deep = "name".to_owned();
    for _ in 0..8 {
        too_deep = format!("availabilities {{ artist {{ {too_deep} }} }}");
    }
    let too_deep = format!("{{ artists {{ nodes {{ {too_deep} }} }} }}");
    let (_, body) = server.graphql(&too_deep, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
}

#[tokio::test]
async fn requests_that_are_no_graphql_json_get_a_json_4xx_and_change_nothing() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let create =
        json!({ "query": "mutation { createArtist(input: { name: \"Ada\" }) { __typename } }" })
            .to_string();
    // What a browser sends to any origin without asking first (text/plain,
    // forms) never runs.
    let cases = [
        (
            Some("application/json"),
            "{ not json".to_owned(),
            400,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            "[1, 2]".to_owned(),
            400,
            "BAD_REQUEST",
        ),
        (
            Some("application/json"),
            "{}".to_owned(),
            400,
            "BAD_REQUEST",
        ),
        (
            Some("text/plain"),
            create.clone(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            Some("application/x-www-form-urlencoded"),
            create.clone(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            Some("multipart/form-data; boundary=x"),
            create.clone(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (None, create.clone(), 415, "UNSUPPORTED_MEDIA_TYPE"),
    ];
    for (content_type, body, status, code) in cases {
        let mut request = server
            .client
            .post(format!("{}/graphql", server.base))
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|err| panic!("request: {err}"));
        assert_eq!(response.status(), status, "{content_type:?} {body}");
        let answer: Value = response.json().await.unwrap_or_default();
        assert_eq!(answer["errors"][0]["extensions"]["code"], code, "{answer}");
        assert!(answer["errors"][0]["message"].is_string());
    }
    let (_, listed) = server
        .graphql("{ artists { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["data"]["artists"]["totalCount"], 0);

    let charset = server
        .client
        .post(format!("{}/graphql", server.base))
        .header("content-type", "application/json; charset=utf-8")
        .body(create)
        .send()
        .await
        .unwrap_or_else(|err| panic!("request: {err}"));
    assert_eq!(charset.status(), 200, "a charset parameter is fine");
}

#[tokio::test]
async fn ready_means_migrated() {
    use migration::MigratorTrait;
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let ready = |server: &TestServer| {
        let url = format!("{}/ready", server.base);
        let client = server.client.clone();
        async move {
            let response = client
                .get(url)
                .send()
                .await
                .unwrap_or_else(|err| panic!("ready: {err}"));
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or_default())
        }
    };
    assert_eq!(ready(&server).await, (200, json!({ "status": "ready" })));
    if let Err(err) = migration::Migrator::down(&db.db, Some(1)).await {
        panic!("cannot roll back: {err}");
    }
    assert_eq!(
        ready(&server).await,
        (503, json!({ "status": "migrations pending", "pending": 1 }))
    );
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let query = "{ __schema { queryType { name } } }";
    let db = sqlite_memory().await;
    let open = TestServer::start(&db).await;
    let (_, body) = open.graphql(query, json!({})).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");

    let closed = TestServer::start_with(&db, |config| config.disable_introspection = true).await;
    let (_, body) = closed.graphql(query, json!({})).await;
    assert!(
        body["errors"][0]["extensions"]["code"].is_string(),
        "{body}"
    );
    assert!(
        body["data"].is_null() || body["data"]["__schema"].is_null(),
        "{body}"
    );
    let (_, body) = closed
        .graphql("{ artists { totalCount } }", json!({}))
        .await;
    assert_eq!(body["data"]["artists"]["totalCount"], 0);
}

#[tokio::test]
async fn internal_errors_are_masked() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let (_, body) = server
        .graphql(CREATE, json!({ "input": { "name": "Ada" } }))
        .await;
    let id = string(&body["data"]["createArtist"]["id"]);
    // A database fault: the table the query needs is gone.
    if let Err(err) = db.db.execute_unprepared("DROP TABLE availabilities").await {
        panic!("cannot break the database: {err}");
    }
    let (status, body) = server.graphql(AVAILABILITIES, json!({ "id": id })).await;
    assert_eq!(status, 200);
    let error = &body["errors"][0];
    assert_eq!(error["message"], "Internal server error");
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    let text = body.to_string().to_lowercase();
    for leak in ["availabilities", "sql", "table", "sqlite"] {
        assert!(!text.contains(leak), "response leaks {leak:?}: {body}");
    }
}

/// Sends every request at once; returns each result's __typename.
async fn concurrently(
    server: &TestServer,
    query: &str,
    variables: Vec<Value>,
    field: &str,
) -> Vec<Value> {
    let requests = variables
        .into_iter()
        .map(|variables| server.graphql(query, variables));
    join_all(requests)
        .await
        .into_iter()
        .map(|(status, body)| {
            assert_eq!(status, 200, "{body}");
            assert!(body.get("errors").is_none(), "{body}");
            body["data"][field].clone()
        })
        .collect()
}

fn typenames(results: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = results.iter().map(|r| string(&r["__typename"])).collect();
    names.sort();
    names
}

fn one_success_then_conflicts(results: &[Value], success: &str) {
    let names = typenames(results);
    let successes = names.iter().filter(|n| *n == success).count();
    let conflicts = names.iter().filter(|n| *n == "ConflictError").count();
    assert_eq!((successes, conflicts), (1, results.len() - 1), "{names:?}");
    let winner = results
        .iter()
        .find(|r| r["__typename"] == success)
        .map(|r| r["id"].clone());
    for conflict in results
        .iter()
        .filter(|r| r["__typename"] == "ConflictError")
    {
        assert_eq!(
            Some(conflict["conflictingId"].clone()),
            winner,
            "the loser names the winner"
        );
    }
}

/// On every pooled backend: an artist gets the twenty ranges `range(i)`
/// added at once; exactly one is stored, and every other request is told
/// it conflicts with that one.
async fn only_one_of_twenty_concurrent_additions(range: fn(u32) -> (String, String)) {
    for db in pooled_backends().await {
        eprintln!("-- on {}", db.label);
        let server = TestServer::start(&db).await;
        let (_, body) = server
            .graphql(CREATE, json!({ "input": { "name": "Ada" } }))
            .await;
        let artist = string(&body["data"]["createArtist"]["id"]);
        let variables = (0..20)
            .map(|i| {
                let (starts_at, ends_at) = range(i);
                json!({ "id": artist, "input": { "startsAt": starts_at, "endsAt": ends_at } })
            })
            .collect();
        let results = concurrently(&server, ADD, variables, "addAvailability").await;
        one_success_then_conflicts(&results, "Availability");
        let (_, stored) = server
            .graphql(AVAILABILITIES, json!({ "id": artist }))
            .await;
        let stored = stored["data"]["artist"]["availabilities"]
            .as_array()
            .map(Vec::len);
        assert_eq!(stored, Some(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_availabilities_one_wins() {
    only_one_of_twenty_concurrent_additions(|_| {
        ("2026-06-01T10:00:00Z".into(), "2026-06-01T12:00:00Z".into())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_overlapping_availabilities_one_wins() {
    // Twenty different ranges, each overlapping all the others.
    only_one_of_twenty_concurrent_additions(|minute| {
        (
            format!("2026-06-01T10:{minute:02}:00Z"),
            format!("2026-06-01T11:{minute:02}:00Z"),
        )
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_artists_with_one_email_one_wins() {
    for db in pooled_backends().await {
        eprintln!("-- on {}", db.label);
        let server = TestServer::start(&db).await;
        let variables = (0..20)
            .map(|i| json!({ "input": { "name": format!("Ada {i}"), "email": format!("{}@example.org", if i % 2 == 0 { "ADA" } else { "ada" }) } }))
            .collect();
        let results = concurrently(&server, CREATE, variables, "createArtist").await;
        one_success_then_conflicts(&results, "Artist");
        let (_, listed) = server
            .graphql("{ artists { totalCount } }", json!({}))
            .await;
        assert_eq!(listed["data"]["artists"]["totalCount"], 1);
    }
}

// Server and client on threads of their own, as over a network: on one
// thread the server never answers while the client is still sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_a_json_413_and_change_nothing() {
    let db = sqlite_memory().await;
    let server = TestServer::start_with(&db, |config| config.max_body_bytes = 1024).await;
    let name = "A".repeat(2_000);
    let body = json!({
        "query": "mutation($name: String!) { createArtist(input: { name: $name }) { __typename } }",
        "variables": { "name": name },
    })
    .to_string();
    // Announced by Content-Length or streamed, small or far over the
    // limit (the client is still sending when the answer is ready): the
    // client gets the 413, never a reset connection.
    let announced = reqwest::Body::from(body.clone());
    let chunks: Vec<Result<String, std::io::Error>> = vec![Ok(body)];
    let streamed = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    for (how, payload) in [("announced", announced), ("streamed", streamed)] {
        let response = server
            .client
            .post(format!("{}/graphql", server.base))
            .header("content-type", "application/json")
            .body(payload)
            .send()
            .await
            .unwrap_or_else(|err| panic!("{how}: {err}"));
        assert_eq!(response.status(), 413, "{how}");
        let answer: Value = response.json().await.unwrap_or_default();
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
            "{how}: {answer}"
        );
    }
    let (_, listed) = server
        .graphql("{ artists { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["data"]["artists"]["totalCount"], 0);

    // 10 MB against the default 1 MiB: the client is still sending when
    // the answer is ready, and must get it rather than a reset connection.
    let standard = TestServer::start(&db).await;
    // On a connection already open, as a client's pool would use.
    standard
        .graphql("{ artists { totalCount } }", json!({}))
        .await;
    let ten_megabytes = json!({
        "query": "mutation($name: String!) { createArtist(input: { name: $name }) { __typename } }",
        "variables": { "name": "é".repeat(5 << 20) },
    });
    let response = standard
        .client
        .post(format!("{}/graphql", standard.base))
        .json(&ten_megabytes)
        .send()
        .await
        .unwrap_or_else(|err| panic!("10 MB: {err}"));
    assert_eq!(response.status(), 413);

    // The limit is the configured one, above axum's own 2 MB default too.
    let roomy = TestServer::start_with(&db, |config| config.max_body_bytes = 4 << 20).await;
    let (status, answer) = roomy
        .graphql(
            "mutation($name: String!) { createArtist(input: { name: $name }) { __typename } }",
            json!({ "name": "A".repeat(3 << 20) }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["data"]["createArtist"]["__typename"],
        "ValidationError"
    );
}

#[tokio::test]
async fn metrics_count_and_time_requests_by_operation() {
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    for _ in 0..2 {
        server
            .graphql("query Roster { artists { totalCount } }", json!({}))
            .await;
    }
    server
        .graphql(
            "mutation Hire { createArtist(input: { name: \"Ada\" }) { __typename } }",
            json!({}),
        )
        .await;
    server.graphql("query Broken {", json!({})).await;

    let response = server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap_or_else(|err| panic!("metrics: {err}"));
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap_or_default();
    for line in [
        r#"coulisses_graphql_requests_total{operation="Roster",kind="query",outcome="ok"} 2"#,
        r#"coulisses_graphql_requests_total{operation="Hire",kind="mutation",outcome="ok"} 1"#,
        r#"coulisses_graphql_requests_total{operation="invalid",kind="unknown",outcome="error"} 1"#,
        r#"coulisses_graphql_request_duration_seconds_count{operation="Roster",kind="query"} 2"#,
        r#"coulisses_http_requests_total{method="POST",route="/graphql",status="200"} 4"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line} in:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_chain_of_fragments_is_refused_and_the_service_stays_up() {
    let db = sqlite_memory().await;
    for introspection in [true, false] {
        let server = TestServer::start_with(&db, |config| {
            config.disable_introspection = !introspection;
        })
        .await;
        // Past the recursion limit (32), and past the tokens a document
        // may hold (20,000): the first by the chain's guard, the second
        // before it is parsed.
        for links in [100, 20_000] {
            let chain: String = (0..links)
                .map(|link| format!("fragment F{link} on Query {{ ...F{} }} ", link + 1))
                .collect();
            let end = format!("fragment F{links} on Query {{ __typename }}");
            // Spread from the operation, and left unused: both are refused.
            for operation in ["query { ...F0 }", "query { __typename }"] {
                let (status, body) = server
                    .graphql(&format!("{operation} {chain} {end}"), json!({}))
                    .await;
                assert_eq!(status, 200, "{operation}");
                assert_eq!(
                    body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
                    "introspection {introspection}, {links} links, {operation}: {}",
                    body["errors"][0]
                );
            }
        }
        let health = server
            .client
            .get(format!("{}/health", server.base))
            .send()
            .await
            .map(|response| response.status().as_u16());
        assert_eq!(health.ok(), Some(200), "the service is still up");
    }
}

#[tokio::test]
async fn only_configured_origins_may_call_the_api_from_a_browser() {
    let db = sqlite_memory().await;
    let allowed_origin = |response: &reqwest::Response| {
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let preflight = |server: &TestServer, origin: &'static str| {
        server
            .client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", server.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let post = |server: &TestServer, origin: &'static str| {
        server
            .client
            .post(format!("{}/graphql", server.base))
            .header("origin", origin)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
    };

    // The default: no web page of another origin may read an answer, or
    // send a JSON request at all (its preflight is refused).
    let closed = TestServer::start(&db).await;
    let refused = preflight(&closed, "https://evil.example")
        .await
        .unwrap_or_else(|err| panic!("preflight: {err}"));
    assert_eq!(allowed_origin(&refused), None);
    assert!(!refused.status().is_success(), "{}", refused.status());
    let answered = post(&closed, "https://evil.example")
        .await
        .unwrap_or_else(|err| panic!("post: {err}"));
    assert_eq!(allowed_origin(&answered), None);

    // Configured origins, and only they.
    let open = TestServer::start_with(&db, |config| {
        config.cors_origins = vec![axum::http::HeaderValue::from_static(
            "https://planner.example.org",
        )];
    })
    .await;
    let allowed = preflight(&open, "https://planner.example.org")
        .await
        .unwrap_or_else(|err| panic!("preflight: {err}"));
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed_origin(&allowed).as_deref(),
        Some("https://planner.example.org")
    );
    let answered = post(&open, "https://planner.example.org")
        .await
        .unwrap_or_else(|err| panic!("post: {err}"));
    assert_eq!(
        allowed_origin(&answered).as_deref(),
        Some("https://planner.example.org")
    );
    let other = preflight(&open, "https://evil.example")
        .await
        .unwrap_or_else(|err| panic!("preflight: {err}"));
    assert_eq!(allowed_origin(&other), None);

    let metrics = open
        .client
        .get(format!("{}/metrics", open.base))
        .header("origin", "https://planner.example.org")
        .send()
        .await
        .unwrap_or_else(|err| panic!("metrics: {err}"));
    assert_eq!(metrics.status(), 200);
    assert_eq!(allowed_origin(&metrics), None);
}

#[tokio::test]
async fn a_client_waiting_for_100_continue_hears_413_before_uploading() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = sqlite_memory().await;
    let server = TestServer::start(&db).await;
    let addr = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|err| panic!("connect: {err}"));
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        4 << 20
    );
    stream
        .write_all(head.as_bytes())
        .await
        .unwrap_or_else(|err| panic!("write: {err}"));
    // No body is sent: the answer must come without it.
    let mut answer = vec![0; 1024];
    let read = stream
        .read(&mut answer)
        .await
        .unwrap_or_else(|err| panic!("read: {err}"));
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}
