//! Names in any encoding: the server's bytes as text and back.
//!
//! On the wire a name is bytes, in whatever encoding the server's file
//! system uses (UTF-8 on most, Latin-1 or a Windows code page on older
//! ones). The session's [`Encoding`] (ftplib's `encoding`, UTF-8 unless
//! set) turns those bytes into text for listings, the current directory
//! and local file names, and turns the caller's text back into bytes for
//! every command.
//!
//! A name that is not valid in the encoding is never lost and never
//! altered: each byte that cannot be decoded becomes one character of
//! the escape range U+F700–U+F7FF (U+F700 + the byte, in the Private Use
//! Area, which no server's names use), and encoding turns each of those
//! characters back into its byte. So a name a caller got from a listing
//! and passes back unchanged (to `retr`, `rename`, `delete`) reaches the
//! server as the same bytes, whatever the encoding; [`Encoding::decode_exact`]
//! says when a name needed escapes (the mirror refuses to make a local
//! file of such a name), and [`shown`] writes the escapes as `\xNN` for
//! messages.
//!
//! ```
//! use ftp_std::Encoding;
//! let latin1: Encoding = "latin-1".parse().unwrap();
//! assert_eq!(latin1.decode(b"caf\xe9"), "café");
//! assert_eq!(&*latin1.encode("café").unwrap(), b"caf\xe9");
//!
//! // Latin-1 bytes under UTF-8: kept, escaped, and sent back as they came.
//! let utf8 = Encoding::default();
//! let name = utf8.decode(b"caf\xe9");
//! assert_eq!(ftp_std::encoding::shown(&name), "caf\\xe9");
//! assert_eq!(&*utf8.encode(&name).unwrap(), b"caf\xe9");
//! assert_eq!(utf8.decode_exact(b"caf\xe9"), None);
//!
//! // ftplib's spellings and the WHATWG labels.
//! assert_eq!("cp1251".parse::<Encoding>().unwrap().name(), "windows-1251");
//! assert_eq!("windows-1251".parse::<Encoding>().unwrap().decode(b"\xc6"), "Ж");
//! ```

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The first character of the escape range: byte `b` that cannot be
/// decoded is `U+F700 + b`.
const ESCAPE: u32 = 0xF700;

/// The byte an escape character stands for.
fn escaped(c: char) -> Option<u8> {
    (c as u32)
        .checked_sub(ESCAPE)
        .and_then(|b| u8::try_from(b).ok())
}

