//! The path in a 257 reply (PWD, MKD): quoted, with `""` standing for one
//! quote, and any text after it (RFC 959 appendix II, ftplib's parse257).
//! A quote that is opened and never closed is a malformed reply
//! ([`ProtocolError::BadPathReply`]), not a path: ftplib takes the rest of
//! the line, which hands a fragment to a caller that then `cwd`s into it.

use crate::fault::ProtocolError;

/// Finds the path in a 257 reply's text: its range in `text`, still
/// escaped (`""` for `"`), and whether it was quoted. `None` when the reply
/// holds no path; an error when its quote is never closed.
///
/// The path starts at the first `"` of the first line; a reply without
/// quotes whose first word after the code starts with `/` gives that word
/// (some UNIX servers do this).
fn locate(text: &[u8]) -> Result<Option<(core::ops::Range<usize>, bool)>, ProtocolError> {
    let first_len = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let Some(body) = text.get(4..first_len) else {
        return Ok(None);
    };
    match body.iter().position(|&b| b == b'"') {
        Some(open) => {
            let start = 4 + open + 1;
            let mut i = start;
            while i < first_len {
                if text[i] == b'"' {
                    if text.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    return Ok(Some((start..i, true)));
                }
                i += 1;
            }
            Err(ProtocolError::BadPathReply)
        }
        None => {
            let word = body.split(|&b| b == b' ').next().unwrap_or_default();
            if word.first() == Some(&b'/') {
                Ok(Some((4..4 + word.len(), false)))
            } else {
                Ok(None)
            }
        }
    }
}

/// The path of a 257 reply, unescaped, written into `out`; returns the
/// written part. `Ok(None)` when the reply holds no path or `out` is too
/// small; [`ProtocolError::BadPathReply`] when its quote is never closed.
///
/// ```
/// use ftp_core::path::parse_257;
/// use ftp_core::ProtocolError;
/// let mut out = [0u8; 64];
/// assert_eq!(parse_257(b"257 \"/home/ftp\" is the current directory", &mut out), Ok(Some(&b"/home/ftp"[..])));
/// assert_eq!(parse_257(b"257 \"/a \"\"b\"\"\" created.", &mut out), Ok(Some(&b"/a \"b\""[..])));
/// assert_eq!(parse_257(b"257 MKD command successful.", &mut out), Ok(None));
/// assert_eq!(parse_257(b"257 \"Only one", &mut out), Err(ProtocolError::BadPathReply));
/// ```
pub fn parse_257<'o>(text: &[u8], out: &'o mut [u8]) -> Result<Option<&'o [u8]>, ProtocolError> {
    let Some((range, quoted)) = locate(text)? else {
        return Ok(None);
    };
    let mut n = 0;
    let mut i = range.start;
    while i < range.end {
        let Some(slot) = out.get_mut(n) else {
            return Ok(None);
        };
        *slot = text[i];
        n += 1;
        i += if quoted && text[i] == b'"' { 2 } else { 1 };
    }
    Ok(Some(&out[..n]))
}

/// Like [`parse_257`], but unescapes in place in the reply's own buffer
/// (which the session owns), so no second buffer is needed.
///
/// ```
/// use ftp_core::path::parse_257_in_place;
/// let mut text = *b"257 \"/a\"\"b\"";
/// assert_eq!(parse_257_in_place(&mut text), Ok(Some(&b"/a\"b"[..])));
/// ```
pub fn parse_257_in_place(text: &mut [u8]) -> Result<Option<&[u8]>, ProtocolError> {
    let Some((range, quoted)) = locate(text)? else {
        return Ok(None);
    };
    // The write position never passes the read position.
    let mut n = range.start;
    let mut i = range.start;
    while i < range.end {
        text[n] = text[i];
        n += 1;
        i += if quoted && text[i] == b'"' { 2 } else { 1 };
    }
    Ok(Some(&text[range.start..n]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    fn both(text: &[u8]) -> Option<heapless::Vec<u8, 128>> {
        let mut out = [0u8; 128];
        let a = parse_257(text, &mut out)
            .unwrap()
            .map(|p| heapless::Vec::from_slice(p).unwrap());
        let mut copy: heapless::Vec<u8, 256> = heapless::Vec::from_slice(text).unwrap();
        let b = parse_257_in_place(&mut copy)
            .unwrap()
            .map(|p| heapless::Vec::from_slice(p).unwrap());
        assert_eq!(a, b);
        a
    }

    #[test]
    fn real_server_replies() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"257 \"/\" is the current directory", b"/"),
            (b"257 \"/home/user\"", b"/home/user"),
            (b"257 \"/dir with space\" created", b"/dir with space"),
            (b"257 \"/q\"\"uote\" is current directory.", b"/q\"uote"),
            (
                b"257 \"C:/inetpub/ftproot\" is current directory.",
                b"C:/inetpub/ftproot",
            ),
            (b"257 PWD \"/x\"", b"/x"),
            (b"257 /usr/home is current directory", b"/usr/home"),
            (b"257 \"\" empty", b""),
            (b"257 \"/caf\xc3\xa9\"", b"/caf\xc3\xa9"),
        ];
        for (text, want) in cases {
            assert_eq!(both(text).as_deref(), Some(*want), "{text:?}");
        }
    }

    #[test]
    fn no_path() {
        assert_eq!(both(b"257 MKD command successful."), None);
        assert_eq!(both(b"257"), None);
        assert_eq!(both(b""), None);
    }

    #[test]
    fn small_output_is_none() {
        let mut out = [0u8; 3];
        assert_eq!(parse_257(b"257 \"/home\"", &mut out), Ok(None));
    }

    #[test]
    fn unclosed_quote_is_malformed() {
        for text in [
            &b"257 \"Only one"[..],
            b"257 \"/unterminated",
            b"257 \"/a\"\"b",
            b"257 \"/x\nthe rest\" later",
        ] {
            let mut out = [0u8; 64];
            assert_eq!(parse_257(text, &mut out), Err(ProtocolError::BadPathReply));
            let mut copy: heapless::Vec<u8, 64> = heapless::Vec::from_slice(text).unwrap();
            assert_eq!(
                parse_257_in_place(&mut copy),
                Err(ProtocolError::BadPathReply)
            );
        }
    }
}
