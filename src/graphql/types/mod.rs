//! The contract's GraphQL types. Each is its own struct, built from domain
//! records; entities never appear here.

pub mod artist;
pub mod artist_list;
pub mod connection;
pub mod errors;
pub mod inputs;
pub mod node;
pub mod planning;
pub mod results;
pub mod schedule;
pub mod schedule_change;
pub mod schedule_event;