fn escape(b: u8) -> char {
    char::from_u32(ESCAPE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

fn has_escapes(text: &str) -> bool {
    text.chars().any(|c| escaped(c).is_some())
}

/// `text` for messages: each escape written as `\xNN`.
///
/// ```
/// assert_eq!(ftp_std::encoding::shown("a\u{f7e9}b"), "a\\xe9b");
/// ```
pub fn shown(text: &str) -> Cow<'_, str> {
    if !has_escapes(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match escaped(c) {
            Some(b) => out.push_str(&format!("\\x{b:02x}")),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Utf8,
    /// ISO-8859-1 itself: each byte is the code point of the same number
    /// (not the WHATWG's windows-1252, which its labels also name).
    Latin1,
    /// 7 bits; every other byte is escaped.
    Ascii,
    /// Any other ASCII-compatible encoding of encoding_rs.
    Other(&'static encoding_rs::Encoding),
}

/// The encoding of names on the wire (ftplib's `encoding`): UTF-8 by
/// default, `latin-1`, `ascii`, or any ASCII-compatible encoding of the
/// WHATWG Encoding Standard (windows-1250 to 1258, ISO-8859-x, KOI8,
/// Shift_JIS, EUC-JP, EUC-KR, GBK, GB18030, Big5, ...). Parsed from
/// ftplib's (Python's) spellings (`latin-1`, `cp1251`, `iso8859_15`,
/// `shift_jis`, `cp932`) as well as the WHATWG labels (`windows-1251`,
/// `iso-8859-15`, `sjis`). See the [module](self) for the escapes that
/// keep undecodable bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoding(Kind);

impl Default for Encoding {
    fn default() -> Self {
        Encoding::UTF_8
    }
}

/// Python's names for encodings that the WHATWG labels lack.
const PYTHON_NAMES: &[(&str, &str)] = &[
    ("cp932", "shift_jis"),
    ("ms932", "shift_jis"),
    ("mskanji", "shift_jis"),
    ("ms-kanji", "shift_jis"),
    ("shiftjis", "shift_jis"),
    ("s-jis", "shift_jis"),
    ("cp936", "gbk"),
    ("ms936", "gbk"),
    ("936", "gbk"),
    ("cp949", "euc-kr"),
    ("ms949", "euc-kr"),
    ("uhc", "euc-kr"),
    ("euckr", "euc-kr"),
    ("cp950", "big5"),
    ("ms950", "big5"),
    ("big5hkscs", "big5"),
    ("eucjp", "euc-jp"),
    ("ujis", "euc-jp"),
    ("u-jis", "euc-jp"),
    ("mac-roman", "macintosh"),
    ("macroman", "macintosh"),
    ("mac-cyrillic", "x-mac-cyrillic"),
    ("maccyrillic", "x-mac-cyrillic"),
    ("koi8r", "koi8-r"),
    ("koi8u", "koi8-u"),
    ("cp874", "windows-874"),
    ("gb18030-2000", "gb18030"),
];

const LATIN_1_NAMES: &[&str] = &[
    "latin-1",
    "latin1",
    "latin",
    "l1",
    "8859",
    "cp819",
    "ibm819",
    "iso-8859-1",
    "iso8859-1",
    "iso88591",
    "iso-8859-1:1987",
    "iso-ir-100",
    "csisolatin1",
];

const ASCII_NAMES: &[&str] = &[
    "ascii",
    "us-ascii",
    "646",
    "us",
    "ansi-x3.4-1968",
    "iso646-us",
    "iso-646.irv:1991",
    "cp367",
    "ibm367",
    "csascii",
];

const UTF_8_NAMES: &[&str] = &["utf-8", "utf8", "u8", "utf", "cp65001", "utf-8-sig"];

impl Encoding {
    /// UTF-8, the default (RFC 2640).
    pub const UTF_8: Encoding = Encoding(Kind::Utf8);
    /// ISO-8859-1: each byte is the character of the same number.
    pub const LATIN_1: Encoding = Encoding(Kind::Latin1);

    /// The encoding a name stands for, in ftplib's (Python's) spellings
    /// or as a WHATWG label, any case, `_` or `-`; `None` for a name no
    /// one knows and for encodings that cannot carry FTP commands (UTF-16,
    /// ISO-2022-JP: not ASCII-compatible).
    pub fn for_label(label: &str) -> Option<Encoding> {
        let lower = label.trim().to_ascii_lowercase();
        let dashed = lower.replace('_', "-");
        if UTF_8_NAMES.contains(&dashed.as_str()) {
            return Some(Encoding::UTF_8);
        }
        if LATIN_1_NAMES.contains(&dashed.as_str()) {
            return Some(Encoding::LATIN_1);
        }
        if ASCII_NAMES.contains(&dashed.as_str()) {
            return Some(Encoding(Kind::Ascii));
        }
        let python = PYTHON_NAMES
            .iter()
            .find(|(name, _)| *name == dashed)
            .map(|(_, whatwg)| *whatwg);
        let found = [Some(lower.as_str()), Some(dashed.as_str()), python]
            .into_iter()
            .flatten()
            .find_map(|l| encoding_rs::Encoding::for_label_no_replacement(l.as_bytes()))?;
        if found == encoding_rs::UTF_8 {
            Some(Encoding::UTF_8)
        } else if found.is_ascii_compatible() {
            Some(Encoding(Kind::Other(found)))
        } else {
            None
        }
    }

    /// The encoding's name: `utf-8`, `latin-1`, `ascii`, else its WHATWG
    /// name in lower case (`windows-1251`, `shift_jis`).
    pub fn name(&self) -> &'static str {
        match self.0 {
            Kind::Utf8 => "utf-8",
            Kind::Latin1 => "latin-1",
            Kind::Ascii => "ascii",
            Kind::Other(e) => WHATWG_LOWER
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(e.name()))
                .map_or(e.name(), |(_, lower)| lower),
        }
    }

    /// True for UTF-8.
    pub fn is_utf8(&self) -> bool {
        self.0 == Kind::Utf8
    }

    /// The server's bytes as text; bytes that cannot be decoded become
    /// escapes, so that [`Encoding::encode`] gives the same bytes back.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        self.decode_exact(bytes)
            .unwrap_or_else(|| Cow::Owned(self.decode_escaping(bytes)))
    }

    /// The server's bytes as text, `None` when the name is not valid in
    /// this encoding (it would need escapes).
    pub fn decode_exact<'a>(&self, bytes: &'a [u8]) -> Option<Cow<'a, str>> {
        let text = match self.0 {
            Kind::Utf8 => Cow::Borrowed(std::str::from_utf8(bytes).ok()?),
            Kind::Latin1 => match std::str::from_utf8(bytes) {
                Ok(ascii) if bytes.is_ascii() => Cow::Borrowed(ascii),
                _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
            },
            Kind::Ascii => Cow::Borrowed(
                std::str::from_utf8(bytes)
                    .ok()
                    .filter(|_| bytes.is_ascii())?,
            ),
            Kind::Other(e) => {
                let text = e.decode_without_bom_handling_and_without_replacement(bytes)?;
                // Only a name that comes back as the same bytes is exact
                // (a few multi-byte encodings give several byte sequences
                // the same character).
                let (again, _, unmappable) = e.encode(&text);
                if unmappable || *again != *bytes {
                    return None;
                }
                text
            }
        };
        (!has_escapes(&text)).then_some(text)
    }

    /// Decodes what can be decoded and escapes every other byte.
    fn decode_escaping(&self, bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len() + 8);
        match self.0 {
            Kind::Utf8 => {
                for chunk in bytes.utf8_chunks() {
                    for c in chunk.valid().chars() {
                        if escaped(c).is_some() {
                            // A name holding a character of the escape
                            // range itself: its bytes are escaped too.
                            let mut utf8 = [0u8; 4];
                            out.extend(c.encode_utf8(&mut utf8).bytes().map(escape));
                        } else {
                            out.push(c);
                        }
                    }
                    out.extend(chunk.invalid().iter().copied().map(escape));
                }
            }
            Kind::Other(e) if e.is_single_byte() => {
                for &b in bytes {
                    match Encoding(Kind::Other(e)).decode_exact(std::slice::from_ref(&b)) {
                        Some(c) => out.push_str(&c),
                        None => out.push(escape(b)),
                    }
                }
            }
            // Latin-1 always decodes; ASCII and the multi-byte encodings
            // keep ASCII and escape the rest of such a name.
            _ => out.extend(bytes.iter().map(|&b| {
                if b.is_ascii() {
                    char::from(b)
                } else {
                    escape(b)
                }
            })),
        }
        out
    }

    /// Text for display only: what cannot be decoded becomes U+FFFD
    /// (replies, file contents of `retrlines`).
    pub fn decode_lossy<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        match self.0 {
            Kind::Utf8 => String::from_utf8_lossy(bytes),
            Kind::Latin1 => self.decode(bytes),
            Kind::Ascii if bytes.is_ascii() => self.decode(bytes),
            Kind::Ascii => Cow::Owned(
                bytes
                    .iter()
                    .map(|&b| {
                        if b.is_ascii() {
                            char::from(b)
                        } else {
                            char::REPLACEMENT_CHARACTER
                        }
                    })
                    .collect(),
            ),
            Kind::Other(e) => e.decode_without_bom_handling(bytes).0,
        }
    }

    /// Text as the server's bytes: escapes become their bytes, the rest is
    /// encoded; a character this encoding cannot hold is
    /// [`Error::Unencodable`].
    pub fn encode<'a>(&self, text: &'a str) -> Result<Cow<'a, [u8]>, Error> {
        if !has_escapes(text) {
            return self.encode_plain(text);
        }
        let mut out = Vec::with_capacity(text.len());
        let mut rest = text;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| escaped(c).is_some()) {
            out.extend_from_slice(&self.encode_plain(&rest[..at])?);
            out.extend(escaped(c));
            rest = &rest[at + c.len_utf8()..];
        }
        out.extend_from_slice(&self.encode_plain(rest)?);
        Ok(Cow::Owned(out))
    }

    fn encode_plain<'a>(&self, text: &'a str) -> Result<Cow<'a, [u8]>, Error> {
        let unencodable = || Error::Unencodable {
            text: text.to_string(),
            encoding: self.name(),
        };
        match self.0 {
            Kind::Utf8 => Ok(Cow::Borrowed(text.as_bytes())),
            _ if text.is_ascii() => Ok(Cow::Borrowed(text.as_bytes())),
            Kind::Latin1 => text
                .chars()
                .map(|c| u8::try_from(c).map_err(|_| unencodable()))
                .collect::<Result<Vec<u8>, Error>>()
                .map(Cow::Owned),
            Kind::Ascii => Err(unencodable()),
            Kind::Other(e) => match e.encode(text) {
                (_, _, true) => Err(unencodable()),
                (bytes, _, false) => Ok(bytes),
            },
        }
    }
}

