//! The `planning` query over GraphQL, on stored artists: it sees every
//! change to artists and availabilities, and rejects bad input as data.

use crate::common::{TestApi, TestServer, field_messages, field_paths, on_each_backend, string};
use serde_json::{Value, json};

const PLANNING: &str = "query($input: PlanningInput!) { planning(input: $input) { __typename
  ... on Planning {
    assignments { slotKey startsAt endsAt artist { id name skills } reasons }
    unfilled { slotKey startsAt endsAt missing reason explanation }
    stats { slots positions filled coverage artistsConsidered artistsAssigned maxLoad filledUpperBound } }
  ... on ValidationError { code fields { field message } }
  ... on NotFoundError { code entity id } } }";

fn at(hour: u32) -> String {
    format!("2026-06-12T{hour:02}:00:00Z")
}

fn slot(key: &str, start: u32, end: u32, skills: &[&str]) -> Value {
    json!({ "key": key, "startsAt": at(start), "endsAt": at(end), "requiredSkills": skills })
}

async fn plan(api: &TestApi, input: Value) -> Value {
    let data = api.data(PLANNING, json!({ "input": input })).await;
    data["planning"].clone()
}

/// (slotKey, artist name) of each assignment, in the planning's order.
fn assigned(planning: &Value) -> Vec<(String, String)> {
    planning["assignments"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|a| (string(&a["slotKey"]), string(&a["artist"]["name"])))
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(s, a)| (s.to_string(), a.to_string()))
        .collect()
}

#[tokio::test]
async fn planning_sees_every_change_to_artists_and_availabilities() {
    on_each_backend(|t| async move {
        let api = t.api();
        let slots = json!({ "slots": [slot("evening", 18, 22, &["sound"])] });

        let empty = plan(&api, slots.clone()).await;
        assert_eq!(empty["__typename"], "Planning");
        assert_eq!(empty["unfilled"][0]["reason"], "NO_ARTIST_AVAILABLE");
        assert_eq!(empty["stats"]["filled"], 0);

        let ada = api
            .create_artist(json!({ "name": "Ada", "skills": ["light"],
                "availabilities": [{ "startsAt": at(17), "endsAt": at(23) }] }))
            .await;
        let no_skill = plan(&api, slots.clone()).await;
        assert_eq!(no_skill["unfilled"][0]["reason"], "NO_ARTIST_WITH_SKILLS");

        api.data(
            "mutation($id: ID!) { updateArtist(id: $id, input: { skills: [\"Sound\"] }) { __typename } }",
            json!({ "id": ada }),
        )
        .await;
        let planned = plan(&api, slots.clone()).await;
        assert_eq!(assigned(&planned), pairs(&[("evening", "Ada")]));
        assert_eq!(planned["assignments"][0]["startsAt"], at(18));
        assert_eq!(planned["assignments"][0]["artist"]["skills"], json!(["sound"]));
        let reasons = planned["assignments"][0]["reasons"].as_array().map_or(0, Vec::len);
        assert!((1..=3).contains(&reasons), "{planned}");
        assert_eq!(planned["unfilled"], json!([]));
        assert_eq!(planned["stats"]["coverage"], 1.0);

        // Her availability shrinks: no longer the whole slot.
        let ranges = api
            .data("query($id: ID!) { artist(id: $id) { availabilities { id } } }", json!({ "id": ada }))
            .await;
        let availability = ranges["artist"]["availabilities"][0]["id"].clone();
        api.data(
            "mutation($id: ID!, $input: AvailabilityInput!) { updateAvailability(id: $id, input: $input) { __typename } }",
            json!({ "id": availability, "input": { "startsAt": at(19), "endsAt": at(23) } }),
        )
        .await;
        assert_eq!(plan(&api, slots.clone()).await["unfilled"][0]["reason"], "NO_ARTIST_AVAILABLE");

        // Two touching availabilities cover the slot together.
        api.add_availability(&ada, &at(15), &at(19)).await;
        assert_eq!(assigned(&plan(&api, slots.clone()).await), pairs(&[("evening", "Ada")]));

        api.data(
            "mutation($id: ID!) { deleteAvailability(id: $id) { __typename } }",
            json!({ "id": availability }),
        )
        .await;
        assert_eq!(plan(&api, slots.clone()).await["stats"]["filled"], 0);

        let bob = api
            .create_artist(json!({ "name": "Bob", "skills": ["sound"],
                "availabilities": [{ "startsAt": at(8), "endsAt": at(23) }] }))
            .await;
        assert_eq!(assigned(&plan(&api, slots.clone()).await), pairs(&[("evening", "Bob")]));
        api.data(
            "mutation($id: ID!) { deleteArtist(id: $id) { __typename } }",
            json!({ "id": bob }),
        )
        .await;
        let after_delete = plan(&api, slots.clone()).await;
        assert_eq!(after_delete["stats"]["filled"], 0);
        assert_eq!(after_delete["stats"]["artistsConsidered"], 1);
    })
    .await;
}

