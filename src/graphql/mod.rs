//! The GraphQL API of the contract (shared/api-contract.graphql): its own
//! types, converted from domain records; no SQL here.

mod admission;
mod compiled;
mod cost;
mod error_codes;
mod errors;
mod fragments;
mod introspection;
mod loaders;
mod mutation;
mod plain;
mod query;
mod reply;
mod rewrite;
mod scalars;
mod schema;
mod socket;
mod subscription;
mod tokens;
mod types;

pub use admission::Transport;
pub use errors::cause_chain;
pub use schema::{Answer, Api, Execution, Limits, sdl};
pub use socket::{Socket, SubscriptionPermits};
