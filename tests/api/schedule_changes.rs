//! Changing a kept schedule by hand, over GraphQL: every mutation, each of
//! its typed errors, and what a change does to the version.

use serde_json::{Value, json};

use crate::common::{TestApi, field_paths, on_each_backend, string};

const ASSIGNMENT: &str = "id slotKey artist { name } status pinned problems";

const ASSIGN: &str = "mutation($schedule: ID!, $slot: String!, $artist: ID!, $pinned: Boolean! = false) {
  assignArtist(scheduleId: $schedule, slotKey: $slot, artistId: $artist, pinned: $pinned) { __typename
    ... on ScheduledAssignment { id slotKey artist { name } status pinned problems }
    ... on ConflictError { code message field }
    ... on ValidationError { fields { field message } }
    ... on NotFoundError { entity id } } }";

const SET_STATUS: &str = "mutation($id: ID!, $status: AssignmentStatus!) {
  setAssignmentStatus(id: $id, status: $status) { __typename
    ... on ScheduledAssignment { id status pinned }
    ... on ConflictError { message field }
    ... on NotFoundError { entity id } } }";

const PIN: &str = "mutation($id: ID!, $pinned: Boolean!) {
  pinAssignment(id: $id, pinned: $pinned) { __typename
    ... on ScheduledAssignment { id status pinned }
    ... on ConflictError { message field }
    ... on NotFoundError { entity id } } }";

const CHANGE: &str = "__typename
  ... on ScheduleChange { kept schedule { version name rules { maxSlotsPerArtist minRestMinutes }
      slots { key positions } assignments { id slotKey artist { name } status pinned problems } }
    added { id slotKey artist { name } status }
    removed { id slotKey artist { name } reason } }
  ... on NotFoundError { entity id }";

fn at(hour: u32) -> String {
    format!("2026-06-12T{hour:02}:00:00Z")
}

fn slot(key: &str, start: u32, end: u32, positions: u32, skills: &[&str]) -> Value {
    json!({ "key": key, "startsAt": at(start), "endsAt": at(end), "positions": positions,
            "requiredSkills": skills })
}

/// An artist available from `from` to `to` on the festival's day.
async fn artist(api: &TestApi, name: &str, skills: &[&str], from: u32, to: u32) -> String {
    api.create_artist(json!({ "name": name, "skills": skills,
        "availabilities": [{ "startsAt": at(from), "endsAt": at(to) }] }))
        .await
}

/// A schedule of these slots with no assignment yet (it considers no
/// artist), and its ID.
async fn empty_schedule(api: &TestApi, slots: Value, rules: Value) -> String {
    let created = api
        .data(
            "mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { __typename ... on Schedule { id } } }",
            json!({ "input": { "name": "Festival", "slots": slots, "artistIds": [], "rules": rules } }),
        )
        .await;
    assert_eq!(
        created["createSchedule"]["__typename"], "Schedule",
        "{created}"
    );
    string(&created["createSchedule"]["id"])
}

async fn assign(api: &TestApi, schedule: &str, slot: &str, artist: &str, pinned: bool) -> Value {
    api.data(
        ASSIGN,
        json!({ "schedule": schedule, "slot": slot, "artist": artist, "pinned": pinned }),
    )
    .await["assignArtist"]
        .clone()
}

async fn schedule(api: &TestApi, id: &str) -> Value {
    let query = format!(
        "query($id: ID!) {{ schedule(id: $id) {{ version status publishedAt
           assignments {{ {ASSIGNMENT} }} stats {{ filled filledUpperBound }} }} }}"
    );
    api.data(&query, json!({ "id": id })).await["schedule"].clone()
}

async fn version(api: &TestApi, id: &str) -> i64 {
    schedule(api, id).await["version"].as_i64().unwrap_or(-1)
}

