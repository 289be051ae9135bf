//! The GraphQL API of the contract (shared/api-contract.graphql): its own
//! types, converted from domain records; no SQL here.

mod compiled;
mod error_codes;
mod errors;
mod fragments;
mod introspection;
mod loaders;
mod mutation;
mod plain;
mod query;
mod scalars;
mod schema;
mod types;

pub use schema::{Answer, Api, Limits, sdl};
