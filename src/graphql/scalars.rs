//! The contract's DateTime: any RFC 3339 offset in, UTC with `Z` out.
//! (async-graphql's own chrono scalar prints `+00:00`.)

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{SecondsFormat, Utc};

use crate::domain::{DomainError, time};

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
/// these: written two digits at a time into a buffer on the stack, then
/// appended at once, they cost a fraction of chrono's general formatting
/// and allocate nothing. Years outside 0..=9999 and leap seconds, which
/// chrono writes its own way, are left to chrono.
pub fn write_rfc3339(out: &mut String, at: chrono::DateTime<Utc>) {
    let nanos = at.timestamp_subsec_nanos();
    if nanos >= 1_000_000_000 || !write_utc(out, at.timestamp(), nanos) {
        out.push_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }
}

/// As `write_rfc3339`, for a time as stored: microseconds since the epoch
/// (`domain::time`), written without building a chrono date first. A time
/// chrono cannot hold is a fault, as `domain::time::from_micros` says.
pub fn write_stored_rfc3339(out: &mut String, micros: i64) -> Result<(), DomainError> {
    let seconds = micros.div_euclid(1_000_000);
    // Below a million microseconds: below a billion nanoseconds.
    let nanos = u32::try_from(micros.rem_euclid(1_000_000) * 1_000).unwrap_or_default();
    if !write_utc(out, seconds, nanos) {
        let at = time::from_micros(micros)?;
        out.push_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }
    Ok(())
}

/// Writes the UTC date-time `seconds` after the epoch and `nanos` (below
/// a second), as `write_rfc3339` does; false, writing nothing, when its
/// year is outside 0..=9999.
fn write_utc(out: &mut String, seconds: i64, nanos: u32) -> bool {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let Some(year) = u32::try_from(year).ok().filter(|year| *year <= 9999) else {
        return false;
    };
    // Below a day's 86,400.
    let of_day = u32::try_from(seconds.rem_euclid(86_400)).unwrap_or_default();
    let mut text = Digits::default();
    text.pair(year / 100);
    text.pair(year % 100);
    text.byte(b'-');
    text.pair(month);
    text.byte(b'-');
    text.pair(day);
    text.byte(b'T');
    text.pair(of_day / 3_600);
    text.byte(b':');
    text.pair(of_day / 60 % 60);
    text.byte(b':');
    text.pair(of_day % 60);
    if nanos != 0 {
        text.byte(b'.');
        let (fraction, digits) = if nanos % 1_000_000 == 0 {
            (nanos / 1_000_000, 3)
        } else if nanos % 1_000 == 0 {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        // An odd count starts with one digit alone; then pairs.
        if digits % 2 == 1 {
            text.digit(fraction / 10u32.pow(digits - 1));
        }
        for pair in (0..digits / 2).rev() {
            text.pair(fraction / 100u32.pow(pair) % 100);
        }
    }
    text.byte(b'Z');
    out.push_str(text.as_str());
    true
}

/// The year, month and day of the proleptic Gregorian calendar that is
/// `days` after 1970-01-01: Howard Hinnant's `civil_from_days`, in
/// integer arithmetic (chrono's dates go through lookup tables).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Counted from 0000-03-01, so that a leap day ends its year.
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // March is 0.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both are small: a month is 1..=12, a day 1..=31.
    let small = |value: i64| u32::try_from(value).unwrap_or_default();
    (year, small(month), small(day))
}

/// The longest date-time written: `9999-12-31T23:59:59.999999999Z`.
const LONGEST: usize = 30;

/// A date-time's text as it is written, ASCII only.
struct Digits {
    bytes: [u8; LONGEST],
    len: usize,
}

impl Default for Digits {
    fn default() -> Self {
        Self {
            bytes: [0; LONGEST],
            len: 0,
        }
    }
}

impl Digits {
    fn byte(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `value`, below 100, in two digits.
    fn pair(&mut self, value: u32) {
        let at = 2 * value as usize;
        self.byte(PAIRS[at]);
        self.byte(PAIRS[at + 1]);
    }

    /// `value`, below 10, in one digit.
    fn digit(&mut self, value: u32) {
        self.byte(b'0' + value as u8);
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// "00" to "99", one after the other.
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

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

    proptest::proptest! {
        #[test]
        fn stored_times_are_written_as_their_date_times_are(micros in proptest::num::i64::ANY, rounding in 0usize..3) {
            // Whole seconds, milli- and microseconds, as stored.
            let micros = match rounding {
                0 => micros / 1_000_000 * 1_000_000,
                1 => micros / 1_000 * 1_000,
                _ => micros,
            };
            let mut stored = String::new();
            let written = write_stored_rfc3339(&mut stored, micros);
            match chrono::DateTime::from_timestamp_micros(micros) {
                Some(at) => {
                    proptest::prop_assert!(written.is_ok());
                    proptest::prop_assert_eq!(stored, at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
                }
                None => proptest::prop_assert!(written.is_err()),
            }
        }
    }

    #[test]
    fn stored_times_around_leap_days_and_the_epoch_as_they_were_written() {
        for text in [
            "0000-01-01T00:00:00Z",
            "0000-02-29T23:59:59.999999Z",
            "1969-12-31T23:59:59.000001Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T12:00:00.500Z",
            "2100-03-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
        ] {
            let at = chrono::DateTime::parse_from_rfc3339(text).map(|at| at.to_utc());
            let mut stored = String::new();
            let written = at.map(|at| write_stored_rfc3339(&mut stored, at.timestamp_micros()));
            assert!(matches!(written, Ok(Ok(()))), "{text}");
            assert_eq!(stored, text);
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