#[tokio::test]
async fn assigning_by_hand_holds_the_planners_rules_and_names_the_one_broken() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = artist(&api, "Ada", &["sound"], 17, 23).await;
        let bob = artist(&api, "Bob", &[], 17, 23).await;
        let cy = artist(&api, "Cy", &["sound"], 12, 15).await;
        let slots = json!([
            slot("early", 18, 20, 1, &["sound"]),
            slot("late", 20, 22, 1, &[]),
            slot("night", 22, 23, 2, &[])
        ]);
        let id = empty_schedule(
            &api,
            slots,
            json!({ "maxSlotsPerArtist": 1, "minRestMinutes": 60 }),
        )
        .await;

        let lacking = assign(&api, &id, "early", &bob, false).await;
        assert_eq!(
            lacking["__typename"], "ConflictError",
            "{}: {lacking}",
            t.label
        );
        assert_eq!(lacking["code"], "CONFLICT");
        assert_eq!(lacking["field"], "artistId");
        assert_eq!(lacking["message"], "Bob lacks sound");
        let away = assign(&api, &id, "early", &cy, false).await;
        assert_eq!(
            away["message"],
            "Cy is not available 2026-06-12 18:00-20:00"
        );
        assert_eq!(
            version(&api, &id).await,
            1,
            "a refused change changes nothing"
        );

        let made = assign(&api, &id, " early ", &ada, false).await;
        assert_eq!(made["__typename"], "ScheduledAssignment", "{made}");
        assert_eq!(made["slotKey"], "early");
        assert_eq!(made["status"], "PROPOSED");
        assert_eq!(made["pinned"], false);
        assert_eq!(made["problems"], json!([]));
        assert_eq!(version(&api, &id).await, 2);

        let again = assign(&api, &id, "early", &ada, false).await;
        assert_eq!(again["message"], "Ada is on early already");
        let full = assign(&api, &id, "early", &cy, false).await;
        assert!(
            string(&full["message"]).ends_with("early has no position left: all 1 taken"),
            "{full}"
        );
        // One hour of rest after early (18:00-20:00) is needed first.
        let tired = assign(&api, &id, "late", &ada, true).await;
        assert_eq!(tired["__typename"], "ConflictError");
        assert!(string(&tired["message"]).contains("rest needed"), "{tired}");
        // At the limit of one slot; a pin is free of the limit.
        let over = assign(&api, &id, "night", &ada, false).await;
        assert_eq!(
            over["message"],
            "Ada would exceed the limit of 1 slot per artist"
        );
        let pinned = assign(&api, &id, "night", &ada, true).await;
        assert_eq!(pinned["__typename"], "ScheduledAssignment", "{pinned}");
        assert_eq!(pinned["pinned"], true);
        assert_eq!(version(&api, &id).await, 3);

        let unknown_slot = assign(&api, &id, "matinee", &bob, false).await;
        assert_eq!(unknown_slot["__typename"], "ValidationError");
        assert_eq!(field_paths(&unknown_slot["fields"]), ["slotKey"]);
        let nobody = uuid::Uuid::now_v7().to_string().to_uppercase();
        let no_artist = assign(&api, &id, "late", &nobody, false).await;
        assert_eq!(no_artist["__typename"], "NotFoundError");
        assert_eq!(no_artist["entity"], "Artist");
        assert_eq!(no_artist["id"], nobody.as_str(), "named as sent");
        let no_schedule = assign(&api, &nobody, "late", &bob, false).await;
        assert_eq!(no_schedule["entity"], "Schedule");
        assert_eq!(no_schedule["id"], nobody.as_str());
        let not_an_id = assign(&api, "nope", "late", &bob, false).await;
        assert_eq!(not_an_id["entity"], "Schedule");
        assert_eq!(version(&api, &id).await, 3);
    })
    .await;
}

