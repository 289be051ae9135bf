//! The contract's DateTime: any RFC 3339 offset in, UTC with `Z` out.
//! (async-graphql's own chrono scalar prints `+00:00`.)

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, SecondsFormat, Timelike, Utc};

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
/// a second only when there are any (in 3, 6 or 9 digits).
pub fn rfc3339(at: chrono::DateTime<Utc>) -> String {
    let mut out = String::with_capacity(30);
    write_rfc3339(&mut out, at);
    out
}

/// Appends `rfc3339(at)` to `out`. A page of artists writes a thousand of
/// these: written two digits at a time, from the UTC date and time as
/// stored (`naive_utc`: asking `at` for its date and time would add its
/// offset, zero, each time), they cost a fraction of chrono's general
/// formatting and allocate nothing. Years outside 0..=9999 and leap
/// seconds, which chrono writes its own way, are left to chrono.
pub fn write_rfc3339(out: &mut String, at: chrono::DateTime<Utc>) {
    let utc = at.naive_utc();
    let (date, time) = (utc.date(), utc.time());
    let nanos = time.nanosecond();
    let Ok(year) = u32::try_from(date.year()) else {
        out.push_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        return;
    };
    if year > 9999 || nanos >= 1_000_000_000 {
        out.push_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        return;
    }
    out.reserve(30);
    push_pair(out, year / 100);
    push_pair(out, year % 100);
    out.push('-');
    push_pair(out, date.month());
    out.push('-');
    push_pair(out, date.day());
    out.push('T');
    push_pair(out, time.hour());
    out.push(':');
    push_pair(out, time.minute());
    out.push(':');
    push_pair(out, time.second());
    if nanos != 0 {
        out.push('.');
        let (fraction, digits) = if nanos % 1_000_000 == 0 {
            (nanos / 1_000_000, 3)
        } else if nanos % 1_000 == 0 {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        // An odd count starts with one digit alone; then pairs.
        if digits % 2 == 1 {
            push_digit(out, fraction / 10u32.pow(digits - 1));
        }
        for pair in (0..digits / 2).rev() {
            push_pair(out, fraction / 100u32.pow(pair) % 100);
        }
    }
    out.push('Z');
}

/// "00" to "99", one after the other.
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// `value`, below 100, in two digits.
fn push_pair(out: &mut String, value: u32) {
    let at = 2 * value as usize;
    out.push(char::from(PAIRS[at]));
    out.push(char::from(PAIRS[at + 1]));
}

/// `value`, below 10, in one digit.
fn push_digit(out: &mut String, value: u32) {
    out.push(char::from(b'0' + value as u8));
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

    proptest::proptest! {
        #[test]
        fn written_as_chrono_writes_it(seconds in -100_000_000_000i64..300_000_000_000, nanos in 0u32..2_000_000_000, rounding in 0usize..4) {
            // Whole seconds, milli-, micro- and nanoseconds, as stored.
            let nanos = match rounding {
                0 => 0,
                1 => nanos / 1_000_000 * 1_000_000,
                2 => nanos / 1_000 * 1_000,
                _ => nanos,
            };
            if let Some(at) = chrono::DateTime::from_timestamp(seconds, nanos) {
                proptest::prop_assert_eq!(rfc3339(at), at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
            }
        }
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
