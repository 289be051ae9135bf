//! Golden files for the docs' examples: what changes from run to run is
//! masked, and two responses are compared field by field, so a mismatch
//! reads as a list of JSON paths.

use std::collections::{HashMap, HashSet};

use async_graphql::Value;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Row timestamps the run writes; `startsAt` and `endsAt` come from the
/// demo data or the example and are compared as they are.
const RUN_TIMESTAMPS: [&str; 3] = ["createdAt", "updatedAt", "publishedAt"];
const CURSORS: [&str; 3] = ["cursor", "startCursor", "endCursor"];
pub const TIMESTAMP: &str = "<timestamp>";
/// A calendar feed's URL holds a fresh secret on every run.
pub const FEED_URL: &str = "<calendar-feed-url>";
pub const CURSOR: &str = "<cursor>";

/// Masks the values of `value` that the run made up: row timestamps, IDs
/// that `known` (the demo data's and the request's) does not hold, and the
/// cursors that hold such values. A generated ID becomes `<generated-id-N>`, N
/// counting distinct IDs in document order, so a response that repeats an
/// ID still has to repeat it.
pub fn mask(value: &mut Value, known: &HashSet<String>) {
    Masker {
        known,
        generated: HashMap::new(),
    }
    .walk(None, value);
}

struct Masker<'a> {
    known: &'a HashSet<String>,
    generated: HashMap<String, String>,
}

impl Masker<'_> {
    fn walk(&mut self, key: Option<&str>, value: &mut Value) {
        match value {
            Value::Object(fields) => {
                for (name, field) in fields.iter_mut() {
                    self.walk(Some(name.as_str()), field);
                }
            }
            Value::List(items) => {
                for item in items {
                    self.walk(key, item);
                }
            }
            Value::String(text) => {
                if let Some(masked) = self.masked(key, text) {
                    *text = masked;
                }
            }
            _ => {}
        }
    }

    fn masked(&mut self, key: Option<&str>, text: &str) -> Option<String> {
        let key = key.unwrap_or_default();
        if RUN_TIMESTAMPS.contains(&key) {
            return Some(TIMESTAMP.into());
        }
        if key == "url" && text.contains("/calendar/") {
            return Some(FEED_URL.into());
        }
        if CURSORS.contains(&key) {
            return self.run_dependent_cursor(text).then(|| CURSOR.into());
        }
        if uuid::Uuid::parse_str(text).is_ok() && !self.known.contains(text) {
            let next = self.generated.len() + 1;
            let placeholder = self
                .generated
                .entry(text.to_owned())
                .or_insert_with(|| format!("<generated-id-{next}>"));
            return Some(placeholder.clone());
        }
        None
    }

    /// Cursors are opaque to clients, but this test may look inside
    /// (`kind:id:key`, see src/domain/listing.rs): a cursor of a name
    /// ordering over known artists is the same on every run, and stays
    /// readable so that the docs can page with it; one of a creation-time
    /// ordering or of a generated artist is not.
    fn run_dependent_cursor(&self, cursor: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(cursor) else {
            return false;
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut parts = text.splitn(3, ':');
        match (parts.next(), parts.next()) {
            (Some("n"), Some(id)) => !self.known.contains(id),
            (Some(_), Some(_)) => true,
            _ => false,
        }
    }
}

/// Every UUID written in `text`, e.g. a query or its variables.
pub fn uuids_in(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .filter(|word| word.len() == 36 && uuid::Uuid::parse_str(word).is_ok())
        .map(str::to_owned)
}

/// Where `actual` differs from `expected`, one line per JSON path, at most
/// `limit` lines.
pub fn differences(expected: &Value, actual: &Value, limit: usize) -> Vec<String> {
    let mut found = Vec::new();
    compare("$", expected, actual, &mut found);
    let total = found.len();
    if total > limit {
        found.truncate(limit);
        found.push(format!("... and {} more", total - limit));
    }
    found
}

fn compare(path: &str, expected: &Value, actual: &Value, found: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (name, value) in want {
                let at = format!("{path}.{name}");
                match got.get(name) {
                    Some(other) => compare(&at, value, other, found),
                    None => found.push(format!("{at}: missing, expected {}", short(value))),
                }
            }
            for (name, value) in got {
                if !want.contains_key(name) {
                    found.push(format!("{path}.{name}: unexpected {}", short(value)));
                }
            }
        }
        (Value::List(want), Value::List(got)) => {
            if want.len() != got.len() {
                found.push(format!(
                    "{path}: {} items, expected {}",
                    got.len(),
                    want.len()
                ));
            }
            for (index, (value, other)) in want.iter().zip(got).enumerate() {
                compare(&format!("{path}[{index}]"), value, other, found);
            }
        }
        _ if expected != actual => found.push(format!(
            "{path}: expected {}, got {}",
            short(expected),
            short(actual)
        )),
        _ => {}
    }
}

/// Compact JSON, cut to a line.
fn short(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// JSON for people: a list or object that fits on its line stays on it,
/// and the items of a list are all on one line each, or all spread out.
pub fn pretty(value: &Value) -> String {
    let mut out = String::new();
    write_pretty(value, 0, 0, false, &mut out);
    out.push('\n');
    out
}

const WIDTH: usize = 120;

/// Writes `value` at `indent`, its first line already `column` wide;
/// `spread` writes it on several lines even if it would fit on one.
fn write_pretty(value: &Value, indent: usize, column: usize, spread: bool, out: &mut String) {
    let inline = compact(value);
    if !spread && column + inline.len() <= WIDTH {
        out.push_str(&inline);
        return;
    }
    let pad = " ".repeat(indent + 2);
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            out.push_str("{\n");
            for (index, (name, field)) in fields.iter().enumerate() {
                let key = format!("{pad}{}: ", scalar(&Value::String(name.to_string())));
                out.push_str(&key);
                write_pretty(field, indent + 2, key.len(), false, out);
                out.push_str(if index + 1 < fields.len() {
                    ",\n"
                } else {
                    "\n"
                });
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        Value::List(items) if !items.is_empty() => {
            let spread_items = items
                .iter()
                .any(|item| pad.len() + compact(item).len() + 1 > WIDTH);
            out.push_str("[\n");
            for (index, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write_pretty(item, indent + 2, pad.len(), spread_items, out);
                out.push_str(if index + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        _ => out.push_str(&inline),
    }
}

/// One line: `{ "a": 1, "b": [1, 2] }`.
fn compact(value: &Value) -> String {
    match value {
        Value::Object(fields) if fields.is_empty() => "{}".into(),
        Value::Object(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|(name, field)| {
                    format!(
                        "{}: {}",
                        scalar(&Value::String(name.to_string())),
                        compact(field)
                    )
                })
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(compact).collect();
            format!("[{}]", inner.join(", "))
        }
        other => scalar(other),
    }
}

fn scalar(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
