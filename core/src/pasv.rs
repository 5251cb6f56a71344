//! Data-connection addresses: the PASV (227) and EPSV (229) replies, and the
//! PORT and EPRT arguments (RFC 959, RFC 2428), over `core::net`.

use core::fmt::Write as _;
use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use crate::fault::ProtocolError;

/// Reads one to five digits starting at `at`; returns the value and the
/// index after them.
fn number(text: &[u8], at: usize) -> Option<(u32, usize)> {
    let digits = text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 5 {
        return None;
    }
    let value = text[at..at + digits]
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    Some((value, at + digits))
}

/// Parses a 227 reply: the first `h1,h2,h3,h4,p1,p2` anywhere in the text,
/// with or without parentheses (as ftplib's `parse227`).
///
/// ```
/// use ftp_core::pasv::parse_227;
/// let a = parse_227(b"227 Entering Passive Mode (127,0,0,1,195,80).").unwrap();
/// assert_eq!(a.to_string(), "127.0.0.1:50000");
/// let a = parse_227(b"227 =10,1,2,3,4,1").unwrap();
/// assert_eq!(a.port(), 1025);
/// assert!(parse_227(b"227 Entering Passive Mode").is_err());
/// // Port 0 cannot be connected to: a malformed reply (found by fuzzing).
/// assert!(parse_227(b"227 (127,0,0,1,0,0)").is_err());
/// ```
pub fn parse_227(text: &[u8]) -> Result<SocketAddrV4, ProtocolError> {
    // Skip the code so "227" itself is never read as a number.
    let body = text.get(3..).ok_or(ProtocolError::BadPasvReply)?;
    let mut start = 0;
    while start < body.len() {
        let starts_number =
            body[start].is_ascii_digit() && (start == 0 || !body[start - 1].is_ascii_digit());
        if let Some(addr) = starts_number.then(|| six_numbers(body, start)).flatten() {
            return Ok(addr);
        }
        start += 1;
    }
    Err(ProtocolError::BadPasvReply)
}

fn six_numbers(text: &[u8], mut at: usize) -> Option<SocketAddrV4> {
    let mut n = [0u8; 6];
    for (i, slot) in n.iter_mut().enumerate() {
        if i > 0 {
            if text.get(at) != Some(&b',') {
                return None;
            }
            at += 1;
        }
        let (value, next) = number(text, at)?;
        *slot = u8::try_from(value).ok()?;
        at = next;
    }
    let ip = Ipv4Addr::new(n[0], n[1], n[2], n[3]);
    let port = u16::from(n[4]) << 8 | u16::from(n[5]);
    (port != 0).then(|| SocketAddrV4::new(ip, port))
}

/// Parses a 229 reply, `(|||port|)` with any delimiter (as ftplib's
/// `parse229`); returns the port, which is on the control connection's
/// peer.
///
/// ```
/// use ftp_core::pasv::parse_229;
/// assert_eq!(parse_229(b"229 Entering Extended Passive Mode (|||6446|)").unwrap(), 6446);
/// assert_eq!(parse_229(b"229 EPSV ok (!!!1234!)").unwrap(), 1234);
/// assert!(parse_229(b"229 Entering Extended Passive Mode (|||0|)").is_err());
/// assert!(parse_229(b"229 (|||70000|)").is_err());
/// ```
pub fn parse_229(text: &[u8]) -> Result<u16, ProtocolError> {
    let bad = ProtocolError::BadEpsvReply;
    let open = text.iter().position(|&b| b == b'(').ok_or(bad)?;
    let inner = &text[open + 1..];
    let close = inner.iter().position(|&b| b == b')').ok_or(bad)?;
    let inner = &inner[..close];
    let delim = *inner.first().ok_or(bad)?;
    // Printable ASCII other than digits (RFC 2428 suggests '|').
    if !(33..=126).contains(&delim) || delim.is_ascii_digit() {
        return Err(bad);
    }
    let mut parts = inner.split(|&b| b == delim);
    let fields: [&[u8]; 5] = [
        parts.next().ok_or(bad)?,
        parts.next().ok_or(bad)?,
        parts.next().ok_or(bad)?,
        parts.next().ok_or(bad)?,
        parts.next().ok_or(bad)?,
    ];
    if parts.next().is_some() || !fields[0].is_empty() || !fields[4].is_empty() {
        return Err(bad);
    }
    let port = fields[3];
    if port.is_empty() || port.len() > 5 || !port.iter().all(u8::is_ascii_digit) {
        return Err(bad);
    }
    let (value, _) = number(port, 0).ok_or(bad)?;
    match u16::try_from(value) {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(bad),
    }
}