#[tokio::test]
async fn planning_fills_the_most_positions_and_balances_the_load() {
    on_each_backend(|t| async move {
        let api = t.api();
        let all_day = json!([{ "startsAt": at(8), "endsAt": at(23) }]);
        api.create_artist(
            json!({ "name": "Ada", "skills": ["sound", "light"], "availabilities": all_day }),
        )
        .await;
        api.create_artist(json!({ "name": "Bob", "skills": ["sound"], "availabilities": all_day }))
            .await;
        api.create_artist(
            json!({ "name": "Cleo", "skills": ["light"], "availabilities": all_day }),
        )
        .await;

        // Greedy would give Ada the first "sound or light" slot and leave
        // the light-only slot at the same time empty.
        let planning = plan(
            &api,
            json!({ "slots": [
                slot("a-sound", 10, 12, &["sound"]),
                slot("b-light", 10, 12, &["light"]),
                slot("c-light", 10, 12, &["light"]),
                slot("d-any", 14, 16, &[]),
                slot("e-any", 16, 18, &[]),
                slot("f-any", 18, 20, &[])
            ]}),
        )
        .await;
        let stats = &planning["stats"];
        assert_eq!(stats["filled"], 6, "{planning}");
        assert_eq!(stats["filledUpperBound"], 6);
        assert_eq!(stats["maxLoad"], 2, "three artists share six slots evenly");
        assert_eq!(stats["artistsAssigned"], 3);
        let first_three: Vec<String> = assigned(&planning)[..3]
            .iter()
            .map(|(_, a)| a.clone())
            .collect();
        assert_eq!(
            first_three,
            ["Bob", "Ada", "Cleo"],
            "sorted by start, then slot key"
        );
    })
    .await;
}