/// encoding_rs names some encodings in upper case (`Shift_JIS`, `EUC-KR`):
/// shown in lower case like the rest.
const WHATWG_LOWER: &[(&str, &str)] = &[
    ("Shift_JIS", "shift_jis"),
    ("EUC-JP", "euc-jp"),
    ("EUC-KR", "euc-kr"),
    ("Big5", "big5"),
    ("GBK", "gbk"),
    ("KOI8-R", "koi8-r"),
    ("KOI8-U", "koi8-u"),
    ("IBM866", "ibm866"),
    ("ISO-8859-2", "iso-8859-2"),
    ("ISO-8859-3", "iso-8859-3"),
    ("ISO-8859-4", "iso-8859-4"),
    ("ISO-8859-5", "iso-8859-5"),
    ("ISO-8859-6", "iso-8859-6"),
    ("ISO-8859-7", "iso-8859-7"),
    ("ISO-8859-8", "iso-8859-8"),
    ("ISO-8859-8-I", "iso-8859-8-i"),
    ("ISO-8859-10", "iso-8859-10"),
    ("ISO-8859-13", "iso-8859-13"),
    ("ISO-8859-14", "iso-8859-14"),
    ("ISO-8859-15", "iso-8859-15"),
    ("ISO-8859-16", "iso-8859-16"),
];

