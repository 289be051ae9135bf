//! The request body size limit, answered so that the client hears it.
//!
//! A server that answers 413 and closes while the client is still sending
//! makes the kernel reset the connection, which throws away the answer:
//! the client sees a dropped connection, not the error. So the rest of an
//! oversized body is read and discarded, up to `DRAIN_MAX_BYTES`, before
//! the 413 goes out (as web servers' "lingering close" does). Past that
//! the client is not worth the bandwidth, and its connection is closed.
//! The request timeout bounds the time a slow client can spend on this.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt as _;

/// Most bytes of an oversized body read only to be discarded.
const DRAIN_MAX_BYTES: u64 = 32 << 20;
/// Most bytes reserved up front for a body, whatever its announced length.
const PREALLOCATE_MAX_BYTES: u64 = 64 << 10;

/// Reads the body within `max_bytes` and hands it on; answers 413 over it.
pub async fn limit_body(State(max_bytes): State<usize>, request: Request, next: Next) -> Response {
    let (parts, mut body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    // A client that waits for `100 Continue` has sent nothing yet: tell it
    // now, before reading makes hyper invite the upload.
    let waits_to_send = parts
        .headers
        .get(header::EXPECT)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let over_by_far = declared.is_some_and(|length| length > limit.saturating_add(DRAIN_MAX_BYTES));
    if over_by_far || (waits_to_send && declared.is_some_and(|length| length > limit)) {
        return super::too_large();
    }
    let mut over = declared.is_some_and(|length| length > limit);
    // Room for what is announced, within reason: the announcement is the
    // client's word, and memory is reserved before a byte arrives.
    let expected = declared
        .filter(|_| !over)
        .unwrap_or(0)
        .min(PREALLOCATE_MAX_BYTES);
    let mut kept: Vec<u8> = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut discarded: u64 = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return super::request_error(
                axum::http::StatusCode::BAD_REQUEST,
                super::BAD_REQUEST,
                "the request body could not be read to its end",
            );
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        if !over && kept.len() + data.len() > max_bytes {
            over = true;
            discarded = kept.len() as u64;
            kept = Vec::new();
        }
        if over {
            discarded += data.len() as u64;
            if discarded > DRAIN_MAX_BYTES {
                break;
            }
        } else {
            kept.extend_from_slice(&data);
        }
    }
    if over {
        return super::too_large();
    }
    next.run(Request::from_parts(parts, Body::from(Bytes::from(kept))))
        .await
}
