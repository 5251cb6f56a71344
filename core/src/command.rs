//! Commands: validated before anything is sent, encoded as `VERB arg\r\n`.

use core::fmt;

use crate::fault::InvalidArgument;

/// Refuses text holding CR, LF or NUL: in a command it would end the line
/// early and smuggle a second command onto the control connection. Any
/// other byte is fine: names are bytes on the wire, in whatever encoding
/// the server uses.
///
/// ```
/// use ftp_core::command::check;
/// assert!(check("report 2026.txt").is_ok());
/// assert!(check(b"caf\xe9.txt").is_ok());
/// assert!(check("x\r\nDELE y").is_err());
/// ```
pub fn check<T: AsRef<[u8]> + ?Sized>(text: &T) -> Result<(), InvalidArgument> {
    if text.as_ref().iter().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        Err(InvalidArgument::ControlCharacter)
    } else {
        Ok(())
    }
}

/// A checked command: a verb (which may itself hold words, as in
/// `"OPTS MLST"` or a whole line given to `sendcmd`) and an optional
/// argument, both bytes: a name goes out exactly as given.
///
/// ```
/// use ftp_core::Command;
/// let cmd = Command::new("RETR", Some(b"README".as_slice())).unwrap();
/// let mut buf = [0u8; 32];
/// assert_eq!(cmd.encode(&mut buf), Some(&b"RETR README\r\n"[..]));
/// assert!(Command::new("RETR", Some(b"a\nb".as_slice())).is_err());
/// assert_eq!(Command::new("PASS", Some(b"secret".as_slice())).unwrap().to_string(), "PASS ****");
/// // A Latin-1 name: its bytes are sent as they are.
/// let cmd = Command::line(b"DELE caf\xe9").unwrap();
/// assert_eq!(cmd.encode(&mut buf), Some(&b"DELE caf\xe9\r\n"[..]));
/// assert_eq!(cmd.to_string(), "DELE caf\\xe9");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command<'a> {
    verb: &'a [u8],
    arg: Option<&'a [u8]>,
}

impl<'a> Command<'a> {
    /// Checks and builds a command.
    pub fn new(verb: &'a str, arg: Option<&'a [u8]>) -> Result<Self, InvalidArgument> {
        Self::from_parts(verb.as_bytes(), arg)
    }

    /// Checks and builds a command from a whole line without its CRLF
    /// (`sendcmd`'s `"SITE CHMOD 644 x"`, `retrbinary`'s `"RETR x"`).
    #[inline]
    pub fn line<L: AsRef<[u8]> + ?Sized>(line: &'a L) -> Result<Self, InvalidArgument> {
        Self::from_parts(line.as_ref(), None)
    }

    fn from_parts(verb: &'a [u8], arg: Option<&'a [u8]>) -> Result<Self, InvalidArgument> {
        if verb.is_empty() {
            return Err(InvalidArgument::EmptyCommand);
        }
        check(verb)?;
        if let Some(arg) = arg {
            check(arg)?;
        }
        Ok(Command { verb, arg })
    }

    /// The verb (or the whole line of [`Command::line`]).
    pub fn verb(&self) -> &'a [u8] {
        self.verb
    }

    /// The argument.
    pub fn arg(&self) -> Option<&'a [u8]> {
        self.arg
    }

    /// Length of the encoded command, CRLF included.
    pub fn encoded_len(&self) -> usize {
        self.verb.len() + self.arg.map_or(0, |a| a.len() + 1) + 2
    }

    /// Writes `VERB arg\r\n` into `buf`; `None` when it does not fit.
    pub fn encode<'b>(&self, buf: &'b mut [u8]) -> Option<&'b [u8]> {
        let len = self.encoded_len();
        let out = buf.get_mut(..len)?;
        let mut at = 0;
        for part in self.parts() {
            out[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        Some(out)
    }

    /// The pieces of the encoded command, in order.
    pub fn parts(&self) -> impl Iterator<Item = &'a [u8]> {
        let arg = self.arg.map(|a| [&b" "[..], a]);
        core::iter::once(self.verb)
            .chain(arg.into_iter().flatten())
            .chain(core::iter::once(&b"\r\n"[..]))
    }

    /// The verb's first four bytes (all of it when shorter).
    fn verb4(&self) -> &'a [u8] {
        self.verb.get(..4).unwrap_or(self.verb)
    }

    /// True for commands whose argument is a secret (PASS, ACCT): debug
    /// output masks it.
    pub fn is_secret(&self) -> bool {
        let verb = self.verb4();
        verb.eq_ignore_ascii_case(b"PASS") || verb.eq_ignore_ascii_case(b"ACCT")
    }
}

