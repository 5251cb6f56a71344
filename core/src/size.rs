//! Sizes announced by the server: `(N bytes)` in a 150 reply, and the 213
//! reply to SIZE (RFC 3659).

use crate::fault::ProtocolError;

fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// The size in a 150 reply, `(N bytes)` anywhere in its text, case
/// insensitive (as ftplib's `parse150`).
///
/// ```
/// use ftp_core::size::parse_150;
/// assert_eq!(parse_150(b"150 Opening BINARY mode data connection for README (1063 bytes)."), Some(1063));
/// assert_eq!(parse_150(b"150 Here comes the directory listing."), None);
/// ```
pub fn parse_150(text: &[u8]) -> Option<u64> {
    let mut rest = text;
    while let Some(open) = rest.iter().position(|&b| b == b'(') {
        rest = &rest[open + 1..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let tail = &rest[digits..];
        if digits > 0 && tail.len() >= 7 && tail[..7].eq_ignore_ascii_case(b" bytes)") {
            return parse_u64(&rest[..digits]);
        }
    }
    None
}

/// The size in a 213 reply to SIZE: `213 1234`.
///
/// ```
/// use ftp_core::size::parse_213;
/// assert_eq!(parse_213(b"213 1063").unwrap(), 1063);
/// assert!(parse_213(b"213 File status").is_err());
/// ```
pub fn parse_213(text: &[u8]) -> Result<u64, ProtocolError> {
    let body = text.get(3..).ok_or(ProtocolError::BadSizeReply)?;
    parse_u64(body.trim_ascii()).ok_or(ProtocolError::BadSizeReply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    #[test]
    fn sizes_of_real_servers() {
        // vsftpd, ProFTPD, pyftpdlib, IIS shapes.
        assert_eq!(
            parse_150(b"150 Opening BINARY mode data connection for f (0 bytes)."),
            Some(0)
        );
        assert_eq!(
            parse_150(b"150 Opening ASCII mode data connection for f (12 BYTES)"),
            Some(12)
        );
        assert_eq!(
            parse_150(b"150 File status okay. About to open data connection."),
            None
        );
        assert_eq!(parse_150(b"150 Opening (x) then (5 bytes)"), Some(5));
        assert_eq!(parse_150(b"150 (99999999999999999999999 bytes)"), None);
        assert_eq!(parse_213(b"213 0").unwrap(), 0);
        assert_eq!(parse_213(b"213  42 ").unwrap(), 42);
        assert_eq!(parse_213(b"213 18446744073709551615").unwrap(), u64::MAX);
        assert!(parse_213(b"213 18446744073709551616").is_err());
        assert!(parse_213(b"213").is_err());
        assert!(parse_213(b"213 -1").is_err());
    }
}
