//! Live updates in one process: `scheduleChanged` over WebSocket with the
//! graphql-transport-ws protocol, on SQLite and PostgreSQL. Two replicas
//! on one PostgreSQL are in `live_replicas.rs`.

use serde_json::{Value, json};

use crate::common::socket::{Received, SCHEDULE_CHANGED, Socket};
use crate::common::{TestServer, on_each_backend, sqlite_memory, string};
use coulisses::auth::{Role, new_token};

/// POSTs the document to the service at `base`; its `data`, after
/// asserting that it ran cleanly.
async fn data(base: &str, query: &str, variables: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap_or_else(|err| panic!("{query}: {err}"));
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response
        .json()
        .await
        .unwrap_or_else(|err| panic!("{query}: not JSON: {err}"));
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}

/// A schedule of one slot with one position, planned among two artists;
/// its ID and the artists' IDs.
async fn festival(base: &str) -> (String, Vec<String>) {
    let mut artists = Vec::new();
    for name in ["Ada", "Bo"] {
        let created = data(
            base,
            "mutation($input: CreateArtistInput!) { createArtist(input: $input) { ... on Artist { id } } }",
            json!({ "input": { "name": name, "skills": ["sound"],
                "availabilities": [{ "startsAt": "2027-07-09T10:00:00Z", "endsAt": "2027-07-09T23:00:00Z" }] } }),
        )
        .await;
        artists.push(string(&created["createArtist"]["id"]));
    }
    let created = data(
        base,
        "mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { ... on Schedule { id version } } }",
        json!({ "input": { "name": "Friday", "slots": [{
            "key": "fri-sound", "startsAt": "2027-07-09T16:00:00Z", "endsAt": "2027-07-09T20:00:00Z",
            "positions": 1, "requiredSkills": ["sound"] }] } }),
    )
    .await;
    assert_eq!(created["createSchedule"]["version"], 1);
    (string(&created["createSchedule"]["id"]), artists)
}

/// Renames the schedule: one change, one version more.
async fn rename(base: &str, id: &str, name: &str) {
    let renamed = data(
        base,
        "mutation($id: ID!, $name: String!) { updateSchedule(id: $id, input: { name: $name }) { __typename } }",
        json!({ "id": id, "name": name }),
    )
    .await;
    assert_eq!(renamed["updateSchedule"]["__typename"], "ScheduleChange");
}

/// The version and name of a `scheduleChanged` event.
fn seen(event: &Value) -> (i64, String) {
    let changed = &event["data"]["scheduleChanged"];
    assert!(event.get("errors").is_none(), "{event}");
    (
        changed["version"].as_i64().unwrap_or(-1),
        string(&changed["schedule"]["name"]),
    )
}

#[tokio::test]
async fn a_subscriber_sees_every_change_in_order_then_the_deletion() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let (id, _) = festival(&server.base).await;
        // The subscriber says which version it holds: a change committed
        // while its subscription starts is not missed (the protocol does
        // not acknowledge a subscription).
        let mut socket = Socket::connect(&server.base, json!({})).await;
        let op = socket
            .subscribe(SCHEDULE_CHANGED, json!({ "id": id, "after": 1 }))
            .await;

        // One change at a time: each is one event, its version the next.
        for version in 2..=6 {
            let name = format!("Friday, take {version}");
            rename(&server.base, &id, &name).await;
            let event = socket.next(&op).await;
            assert_eq!(seen(&event), (version, name.clone()));
            let schedule = &event["data"]["scheduleChanged"]["schedule"];
            assert_eq!(schedule["version"], version, "{event}");
            assert_eq!(schedule["id"], id.as_str());
        }

        // A burst faster than the subscriber reads: versions only grow,
        // and the last event is the schedule as it ends.
        for take in 7..=16 {
            rename(&server.base, &id, &format!("Friday, take {take}")).await;
        }
        let mut last = 6;
        while last < 16 {
            let (version, name) = seen(&socket.next(&op).await);
            assert!(version > last, "version {version} after {last}");
            assert_eq!(name, format!("Friday, take {version}"));
            last = version;
        }

        // A change that changes nothing is no event: the deletion after it
        // is the next one.
        rename(&server.base, &id, "Friday, take 16").await;
        let deleted = data(
            &server.base,
            "mutation($id: ID!) { deleteSchedule(id: $id) { __typename } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(deleted["deleteSchedule"]["__typename"], "DeletedSchedule");
        let event = socket.next(&op).await;
        assert_eq!(
            event["data"]["scheduleChanged"],
            json!({ "version": 17, "schedule": null })
        );
        assert!(matches!(socket.receive().await, Received::Complete(done) if done == op));
        socket.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_subscriber_that_reconnects_gets_what_it_missed_at_once() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let (id, _) = festival(&server.base).await;
        rename(&server.base, &id, "Friday, take 2").await;

        // Behind: the current state at once.
        let mut socket = Socket::connect(&server.base, json!({})).await;
        let behind = socket
            .subscribe(SCHEDULE_CHANGED, json!({ "id": id, "after": 1 }))
            .await;
        assert_eq!(
            seen(&socket.next(&behind).await),
            (2, "Friday, take 2".to_owned())
        );

        // Up to date: nothing until the next change.
        let current = socket
            .subscribe(SCHEDULE_CHANGED, json!({ "id": id, "after": 2 }))
            .await;
        rename(&server.base, &id, "Friday, take 3").await;
        let mut got = Vec::new();
        for _ in 0..2 {
            match socket.receive().await {
                Received::Next(op, event) => got.push((op, seen(&event))),
                other => panic!("expected events, got {other:?}"),
            }
        }
        got.sort();
        let take3 = (3, "Friday, take 3".to_owned());
        assert_eq!(got, vec![(behind.clone(), take3.clone()), (current, take3)]);
        socket.close().await;
    })
    .await;
}

