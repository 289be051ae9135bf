//! Which media type a client gets, by its `Accept` header, as the
//! GraphQL-over-HTTP specification says: `application/graphql-response+json`
//! or `application/json` for answers, and the GraphiQL page for a browser
//! asking for HTML.

use axum::http::HeaderValue;

/// What the client is answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// `application/graphql-response+json`: statuses say whether the
    /// request ran (400 when it did not).
    GraphqlResponse,
    /// `application/json`: 200 for any GraphQL answer, as clients written
    /// before the media type above expect.
    Json,
    /// The GraphiQL page.
    Html,
    /// Nothing this service can answer in.
    Nothing,
}

impl Wanted {
    pub fn content_type(self) -> HeaderValue {
        match self {
            Self::GraphqlResponse => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
            Self::Html => HeaderValue::from_static("text/html; charset=utf-8"),
            Self::Json | Self::Nothing => {
                HeaderValue::from_static("application/json; charset=utf-8")
            }
        }
    }
}

/// The media types the client accepts, best first. Without an `Accept`
/// header, or with `*/*`, that is `application/json`, which every client
/// understands. `html` says whether the GraphiQL page is a choice (GET).
pub fn negotiate(accept: Option<&HeaderValue>, html: bool) -> Wanted {
    let Some(accept) = accept.and_then(|value| value.to_str().ok()) else {
        return Wanted::Json;
    };
    let mut offers = vec![
        (
            Wanted::GraphqlResponse,
            "application",
            "graphql-response+json",
        ),
        (Wanted::Json, "application", "json"),
    ];
    if html {
        offers.push((Wanted::Html, "text", "html"));
    }
    let ranges: Vec<Range<'_>> = accept.split(',').filter_map(Range::parse).collect();
    if ranges.is_empty() {
        return Wanted::Json;
    }
    offers
        .into_iter()
        .filter_map(|(wanted, kind, subtype)| {
            // The most specific range that matches sets the quality.
            let range = ranges
                .iter()
                .filter(|range| range.matches(kind, subtype))
                .max_by_key(|range| range.specificity())?;
            let preference = match (wanted, range.specificity()) {
                // Named outright, the specification's own type comes first;
                // through a wildcard, the type every client reads.
                (Wanted::GraphqlResponse, 2) | (Wanted::Json, 0 | 1) => 2,
                (Wanted::Json, _) | (Wanted::GraphqlResponse, _) => 1,
                _ => 0,
            };
            (range.quality > 0).then_some((range.quality, range.specificity(), preference, wanted))
        })
        .max_by_key(|&(quality, specificity, preference, _)| (quality, specificity, preference))
        .map_or(Wanted::Nothing, |(_, _, _, wanted)| wanted)
}

/// One media range of an `Accept` header.
struct Range<'a> {
    kind: &'a str,
    subtype: &'a str,
    /// The quality, in thousandths.
    quality: u16,
}

impl<'a> Range<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.split(';');
        let (kind, subtype) = parts.next()?.trim().split_once('/')?;
        let mut quality = 1000;
        for parameter in parts {
            if let Some((name, value)) = parameter.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                quality = parse_quality(value.trim())?;
            }
        }
        Some(Self {
            kind: kind.trim(),
            subtype: subtype.trim(),
            quality,
        })
    }

    fn matches(&self, kind: &str, subtype: &str) -> bool {
        (self.kind == "*" || self.kind.eq_ignore_ascii_case(kind))
            && (self.subtype == "*" || self.subtype.eq_ignore_ascii_case(subtype))
    }

    /// 2 for `type/subtype`, 1 for `type/*`, 0 for `*/*`.
    fn specificity(&self) -> u8 {
        match (self.kind, self.subtype) {
            ("*", _) => 0,
            (_, "*") => 1,
            _ => 2,
        }
    }
}

/// A quality value (RFC 9110, section 12.4.2): 0 to 1, three decimals.
fn parse_quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(accept: Option<&str>, html: bool) -> Wanted {
        let header = accept.map(HeaderValue::from_str).and_then(Result::ok);
        negotiate(header.as_ref(), html)
    }

    #[test]
    fn json_unless_the_client_names_graphql_response() {
        assert_eq!(wanted(None, false), Wanted::Json);
        assert_eq!(wanted(Some("*/*"), false), Wanted::Json);
        assert_eq!(wanted(Some("application/*"), false), Wanted::Json);
        assert_eq!(wanted(Some("application/json"), false), Wanted::Json);
        assert_eq!(
            wanted(Some("application/graphql-response+json"), false),
            Wanted::GraphqlResponse
        );
        assert_eq!(
            wanted(
                Some("application/graphql-response+json, application/json;q=0.9"),
                false
            ),
            Wanted::GraphqlResponse
        );
        assert_eq!(
            wanted(
                Some("application/json, application/graphql-response+json"),
                false
            ),
            Wanted::GraphqlResponse
        );
        assert_eq!(
            wanted(
                Some("application/graphql-response+json;q=0.5, application/json"),
                false
            ),
            Wanted::Json
        );
        assert_eq!(
            wanted(Some("application/json, multipart/mixed"), false),
            Wanted::Json
        );
    }

    #[test]
    fn html_only_for_a_browser_on_get() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(wanted(Some(browser), true), Wanted::Html);
        assert_eq!(wanted(Some(browser), false), Wanted::Json);
        assert_eq!(wanted(Some("text/html"), true), Wanted::Html);
        assert_eq!(wanted(Some("*/*"), true), Wanted::Json);
        assert_eq!(wanted(Some("text/html"), false), Wanted::Nothing);
    }

    #[test]
    fn refusals_and_odd_headers() {
        assert_eq!(wanted(Some("application/xml"), false), Wanted::Nothing);
        assert_eq!(
            wanted(Some("application/json;q=0, */*;q=0"), false),
            Wanted::Nothing
        );
        // Unparseable ranges are ignored, and nothing left means the default.
        assert_eq!(wanted(Some("garbage"), false), Wanted::Json);
        assert_eq!(
            wanted(
                Some("application/json;q=2, application/graphql-response+json"),
                false
            ),
            Wanted::GraphqlResponse
        );
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("0.1234"), None);
    }
}
