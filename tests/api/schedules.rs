//! Kept schedules over GraphQL: created as `planning` plans, read back
//! whole, and judged on today's data.

use serde_json::{Value, json};

use crate::common::{TestApi, field_paths, on_each_backend, string};

const SCHEDULE: &str = "__typename id name status version createdAt updatedAt publishedAt
    slots { key startsAt endsAt positions requiredSkills label }
    rules { maxSlotsPerArtist minRestMinutes }
    assignments { id slotKey slot { key } artist { name } status pinned reasons problems }
    unfilled { slotKey missing reason explanation }
    stats { slots positions filled coverage artistsConsidered artistsAssigned maxLoad filledUpperBound }";

fn at(hour: u32) -> String {
    format!("2026-06-12T{hour:02}:00:00Z")
}

fn slot(key: &str, start: u32, end: u32, skills: &[&str]) -> Value {
    json!({ "key": key, "startsAt": at(start), "endsAt": at(end), "requiredSkills": skills,
            "label": format!("stage {key}") })
}

async fn create(api: &TestApi, input: Value) -> Value {
    let query = format!(
        "mutation($input: CreateScheduleInput!) {{ createSchedule(input: $input) {{ __typename
          ... on Schedule {{ {SCHEDULE} }}
          ... on ValidationError {{ fields {{ field message }} }}
          ... on NotFoundError {{ entity id }} }} }}"
    );
    api.data(&query, json!({ "input": input })).await["createSchedule"].clone()
}

async fn read(api: &TestApi, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ schedule(id: $id) {{ {SCHEDULE} }} }}");
    api.data(&query, json!({ "id": id })).await["schedule"].clone()
}

#[tokio::test]
async fn a_created_schedule_keeps_what_planning_plans_and_reads_back_whole() {
    on_each_backend(|t| async move {
        let api = t.api();
        let evening = json!([{ "startsAt": at(17), "endsAt": at(23) }]);
        let ada = api
            .create_artist(json!({ "name": "Ada", "skills": ["sound"], "availabilities": evening }))
            .await;
        api.create_artist(json!({ "name": "Bob", "availabilities": evening }))
            .await;
        let slots = json!([
            slot("late", 20, 22, &[]),
            slot("early", 18, 20, &["sound"]),
            slot("night", 21, 23, &["light"]),
        ]);
        let rules = json!({ "maxSlotsPerArtist": 2, "minRestMinutes": 0 });

        let created = create(
            &api,
            json!({ "name": " Festival ", "slots": slots, "rules": rules }),
        )
        .await;
        assert_eq!(created["__typename"], "Schedule", "{}: {created}", t.label);
        assert_eq!(created["name"], "Festival");
        assert_eq!(created["status"], "DRAFT");
        assert_eq!(created["version"], 1);
        assert_eq!(created["publishedAt"], Value::Null);
        assert_eq!(created["createdAt"], created["updatedAt"]);
        let keys: Vec<String> = created["slots"]
            .as_array()
            .map(|all| all.iter().map(|s| string(&s["key"])).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["early", "late", "night"], "sorted by start");
        assert_eq!(created["slots"][0]["requiredSkills"], json!(["sound"]));
        assert_eq!(created["slots"][0]["label"], "stage early");
        assert_eq!(created["rules"], rules);

        // What the stateless planning answers for the same input.
        let planned = api
            .data(
                "query($input: PlanningInput!) { planning(input: $input) { ... on Planning {
                  assignments { slotKey artist { name } reasons }
                  unfilled { slotKey missing reason explanation }
                  stats { slots positions filled coverage artistsConsidered artistsAssigned maxLoad filledUpperBound } } } }",
                json!({ "input": { "slots": slots, "rules": rules } }),
            )
            .await["planning"]
            .clone();
        let kept: Vec<Value> = created["assignments"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|a| json!({ "slotKey": a["slotKey"], "artist": a["artist"], "reasons": a["reasons"] }))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(Value::from(kept), planned["assignments"]);
        assert_eq!(created["unfilled"], planned["unfilled"]);
        assert_eq!(created["stats"], planned["stats"]);
        assert_eq!(created["stats"]["filled"], 2);
        for assignment in created["assignments"].as_array().into_iter().flatten() {
            assert_eq!(assignment["status"], "PROPOSED");
            assert_eq!(assignment["pinned"], false);
            assert_eq!(assignment["problems"], json!([]));
            assert_eq!(assignment["slot"]["key"], assignment["slotKey"]);
        }

        let id = string(&created["id"]);
        assert_eq!(read(&api, &id).await, created);
        let node = api
            .data(
                "query($id: ID!) { node(id: $id) { __typename id ... on Schedule { name } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"]["name"], "Festival");
        let assignment_id = string(&created["assignments"][0]["id"]);
        let node = api
            .data(
                "query($id: ID!) { node(id: $id) { __typename id ... on ScheduledAssignment { slotKey artist { name } } } }",
                json!({ "id": assignment_id }),
            )
            .await;
        assert_eq!(node["node"]["__typename"], "ScheduledAssignment");
        assert_eq!(node["node"]["slotKey"], created["assignments"][0]["slotKey"]);
        assert_eq!(read(&api, &uuid::Uuid::now_v7().to_string()).await, Value::Null);
        assert_eq!(read(&api, "nope").await, Value::Null);

        // Ada narrows her evening: her assignment now breaks a rule, and
        // says so, while still filling its position.
        let availability = api
            .data(
                "query($id: ID!) { artist(id: $id) { availabilities { id } } }",
                json!({ "id": ada }),
            )
            .await["artist"]["availabilities"][0]["id"]
            .clone();
        api.data(
            "mutation($id: ID!, $input: AvailabilityInput!) { updateAvailability(id: $id, input: $input) { __typename } }",
            json!({ "id": availability, "input": { "startsAt": at(19), "endsAt": at(23) } }),
        )
        .await;
        let later = read(&api, &id).await;
        let early = later["assignments"]
            .as_array()
            .and_then(|all| all.iter().find(|a| a["slotKey"] == "early"))
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(early["artist"]["name"], "Ada", "{later}");
        assert_eq!(
            early["problems"],
            json!(["Ada is not available 2026-06-12 18:00-20:00"])
        );
        assert_eq!(later["stats"]["filled"], 2);
        assert_eq!(later["version"], 1, "the schedule itself did not change");
    })
    .await;
}