#[tokio::test]
async fn each_event_reads_the_artists_as_they_are_then() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let (id, artists) = festival(&server.base).await;
        let mut socket = Socket::connect(&server.base, json!({})).await;
        let op = socket
            .subscribe(SCHEDULE_CHANGED, json!({ "id": id, "after": 1 }))
            .await;
        rename(&server.base, &id, "Friday, take 2").await;
        let first = socket.next(&op).await;
        let assigned = &first["data"]["scheduleChanged"]["schedule"]["assignments"][0];
        let artist = assigned["artist"]["name"].as_str().unwrap_or_default().to_owned();
        assert!(["Ada", "Bo"].contains(&artist.as_str()), "{first}");

        // Renaming the artist is no change of the schedule, but the next
        // event shows the new name.
        let index = if artist == "Ada" { 0 } else { 1 };
        let renamed = data(
            &server.base,
            "mutation($id: ID!) { updateArtist(id: $id, input: { name: \"Ada Lovelace\" }) { __typename } }",
            json!({ "id": artists[index] }),
        )
        .await;
        assert_eq!(renamed["updateArtist"]["__typename"], "Artist");
        rename(&server.base, &id, "Friday, take 3").await;
        let second = socket.next(&op).await;
        assert_eq!(
            second["data"]["scheduleChanged"]["schedule"]["assignments"][0]["artist"]["name"],
            "Ada Lovelace",
            "{second}"
        );
        socket.close().await;
    })
    .await;
}

/// What a stage manager's screen shows: who is where, what breaks a rule
/// now, how full the schedule is.
const JUDGED: &str = "subscription($id: ID!, $after: Int) {
  scheduleChanged(id: $id, afterVersion: $after) {
    version
    schedule { name assignments { artist { name } problems } stats { filled positions } }
  }
}";

