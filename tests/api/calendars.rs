//! Calendar feeds over HTTP: an artist's assignments in published
//! schedules, in iCalendar, under a secret URL; each event keeps its UID,
//! raises its SEQUENCE with every change, and stays CANCELLED after its
//! assignment goes.

use serde_json::{Value, json};

use crate::common::{TestServer, on_each_backend, string};

fn at(hour: u32) -> String {
    format!("2026-08-01T{hour:02}:00:00Z")
}

async fn data(server: &TestServer, query: &str, variables: Value) -> Value {
    let (status, body) = server.graphql(query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}

/// A label whose summary takes more than one 75-octet line, with
/// characters of more than one byte.
const LONG_LABEL: &str = "Grande scène, côté jardin: équipe de plateau pour le spectacle du soir";

const ISSUE: &str = "mutation($id: ID!) { issueCalendarFeed(artistId: $id) { __typename
    ... on CalendarFeed { url artist { name } } ... on NotFoundError { entity id } } }";

/// GET of a feed: its status, ETag and body.
async fn fetch(
    server: &TestServer,
    url: &str,
    etag: Option<&str>,
) -> (u16, Option<String>, String) {
    let mut request = server.client.get(url);
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(err) => panic!("GET {url}: {err}"),
    };
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if status == 200 {
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/calendar; charset=utf-8")
        );
    }
    let body = response.text().await.unwrap_or_default();
    (status, etag, body)
}

/// The events of a feed, unfolded: UID to its properties.
fn events(body: &str) -> Vec<Vec<(String, String)>> {
    let unfolded = body.replace("\r\n ", "");
    let mut found = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in unfolded.split("\r\n") {
        match line {
            "BEGIN:VEVENT" => current = Some(Vec::new()),
            "END:VEVENT" => found.extend(current.take()),
            _ => {
                if let (Some(event), Some((key, value))) = (current.as_mut(), line.split_once(':'))
                {
                    event.push((key.to_owned(), value.to_owned()));
                }
            }
        }
    }
    found
}

fn property<'a>(event: &'a [(String, String)], key: &str) -> &'a str {
    event
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

