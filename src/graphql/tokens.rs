//! Counts a document's tokens before it is parsed. The parser keeps about
//! a kilobyte per token while it builds the document, so a body of a
//! megabyte of `1 1 1 …` would take hundreds of megabytes before any limit
//! could look at it; a document with more tokens than the service allows
//! is refused unparsed. Large inputs belong in variables, which are JSON.

/// True when `text` holds more than `max` GraphQL tokens (names, numbers,
/// strings, punctuators; whitespace, commas and comments are none).
pub fn exceed(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    let mut count: usize = 0;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                at += 1;
                continue;
            }
            b'#' => {
                while at < bytes.len() && !matches!(bytes[at], b'\n' | b'\r') {
                    at += 1;
                }
                continue;
            }
            b'"' if bytes[at..].starts_with(b"\"\"\"") => at = after_block_string(bytes, at + 3),
            b'"' => at = after_string(bytes, at + 1),
            b'.' if bytes[at..].starts_with(b"...") => at += 3,
            b'_' | b'-' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => {
                at += 1;
                while at < bytes.len()
                    && matches!(bytes[at], b'_' | b'.' | b'+' | b'-' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
                {
                    at += 1;
                }
            }
            _ => at += 1,
        }
        count += 1;
        if count > max {
            return true;
        }
    }
    false
}

/// Where a string that opened before `at` ends: after its closing quote,
/// or at the end of its line (the parser refuses it then).
fn after_string(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' | b'\r' => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// Where a block string that opened before `at` ends: after its closing
/// `"""` (an escaped `\"""` does not close it).
fn after_block_string(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        if bytes[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if bytes[at..].starts_with(b"\"\"\"") {
            return at + 3;
        } else {
            at += 1;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact count, by asking for the smallest bound it fits.
    fn count(text: &str) -> usize {
        (0..).find(|&max| !exceed(text, max)).unwrap_or_default()
    }

    #[test]
    fn counts_tokens_not_bytes() {
        assert_eq!(count(""), 0);
        // { artists ( first : 1 ) { totalCount } }
        assert_eq!(count("{ artists(first: 1) { totalCount } }"), 11);
        assert_eq!(count("query Q($x: [Int!]! = [1, 2]) { a }"), 20);
        assert_eq!(
            count("{ ...F } # a comment { { { {\nfragment F on Query { a }"),
            11
        );
        assert_eq!(count("{ a(s: \"x, y \\\" { z }\") }"), 8);
        assert_eq!(count("{ a(s: \"\"\"one \\\"\"\" { two }\n\"\"\") }"), 8);
        assert_eq!(count("{ a(n: -1.5e+10) }"), 8);
    }

    #[test]
    fn a_megabyte_of_numbers_is_many_tokens() {
        let numbers = format!("{{ a(x: [{}]) }}", "1 ".repeat(500_000));
        assert!(exceed(&numbers, 20_000));
        let text = format!("{{ a(x: \"{}\") }}", "1 ".repeat(500_000));
        assert!(!exceed(&text, 20));
    }
}
