//! The services: every business rule of the contract lives here, on top of
//! the entities. The GraphQL layer calls these; the planner is fed by them.

pub mod artists;
pub mod availabilities;
pub mod calendars;
pub mod errors;
pub mod listing;
pub mod planning;
pub mod reads;
pub mod records;
pub mod schedules;
pub mod time;
pub mod validation;
mod write;
mod writes;

pub use errors::{DomainError, Violation};
pub use reads::Reads;
pub use records::*;
pub use writes::Writes;
