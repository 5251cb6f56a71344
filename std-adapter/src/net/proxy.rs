//! Proxies for the control and data connections: SOCKS5 (no
//! authentication, or a user name and password; the host name resolved
//! by the proxy, as curl's `socks5h://`, or here, `socks5://`) and HTTP
//! CONNECT (with basic authentication). What they are and how they are
//! chosen (a URL, `--proxy`, the environment curl reads); the handshakes
//! are in `handshake.rs`.

use std::io;
use std::net::SocketAddr;

use crate::Error;

/// What kind of proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// SOCKS5; `remote_dns`: the proxy resolves the server's name
    /// (`socks5h://`), else it is resolved here (`socks5://`).
    Socks5 {
        /// The proxy resolves host names.
        remote_dns: bool,
    },
    /// An HTTP proxy's CONNECT tunnel (`http://`).
    HttpConnect,
}

/// A proxy every connection of a session goes through.
///
/// ```
/// use ftp_std::{Proxy, ProxyKind};
/// let p = Proxy::parse("socks5h://user:secret@127.0.0.1:1080").unwrap();
/// assert_eq!(p.kind, ProxyKind::Socks5 { remote_dns: true });
/// assert_eq!((p.host.as_str(), p.port), ("127.0.0.1", 1080));
/// assert_eq!(p.credentials, Some(("user".into(), "secret".into())));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// SOCKS5 or HTTP CONNECT.
    pub kind: ProxyKind,
    /// The proxy's host.
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// A user name and password for it.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .finish()
    }
}

fn bad(url: &str, why: &str) -> Error {
    Error::Url(format!("proxy {url:?}: {why}"))
}

impl Proxy {
    /// A proxy URL in curl's spellings: `socks5h://` (the proxy resolves
    /// names), `socks5://` (resolved here), `http://` (a CONNECT tunnel);
    /// `user:password@` for credentials; the port 1080 when none is
    /// given. A URL without a scheme is taken as `http://`, as curl does.
    pub fn parse(url: &str) -> Result<Proxy, Error> {
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "socks5h" => ProxyKind::Socks5 { remote_dns: true },
            "socks5" => ProxyKind::Socks5 { remote_dns: false },
            "http" => ProxyKind::HttpConnect,
            other => {
                return Err(bad(
                    url,
                    &format!("the scheme {other:?} is none of socks5h, socks5, http"),
                ));
            }
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let a =
            crate::net::url::parse_authority(authority).map_err(|e| bad(url, &e.to_string()))?;
        Ok(Proxy {
            kind,
            host: a.host,
            port: a.port.unwrap_or(1080),
            credentials: a.user.map(|user| (user, a.password.unwrap_or_default())),
        })
    }

    /// The proxy the environment gives for an FTP connection to `host`,
    /// as curl reads it: `ftp_proxy` (or `FTP_PROXY`), else `ALL_PROXY`
    /// (or `all_proxy`); none when `NO_PROXY` (or `no_proxy`) names the
    /// host (a comma list of names, a name matching its subdomains too,
    /// or `*`).
    pub fn from_env(host: &str) -> Result<Option<Proxy>, Error> {
        Self::from_env_except(host, None)
    }

    /// [`Proxy::from_env`] with `no_proxy` (curl's `--noproxy`) in place of
    /// `NO_PROXY` when given.
    pub fn from_env_except(host: &str, no_proxy: Option<&str>) -> Result<Option<Proxy>, Error> {
        let var = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        };
        let list = match no_proxy {
            Some(list) => Some(list.to_string()),
            None => var(&["NO_PROXY", "no_proxy"]),
        };
        if list.is_some_and(|list| bypasses(&list, host)) {
            return Ok(None);
        }
        match var(&["ftp_proxy", "FTP_PROXY", "ALL_PROXY", "all_proxy"]) {
            Some(url) => Proxy::parse(url.trim()).map(Some),
            None => Ok(None),
        }
    }

    /// True when the proxy resolves the server's name.
    pub(crate) fn remote_dns(&self) -> bool {
        !matches!(self.kind, ProxyKind::Socks5 { remote_dns: false })
    }
}

/// True when `list` (curl's `--noproxy`: `*`, or names separated by
/// commas; `example.com` and `.example.com` also match its subdomains)
/// says `host` is reached without the proxy.
pub fn bypasses(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches('.').to_ascii_lowercase();
        entry == "*"
            || (!entry.is_empty()
                && (host == entry
                    || host
                        .strip_suffix(&entry)
                        .is_some_and(|head| head.ends_with('.'))))
    })
}

/// Where a connection through the proxy goes.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// A host name the proxy resolves.
    Name(String, u16),
    /// An address.
    Addr(SocketAddr),
}

impl Target {
    /// The same host at `port`.
    pub(crate) fn at_port(&self, port: u16) -> Target {
        match self {
            Target::Name(host, _) => Target::Name(host.clone(), port),
            Target::Addr(a) => Target::Addr(SocketAddr::new(a.ip(), port)),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Name(h, p) if h.contains(':') => write!(f, "[{h}]:{p}"),
            Target::Name(h, p) => write!(f, "{h}:{p}"),
            Target::Addr(a) => write!(f, "{a}"),
        }
    }
}