#[tokio::test]
async fn a_change_is_read_once_whatever_the_number_of_subscribers() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let (id, _) = festival(&server.base).await;
        let mut subscribers = Vec::new();
        let mut statements_of_a_change = Vec::new();
        for (version, joining) in [(2, 1), (3, 9)] {
            // Each joins a version behind, and gets the current one at
            // once: then it surely follows.
            for _ in 0..joining {
                let mut socket = Socket::connect(&server.base, json!({})).await;
                let op = socket
                    .subscribe(JUDGED, json!({ "id": id, "after": version - 2 }))
                    .await;
                assert_eq!(seen(&socket.next(&op).await).0, version - 1);
                subscribers.push((socket, op));
            }
            let before = t.statements();
            rename(&server.base, &id, &format!("Friday, take {version}")).await;
            for (socket, op) in &mut subscribers {
                let event = socket.next(op).await;
                assert_eq!(seen(&event).0, version);
                let schedule = &event["data"]["scheduleChanged"]["schedule"];
                assert!(
                    schedule["assignments"][0]["artist"]["name"].is_string(),
                    "{event}"
                );
                assert_eq!(schedule["assignments"][0]["problems"], json!([]), "{event}");
                assert_eq!(schedule["stats"], json!({ "filled": 1, "positions": 1 }));
            }
            statements_of_a_change.push(t.statements() - before);
        }
        // The change, then one read of the schedule with its artists, and
        // one judgement of it on today's data, for every subscriber: ten
        // cost what one does.
        assert_eq!(
            statements_of_a_change[0], statements_of_a_change[1],
            "{statements_of_a_change:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_schedules_are_not_found_and_subscriptions_need_a_websocket() {
    let t = sqlite_memory().await;
    let server = TestServer::start(&t).await;
    let mut socket = Socket::connect(&server.base, json!({})).await;
    for id in ["0190a0a0-0000-7000-8000-000000000000", "not-an-id"] {
        let op = socket
            .subscribe(SCHEDULE_CHANGED, json!({ "id": id, "after": 1 }))
            .await;
        let event = socket.next(&op).await;
        assert_eq!(event["data"], Value::Null, "{event}");
        assert_eq!(
            event["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{event}"
        );
        assert_eq!(
            event["errors"][0]["message"],
            format!("Schedule {id} does not exist")
        );
        assert!(matches!(socket.receive().await, Received::Complete(done) if done == op));
    }
    // Queries run over the socket as well.
    let op = socket
        .subscribe("{ artists { totalCount } }", json!({}))
        .await;
    assert_eq!(
        socket.next(&op).await,
        json!({ "data": { "artists": { "totalCount": 0 } } })
    );
    socket.close().await;

    let (status, body) = server
        .graphql(
            SCHEDULE_CHANGED,
            json!({ "id": "0190a0a0-0000-7000-8000-000000000000" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "OPERATION_NOT_SUPPORTED",
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
}

#[tokio::test]
async fn subscriptions_are_limited_per_connection_and_per_process() {
    let t = sqlite_memory().await;
    let server = TestServer::start_with(&t, |config| {
        config.max_subscriptions = 3;
        config.max_subscriptions_per_connection = 2;
    })
    .await;
    let (id, _) = festival(&server.base).await;
    let variables = json!({ "id": id, "after": 1 });

    // Three on one connection: one is refused (the connection starts
    // them in no set order).
    let mut first = Socket::connect(&server.base, json!({})).await;
    let mut running = Vec::new();
    for _ in 0..3 {
        running.push(first.subscribe(SCHEDULE_CHANGED, variables.clone()).await);
    }
    let refused = refusal(&mut first).await;
    assert!(
        refused.1.contains("this connection runs 2 subscriptions"),
        "{refused:?}"
    );
    running.retain(|op| *op != refused.0);

    // The process holds 3: a second connection gets one more, not two.
    let mut second = Socket::connect(&server.base, json!({})).await;
    let mut others = Vec::new();
    for _ in 0..2 {
        others.push(second.subscribe(SCHEDULE_CHANGED, variables.clone()).await);
    }
    let refused = refusal(&mut second).await;
    assert!(
        refused.1.contains("the service runs 3 subscriptions"),
        "{refused:?}"
    );
    others.retain(|op| *op != refused.0);

    // As many connections as subscriptions: a fourth is refused at once.
    let third = Socket::connect(&server.base, json!({})).await;
    assert_eq!(Socket::open(&server.base, &[]).await.err(), Some(503));
    third.close().await;

    // A stopped subscription gives its place back.
    first.stop(&running[0]).await;
    assert!(matches!(first.receive().await, Received::Complete(op) if op == running[0]));
    others.push(second.subscribe(SCHEDULE_CHANGED, variables.clone()).await);
    rename(&server.base, &id, "Friday, take 2").await;
    assert_eq!(seen(&first.next(&running[1]).await).0, 2);
    let mut heard = Vec::new();
    for _ in 0..2 {
        match second.receive().await {
            Received::Next(op, event) => {
                assert_eq!(seen(&event).0, 2);
                heard.push(op);
            }
            other => panic!("{other:?}"),
        }
    }
    heard.sort();
    others.sort();
    assert_eq!(heard, others);
}

/// The operation refused for too many subscriptions, and why; after it
/// completes.
async fn refusal(socket: &mut Socket) -> (String, String) {
    let (op, event) = match socket.receive().await {
        Received::Next(op, event) => (op, event),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let error = &event["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS",
        "{event}"
    );
    assert!(matches!(socket.receive().await, Received::Complete(done) if done == op));
    (op, string(&error["message"]))
}

fn token(name: &str, role: Role) -> (String, String) {
    new_token(name, role).unwrap_or_else(|err| panic!("no randomness: {err}"))
}

#[tokio::test]
async fn a_connection_authenticates_as_http_requests_do() {
    let t = sqlite_memory().await;
    let (viewer, viewer_line) = token("foh-screen", Role::Viewer);
    let (editor, editor_line) = token("stage-manager", Role::Editor);
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("no temp dir: {err}"));
    let file = dir.path().join("tokens");
    assert!(std::fs::write(&file, format!("{viewer_line}\n{editor_line}\n")).is_ok());
    let server = TestServer::start_with(&t, |config| config.tokens_file = Some(file.clone())).await;
    let editor_call = |query: &'static str, variables: Value| {
        let request = server
            .client
            .post(format!("{}/graphql", server.base))
            .header("authorization", format!("Bearer {editor}"))
            .json(&json!({ "query": query, "variables": variables }));
        async move {
            let response = request.send().await.unwrap_or_else(|err| panic!("{err}"));
            response
                .json::<Value>()
                .await
                .unwrap_or_else(|err| panic!("{err}"))
        }
    };
    let created = editor_call(
        "mutation { createSchedule(input: { name: \"Friday\", slots: [] }) { ... on Schedule { id } } }",
        json!({}),
    )
    .await;
    let id = string(&created["data"]["createSchedule"]["id"]);

    // No token, or a wrong one: Forbidden, as graphql-transport-ws says.
    for payload in [json!({}), json!({ "authorization": "Bearer nope" })] {
        let mut socket = match Socket::open(&server.base, &[]).await {
            Ok(socket) => socket,
            Err(status) => panic!("upgrade refused: {status}"),
        };
        let refused = socket.init(payload).await;
        assert!(matches!(&refused, Err((4403, _))), "{refused:?}");
    }
    // A wrong token on the upgrade itself: 401 before any WebSocket.
    let refused = Socket::open(&server.base, &[("authorization", "Bearer nope")]).await;
    assert_eq!(refused.err(), Some(401));

    // A viewer may subscribe (the token in the payload, any case of its
    // key), and sees the editor's changes; it may not change anything.
    let mut socket = Socket::connect(
        &server.base,
        json!({ "Authorization": format!("Bearer {viewer}") }),
    )
    .await;
    let op = socket
        .subscribe(SCHEDULE_CHANGED, json!({ "id": id, "after": 1 }))
        .await;
    let renamed = editor_call(
        "mutation($id: ID!) { updateSchedule(id: $id, input: { name: \"Friday, late\" }) { __typename } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        renamed["data"]["updateSchedule"]["__typename"],
        "ScheduleChange"
    );
    assert_eq!(
        seen(&socket.next(&op).await),
        (2, "Friday, late".to_owned())
    );
    let write = socket
        .subscribe(
            "mutation($id: ID!) { publishSchedule(id: $id) { __typename } }",
            json!({ "id": id }),
        )
        .await;
    let answer = socket.next(&write).await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{answer}"
    );

    // The token may come on the upgrade instead (non-browser clients).
    let mut by_header = match Socket::open(
        &server.base,
        &[("authorization", &format!("Bearer {editor}"))],
    )
    .await
    {
        Ok(socket) => socket,
        Err(status) => panic!("upgrade refused: {status}"),
    };
    assert_eq!(by_header.init(json!({})).await, Ok(()));
}

#[tokio::test]
async fn pages_of_other_origins_may_not_connect() {
    let t = sqlite_memory().await;
    let server = TestServer::start(&t).await;
    let host = server.base.trim_start_matches("http://").to_owned();
    let refused = Socket::open(&server.base, &[("origin", "https://evil.example")]).await;
    assert_eq!(refused.err(), Some(403));
    // GraphiQL, served by the service itself, may.
    let own = format!("http://{host}");
    assert!(
        Socket::open(&server.base, &[("origin", &own)])
            .await
            .is_ok()
    );

    // A client that does not ask for graphql-transport-ws is told so.
    let url = format!("ws://{host}/graphql");
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400);
        }
        other => panic!(
            "expected 400, got {:?}",
            other.map(|(_, response)| response)
        ),
    }
}

