//! A stage manager's festival, end to end over HTTP, and forty editors
//! changing one schedule at once.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use crate::common::{TestDb, TestServer, on_each_backend, pooled_backends, string};

fn at(hour: u32) -> String {
    format!("2026-07-04T{hour:02}:00:00Z")
}

/// POSTs the document; the answer's `data`, after asserting that the
/// service answered 200 with no error.
async fn data(server: &TestServer, query: &str, variables: Value) -> Value {
    let (status, body) = server.graphql(query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}

async fn artist(server: &TestServer, name: &str, skills: &[&str]) -> String {
    let created = data(
        server,
        "mutation($input: CreateArtistInput!) { createArtist(input: $input) { ... on Artist { id } } }",
        json!({ "input": { "name": name, "skills": skills,
            "availabilities": [{ "startsAt": at(10), "endsAt": at(23) }] } }),
    )
    .await;
    string(&created["createArtist"]["id"])
}

const SCHEDULE: &str = "id version status
  assignments { id slotKey artist { id name } status pinned problems }
  stats { positions filled filledUpperBound }";

async fn schedule(server: &TestServer, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ schedule(id: $id) {{ {SCHEDULE} }} }}");
    data(server, &query, json!({ "id": id })).await["schedule"].clone()
}

fn assignments(schedule: &Value) -> Vec<Value> {
    schedule["assignments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The ID of each assignment, with its slot and artist.
fn by_id(list: &[Value]) -> BTreeMap<String, (String, String, String)> {
    list.iter()
        .map(|a| {
            (
                string(&a["id"]),
                (
                    string(&a["slotKey"]),
                    string(&a["artist"]["name"]),
                    string(&a["status"]),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_festival_is_planned_adjusted_replanned_with_fewest_changes_and_published() {
    on_each_backend(|t| async move {
        let server = TestServer::start(&t).await;
        let crew = [
            ("Ada", &["sound"][..]),
            ("Bo", &["sound"]),
            ("Cy", &["sound", "light"]),
            ("Di", &["light"]),
            ("Ed", &["light"]),
            ("Flo", &[]),
            ("Gus", &[]),
            ("Hal", &["sound"]),
            ("Ivy", &["light"]),
            ("Jo", &[]),
            ("Kit", &["sound", "light"]),
            ("Lou", &[]),
        ];
        let mut ids = BTreeMap::new();
        for (name, skills) in crew {
            ids.insert(name, artist(&server, name, skills).await);
        }
        let slot = |key: &str, start: u32, end: u32, positions: u32, skills: &[&str]| {
            json!({ "key": key, "startsAt": at(start), "endsAt": at(end),
                    "positions": positions, "requiredSkills": skills, "label": key })
        };
        let slots = json!([
            slot("main-sound", 18, 20, 2, &["sound"]),
            slot("main-light", 18, 20, 1, &["light"]),
            slot("side-stage", 18, 20, 1, &[]),
            slot("late-sound", 21, 23, 1, &["sound"]),
            slot("late-light", 21, 23, 1, &["light"]),
            slot("late-door", 21, 23, 2, &[]),
        ]);
        let created = data(
            &server,
            &format!("mutation($input: CreateScheduleInput!) {{ createSchedule(input: $input) {{ ... on Schedule {{ {SCHEDULE} }} }} }}"),
            json!({ "input": { "name": "Summer festival", "slots": slots,
                "rules": { "maxSlotsPerArtist": 1, "minRestMinutes": 30 } } }),
        )
        .await["createSchedule"]
            .clone();
        let id = string(&created["id"]);
        assert_eq!(created["stats"]["filled"], 8, "{}: {created}", t.label);
        let planned = assignments(&created);

        // Three confirm; one declines; another falls ill.
        let status = "mutation($id: ID!, $status: AssignmentStatus!) { setAssignmentStatus(id: $id, status: $status) { __typename ... on ScheduledAssignment { status } } }";
        for confirmed in &planned[..3] {
            let answer = data(&server, status, json!({ "id": confirmed["id"], "status": "CONFIRMED" })).await;
            assert_eq!(answer["setAssignmentStatus"]["status"], "CONFIRMED");
        }
        let declined = &planned[3];
        data(&server, status, json!({ "id": declined["id"], "status": "DECLINED" })).await;
        let ill = &planned[4];
        data(
            &server,
            "mutation($id: ID!) { setAvailabilities(artistId: $id, availabilities: []) { __typename } }",
            json!({ "id": ill["artist"]["id"] }),
        )
        .await;
        let before = schedule(&server, &id).await;
        assert_eq!(before["version"], 5);
        let broken: Vec<Value> = assignments(&before)
            .into_iter()
            .filter(|a| a["problems"] != json!([]))
            .collect();
        assert_eq!(broken.len(), 1, "{before}");
        assert_eq!(broken[0]["id"], ill["id"]);

        let replan = "mutation($id: ID!) { replanSchedule(id: $id) { __typename ... on ScheduleChange {
            kept added { id slotKey artist { name } status } removed { id slotKey reason } } } }";
        let change = data(&server, replan, json!({ "id": id })).await["replanSchedule"].clone();
        assert_eq!(change["__typename"], "ScheduleChange", "{change}");
        // Exactly the two affected positions changed: the ill artist's
        // assignment went, with its reason, and the declined position and
        // the ill one's were filled again, by others.
        let removed = change["removed"].as_array().cloned().unwrap_or_default();
        assert_eq!(removed.len(), 1, "{change}");
        assert_eq!(removed[0]["id"], ill["id"]);
        let ill_name = string(&ill["artist"]["name"]);
        let reason = string(&removed[0]["reason"]);
        assert!(
            reason.starts_with(&format!("{ill_name} is not available 2026-07-04 ")),
            "{reason}"
        );
        let mut added: Vec<String> = change["added"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| string(&a["slotKey"]))
            .collect();
        added.sort();
        let mut affected = vec![string(&declined["slotKey"]), string(&ill["slotKey"])];
        affected.sort();
        assert_eq!(added, affected, "{change}");
        for new in change["added"].as_array().into_iter().flatten() {
            assert_eq!(new["status"], "PROPOSED");
            assert_ne!(new["artist"]["name"], ill["artist"]["name"]);
            if new["slotKey"] == declined["slotKey"] {
                assert_ne!(new["artist"]["name"], declined["artist"]["name"], "never given back");
            }
        }
        assert_eq!(change["kept"], 7, "six held and the declined one");

        let after = schedule(&server, &id).await;
        assert_eq!(after["version"], 6);
        let (old, new) = (by_id(&planned), by_id(&assignments(&after)));
        for (assignment, (slot, name, _)) in &old {
            if *assignment == string(&ill["id"]) {
                assert!(!new.contains_key(assignment));
                continue;
            }
            let (kept_slot, kept_name, _) = &new[assignment];
            assert_eq!((kept_slot, kept_name), (slot, name), "kept, under its ID");
        }
        assert_eq!(new[&string(&declined["id"])].2, "DECLINED");
        for confirmed in &planned[..3] {
            assert_eq!(new[&string(&confirmed["id"])].2, "CONFIRMED");
        }
        assert!(assignments(&after).iter().all(|a| a["problems"] == json!([])), "{after}");
        // As full as any planning keeping these decisions can be, proven.
        assert_eq!(after["stats"]["filled"], 8);
        assert_eq!(after["stats"]["filledUpperBound"], 8);

        let published = data(
            &server,
            "mutation($id: ID!) { publishSchedule(id: $id) { ... on Schedule { status version } } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(published["publishSchedule"], json!({ "status": "PUBLISHED", "version": 7 }));
    })
    .await;
}

/// Forty editors at once: on one slot of one position, one wins and the
/// others hear which rule stops them; then each assigns their own artist,
/// half confirm, the others decline and unassign, while some re-plan the slots left
/// to the planner. No answer is a 5xx, no change is lost, and the version
/// counts every change once.
#[tokio::test]
async fn forty_editors_on_one_schedule_lose_nothing() {
    for t in pooled_backends().await {
        forty_editors(&t).await;
    }
}

async fn forty_editors(t: &TestDb) {
    const EDITORS: usize = 40;
    let server = std::sync::Arc::new(TestServer::start(t).await);
    let mut artists = Vec::new();
    for n in 0..EDITORS {
        // Each editor's artist alone has the skill of the editor's slot.
        let skill = format!("editor-{n:02}");
        artists.push(artist(&server, &format!("Artist {n:02}"), &[&skill]).await);
    }
    let mut slots = vec![json!({ "key": "solo", "startsAt": at(12), "endsAt": at(13) })];
    slots.extend((0..EDITORS).map(|n| {
        json!({ "key": format!("s{n:02}"), "startsAt": at(14), "endsAt": at(15),
                "requiredSkills": [format!("editor-{n:02}")] })
    }));
    // Left to the re-plans, which fill them with the artists the editors
    // assign (the schedule considers no one else).
    const EXTRA: usize = 5;
    slots.extend(
        (0..EXTRA)
            .map(|n| json!({ "key": format!("extra{n}"), "startsAt": at(16), "endsAt": at(17) })),
    );
    let created = data(
        &server,
        "mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { ... on Schedule { id } } }",
        json!({ "input": { "name": "Busy", "slots": slots, "artistIds": [] } }),
    )
    .await;
    let id = string(&created["createSchedule"]["id"]);

    let assign = "mutation($schedule: ID!, $slot: String!, $artist: ID!) {
        assignArtist(scheduleId: $schedule, slotKey: $slot, artistId: $artist) { __typename
          ... on ScheduledAssignment { id } ... on ConflictError { message } } }";
    let solo: Vec<Value> = futures::future::join_all(artists.iter().map(|artist| {
        let server = server.clone();
        let variables = json!({ "schedule": id, "slot": "solo", "artist": artist });
        async move { data(&server, assign, variables).await["assignArtist"].clone() }
    }))
    .await;
    let won: Vec<&Value> = solo
        .iter()
        .filter(|a| a["__typename"] == "ScheduledAssignment")
        .collect();
    assert_eq!(won.len(), 1, "{}: {solo:?}", t.label);
    assert!(
        solo.iter()
            .filter(|a| a["__typename"] == "ConflictError")
            .all(|a| a["message"] == "solo has no position left: all 1 taken"),
        "{solo:?}"
    );

    let editors = (0..EDITORS).map(|n| {
        let server = server.clone();
        let (id, artist) = (id.clone(), artists[n].clone());
        async move {
            let mut changes = 0;
            let made = data(&server, assign, json!({ "schedule": id, "slot": format!("s{n:02}"), "artist": artist })).await;
            let assignment = string(&made["assignArtist"]["id"]);
            changes += 1;
            // Half confirm; the others decline, so that no re-plan gives
            // them their slot back once they are off it.
            let answer = if n % 2 == 0 { "CONFIRMED" } else { "DECLINED" };
            let answered = data(&server,
                "mutation($id: ID!, $status: AssignmentStatus!) { setAssignmentStatus(id: $id, status: $status) { ... on ScheduledAssignment { status } } }",
                json!({ "id": assignment, "status": answer })).await;
            assert_eq!(answered["setAssignmentStatus"]["status"], answer);
            changes += 1;
            if n % 10 == 0 {
                changes += replan(&server, &id).await;
            }
            if n % 2 == 1 {
                let gone = data(&server,
                    "mutation($id: ID!) { unassign(id: $id) { __typename } }",
                    json!({ "id": assignment })).await;
                assert_eq!(gone["unassign"]["__typename"], "DeletedAssignment");
                changes += 1;
            }
            (n, assignment, changes)
        }
    });
    let done = futures::future::join_all(editors).await;
    let changes: usize =
        done.iter().map(|(_, _, changes)| changes).sum::<usize>() + replan(&server, &id).await;

    let after = schedule(&server, &id).await;
    assert_eq!(
        after["version"].as_u64(),
        Some(1 + 1 + changes as u64),
        "{}: every change counted once",
        t.label
    );
    let held: HashSet<String> = assignments(&after)
        .iter()
        .map(|a| string(&a["id"]))
        .collect();
    for (n, assignment, _) in &done {
        assert_eq!(
            held.contains(assignment),
            n % 2 == 0,
            "editor {n}'s change kept"
        );
    }
    assert!(held.contains(&string(&won[0]["id"])));
    assert_eq!(held.len(), 1 + EDITORS / 2 + EXTRA, "{after}");
    assert!(
        assignments(&after)
            .iter()
            .all(|a| a["problems"] == json!([]))
    );
    assert_eq!(after["stats"]["filled"], json!(1 + EDITORS / 2 + EXTRA));
}

/// Re-plans the schedule; 1 when it changed something, else 0. Nothing a
/// re-plan may do here removes an assignment: none breaks a rule.
async fn replan(server: &TestServer, id: &str) -> usize {
    let replanned = data(
        server,
        "mutation($id: ID!) { replanSchedule(id: $id) { ... on ScheduleChange { added { slotKey } removed { id } } } }",
        json!({ "id": id }),
    )
    .await;
    let change = &replanned["replanSchedule"];
    assert_eq!(change["removed"], json!([]), "{change}");
    let added = change["added"].as_array().cloned().unwrap_or_default();
    assert!(
        added
            .iter()
            .all(|a| string(&a["slotKey"]).starts_with("extra")),
        "{change}"
    );
    usize::from(!added.is_empty())
}