/// An encoding name no one knows, or one that cannot carry FTP commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEncoding(pub String);

impl fmt::Display for UnknownEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown encoding {:?} (utf-8, latin-1, ascii, cp1250 to cp1258, \
             iso8859-2 to -16, koi8-r, shift_jis, euc-jp, euc-kr, gbk, gb18030, big5 \
             or another WHATWG label; UTF-16 and ISO-2022-JP cannot carry FTP commands)",
            self.0
        )
    }
}

impl std::error::Error for UnknownEncoding {}

impl FromStr for Encoding {
    type Err = UnknownEncoding;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Encoding::for_label(s).ok_or_else(|| UnknownEncoding(s.to_string()))
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(label: &str) -> Encoding {
        label.parse().unwrap()
    }

    #[test]
    fn labels_in_ftplib_and_whatwg_spellings() {
        for (label, name) in [
            ("utf-8", "utf-8"),
            ("UTF8", "utf-8"),
            ("latin-1", "latin-1"),
            ("latin_1", "latin-1"),
            ("ISO-8859-1", "latin-1"),
            ("iso8859_1", "latin-1"),
            ("cp1251", "windows-1251"),
            ("windows-1251", "windows-1251"),
            ("cp1252", "windows-1252"),
            ("iso8859_15", "iso-8859-15"),
            ("koi8_r", "koi8-r"),
            ("shift_jis", "shift_jis"),
            ("cp932", "shift_jis"),
            ("sjis", "shift_jis"),
            ("cp936", "gbk"),
            ("gb18030", "gb18030"),
            ("euc_kr", "euc-kr"),
            ("big5", "big5"),
            ("mac_roman", "macintosh"),
            ("ascii", "ascii"),
            ("cp866", "ibm866"),
        ] {
            assert_eq!(enc(label).name(), name, "{label}");
        }
        for bad in [
            "utf-16",
            "utf-16le",
            "iso-2022-jp",
            "ebcdic",
            "",
            "replacement",
        ] {
            assert!(bad.parse::<Encoding>().is_err(), "{bad}");
        }
        let message = "nonesuch".parse::<Encoding>().unwrap_err().to_string();
        assert!(message.contains("\"nonesuch\""), "{message}");
    }

