//! FTP URLs (RFC 1738 §3.2): `ftp://user:pass@host:port/path`, and
//! `ftps://` for implicit FTPS (port 990).

use std::fmt;
use std::io;

use crate::net::tls::invalid_input;

/// The scheme of an FTP URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `ftp://`: clear text, or explicit FTPS (AUTH TLS) when the options
    /// ask for it. Default port 21.
    Ftp,
    /// `ftps://`: implicit FTPS, TLS from the first byte. Default port 990.
    Ftps,
}

/// A parsed FTP URL; user, password and path are percent-decoded.
///
/// ```
/// use ftp_std::{Scheme, Url};
/// let url = Url::parse("ftp://me:p%40ss@[::1]:2121/pub/a%20file.txt")?;
/// assert_eq!(url.scheme, Scheme::Ftp);
/// assert_eq!(url.host, "::1");
/// assert_eq!(url.port, 2121);
/// assert_eq!(url.user.as_deref(), Some("me"));
/// assert_eq!(url.password.as_deref(), Some("p@ss"));
/// assert_eq!(url.path, "pub/a file.txt");
/// # Ok::<(), ftp_std::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Url {
    /// `ftp` or `ftps`.
    pub scheme: Scheme,
    /// The host name or address (an IPv6 address without brackets).
    pub host: String,
    /// The port, or the scheme's default.
    pub port: u16,
    /// The user name, when the URL has one.
    pub user: Option<String>,
    /// The password, when the URL has one.
    pub password: Option<String>,
    /// The path after the host's `/`, relative to the login directory
    /// (RFC 1738); `%2F` at its start makes it absolute (`/etc`). Empty
    /// for the login directory itself.
    pub path: String,
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password stays out of logs.
        f.debug_struct("Url")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .field("path", &self.path)
            .finish()
    }
}

impl Url {
    /// Parses `ftp://[user[:password]@]host[:port][/path]` or the same with
    /// `ftps://`. A `;type=` suffix on the path is dropped. Control
    /// characters (CR, LF, NUL), once decoded, are refused: they would
    /// smuggle commands.
    pub fn parse(url: &str) -> Result<Url, crate::Error> {
        Self::parse_io(url).map_err(|e| crate::Error::Url(e.to_string()))
    }

    fn parse_io(url: &str) -> io::Result<Url> {
        let bad = |why: &str| invalid_input(why.to_string());
        let (scheme, rest) = match url.split_once("://") {
            Some((s, rest)) if s.eq_ignore_ascii_case("ftp") => (Scheme::Ftp, rest),
            Some((s, rest)) if s.eq_ignore_ascii_case("ftps") => (Scheme::Ftps, rest),
            Some((s, _)) => return Err(bad(&format!("unsupported scheme {s:?}"))),
            None => return Err(bad("it does not start with ftp:// or ftps://")),
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], &rest[i + 1..]),
            Some(_) => return Err(bad("queries and fragments have no meaning in FTP")),
            None => (rest, ""),
        };
        let Authority {
            user,
            password,
            host,
            port,
        } = parse_authority(authority)?;
        let port = port.unwrap_or(match scheme {
            Scheme::Ftp => 21,
            Scheme::Ftps => 990,
        });
        let path = match path.rfind(";type=") {
            Some(i) => &path[..i],
            None => path,
        };
        Ok(Url {
            scheme,
            host,
            port,
            user,
            password,
            path: decode(path)?,
        })
    }

    /// The user, password and account to log in with: the URL's; else the
    /// entry for the host in `~/.netrc` (or the file `$NETRC` names), as
    /// curl and lftp do; else anonymous. A URL user without a password
    /// takes the password of the matching netrc entry.
    pub fn credentials(&self) -> Result<(String, String, String), crate::Error> {
        if self.user.is_some() && self.password.is_some() {
            return Ok(self.credentials_with(None));
        }
        let netrc = crate::net::netrc::Netrc::load_default().map_err(crate::Error::Netrc)?;
        Ok(self.credentials_with(netrc.as_ref()))
    }

    /// [`Url::credentials`] with the netrc given (`None`: no netrc).
    pub fn credentials_with(&self, netrc: Option<&crate::Netrc>) -> (String, String, String) {
        if let (Some(user), Some(pass)) = (&self.user, &self.password) {
            return (user.clone(), pass.clone(), String::new());
        }
        let entry = netrc.and_then(|n| n.find(&self.host, self.user.as_deref()));
        match (entry, &self.user) {
            (Some(e), _) => (
                e.login.clone().unwrap_or_default(),
                e.password.clone().unwrap_or_default(),
                e.account.clone().unwrap_or_default(),
            ),
            (None, Some(user)) => (user.clone(), String::new(), String::new()),
            (None, None) => (String::new(), String::new(), String::new()),
        }
    }

    /// The directory part of the path and the file name (`("pub/dir",
    /// "file")`); the name is empty when the path ends with `/`.
    pub fn split_path(&self) -> (&str, &str) {
        match self.path.rsplit_once('/') {
            Some((dir, name)) => (dir, name),
            None => ("", &self.path),
        }
    }
}

