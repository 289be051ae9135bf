//! Input rules of the contract and their normalization. Every check records
//! its violation and goes on, so a client learns every offending field at once.

use chrono::{DateTime, TimeDelta, Utc};

use super::errors::{DomainError, Violation};
use super::records::NewAvailability;

pub const NAME_MAX_CHARS: usize = 200;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const SKILL_MAX_CHARS: usize = 50;
pub const SKILLS_MAX: usize = 50;
pub const NOTE_MAX_CHARS: usize = 1_000;
pub const AVAILABILITIES_MAX: usize = 1_000;
pub const AVAILABILITY_MAX_SPAN_DAYS: i64 = 366;

/// PostgreSQL cannot store U+0000 in text: a value holding it failed there
/// as an internal error, while SQLite kept it. Both refuse it, as bad input.
pub const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// Collects field errors; `finish` turns them into one ValidationError.
#[derive(Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Violation::new(field, message));
    }

    pub fn extend(&mut self, prefix: &str, err: DomainError) -> Result<(), DomainError> {
        match err.within(prefix) {
            DomainError::Validation(fields) => {
                self.0.extend(fields);
                Ok(())
            }
            other => Err(other),
        }
    }

    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.0))
        }
    }
}

/// A name is trimmed and has 1 to 200 characters.
pub fn name(raw: &str, field: &str, violations: &mut Violations) -> String {
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if chars == 0 {
        violations.add(field, "must not be blank");
    } else if chars > NAME_MAX_CHARS {
        violations.add(
            field,
            format!("must be at most {NAME_MAX_CHARS} characters"),
        );
    } else if trimmed.contains('\0') {
        violations.add(field, NUL_MESSAGE);
    }
    trimmed.to_owned()
}

/// A valid email, trimmed; a blank one means "no email", as a form sends it.
pub fn email(raw: Option<&str>, field: &str, violations: &mut Violations) -> Option<String> {
    let trimmed = raw.map(str::trim).filter(|s| !s.is_empty())?;
    if trimmed.chars().count() > EMAIL_MAX_CHARS {
        violations.add(
            field,
            format!("must be at most {EMAIL_MAX_CHARS} characters"),
        );
    } else if !is_valid_email(trimmed) {
        violations.add(
            field,
            "must be a valid email address, like name@example.com",
        );
    }
    Some(trimmed.to_owned())
}

fn is_valid_email(candidate: &str) -> bool {
    // RFC 5322 allows addresses no one can send to (no domain dot, quoted
    // local parts); a planning team wants a deliverable address.
    email_address::EmailAddress::parse_with_options(
        candidate,
        email_address::Options::default()
            .without_display_text()
            .without_domain_literal(),
    )
    .is_ok_and(|address| address.domain().contains('.'))
}

/// The key that makes emails unique case-insensitively.
pub fn email_key(email: &str) -> String {
    email.to_lowercase()
}

/// The key names sort and search by.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Skills normalized: trimmed, lower-case, de-duplicated, sorted.
pub fn skills(raw: &[String], field: &str, violations: &mut Violations) -> Vec<String> {
    if raw.len() > SKILLS_MAX {
        violations.add(field, format!("must have at most {SKILLS_MAX} skills"));
    }
    let mut skills = Vec::with_capacity(raw.len());
    for (index, skill) in raw.iter().enumerate() {
        let normalized = normalize_skill(skill);
        if normalized.is_empty() {
            violations.add(format!("{field}[{index}]"), "must not be blank");
        } else if normalized.chars().count() > SKILL_MAX_CHARS {
            violations.add(
                format!("{field}[{index}]"),
                format!("must be at most {SKILL_MAX_CHARS} characters"),
            );
        } else if normalized.contains('\0') {
            violations.add(format!("{field}[{index}]"), NUL_MESSAGE);
        } else {
            skills.push(normalized);
        }
    }
    skills.sort_unstable();
    skills.dedup();
    skills
}

pub fn normalize_skill(raw: &str) -> String {
    raw.trim().to_lowercase()
}

pub fn note(raw: Option<&str>, field: &str, violations: &mut Violations) -> Option<String> {
    let trimmed = raw.map(str::trim).filter(|s| !s.is_empty())?;
    if trimmed.chars().count() > NOTE_MAX_CHARS {
        violations.add(
            field,
            format!("must be at most {NOTE_MAX_CHARS} characters"),
        );
    } else if trimmed.contains('\0') {
        violations.add(field, NUL_MESSAGE);
    }
    Some(trimmed.to_owned())
}

/// startsAt < endsAt, spanning at most 366 days. Errors go on `endsAt`,
/// the field a user fixes.
pub fn time_range(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    prefix: &str,
    violations: &mut Violations,
) {
    if let Some(problem) = range_problem(starts_at, ends_at) {
        violations.add(join(prefix, "endsAt"), problem);
    }
}