#[tokio::test]
async fn answers_and_pins_keep_the_rules_and_a_refusal_outlives_its_assignment() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = artist(&api, "Ada", &[], 17, 23).await;
        let bob = artist(&api, "Bob", &[], 17, 23).await;
        let id = empty_schedule(&api, json!([slot("show", 18, 20, 1, &[])]), json!({})).await;
        let made = assign(&api, &id, "show", &ada, false).await;
        let assignment = string(&made["id"]);
        let set = |status: &'static str| {
            let api = api.clone();
            let assignment = assignment.clone();
            async move {
                api.data(SET_STATUS, json!({ "id": assignment, "status": status }))
                    .await["setAssignmentStatus"]
                    .clone()
            }
        };
        let pin = |pinned: bool| {
            let api = api.clone();
            let assignment = assignment.clone();
            async move {
                api.data(PIN, json!({ "id": assignment, "pinned": pinned }))
                    .await["pinAssignment"]
                    .clone()
            }
        };

        let confirmed = set("CONFIRMED").await;
        assert_eq!(confirmed["status"], "CONFIRMED", "{}: {confirmed}", t.label);
        assert_eq!(version(&api, &id).await, 3);
        assert_eq!(set("CONFIRMED").await["status"], "CONFIRMED");
        assert_eq!(version(&api, &id).await, 3, "the same answer changes nothing");
        assert_eq!(pin(true).await["pinned"], true);
        assert_eq!(version(&api, &id).await, 4);

        // Ada declines: her assignment fills nothing and loses its pin;
        // the slot is free for Bob, never again for her.
        let declined = set("DECLINED").await;
        assert_eq!(declined["status"], "DECLINED");
        assert_eq!(declined["pinned"], false);
        let after = schedule(&api, &id).await;
        assert_eq!(after["stats"]["filled"], 0, "{after}");
        assert_eq!(
            pin(true).await["message"],
            "a declined assignment fills no position: it cannot be pinned"
        );
        let bob_on = assign(&api, &id, "show", &bob, false).await;
        assert_eq!(bob_on["__typename"], "ScheduledAssignment");
        // Taking it back needs her position, which Bob holds now.
        let back = set("PROPOSED").await;
        assert_eq!(back["__typename"], "ConflictError", "{back}");
        assert_eq!(back["field"], "status");
        assert!(string(&back["message"]).contains("no position left"), "{back}");
        let unassigned = api
            .data(
                "mutation($id: ID!) { unassign(id: $id) { __typename ... on DeletedAssignment { id } ... on NotFoundError { entity id } } }",
                json!({ "id": assignment }),
            )
            .await["unassign"]
            .clone();
        assert_eq!(unassigned["__typename"], "DeletedAssignment");
        assert_eq!(unassigned["id"], assignment.as_str());
        let gone = api
            .data(
                "mutation($id: ID!) { unassign(id: $id) { __typename ... on NotFoundError { entity id } } }",
                json!({ "id": assignment }),
            )
            .await["unassign"]
            .clone();
        assert_eq!(gone["entity"], "ScheduledAssignment");
        assert_eq!(set("CONFIRMED").await["__typename"], "NotFoundError");
        assert_eq!(pin(false).await["__typename"], "NotFoundError");
        let node = api
            .data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": assignment }))
            .await;
        assert_eq!(node["node"], Value::Null);
        // Her refusal stays with the slot after the assignment went.
        let bob_off = string(&bob_on["id"]);
        api.data("mutation($id: ID!) { unassign(id: $id) { __typename } }", json!({ "id": bob_off }))
            .await;
        let refused = assign(&api, &id, "show", &ada, false).await;
        assert_eq!(refused["message"], "Ada declined show", "{refused}");

        // Confirming an assignment that breaks a rule now is refused.
        let bob_again = string(&assign(&api, &id, "show", &bob, false).await["id"]);
        let availability = api
            .data("query($id: ID!) { artist(id: $id) { availabilities { id } } }", json!({ "id": bob }))
            .await["artist"]["availabilities"][0]["id"]
            .clone();
        api.data("mutation($id: ID!) { deleteAvailability(id: $id) { __typename } }", json!({ "id": availability }))
            .await;
        let before = version(&api, &id).await;
        let refused = api
            .data(SET_STATUS, json!({ "id": bob_again, "status": "CONFIRMED" }))
            .await["setAssignmentStatus"]
            .clone();
        assert_eq!(refused["__typename"], "ConflictError");
        assert_eq!(refused["message"], "Bob is not available 2026-06-12 18:00-20:00");
        let refused = api
            .data(PIN, json!({ "id": bob_again, "pinned": true }))
            .await["pinAssignment"]
            .clone();
        assert_eq!(refused["field"], "pinned");
        assert_eq!(version(&api, &id).await, before);
    })
    .await;
}

