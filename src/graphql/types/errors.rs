//! The contract's typed errors: business failures returned as data.

use async_graphql::{Enum, ID, Interface, SimpleObject};

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// REST 404: the referenced record does not exist.
    NotFound,
    /// REST 409: the write collides with existing data (duplicate or overlap).
    Conflict,
    /// REST 422: the input is well-formed GraphQL but breaks a business rule.
    Validation,
}

// The variants are named after the GraphQL types they carry.
#[allow(clippy::enum_variant_names)]
#[derive(Interface)]
#[graphql(
    field(name = "code", ty = "&ErrorCode"),
    field(name = "message", ty = "&String")
)]
pub enum UserError {
    NotFoundError(NotFoundError),
    ConflictError(ConflictError),
    ValidationError(ValidationError),
}

#[derive(SimpleObject, Clone, Debug)]
pub struct NotFoundError {
    pub code: ErrorCode,
    pub message: String,
    /// Which kind of record was missing, e.g. "Artist" or "Availability".
    pub entity: String,
    /// The ID that did not resolve, as the client sent it.
    pub id: ID,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct ConflictError {
    pub code: ErrorCode,
    pub message: String,
    /// The input field that collides, e.g. "email" or "startsAt".
    pub field: Option<String>,
    /// The existing record it collides with, where there is one.
    pub conflicting_id: Option<ID>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct FieldError {
    /// Path of the offending input field, e.g. "input.endsAt" or "input.slots[2].positions".
    pub field: String,
    pub message: String,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct ValidationError {
    pub code: ErrorCode,
    pub message: String,
    /// Every offending field, not only the first.
    pub fields: Vec<FieldError>,
}
