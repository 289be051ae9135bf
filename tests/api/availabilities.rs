//! Availability mutations and the availabilities field, in process, on
//! every backend.

use crate::common::{TestApi, on_each_backend, string};
use serde_json::{Value, json};

const UPDATE: &str = "mutation($id: ID!, $input: AvailabilityInput!) { updateAvailability(id: $id, input: $input) { __typename ... on Availability { id startsAt endsAt note artist { id } } ... on UserError { code message } ... on ConflictError { field conflictingId } ... on NotFoundError { entity id } ... on ValidationError { fields { field message } } } }";
const DELETE: &str = "mutation($id: ID!) { deleteAvailability(id: $id) { __typename ... on DeletedAvailability { id } ... on NotFoundError { code entity id } } }";
const SET: &str = "mutation($id: ID!, $list: [AvailabilityInput!]!) { setAvailabilities(artistId: $id, availabilities: $list) { __typename ... on Artist { id availabilities { startsAt endsAt note } } ... on UserError { code message } ... on NotFoundError { entity id } ... on ValidationError { fields { field message } } } }";
const RANGES: &str = "query($id: ID!, $from: DateTime, $to: DateTime) { artist(id: $id) { availabilities(from: $from, to: $to) { startsAt endsAt } } }";

async fn ranges(api: &TestApi, id: &str, from: Value, to: Value) -> Vec<(String, String)> {
    let data = api
        .data(RANGES, json!({ "id": id, "from": from, "to": to }))
        .await;
    data["artist"]["availabilities"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|a| (string(&a["startsAt"]), string(&a["endsAt"])))
                .collect()
        })
        .unwrap_or_default()
}

fn hours(pairs: &[(u32, u32)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(s, e)| {
            (
                format!("2026-06-01T{s:02}:00:00Z"),
                format!("2026-06-01T{e:02}:00:00Z"),
            )
        })
        .collect()
}

fn at(hour: u32) -> String {
    format!("2026-06-01T{hour:02}:00:00Z")
}

#[tokio::test]
async fn add_availability_accepts_touching_ranges_and_rejects_overlaps() {
    on_each_backend(|t| async move {
        let api = t.api();
        let artist = api.create_artist(json!({ "name": "Ada" })).await;

        let first = api.add_availability(&artist, &at(10), &at(12)).await;
        assert_eq!(first["__typename"], "Availability");
        assert_eq!(first["startsAt"], at(10));
        let touching = api.add_availability(&artist, &at(12), &at(14)).await;
        assert_eq!(touching["__typename"], "Availability", "{touching}");
        let before = api
            .add_availability(&artist, "2026-06-01T09:00:00+01:00", &at(9))
            .await;
        assert_eq!(before["__typename"], "Availability", "{before}");

        for (start, end) in [(10, 12), (11, 13), (9, 11), (13, 15), (9, 15)] {
            let conflict = api.add_availability(&artist, &at(start), &at(end)).await;
            assert_eq!(conflict["__typename"], "ConflictError", "{start}-{end}");
            assert_eq!(conflict["code"], "CONFLICT");
            assert_eq!(conflict["field"], "startsAt");
            let expected = if start < 12 {
                &first["id"]
            } else {
                &touching["id"]
            };
            assert_eq!(&conflict["conflictingId"], expected, "{start}-{end}");
        }
        assert_eq!(
            ranges(&api, &artist, Value::Null, Value::Null).await,
            hours(&[(8, 9), (10, 12), (12, 14)])
        );
    })
    .await;
}