#[tokio::test]
async fn idle_connections_are_closed_and_the_service_closes_its_sockets_when_it_stops() {
    let t = sqlite_memory().await;
    let server = TestServer::start_with(&t, |config| {
        config.ws_ping_secs = 1;
        config.ws_idle_timeout_secs = 1;
    })
    .await;
    // No subscription: closed, normally, once the idle timeout passed.
    let mut idle = Socket::connect(&server.base, json!({})).await;
    let (code, reason) = idle.closed().await;
    assert_eq!(code, 1000, "{reason}");

    // A subscriber is not idle, and answers pings: it stays until the
    // service stops, and is then told to go elsewhere.
    let (id, _) = festival(&server.base).await;
    let mut subscriber = Socket::connect(&server.base, json!({})).await;
    let op = subscriber
        .subscribe(SCHEDULE_CHANGED, json!({ "id": id, "after": 1 }))
        .await;
    // Three pings and idle checks pass, and nothing closes it.
    let quiet = tokio::time::timeout(std::time::Duration::from_secs(3), subscriber.receive()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    rename(&server.base, &id, "Friday, take 2").await;
    assert_eq!(seen(&subscriber.next(&op).await).0, 2);
    drop(server);
    let (code, reason) = subscriber.closed().await;
    assert_eq!(code, 1001, "{reason}");
}

/// Both subscribers' next events: each must be `version`, named `name`.
async fn both_see(subscribers: &mut [(Socket, String)], version: i64, name: &str) {
    for (socket, op) in subscribers.iter_mut() {
        assert_eq!(seen(&socket.next(op).await), (version, name.to_owned()));
    }
}

/// Two `coulisses serve` replicas on one PostgreSQL, a subscriber on each,
/// changes made through either: every subscriber sees every version in
/// order, none skipped or repeated, across a forced reconnect of one
/// subscriber, and across the loss of both replicas' listening
/// connections (the notices sent meanwhile are lost, and the replicas
/// read the schedule again when they listen again).
#[tokio::test]
async fn subscribers_of_two_replicas_see_every_change_of_either() {
    use crate::common::service::Service;
    use sea_orm::{ConnectionTrait, Database};

    let database = crate::common::empty_postgres().await;
    let mut a = Service::spawn_serve("replica A", &database.url, &[], "info");
    let mut b = Service::spawn_serve("replica B", &database.url, &[], "info");
    a.wait_until_listening();
    b.wait_until_listening();
    let replicas = [a.base.clone(), b.base.clone()];
    let (id, _) = festival(&replicas[0]).await;
    let follow = |base: String, after: i64| {
        let id = id.clone();
        async move {
            let mut socket = Socket::connect(&base, json!({})).await;
            let op = socket
                .subscribe(SCHEDULE_CHANGED, json!({ "id": id, "after": after }))
                .await;
            (socket, op)
        }
    };
    let mut subscribers = vec![
        follow(replicas[0].clone(), 1).await,
        follow(replicas[1].clone(), 1).await,
    ];

    // Changes through one replica, then the other.
    for version in 2..=9 {
        let name = format!("Friday, take {version}");
        rename(&replicas[usize::from(version % 2 == 0)], &id, &name).await;
        both_see(&mut subscribers, version, &name).await;
    }

    // A's subscriber loses its connection; a change is made through B
    // meanwhile; it reconnects with the version it holds and gets the
    // change at once.
    let (lost, _) = subscribers.remove(0);
    lost.close().await;
    rename(&replicas[1], &id, "Friday, take 10").await;
    subscribers.insert(0, follow(replicas[0].clone(), 9).await);
    both_see(&mut subscribers, 10, "Friday, take 10").await;

    // Both replicas lose the connection they listen on, and a change is
    // committed before they listen again: its notice is lost, and still
    // both subscribers see it.
    let admin = Database::connect(&database.url)
        .await
        .unwrap_or_else(|err| panic!("cannot connect to {}: {err}", database.url));
    let terminated = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN %'",
        ))
        .await
        .unwrap_or_else(|err| panic!("cannot end the listeners: {err}"));
    assert_eq!(terminated.len(), 2, "one listener per replica");
    rename(&replicas[0], &id, "Friday, take 11").await;
    both_see(&mut subscribers, 11, "Friday, take 11").await;
    for version in 12..=14 {
        let name = format!("Friday, take {version}");
        rename(&replicas[usize::from(version % 2 == 0)], &id, &name).await;
        both_see(&mut subscribers, version, &name).await;
    }

    // Stopping, a replica tells its subscriber to go elsewhere.
    a.terminate();
    b.terminate();
    for (socket, _) in &mut subscribers {
        assert_eq!(socket.closed().await.0, 1001);
    }
    assert!(a.exit_status().await.success());
    assert!(b.exit_status().await.success());
}