#[tokio::test]
async fn an_update_removes_only_what_it_makes_invalid_and_says_why() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = artist(&api, "Ada", &[], 17, 23).await;
        let bob = artist(&api, "Bob", &[], 17, 23).await;
        let cy = artist(&api, "Cy", &[], 17, 23).await;
        let slots = json!([
            slot("a", 18, 19, 2, &[]),
            slot("b", 19, 20, 1, &[]),
            slot("c", 20, 21, 1, &[]),
            slot("e", 21, 22, 1, &[])
        ]);
        let id = empty_schedule(&api, slots, json!({})).await;
        let ada_a = assign(&api, &id, "a", &ada, false).await;
        let bob_a = assign(&api, &id, "a", &bob, false).await;
        let ada_b = assign(&api, &id, "b", &ada, false).await;
        let bob_c = assign(&api, &id, "c", &bob, false).await;
        let cy_e = assign(&api, &id, "e", &cy, false).await;
        assert_eq!(cy_e["__typename"], "ScheduledAssignment", "{}", t.label);
        // Cy's assignment breaks a rule before the change: it stays, with
        // its problem.
        api.data(
            "mutation($id: ID!, $list: [AvailabilityInput!]!) { setAvailabilities(artistId: $id, availabilities: $list) { __typename } }",
            json!({ "id": cy, "list": [{ "startsAt": at(12), "endsAt": at(13) }] }),
        )
        .await;

        let update = |input: Value| {
            let api = api.clone();
            let id = id.clone();
            async move {
                let query = format!(
                    "mutation($id: ID!, $input: UpdateScheduleInput!) {{ updateSchedule(id: $id, input: $input) {{ {CHANGE} ... on ValidationError {{ fields {{ field message }} }} }} }}"
                );
                api.data(&query, json!({ "id": id, "input": input })).await["updateSchedule"].clone()
            }
        };
        // a keeps one position (Bob, the later, goes); b is gone; c moves
        // to the afternoon, when Bob is away; d is new and empty.
        let change = update(json!({ "name": "Festival, day 1", "slots": [
            slot("a", 18, 19, 1, &[]),
            slot("c", 14, 15, 1, &[]),
            slot("d", 21, 22, 1, &[]),
            slot("e", 21, 22, 1, &[])
        ], "rules": { "maxSlotsPerArtist": 3 } }))
        .await;
        assert_eq!(change["__typename"], "ScheduleChange", "{change}");
        assert_eq!(change["kept"], 2);
        assert_eq!(change["added"], json!([]));
        let removed: Vec<(String, String, String)> = change["removed"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| (string(&r["slotKey"]), string(&r["artist"]["name"]), string(&r["reason"])))
            .collect();
        assert_eq!(
            removed,
            [
                ("b".to_owned(), "Ada".to_owned(), "slot b was removed from the schedule".to_owned()),
                ("a".to_owned(), "Bob".to_owned(), "a has no position left: all 1 taken".to_owned()),
                ("c".to_owned(), "Bob".to_owned(), "Bob is not available 2026-06-12 14:00-15:00".to_owned()),
            ]
        );
        let ids: Vec<&str> = change["removed"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert_eq!(ids, [string(&ada_b["id"]), string(&bob_a["id"]), string(&bob_c["id"])]);
        let after = &change["schedule"];
        assert_eq!(after["version"], 7);
        assert_eq!(after["name"], "Festival, day 1");
        assert_eq!(after["rules"], json!({ "maxSlotsPerArtist": 3, "minRestMinutes": 0 }));
        assert_eq!(after["slots"], json!([
            { "key": "c", "positions": 1 }, { "key": "a", "positions": 1 },
            { "key": "d", "positions": 1 }, { "key": "e", "positions": 1 }
        ]));
        assert_eq!(after["assignments"][0]["id"], ada_a["id"]);
        assert_eq!(after["assignments"][1]["id"], cy_e["id"]);
        assert_eq!(
            after["assignments"][1]["problems"],
            json!(["Cy is not available 2026-06-12 21:00-22:00"])
        );
        assert_eq!(schedule(&api, &id).await["version"], 7);

        // The same again changes nothing.
        let same = update(json!({ "name": "Festival, day 1" })).await;
        assert_eq!(same["schedule"]["version"], 7);
        assert_eq!(same["kept"], 2);

        let invalid = update(json!({ "name": " ", "slots": [slot("x", 20, 19, 0, &[])],
            "rules": { "minRestMinutes": -1 } }))
        .await;
        assert_eq!(invalid["__typename"], "ValidationError");
        let fields = field_paths(&invalid["fields"]);
        for field in ["input.name", "input.slots[0].endsAt", "input.slots[0].positions", "input.rules.minRestMinutes"] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        let query = format!(
            "mutation($id: ID!, $input: UpdateScheduleInput!) {{ updateSchedule(id: $id, input: $input) {{ {CHANGE} ... on ValidationError {{ fields {{ field message }} }} }} }}"
        );
        let unknown = uuid::Uuid::now_v7().to_string();
        let not_found = api.data(&query, json!({ "id": unknown, "input": { "name": "Other" } })).await;
        assert_eq!(not_found["updateSchedule"]["entity"], "Schedule");
        assert_eq!(schedule(&api, &id).await["version"], 7);
    })
    .await;
}

