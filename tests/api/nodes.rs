//! `node(id)`: any object by its ID alone, as Relay clients refetch.

use serde_json::{Value, json};

use crate::common::{on_each_backend, string};

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id
  ... on Artist { name availabilities { startsAt } }
  ... on Availability { startsAt artist { name } } } }";

#[tokio::test]
async fn node_finds_artists_and_availabilities_by_id_alone() {
    on_each_backend(|t| async move {
        let api = t.api();
        let ada = api
            .create_artist(json!({ "name": "Ada",
                "availabilities": [{ "startsAt": "2026-06-12T18:00:00Z", "endsAt": "2026-06-12T23:00:00Z" }] }))
            .await;
        let node = |id: String| {
            let api = &api;
            async move { api.data(NODE, json!({ "id": id })).await["node"].clone() }
        };

        let artist = node(ada.clone()).await;
        assert_eq!(artist["__typename"], "Artist", "{}: {artist}", t.label);
        assert_eq!(artist["id"], ada.as_str());
        assert_eq!(artist["name"], "Ada");
        assert_eq!(
            artist["availabilities"],
            json!([{ "startsAt": "2026-06-12T18:00:00Z" }])
        );

        let listed = api
            .data("query($id: ID!) { artist(id: $id) { availabilities { id } } }", json!({ "id": ada }))
            .await;
        let availability_id = string(&listed["artist"]["availabilities"][0]["id"]);
        let availability = node(availability_id.clone()).await;
        assert_eq!(availability["__typename"], "Availability", "{availability}");
        assert_eq!(availability["id"], availability_id.as_str());
        assert_eq!(availability["startsAt"], "2026-06-12T18:00:00Z");
        assert_eq!(availability["artist"]["name"], "Ada");

        for unknown in [uuid::Uuid::now_v7().to_string(), "not an id".to_owned(), String::new()] {
            assert_eq!(node(unknown.clone()).await, Value::Null, "{unknown:?}");
        }
    })
    .await;
}