fn range_problem(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Option<String> {
    if ends_at <= starts_at {
        Some("must be after startsAt".into())
    } else if ends_at - starts_at > TimeDelta::days(AVAILABILITY_MAX_SPAN_DAYS) {
        Some(format!(
            "must be at most {AVAILABILITY_MAX_SPAN_DAYS} days after startsAt"
        ))
    } else {
        None
    }
}

/// One availability input, normalized.
pub fn availability(
    input: &NewAvailability,
    prefix: &str,
    violations: &mut Violations,
) -> NewAvailability {
    time_range(input.starts_at, input.ends_at, prefix, violations);
    NewAvailability {
        starts_at: super::time::truncate(input.starts_at),
        ends_at: super::time::truncate(input.ends_at),
        note: note(input.note.as_deref(), &join(prefix, "note"), violations),
    }
}

/// A list of availabilities replacing or creating an artist's: each valid,
/// and no two overlapping (touching is fine).
pub fn availability_list(
    inputs: &[NewAvailability],
    field: &str,
    violations: &mut Violations,
) -> Vec<NewAvailability> {
    if inputs.len() > AVAILABILITIES_MAX {
        violations.add(
            field,
            format!("must have at most {AVAILABILITIES_MAX} entries"),
        );
    }
    let normalized: Vec<NewAvailability> = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| availability(input, &format!("{field}[{index}]"), violations))
        .collect();

    // Overlaps only between ranges that are valid on their own: an overlap
    // with a range the user must fix anyway is noise.
    let mut by_start: Vec<usize> = (0..normalized.len())
        .filter(|&index| {
            range_problem(normalized[index].starts_at, normalized[index].ends_at).is_none()
        })
        .collect();
    by_start.sort_by_key(|&index| (normalized[index].starts_at, index));
    for pair in by_start.windows(2) {
        let (earlier, later) = (pair[0], pair[1]);
        if normalized[later].starts_at < normalized[earlier].ends_at {
            violations.add(
                format!("{field}[{later}].startsAt"),
                format!("overlaps {field}[{earlier}]"),
            );
        }
    }
    normalized
}

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn range(start: u32, end: u32) -> NewAvailability {
        NewAvailability {
            starts_at: at(start),
            ends_at: at(end),
            note: None,
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let mut v = Violations::default();
        assert_eq!(name("  Ada  ", "name", &mut v), "Ada");
        name("   ", "blank", &mut v);
        name(&"é".repeat(201), "long", &mut v);
        assert_eq!(name(&"é".repeat(200), "fits", &mut v).chars().count(), 200);
        let fields: Vec<String> = v.0.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["blank", "long"]);
    }

    #[test]
    fn emails_must_be_deliverable_and_blank_means_none() {
        let mut v = Violations::default();
        assert_eq!(
            email(Some(" Ada@Example.org "), "ok", &mut v).as_deref(),
            Some("Ada@Example.org")
        );
        assert_eq!(email(Some("  "), "blank", &mut v), None);
        email(Some("not-an-email"), "no_at", &mut v);
        email(Some("ada@localhost"), "no_dot", &mut v);
        email(Some("a b@example.org"), "space", &mut v);
        let fields: Vec<String> = v.0.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["no_at", "no_dot", "space"]);
    }

    #[test]
    fn skills_are_normalized() {
        let mut v = Violations::default();
        let raw = ["  Sound", "light", "SOUND", "rigging "].map(String::from);
        assert_eq!(
            skills(&raw, "skills", &mut v),
            ["light", "rigging", "sound"]
        );
        skills(&["ok".into(), " ".into()], "skills", &mut v);
        assert_eq!(v.0, [Violation::new("skills[1]", "must not be blank")]);
    }

    #[test]
    fn ranges_must_be_ordered_and_at_most_366_days() {
        let mut v = Violations::default();
        time_range(at(10), at(10), "input", &mut v);
        time_range(at(10), at(9), "", &mut v);
        time_range(at(0), at(0) + TimeDelta::days(366), "fits", &mut v);
        time_range(at(0), at(0) + TimeDelta::days(367), "long", &mut v);
        let fields: Vec<String> = v.0.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["input.endsAt", "endsAt", "long.endsAt"]);
    }

    #[test]
    fn a_list_reports_every_overlap_but_not_touching_ranges() {
        let mut v = Violations::default();
        let list = [range(8, 10), range(10, 12), range(11, 13), range(9, 9)];
        availability_list(&list, "availabilities", &mut v);
        assert_eq!(
            v.0,
            [
                Violation::new("availabilities[3].endsAt", "must be after startsAt"),
                Violation::new("availabilities[2].startsAt", "overlaps availabilities[1]"),
            ]
        );
    }
}