#[tokio::test]
async fn planning_respects_rules_and_artist_ids() {
    on_each_backend(|t| async move {
        let api = t.api();
        let all_day = json!([{ "startsAt": at(0), "endsAt": at(23) }]);
        let ada = api
            .create_artist(json!({ "name": "Ada", "availabilities": all_day }))
            .await;
        api.create_artist(json!({ "name": "Bob", "availabilities": all_day }))
            .await;
        let slots = json!([
            slot("s1", 8, 10, &[]),
            slot("s2", 10, 12, &[]),
            slot("s3", 13, 15, &[])
        ]);

        let only_ada = plan(&api, json!({ "slots": slots, "artistIds": [ada] })).await;
        assert_eq!(only_ada["stats"]["filled"], 3);
        assert_eq!(only_ada["stats"]["artistsConsidered"], 1);

        let rested = plan(
            &api,
            json!({ "slots": slots, "artistIds": [ada], "rules": { "minRestMinutes": 30 } }),
        )
        .await;
        assert_eq!(
            rested["stats"]["filled"], 2,
            "s1 and s2 touch: no rest between"
        );
        assert_eq!(rested["stats"]["filledUpperBound"], 2);
        assert_eq!(rested["unfilled"][0]["reason"], "CANDIDATES_EXHAUSTED");
        assert!(!string(&rested["unfilled"][0]["explanation"]).is_empty());

        let capped = plan(
            &api,
            json!({ "slots": slots, "rules": { "maxSlotsPerArtist": 1 } }),
        )
        .await;
        assert_eq!(capped["stats"]["filled"], 2);
        assert_eq!(capped["stats"]["maxLoad"], 1);

        let unknown = uuid::Uuid::now_v7().to_string();
        let missing = plan(&api, json!({ "slots": slots, "artistIds": [ada, unknown] })).await;
        assert_eq!(missing["__typename"], "NotFoundError");
        assert_eq!(missing["entity"], "Artist");
        assert_eq!(missing["id"], unknown.as_str());
        let garbage = plan(&api, json!({ "slots": slots, "artistIds": ["nope"] })).await;
        assert_eq!(garbage["id"], "nope");
    })
    .await;
}

#[tokio::test]
async fn planning_lists_every_invalid_field() {
    on_each_backend(|t| async move {
        let api = t.api();
        let invalid = plan(
            &api,
            json!({
                "slots": [
                    { "key": "a", "startsAt": at(10), "endsAt": at(9) },
                    { "key": "a", "startsAt": at(10), "endsAt": at(12), "positions": 0 },
                    { "key": " ", "startsAt": at(10), "endsAt": at(12), "requiredSkills": [""] }
                ],
                "rules": { "maxSlotsPerArtist": -1, "minRestMinutes": -5 }
            }),
        )
        .await;
        assert_eq!(invalid["__typename"], "ValidationError");
        let fields = field_paths(&invalid["fields"]);
        assert_eq!(
            fields,
            [
                "input.slots[0].endsAt",
                "input.slots[1].key",
                "input.slots[1].positions",
                "input.slots[2].key",
                "input.slots[2].requiredSkills[0]",
                "input.rules.maxSlotsPerArtist",
                "input.rules.minRestMinutes",
            ]
        );

        let too_many: Vec<Value> = (0..5_001).map(|i| slot(&format!("s{i}"), 8, 9, &[])).collect();
        let limited = plan(&api, json!({ "slots": too_many })).await;
        assert_eq!(limited["__typename"], "ValidationError");
        assert_eq!(limited["fields"][0]["field"], "input.slots");

        let crowded = plan(&api, json!({ "slots": [{ "key": "x", "startsAt": at(8), "endsAt": at(9), "positions": 20_001 }] })).await;
        assert_eq!(crowded["fields"][0]["field"], "input.slots");
    })
    .await;
}

#[tokio::test]
async fn planning_keeps_pins_past_the_limit_and_changes_the_fewest_previous_assignments() {
    on_each_backend(|t| async move {
        let api = t.api();
        let all_day = json!([{ "startsAt": at(0), "endsAt": at(23) }]);
        let ada = api
            .create_artist(json!({ "name": "Ada", "availabilities": all_day }))
            .await;
        let bob = api
            .create_artist(json!({ "name": "Bob", "availabilities": all_day }))
            .await;
        let slots = json!([slot("s1", 8, 10, &[]), slot("s2", 10, 12, &[])]);
        let rules = json!({ "maxSlotsPerArtist": 1 });

        // Ada pinned to both slots, past her limit of one: a person decided.
        let pinned = plan(
            &api,
            json!({ "slots": slots, "rules": rules, "pinned": [
                { "slotKey": "s1", "artistId": ada }, { "slotKey": "s2", "artistId": ada }
            ] }),
        )
        .await;
        assert_eq!(pinned["__typename"], "Planning", "{pinned}");
        assert_eq!(assigned(&pinned), pairs(&[("s1", "Ada"), ("s2", "Ada")]));
        assert_eq!(pinned["assignments"][0]["reasons"][0], "pinned");

        // Left alone, the planner gives s1 to one and s2 to the other; the
        // previous planning had them the other way round, and nothing forces
        // a change, so none is made.
        let fresh = plan(&api, json!({ "slots": slots, "rules": rules })).await;
        let fresh = assigned(&fresh);
        let swapped: Vec<(String, String)> = fresh
            .iter()
            .map(|(slot, name)| {
                let other = if name == "Ada" { "Bob" } else { "Ada" };
                (slot.clone(), other.to_owned())
            })
            .collect();
        let id_of = |name: &str| {
            if name == "Ada" {
                ada.clone()
            } else {
                bob.clone()
            }
        };
        let previous: Vec<Value> = swapped
            .iter()
            .map(|(slot, name)| json!({ "slotKey": slot, "artistId": id_of(name) }))
            .collect();
        let replanned = plan(
            &api,
            json!({ "slots": slots, "rules": rules, "previous": previous }),
        )
        .await;
        assert_eq!(assigned(&replanned), swapped);
    })
    .await;
}