    #[test]
    fn latin1_is_iso_8859_1_not_windows_1252() {
        // 0x80 is U+0080 in ISO-8859-1, the euro sign in windows-1252.
        assert_eq!(Encoding::LATIN_1.decode(b"\x80"), "\u{80}");
        assert_eq!(enc("cp1252").decode(b"\x80"), "€");
        for b in 0..=255u8 {
            let byte = [b];
            let text = Encoding::LATIN_1.decode_exact(&byte).unwrap();
            assert_eq!(&*Encoding::LATIN_1.encode(&text).unwrap(), [b]);
        }
        assert!(matches!(
            Encoding::LATIN_1.encode("Ж"),
            Err(Error::Unencodable {
                encoding: "latin-1",
                ..
            })
        ));
    }

    /// Every byte string comes back as itself, under every encoding.
    #[test]
    fn any_bytes_round_trip_under_every_encoding() {
        let samples: &[&[u8]] = &[
            b"plain.txt",
            b"caf\xe9.txt",
            "café.txt".as_bytes(),
            b"\xc6\xf3\xf0\xed\xe0\xeb.log",
            b"\xff\xfe\x80\x81",
            "\u{f7e9} in the escape range".as_bytes(),
            b"\xef\x9e\xa9",
            b"\x82\xa0\x82\xa2 sjis",
            b"\x81\x30\x81\x30 gb18030",
            b"half \xe3\x81",
        ];
        for label in [
            "utf-8",
            "latin-1",
            "ascii",
            "cp1251",
            "cp1252",
            "iso8859-7",
            "koi8-r",
            "shift_jis",
            "euc-jp",
            "gbk",
            "gb18030",
            "big5",
            "euc-kr",
            "windows-874",
        ] {
            let e = enc(label);
            for &bytes in samples {
                let text = e.decode(bytes);
                assert_eq!(
                    &*e.encode(&text).unwrap(),
                    bytes,
                    "{label}: {bytes:?} as {text:?}"
                );
                if let Some(exact) = e.decode_exact(bytes) {
                    assert_eq!(exact, text);
                }
            }
        }
    }

    #[test]
    fn undecodable_bytes_are_escaped_and_shown() {
        let utf8 = Encoding::UTF_8;
        let text = utf8.decode(b"caf\xe9 \xff.txt");
        assert_eq!(text, "caf\u{f7e9} \u{f7ff}.txt");
        assert_eq!(shown(&text), "caf\\xe9 \\xff.txt");
        assert_eq!(utf8.decode_exact(b"caf\xe9"), None);
        // A real character of the escape range is escaped byte by byte.
        let odd = "\u{f7e9}".as_bytes();
        assert_eq!(utf8.decode(odd), "\u{f7ef}\u{f79f}\u{f7a9}");
        assert_eq!(utf8.decode_exact(odd), None);
        let cp1251 = enc("cp1251");
        assert_eq!(cp1251.decode(b"\xc6\xf3\xf0\xed\xe0\xeb"), "Журнал");
        assert_eq!(
            &*cp1251.encode("Журнал").unwrap(),
            b"\xc6\xf3\xf0\xed\xe0\xeb"
        );
        assert!(cp1251.encode("café").is_err());
        // ISO-8859-7 has no character at 0xD2: that byte alone is escaped.
        let greek = enc("iso8859-7");
        assert_eq!(greek.decode(b"\xe1\xd2"), "α\u{f7d2}");
        assert_eq!(greek.decode_lossy(b"\xe1\xd2"), "α\u{fffd}");
        // Shift_JIS with a broken pair: ASCII kept, the rest escaped.
        let sjis = enc("shift_jis");
        assert_eq!(
            sjis.decode(b"\x82\xa0 ok \x82"),
            "\u{f782}\u{f7a0} ok \u{f782}"
        );
    }
}
