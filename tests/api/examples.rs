//! The examples of docs/examples/ are tests: each `NAME.graphql` runs with
//! `NAME.variables.json` against a fresh demo database (SQLite and
//! PostgreSQL) and must give
//! `NAME.response.json`, once what the run made up is masked (golden/).
//!
//! `UPDATE_EXAMPLES=1 cargo test --workspace --test api examples` writes the responses of
//! this run instead (from SQLite; PostgreSQL must then agree with them).

use crate::common;
use crate::golden;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::common::TestDb;
use async_graphql::parser::types::{DocumentOperations, Selection, TypeKind, TypeSystemDefinition};
use async_graphql::{Name, Request, Value, Variables};
use coulisses::auth::Role;
use coulisses::graphql::Answer;
use coulisses::{demo, domain};
use futures::StreamExt as _;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/examples");
const UPDATE: &str = "UPDATE_EXAMPLES";

struct Example {
    name: String,
    query: String,
    variables: String,
}

impl Example {
    fn path(&self, suffix: &str) -> PathBuf {
        path(&self.name, suffix)
    }
}

fn path(name: &str, suffix: &str) -> PathBuf {
    Path::new(EXAMPLES).join(format!("{name}{suffix}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// Every `.graphql` file of the folder, by name: a new one is a new test.
fn examples() -> Vec<Example> {
    let entries = std::fs::read_dir(EXAMPLES).unwrap_or_else(|err| panic!("{EXAMPLES}: {err}"));
    let mut names: Vec<String> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".graphql").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no example in {EXAMPLES}");
    names
        .into_iter()
        .map(|name| Example {
            query: read(&path(&name, ".graphql")),
            variables: read(&path(&name, ".variables.json")),
            name,
        })
        .collect()
}

fn parse_json(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("{what} is not JSON: {err}"))
}

/// The example's response on a fresh demo database, masked, and the IDs
/// that were not made up by the run (the demo data's, the request's).
async fn run(t: &TestDb, example: &Example) -> (Value, HashSet<String>) {
    if let Err(err) = demo::load(&t.db).await {
        panic!("cannot load the demo data: {err}");
    }
    let mut known: HashSet<String> = match domain::artists::load_details(&t.db, None).await {
        Ok(all) => all
            .iter()
            .flat_map(|d| std::iter::once(d.artist.id).chain(d.availabilities.iter().map(|a| a.id)))
            .map(|id| id.to_string())
            .collect(),
        Err(err) => panic!("cannot read the demo data: {err}"),
    };
    let kept = domain::schedules::read(&t.db, demo::schedule_id(demo::SCHEDULE)).await;
    let Ok(Some(kept)) = kept else {
        panic!("cannot read the demo schedule: {kept:?}");
    };
    known.insert(kept.summary.id.to_string());
    known.extend(kept.slot_ids.iter().map(|id| id.to_string()));
    known.extend(kept.assignments.iter().map(|a| a.id.to_string()));
    known.extend(golden::uuids_in(&example.query));
    known.extend(golden::uuids_in(&example.variables));

    let variables: serde_json::Value = serde_json::from_str(&example.variables)
        .unwrap_or_else(|err| panic!("{}.variables.json: {err}", example.name));
    let request = Request::new(example.query.as_str()).variables(Variables::from_json(variables));
    let response = match t.api().api.execute(request, Role::Editor).await {
        Answer::Executed(response) => response,
        Answer::Refused(response) => panic!("{}: refused: {:?}", example.name, response.errors),
        Answer::Written(_) | Answer::MutationOverGet => {
            panic!("{}: not executed by async-graphql", example.name)
        }
    };
    let mut value = as_value(response);
    golden::mask(&mut value, &known);
    (value, known)
}

/// The response as the server writes it (`data`, then `errors` if any), in
/// a value that keeps the order of fields. `data` is taken as it is: read
/// back from JSON text, a float such as `coverage` may come out one bit
/// off (serde_json parses fast, not exactly), and would be written so.
fn as_value(response: async_graphql::Response) -> Value {
    let mut fields = async_graphql::indexmap::IndexMap::new();
    fields.insert(Name::new("data"), response.data);
    if !response.errors.is_empty() {
        let text = serde_json::to_string(&response.errors).unwrap_or_else(|err| panic!("{err}"));
        fields.insert(Name::new("errors"), parse_json(&text, "the errors"));
    }
    Value::Object(fields)
}

/// What one example gave: how it failed, and its response on SQLite.
struct Checked {
    name: String,
    failures: Vec<String>,
    response: Value,
}

/// Runs the example on a fresh demo database of each backend, so no example
/// sees another's writes, and compares (or, with `update`, first writes)
/// its stored response.
async fn check(example: Example, update: bool) -> Checked {
    let response_path = example.path(".response.json");
    let mut expected = std::fs::read_to_string(&response_path)
        .ok()
        .map(|text| parse_json(&text, &response_path.display().to_string()));
    let mut checked = Checked {
        name: example.name.clone(),
        failures: Vec::new(),
        response: Value::Null,
    };
    for t in common::backends().await {
        let (actual, known) = run(&t, &example).await;
        if t.label == "sqlite" {
            checked.response = actual.clone();
            if update {
                let text = golden::pretty(&actual);
                if let Err(err) = std::fs::write(&response_path, &text) {
                    panic!("cannot write {}: {err}", response_path.display());
                }
                expected = Some(parse_json(&text, "the response"));
                continue;
            }
        }
        let Some(expected) = &expected else {
            checked.failures.push(format!(
                "{}: no {}.response.json; run {UPDATE}=1 cargo test --workspace --test examples",
                example.name, example.name
            ));
            break;
        };
        // The stored file is masked already; masking it again keeps a
        // hand-edited one comparable.
        let mut expected = expected.clone();
        golden::mask(&mut expected, &known);
        // Read back as the stored file was, so both floats are parsed alike.
        let actual = parse_json(&golden::pretty(&actual), "the response");
        let found = golden::differences(&expected, &actual, 20);
        if !found.is_empty() {
            checked.failures.push(format!(
                "{} on {} differs from {}.response.json:\n  {}",
                example.name,
                t.label,
                example.name,
                found.join("\n  ")
            ));
        }
    }
    checked
}

#[tokio::test]
async fn every_example_runs_as_documented() {
    let update = std::env::var(UPDATE).is_ok_and(|v| v == "1");
    // A few at once: on PostgreSQL each mostly waits for its new database.
    let mut all: Vec<Checked> = futures::stream::iter(examples())
        .map(|example| check(example, update))
        .buffer_unordered(4)
        .collect()
        .await;
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let failures: Vec<&String> = all.iter().flat_map(|c| &c.failures).collect();
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n\n{}\n\nIf the change is intended, run `{UPDATE}=1 cargo test --workspace --test examples` and review the diff of docs/examples/.",
        failures.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );

    // The responses are the stored ones now: check what they document.
    let mut returned = BTreeSet::new();
    for checked in &all {
        let response = checked.response.clone().into_json().unwrap_or_default();
        values_of("__typename", &response, &mut returned);
        // Codegen rejects a document the schema does not validate.
        let mut codes = BTreeSet::new();
        values_of("code", &response["errors"], &mut codes);
        assert!(
            !codes.contains("GRAPHQL_PARSE_FAILED") && !codes.contains("GRAPHQL_VALIDATION_FAILED"),
            "{}.graphql is not a valid document for the schema: {response}",
            checked.name
        );
    }
    for error in ["NotFoundError", "ConflictError", "ValidationError"] {
        assert!(returned.contains(error), "no example returns {error}");
    }
}