#[tokio::test]
async fn planning_refuses_pins_that_break_a_rule_or_name_nothing() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = api
            .create_artist(json!({ "name": "Ada", "skills": ["sound"],
                "availabilities": [{ "startsAt": at(8), "endsAt": at(12) }] }))
            .await;
        let slots = json!([slot("s1", 8, 10, &[]), slot("late", 14, 16, &[])]);

        let unavailable = plan(
            &api,
            json!({ "slots": slots, "pinned": [{ "slotKey": "late", "artistId": ada }] }),
        )
        .await;
        assert_eq!(
            unavailable["__typename"], "ValidationError",
            "{unavailable}"
        );
        assert_eq!(unavailable["fields"][0]["field"], "input.pinned[0]");
        assert!(
            string(&unavailable["fields"][0]["message"]).contains("not available"),
            "{unavailable}"
        );

        let nameless = plan(
            &api,
            json!({ "slots": slots, "previous": [{ "slotKey": "nope", "artistId": ada }] }),
        )
        .await;
        assert_eq!(nameless["__typename"], "ValidationError", "{nameless}");
        assert_eq!(nameless["fields"][0]["field"], "input.previous[0].slotKey");

        // Every broken pin is named, with the rule it breaks.
        let bob = api
            .create_artist(json!({ "name": "Bob",
                "availabilities": [{ "startsAt": at(8), "endsAt": at(12) }] }))
            .await;
        let crowded = json!([
            slot("s1", 8, 10, &[]),
            slot("s2", 9, 11, &[]),
            slot("s3", 8, 10, &["light"])
        ]);
        let pin = |slot: &str, artist: &String| json!({ "slotKey": slot, "artistId": artist });
        let broken = plan(
            &api,
            json!({ "slots": crowded, "pinned": [
                pin("s1", &ada), pin("s1", &ada), pin("s1", &bob), pin("s2", &ada), pin("s3", &bob)
            ] }),
        )
        .await;
        assert_eq!(broken["__typename"], "ValidationError", "{broken}");
        let fields = field_messages(&broken["fields"]);
        let named: Vec<&str> = fields.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(
            named,
            vec![
                "input.pinned[1]",
                "input.pinned[2]",
                "input.pinned[3]",
                "input.pinned[4]"
            ],
            "{broken}"
        );
        assert!(fields[0].1.contains("same slot again"), "{broken}");
        assert!(fields[1].1.contains("all pinned"), "{broken}");
        assert!(fields[2].1.contains("overlaps"), "{broken}");
        assert!(fields[3].1.contains("lacks a skill"), "{broken}");

        let left_out = plan(
            &api,
            json!({ "slots": slots, "artistIds": [ada], "pinned": [pin("s1", &bob)] }),
        )
        .await;
        assert_eq!(left_out["__typename"], "ValidationError", "{left_out}");
        assert_eq!(left_out["fields"][0]["field"], "input.pinned[0].artistId");

        let unknown = uuid::Uuid::now_v7().to_string();
        let missing = plan(
            &api,
            json!({ "slots": slots, "pinned": [{ "slotKey": "s1", "artistId": unknown }] }),
        )
        .await;
        assert_eq!(missing["__typename"], "NotFoundError", "{missing}");
        assert_eq!(missing["id"], unknown.as_str());
    })
    .await;
}

