//! FTPS for ftp-core's firmware path: TLS on the control connection and
//! on every data connection of a microcontroller client, each data
//! connection resuming the control connection's session (what vsftpd's
//! `require_ssl_reuse` and ProFTPD demand). rustls in `no_std` with
//! `alloc` (its unbuffered API) and a pure-Rust crypto provider; the FTP
//! code itself stays without a heap, this crate needs one.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod error;
mod store;

pub use error::TlsError;
pub use store::SessionStore;

mod blocking;

pub use blocking::{MaybeTls, TlsData, TlsStream};

#[cfg(feature = "async")]
pub mod asynch;

use alloc::sync::Arc;

use rustls::client::Resumption;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::time_provider::TimeProvider;
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};

/// Why a client configuration could not be made.
#[derive(Debug)]
pub enum ConfigError {
    /// The CA file holds no certificate, or one that does not parse.
    Ca(&'static str),
    /// rustls refused the configuration.
    Tls(rustls::Error),
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::Ca(why) => write!(f, "CA certificates: {why}"),
            ConfigError::Tls(e) => write!(f, "TLS configuration: {e}"),
        }
    }
}

/// A client configuration for one device: the server's certificate must
/// chain to one of the CA certificates in `ca_pem` (PEM; a self-signed
/// server certificate is its own CA) and name the server (its DNS name,
/// or its IP address in subjectAltName when the device connects by
/// address); `versions` the TLS versions offered (`rustls::ALL_VERSIONS`:
/// 1.3 and 1.2); sessions are kept in `store`, so that every data
/// connection resumes the control connection's session; `clock` gives
/// the time certificates are checked at.
pub fn client_config(
    ca_pem: &[u8],
    versions: &[&'static SupportedProtocolVersion],
    store: Arc<SessionStore>,
    clock: Arc<dyn TimeProvider>,
) -> Result<Arc<ClientConfig>, ConfigError> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        let cert = cert.map_err(|_| ConfigError::Ca("a certificate that is not valid PEM"))?;
        roots
            .add(cert)
            .map_err(|_| ConfigError::Ca("a certificate that does not parse"))?;
    }
    if roots.is_empty() {
        return Err(ConfigError::Ca("no certificate"));
    }
    let provider = Arc::new(rustls_rustcrypto::provider());
    let mut config = ClientConfig::builder_with_details(provider, clock)
        .with_protocol_versions(versions)
        .map_err(ConfigError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.resumption = Resumption::store(store);
    Ok(Arc::new(config))
}

/// The name a server reached by its address is checked against: the
/// address in the certificate's subjectAltName (rustls's own conversion
/// from `core::net` needs `std`).
pub fn server_name(addr: core::net::IpAddr) -> rustls::pki_types::ServerName<'static> {
    use rustls::pki_types::{IpAddr, Ipv4Addr, Ipv6Addr};
    rustls::pki_types::ServerName::IpAddress(match addr {
        core::net::IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(v4.octets())),
        core::net::IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.segments())),
    })
}
