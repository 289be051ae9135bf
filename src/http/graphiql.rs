//! GraphiQL, served by the service itself: the page and its assets are in
//! the binary (`assets/graphiql/`, pinned by `scripts/vendor-graphiql`),
//! so it works on a venue's poor network and behind a firewall, and no
//! request leaves the host.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The page, as `GET /graphql` answers a browser.
const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// The assets the page loads from `/graphiql/`: name, media type, bytes.
const ASSETS: [(&str, &str, &[u8]); 4] = [
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
];

/// Each asset's entity tag, from its content: a browser revalidates (the
/// names carry no version) and gets 304 while the binary is the same.
static TAGS: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(_, _, bytes)| super::entity_tag(bytes))
        .collect()
});

/// The GraphiQL page.
pub fn page() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::VARY, HeaderValue::from_static("Accept")),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /graphiql/{name}`: one of the page's assets, or 404.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let found = ASSETS
        .iter()
        .zip(TAGS.iter())
        .find(|((asset, _, _), _)| *asset == name);
    let Some(((_, media_type, bytes), tag)) = found else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let common = [
        (header::ETAG, tag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    if super::matches_tag(&headers, tag) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, HeaderValue::from_static(media_type))],
        *bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_no_other_host_and_loads_every_asset() {
        assert!(
            !PAGE.contains("http://") && !PAGE.contains("https://"),
            "{PAGE}"
        );
        for (name, _, bytes) in ASSETS {
            assert!(PAGE.contains(&format!("/graphiql/{name}")), "{name}");
            assert!(bytes.len() > 1_000, "{name}");
        }
        assert!(!PAGE.contains(".development."));
    }
}
