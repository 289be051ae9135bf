//! TLS for the sessions the service opens with tokio-postgres, set as the
//! pool's are (sqlx with rustls): the same `sslmode`, root certificates
//! and client certificate, so that both reach the server the same way.
//!
//! `sslmode` as libpq and sqlx read it: `disable` sends in clear;
//! `allow`, `prefer` and `require` encrypt without checking the server's
//! certificate (`allow` and `prefer` fall back to clear text when the
//! server offers no TLS); `verify-ca` checks the certificate against the
//! root certificates; `verify-full` checks its host name too.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use sea_orm::sqlx::postgres::PgSslMode;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How a session reaches the server: its `SslMode`, and the connector for
/// when it encrypts.
pub struct Tls {
    pub mode: SslMode,
    pub connector: MakeRustlsConnect,
}

/// Why TLS could not be set up as the URL asks.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate file {path}")]
    Certificate {
        path: PathBuf,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error("sslcert and sslkey must be given together")]
    HalfClientIdentity,
    #[error(transparent)]
    Rustls(#[from] rustls::Error),
    #[error("cannot verify server certificates")]
    Verifier(#[from] rustls::client::VerifierBuilderError),
}

/// Where the certificates come from: the URL's parameters, else libpq's
/// environment variables, as sqlx reads them.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct CertificateFiles {
    pub root: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

impl CertificateFiles {
    pub fn of(url: &url::Url) -> Self {
        let given = |names: &[&str], variable: &str| {
            url.query_pairs()
                .filter(|(key, _)| names.contains(&key.as_ref()))
                .map(|(_, value)| PathBuf::from(value.as_ref()))
                .last()
                .or_else(|| std::env::var_os(variable).map(PathBuf::from))
        };
        Self {
            root: given(&["sslrootcert", "ssl-root-cert", "ssl-ca"], "PGSSLROOTCERT"),
            client_cert: given(&["sslcert", "ssl-cert"], "PGSSLCERT"),
            client_key: given(&["sslkey", "ssl-key"], "PGSSLKEY"),
        }
    }
}

/// The TLS settings for `mode` and `files`.
pub fn settings(mode: PgSslMode, files: &CertificateFiles) -> Result<Tls, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        PgSslMode::Disable | PgSslMode::Allow | PgSslMode::Prefer | PgSslMode::Require => {
            Arc::new(EncryptOnly { provider })
        }
        PgSslMode::VerifyCa | PgSslMode::VerifyFull => {
            let mut roots =
                RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            if let Some(path) = &files.root {
                for certificate in
                    CertificateDer::pem_file_iter(path).map_err(|source| TlsError::Certificate {
                        path: path.clone(),
                        source,
                    })?
                {
                    let certificate = certificate.map_err(|source| TlsError::Certificate {
                        path: path.clone(),
                        source,
                    })?;
                    roots.add(certificate)?;
                }
            }
            let full =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider).build()?;
            if matches!(mode, PgSslMode::VerifyFull) {
                full
            } else {
                Arc::new(AnyHostName { full })
            }
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match (&files.client_cert, &files.client_key) {
        (Some(cert), Some(key)) => {
            let read_error = |path: &PathBuf| {
                let path = path.clone();
                move |source| TlsError::Certificate { path, source }
            };
            let chain = CertificateDer::pem_file_iter(cert)
                .map_err(read_error(cert))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(read_error(cert))?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(read_error(key))?;
            builder.with_client_auth_cert(chain, key)?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err(TlsError::HalfClientIdentity),
    };
    let mode = match mode {
        PgSslMode::Disable => SslMode::Disable,
        PgSslMode::Allow | PgSslMode::Prefer => SslMode::Prefer,
        PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull => SslMode::Require,
    };
    Ok(Tls {
        mode,
        connector: MakeRustlsConnect::new(config),
    })
}

/// `require` and below: the link is encrypted, the server unchecked (a
/// certificate is still needed to sign the handshake, and is checked for
/// that).
#[derive(Debug)]
struct EncryptOnly {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `verify-ca`: the chain is checked, the name the certificate is for is
/// not.
#[derive(Debug)]
struct AnyHostName {
    full: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.full.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            verified => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.full.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.full.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.full.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    #[test]
    fn each_sslmode_encrypts_as_libpq_does() {
        let none = CertificateFiles::default();
        for (mode, expected) in [
            (PgSslMode::Disable, SslMode::Disable),
            (PgSslMode::Allow, SslMode::Prefer),
            (PgSslMode::Prefer, SslMode::Prefer),
            (PgSslMode::Require, SslMode::Require),
            (PgSslMode::VerifyCa, SslMode::Require),
            (PgSslMode::VerifyFull, SslMode::Require),
        ] {
            let tls = settings(mode, &none).unwrap_or_else(|err| panic!("{mode:?}: {err}"));
            assert_eq!(tls.mode, expected, "{mode:?}");
        }
    }

    #[test]
    fn certificate_files_come_from_the_url() {
        let files = CertificateFiles::of(&url(
            "postgres://db/x?sslmode=verify-ca&sslrootcert=/etc/ca.pem&sslcert=/c.pem&sslkey=/k.pem",
        ));
        assert_eq!(files.root, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(files.client_cert, Some(PathBuf::from("/c.pem")));
        assert_eq!(files.client_key, Some(PathBuf::from("/k.pem")));
    }

    #[test]
    fn a_missing_root_certificate_file_is_named() {
        let files = CertificateFiles {
            root: Some(PathBuf::from("/nowhere/ca.pem")),
            ..CertificateFiles::default()
        };
        match settings(PgSslMode::VerifyFull, &files) {
            Err(TlsError::Certificate { path, .. }) => {
                assert_eq!(path, PathBuf::from("/nowhere/ca.pem"));
            }
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("a missing root certificate was accepted"),
        }
    }

    #[test]
    fn a_client_certificate_without_its_key_is_refused() {
        let files = CertificateFiles {
            client_cert: Some(PathBuf::from("/c.pem")),
            ..CertificateFiles::default()
        };
        assert!(matches!(
            settings(PgSslMode::Require, &files),
            Err(TlsError::HalfClientIdentity)
        ));
    }
}
