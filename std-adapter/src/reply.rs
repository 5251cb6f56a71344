//! [`Reply`]: a server's reply with its own storage, as ftp-std's methods
//! return it.

use std::fmt;
use std::ops::Deref;

/// A server's reply: its code and its text (lines joined by `\n`, code
/// included: `"226 Transfer complete."`), shown as ftplib shows it. It
/// derefs to the text, so `reply.starts_with("226")` works as on the
/// `String`s ftplib returns.
///
/// ```
/// let reply = ftp_std::Reply::new(250, "250 Directory successfully changed.");
/// assert_eq!(reply.code(), 250);
/// assert_eq!(reply.message(), "Directory successfully changed.");
/// assert_eq!(reply, "250 Directory successfully changed.");
/// assert_eq!(reply.to_string(), "250 Directory successfully changed.");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    /// A reply from its parts.
    pub fn new(code: u16, text: impl Into<String>) -> Self {
        Reply {
            code,
            text: text.into(),
        }
    }

    /// Copies the core's borrowed reply (invalid UTF-8 becomes U+FFFD).
    pub fn from_core(reply: ftp_core::Reply<'_>) -> Self {
        Reply {
            code: reply.code().get(),
            text: String::from_utf8_lossy(reply.text()).into_owned(),
        }
    }

    /// The reply code (`226`).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The whole text, code included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first line without its code: `"Transfer complete."`.
    pub fn message(&self) -> &str {
        let first = self.text.lines().next().unwrap_or_default();
        first.get(4..).unwrap_or_default()
    }

    /// The text, taken out.
    pub fn into_text(self) -> String {
        self.text
    }
}

impl Deref for Reply {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reply({:?})", self.text)
    }
}

impl PartialEq<str> for Reply {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Reply {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl PartialEq<String> for Reply {
    fn eq(&self, other: &String) -> bool {
        &self.text == other
    }
}

impl From<Reply> for String {
    fn from(reply: Reply) -> String {
        reply.text
    }
}
