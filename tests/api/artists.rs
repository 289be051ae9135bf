//! Artist queries and mutations, in process, on every backend.

use crate::common::{field_paths, on_each_backend, string};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

const ARTIST_FIELDS: &str =
    "id name email skills createdAt updatedAt availabilities { startsAt endsAt note }";

fn create_mutation() -> String {
    format!(
        "mutation($input: CreateArtistInput!) {{ createArtist(input: $input) {{ __typename
           ... on Artist {{ {ARTIST_FIELDS} }}
           ... on UserError {{ code message }}
           ... on ValidationError {{ fields {{ field message }} }}
           ... on ConflictError {{ field conflictingId }} }} }}"
    )
}

fn update_mutation() -> String {
    format!(
        "mutation($id: ID!, $input: UpdateArtistInput!) {{ updateArtist(id: $id, input: $input) {{ __typename
           ... on Artist {{ {ARTIST_FIELDS} }}
           ... on UserError {{ code message }}
           ... on NotFoundError {{ entity id }}
           ... on ValidationError {{ fields {{ field message }} }}
           ... on ConflictError {{ field conflictingId }} }} }}"
    )
}

const GET_ARTIST: &str = "query($id: ID!) { artist(id: $id) { id name email skills } }";
const DELETE_ARTIST: &str = "mutation($id: ID!) { deleteArtist(id: $id) { __typename ... on DeletedArtist { id } ... on NotFoundError { code entity id message } } }";

async fn count_rows(db: &sea_orm::DatabaseConnection, table: &str) -> i64 {
    let statement = Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    );
    let row = db.query_one_raw(statement).await;
    match row {
        Ok(Some(row)) => row.try_get::<i64>("", "n").unwrap_or(-1),
        other => panic!("cannot count {table}: {other:?}"),
    }
}

/// The paths of a ValidationError's fields, in order.
#[tokio::test]
async fn create_artist_normalizes_input_and_returns_the_artist() {
    on_each_backend(|t| async move {
        let api = t.api();
        let data = api
            .data(
                &create_mutation(),
                json!({ "input": {
                    "name": "  Ada Lovelace ",
                    "email": " Ada@Example.org ",
                    "skills": ["Sound", " light", "sound", "LIGHT"],
                    "availabilities": [
                        { "startsAt": "2026-06-02T10:00:00Z", "endsAt": "2026-06-02T12:00:00Z" },
                        { "startsAt": "2026-06-01T20:00:00+02:00", "endsAt": "2026-06-01T23:00:00Z", "note": "festival" }
                    ]
                }}),
            )
            .await;
        let artist = &data["createArtist"];
        assert_eq!(artist["__typename"], "Artist");
        assert_eq!(artist["name"], "Ada Lovelace");
        assert_eq!(artist["email"], "Ada@Example.org");
        assert_eq!(artist["skills"], json!(["light", "sound"]));
        assert!(string(&artist["createdAt"]).ends_with('Z'));
        assert_eq!(artist["createdAt"], artist["updatedAt"]);
        assert_eq!(
            artist["availabilities"],
            json!([
                { "startsAt": "2026-06-01T18:00:00Z", "endsAt": "2026-06-01T23:00:00Z", "note": "festival" },
                { "startsAt": "2026-06-02T10:00:00Z", "endsAt": "2026-06-02T12:00:00Z", "note": null }
            ])
        );

        let fetched = api.data(GET_ARTIST, json!({ "id": artist["id"] })).await;
        assert_eq!(fetched["artist"]["name"], "Ada Lovelace");
        assert_eq!(fetched["artist"]["skills"], json!(["light", "sound"]));
    })
    .await;
}

#[tokio::test]
async fn create_artist_reports_every_invalid_field_and_writes_nothing() {
    on_each_backend(|t| async move {
        let api = t.api();
        let data = api
            .data(
                &create_mutation(),
                json!({ "input": {
                    "name": "   ",
                    "email": "not-an-email",
                    "skills": ["ok", " "],
                    "availabilities": [
                        { "startsAt": "2026-06-01T10:00:00Z", "endsAt": "2026-06-01T09:00:00Z" },
                        { "startsAt": "2026-06-01T10:00:00Z", "endsAt": "2027-06-03T10:00:00Z" },
                        { "startsAt": "2026-06-05T10:00:00Z", "endsAt": "2026-06-05T12:00:00Z" },
                        { "startsAt": "2026-06-05T11:00:00Z", "endsAt": "2026-06-05T13:00:00Z" }
                    ]
                }}),
            )
            .await;
        let error = &data["createArtist"];
        assert_eq!(error["__typename"], "ValidationError");
        assert_eq!(error["code"], "VALIDATION");
        let fields = field_paths(&error["fields"]);
        assert_eq!(
            fields,
            [
                "input.name",
                "input.email",
                "input.skills[1]",
                "input.availabilities[0].endsAt",
                "input.availabilities[1].endsAt",
                "input.availabilities[3].startsAt",
            ]
        );
        assert_eq!(count_rows(&t.db, "artists").await, 0);
    })
    .await;
}