/// `--planner-effort` reaches the planner: on 19 overlapping slots and 12
/// artists (past what the exhaustive search takes), the default effort
/// proves its fill, the least effort answers with the flow's looser bound.
#[tokio::test]
async fn the_planner_effort_setting_bounds_the_proof() {
    on_each_backend(|t| async move {
        // Half-hour units from midnight.
        let at = |unit: u32| format!("2026-06-12T{:02}:{:02}:00Z", unit / 2, unit % 2 * 30);
        let api = t.api();
        let mut artists: Vec<(&[&str], u32)> = vec![(&["rigging"], 8), (&["rigging", "sound"], 8)];
        artists.extend([(&["rigging"][..], 8); 2]);
        artists.extend([(&[][..], 8); 7]);
        artists.push((&[], 18));
        for (n, (skills, until)) in artists.into_iter().enumerate() {
            api.create_artist(json!({ "name": format!("a{n}"), "skills": skills,
                "availabilities": [{ "startsAt": at(0), "endsAt": at(until) }] }))
                .await;
        }
        let slots: Vec<Value> = [
            (2, 4, 1, "rigging"),
            (4, 1, 1, ""),
            (6, 1, 1, ""),
            (6, 2, 2, "light"),
            (1, 1, 1, ""),
            (7, 1, 1, ""),
            (14, 4, 1, ""),
            (0, 1, 1, ""),
            (0, 1, 1, ""),
            (0, 1, 1, "light"),
            (6, 3, 2, "light"),
            (7, 1, 1, "light"),
            (2, 1, 1, ""),
            (5, 1, 1, ""),
            (0, 1, 1, ""),
            (0, 1, 1, ""),
            (0, 1, 1, ""),
            (8, 5, 1, ""),
            (1, 2, 1, ""),
        ]
        .iter()
        .enumerate()
        .map(|(n, &(start, length, positions, skill))| {
            let skills: Vec<&str> = [skill].into_iter().filter(|s| !s.is_empty()).collect();
            json!({ "key": format!("s{n:02}"), "startsAt": at(start), "endsAt": at(start + length),
                "positions": positions, "requiredSkills": skills })
        })
        .collect();
        let input = json!({ "slots": slots, "rules": { "minRestMinutes": 60 } });
        let stats = "query($input: PlanningInput!) { planning(input: $input) {
            ... on Planning { stats { filled filledUpperBound } } } }";
        let effort = |factor: f64| {
            coulisses::planning::Effort::new(factor)
                .unwrap_or_else(|| panic!("{factor} is an effort"))
        };

        let default = TestServer::start(&t).await;
        let (_, proven) = default.graphql(stats, json!({ "input": input })).await;
        let proven = &proven["data"]["planning"]["stats"];
        assert_eq!(proven["filled"], proven["filledUpperBound"], "{proven}");

        let hasty = TestServer::start_with(&t, |config| {
            config.planner_effort = effort(coulisses::planning::Effort::LEAST);
        })
        .await;
        let (_, unproven) = hasty.graphql(stats, json!({ "input": input })).await;
        let unproven = &unproven["data"]["planning"]["stats"];
        let (filled, bound) = (&unproven["filled"], &unproven["filledUpperBound"]);
        assert!(
            bound.as_u64() > filled.as_u64()
                && bound.as_u64() > proven["filledUpperBound"].as_u64(),
            "{unproven} against {proven}"
        );
    })
    .await;
}
