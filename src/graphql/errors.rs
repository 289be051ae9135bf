//! The one place where domain errors become GraphQL errors: expected
//! business failures become the contract's typed error objects (data);
//! internal faults are logged with their cause and masked.

use std::error::Error as StdError;

use async_graphql::ErrorExtensions;

use super::types::errors::{ConflictError, ErrorCode, FieldError, NotFoundError, ValidationError};
use crate::domain::DomainError;

pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";

/// A business failure, before it is placed in an operation's result union.
#[derive(Debug)]
pub enum UserFacing {
    NotFound(NotFoundError),
    Conflict(ConflictError),
    Validation(ValidationError),
}

/// Splits a domain error into a user-facing error, or a masked top-level
/// error for internal faults.
pub fn user_facing(err: DomainError) -> async_graphql::Result<UserFacing> {
    Ok(match err {
        DomainError::NotFound { entity, id } => UserFacing::NotFound(NotFoundError {
            code: ErrorCode::NotFound,
            message: format!("{entity} {id} does not exist"),
            entity: entity.to_owned(),
            id: id.into(),
        }),
        DomainError::Conflict {
            field,
            conflicting_id,
            message,
        } => UserFacing::Conflict(ConflictError {
            code: ErrorCode::Conflict,
            message,
            field,
            conflicting_id: conflicting_id.map(|id| id.to_string().into()),
        }),
        DomainError::Validation(fields) => UserFacing::Validation(validation_error(fields)),
        DomainError::Internal(cause) => return Err(internal(&*cause)),
    })
}

fn validation_error(fields: Vec<crate::domain::FieldError>) -> ValidationError {
    let message = match fields.as_slice() {
        [only] => format!("{}: {}", only.field, only.message),
        many => format!("{} fields are invalid", many.len()),
    };
    ValidationError {
        code: ErrorCode::Validation,
        message,
        fields: fields
            .into_iter()
            .map(|f| FieldError {
                field: f.field,
                message: f.message,
            })
            .collect(),
    }
}

/// The error and its sources, outermost first, joined by ": ".
pub fn cause_chain(cause: &(dyn StdError + 'static)) -> String {
    let mut chain = cause.to_string();
    let mut source = cause.source();
    while let Some(next) = source {
        chain.push_str(": ");
        chain.push_str(&next.to_string());
        source = next.source();
    }
    chain
}

/// Logs an internal fault with its whole cause chain (inside the request's
/// span, so with its request id) and returns the generic error a client sees.
pub fn internal(cause: &(dyn StdError + 'static)) -> async_graphql::Error {
    tracing::error!(cause = %cause_chain(cause), "internal error");
    async_graphql::Error::new("Internal server error")
        .extend_with(|_, e| e.set("code", INTERNAL_SERVER_ERROR))
}

/// An internal fault we detected ourselves, described by `message`.
pub fn internal_fault(message: impl Into<String>) -> async_graphql::Error {
    let cause: Box<dyn StdError + Send + Sync> = message.into().into();
    internal(&*cause)
}

/// For queries, which return no union: invalid arguments become one
/// top-level BAD_USER_INPUT error listing every field.
pub fn query_error(err: DomainError) -> async_graphql::Error {
    match err {
        DomainError::Validation(fields) => {
            let error = validation_error(fields);
            let fields: Vec<async_graphql::Value> = error
                .fields
                .iter()
                .map(|f| {
                    let mut entry = async_graphql::indexmap::IndexMap::new();
                    entry.insert(async_graphql::Name::new("field"), f.field.clone().into());
                    entry.insert(
                        async_graphql::Name::new("message"),
                        f.message.clone().into(),
                    );
                    async_graphql::Value::Object(entry)
                })
                .collect();
            async_graphql::Error::new(error.message).extend_with(move |_, e| {
                e.set("code", BAD_USER_INPUT);
                e.set("fields", async_graphql::Value::List(fields.clone()));
            })
        }
        DomainError::Internal(cause) => internal(&*cause),
        other => internal(&other),
    }
}

/// Converts an operation's domain result into its result union. A union
/// that cannot hold the error means the domain broke its contract with
/// this operation: that is a fault of ours, so it is masked and logged.
pub fn into_union<T, U>(result: Result<T, DomainError>) -> async_graphql::Result<U>
where
    U: From<T> + TryFrom<UserFacing, Error = UserFacing>,
{
    match result {
        Ok(value) => Ok(U::from(value)),
        Err(err) => U::try_from(user_facing(err)?).map_err(|unexpected| {
            internal_fault(format!(
                "{} cannot carry {unexpected:?}",
                std::any::type_name::<U>()
            ))
        }),
    }
}