#[tokio::test]
async fn text_with_a_nul_character_is_invalid_input_on_both_engines() {
    // PostgreSQL cannot store U+0000 in text: before, such a value failed
    // there as an internal error while SQLite kept it.
    on_each_backend(|t| async move {
        let api = t.api();
        let data = api
            .data(
                &create_mutation(),
                json!({ "input": {
                    "name": "Ada\u{0}",
                    "email": "ada\u{0}@example.org",
                    "skills": ["so\u{0}und"],
                    "availabilities": [
                        { "startsAt": "2026-06-01T10:00:00Z", "endsAt": "2026-06-01T12:00:00Z", "note": "a\u{0}b" }
                    ]
                }}),
            )
            .await;
        let error = &data["createArtist"];
        assert_eq!(error["__typename"], "ValidationError", "{data}");
        let fields = field_paths(&error["fields"]);
        assert_eq!(
            fields,
            ["input.name", "input.email", "input.skills[0]", "input.availabilities[0].note"]
        );
        assert_eq!(count_rows(&t.db, "artists").await, 0);

        let listed = api
            .execute(
                "query($f: ArtistFilter) { artists(filter: $f) { totalCount } }",
                json!({ "f": { "search": "a\u{0}", "skills": ["x\u{0}"] } }),
            )
            .await;
        let codes: Vec<&str> = listed["errors"]
            .as_array()
            .map(|all| all.iter().filter_map(|e| e["extensions"]["code"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(codes, ["BAD_USER_INPUT"], "{listed}");
        let fields = field_paths(&listed["errors"][0]["extensions"]["fields"]);
        assert_eq!(fields, ["filter.search", "filter.skills[0]"], "{listed}");
    })
    .await;
}

#[tokio::test]
async fn emails_are_unique_case_insensitively() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = api
            .create_artist(json!({ "name": "Ada", "email": "ada@example.org" }))
            .await;
        let data = api
            .data(
                &create_mutation(),
                json!({ "input": { "name": "Imposter", "email": "ADA@Example.ORG" } }),
            )
            .await;
        let conflict = &data["createArtist"];
        assert_eq!(conflict["__typename"], "ConflictError");
        assert_eq!(conflict["code"], "CONFLICT");
        assert_eq!(conflict["field"], "email");
        assert_eq!(conflict["conflictingId"], ada.as_str());
        assert_eq!(count_rows(&t.db, "artists").await, 1);

        // Artists without email never collide.
        api.create_artist(json!({ "name": "No mail 1" })).await;
        api.create_artist(json!({ "name": "No mail 2", "email": "" }))
            .await;
    })
    .await;
}

