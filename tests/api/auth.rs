//! Access control over HTTP: bearer tokens, roles, and secure defaults.

use std::process::Command;

use crate::common::{TestServer, sqlite_memory};
use coulisses::auth::{Role, Tokens, new_token};
use coulisses::config::ServeConfig;
use coulisses::{App, StartupError};
use serde_json::{Value, json};

const CREATE: &str = "mutation { createArtist(input: { name: \"Ada\" }) { __typename } }";
const COUNT: &str = "{ artists { totalCount } }";

fn token(name: &str, role: Role) -> (String, String) {
    new_token(name, role).unwrap_or_else(|err| panic!("no randomness: {err}"))
}

async fn call(
    server: &TestServer,
    authorization: Option<&str>,
    query: &str,
) -> (u16, Option<String>, Value) {
    let mut request = server
        .client
        .post(format!("{}/graphql", server.base))
        .json(&json!({ "query": query }));
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|err| panic!("request: {err}"));
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, challenge, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn tokens_authenticate_and_roles_authorize() {
    let (viewer, viewer_line) = token("box-office", Role::Viewer);
    let (editor, editor_line) = token("stage-manager", Role::Editor);
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let file = dir.path().join("tokens");
    let written = std::fs::write(
        &file,
        format!("# who may call\n{viewer_line}\n\n{editor_line}\n"),
    );
    assert!(written.is_ok());
    let db = sqlite_memory().await;
    let server =
        TestServer::start_with(&db, |config| config.tokens_file = Some(file.clone())).await;

    for authorization in [None, Some("Bearer nope".to_owned()), Some(viewer.clone())] {
        let (status, challenge, body) = call(&server, authorization.as_deref(), COUNT).await;
        assert_eq!(status, 401, "{authorization:?}");
        assert_eq!(challenge.as_deref(), Some("Bearer"));
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );
    }

    let as_viewer = format!("Bearer {viewer}");
    let (status, _, body) = call(&server, Some(&as_viewer), COUNT).await;
    assert_eq!(
        (status, &body["data"]["artists"]["totalCount"]),
        (200, &json!(0))
    );
    let (_, _, body) = call(&server, Some(&as_viewer), CREATE).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    assert_eq!(body["data"], Value::Null);

    // RFC 9110: the scheme's name is case-insensitive.
    let (status, _, body) = call(&server, Some(&format!("bearer {viewer}")), COUNT).await;
    assert_eq!(
        (status, &body["data"]["artists"]["totalCount"]),
        (200, &json!(0))
    );

    // A query sent by GET is authenticated like one sent by POST.
    let by_get = |authorization: Option<String>| {
        let mut request = server
            .client
            .get(format!("{}/graphql", server.base))
            .query(&[("query", COUNT)]);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        request.send()
    };
    let stranger = by_get(None).await.map(|r| r.status().as_u16());
    assert_eq!(stranger.ok(), Some(401));
    let holder = by_get(Some(format!("BEARER {viewer}")))
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(holder.ok(), Some(200));

    let as_editor = format!("Bearer {editor}");
    let (_, _, body) = call(&server, Some(&as_editor), COUNT).await;
    assert_eq!(
        body["data"]["artists"]["totalCount"], 0,
        "the viewer wrote nothing"
    );
    let (_, _, body) = call(&server, Some(&as_editor), CREATE).await;
    assert_eq!(
        body["data"]["createArtist"]["__typename"], "Artist",
        "{body}"
    );

    let health = server
        .client
        .get(format!("{}/health", server.base))
        .send()
        .await;
    assert_eq!(
        health.map(|r| r.status().as_u16()).ok(),
        Some(200),
        "probes stay open"
    );

    // A stranger's body is never read: an oversized one gets the 401, not
    // the 413 that reading it would come to.
    let oversized = server
        .client
        .post(format!("{}/graphql", server.base))
        .header("content-type", "application/json")
        .body(format!(r#"{{"query":"{}"}}"#, " ".repeat(2 << 20)))
        .send()
        .await
        .map(|response| response.status().as_u16());
    assert_eq!(oversized.ok(), Some(401));
}

#[tokio::test]
async fn without_tokens_the_service_stays_on_loopback() {
    let db = sqlite_memory().await;
    let mut exposed = ServeConfig::with_database_url(db.url.clone());
    exposed.bind = ([0, 0, 0, 0], 0).into();
    assert!(matches!(
        App::with_database(exposed.clone(), db.db.clone()).await,
        Err(StartupError::Unprotected { .. })
    ));
    exposed.allow_unauthenticated = true;
    assert!(App::with_database(exposed, db.db.clone()).await.is_ok());

    let mut broken = ServeConfig::with_database_url(db.url.clone());
    broken.bind = ([127, 0, 0, 1], 0).into();
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let file = dir.path().join("tokens");
    assert!(std::fs::write(&file, "ops:admin:abc\n").is_ok());
    broken.tokens_file = Some(file);
    assert!(matches!(
        App::with_database(broken, db.db.clone()).await,
        Err(StartupError::Tokens { .. })
    ));
}

#[test]
fn token_new_prints_a_token_and_the_line_that_grants_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_coulisses"))
        .args(["token", "new", "--name", "foh", "--role", "viewer"])
        .output()
        .unwrap_or_else(|err| panic!("cannot run: {err}"));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    let (token, line) = (lines[1], lines[3]);
    assert!(line.starts_with("foh:viewer:"), "{line}");
    assert!(
        !line.contains(token),
        "the file holds the hash, not the token"
    );
    let tokens = Tokens::parse(line).unwrap_or_else(|err| panic!("{err}"));
    let principal = tokens.authenticate(Some(&format!("Bearer {token}")));
    assert_eq!(
        principal.map(|p| (p.name, p.role)),
        Ok(("foh".to_owned(), Role::Viewer))
    );
}

#[tokio::test]
async fn jwts_from_an_identity_provider_are_accepted_beside_static_tokens() {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let secret_file = dir.path().join("jwt-secret");
    assert!(std::fs::write(&secret_file, "idp-shared-secret\n").is_ok());
    let (viewer, viewer_line) = token("kiosk", Role::Viewer);
    let tokens_file = dir.path().join("tokens");
    assert!(std::fs::write(&tokens_file, viewer_line).is_ok());
    let db = sqlite_memory().await;
    let server = TestServer::start_with(&db, |config| {
        config.jwt_secret_file = Some(secret_file.clone());
        config.tokens_file = Some(tokens_file.clone());
    })
    .await;

    let now = chrono::Utc::now().timestamp();
    let jwt = |role: &str, exp: i64| {
        let claims = json!({ "sub": "sso-user", "role": role, "exp": exp });
        let key = EncodingKey::from_secret(b"idp-shared-secret");
        format!(
            "Bearer {}",
            encode(&Header::default(), &claims, &key).unwrap_or_default()
        )
    };

    let (_, _, body) = call(&server, Some(&jwt("editor", now + 600)), CREATE).await;
    assert_eq!(
        body["data"]["createArtist"]["__typename"], "Artist",
        "{body}"
    );
    let (_, _, body) = call(&server, Some(&jwt("viewer", now + 600)), CREATE).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    let (status, _, body) = call(&server, Some(&jwt("editor", now - 3_600)), COUNT).await;
    assert_eq!(status, 401, "an expired token: {body}");
    let (_, _, body) = call(&server, Some(&format!("Bearer {viewer}")), COUNT).await;
    assert_eq!(
        body["data"]["artists"]["totalCount"], 1,
        "static tokens still work"
    );
}
