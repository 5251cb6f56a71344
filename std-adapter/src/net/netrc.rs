//! `~/.netrc`: login names and passwords per host, as ftp(1), curl and lftp
//! read them.

use std::io;
use std::path::{Path, PathBuf};

/// One `machine` (or `default`) entry of a netrc file.
#[derive(Clone, PartialEq, Eq)]
pub struct NetrcEntry {
    /// The host name; `None` for the `default` entry.
    pub machine: Option<String>,
    /// `login`.
    pub login: Option<String>,
    /// `password`.
    pub password: Option<String>,
    /// `account`.
    pub account: Option<String>,
}

impl std::fmt::Debug for NetrcEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetrcEntry")
            .field("machine", &self.machine)
            .field("login", &self.login)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .field("account", &self.account.as_ref().map(|_| "****"))
            .finish()
    }
}

/// A parsed netrc file.
///
/// ```
/// let netrc = ftp_std::Netrc::parse(
///     "machine ftp.example.com login me password \"two words\"\n\
///      default login anonymous password guest\n",
/// )?;
/// let e = netrc.find("FTP.example.com", None).unwrap();
/// assert_eq!(e.password.as_deref(), Some("two words"));
/// assert_eq!(netrc.find("other", None).unwrap().login.as_deref(), Some("anonymous"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Netrc {
    /// The entries in file order.
    pub entries: Vec<NetrcEntry>,
}

impl Netrc {
    /// The file curl reads: `$NETRC`, else `$HOME/.netrc`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("NETRC") {
            return Some(PathBuf::from(p));
        }
        std::env::var_os("HOME").map(|h| Path::new(&h).join(".netrc"))
    }

    /// Reads [`Netrc::default_path`]; `None` when there is no such file.
    pub fn load_default() -> io::Result<Option<Netrc>> {
        let Some(path) = Self::default_path() else {
            return Ok(None);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text)
                .map(Some)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        }
    }

    /// Parses netrc text: `machine`, `default`, `login`, `password`,
    /// `account` and `macdef` (skipped up to its blank line); tokens may be
    /// quoted with `"` (and `\` escapes); `#` starts a comment.
    pub fn parse(text: &str) -> io::Result<Netrc> {
        let mut tokens = Tokens { rest: text };
        let mut entries: Vec<NetrcEntry> = Vec::new();
        while let Some(token) = tokens.next()? {
            let mut value = |what: &str| {
                tokens.next()?.ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("netrc: {what} without a value"),
                    )
                })
            };
            match token.as_str() {
                "machine" => entries.push(NetrcEntry {
                    machine: Some(value("machine")?),
                    login: None,
                    password: None,
                    account: None,
                }),
                "default" => entries.push(NetrcEntry {
                    machine: None,
                    login: None,
                    password: None,
                    account: None,
                }),
                "login" | "password" | "account" => {
                    let v = value(&token)?;
                    let Some(entry) = entries.last_mut() else {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("netrc: {token} before any machine"),
                        ));
                    };
                    let slot = match token.as_str() {
                        "login" => &mut entry.login,
                        "password" => &mut entry.password,
                        _ => &mut entry.account,
                    };
                    *slot = Some(v);
                }
                "macdef" => {
                    value("macdef")?;
                    tokens.skip_macro();
                }
                other => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("netrc: unknown keyword {other:?}"),
                    ));
                }
            }
        }
        Ok(Netrc { entries })
    }

    /// The entry for `host` (case-insensitive), and for `login` when given;
    /// else the `default` entry.
    pub fn find(&self, host: &str, login: Option<&str>) -> Option<&NetrcEntry> {
        let fits = |e: &&NetrcEntry| login.is_none_or(|l| e.login.as_deref() == Some(l));
        self.entries
            .iter()
            .filter(|e| {
                e.machine
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(host))
            })
            .find(fits)
            .or_else(|| {
                self.entries
                    .iter()
                    .filter(|e| e.machine.is_none())
                    .find(fits)
            })
    }
}

struct Tokens<'a> {
    rest: &'a str,
}

impl Tokens<'_> {
    fn next(&mut self) -> io::Result<Option<String>> {
        loop {
            self.rest = self.rest.trim_start();
            if let Some(comment) = self.rest.strip_prefix('#') {
                self.rest = comment.split_once('\n').map_or("", |(_, r)| r);
                continue;
            }
            break;
        }
        if self.rest.is_empty() {
            return Ok(None);
        }
        if let Some(quoted) = self.rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.rest = &quoted[i + 1..];
                        return Ok(Some(out));
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 'r')) => out.push('\r'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, c)) => out.push(c),
                        None => break,
                    },
                    c => out.push(c),
                }
            }
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "netrc: unterminated quote",
            ));
        }
        let end = self
            .rest
            .find(char::is_whitespace)
            .unwrap_or(self.rest.len());
        let token = self.rest[..end].to_owned();
        self.rest = &self.rest[end..];
        Ok(Some(token))
    }

    /// Skips a macro body: up to and including the next empty line.
    fn skip_macro(&mut self) {
        self.rest = match self.rest.find("\n\n") {
            Some(i) => &self.rest[i + 2..],
            None => "",
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_macros_comments() {
        let n = Netrc::parse(
            "# comment\nmachine a login u1 password p1\n\
             macdef init\ncd /pub\nls\n\n\
             machine a login u2 password p2 account acc\n\
             default login anon password x\n",
        )
        .unwrap();
        assert_eq!(n.entries.len(), 3);
        assert_eq!(n.find("A", None).unwrap().login.as_deref(), Some("u1"));
        let e = n.find("a", Some("u2")).unwrap();
        assert_eq!(e.password.as_deref(), Some("p2"));
        assert_eq!(e.account.as_deref(), Some("acc"));
        assert_eq!(n.find("b", None).unwrap().machine, None);
        assert_eq!(n.find("b", Some("nobody")), None);
    }

    #[test]
    fn errors_are_clear() {
        for (text, want) in [
            ("login u", "before any machine"),
            ("machine", "without a value"),
            ("machine a passwd x", "unknown keyword"),
            ("machine a password \"open", "unterminated"),
        ] {
            let e = Netrc::parse(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn password_not_in_debug() {
        let n = Netrc::parse("machine a login u password hunter2").unwrap();
        assert!(!format!("{n:?}").contains("hunter2"));
    }
}