#[tokio::test]
async fn a_replan_keeps_decisions_and_ids_and_fills_what_it_can() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = artist(&api, "Ada", &[], 17, 23).await;
        let bob = artist(&api, "Bob", &[], 17, 23).await;
        // Cy is free, but the schedule considers only the artists it
        // assigns: it lists none.
        artist(&api, "Cy", &[], 17, 23).await;
        let slots = json!([
            slot("a", 18, 19, 1, &[]),
            slot("b", 19, 20, 1, &[]),
            slot("c", 20, 21, 2, &[])
        ]);
        let id = empty_schedule(&api, slots, json!({ "maxSlotsPerArtist": 1 })).await;
        let ada_a = assign(&api, &id, "a", &ada, true).await;
        let bob_b = assign(&api, &id, "b", &bob, false).await;
        api.data(
            SET_STATUS,
            json!({ "id": bob_b["id"], "status": "CONFIRMED" }),
        )
        .await;
        let replan = format!("mutation($id: ID!) {{ replanSchedule(id: $id) {{ {CHANGE} }} }}");

        let change = api.data(&replan, json!({ "id": id })).await["replanSchedule"].clone();
        assert_eq!(
            change["__typename"], "ScheduleChange",
            "{}: {change}",
            t.label
        );
        assert_eq!(change["added"], json!([]), "Ada and Bob are at their limit");
        assert_eq!(change["removed"], json!([]));
        assert_eq!(change["kept"], 2);
        assert_eq!(
            change["schedule"]["version"], 4,
            "nothing changed: no new version"
        );

        // Bob falls ill: his confirmed assignment breaks a rule and goes,
        // with its reason; Ada's pin stays, under the same ID.
        let availability = api
            .data(
                "query($id: ID!) { artist(id: $id) { availabilities { id } } }",
                json!({ "id": bob }),
            )
            .await["artist"]["availabilities"][0]["id"]
            .clone();
        api.data(
            "mutation($id: ID!) { deleteAvailability(id: $id) { __typename } }",
            json!({ "id": availability }),
        )
        .await;
        let change = api.data(&replan, json!({ "id": id })).await["replanSchedule"].clone();
        assert_eq!(change["removed"][0]["id"], bob_b["id"], "{change}");
        assert_eq!(
            change["removed"][0]["reason"],
            "Bob is not available 2026-06-12 19:00-20:00"
        );
        assert_eq!(change["kept"], 1);
        assert_eq!(change["schedule"]["version"], 5);
        assert_eq!(change["schedule"]["assignments"][0]["id"], ada_a["id"]);
        let unknown = api
            .data(&replan, json!({ "id": uuid::Uuid::now_v7().to_string() }))
            .await["replanSchedule"]
            .clone();
        assert_eq!(unknown["__typename"], "NotFoundError");
    })
    .await;
}

