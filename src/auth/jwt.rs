//! JSON Web Tokens from an identity provider: HS256 with a shared secret or
//! RS256 with the provider's public key, a `role` claim, and `exp` checked.

use std::path::Path;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::{AuthError, Principal, Role};

#[derive(Debug, thiserror::Error)]
pub enum JwtKeyError {
    #[error("cannot read the key file")]
    Read(#[source] std::io::Error),
    #[error("the key file is empty")]
    Empty,
    #[error("the key file holds no RSA public key in PEM")]
    NotRsaPem(#[source] jsonwebtoken::errors::Error),
}

/// Checks tokens signed by one key.
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
}

#[derive(Deserialize)]
struct Claims {
    role: String,
    sub: Option<String>,
}

impl JwtVerifier {
    /// HS256, the secret being the file's content (a trailing newline is
    /// not part of it).
    pub fn hs256_from_file(path: &Path) -> Result<Self, JwtKeyError> {
        let secret = std::fs::read(path).map_err(JwtKeyError::Read)?;
        let secret = secret.trim_ascii_end();
        if secret.is_empty() {
            return Err(JwtKeyError::Empty);
        }
        Ok(Self::new(
            DecodingKey::from_secret(secret),
            Algorithm::HS256,
        ))
    }

    /// RS256, with the provider's public key in PEM.
    pub fn rs256_from_file(path: &Path) -> Result<Self, JwtKeyError> {
        let pem = std::fs::read(path).map_err(JwtKeyError::Read)?;
        let key = DecodingKey::from_rsa_pem(&pem).map_err(JwtKeyError::NotRsaPem)?;
        Ok(Self::new(key, Algorithm::RS256))
    }

    fn new(key: DecodingKey, algorithm: Algorithm) -> Self {
        // Only this algorithm, and `exp` required and checked.
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp"]);
        Self { key, validation }
    }

    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|_| AuthError::Invalid)?;
        let role = Role::parse(&data.claims.role).ok_or(AuthError::Invalid)?;
        Ok(Principal {
            name: data.claims.sub.unwrap_or_else(|| "jwt".into()),
            role,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    use super::*;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn signed(claims: serde_json::Value, algorithm: Algorithm, key: &EncodingKey) -> String {
        encode(&Header::new(algorithm), &claims, key).unwrap_or_default()
    }

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap_or_else(|err| panic!("{err}"));
        assert!(file.write_all(content).is_ok());
        file
    }

    #[test]
    fn hs256_tokens_carry_their_role_until_they_expire() {
        let secret = file(b"s3cret-shared-with-the-idp\n");
        let verifier = JwtVerifier::hs256_from_file(secret.path());
        let verifier = verifier.unwrap_or_else(|err| panic!("{err}"));
        let key = EncodingKey::from_secret(b"s3cret-shared-with-the-idp");
        let token = |claims| signed(claims, Algorithm::HS256, &key);

        let editor = token(json!({ "sub": "ada", "role": "editor", "exp": now() + 600 }));
        assert_eq!(
            verifier.verify(&editor),
            Ok(Principal {
                name: "ada".into(),
                role: Role::Editor
            })
        );
        let expired = token(json!({ "sub": "ada", "role": "editor", "exp": now() - 3_600 }));
        assert_eq!(verifier.verify(&expired), Err(AuthError::Invalid));
        let no_exp = token(json!({ "sub": "ada", "role": "editor" }));
        assert_eq!(verifier.verify(&no_exp), Err(AuthError::Invalid));
        let bad_role = token(json!({ "role": "admin", "exp": now() + 600 }));
        assert_eq!(verifier.verify(&bad_role), Err(AuthError::Invalid));
        let forged = signed(
            json!({ "role": "editor", "exp": now() + 600 }),
            Algorithm::HS256,
            &EncodingKey::from_secret(b"guess"),
        );
        assert_eq!(verifier.verify(&forged), Err(AuthError::Invalid));
        assert_eq!(verifier.verify("not.a.jwt"), Err(AuthError::Invalid));
    }

    #[test]
    fn rs256_tokens_are_checked_with_the_public_key() {
        let public = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/api/fixtures/jwt-rs256-public.pem"
        );
        let private = include_bytes!("../../tests/api/fixtures/jwt-rs256-private.pem");
        let verifier = JwtVerifier::rs256_from_file(Path::new(public));
        let verifier = verifier.unwrap_or_else(|err| panic!("{err}"));
        let key = EncodingKey::from_rsa_pem(private).unwrap_or_else(|err| panic!("{err}"));
        let viewer = signed(
            json!({ "role": "viewer", "exp": now() + 600 }),
            Algorithm::RS256,
            &key,
        );
        assert_eq!(verifier.verify(&viewer).map(|p| p.role), Ok(Role::Viewer));
        // A token signed with HS256 must not pass for RS256.
        let confused = signed(
            json!({ "role": "editor", "exp": now() + 600 }),
            Algorithm::HS256,
            &EncodingKey::from_secret(b"x"),
        );
        assert_eq!(verifier.verify(&confused), Err(AuthError::Invalid));
        assert!(JwtVerifier::rs256_from_file(file(b"not a key").path()).is_err());
        assert!(JwtVerifier::hs256_from_file(file(b"\n").path()).is_err());
    }
}
