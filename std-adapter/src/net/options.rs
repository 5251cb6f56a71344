//! [`Options`] and [`Security`]: how a session connects, for the blocking
//! [`crate::Ftp`] and the tokio one alike.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::net::tls::Verify;

/// Whether and how TLS protects the session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Security {
    /// Clear text (ftplib's `FTP`). [`crate::Ftp::auth`] can still start TLS.
    #[default]
    None,
    /// Explicit FTPS (ftplib's `FTP_TLS`): [`crate::Ftp::login`] sends AUTH TLS
    /// first; [`crate::Ftp::prot_p`] protects the data connections.
    Explicit,
    /// Implicit FTPS: TLS from the first byte (port 990, `ftps://`).
    Implicit,
}

/// How a session connects. `Options::default()` has safe, finite
/// timeouts: a silent server ends in an error, never a hang.
///
/// ```
/// use std::time::Duration;
/// use ftp_std::{Options, Security, Verify};
/// let options = Options::default()
///     .security(Security::Explicit)
///     .verify(Verify::CaFile("ca.pem".into()))
///     .timeout(Duration::from_secs(10));
/// assert_eq!(options.reply_timeout, Some(Duration::from_secs(10)));
/// assert!(options.passive);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// Clear text, explicit or implicit FTPS.
    pub security: Security,
    /// How the server's certificate is checked (system roots by default).
    pub verify: Verify,
    /// A client certificate chain and its private key (PEM files), for
    /// servers that ask for one (ftplib's `certfile` and `keyfile`).
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Bounds each TCP connect (control and data) and the wait for an
    /// active-mode data connection. Default 30 s.
    pub connect_timeout: Option<Duration>,
    /// Bounds each whole reply on the control connection, however slowly
    /// the server trickles it, and the TLS handshake. Default 60 s.
    pub reply_timeout: Option<Duration>,
    /// Bounds each read or write of a data connection (a stalled transfer).
    /// Default 60 s.
    pub data_timeout: Option<Duration>,
    /// The local address to connect from (ftplib's `source_address`).
    pub source_address: Option<IpAddr>,
    /// Passive mode (EPSV, then PASV); `false` for active (EPRT/PORT).
    pub passive: bool,
    /// Connect to the host a PASV reply names instead of the control
    /// connection's peer. Off by default, as in ftplib and curl.
    pub trust_server_pasv_ipv4_address: bool,
    /// The size of each read and write of a transfer (ftplib's blocksize).
    /// Default 64 KiB.
    pub blocksize: usize,
    /// Refuse an active-mode data connection that does not come from the
    /// server's address (lftp's `ftp:verify-address`). On by default; off
    /// only for servers behind odd NAT.
    pub verify_data_peer: bool,
    /// TCP keepalive on the control and data connections: the first probe
    /// after this long without traffic (then every quarter of it), so NAT
    /// gateways keep a control connection that idles through a long
    /// transfer. Default 60 s; `None` turns it off. No NOOP is ever sent
    /// during a transfer (its order with the final reply is undefined).
    pub keepalive: Option<Duration>,
    /// A SOCKS5 or HTTP CONNECT proxy for the control connection and every
    /// data connection (active mode through SOCKS5's BIND; an HTTP proxy
    /// cannot take the server's connection). `None` by default;
    /// [`crate::Proxy::from_env`] reads the environment as curl does.
    pub proxy: Option<crate::Proxy>,
    /// The encoding of names on the wire (ftplib's `encoding`): UTF-8 by
    /// default. Every name and command is encoded with it, every listing,
    /// NLST name, MLSD entry and PWD path decoded; bytes it cannot decode
    /// are kept as escapes ([`crate::encoding`]), so a name from a listing
    /// passed back unchanged reaches the server as the same bytes.
    pub encoding: crate::Encoding,
    /// Sends the next transfer's EPSV (or PASV) as a download's data ends,
    /// before its final reply is read: a round trip less per file at real
    /// round-trip times. Replies stay in order, and a server that answers
    /// it before the final reply is recognised and asked no more (see
    /// `ftp_core::Ftp::request_early_passive`). On by default.
    pub pipeline: bool,
    /// A flag another thread (or a signal handler) raises to stop the
    /// transfer in progress: its next block ends it, the data connection
    /// is dropped and the final reply read, so the session stays usable;
    /// the transfer fails with [`crate::Error::Callback`] of kind
    /// `Interrupted` (a download keeps its `.part` for a resume). `None`
    /// by default.
    pub cancel: Option<Cancel>,
    /// The newest TLS version to use (curl's `--tls-max`): 1.3 by default.
    pub tls_max: crate::TlsMax,
    /// SHA-256 hashes of the server public keys accepted (curl's
    /// `--pinnedpubkey`, [`crate::parse_pinned_keys`]): the server's key
    /// must be one of them, on top of [`Options::verify`]'s check (with
    /// [`crate::Verify::Insecure`], instead of it). Empty by default.
    pub pinned_keys: Vec<[u8; 32]>,
    /// When HOST (RFC 7151, the virtual host a session is for) goes out
    /// before login: by default when FEAT, asked before login, lists it.
    pub host_command: HostCommand,
    /// The name HOST gives: the host connected to when `None` (an IPv6
    /// address in brackets). A name here reaches a virtual host of a
    /// server connected to by address.
    pub host_name: Option<String>,
    /// The most every transfer of the session moves a second, downloads
    /// and uploads ([`crate::RateLimit`], curl's `--limit-rate`); sessions
    /// made with clones of these options share it, so a mirror's
    /// connections stay within it together. None by default.
    pub rate_limit: Option<crate::RateLimit>,
}