#[tokio::test]
async fn publishing_and_deleting_a_schedule() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = artist(&api, "Ada", &[], 17, 23).await;
        let id = empty_schedule(&api, json!([slot("show", 18, 20, 1, &[])]), json!({})).await;
        let made = assign(&api, &id, "show", &ada, false).await;
        let publish = "mutation($id: ID!) { publishSchedule(id: $id) { __typename
            ... on Schedule { status version publishedAt } ... on NotFoundError { entity id } } }";
        let published = api.data(publish, json!({ "id": id })).await["publishSchedule"].clone();
        assert_eq!(published["status"], "PUBLISHED", "{}: {published}", t.label);
        assert_eq!(published["version"], 3);
        assert!(published["publishedAt"].is_string());
        let again = api.data(publish, json!({ "id": id })).await["publishSchedule"].clone();
        assert_eq!(again, published, "publishing again changes nothing");

        let delete = "mutation($id: ID!) { deleteSchedule(id: $id) { __typename
            ... on DeletedSchedule { id } ... on NotFoundError { entity id } } }";
        let deleted = api.data(delete, json!({ "id": id })).await["deleteSchedule"].clone();
        assert_eq!(
            deleted,
            json!({ "__typename": "DeletedSchedule", "id": id })
        );
        assert_eq!(schedule(&api, &id).await, Value::Null);
        let node = api
            .data(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": made["id"] }),
            )
            .await;
        assert_eq!(node["node"], Value::Null, "its assignments went with it");
        let again = api.data(delete, json!({ "id": id })).await["deleteSchedule"].clone();
        assert_eq!(again["__typename"], "NotFoundError");
        let unpublished = api.data(publish, json!({ "id": id })).await["publishSchedule"].clone();
        assert_eq!(unpublished["entity"], "Schedule");
        // The artist stays.
        let artist = api
            .data(
                "query($id: ID!) { artist(id: $id) { name } }",
                json!({ "id": ada }),
            )
            .await;
        assert_eq!(artist["artist"]["name"], "Ada");
    })
    .await;
}

