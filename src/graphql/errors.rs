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

fn validation_error(fields: Vec<crate::domain::Violation>) -> ValidationError {
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What the log would show, written to memory.
    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);

    impl Write for Log {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut kept) = self.0.lock() {
                kept.extend_from_slice(bytes);
            }
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read the artist")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn an_internal_error_logs_its_causes_and_shows_nothing_of_them() {
        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let cause = Outer(std::io::Error::other("disk full at /var/lib/db"));
        let shown = tracing::subscriber::with_default(subscriber, || internal(&cause));
        let logged = log
            .0
            .lock()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        assert!(
            logged.contains("cannot read the artist: disk full at /var/lib/db"),
            "{logged}"
        );
        assert_eq!(shown.message, "Internal server error");
        let shown = format!("{shown:?}");
        assert!(!shown.contains("disk full"), "{shown}");
        assert!(shown.contains(INTERNAL_SERVER_ERROR), "{shown}");
    }

    #[test]
    fn a_fault_detected_by_the_service_is_masked_too() {
        let shown = internal_fault("the union cannot carry Conflict");
        assert_eq!(shown.message, "Internal server error");
    }
}