#[tokio::test]
async fn a_feed_follows_the_published_assignments_of_its_artist() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let created = data(
            &server,
            "mutation($input: CreateArtistInput!) { createArtist(input: $input) { ... on Artist { id } } }",
            json!({ "input": { "name": "Ada", "availabilities": [{ "startsAt": at(8), "endsAt": at(23) }] } }),
        )
        .await;
        let ada = string(&created["createArtist"]["id"]);
        let schedule = data(
            &server,
            "mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { ... on Schedule { id assignments { id slotKey } } } }",
            json!({ "input": { "name": "Summer; day 1", "slots": [
                { "key": "get-in", "startsAt": at(9), "endsAt": at(12), "label": "Main stage, get-in" },
                { "key": "show", "startsAt": at(18), "endsAt": at(22), "label": LONG_LABEL }
            ] } }),
        )
        .await["createSchedule"]
            .clone();
        let id = string(&schedule["id"]);
        let assignment = |key: &str| {
            schedule["assignments"]
                .as_array()
                .and_then(|all| all.iter().find(|a| a["slotKey"] == key))
                .map(|a| string(&a["id"]))
                .unwrap_or_default()
        };
        let (get_in, show) = (assignment("get-in"), assignment("show"));

        let issued = data(&server, ISSUE, json!({ "id": ada })).await["issueCalendarFeed"].clone();
        assert_eq!(issued["artist"]["name"], "Ada", "{}: {issued}", t.label);
        let url = string(&issued["url"]);
        assert!(url.starts_with(&format!("{}/calendar/", server.base)), "{url}");
        assert!(url.ends_with(".ics"));

        // A draft reaches no calendar.
        let (status, _, body) = fetch(&server, &url, None).await;
        assert_eq!(status, 200);
        assert!(body.starts_with("BEGIN:VCALENDAR\r\n"), "{body}");
        assert!(body.contains("\r\nVERSION:2.0\r\n"));
        assert!(events(&body).is_empty(), "{body}");

        data(&server, "mutation($id: ID!) { publishSchedule(id: $id) { __typename } }", json!({ "id": id })).await;
        let (status, etag, body) = fetch(&server, &url, None).await;
        assert_eq!(status, 200);
        let shown = events(&body);
        assert_eq!(shown.len(), 2, "{body}");
        let first = &shown[0];
        assert_eq!(property(first, "UID"), get_in);
        assert_eq!(property(first, "DTSTART"), "20260801T090000Z", "UTC, never floating");
        assert_eq!(property(first, "DTEND"), "20260801T120000Z");
        assert_eq!(property(first, "SUMMARY"), "Main stage\\, get-in (Summer\\; day 1)", "escaped");
        assert_eq!(property(first, "STATUS"), "TENTATIVE");
        assert_eq!(property(first, "SEQUENCE"), "0");
        for key in ["DTSTAMP", "LAST-MODIFIED", "CREATED"] {
            assert!(property(first, key).ends_with('Z'), "{key} in {first:?}");
        }
        assert_eq!(property(&shown[1], "UID"), show);
        // Long lines are folded at 75 octets, never inside a character,
        // and read back whole.
        assert!(body.split("\r\n").all(|line| line.len() <= 75), "folded at 75 octets: {body}");
        assert!(body.contains("\r\n "), "a folded line: {body}");
        assert_eq!(property(&shown[1], "SUMMARY"), format!("{} (Summer\\; day 1)", LONG_LABEL.replace(',', "\\,")));

        // Unchanged: 304, and the same ETag.
        let etag = etag.unwrap_or_default();
        let (status, again, body) = fetch(&server, &url, Some(&etag)).await;
        assert_eq!((status, again.as_deref(), body.as_str()), (304, Some(etag.as_str()), ""));

        // Confirmed: the same UID, SEQUENCE raised; the other unchanged.
        data(&server, "mutation($id: ID!) { setAssignmentStatus(id: $id, status: CONFIRMED) { __typename } }", json!({ "id": show })).await;
        let (status, changed, body) = fetch(&server, &url, Some(&etag)).await;
        assert_eq!(status, 200, "changed: no 304");
        assert_ne!(changed.as_deref(), Some(etag.as_str()));
        let shown = events(&body);
        assert_eq!((property(&shown[1], "UID"), property(&shown[1], "STATUS"), property(&shown[1], "SEQUENCE")), (show.as_str(), "CONFIRMED", "1"));
        assert_eq!(property(&shown[0], "SEQUENCE"), "0");

        // A re-plan that keeps them keeps their UIDs, whatever the order.
        data(&server, "mutation($id: ID!) { replanSchedule(id: $id) { __typename } }", json!({ "id": id })).await;
        let uids: Vec<String> = events(&fetch(&server, &url, None).await.2).iter().map(|e| property(e, "UID").to_owned()).collect();
        assert_eq!(uids, [get_in.clone(), show.clone()]);

        // Removed after publication: still there, CANCELLED, a higher
        // SEQUENCE, so that calendars drop it.
        data(&server, "mutation($id: ID!) { unassign(id: $id) { __typename } }", json!({ "id": get_in })).await;
        let shown = events(&fetch(&server, &url, None).await.2);
        assert_eq!((property(&shown[0], "UID"), property(&shown[0], "STATUS"), property(&shown[0], "SEQUENCE")), (get_in.as_str(), "CANCELLED", "1"));

        // The slot moves: the event moves, SEQUENCE raised.
        data(
            &server,
            "mutation($id: ID!, $input: UpdateScheduleInput!) { updateSchedule(id: $id, input: $input) { __typename } }",
            json!({ "id": id, "input": { "slots": [
                { "key": "get-in", "startsAt": at(9), "endsAt": at(12), "label": "Main stage, get-in" },
                { "key": "show", "startsAt": at(19), "endsAt": at(22), "label": LONG_LABEL }
            ] } }),
        )
        .await;
        let shown = events(&fetch(&server, &url, None).await.2);
        assert_eq!((property(&shown[1], "DTSTART"), property(&shown[1], "SEQUENCE")), ("20260801T190000Z", "2"));

        // A new URL revokes the old one, which then says nothing.
        let reissued = data(&server, ISSUE, json!({ "id": ada })).await["issueCalendarFeed"].clone();
        let new_url = string(&reissued["url"]);
        assert_ne!(new_url, url);
        let (status, _, body) = fetch(&server, &url, None).await;
        assert_eq!((status, body.as_str()), (404, ""));
        assert_eq!(fetch(&server, &new_url, None).await.0, 200);
        assert_eq!(fetch(&server, &format!("{}/calendar/nope.ics", server.base), None).await.0, 404);
        assert_eq!(fetch(&server, &format!("{}/calendar/{}", server.base, "x".repeat(500)), None).await.0, 404);

        // Declined: cancelled, SEQUENCE raised; renaming the schedule then
        // leaves the cancelled event as it was.
        data(&server, "mutation($id: ID!) { setAssignmentStatus(id: $id, status: DECLINED) { __typename } }", json!({ "id": show })).await;
        let shown = events(&fetch(&server, &new_url, None).await.2);
        assert_eq!((property(&shown[1], "STATUS"), property(&shown[1], "SEQUENCE")), ("CANCELLED", "3"));
        data(
            &server,
            "mutation($id: ID!) { updateSchedule(id: $id, input: { name: \"Summer, day one\" }) { __typename } }",
            json!({ "id": id }),
        )
        .await;
        let shown = events(&fetch(&server, &new_url, None).await.2);
        assert_eq!(property(&shown[1], "SEQUENCE"), "3", "{shown:?}");

        // Deleting the schedule cancels what its feed showed.
        data(&server, "mutation($id: ID!) { deleteSchedule(id: $id) { __typename } }", json!({ "id": id })).await;
        let shown = events(&fetch(&server, &new_url, None).await.2);
        assert_eq!(shown.len(), 2);
        assert!(shown.iter().all(|e| property(e, "STATUS") == "CANCELLED"), "{shown:?}");
        assert_eq!(property(&shown[1], "SEQUENCE"), "3");

        let unknown = uuid::Uuid::now_v7().to_string();
        let missing = data(&server, ISSUE, json!({ "id": unknown })).await;
        assert_eq!(missing["issueCalendarFeed"], json!({ "__typename": "NotFoundError", "entity": "Artist", "id": unknown }));
        let malformed = data(&server, ISSUE, json!({ "id": "nope" })).await;
        assert_eq!(malformed["issueCalendarFeed"]["id"], "nope");
    })
    .await;
}

/// Behind a proxy, the feeds' URLs are under the public URL configured.
#[tokio::test]
async fn feed_urls_are_under_the_public_url() {
    let db = crate::common::sqlite_memory().await;
    let server = TestServer::start_with(&db, |config| {
        config.public_url = Some("https://coulisses.example.org".to_owned());
    })
    .await;
    let created = data(
        &server,
        "mutation { createArtist(input: { name: \"Ada\" }) { ... on Artist { id } } }",
        json!({}),
    )
    .await;
    let issued = data(
        &server,
        ISSUE,
        json!({ "id": created["createArtist"]["id"] }),
    )
    .await;
    let url = string(&issued["issueCalendarFeed"]["url"]);
    let secret = url
        .strip_prefix("https://coulisses.example.org/calendar/")
        .and_then(|rest| rest.strip_suffix(".ics"))
        .unwrap_or_default();
    assert_eq!(secret.len(), 43, "{url}");
    // The same feed, reached directly.
    let (status, _, body) = fetch(
        &server,
        &format!("{}/calendar/{secret}.ics", server.base),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