/// Writes bytes as text: UTF-8 as it is, any other byte as `\xNN`.
fn write_bytes(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        f.write_str(chunk.valid())?;
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    Ok(())
}

/// Shows the command as sent, without CRLF, with secrets masked; bytes
/// that are not UTF-8 are shown as `\xNN`.
impl fmt::Display for Command<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_secret() {
            write_bytes(f, self.verb4())?;
            return f.write_str(" ****");
        }
        write_bytes(f, self.verb)?;
        if let Some(arg) = self.arg {
            f.write_str(" ")?;
            write_bytes(f, arg)?;
        }
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Command<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        if self.is_secret() {
            defmt::write!(f, "{=[u8]:a} ****", self.verb4());
        } else if let Some(arg) = self.arg {
            defmt::write!(f, "{=[u8]:a} {=[u8]:a}", self.verb, arg);
        } else {
            defmt::write!(f, "{=[u8]:a}", self.verb);
        }
    }
}

/// `n` in decimal, without `core::fmt` and without 64-bit division (which
/// a 32-bit microcontroller does in software): a few hundred bytes of flash
/// less for REST offsets.
pub(crate) fn decimal(mut n: u64, out: &mut [u8; 20]) -> &str {
    const POWERS: [u64; 20] = {
        let mut p = [1u64; 20];
        let mut i = 19;
        while i > 0 {
            p[i - 1] = p[i] * 10;
            i -= 1;
        }
        p
    };
    let mut len = 0;
    for (i, power) in POWERS.iter().enumerate() {
        let mut digit = 0u8;
        while n >= *power {
            n -= power;
            digit += 1;
        }
        if digit > 0 || len > 0 || i == POWERS.len() - 1 {
            out[len] = b'0' + digit;
            len += 1;
        }
    }
    core::str::from_utf8(&out[..len]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits() {
        let mut out = [0u8; 20];
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            1234567890,
            u64::MAX,
            10_000_000_000_000_000_000,
        ] {
            assert_eq!(decimal(n, &mut out), n.to_string());
        }
    }
    use std::prelude::rust_2024::*;

    #[test]
    fn refuses_control_characters_anywhere() {
        for bad in ["a\r", "\nb", "a\0b", "\r\n"] {
            assert_eq!(
                Command::new("RETR", Some(bad.as_bytes())),
                Err(InvalidArgument::ControlCharacter)
            );
            assert_eq!(
                Command::new(bad, None),
                Err(InvalidArgument::ControlCharacter)
            );
        }
        assert_eq!(Command::new("", None), Err(InvalidArgument::EmptyCommand));
    }

    #[test]
    fn encodes_with_and_without_argument() {
        let mut buf = [0u8; 64];
        let c = Command::new("NOOP", None).unwrap();
        assert_eq!(c.encode(&mut buf).unwrap(), b"NOOP\r\n");
        let c = Command::new("STOR", Some("name with spaces.txt".as_bytes())).unwrap();
        assert_eq!(
            c.encode(&mut buf).unwrap(),
            b"STOR name with spaces.txt\r\n"
        );
        assert_eq!(c.encoded_len(), 27);
        let mut small = [0u8; 26];
        assert!(c.encode(&mut small).is_none());
    }

    #[test]
    fn masks_secrets() {
        let c = Command::new("pass", Some("hunter2".as_bytes())).unwrap();
        assert_eq!(format!("{c}"), "pass ****");
        let c = Command::new("ACCT", Some("acct".as_bytes())).unwrap();
        assert_eq!(format!("{c}"), "ACCT ****");
        let c = Command::new("PASS hunter2", None).unwrap();
        assert_eq!(format!("{c}"), "PASS ****");
        let c = Command::new("USER", Some("bob".as_bytes())).unwrap();
        assert_eq!(format!("{c}"), "USER bob");
    }
}