#[tokio::test]
async fn artist_is_null_for_unknown_deleted_and_malformed_ids() {
    on_each_backend(|t| async move {
        let api = t.api();
        let id = api.create_artist(json!({ "name": "Ada" })).await;
        let unknown = uuid::Uuid::now_v7().to_string();
        for missing in [unknown.as_str(), "not-a-uuid", ""] {
            let response = api.execute(GET_ARTIST, json!({ "id": missing })).await;
            assert_eq!(response["data"]["artist"], Value::Null, "{missing}");
            assert!(response.get("errors").is_none(), "{response}");
        }
        api.data(DELETE_ARTIST, json!({ "id": id })).await;
        let response = api.data(GET_ARTIST, json!({ "id": id })).await;
        assert_eq!(response["artist"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn update_artist_tells_absent_from_null() {
    on_each_backend(|t| async move {
        let api = t.api();
        let id = api
            .create_artist(
                json!({ "name": "Ada", "email": "ada@example.org", "skills": ["sound"] }),
            )
            .await;

        // Absent fields are unchanged.
        let data = api
            .data(
                &update_mutation(),
                json!({ "id": id, "input": { "name": " Ada L. " } }),
            )
            .await;
        let artist = &data["updateArtist"];
        assert_eq!(artist["__typename"], "Artist");
        assert_eq!(artist["name"], "Ada L.");
        assert_eq!(artist["email"], "ada@example.org");
        assert_eq!(artist["skills"], json!(["sound"]));
        assert!(string(&artist["updatedAt"]) > string(&artist["createdAt"]));

        // email: null clears it; skills are replaced, normalized.
        let data = api
            .data(
                &update_mutation(),
                json!({ "id": id, "input": { "email": null, "skills": ["Rigging", "light"] } }),
            )
            .await;
        let artist = &data["updateArtist"];
        assert_eq!(artist["name"], "Ada L.");
        assert_eq!(artist["email"], Value::Null);
        assert_eq!(artist["skills"], json!(["light", "rigging"]));

        let stored = api.data(GET_ARTIST, json!({ "id": id })).await;
        assert_eq!(stored["artist"]["email"], Value::Null);
        assert_eq!(stored["artist"]["skills"], json!(["light", "rigging"]));
    })
    .await;
}

#[tokio::test]
async fn update_artist_errors_change_nothing() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = api
            .create_artist(json!({ "name": "Ada", "email": "ada@example.org" }))
            .await;
        let bob = api
            .create_artist(json!({ "name": "Bob", "email": "bob@example.org", "skills": ["light"] }))
            .await;

        let data = api
            .data(
                &update_mutation(),
                json!({ "id": bob, "input": { "name": null, "email": "bad", "skills": ["x", ""] } }),
            )
            .await;
        let error = &data["updateArtist"];
        assert_eq!(error["__typename"], "ValidationError");
        assert_eq!(
            error["fields"],
            json!([
                { "field": "input.name", "message": "must not be null" },
                { "field": "input.email", "message": "must be a valid email address, like name@example.com" },
                { "field": "input.skills[1]", "message": "must not be blank" }
            ])
        );

        let data = api
            .data(
                &update_mutation(),
                json!({ "id": bob, "input": { "name": "Robert", "email": "ADA@example.org" } }),
            )
            .await;
        let conflict = &data["updateArtist"];
        assert_eq!(conflict["__typename"], "ConflictError");
        assert_eq!(conflict["field"], "email");
        assert_eq!(conflict["conflictingId"], ada.as_str());

        let stored = api.data(GET_ARTIST, json!({ "id": bob })).await;
        assert_eq!(
            stored["artist"],
            json!({ "id": bob, "name": "Bob", "email": "bob@example.org", "skills": ["light"] })
        );

        // An artist may keep its own email, in another case.
        let data = api
            .data(&update_mutation(), json!({ "id": bob, "input": { "email": "BOB@example.org" } }))
            .await;
        assert_eq!(data["updateArtist"]["email"], "BOB@example.org");

        let unknown = uuid::Uuid::now_v7().to_string().to_uppercase();
        for missing in [unknown.as_str(), "42"] {
            let data = api
                .data(&update_mutation(), json!({ "id": missing, "input": { "name": "X" } }))
                .await;
            let error = &data["updateArtist"];
            assert_eq!(error["__typename"], "NotFoundError");
            assert_eq!(error["code"], "NOT_FOUND");
            assert_eq!(error["entity"], "Artist");
            assert_eq!(error["id"], missing, "the id as the client sent it");
        }
    })
    .await;
}

#[tokio::test]
async fn delete_artist_cascades_to_its_availabilities_and_skills() {
    on_each_backend(|t| async move {
        let api = t.api();
        let doomed = api
            .create_artist(json!({
                "name": "Doomed", "skills": ["sound", "light"],
                "availabilities": [
                    { "startsAt": "2026-06-01T10:00:00Z", "endsAt": "2026-06-01T12:00:00Z" },
                    { "startsAt": "2026-06-02T10:00:00Z", "endsAt": "2026-06-02T12:00:00Z" }
                ]
            }))
            .await;
        let survivor = api
            .create_artist(json!({
                "name": "Survivor", "skills": ["sound"],
                "availabilities": [{ "startsAt": "2026-06-01T10:00:00Z", "endsAt": "2026-06-01T12:00:00Z" }]
            }))
            .await;
        assert_eq!(count_rows(&t.db, "availabilities").await, 3);

        let data = api.data(DELETE_ARTIST, json!({ "id": doomed })).await;
        assert_eq!(data["deleteArtist"], json!({ "__typename": "DeletedArtist", "id": doomed }));
        assert_eq!(count_rows(&t.db, "availabilities").await, 1);
        assert_eq!(count_rows(&t.db, "artist_skills").await, 1);
        assert_eq!(count_rows(&t.db, "artists").await, 1);

        let data = api.data(DELETE_ARTIST, json!({ "id": doomed })).await;
        let error = &data["deleteArtist"];
        assert_eq!(error["__typename"], "NotFoundError");
        assert_eq!(error["entity"], "Artist");
        assert_eq!(error["id"], doomed.as_str());
        let data = api.data(DELETE_ARTIST, json!({ "id": "nope" })).await;
        assert_eq!(data["deleteArtist"]["id"], "nope");

        let stored = api.data(GET_ARTIST, json!({ "id": survivor })).await;
        assert_eq!(stored["artist"]["name"], "Survivor");
    })
    .await;
}
