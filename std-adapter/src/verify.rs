//! Verified transfers: the server's checksum of a file (HASH, per the IETF
//! draft, else XSHA256, XSHA1, XMD5, XCRC), compared with the local
//! file's. What the server offers is read from FEAT once a session; the
//! local side is hashed here (SHA-256 and SHA-1 with ring, MD5, CRC-32).

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

/// When a transfer is verified by checksum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verification {
    /// Never (the default of single transfers).
    #[default]
    Never,
    /// When the server offers a checksum command (the default of the
    /// mirrors).
    Auto,
    /// Always: a server without one is an error before the transfer.
    Always,
}

impl Verification {
    /// The runner's spellings: `"auto"`, `"always"`, `"never"`.
    pub fn parse(text: &str) -> Option<Verification> {
        match text {
            "auto" => Some(Verification::Auto),
            "always" => Some(Verification::Always),
            "never" => Some(Verification::Never),
            _ => None,
        }
    }
}

/// A checksum algorithm, the strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256.
    Sha256,
    /// SHA-1.
    Sha1,
    /// MD5.
    Md5,
    /// CRC-32 (as zip and XCRC compute it).
    Crc32,
}

impl Algorithm {
    /// The name HASH uses (`SHA-256`, `SHA-1`, `MD5`, `CRC32`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha1 => "SHA-1",
            Algorithm::Md5 => "MD5",
            Algorithm::Crc32 => "CRC32",
        }
    }

    /// Hex digits of a checksum.
    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha1 => 40,
            Algorithm::Md5 => 32,
            Algorithm::Crc32 => 8,
        }
    }

    fn from_hash_name(name: &str) -> Option<Algorithm> {
        match name.trim_end_matches('*').to_ascii_uppercase().as_str() {
            "SHA-256" => Some(Algorithm::Sha256),
            "SHA-1" => Some(Algorithm::Sha1),
            "MD5" => Some(Algorithm::Md5),
            "CRC32" => Some(Algorithm::Crc32),
            _ => None,
        }
    }
}

/// A checksum: the algorithm and its value in lower-case hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checksum {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The value, lower-case hex.
    pub hex: String,
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.algorithm.name(), self.hex)
    }
}

/// How a server gives checksums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// `HASH path` (after `OPTS HASH name` when `select` and the server's
    /// current algorithm is another).
    Hash { algorithm: Algorithm, select: bool },
    /// `XSHA256 path`, `XSHA1`, `XMD5`, `XCRC`.
    X(Algorithm),
}

impl Method {
    pub(crate) fn algorithm(self) -> Algorithm {
        match self {
            Method::Hash { algorithm, .. } | Method::X(algorithm) => algorithm,
        }
    }

    /// The command that asks for `path`'s checksum.
    pub(crate) fn command(self, path: &str) -> String {
        match self {
            Method::Hash { .. } => format!("HASH {path}"),
            Method::X(Algorithm::Sha256) => format!("XSHA256 {path}"),
            Method::X(Algorithm::Sha1) => format!("XSHA1 {path}"),
            Method::X(Algorithm::Md5) => format!("XMD5 {path}"),
            Method::X(Algorithm::Crc32) => format!("XCRC {path}"),
        }
    }
}

/// The best checksum command FEAT announces: HASH with the strongest
/// algorithm it lists (`HASH SHA-256;SHA-1*;MD5`, `*` the current one),
/// else the strongest of the X commands; `None` when there is none.
pub(crate) fn pick(features: &[String]) -> Option<Method> {
    let mut best: Option<Method> = None;
    let better = |m: Method, best: &Option<Method>| {
        best.is_none_or(|b| match (m, b) {
            (Method::Hash { .. }, Method::X(_)) => true,
            (Method::X(_), Method::Hash { .. }) => false,
            _ => m.algorithm() < b.algorithm(),
        })
    };
    for line in features {
        let line = line.trim();
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word.to_ascii_uppercase().as_str() {
            "HASH" => {
                let current = rest
                    .split(';')
                    .find(|a| a.trim().ends_with('*'))
                    .and_then(|a| Algorithm::from_hash_name(a.trim()));
                if let Some(algorithm) = rest
                    .split(';')
                    .filter_map(|a| Algorithm::from_hash_name(a.trim()))
                    .min()
                {
                    let m = Method::Hash {
                        algorithm,
                        select: current != Some(algorithm),
                    };
                    if better(m, &best) {
                        best = Some(m);
                    }
                }
            }
            other => {
                let algorithm = match other {
                    "XSHA256" => Algorithm::Sha256,
                    "XSHA1" => Algorithm::Sha1,
                    "XMD5" => Algorithm::Md5,
                    "XCRC" => Algorithm::Crc32,
                    _ => continue,
                };
                let m = Method::X(algorithm);
                if better(m, &best) {
                    best = Some(m);
                }
            }
        }
    }
    best
}

