//! The one error type of the domain layer. The GraphQL layer maps each
//! variant to the contract's typed errors in one place (graphql/errors.rs).

use std::error::Error as StdError;

use sea_orm::DbErr;
use uuid::Uuid;

/// One offending input field, with its path relative to the input that the
/// domain function received (e.g. `endsAt` or `availabilities[1].startsAt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

impl Violation {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error seen from an enclosing input: `prefix.field`, or
    /// `prefix[2].field` when the field path starts with an index.
    pub fn within(self, prefix: &str) -> Self {
        let field = if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        Self { field, ..self }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// REST 404: the referenced record does not exist.
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// REST 409: the write collides with existing data.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        conflicting_id: Option<Uuid>,
        message: String,
    },
    /// REST 422: the input breaks a business rule; every offending field.
    #[error("invalid input: {}", summary(.0))]
    Validation(Vec<Violation>),
    /// A fault of ours or of the database: logged, never shown to clients.
    #[error("internal error")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

fn summary(fields: &[Violation]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl DomainError {
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn internal(cause: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    /// The same error seen from an enclosing input: validation paths get
    /// the prefix. (A conflict names the colliding field alone.)
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::Validation(fields) => {
                Self::Validation(fields.into_iter().map(|f| f.within(prefix)).collect())
            }
            other => other,
        }
    }
}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
        Self::Internal(Box::new(err))
    }
}

/// A pipelined read's failure (`db::PipelinedReads`).
impl From<crate::db::ReadError> for DomainError {
    fn from(err: crate::db::ReadError) -> Self {
        Self::Internal(Box::new(err))
    }
}

/// A SQLite point read's failure (`db::SqliteReads`).
impl From<crate::db::SqliteReadError> for DomainError {
    fn from(err: crate::db::SqliteReadError) -> Self {
        Self::Internal(Box::new(err))
    }
}

/// True when `err` violated the unique constraint `constraint`. PostgreSQL
/// names the violated constraint; SQLite does not, so there any unique
/// violation counts: the caller knows it from the statement (each write can
/// break only one).
pub(crate) fn violates(err: &DbErr, constraint: &str) -> bool {
    crate::db::database_error(err).is_some_and(|db_err| {
        db_err.is_unique_violation() && db_err.constraint().is_none_or(|name| name == constraint)
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database};

    use super::*;

    #[test]
    fn paths_are_seen_from_the_enclosing_input() {
        let nested = DomainError::Validation(vec![
            Violation::new("[2].endsAt", "must be after startsAt"),
            Violation::new("name", "must not be empty"),
        ])
        .within("input");
        let DomainError::Validation(fields) = &nested else {
            panic!("still a validation error: {nested:?}");
        };
        assert_eq!(fields[0].field, "input[2].endsAt");
        assert_eq!(fields[1].field, "input.name");
        // As the log shows it.
        assert_eq!(
            nested.to_string(),
            "invalid input: input[2].endsAt: must be after startsAt; input.name: must not be empty"
        );
        let conflict = DomainError::Conflict {
            field: Some("email".into()),
            conflicting_id: None,
            message: "taken".into(),
        }
        .within("input");
        assert!(matches!(conflict, DomainError::Conflict { field: Some(f), .. } if f == "email"));
    }

    #[test]
    fn read_failures_are_internal_and_keep_their_cause() {
        for err in [
            DomainError::from(crate::db::ReadError::NoSession),
            DomainError::from(crate::db::SqliteReadError::Busy),
        ] {
            let DomainError::Internal(cause) = &err else {
                panic!("internal: {err:?}");
            };
            assert!(!cause.to_string().is_empty());
        }
    }

    #[tokio::test]
    async fn unique_violations_are_told_from_other_errors() {
        let db = match Database::connect("sqlite::memory:").await {
            Ok(db) => db,
            Err(err) => panic!("in-memory SQLite: {err}"),
        };
        for statement in [
            "CREATE TABLE t (email TEXT CONSTRAINT t_email_key UNIQUE)",
            "INSERT INTO t VALUES ('ada@example.org')",
        ] {
            assert!(
                db.execute_unprepared(statement).await.is_ok(),
                "{statement}"
            );
        }
        let duplicate = db
            .execute_unprepared("INSERT INTO t VALUES ('ada@example.org')")
            .await
            .err();
        let missing = db
            .execute_unprepared("INSERT INTO nope VALUES (1)")
            .await
            .err();
        let (Some(duplicate), Some(missing)) = (duplicate, missing) else {
            panic!("both statements fail");
        };
        // SQLite names no constraint: the caller's statement tells which.
        assert!(violates(&duplicate, "t_email_key"));
        assert!(!violates(&missing, "t_email_key"));
    }
}
