//! The lean path for plain list selections (src/graphql/plain.rs and
//! types/artist_list.rs) answers exactly what async-graphql's own resolvers
//! answer. The same selection is asked for plainly (lean path) and through
//! a fragment (async-graphql's path), with aliases, repeats and
//! `__typename` in any order, of a page's artists and of their
//! availabilities.

use crate::common::{ARTIST_FIELDS, AVAILABILITY_FIELDS, TestApi, TestDb, sqlite_memory};
use coulisses::demo;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

/// A selection of availability fields, each maybe under an alias. An
/// alias names one field only, as GraphQL requires of one response key.
fn selection() -> impl Strategy<Value = String> {
    fields(AVAILABILITY_FIELDS)
}

fn fields(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    let item = (
        prop::sample::select(names),
        prop::option::of(prop::sample::select(vec!["a", "b"])),
    );
    prop::collection::vec(item, 1..7).prop_map(|items| {
        items
            .into_iter()
            .map(|(field, alias)| match alias {
                Some(alias) => format!("{alias}{}: {field}", field.trim_start_matches('_')),
                None => field.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The same request, written so that the lean path takes it or not.
fn shapes(selection: &str) -> [String; 3] {
    let page = |inner: &str| {
        format!("{{ artists(first: 8) {{ nodes {{ name availabilities {{ {inner} }} }} }} }}")
    };
    [
        page(selection),
        format!(
            "{} fragment F on Availability {{ {selection} }}",
            page("...F")
        ),
        page(&format!("... on Availability {{ {selection} }}")),
    ]
}

/// The API over the demo data, with a runtime to drive it from proptest.
fn demo_api() -> (tokio::runtime::Runtime, TestDb, TestApi) {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|err| panic!("runtime: {err}"));
    let db = runtime.block_on(async {
        let db = sqlite_memory().await;
        if let Err(err) = demo::load(&db.db).await {
            panic!("demo data: {err}");
        }
        db
    });
    let api = db.api();
    (runtime, db, api)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn plain_selections_answer_as_the_resolvers_do() {
    let (runtime, _db, api) = demo_api();
    let mut runner = runner();
    let run = runner.run(&selection(), |selection| {
        let [lean, fragment, inline] = shapes(&selection);
        let lean = runtime.block_on(api.execute(&lean, json!({})));
        let fragment = runtime.block_on(api.execute(&fragment, json!({})));
        let inline = runtime.block_on(api.execute(&inline, json!({})));
        prop_assert_eq!(&lean, &fragment, "{}", selection);
        prop_assert_eq!(&lean, &inline, "{}", selection);
        Ok(())
    });
    if let Err(failure) = run {
        panic!("{failure}");
    }
}

/// An artist selection: plain fields and skills, maybe availabilities
/// (under an alias or not) with a plain selection of their own.
fn artist_selection() -> impl Strategy<Value = String> {
    (
        fields(ARTIST_FIELDS),
        prop::option::of((selection(), any::<bool>())),
    )
        .prop_map(|(plain, availabilities)| match availabilities {
            None => plain,
            Some((inner, true)) => format!("{plain} availabilities {{ {inner} }}"),
            Some((inner, false)) => format!("slots: availabilities {{ {inner} }} {plain}"),
        })
}

#[test]
fn artist_pages_answer_as_the_resolvers_do() {
    let (runtime, _db, api) = demo_api();
    let mut runner = runner();
    let run = runner.run(&artist_selection(), |selection| {
        let page = |inner: &str| format!("{{ artists(first: 12) {{ nodes {{ {inner} }} }} }}");
        let lean = runtime.block_on(api.execute(&page(&selection), json!({})));
        let fragment = runtime.block_on(api.execute(
            &format!("{} fragment F on Artist {{ {selection} }}", page("...F")),
            json!({}),
        ));
        prop_assert!(lean.get("errors").is_none(), "{}: {}", selection, lean);
        prop_assert_eq!(&lean, &fragment, "{}", selection);
        Ok(())
    });
    if let Err(failure) = run {
        panic!("{failure}");
    }
}

#[tokio::test]
async fn include_and_skip_apply_on_both_paths() {
    let db = sqlite_memory().await;
    if let Err(err) = demo::load(&db.db).await {
        panic!("demo data: {err}");
    }
    let api = db.api();
    let artist = demo::artist_id(1);
    // Plain (lean path), and with a sub-selection (async-graphql's path).
    for extra in ["", "artist { name }"] {
        let answer = api
            .execute(
                &format!("query($yes: Boolean!) {{ artist(id: \"{artist}\") {{ availabilities {{ id @include(if: $yes) note @skip(if: $yes) startsAt @include(if: false) {extra} }} }} }}"),
                json!({ "yes": true }),
            )
            .await;
        let first = &answer["data"]["artist"]["availabilities"][0];
        assert!(first["id"].is_string(), "{answer}");
        assert!(first.get("note").is_none(), "@skip honoured: {answer}");
        assert!(
            first.get("startsAt").is_none(),
            "@include honoured: {answer}"
        );
    }
}
