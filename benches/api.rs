//! Criterion benchmarks of the API in process, without HTTP: the time one
//! request costs the service itself, on the load test's data set (1,000
//! artists with 10 availabilities each, in-memory SQLite). Each read runs
//! as the server runs it (by its compiled plan), by async-graphql from the
//! document parsed once (validated again, strictly or in its fast mode),
//! and by async-graphql alone (parsed and validated every time).

use std::hint::black_box;

use chrono::{TimeDelta, TimeZone, Utc};
use coulisses::auth::Role;
use coulisses::db;
use coulisses::domain::{self, NewArtist, NewAvailability};
use coulisses::graphql::{Answer, Api, Execution, Limits, Transport};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

// As in the binary: measure what the service runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LIST: &str =
    "query List { artists(first: 50) { nodes { name availabilities { startsAt endsAt } } } }";
const SINGLE: &str =
    "query One($id: ID!) { artist(id: $id) { name availabilities { startsAt endsAt } } }";

async fn load_data_set() -> (Api, String) {
    let db = match db::connect("sqlite::memory:", 1).await {
        Ok(db) => db,
        Err(err) => panic!("database: {err}"),
    };
    if let Err(err) = db::migrate(&db).await {
        panic!("migrations: {err}");
    }
    let season = Utc
        .with_ymd_and_hms(2027, 1, 4, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let mut last = String::new();
    for index in 0..1_000 {
        let availabilities = (0..10)
            .map(|day| NewAvailability {
                starts_at: season + TimeDelta::days(index % 7 + day * 7),
                ends_at: season + TimeDelta::days(index % 7 + day * 7) + TimeDelta::hours(10),
                note: None,
            })
            .collect();
        #[allow(
            clippy::needless_update,
            reason = "an optional field added to NewArtist needs no change here"
        )]
        let artist = NewArtist {
            name: format!("Artist {index:04}"),
            email: Some(format!("artist{index}@example.org")),
            skills: vec!["sound".into(), "light".into()],
            availabilities,
            ..NewArtist::default()
        };
        match domain::artists::create(&db, artist).await {
            Ok(created) => last = created.id.to_string(),
            Err(err) => panic!("seed: {err}"),
        }
    }
    let api = Api::new(
        domain::Reads::from(db.clone()),
        domain::Writes::new(db),
        Limits::default(),
    );
    (api, last)
}

fn bench(c: &mut Criterion) {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => panic!("runtime: {err}"),
    };
    let (api, id) = runtime.block_on(load_data_set());
    // Each writes the answer's JSON, as the HTTP layer does.
    let answer = |api: &Api, query: &str, variables: serde_json::Value| {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        match runtime.block_on(api.answer(request, Role::Viewer, Transport::Post)) {
            Answer::Refused(response) => panic!("refused: {:?}", response.errors),
            Answer::Executed(response) if !response.errors.is_empty() => {
                panic!("{:?}", response.errors)
            }
            answer => answer.into_json(),
        }
    };
    let executions = [
        ("compiled plans", Execution::ReadPlans),
        ("async-graphql, parsed once", Execution::ParsedDocuments),
        (
            "async-graphql, parsed once, fast validation",
            Execution::ParsedDocumentsFastValidation,
        ),
    ];
    let mut group = c.benchmark_group("api");
    for (name, execution) in executions {
        let api = api.clone().with_execution(execution);
        // The first answer of a document learns it.
        answer(&api, LIST, json!({}));
        answer(&api, SINGLE, json!({ "id": id }));
        group.bench_function(
            format!("list 50 artists with availabilities ({name})"),
            |b| b.iter(|| black_box(answer(&api, LIST, json!({})))),
        );
        group.bench_function(format!("one artist with availabilities ({name})"), |b| {
            b.iter(|| black_box(answer(&api, SINGLE, json!({ "id": id }))))
        });
    }
    // The peer of all three: async-graphql parsing and validating every
    // request, as it does out of the box.
    let execute = |query: &str, variables: serde_json::Value| {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        runtime
            .block_on(api.execute(request, Role::Viewer))
            .into_json()
    };
    group.bench_function("list 50 artists with availabilities (async-graphql)", |b| {
        b.iter(|| black_box(execute(LIST, json!({}))))
    });
    group.bench_function("one artist with availabilities (async-graphql)", |b| {
        b.iter(|| black_box(execute(SINGLE, json!({ "id": id }))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