/// The checksum in a reply to `method`'s command: for HASH, `213 SHA-256
/// 0-49 <hex> name`; for the X commands the hex word of the algorithm's
/// length (`250 <hex>`, `213 <hex>`). `None` when there is none: a reply
/// that does not hold one is no checksum, never a match.
pub(crate) fn parse_reply(method: Method, text: &str) -> Option<String> {
    let algorithm = method.algorithm();
    // The last line: ProFTPD says `213-Computing SHA-256 digest` first.
    let last = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let mut words = last.split_whitespace().skip(1);
    if let Method::Hash { .. } = method {
        let named = Algorithm::from_hash_name(words.next()?)?;
        if named != algorithm {
            return None;
        }
        let _range = words.next()?;
        let hex = words.next()?;
        return is_hex(hex, algorithm).then(|| hex.to_ascii_lowercase());
    }
    words
        .find(|w| is_hex(w, algorithm))
        .map(str::to_ascii_lowercase)
}

fn is_hex(word: &str, algorithm: Algorithm) -> bool {
    word.len() == algorithm.hex_len() && word.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A running checksum.
enum Hasher {
    Ring(ring::digest::Context),
    Md5(md5::Md5),
    Crc(crc32fast::Hasher),
}

impl Hasher {
    fn new(algorithm: Algorithm) -> Hasher {
        use md5::Digest as _;
        match algorithm {
            Algorithm::Sha256 => Hasher::Ring(ring::digest::Context::new(&ring::digest::SHA256)),
            Algorithm::Sha1 => Hasher::Ring(ring::digest::Context::new(
                &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            )),
            Algorithm::Md5 => Hasher::Md5(md5::Md5::new()),
            Algorithm::Crc32 => Hasher::Crc(crc32fast::Hasher::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        use md5::Digest as _;
        match self {
            Hasher::Ring(c) => c.update(data),
            Hasher::Md5(h) => h.update(data),
            Hasher::Crc(h) => h.update(data),
        }
    }

    fn finish(self, algorithm: Algorithm) -> Checksum {
        use md5::Digest as _;
        let bytes: Vec<u8> = match self {
            Hasher::Ring(c) => c.finish().as_ref().to_vec(),
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Crc(h) => h.finalize().to_be_bytes().to_vec(),
        };
        let hex = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Checksum { algorithm, hex }
    }
}

/// The checksum of bytes in memory.
pub(crate) fn of_bytes(data: &[u8], algorithm: Algorithm) -> Checksum {
    let mut h = Hasher::new(algorithm);
    h.update(data);
    h.finish(algorithm)
}

/// The checksum of a local file.
pub(crate) fn of_file(path: &Path, algorithm: Algorithm) -> io::Result<Checksum> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut h = Hasher::new(algorithm);
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(h.finish(algorithm))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn the_best_command_is_picked() {
        assert_eq!(
            pick(&features(&["HASH SHA-1*;SHA-256;MD5", "XCRC", "MDTM"])),
            Some(Method::Hash {
                algorithm: Algorithm::Sha256,
                select: true
            })
        );
        assert_eq!(
            pick(&features(&["HASH SHA-256*;MD5"])),
            Some(Method::Hash {
                algorithm: Algorithm::Sha256,
                select: false
            })
        );
        assert_eq!(
            pick(&features(&[
                "XCRC filename;start;end",
                "XMD5 filename;start;end",
                "XSHA1 filename;start;end",
            ])),
            Some(Method::X(Algorithm::Sha1))
        );
        assert_eq!(pick(&features(&["MDTM", "SIZE", "HASH FOO"])), None);
    }

    #[test]
    fn replies_are_read_strictly() {
        let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let hash = Method::Hash {
            algorithm: Algorithm::Sha256,
            select: false,
        };
        assert_eq!(
            parse_reply(hash, &format!("213 SHA-256 0-4 {sha} test.txt")),
            Some(sha.to_string())
        );
        // Another algorithm than asked for, or no hex: no checksum.
        assert_eq!(
            parse_reply(hash, &format!("213 SHA-1 0-4 {sha} test.txt")),
            None
        );
        assert_eq!(parse_reply(hash, "213 SHA-256 0-4 nothex f"), None);
        // ProFTPD's, over two lines.
        assert_eq!(
            parse_reply(
                hash,
                &format!("213-Computing SHA-256 digest\n213 SHA-256 0-4 {sha} t")
            ),
            Some(sha.to_string())
        );
        let md5 = Method::X(Algorithm::Md5);
        assert_eq!(
            parse_reply(md5, "250 098F6BCD4621D373CADE4E832627B4F6"),
            Some("098f6bcd4621d373cade4e832627b4f6".to_string())
        );
        assert_eq!(parse_reply(md5, "250 file has no checksum"), None);
    }

    #[test]
    fn local_checksums() {
        let dir = std::env::temp_dir().join(format!("ftp-std-verify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t");
        std::fs::write(&p, b"test").unwrap();
        let hex = |a| of_file(&p, a).unwrap().hex;
        assert_eq!(
            hex(Algorithm::Sha256),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        assert_eq!(
            hex(Algorithm::Sha1),
            "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
        );
        assert_eq!(hex(Algorithm::Md5), "098f6bcd4621d373cade4e832627b4f6");
        assert_eq!(hex(Algorithm::Crc32), "d87f7e0c");
        assert_eq!(
            of_bytes(b"test", Algorithm::Md5),
            of_file(&p, Algorithm::Md5).unwrap()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