#[tokio::test]
async fn schedules_are_listed_newest_first_in_keyset_pages() {
    on_each_backend(|t| async move {
        let api = t.api();
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(empty_schedule(&api, json!([slot("show", 18, 20, 1, &[])]), json!({})).await);
        }
        api.data("mutation($id: ID!) { publishSchedule(id: $id) { __typename } }", json!({ "id": ids[0] }))
            .await;
        let list = |variables: Value| {
            let api = api.clone();
            async move {
                api.execute(
                    "query($first: Int, $after: String, $last: Int, $before: String, $status: ScheduleStatus) {
                      schedules(first: $first, after: $after, last: $last, before: $before, status: $status) {
                        edges { cursor node { id } } nodes { id status slots { key } }
                        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }",
                    variables,
                )
                .await
            }
        };
        let page = list(json!({ "first": 2 })).await;
        let page = &page["data"]["schedules"];
        let node_ids: Vec<&str> = page["nodes"].as_array().into_iter().flatten().filter_map(|n| n["id"].as_str()).collect();
        assert_eq!(node_ids, [ids[2].as_str(), ids[1].as_str()], "{}: {page}", t.label);
        assert_eq!(page["nodes"][0]["slots"], json!([{ "key": "show" }]));
        assert_eq!(page["totalCount"], 3);
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
        let next = list(json!({ "first": 2, "after": page["pageInfo"]["endCursor"] })).await;
        let next = &next["data"]["schedules"];
        assert_eq!(next["nodes"], json!([{ "id": ids[0], "status": "PUBLISHED", "slots": [{ "key": "show" }] }]));
        assert_eq!(next["pageInfo"]["hasNextPage"], false);
        assert_eq!(next["pageInfo"]["hasPreviousPage"], true);
        let back = list(json!({ "last": 1, "before": next["pageInfo"]["startCursor"] })).await;
        assert_eq!(back["data"]["schedules"]["nodes"][0]["id"], ids[1].as_str());
        let published = list(json!({ "status": "PUBLISHED" })).await;
        assert_eq!(published["data"]["schedules"]["totalCount"], 1);
        assert_eq!(published["data"]["schedules"]["nodes"][0]["id"], ids[0].as_str());

        // A cursor of the artist list is not one of this list.
        api.create_artist(json!({ "name": "Ada" })).await;
        let artists = api.data("{ artists { pageInfo { endCursor } } }", json!({})).await;
        let foreign = list(json!({ "after": artists["artists"]["pageInfo"]["endCursor"] })).await;
        assert_eq!(foreign["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{foreign}");
        let too_many = list(json!({ "first": 101 })).await;
        assert_eq!(too_many["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    })
    .await;
}

#[tokio::test]
async fn replacements_rank_who_could_take_a_position() {
    on_each_backend(|t| async move {
        let api = t.api();
        for name in ["Ada", "Bob", "Cy"] {
            artist(&api, name, &[], 17, 23).await;
        }
        artist(&api, "Di", &[], 12, 14).await;
        let slots = json!([slot("a", 18, 19, 1, &[]), slot("b", 18, 19, 1, &[])]);
        let created = api
            .data(
                "mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { ... on Schedule { id } } }",
                json!({ "input": { "name": "Festival", "slots": slots } }),
            )
            .await;
        let id = string(&created["createSchedule"]["id"]);
        let query = "query($id: ID!, $slot: String!, $first: Int) {
            replacements(scheduleId: $id, slotKey: $slot, first: $first) { artist { name } moves reasons } }";
        let found = api.data(query, json!({ "id": id, "slot": "a" })).await["replacements"].clone();
        let found = found.as_array().cloned().unwrap_or_default();
        // Two of Ada, Bob and Cy hold a and b; the one left is free now,
        // the one on b would have to leave it. Di is away.
        assert_eq!(found.len(), 2, "{}: {found:?}", t.label);
        assert_eq!(found[0]["moves"], 0);
        assert_eq!(found[0]["reasons"][0], "free now");
        assert_eq!(found[1]["moves"], 1);
        assert!(found.iter().all(|r| r["artist"]["name"] != "Di"));
        let one = api.data(query, json!({ "id": id, "slot": "a", "first": 1 })).await;
        assert_eq!(one["replacements"].as_array().map(Vec::len), Some(1));
        let none = api.data(query, json!({ "id": id, "slot": "zz" })).await;
        assert_eq!(none["replacements"], Value::Null);
        let none = api.data(query, json!({ "id": uuid::Uuid::now_v7().to_string(), "slot": "a" })).await;
        assert_eq!(none["replacements"], Value::Null);
        let negative = api.execute(query, json!({ "id": id, "slot": "a", "first": -1 })).await;
        assert_eq!(negative["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{negative}");
    })
    .await;
}

/// Viewers read schedules; every change of one is for editors, and a
/// viewer's changes nothing.
#[tokio::test]
async fn only_editors_change_a_schedule() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = artist(&api, "Ada", &[], 17, 23).await;
        let id = empty_schedule(&api, json!([slot("show", 18, 20, 1, &[])]), json!({})).await;
        let assignment = string(&assign(&api, &id, "show", &ada, false).await["id"]);
        let changes = [
            ("mutation($id: ID!) { updateSchedule(id: $id, input: { name: \"x\" }) { __typename } }", json!({ "id": id })),
            ("mutation($id: ID!) { replanSchedule(id: $id) { __typename } }", json!({ "id": id })),
            ("mutation($id: ID!) { publishSchedule(id: $id) { __typename } }", json!({ "id": id })),
            ("mutation($id: ID!) { deleteSchedule(id: $id) { __typename } }", json!({ "id": id })),
            ("mutation($id: ID!) { unassign(id: $id) { __typename } }", json!({ "id": assignment })),
            ("mutation($id: ID!) { setAssignmentStatus(id: $id, status: DECLINED) { __typename } }", json!({ "id": assignment })),
            ("mutation($id: ID!) { pinAssignment(id: $id, pinned: true) { __typename } }", json!({ "id": assignment })),
            (ASSIGN, json!({ "schedule": id, "slot": "show", "artist": ada })),
            ("mutation { createSchedule(input: { name: \"x\", slots: [] }) { __typename } }", json!({})),
            ("mutation($id: ID!) { issueCalendarFeed(artistId: $id) { __typename } }", json!({ "id": ada })),
        ];
        for (document, variables) in changes {
            let (answer, _) = api
                .answer_as(coulisses::auth::Role::Viewer, document, variables)
                .await;
            assert_eq!(
                answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{}: {document}: {answer}", t.label
            );
        }
        let (read, _) = api
            .answer_as(
                coulisses::auth::Role::Viewer,
                "query($id: ID!) { schedule(id: $id) { version assignments { status pinned } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            read["data"]["schedule"],
            json!({ "version": 2, "assignments": [{ "status": "PROPOSED", "pinned": false }] })
        );
        let (listed, _) = api
            .answer_as(coulisses::auth::Role::Viewer, "{ schedules { totalCount } }", json!({}))
            .await;
        assert_eq!(listed["data"]["schedules"]["totalCount"], 1);
    })
    .await;
}

/// A confirmed assignment is kept as a pin is: it takes its share of the
/// maximum per artist before an unanswered one, whichever was made first.
#[tokio::test]
async fn a_confirmed_assignment_comes_before_an_unanswered_one() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = artist(&api, "Ada", &[], 17, 23).await;
        let slots = json!([slot("a", 18, 19, 1, &[]), slot("b", 20, 21, 1, &[])]);
        let id = empty_schedule(&api, slots, json!({})).await;
        let early = assign(&api, &id, "a", &ada, false).await;
        let late = assign(&api, &id, "b", &ada, false).await;
        api.data(SET_STATUS, json!({ "id": late["id"], "status": "CONFIRMED" }))
            .await;
        let query = format!(
            "mutation($id: ID!, $input: UpdateScheduleInput!) {{ updateSchedule(id: $id, input: $input) {{ {CHANGE} }} }}"
        );
        let change = api
            .data(&query, json!({ "id": id, "input": { "rules": { "maxSlotsPerArtist": 1 } } }))
            .await["updateSchedule"]
            .clone();
        assert_eq!(change["removed"][0]["id"], early["id"], "{}: {change}", t.label);
        assert_eq!(
            change["removed"][0]["reason"],
            "Ada would exceed the limit of 1 slot per artist"
        );
        assert_eq!(change["schedule"]["assignments"][0]["id"], late["id"]);
        assert_eq!(change["schedule"]["assignments"][0]["problems"], json!([]));
        // A re-plan keeps the confirmed one, and gives Ada nothing more.
        let replan = format!("mutation($id: ID!) {{ replanSchedule(id: $id) {{ {CHANGE} }} }}");
        let replanned = api.data(&replan, json!({ "id": id })).await["replanSchedule"].clone();
        assert_eq!(replanned["added"], json!([]), "{replanned}");
        assert_eq!(replanned["removed"], json!([]));
    })
    .await;
}
