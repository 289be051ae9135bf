//! Bearer tokens and roles. Static tokens are configured as SHA-256 hashes,
//! so no secret sits in the configuration; a presented token is hashed and
//! compared with every configured hash in constant time. JWTs from an
//! identity provider are the other kind of bearer token (see `jwt`).

mod jwt;

pub use jwt::{JwtKeyError, JwtVerifier};

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a caller may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Every query, `planning` included.
    Viewer,
    /// Also every mutation.
    Editor,
}

impl Role {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "viewer" => Some(Self::Viewer),
            "editor" => Some(Self::Editor),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
        })
    }
}

/// Who is calling, once authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum TokensFileError {
    #[error("cannot read the tokens file")]
    Read(#[source] std::io::Error),
    #[error("line {line}: {problem} (expected name:role:sha256hex, role viewer or editor)")]
    Line { line: usize, problem: &'static str },
}

/// Why a request is not authenticated; shown to the client as is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("this service needs a bearer token: send Authorization: Bearer <token>")]
    Missing,
    #[error("the Authorization header is not of the form `Bearer <token>`")]
    Malformed,
    #[error("the bearer token is not valid")]
    Invalid,
}

struct Entry {
    name: String,
    role: Role,
    hash: [u8; 32],
}

/// The configured tokens.
pub struct Tokens(Vec<Entry>);

impl Tokens {
    pub fn load(path: &Path) -> Result<Self, TokensFileError> {
        let text = std::fs::read_to_string(path).map_err(TokensFileError::Read)?;
        Self::parse(&text)
    }

    /// Lines `name:role:sha256hex`; `#` comments and blank lines allowed.
    pub fn parse(text: &str) -> Result<Self, TokensFileError> {
        let mut entries = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let bad = |problem| TokensFileError::Line {
                line: index + 1,
                problem,
            };
            let mut fields = line.split(':');
            let (Some(name), Some(role), Some(hash), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad("not three fields separated by ':'"));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(bad("empty name"));
            }
            let role = Role::parse(role.trim()).ok_or_else(|| bad("unknown role"))?;
            let mut digest = [0u8; 32];
            hex::decode_to_slice(hash.trim(), &mut digest)
                .map_err(|_| bad("the hash is not 64 hexadecimal digits"))?;
            entries.push(Entry {
                name: name.to_owned(),
                role,
                hash: digest,
            });
        }
        Ok(Self(entries))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Authenticates an `Authorization` header value.
    pub fn authenticate(&self, header: Option<&str>) -> Result<Principal, AuthError> {
        self.holder(bearer(header)?)
    }

    fn holder(&self, token: &str) -> Result<Principal, AuthError> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Every entry is compared, and in constant time, so that timing
        // tells nothing about which hash came close.
        let mut found: Option<&Entry> = None;
        for entry in &self.0 {
            if bool::from(entry.hash.ct_eq(&presented)) {
                found = Some(entry);
            }
        }
        found
            .map(|entry| Principal {
                name: entry.name.clone(),
                role: entry.role,
            })
            .ok_or(AuthError::Invalid)
    }
}

/// The token of an `Authorization: Bearer <token>` header. The scheme's
/// name is case-insensitive (RFC 9110, section 11.1).
fn bearer(header: Option<&str>) -> Result<&str, AuthError> {
    let (scheme, token) = header
        .ok_or(AuthError::Missing)?
        .split_once(' ')
        .ok_or(AuthError::Malformed)?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
        Ok(token)
    } else {
        Err(AuthError::Malformed)
    }
}

/// Every configured way to hold a bearer token.
pub struct Authenticator {
    pub tokens: Option<Tokens>,
    pub jwt: Option<JwtVerifier>,
}

impl Authenticator {
    pub fn authenticate(&self, header: Option<&str>) -> Result<Principal, AuthError> {
        let token = bearer(header)?;
        if let Some(tokens) = &self.tokens
            && let Ok(principal) = tokens.holder(token)
        {
            return Ok(principal);
        }
        match &self.jwt {
            Some(jwt) => jwt.verify(token),
            None => Err(AuthError::Invalid),
        }
    }
}

/// A fresh random token (256 bits) and its line for the tokens file.
pub fn new_token(name: &str, role: Role) -> Result<(String, String), getrandom::Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    let token = format!("cls_{}", URL_SAFE_NO_PAD.encode(secret));
    let line = format!(
        "{name}:{role}:{}",
        hex::encode(Sha256::digest(token.as_bytes()))
    );
    Ok((token, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_authenticates_with_its_line() {
        let (token, line) = new_token("stage-office", Role::Editor).unwrap_or_default();
        let (other, _) = new_token("x", Role::Viewer).unwrap_or_default();
        assert_ne!(token, other);
        let tokens = Tokens::parse(&format!("# office\n\n{line}  # added today\n"));
        let tokens = tokens.unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            tokens.authenticate(Some(&format!("Bearer {token}"))),
            Ok(Principal {
                name: "stage-office".into(),
                role: Role::Editor
            })
        );
        assert_eq!(
            tokens.authenticate(Some(&format!("Bearer {other}"))),
            Err(AuthError::Invalid)
        );
        assert_eq!(tokens.authenticate(None), Err(AuthError::Missing));
        assert_eq!(tokens.authenticate(Some(&token)), Err(AuthError::Malformed));
        assert_eq!(
            tokens.authenticate(Some("Bearer ")),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            tokens.authenticate(Some(&format!("Basic {token}"))),
            Err(AuthError::Malformed)
        );
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        let (token, line) = new_token("crew", Role::Viewer).unwrap_or_default();
        let tokens = Tokens::parse(&line).unwrap_or_else(|err| panic!("{err}"));
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            assert_eq!(
                tokens
                    .authenticate(Some(&format!("{scheme} {token}")))
                    .map(|holder| holder.name),
                Ok("crew".to_owned()),
                "{scheme}"
            );
        }
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let hash = "a".repeat(64);
        let line_of = |text: &str| match Tokens::parse(text) {
            Err(TokensFileError::Line { line, .. }) => line,
            _ => 0,
        };
        assert_eq!(line_of(&format!("ok:viewer:{hash}\nbad:admin:{hash}")), 2);
        assert_eq!(line_of("# c\nname:viewer:abc"), 2);
        assert_eq!(line_of(&format!(":viewer:{hash}")), 1);
        assert_eq!(line_of("just-a-name"), 1);
        assert!(Tokens::parse("# only comments\n\n").is_ok_and(|t| t.is_empty()));
    }
}
