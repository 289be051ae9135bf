//! `GET /calendar/<secret>.ics`: an artist's feed, in iCalendar (RFC
//! 5545), written by the `icalendar` crate (folding, escaping, CRLF). The
//! secret is the credential: no token is asked, and an unknown or revoked
//! secret is 404, saying nothing more. An unchanged feed is 304 to a
//! client that sends its ETag back.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use icalendar::{Calendar, Component, EventLike, EventStatus as IcalStatus};

use super::{AppState, entity_tag, matches_tag};
use crate::domain::calendars::{EventStatus, Feed};

/// Longest secret looked up: the service issues 43 characters.
const MOST_SECRET_CHARS: usize = 64;

pub(super) async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(secret) = file
        .strip_suffix(".ics")
        .filter(|secret| !secret.is_empty() && secret.len() <= MOST_SECRET_CHARS)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let feed = match state.api.reads().calendar_feed(secret).await {
        Ok(Some(feed)) => feed,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(err) => {
            // Logged with its cause, as the GraphQL layer logs its own.
            tracing::error!(cause = %crate::graphql::cause_chain(&err), "cannot read a calendar feed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let body = render(&feed);
    let tag = entity_tag(body.as_bytes());
    let mut response = if matches_tag(&headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            )],
            body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, tag);
    // A calendar polls: it keeps the feed, and asks again with its ETag.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// The feed as an iCalendar document: every time in UTC, each event under
/// its assignment's ID. DTSTAMP is the event's last change, so that the
/// same feed is the same text (and ETag) until something changes.
pub(crate) fn render(feed: &Feed) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Coulisses//Schedules//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"));
    calendar.name(&format!("{} (Coulisses)", feed.artist.name));
    for event in &feed.events {
        let mut ical = icalendar::Event::new();
        ical.uid(&event.uid.to_string())
            .timestamp(event.last_modified)
            .created(event.created_at)
            .last_modified(event.last_modified)
            .sequence(event.sequence)
            .summary(&event.summary)
            .starts(event.starts_at)
            .ends(event.ends_at)
            .status(match event.status {
                EventStatus::Tentative => IcalStatus::Tentative,
                EventStatus::Confirmed => IcalStatus::Confirmed,
                EventStatus::Cancelled => IcalStatus::Cancelled,
            });
        calendar.push(ical.done());
    }
    calendar.to_string()
}
