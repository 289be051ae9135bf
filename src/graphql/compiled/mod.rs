//! Compiled reads: the hot queries answered without async-graphql's
//! per-request work.
//!
//! async-graphql parses and validates every request's document, then
//! resolves every field as a future of its own and builds the answer as a
//! tree of values before writing it as JSON. For the queries clients send
//! over and over (`artist(id)`, a page of `artists`) that work dwarfs the
//! database's. So the first time a document validates and runs without an
//! error, it is compiled into a read plan (`plan`), kept by its text. The
//! next request with the same text and operation name binds its variables
//! to the plan (`bind`), loads through the domain only what the selection
//! writes, one statement per kind of record (`run`), and writes the JSON
//! from the records in one pass (`json`).
//!
//! A plan only ever answers what async-graphql would answer: a plan is made
//! only from a document async-graphql validated, only for selections it
//! serves exactly (no fragments, directives or merged fields), and any
//! request it cannot bind or whose load fails takes the general path, which
//! reports the error as it always does. `tests/api/compiled.rs` holds the two
//! paths to the same answers. A plan is learnt from one role and serves
//! that role only: whatever async-graphql checks of a role (a guard on a
//! field) it checked for each role before that role's plan exists, and a
//! request refused anything never leaves a plan. The limits a document is
//! checked against (depth, complexity) depend on the document alone, so
//! one that passed them once passes them always.

mod bind;
mod json;
mod plan;
mod run;

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::auth::Role;

pub use plan::ReadPlan;
pub use run::{Fallback, run};

/// The memory the cache may take, about, counting each document's text,
/// its plan and the cache's own bookkeeping: a client's hot queries fit
/// many times over, and no stream of distinct documents (aliases varied
/// by a hostile caller, say) makes the cache grow past it.
const MAX_BYTES: u64 = 16 << 20;
/// A guess at how many documents that holds, for the cache's layout.
const ESTIMATED_DOCUMENTS: usize = 4_000;
/// What a parsed document takes in memory, about, per byte of its text:
/// each name, position and node of its tree is a few words.
const PARSED_BYTES_PER_BYTE: usize = 16;
/// What an entry costs beside its text and its plan: the key, the cache's
/// slot, an `Arc`.
const ENTRY_OVERHEAD_BYTES: u64 = 1_024;

/// What the cache knows of a document.
#[derive(Clone)]
pub enum Known {
    /// Compiled: the plan answers it.
    Compiled(Arc<ReadPlan>),
    /// Valid, but beyond what plans serve (a mutation, a fragment…): kept
    /// parsed, so that it is not parsed again.
    Parsed(Arc<ExecutableDocument>),
}

/// The documents seen valid, by text and operation name.
pub struct Plans {
    cache: Cache<Key, Known, MemoryWeight>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Key {
    query: String,
    operation: Option<String>,
    role: Role,
}

/// A key to look up without copying the request's text. Hashes as `Key`
/// does: field by field, `&str` as `String`.
#[derive(Hash)]
struct KeyRef<'a> {
    query: &'a str,
    operation: Option<&'a str>,
    role: Role,
}

impl quick_cache::Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.query == key.query
            && self.operation == key.operation.as_deref()
            && self.role == key.role
    }
}

/// An entry's weight: about the bytes it holds.
#[derive(Clone)]
struct MemoryWeight;

impl Weighter<Key, Known> for MemoryWeight {
    fn weight(&self, key: &Key, known: &Known) -> u64 {
        let held = match known {
            Known::Compiled(plan) => plan.estimated_bytes,
            Known::Parsed(_) => PARSED_BYTES_PER_BYTE * key.query.len(),
        };
        let text = key.query.len() + key.operation.as_ref().map_or(0, String::len);
        ENTRY_OVERHEAD_BYTES + (text + held) as u64
    }
}

impl Default for Plans {
    fn default() -> Self {
        Self {
            cache: Cache::with_weighter(ESTIMATED_DOCUMENTS, MAX_BYTES, MemoryWeight),
        }
    }
}

impl Plans {
    /// What is known of the document, if it was seen valid before for a
    /// caller of `role`.
    pub fn get(&self, query: &str, operation: Option<&str>, role: Role) -> Option<Known> {
        self.cache.get(&KeyRef {
            query,
            operation,
            role,
        })
    }

    /// What to remember of `document`, which a request naming `operation`
    /// runs, once it has validated.
    pub fn compile(document: &ExecutableDocument, operation: Option<&str>) -> Known {
        match plan::compile(document, operation) {
            Some(plan) => Known::Compiled(Arc::new(plan)),
            None => Known::Parsed(Arc::new(document.clone())),
        }
    }

    /// Remembers what a request of a caller of `role` showed of the
    /// document.
    pub fn remember(&self, query: String, operation: Option<String>, role: Role, known: Known) {
        self.cache.insert(
            Key {
                query,
                operation,
                role,
            },
            known,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A caller who varies an alias sends endless distinct documents, each
    /// compiled: the cache holds a bounded number of them.
    #[test]
    fn distinct_documents_do_not_grow_the_cache_past_its_bound() {
        let plans = Plans::default();
        let sent = 30_000;
        for n in 0..sent {
            let query = format!("{{ a{n}: __typename }}");
            let document = match async_graphql::parser::parse_query(&query) {
                Ok(document) => document,
                Err(err) => panic!("{query}: {err}"),
            };
            let known = Plans::compile(&document, None);
            assert!(matches!(known, Known::Compiled(_)), "{query}");
            plans.remember(query, None, Role::Viewer, known);
        }
        let held = plans.cache.len();
        assert!(held > 0);
        assert!(
            (held as u64) * ENTRY_OVERHEAD_BYTES <= MAX_BYTES,
            "{held} of {sent} documents held"
        );
    }

    /// A plan learnt from an editor's request never answers a viewer: the
    /// viewer's first request runs the general path, with every check
    /// made for that role.
    #[test]
    fn a_plan_serves_only_the_role_it_was_learnt_from() {
        let plans = Plans::default();
        let query = "{ __typename }";
        let document = match async_graphql::parser::parse_query(query) {
            Ok(document) => document,
            Err(err) => panic!("{query}: {err}"),
        };
        plans.remember(
            query.to_owned(),
            None,
            Role::Editor,
            Plans::compile(&document, None),
        );
        assert!(plans.get(query, None, Role::Editor).is_some());
        assert!(plans.get(query, None, Role::Viewer).is_none());
    }
}
