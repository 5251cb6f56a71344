//! The bulk layer: work over many files or many connections (mirrors
//! both ways, segmented downloads), on top of sessions and file helpers.

pub(crate) mod crew;
pub(crate) mod mirror;

use std::time::Duration;

/// What [`crate::probe`] found out about a server, by asking and trying.
/// `None` is a finding that could not be tried (no file to ask MDTM of,
/// no TLS to try versions with).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Probe {
    /// FEAT's lines, after login.
    pub features: Vec<String>,
    /// EPSV answered 229.
    pub epsv: Option<bool>,
    /// PASV answered 227.
    pub pasv: Option<bool>,
    /// The address in PASV's 227 took a connection (a server behind NAT
    /// may give a private one; ftp-std connects to the control address
    /// anyway).
    pub pasv_address_usable: Option<bool>,
    /// A listing in active mode (PORT or EPRT) worked.
    pub active: Option<bool>,
    /// MLSD listed (FEAT's MLST, then a listing).
    pub mlsd: Option<bool>,
    /// FEAT lists UTF8.
    pub utf8: Option<bool>,
    /// FEAT lists SIZE.
    pub size: Option<bool>,
    /// FEAT lists MDTM.
    pub mdtm: Option<bool>,
    /// FEAT lists MFMT.
    pub mfmt: Option<bool>,
    /// FEAT lists REST STREAM.
    pub rest_stream: Option<bool>,
    /// The checksum algorithms the server computes (HASH's list and the
    /// X commands): `SHA-256`, `SHA-1`, `MD5`, `CRC32`, `SHA-512`.
    pub checksums: Vec<String>,
    /// `STAT path` lists a directory over the control connection.
    pub stat_list: Option<bool>,
    /// What FTPS the server does.
    pub tls: TlsProbe,
    /// The most sessions it took at once (up to the most tried).
    pub max_connections: Option<usize>,
    /// Whether [`Probe::max_connections`] is the most that was tried.
    pub max_connections_tried: usize,
    /// The time zone of its LIST times, minutes east of UTC (a file's
    /// LIST time against its MDTM).
    pub zone_offset_minutes: Option<i64>,
}

/// The FTPS findings of a [`Probe`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsProbe {
    /// AUTH TLS on this port.
    pub explicit: Option<bool>,
    /// TLS from the first byte on this port (`ftps://`).
    pub implicit: Option<bool>,
    /// The TLS versions a session worked with (`"1.2"`, `"1.3"`).
    pub versions: Option<Vec<String>>,
    /// A data connection that does not resume the control connection's
    /// TLS session is refused (vsftpd's `require_ssl_reuse`).
    pub reuse_required: Option<bool>,
}

/// How single transfers are tried again ([`crate::fetch_retrying`],
/// [`crate::put_retrying`], curl's `--retry`): up to `attempts` times
/// after the first, for failures that may pass (a lost connection, a 421,
/// a 426, a timeout, another 4xx), never for a refusal (550, 530).
///
/// ```
/// use std::time::Duration;
/// let r = ftp_std::Retries::new(5);
/// // 1 s, 2 s, 4 s, ... at most 30 s, each plus up to half of it.
/// assert_eq!(r.pause(1, 0.0), Duration::from_secs(1));
/// assert_eq!(r.pause(3, 0.0), Duration::from_secs(4));
/// assert_eq!(r.pause(3, 1.0), Duration::from_secs(6));
/// assert_eq!(r.pause(9, 0.0), Duration::from_secs(30));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retries {
    /// Attempts after the first.
    pub attempts: u32,
    /// The pause before the first retry; it doubles before each next.
    pub first_pause: Duration,
    /// The longest pause.
    pub max_pause: Duration,
}

impl Retries {
    /// `attempts` retries, pauses of 1 s doubling up to 30 s.
    pub fn new(attempts: u32) -> Retries {
        Retries {
            attempts,
            first_pause: Duration::from_secs(1),
            max_pause: Duration::from_secs(30),
        }
    }

    /// Sets [`Retries::first_pause`] and [`Retries::max_pause`].
    pub fn pauses(mut self, first: Duration, max: Duration) -> Retries {
        self.first_pause = first;
        self.max_pause = max.max(first);
        self
    }

    /// The pause before retry number `attempt` (from 1): the first pause
    /// doubled `attempt - 1` times, at most the longest, plus `jitter`
    /// (0 to 1) times half of it.
    pub fn pause(&self, attempt: u32, jitter: f64) -> Duration {
        let doubled = self
            .first_pause
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let base = doubled.min(self.max_pause);
        base + base.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
    }
}

/// A pool's connect function from a URL and [`crate::Options`]: each
/// session connects and logs in as `Ftp::open` does (the URL's
/// credentials, else `~/.netrc`, else anonymous), on either runtime.
#[derive(Clone, Debug)]
pub struct UrlConnect {
    url: crate::Url,
    options: crate::Options,
}

impl UrlConnect {
    /// Sessions to `url` with `options`.
    pub fn new(url: &crate::Url, options: &crate::Options) -> Self {
        UrlConnect {
            url: url.clone(),
            options: options.clone(),
        }
    }

    /// Where the sessions go.
    pub fn url(&self) -> &crate::Url {
        &self.url
    }

    /// With what options.
    pub fn options(&self) -> &crate::Options {
        &self.options
    }
}
