//! The contract's DateTime: any RFC 3339 offset in, UTC with `Z` out.
//! (async-graphql's own chrono scalar prints `+00:00`.)

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{SecondsFormat, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// An RFC 3339 date-time. Any offset is accepted; the API answers in UTC
/// with a `Z` suffix.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|at| Self(at.with_timezone(&Utc)))
            .map_err(|_| {
                InputValueError::custom(format!(
                    "{text:?} is not an RFC 3339 date-time like 2026-06-01T18:00:00Z"
                ))
            })
    }

    fn to_value(&self) -> Value {
        Value::String(rfc3339(self.0))
    }
}

/// How the API writes a date-time: RFC 3339 in UTC with `Z`, fractions of
/// a second only when there are any.
pub fn rfc3339(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(at: chrono::DateTime<Utc>) -> Self {
        Self(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_offset_in_utc_with_z_out() {
        let parsed = DateTime::parse(Value::String("2026-06-01T20:30:00+02:00".into()));
        let printed = parsed.map(|at| at.to_value()).ok();
        assert_eq!(printed, Some(Value::String("2026-06-01T18:30:00Z".into())));
    }

    #[test]
    fn fractions_are_kept_and_garbage_rejected() {
        let parsed = DateTime::parse(Value::String("2026-06-01T18:30:00.250Z".into()));
        let printed = parsed.map(|at| at.to_value()).ok();
        assert_eq!(
            printed,
            Some(Value::String("2026-06-01T18:30:00.250Z".into()))
        );
        assert!(DateTime::parse(Value::String("2026-06-01 18:30".into())).is_err());
        assert!(DateTime::parse(Value::Number(5.into())).is_err());
    }
}