/// SOCKS5 reply codes (RFC 1928) in words.
pub(crate) fn socks_reply(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by the proxy's rules",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "an unknown SOCKS5 reply",
    }
}

/// Base64 (RFC 4648) for HTTP basic authentication.
pub(crate) fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A proxy's failure to connect to `target`, naming both.
pub(crate) fn failed(proxy: &Proxy, target: &Target, kind: io::ErrorKind, why: &str) -> io::Error {
    io::Error::new(
        kind,
        format!(
            "the proxy {}:{} did not connect to {target}: {why}",
            proxy.host, proxy.port
        ),
    )
}

/// What a proxy was doing when its connection failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Its handshake (SOCKS5 or HTTP CONNECT, BIND's first reply).
    Handshake,
    /// BIND's second reply: the server's data connection through it.
    Bind,
}

/// A proxy that closes the connection in the middle of a step, or does
/// not answer in time (a socket's own timeout on the blocking side, the
/// step's on tokio's): said so, naming it and the target (the bare errors
/// are "failed to fill whole buffer" and "Resource temporarily
/// unavailable"); other errors as they are.
pub(crate) fn cut_short(e: io::Error, proxy: &Proxy, target: &Target, step: Step) -> io::Error {
    let late = match step {
        Step::Handshake => "it did not answer in time",
        Step::Bind => "no data connection from the server came through its BIND in time",
    };
    match e.kind() {
        io::ErrorKind::UnexpectedEof => failed(
            proxy,
            target,
            io::ErrorKind::UnexpectedEof,
            "it closed the connection in the middle of its handshake",
        ),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => failed(
            proxy,
            target,
            io::ErrorKind::TimedOut,
            &format!("{late} ({e})"),
        ),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let p = Proxy::parse("http://127.0.0.1:3128").unwrap();
        assert_eq!(p.kind, ProxyKind::HttpConnect);
        assert_eq!(p.port, 3128);
        let p = Proxy::parse("socks5://[::1]").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 1080));
        assert_eq!(p.kind, ProxyKind::Socks5 { remote_dns: false });
        let p = Proxy::parse("proxy.example:8080").unwrap();
        assert_eq!(p.kind, ProxyKind::HttpConnect);
        let p = Proxy::parse("socks5h://us%40er:p%3Ass@h:1").unwrap();
        assert_eq!(p.credentials, Some(("us@er".into(), "p:ss".into())));
        for bad in [
            "ftp://h:1",
            "socks5h://",
            "http://h:0",
            "http://h:x",
            "http://u:%zz@h",
        ] {
            assert!(Proxy::parse(bad).is_err(), "{bad}");
        }
        // The password never shows.
        assert!(!format!("{:?}", Proxy::parse("http://u:secret@h").unwrap()).contains("secret"));
    }

    #[test]
    fn noproxy_lists() {
        assert!(bypasses("*", "anything"));
        assert!(bypasses("example.com", "ftp.example.com"));
        assert!(bypasses("localhost, .example.com", "EXAMPLE.com"));
        assert!(!bypasses("example.com", "badexample.com"));
        assert!(bypasses("127.0.0.1", "127.0.0.1"));
        assert!(!bypasses("", "host"));
    }

    #[test]
    fn base64_of_credentials() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn a_proxy_cut_short_or_late_is_named() {
        let proxy = Proxy::parse("socks5h://proxy.test:1080").unwrap();
        let target = Target::Name("ftp.test".into(), 2121);
        let eof = cut_short(
            io::Error::from(io::ErrorKind::UnexpectedEof),
            &proxy,
            &target,
            Step::Handshake,
        );
        assert_eq!(eof.kind(), io::ErrorKind::UnexpectedEof);
        let text = eof.to_string();
        assert!(
            text.contains("proxy.test:1080") && text.contains("ftp.test"),
            "{text}"
        );
        assert!(text.contains("middle of its handshake"), "{text}");
        // The blocking socket's timeout shows as WouldBlock: a timeout.
        for kind in [io::ErrorKind::WouldBlock, io::ErrorKind::TimedOut] {
            let late = cut_short(io::Error::from(kind), &proxy, &target, Step::Handshake);
            assert_eq!(late.kind(), io::ErrorKind::TimedOut);
            assert!(
                late.to_string().contains("did not answer in time"),
                "{late}"
            );
            let bind = cut_short(io::Error::from(kind), &proxy, &target, Step::Bind);
            assert_eq!(bind.kind(), io::ErrorKind::TimedOut);
            assert!(bind.to_string().contains("through its BIND"), "{bind}");
            assert!(bind.to_string().contains("proxy.test:1080"), "{bind}");
        }
        let refused = cut_short(
            io::Error::from(io::ErrorKind::ConnectionRefused),
            &proxy,
            &target,
            Step::Bind,
        );
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
    }
}
