//! The `artists` connection: keyset pagination both ways, filters,
//! orderings, totalCount; and the statement count of a page.

use crate::common::{TestApi, TestDb, on_each_backend, string};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// A page query; `node` is what it asks of each artist, `filter` the
/// filter as a GraphQL literal. It is written into the document: a
/// variable of an input object type keeps a document on the general path,
/// and these pages are to be read by their plans too.
fn page_query(node: &str, filter: &str) -> String {
    format!(
        "query($first: Int, $after: String, $last: Int, $before: String, $order: ArtistOrder) {{
  artists(first: $first, after: $after, last: $last, before: $before, filter: {filter}, orderBy: $order) {{
    totalCount
    edges {{ cursor node {{ {node} }} }}
    nodes {{ {node} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }} }}"
    )
}

/// The page query with the filter as a variable, for its errors.
const PAGE_WITH_FILTER_VARIABLE: &str = "query($first: Int, $after: String, $last: Int, $before: String, $filter: ArtistFilter, $order: ArtistOrder) {
  artists(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) { nodes { name } } }";

/// A JSON value as a GraphQL input literal: the same, but for object keys.
fn literal(value: &Value) -> String {
    match value {
        Value::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(name, value)| format!("{name}: {}", literal(value)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// The page of names, read one way.
const PAGE: &str = "name";
/// The same page with the availabilities' times, which the read plan
/// reads another way: the page and the times in one statement.
const PAGE_WITH_TIMES: &str = "name availabilities { startsAt endsAt }";

#[derive(Debug, PartialEq)]
struct Page {
    names: Vec<String>,
    has_next: bool,
    has_previous: bool,
    start: Value,
    end: Value,
    total: i64,
}

/// The page, asked both ways: both must agree. `variables` are the page
/// query's, and `filter`.
async fn page(api: &TestApi, mut variables: Value) -> Page {
    let filter = variables
        .as_object_mut()
        .and_then(|variables| variables.remove("filter"))
        .unwrap_or(Value::Null);
    let filter = literal(&filter);
    let names_only = page_read(api, &page_query(PAGE, &filter), variables.clone()).await;
    let with_times = page_read(api, &page_query(PAGE_WITH_TIMES, &filter), variables).await;
    assert_eq!(
        names_only, with_times,
        "the page with its times is the same page"
    );
    names_only
}

/// The page by its read plan. A document's first request is answered by
/// the general path, which compiles the plan: then the plan answers again,
/// and must answer the same, times included.
async fn page_read(api: &TestApi, query: &str, variables: Value) -> Page {
    let (mut response, by_plan) = api.answer(query, variables.clone()).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    if !by_plan {
        let general = response;
        let by_plan;
        (response, by_plan) = api.answer(query, variables).await;
        assert!(by_plan, "the plan answers a document's second request");
        assert_eq!(response, general, "the plan answers as the general path");
    }
    let connection = &response["data"]["artists"];
    let names: Vec<String> = connection["nodes"]
        .as_array()
        .map(|nodes| nodes.iter().map(|n| string(&n["name"])).collect())
        .unwrap_or_default();
    let edge_names: Vec<String> = connection["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| string(&e["node"]["name"])).collect())
        .unwrap_or_default();
    assert_eq!(names, edge_names, "nodes and edges agree");
    let info = &connection["pageInfo"];
    Page {
        names,
        has_next: info["hasNextPage"] == true,
        has_previous: info["hasPreviousPage"] == true,
        start: info["startCursor"].clone(),
        end: info["endCursor"].clone(),
        total: connection["totalCount"].as_i64().unwrap_or(-1),
    }
}

async fn names(api: &TestApi, filter: Value) -> Vec<String> {
    page(api, json!({ "first": 100, "filter": filter }))
        .await
        .names
}

const CAST: [&str; 7] = [
    "delta", "Alpha", "echo", "Charlie", "bravo", "golf", "Foxtrot",
];

async fn create_cast(api: &TestApi) {
    for name in CAST {
        api.create_artist(json!({ "name": name })).await;
    }
}

#[tokio::test]
async fn pages_forward_and_backward_cover_everything_once() {
    on_each_backend(|t| async move {
        let api = t.api();
        create_cast(&api).await;
        let sorted = [
            "Alpha", "bravo", "Charlie", "delta", "echo", "Foxtrot", "golf",
        ];

        let mut seen = Vec::new();
        let mut after = Value::Null;
        let mut pages = 0;
        loop {
            let p = page(&api, json!({ "first": 3, "after": after })).await;
            assert_eq!(p.total, 7);
            assert_eq!(p.has_previous, pages > 0);
            seen.extend(p.names);
            pages += 1;
            if !p.has_next {
                break;
            }
            after = p.end;
        }
        assert_eq!(seen, sorted, "case-insensitive name order");
        assert_eq!(pages, 3);

        let mut seen_backward = Vec::new();
        let mut before = Value::Null;
        loop {
            let p = page(&api, json!({ "last": 3, "before": before })).await;
            seen_backward.splice(0..0, p.names);
            if !p.has_previous {
                assert!(p.has_next || before.is_null());
                break;
            }
            before = p.start;
        }
        assert_eq!(seen_backward, sorted);

        let first_two = page(&api, json!({ "first": 2 })).await;
        assert_eq!(first_two.names, ["Alpha", "bravo"]);
        assert!(first_two.has_next && !first_two.has_previous);
        let last_two = page(&api, json!({ "last": 2 })).await;
        assert_eq!(last_two.names, ["Foxtrot", "golf"]);
        assert!(last_two.has_previous && !last_two.has_next);
        let between = page(
            &api,
            json!({ "first": 10, "after": first_two.end, "before": last_two.start }),
        )
        .await;
        assert_eq!(between.names, ["Charlie", "delta", "echo"]);
    })
    .await;
}

#[tokio::test]
async fn cursors_stay_put_when_artists_are_inserted_and_deleted() {
    on_each_backend(|t| async move {
        let api = t.api();
        create_cast(&api).await;
        let first = page(&api, json!({ "first": 3 })).await;
        assert_eq!(first.names, ["Alpha", "bravo", "Charlie"]);

        // Rows appearing before the cursor, and the cursor's own row
        // vanishing, move nothing after it.
        api.create_artist(json!({ "name": "Aaron" })).await;
        api.create_artist(json!({ "name": "Cole" })).await;
        let charlie = api
            .data(
                "{ artists(filter: { search: \"charlie\" }) { nodes { id } } }",
                json!({}),
            )
            .await;
        api.data(
            "mutation($id: ID!) { deleteArtist(id: $id) { __typename } }",
            json!({ "id": charlie["artists"]["nodes"][0]["id"] }),
        )
        .await;

        let next = page(&api, json!({ "first": 3, "after": first.end })).await;
        assert_eq!(next.names, ["Cole", "delta", "echo"]);
        assert!(next.has_previous);
        assert_eq!(next.total, 8);
        let back = page(&api, json!({ "last": 10, "before": next.start })).await;
        assert_eq!(back.names, ["Aaron", "Alpha", "bravo"]);
        assert!(!back.has_previous);
        assert!(back.has_next);
    })
    .await;
}

#[tokio::test]
async fn every_ordering_pages_consistently() {
    on_each_backend(|t| async move {
        let api = t.api();
        create_cast(&api).await;
        let collect = |order: &'static str| {
            let api = api.clone();
            async move {
                let mut all = Vec::new();
                let mut after = Value::Null;
                loop {
                    let p = page(&api, json!({ "first": 2, "after": after, "order": order })).await;
                    all.extend(p.names);
                    if !p.has_next {
                        return all;
                    }
                    after = p.end;
                }
            }
        };
        assert_eq!(
            collect("NAME_DESC").await,
            [
                "golf", "Foxtrot", "echo", "delta", "Charlie", "bravo", "Alpha"
            ]
        );
        assert_eq!(collect("CREATED_AT_ASC").await, CAST);
        let mut newest_first = CAST.to_vec();
        newest_first.reverse();
        assert_eq!(collect("CREATED_AT_DESC").await, newest_first);
    })
    .await;
}

#[tokio::test]
async fn filters_by_search_skills_and_availability() {
    on_each_backend(|t| async move {
        let api = t.api();
        let day = |h: u32| format!("2026-06-01T{h:02}:00:00Z");
        api.create_artist(json!({
            "name": "Ada", "email": "ada@stage.example", "skills": ["sound", "light"],
            "availabilities": [{ "startsAt": day(8), "endsAt": day(20) }]
        }))
        .await;
        api.create_artist(json!({
            "name": "Bob 100%", "email": "bob@example.org", "skills": ["Sound"],
            "availabilities": [
                { "startsAt": day(8), "endsAt": day(12) },
                { "startsAt": day(12), "endsAt": day(16) },
                { "startsAt": day(16), "endsAt": day(20) }
            ]
        }))
        .await;
        api.create_artist(json!({
            "name": "Chloé", "email": "chloe@STAGE.example", "skills": ["light", "rigging"],
            "availabilities": [
                { "startsAt": day(8), "endsAt": day(12) },
                { "startsAt": day(13), "endsAt": day(20) }
            ]
        }))
        .await;

        assert_eq!(names(&api, json!({ "search": "STAGE" })).await, ["Ada", "Chloé"]);
        assert_eq!(names(&api, json!({ "search": "CHLOÉ" })).await, ["Chloé"]);
        assert_eq!(names(&api, json!({ "search": "100%" })).await, ["Bob 100%"]);
        assert_eq!(names(&api, json!({ "search": "%" })).await, ["Bob 100%"], "% is literal");
        assert_eq!(names(&api, json!({ "search": "_" })).await, Vec::<String>::new());
        assert_eq!(names(&api, json!({ "search": "  " })).await.len(), 3, "blank matches all");

        assert_eq!(names(&api, json!({ "skills": [" SOUND"] })).await, ["Ada", "Bob 100%"]);
        assert_eq!(names(&api, json!({ "skills": ["sound", "light"] })).await, ["Ada"]);
        assert_eq!(names(&api, json!({ "skills": ["light", "light"] })).await, ["Ada", "Chloé"]);
        assert!(names(&api, json!({ "skills": ["sound", "rigging"] })).await.is_empty());
        // PostgreSQL's filter writes skills into its SQL: quotes and
        // backslashes must stay the skill's own characters.
        let dee = api.create_artist(json!({ "name": "Dee", "skills": ["rock'n'roll", "back\\slash", "50%", "sound"] })).await;
        assert_eq!(names(&api, json!({ "skills": ["rock'n'roll"] })).await, ["Dee"]);
        assert_eq!(names(&api, json!({ "skills": ["back\\slash", "50%"] })).await, ["Dee"]);
        assert!(names(&api, json!({ "skills": ["rock"] })).await.is_empty());
        // Past three skills, PostgreSQL's filter takes another shape.
        let four = json!({ "skills": ["sound", "50%", "rock'n'roll", "back\\slash"] });
        assert_eq!(names(&api, four).await, ["Dee"]);
        let four = json!({ "skills": ["sound", "50%", "rock'n'roll", "light"] });
        assert!(names(&api, four).await.is_empty());
        assert!(names(&api, json!({ "skills": ["' OR ''='"] })).await.is_empty());
        let deleted = api
            .data("mutation($id: ID!) { deleteArtist(id: $id) { __typename } }", json!({ "id": dee }))
            .await;
        assert_eq!(deleted["deleteArtist"]["__typename"], "DeletedArtist");

        let during = |s: u32, e: u32| json!({ "availableDuring": { "startsAt": day(s), "endsAt": day(e) } });
        assert_eq!(names(&api, during(9, 19)).await, ["Ada", "Bob 100%"], "touching ranges chain");
        assert_eq!(names(&api, during(8, 12)).await, ["Ada", "Bob 100%", "Chloé"]);
        assert_eq!(names(&api, during(11, 14)).await, ["Ada", "Bob 100%"], "a gap breaks cover");
        assert_eq!(names(&api, during(7, 9)).await, Vec::<String>::new());
        assert_eq!(names(&api, during(19, 21)).await, Vec::<String>::new());

        let combined = json!({ "search": "example", "skills": ["light"], "availableDuring": { "startsAt": day(14), "endsAt": day(15) } });
        let p = page(&api, json!({ "first": 1, "filter": combined })).await;
        assert_eq!(p.names, ["Ada"]);
        assert_eq!(p.total, 2, "totalCount counts the filter across pages");
        assert!(p.has_next);
    })
    .await;
}

#[tokio::test]
async fn bad_arguments_are_top_level_input_errors() {
    on_each_backend(|t| async move {
        let api = t.api();
        create_cast(&api).await;
        let name_cursor = page(&api, json!({ "first": 1 })).await.end;
        let cases = [
            (json!({ "first": 101 }), "first"),
            (json!({ "first": -1 }), "first"),
            (json!({ "last": 1000 }), "last"),
            (json!({ "first": 1, "last": 1 }), "last"),
            (json!({ "after": "garbage" }), "after"),
            // A name key with NUL, which no name holds: PostgreSQL could not
            // even compare with it.
            (json!({ "after": URL_SAFE_NO_PAD.encode("n:0190b2a4-5c6e-7000-8000-000000000000:a\u{0}b") }), "after"),
            (json!({ "before": name_cursor, "order": "CREATED_AT_ASC" }), "before"),
            (json!({ "filter": { "skills": [""] } }), "filter.skills[0]"),
            (
                json!({ "filter": { "availableDuring": { "startsAt": "2026-06-01T10:00:00Z", "endsAt": "2026-06-01T10:00:00Z" } } }),
                "filter.availableDuring.endsAt",
            ),
        ];
        for (variables, field) in cases {
            let response = api.execute(PAGE_WITH_FILTER_VARIABLE, variables.clone()).await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}: {response}");
            assert_eq!(error["extensions"]["fields"][0]["field"], field, "{variables}");
        }
        assert_eq!(page(&api, json!({ "first": 100 })).await.names.len(), 7);
        assert_eq!(page(&api, json!({})).await.names.len(), 7, "first defaults to 20");
        assert!(page(&api, json!({ "first": 0 })).await.names.is_empty());
    })
    .await;
}

/// The page sizes whose statement costs are compared.
const SIZES: [usize; 3] = [1, 10, 100];

/// The statements `query` (with `$n` the page size) costs at each of
/// SIZES, one request after the other, and the data of each.
async fn cost_per_size(t: &TestDb, api: &TestApi, query: &str) -> (Vec<usize>, Vec<Value>) {
    let mut costs = Vec::new();
    let mut pages = Vec::new();
    for size in SIZES {
        let before = t.statements();
        pages.push(api.data(query, json!({ "n": size })).await);
        costs.push(t.statements() - before);
    }
    (costs, pages)
}

#[tokio::test]
async fn a_page_with_availabilities_costs_the_same_statements_at_any_size() {
    on_each_backend(|t| async move {
        let api = t.api();
        for i in 0..120 {
            api.create_artist(json!({
                "name": format!("artist {i:03}"),
                "skills": ["sound"],
                "availabilities": [
                    { "startsAt": "2026-06-01T08:00:00Z", "endsAt": "2026-06-01T12:00:00Z" },
                    { "startsAt": "2026-06-02T08:00:00Z", "endsAt": "2026-06-02T12:00:00Z" }
                ]
            }))
            .await;
        }
        let query = "query($n: Int) { artists(first: $n) { nodes { availabilities { id } } } }";
        let (costs, pages) = cost_per_size(&t, &api, query).await;
        for (size, data) in SIZES.into_iter().zip(pages) {
            let nodes = data["artists"]["nodes"].as_array().map_or(0, Vec::len);
            assert_eq!(nodes, size);
            assert_eq!(data["artists"]["nodes"][0]["availabilities"].as_array().map(Vec::len), Some(2));
        }
        assert_eq!(costs, [2, 2, 2], "one page statement and one availabilities batch");

        // Only their times: the read of the load test. Its read plan takes
        // them with the page, in one statement.
        let times = "query($n: Int) { artists(first: $n) { nodes { availabilities { startsAt endsAt } } } }";
        let (costs, pages) = cost_per_size(&t, &api, times).await;
        for (size, data) in SIZES.into_iter().zip(pages) {
            assert_eq!(data["artists"]["nodes"][size - 1]["availabilities"].as_array().map(Vec::len), Some(2));
        }
        assert_eq!(costs, [2, 1, 1], "async-graphql, then the read plan");

        // Filtered and read backward, the same: the page is limited before
        // its times are read.
        let filtered = "query($n: Int) { artists(last: $n, filter: { skills: [\"sound\"] }, orderBy: CREATED_AT_DESC) { nodes { name availabilities { startsAt endsAt } } } }";
        let (costs, pages) = cost_per_size(&t, &api, filtered).await;
        for (size, data) in SIZES.into_iter().zip(pages) {
            let nodes = data["artists"]["nodes"].as_array().cloned().unwrap_or_default();
            // The last of 120 by creation, newest first: the oldest ones.
            let expected: Vec<String> = (0..size).rev().map(|i| format!("artist {i:03}")).collect();
            let names: Vec<String> = nodes.iter().map(|node| string(&node["name"])).collect();
            assert_eq!(names, expected);
            assert!(nodes.iter().all(|node| node["availabilities"].as_array().map(Vec::len) == Some(2)));
        }
        assert_eq!(costs, [2, 1, 1], "async-graphql, then the read plan");

        let with_everything = "{ artists(first: 100) { totalCount nodes { skills availabilities { artist { name } } } } }";
        let before = t.statements();
        api.data(with_everything, json!({})).await;
        assert_eq!(t.statements() - before, 4, "page, count, skills, availabilities");
    })
    .await;
}

#[tokio::test]
async fn a_page_lists_availabilities_by_start_whatever_order_they_were_added_in() {
    on_each_backend(|t| async move {
        let api = t.api();
        let days = [5, 1, 4, 2, 3];
        for name in ["first", "second"] {
            let id = api.create_artist(json!({ "name": name })).await;
            for day in days {
                let added = api
                    .add_availability(
                        &id,
                        &format!("2026-06-0{day}T08:00:00Z"),
                        &format!("2026-06-0{day}T12:00:00Z"),
                    )
                    .await;
                assert_eq!(added["__typename"], "Availability", "{added}");
            }
        }
        let expected: Vec<String> = (1..=5)
            .map(|day| format!("2026-06-0{day}T08:00:00Z"))
            .collect();
        // Whole records, then only the times, each answered by
        // async-graphql and then by its read plan.
        for read in [
            "{ artists { nodes { availabilities { id startsAt } } } }",
            "{ artists { nodes { availabilities { startsAt endsAt } } } }",
        ] {
            for pass in 0..2 {
                let (response, by_plan) = api.answer(read, json!({})).await;
                assert_eq!(
                    by_plan,
                    pass == 1,
                    "{read}: the plan answers the second time"
                );
                let nodes = response["data"]["artists"]["nodes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                assert_eq!(nodes.len(), 2);
                for node in nodes {
                    let starts: Vec<String> = node["availabilities"]
                        .as_array()
                        .map(|all| all.iter().map(|a| string(&a["startsAt"])).collect())
                        .unwrap_or_default();
                    assert_eq!(starts, expected, "{read}");
                }
            }
        }
    })
    .await;
}
