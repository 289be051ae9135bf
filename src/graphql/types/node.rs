//! Global object identification: every type with an ID is a `Node`,
//! fetched by that ID alone with `Query.node`.

use async_graphql::{ID, Interface};

use super::artist::{Artist, Availability};
use super::schedule::{Schedule, ScheduledAssignment};

/// Any object with an ID, fetched with Query.node.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Artist(Artist),
    Availability(Availability),
    Schedule(Schedule),
    ScheduledAssignment(ScheduledAssignment),
}
