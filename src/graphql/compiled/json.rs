//! A JSON writer for responses written in one pass: it places the commas,
//! and writes strings byte for byte as serde_json does (which writes the
//! general path's responses), so both paths answer with the same bytes.

use crate::graphql::plain::FieldOut;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::graphql::scalars;

#[derive(Default)]
pub struct JsonWriter {
    out: String,
    /// Whether the next key or element needs a comma before it.
    after_value: bool,
}

impl JsonWriter {
    pub fn into_bytes(self) -> Vec<u8> {
        self.out.into_bytes()
    }

    fn separate(&mut self) {
        if self.after_value {
            self.out.push(',');
        }
    }

    /// A key of the object being written: a GraphQL name, which needs no
    /// escaping (`[_A-Za-z][_0-9A-Za-z]*`).
    pub fn key(&mut self, key: &str) {
        self.separate();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.after_value = false;
    }

    pub fn begin_object(&mut self) {
        self.separate();
        self.out.push('{');
        self.after_value = false;
    }

    pub fn end_object(&mut self) {
        self.out.push('}');
        self.after_value = true;
    }

    pub fn begin_array(&mut self) {
        self.separate();
        self.out.push('[');
        self.after_value = false;
    }

    pub fn end_array(&mut self) {
        self.out.push(']');
        self.after_value = true;
    }

    /// A value that needs no escaping.
    fn raw(&mut self, value: &str) {
        self.separate();
        self.out.push_str(value);
        self.after_value = true;
    }

    pub fn null(&mut self) {
        self.raw("null");
    }

    pub fn boolean(&mut self, value: bool) {
        self.raw(if value { "true" } else { "false" });
    }

    pub fn number(&mut self, value: i32) {
        self.raw(itoa::Buffer::new().format(value));
    }

    pub fn string(&mut self, value: &str) {
        self.separate();
        escape_into(&mut self.out, value);
        self.after_value = true;
    }

    pub fn optional_string(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.string(value),
            None => self.null(),
        }
    }

    pub fn uuid(&mut self, value: Uuid) {
        let mut buffer = Uuid::encode_buffer();
        self.separate();
        self.out.push('"');
        self.out
            .push_str(value.hyphenated().encode_lower(&mut buffer));
        self.out.push('"');
        self.after_value = true;
    }

    /// As the `DateTime` scalar writes it.
    pub fn date_time(&mut self, value: DateTime<Utc>) {
        self.separate();
        self.out.push('"');
        scalars::write_rfc3339(&mut self.out, value);
        self.out.push('"');
        self.after_value = true;
    }
}

/// The plain fields of records, written as their resolvers give them.
impl FieldOut for JsonWriter {
    fn string(&mut self, value: &str) {
        JsonWriter::string(self, value);
    }
    fn optional_string(&mut self, value: Option<&str>) {
        JsonWriter::optional_string(self, value);
    }
    fn uuid(&mut self, value: Uuid) {
        JsonWriter::uuid(self, value);
    }
    fn date_time(&mut self, value: DateTime<Utc>) {
        JsonWriter::date_time(self, value);
    }
}

/// `value` as a JSON string, escaped as serde_json escapes: `"`, `\` and
/// the control characters, the common ones in their short forms.
fn escape_into(out: &mut String, value: &str) {
    out.push('"');
    let mut start = 0;
    for (index, byte) in value.bytes().enumerate() {
        let short = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Every byte escaped is ASCII, so these are char boundaries.
        out.push_str(&value[start..index]);
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.push_str(short);
        }
        start = index + 1;
    }
    out.push_str(&value[start..]);
    out.push('"');
}

const HEX: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
];

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn escaped(value: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, value);
        out
    }

    proptest! {
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(value in any::<String>()) {
            prop_assert_eq!(escaped(&value), serde_json::Value::from(value.as_str()).to_string());
        }
    }

    #[test]
    fn every_control_character_is_escaped_as_serde_json_escapes_it() {
        for byte in 0u8..0x80 {
            let value = char::from(byte).to_string();
            assert_eq!(
                escaped(&value),
                serde_json::Value::from(value.as_str()).to_string()
            );
        }
    }

    #[test]
    fn commas_separate_keys_and_elements() {
        let mut json = JsonWriter::default();
        json.begin_object();
        json.key("a");
        json.begin_array();
        json.number(1);
        json.null();
        json.begin_object();
        json.end_object();
        json.end_array();
        json.key("b");
        json.optional_string(Some("x\"y"));
        json.end_object();
        assert_eq!(
            String::from_utf8(json.into_bytes()).ok().as_deref(),
            Some(r#"{"a":[1,null,{}],"b":"x\"y"}"#)
        );
    }
}