/// The argument of PORT: `h1,h2,h3,h4,p1,p2`.
///
/// ```
/// use ftp_core::pasv::port_argument;
/// let a = "192.0.2.7:1025".parse().unwrap();
/// assert_eq!(port_argument(a).as_str(), "192,0,2,7,4,1");
/// ```
pub fn port_argument(addr: SocketAddrV4) -> heapless::String<24> {
    let mut s = heapless::String::new();
    let [a, b, c, d] = addr.ip().octets();
    let port = addr.port();
    // Cannot fail: at most 23 bytes.
    let _ = write!(s, "{a},{b},{c},{d},{},{}", port >> 8, port & 0xff);
    s
}

/// The argument of EPRT: `|1|addr|port|` or `|2|addr|port|`.
///
/// ```
/// use ftp_core::pasv::eprt_argument;
/// assert_eq!(eprt_argument("[::1]:2121".parse().unwrap()).as_str(), "|2|::1|2121|");
/// assert_eq!(eprt_argument("127.0.0.1:21".parse().unwrap()).as_str(), "|1|127.0.0.1|21|");
/// ```
pub fn eprt_argument(addr: SocketAddr) -> heapless::String<64> {
    let mut s = heapless::String::new();
    let family = if addr.is_ipv4() { 1 } else { 2 };
    // Cannot fail: an IPv6 address is at most 45 bytes, the rest 12.
    let _ = write!(s, "|{family}|{}|{}|", addr.ip(), addr.port());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    #[test]
    fn pasv_shapes_of_real_servers() {
        let cases: &[(&[u8], &str)] = &[
            // vsftpd
            (
                b"227 Entering Passive Mode (127,0,0,1,117,48).",
                "127.0.0.1:30000",
            ),
            // ProFTPD
            (
                b"227 Entering Passive Mode (10,0,0,5,156,64).",
                "10.0.0.5:40000",
            ),
            // Pure-FTPd
            (
                b"227 Entering Passive Mode (192,168,1,2,4,1)",
                "192.168.1.2:1025",
            ),
            // IIS
            (
                b"227 Entering Passive Mode (10,1,1,1,19,137).",
                "10.1.1.1:5001",
            ),
            // FileZilla Server
            (
                b"227 Entering Passive Mode (0,0,0,0,200,10)",
                "0.0.0.0:51210",
            ),
            // pyftpdlib
            (
                b"227 Entering passive mode (127,0,0,1,221,14).",
                "127.0.0.1:56590",
            ),
            // no parentheses (RFC 1123 says clients must accept this)
            (b"227 Entering Passive Mode 1,2,3,4,0,21", "1.2.3.4:21"),
            // numbers in the text before the address
            (b"227 Mode 3 ok =(1,2,3,4,5,6)", "1.2.3.4:1286"),
        ];
        for (text, want) in cases {
            assert_eq!(parse_227(text).unwrap().to_string(), *want);
        }
    }

    #[test]
    fn pasv_rejects_out_of_range() {
        assert!(parse_227(b"227 (256,0,0,1,1,1)").is_err());
        assert!(parse_227(b"227 (1,2,3,4,5)").is_err());
        assert!(parse_227(b"227 (1,2,3,4,5,999999)").is_err());
        assert!(parse_227(b"227").is_err());
        assert!(parse_227(b"").is_err());
    }

    #[test]
    fn epsv_rejects_malformed() {
        for bad in [
            &b"229 Entering Extended Passive Mode (|||abc|)"[..],
            b"229 (|||12|",
            b"229 |||12|",
            b"229 (||12|)",
            b"229 (|||12||)",
            b"229 (1112)",
            b"229 ()",
            b"229 (|||99999|)",
        ] {
            assert!(parse_229(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_229(b"229 ok (|||65535|)").unwrap(), 65535);
        // Address fields are ignored (the data connection goes to the
        // control peer), as ftplib does.
        assert_eq!(parse_229(b"229 (|1|6.6.6.6|21|)").unwrap(), 21);
    }

    #[test]
    fn port_argument_round_trips_through_parse_227() {
        let a: SocketAddrV4 = "203.0.113.9:65535".parse().unwrap();
        let s = port_argument(a);
        let mut text: heapless::Vec<u8, 40> = heapless::Vec::new();
        text.extend_from_slice(b"227 (").unwrap();
        text.extend_from_slice(s.as_bytes()).unwrap();
        text.extend_from_slice(b")").unwrap();
        assert_eq!(parse_227(&text).unwrap(), a);
    }

    #[test]
    fn eprt_longest_ipv6() {
        let a: SocketAddr = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535"
            .parse()
            .unwrap();
        assert!(eprt_argument(a).as_str().ends_with("|65535|"));
    }
}