/// The authority part of a URL (`user:password@host:port`), as FTP URLs
/// and proxy URLs share it.
pub(crate) struct Authority {
    /// The user, percent-decoded.
    pub(crate) user: Option<String>,
    /// The password, percent-decoded.
    pub(crate) password: Option<String>,
    /// The host (an IPv6 address without its brackets).
    pub(crate) host: String,
    /// The port, when given.
    pub(crate) port: Option<u16>,
}

/// Parses `user:password@host:port` (each part but the host optional):
/// credentials percent-decoded, an IPv6 host in brackets, a port from 1
/// to 65535.
pub(crate) fn parse_authority(authority: &str) -> io::Result<Authority> {
    let bad = |why: &str| invalid_input(why.to_string());
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((user, pass)) => (Some(decode(user)?), Some(decode(pass)?)),
            None => (Some(decode(u)?), None),
        },
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad(&format!("{host:?} is not an IPv6 address")));
        }
        match after {
            "" => (host, None),
            p => (
                host,
                Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ']'"))?),
            ),
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if host.contains(|c: char| c.is_whitespace() || c.is_control() || "@/\\%".contains(c)) {
        return Err(bad(&format!("{host:?} is not a host name")));
    }
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad(&format!("{p:?} is not a port")))?,
        ),
    };
    Ok(Authority {
        user,
        password,
        host: host.to_owned(),
        port,
    })
}

/// Percent-decodes `s`; the result must be UTF-8 without CR, LF or NUL.
fn decode(s: &str) -> io::Result<String> {
    let bad = invalid_input;
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad(format!("bad percent escape in {s:?}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    if out.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(bad(format!("{s:?} decodes to a control character")));
    }
    String::from_utf8(out).map_err(|_| bad(format!("{s:?} does not decode to UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_forms() {
        let u = Url::parse("ftp://example.com").unwrap();
        assert_eq!((u.scheme, u.port, u.path.as_str()), (Scheme::Ftp, 21, ""));
        assert_eq!(u.user, None);
        let u = Url::parse("FTPS://h/").unwrap();
        assert_eq!((u.scheme, u.port, u.path.as_str()), (Scheme::Ftps, 990, ""));
        let u = Url::parse("ftp://u@h:21/%2Fetc/passwd;type=i").unwrap();
        assert_eq!(u.user.as_deref(), Some("u"));
        assert_eq!(u.password, None);
        assert_eq!(u.path, "/etc/passwd");
        assert_eq!(u.split_path(), ("/etc", "passwd"));
        let u = Url::parse("ftp://a:b:c@h/").unwrap();
        assert_eq!(u.password.as_deref(), Some("b:c"));
        let u = Url::parse("ftp://a@b@h/").unwrap();
        assert_eq!((u.user.as_deref(), u.host.as_str()), (Some("a@b"), "h"));
        let u = Url::parse("ftp://[::1]/x/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 21));
        assert_eq!(u.split_path(), ("x", ""));
    }

    #[test]
    fn refuses_bad_urls() {
        for bad in [
            "http://h/",
            "h/path",
            "ftp://",
            "ftp://:21/",
            "ftp://h:0/",
            "ftp://h:99999/",
            "ftp://h:x/",
            "ftp://[::1/",
            "ftp://[nothost]/",
            "ftp://h/a%0d%0aDELE%20x",
            "ftp://h/a%00",
            "ftp://h/%zz",
            "ftp://h/%4",
            "ftp://h/%ff",
            "ftp://h?x",
            "ftp://u%0a@h/",
        ] {
            let err = Url::parse(bad).unwrap_err();
            assert!(matches!(err, crate::Error::Url(_)), "{bad}: {err:?}");
            assert!(err.to_string().starts_with("invalid FTP URL"), "{err}");
        }
    }

    #[test]
    fn credentials_from_url_then_netrc_then_anonymous() {
        let netrc = crate::Netrc::parse(
            "machine h login nu password np\nmachine h login other password op\n",
        )
        .unwrap();
        let creds = |url: &str| Url::parse(url).unwrap().credentials_with(Some(&netrc));
        let owned = |a: &str, b: &str| (a.to_string(), b.to_string(), String::new());
        assert_eq!(creds("ftp://u:p@h/"), owned("u", "p"));
        assert_eq!(creds("ftp://h/"), owned("nu", "np"));
        assert_eq!(creds("ftp://other@h/"), owned("other", "op"));
        assert_eq!(creds("ftp://nobody@h/"), owned("nobody", ""));
        assert_eq!(creds("ftp://elsewhere/"), owned("", ""));
    }

    #[test]
    fn password_not_in_debug() {
        let u = Url::parse("ftp://me:hunter2@h/").unwrap();
        assert!(!format!("{u:?}").contains("hunter2"));
    }
}