#[tokio::test]
async fn a_schedule_with_a_bad_name_or_slots_is_refused_whole_and_stores_nothing() {
    on_each_backend(|t| async move {
        let api = t.api();
        let refused = create(
            &api,
            json!({ "name": "  ", "slots": [slot("x", 20, 18, &[])] }),
        )
        .await;
        assert_eq!(refused["__typename"], "ValidationError", "{refused}");
        let fields = field_paths(&refused["fields"]);
        assert!(fields.contains(&"input.name"), "{fields:?}");
        assert!(
            fields.iter().any(|f| f.starts_with("input.slots[0]")),
            "{fields:?}"
        );

        let unknown = uuid::Uuid::now_v7().to_string();
        let missing = create(
            &api,
            json!({ "name": "Tour", "slots": [slot("x", 18, 20, &[])], "artistIds": [unknown] }),
        )
        .await;
        assert_eq!(missing["__typename"], "NotFoundError");
        assert_eq!(missing["id"], unknown.as_str());

        let stored = <coulisses::entities::schedule::Entity as sea_orm::EntityTrait>::find();
        let count = sea_orm::PaginatorTrait::count(stored, &t.db)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", t.label));
        assert_eq!(count, 0);
    })
    .await;
}

/// The largest schedule the service accepts (5,000 slots, more rows than
/// one statement may bind on either engine) is stored whole.
#[tokio::test]
async fn the_largest_schedule_accepted_is_stored_whole() {
    on_each_backend(|t| async move {
        let api = t.api();
        api.create_artist(json!({ "name": "Ada",
            "availabilities": [{ "startsAt": "2026-06-01T00:00:00Z", "endsAt": "2026-06-02T00:00:00Z" }] }))
            .await;
        let slots: Vec<Value> = (0..coulisses::domain::planning::MAX_SLOTS)
            .map(|n| {
                let day = 1 + n / 1_000;
                let minute = n % 1_000;
                json!({ "key": format!("s{n}"),
                    "startsAt": format!("2026-07-{day:02}T{:02}:{:02}:00Z", minute / 60 % 24, minute % 60),
                    "endsAt": format!("2026-07-{day:02}T23:59:00Z") })
            })
            .collect();
        let created = api
            .data(
                "mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { __typename ... on Schedule { version } } }",
                json!({ "input": { "name": "Everything", "slots": slots } }),
            )
            .await;
        assert_eq!(created["createSchedule"]["__typename"], "Schedule", "{}", t.label);
        let stored = <coulisses::entities::schedule_slot::Entity as sea_orm::EntityTrait>::find();
        let count = sea_orm::PaginatorTrait::count(stored, &t.db)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", t.label));
        assert_eq!(count, coulisses::domain::planning::MAX_SLOTS as u64);
    })
    .await;
}

/// Deleting an artist takes their assignments with them, and each
/// schedule that held one changes version, once; another stays as it was.
#[tokio::test]
async fn deleting_an_artist_changes_the_schedules_that_held_them() {
    on_each_backend(|t| async move {
        let api = t.api();
        let evening = json!([{ "startsAt": at(17), "endsAt": at(23) }]);
        let ada = api
            .create_artist(json!({ "name": "Ada", "availabilities": evening }))
            .await;
        let bob = api
            .create_artist(json!({ "name": "Bob", "availabilities": evening }))
            .await;
        let two_slots = json!([slot("a", 18, 20, &[]), slot("b", 20, 22, &[])]);
        let both = create(&api, json!({ "name": "Both", "slots": two_slots })).await;
        let only_bob = create(
            &api,
            json!({ "name": "Bob's", "slots": [slot("c", 18, 19, &[])], "artistIds": [bob] }),
        )
        .await;
        let names = |schedule: &Value| -> Vec<String> {
            schedule["assignments"]
                .as_array()
                .map(|all| all.iter().map(|a| string(&a["artist"]["name"])).collect())
                .unwrap_or_default()
        };
        assert!(names(&both).contains(&"Ada".to_owned()), "{both}");

        let deleted = api
            .data(
                "mutation($id: ID!) { deleteArtist(id: $id) { __typename } }",
                json!({ "id": ada }),
            )
            .await;
        assert_eq!(deleted["deleteArtist"]["__typename"], "DeletedArtist");
        let after = read(&api, &string(&both["id"])).await;
        assert_eq!(after["version"], 2, "{}", t.label);
        assert!(!names(&after).contains(&"Ada".to_owned()), "{after}");
        assert_eq!(read(&api, &string(&only_bob["id"])).await["version"], 1);

        // An unknown artist changes nothing.
        let unknown = api
            .data(
                "mutation($id: ID!) { deleteArtist(id: $id) { __typename } }",
                json!({ "id": uuid::Uuid::now_v7().to_string() }),
            )
            .await;
        assert_eq!(unknown["deleteArtist"]["__typename"], "NotFoundError");
        assert_eq!(read(&api, &string(&both["id"])).await["version"], 2);
    })
    .await;
}