#[tokio::test]
async fn add_availability_validates_and_needs_an_artist() {
    on_each_backend(|t| async move {
        let api = t.api();
        let artist = api.create_artist(json!({ "name": "Ada" })).await;

        let backwards = api.add_availability(&artist, &at(12), &at(10)).await;
        assert_eq!(backwards["__typename"], "ValidationError");
        assert_eq!(
            backwards["fields"],
            json!([{ "field": "input.endsAt", "message": "must be after startsAt" }])
        );
        let too_long = api
            .add_availability(&artist, "2026-01-01T00:00:00Z", "2027-01-02T00:00:01Z")
            .await;
        assert_eq!(too_long["__typename"], "ValidationError");
        assert_eq!(too_long["fields"][0]["field"], "input.endsAt");
        let leap_year_long = api
            .add_availability(&artist, "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z")
            .await;
        assert_eq!(leap_year_long["__typename"], "Availability", "366 days fit");

        let unknown = uuid::Uuid::now_v7().to_string();
        for missing in [unknown.as_str(), "garbage"] {
            let error = api.add_availability(missing, &at(10), &at(12)).await;
            assert_eq!(error["__typename"], "NotFoundError");
            assert_eq!(error["entity"], "Artist");
            assert_eq!(error["id"], missing);
        }
        assert_eq!(
            ranges(&api, &artist, Value::Null, Value::Null).await.len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn a_bad_datetime_is_a_top_level_input_error() {
    on_each_backend(|t| async move {
        let api = t.api();
        let artist = api.create_artist(json!({ "name": "Ada" })).await;
        let inline = api
            .execute(
                "mutation($id: ID!) { addAvailability(artistId: $id, input: { startsAt: \"tomorrow\", endsAt: \"2026-06-01T10:00:00Z\" }) { __typename } }",
                json!({ "id": artist }),
            )
            .await;
        let variable = api
            .execute(
                "mutation($id: ID!, $input: AvailabilityInput!) { addAvailability(artistId: $id, input: $input) { __typename } }",
                json!({ "id": artist, "input": { "startsAt": "2026-13-01T00:00:00Z", "endsAt": at(10) } }),
            )
            .await;
        for response in [inline, variable] {
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{response}");
            assert!(
                string(&error["message"]).contains("is not an RFC 3339 date-time"),
                "{response}"
            );
            assert_eq!(response["data"], Value::Null);
        }
        assert!(ranges(&api, &artist, Value::Null, Value::Null).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn update_availability_moves_it_unless_it_would_overlap() {
    on_each_backend(|t| async move {
        let api = t.api();
        let artist = api.create_artist(json!({ "name": "Ada" })).await;
        let morning = api.add_availability(&artist, &at(8), &at(10)).await;
        let noon = api.add_availability(&artist, &at(12), &at(14)).await;

        // Overlapping its own old range is fine.
        let data = api
            .data(
                UPDATE,
                json!({ "id": morning["id"], "input": { "startsAt": at(9), "endsAt": at(12), "note": "rehearsal" } }),
            )
            .await;
        let moved = &data["updateAvailability"];
        assert_eq!(moved["__typename"], "Availability");
        assert_eq!(moved["startsAt"], at(9));
        assert_eq!(moved["note"], "rehearsal");
        assert_eq!(moved["artist"]["id"], artist.as_str());

        let data = api
            .data(UPDATE, json!({ "id": morning["id"], "input": { "startsAt": at(9), "endsAt": at(13) } }))
            .await;
        let conflict = &data["updateAvailability"];
        assert_eq!(conflict["__typename"], "ConflictError");
        assert_eq!(conflict["conflictingId"], noon["id"]);

        let data = api
            .data(UPDATE, json!({ "id": morning["id"], "input": { "startsAt": at(9), "endsAt": at(9) } }))
            .await;
        assert_eq!(data["updateAvailability"]["__typename"], "ValidationError");
        assert_eq!(data["updateAvailability"]["fields"][0]["field"], "input.endsAt");

        assert_eq!(
            ranges(&api, &artist, Value::Null, Value::Null).await,
            hours(&[(9, 12), (12, 14)])
        );

        for missing in [uuid::Uuid::now_v7().to_string(), "x".to_owned()] {
            let data = api
                .data(UPDATE, json!({ "id": missing, "input": { "startsAt": at(1), "endsAt": at(2) } }))
                .await;
            let error = &data["updateAvailability"];
            assert_eq!(error["__typename"], "NotFoundError");
            assert_eq!(error["entity"], "Availability");
            assert_eq!(error["id"], missing.as_str());
        }
    })
    .await;
}

#[tokio::test]
async fn delete_availability_removes_it_once() {
    on_each_backend(|t| async move {
        let api = t.api();
        let artist = api.create_artist(json!({ "name": "Ada" })).await;
        let slot = api.add_availability(&artist, &at(8), &at(10)).await;
        let data = api.data(DELETE, json!({ "id": slot["id"] })).await;
        assert_eq!(
            data["deleteAvailability"],
            json!({ "__typename": "DeletedAvailability", "id": slot["id"] })
        );
        assert!(
            ranges(&api, &artist, Value::Null, Value::Null)
                .await
                .is_empty()
        );
        let data = api.data(DELETE, json!({ "id": slot["id"] })).await;
        assert_eq!(data["deleteAvailability"]["__typename"], "NotFoundError");
        assert_eq!(data["deleteAvailability"]["entity"], "Availability");
    })
    .await;
}

#[tokio::test]
async fn set_availabilities_replaces_all_or_nothing() {
    on_each_backend(|t| async move {
        let api = t.api();
        let artist = api.create_artist(json!({ "name": "Ada" })).await;
        api.add_availability(&artist, &at(8), &at(10)).await;

        let list = json!([
            { "startsAt": at(14), "endsAt": at(16) },
            { "startsAt": at(9), "endsAt": at(11), "note": "soundcheck" },
            { "startsAt": at(11), "endsAt": at(12) }
        ]);
        let data = api.data(SET, json!({ "id": artist, "list": list })).await;
        let set = &data["setAvailabilities"];
        assert_eq!(set["__typename"], "Artist");
        assert_eq!(
            set["availabilities"],
            json!([
                { "startsAt": at(9), "endsAt": at(11), "note": "soundcheck" },
                { "startsAt": at(11), "endsAt": at(12), "note": null },
                { "startsAt": at(14), "endsAt": at(16), "note": null }
            ])
        );

        let overlapping = json!([
            { "startsAt": at(1), "endsAt": at(5) },
            { "startsAt": at(6), "endsAt": at(5) },
            { "startsAt": at(4), "endsAt": at(6) }
        ]);
        let data = api
            .data(SET, json!({ "id": artist, "list": overlapping }))
            .await;
        let error = &data["setAvailabilities"];
        assert_eq!(error["__typename"], "ValidationError");
        assert_eq!(
            error["fields"],
            json!([
                { "field": "availabilities[1].endsAt", "message": "must be after startsAt" },
                { "field": "availabilities[2].startsAt", "message": "overlaps availabilities[0]" }
            ])
        );
        assert_eq!(
            ranges(&api, &artist, Value::Null, Value::Null).await,
            hours(&[(9, 11), (11, 12), (14, 16)]),
            "a rejected set changes nothing"
        );

        let data = api.data(SET, json!({ "id": artist, "list": [] })).await;
        assert_eq!(data["setAvailabilities"]["availabilities"], json!([]));

        let data = api.data(SET, json!({ "id": "nobody", "list": [] })).await;
        assert_eq!(data["setAvailabilities"]["__typename"], "NotFoundError");
        assert_eq!(data["setAvailabilities"]["id"], "nobody");
    })
    .await;
}

#[tokio::test]
async fn availabilities_field_filters_by_overlap_with_from_and_to() {
    on_each_backend(|t| async move {
        let api = t.api();
        let artist = api
            .create_artist(json!({ "name": "Ada", "availabilities": [
                { "startsAt": at(12), "endsAt": at(14) },
                { "startsAt": at(8), "endsAt": at(10) },
                { "startsAt": at(16), "endsAt": at(18) }
            ]}))
            .await;
        let all = hours(&[(8, 10), (12, 14), (16, 18)]);
        assert_eq!(ranges(&api, &artist, Value::Null, Value::Null).await, all);
        assert_eq!(
            ranges(&api, &artist, json!(at(10)), json!(at(16))).await,
            hours(&[(12, 14)]),
            "touching at either end is not overlapping"
        );
        assert_eq!(
            ranges(&api, &artist, json!(at(9)), Value::Null).await,
            hours(&[(8, 10), (12, 14), (16, 18)])
        );
        assert_eq!(
            ranges(
                &api,
                &artist,
                Value::Null,
                json!("2026-06-01T14:00:01+00:00")
            )
            .await,
            hours(&[(8, 10), (12, 14)])
        );
    })
    .await;
}