/// When [`Options::host_command`] sends HOST.
///
/// ```
/// let o = ftp_std::Options::default().host_command(ftp_std::HostCommand::Always);
/// assert_eq!(o.host_command, ftp_std::HostCommand::Always);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostCommand {
    /// When the server lists HOST in FEAT (asked before login, one round
    /// trip more a session); a name the server does not know (504) leaves
    /// the session with its default host, as a client without HOST.
    #[default]
    Auto,
    /// Always, FEAT or not; a server that does not know the command (500,
    /// 502) gets the login as without it, one that refuses the name is an
    /// error (the files would be another host's).
    Always,
    /// Never.
    Never,
}

/// The flag of [`Options::cancel`]: clones share it.
///
/// ```
/// let cancel = ftp_std::Cancel::default();
/// let options = ftp_std::Options::default().cancel(cancel.clone());
/// cancel.cancel();
/// assert!(options.cancel.unwrap().is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Cancel(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    /// Stops the transfer in progress (and every one after, until
    /// [`Cancel::reset`]).
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Lets transfers run again.
    pub fn reset(&self) {
        self.0.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// True once [`Cancel::cancel`] was called (and not reset).
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The flag itself, for a signal handler (`signal_hook::flag`).
    pub fn flag(&self) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
        self.0.clone()
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            security: Security::None,
            verify: Verify::SystemRoots,
            client_cert: None,
            connect_timeout: Some(Duration::from_secs(30)),
            reply_timeout: Some(Duration::from_secs(60)),
            data_timeout: Some(Duration::from_secs(60)),
            source_address: None,
            passive: true,
            trust_server_pasv_ipv4_address: false,
            blocksize: 64 * 1024,
            verify_data_peer: true,
            keepalive: Some(Duration::from_secs(60)),
            proxy: None,
            encoding: crate::Encoding::UTF_8,
            pipeline: true,
            cancel: None,
            tls_max: crate::TlsMax::V1_3,
            pinned_keys: Vec::new(),
            host_command: HostCommand::Auto,
            host_name: None,
            rate_limit: None,
        }
    }
}

impl Options {
    setters! {
        connect_timeout: Option<Duration>,
        reply_timeout: Option<Duration>,
        data_timeout: Option<Duration>,
        blocksize: usize,
        encoding: crate::Encoding,
        pipeline: bool,
        host_command: HostCommand,
    }

    /// Sets [`Options::rate_limit`].
    pub fn rate_limit(mut self, limit: impl Into<Option<crate::RateLimit>>) -> Self {
        self.rate_limit = limit.into();
        self
    }

    /// Sets [`Options::host_name`] (and HOST is sent: [`HostCommand::Always`]).
    pub fn host_name(mut self, name: impl Into<String>) -> Self {
        self.host_name = Some(name.into());
        self.host_command = HostCommand::Always;
        self
    }

    /// Sets [`Options::client_cert`]: the certificate chain and the key,
    /// PEM files (the key may be in the certificate's file).
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_cert = Some((cert.into(), key.into()));
        self
    }

    /// Sets [`Options::security`].
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Sets [`Options::verify`].
    pub fn verify(mut self, verify: Verify) -> Self {
        self.verify = verify;
        self
    }

    /// Sets the connect, reply and data timeouts at once (ftplib's
    /// `timeout`); `None` waits forever.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        let t = timeout.into();
        self.connect_timeout = t;
        self.reply_timeout = t;
        self.data_timeout = t;
        self
    }

    /// Sets [`Options::passive`].
    pub fn passive(mut self, passive: bool) -> Self {
        self.passive = passive;
        self
    }

    /// Sets [`Options::source_address`].
    pub fn source_address(mut self, addr: IpAddr) -> Self {
        self.source_address = Some(addr);
        self
    }

    /// Sets [`Options::trust_server_pasv_ipv4_address`].
    pub fn trust_server_pasv_ipv4_address(mut self, trust: bool) -> Self {
        self.trust_server_pasv_ipv4_address = trust;
        self
    }

    /// Sets [`Options::verify_data_peer`].
    pub fn verify_data_peer(mut self, verify: bool) -> Self {
        self.verify_data_peer = verify;
        self
    }

    /// Sets [`Options::proxy`].
    pub fn proxy(mut self, proxy: impl Into<Option<crate::Proxy>>) -> Self {
        self.proxy = proxy.into();
        self
    }

    /// Sets [`Options::keepalive`].
    pub fn keepalive(mut self, idle: impl Into<Option<Duration>>) -> Self {
        self.keepalive = idle.into();
        self
    }

    /// Sets [`Options::tls_max`].
    pub fn tls_max(mut self, max: crate::TlsMax) -> Self {
        self.tls_max = max;
        self
    }

    /// Sets [`Options::pinned_keys`].
    pub fn pinned_keys(mut self, pins: Vec<[u8; 32]>) -> Self {
        self.pinned_keys = pins;
        self
    }

    /// Sets [`Options::cancel`].
    pub fn cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = Some(cancel);
        self
    }
}