/// The field names selected at the root of the example's operation, and
/// its operation name.
fn operation(example: &Example) -> (String, Vec<String>) {
    let document = async_graphql::parser::parse_query(&example.query)
        .unwrap_or_else(|err| panic!("{}.graphql does not parse: {err}", example.name));
    assert!(
        document.fragments.is_empty(),
        "{}.graphql: use inline fragments, so that each example reads on its own",
        example.name
    );
    let DocumentOperations::Multiple(operations) = document.operations else {
        panic!(
            "{}.graphql: give the operation a name (generated clients and /metrics go by it)",
            example.name
        );
    };
    assert_eq!(
        operations.len(),
        1,
        "{}.graphql: one operation per file",
        example.name
    );
    let Some((name, operation)) = operations.into_iter().next() else {
        panic!("{}.graphql has no operation", example.name);
    };
    let fields = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        })
        .collect();
    (name.to_string(), fields)
}

/// Every field of Query and Mutation in the served schema.
fn root_fields() -> BTreeSet<String> {
    let schema = async_graphql::parser::parse_schema(coulisses::graphql::sdl())
        .unwrap_or_else(|err| panic!("the SDL does not parse: {err}"));
    schema
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            TypeSystemDefinition::Type(ty) => Some(&ty.node),
            _ => None,
        })
        .filter(|ty| matches!(ty.name.node.as_str(), "Query" | "Mutation"))
        .filter_map(|ty| match &ty.kind {
            TypeKind::Object(object) => Some(object),
            _ => None,
        })
        .flat_map(|object| object.fields.iter().map(|f| f.node.name.node.to_string()))
        .collect()
}

/// The values of every `key` field in `value`, at any depth.
fn values_of(key: &str, value: &serde_json::Value, found: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            if let Some(serde_json::Value::String(name)) = fields.get(key) {
                found.insert(name.clone());
            }
            fields.values().for_each(|v| values_of(key, v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| values_of(key, v, found)),
        _ => {}
    }
}

#[test]
fn the_examples_cover_every_operation_under_unique_names() {
    let mut names = HashSet::new();
    let mut covered = BTreeSet::new();
    for example in examples() {
        let (name, fields) = operation(&example);
        assert!(
            names.insert(name.clone()),
            "{}.graphql: operation name {name} is taken by another example",
            example.name
        );
        covered.extend(fields);
    }
    let missing: Vec<String> = root_fields().difference(&covered).cloned().collect();
    assert!(missing.is_empty(), "no example of {missing:?}");
}
