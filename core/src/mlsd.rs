//! MLSD and MLST entries (RFC 3659 §7): `fact=value;fact=value; name`,
//! parsed without copying.
//!
//! The name is everything after the first space, kept exactly (leading,
//! inner and trailing spaces, `;`, `=`). Fact names compare case
//! insensitively; [`Entry::parse_lowercase`] also lower-cases them in place.

use crate::fault::ProtocolError;
use crate::timestamp::Timestamp;

/// What an entry is, from its `type` fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EntryKind<'a> {
    /// `type=file`
    File,
    /// `type=dir`
    Dir,
    /// `type=cdir`: the listed directory itself.
    Cdir,
    /// `type=pdir`: its parent.
    Pdir,
    /// A symbolic link (`type=OS.unix=slink:target` or `OS.unix=symlink`).
    Link,
    /// Any other type, as sent.
    Other(&'a [u8]),
    /// No `type` fact.
    Unknown,
}

/// One `name=value` fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Fact<'a> {
    /// The fact name as sent (lower case after [`Entry::parse_lowercase`]).
    pub name: &'a [u8],
    /// The value: everything after the first `=`.
    pub value: &'a [u8],
}

/// One MLSD line, or the fact line of an MLST reply.
///
/// ```
/// use ftp_core::mlsd::{Entry, EntryKind};
/// let e = Entry::parse(b"Type=file;Size=1063;Modify=20240615101800;UNIX.mode=0644; READ ME").unwrap();
/// assert_eq!(e.name, b"READ ME");
/// assert_eq!(e.kind(), EntryKind::File);
/// assert_eq!(e.size(), Some(1063));
/// assert_eq!(e.fact("unix.MODE"), Some(&b"0644"[..]));
/// assert_eq!(e.modify().unwrap().to_string(), "20240615101800");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Entry<'a> {
    /// The file name, exactly as sent.
    pub name: &'a [u8],
    /// The facts part, `fact=value;...;`.
    pub facts_text: &'a [u8],
}

/// Splits a line into its facts and its name.
fn split(line: &[u8]) -> Result<(usize, usize), ProtocolError> {
    let line_len = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    let space = line[..line_len]
        .iter()
        .position(|&b| b == b' ')
        .ok_or(ProtocolError::BadListing)?;
    if space + 1 == line_len {
        return Err(ProtocolError::BadListing);
    }
    Ok((space, line_len))
}

impl<'a> Entry<'a> {
    /// Parses one line (a trailing CR/LF is ignored). A line with no space,
    /// or nothing after it, is refused: it names no file.
    pub fn parse(line: &'a [u8]) -> Result<Entry<'a>, ProtocolError> {
        let (space, len) = split(line)?;
        Ok(Entry {
            facts_text: &line[..space],
            name: &line[space + 1..len],
        })
    }

    /// Like [`Entry::parse`], and lower-cases the fact names in place
    /// first (values and the name are left as they are).
    pub fn parse_lowercase(line: &'a mut [u8]) -> Result<Entry<'a>, ProtocolError> {
        let (space, _) = split(line)?;
        let mut in_name = true;
        for b in &mut line[..space] {
            match *b {
                b'=' => in_name = false,
                b';' => in_name = true,
                _ if in_name => b.make_ascii_lowercase(),
                _ => {}
            }
        }
        Entry::parse(line)
    }

    /// The facts, in order. Empty pieces (a final `;`) are skipped.
    pub fn facts(&self) -> impl Iterator<Item = Fact<'a>> + 'a {
        self.facts_text
            .split(|&b| b == b';')
            .filter(|f| !f.is_empty())
            .map(|f| match f.iter().position(|&b| b == b'=') {
                Some(eq) => Fact {
                    name: &f[..eq],
                    value: &f[eq + 1..],
                },
                None => Fact {
                    name: f,
                    value: &[],
                },
            })
    }

    /// The value of a fact, by case-insensitive name.
    pub fn fact(&self, name: &str) -> Option<&'a [u8]> {
        self.facts()
            .find(|f| f.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|f| f.value)
    }

    /// The `type` fact.
    pub fn kind(&self) -> EntryKind<'a> {
        let Some(t) = self.fact("type") else {
            return EntryKind::Unknown;
        };
        let is = |s: &str| t.eq_ignore_ascii_case(s.as_bytes());
        let starts =
            |s: &str| t.len() >= s.len() && t[..s.len()].eq_ignore_ascii_case(s.as_bytes());
        if is("file") {
            EntryKind::File
        } else if is("dir") {
            EntryKind::Dir
        } else if is("cdir") {
            EntryKind::Cdir
        } else if is("pdir") {
            EntryKind::Pdir
        } else if starts("OS.unix=slink") || starts("OS.unix=symlink") {
            EntryKind::Link
        } else {
            EntryKind::Other(t)
        }
    }

    /// The `size` fact (or `sizd` for directories), if it is a number.
    pub fn size(&self) -> Option<u64> {
        let v = self.fact("size").or_else(|| self.fact("sizd"))?;
        if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
            return None;
        }
        v.iter().try_fold(0u64, |acc, &d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
    }

    /// The `modify` fact, if it is a valid timestamp.
    pub fn modify(&self) -> Option<Timestamp> {
        Timestamp::parse(self.fact("modify")?).ok()
    }

    /// The `perm` fact.
    pub fn perm(&self) -> Option<&'a [u8]> {
        self.fact("perm")
    }

    /// The `unique` fact.
    pub fn unique(&self) -> Option<&'a [u8]> {
        self.fact("unique")
    }

    /// The name as UTF-8, if it is.
    pub fn name_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.name).ok()
    }
}

/// The fact line of an MLST reply (`250-Listing x\n type=file;... x\n250 End`):
/// the first inner line, which starts with one space.
///
/// ```
/// use ftp_core::mlsd::mlst_line;
/// let text = b"250-Listing /x\n type=file;size=3; /x\n250 End";
/// assert_eq!(mlst_line(text), Some(&b"type=file;size=3; /x"[..]));
/// ```
pub fn mlst_line(text: &[u8]) -> Option<&[u8]> {
    mlst_line_range(text).map(|r| &text[r])
}

/// Where [`mlst_line`] lies in `text` (to parse it in place).
pub fn mlst_line_range(text: &[u8]) -> Option<core::ops::Range<usize>> {
    let mut start = 0;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 && line.first() == Some(&b' ') {
            return Some(start + 1..start + line.len());
        }
        start += line.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    #[test]
    fn server_shapes() {
        // vsftpd does not do MLSD; these are ProFTPD, Pure-FTPd, pyftpdlib,
        // IIS and FileZilla Server lines.
        let e = Entry::parse(b"modify=20240101120000;perm=adfrw;size=5;type=file;unique=FD00U1;UNIX.group=0;UNIX.mode=0644;UNIX.owner=0; a.txt\r\n").unwrap();
        assert_eq!(e.name, b"a.txt");
        assert_eq!(e.size(), Some(5));
        assert_eq!(e.unique(), Some(&b"FD00U1"[..]));
        let e =
            Entry::parse(b"type=cdir;sizd=4096;modify=20240101120000;UNIX.mode=0755; .").unwrap();
        assert_eq!(e.kind(), EntryKind::Cdir);
        assert_eq!(e.size(), Some(4096));
        let e = Entry::parse(b"type=pdir;modify=20240101120000; ..").unwrap();
        assert_eq!(e.kind(), EntryKind::Pdir);
        let e = Entry::parse(b"type=OS.unix=slink:/etc/x;modify=20240101120000; link").unwrap();
        assert_eq!(e.kind(), EntryKind::Link);
        let e = Entry::parse(b"Type=Dir;Modify=20240101120000.123;Perm=el; sub dir").unwrap();
        assert_eq!(e.kind(), EntryKind::Dir);
        assert_eq!(e.modify().unwrap().nanos, 123_000_000);
        let e = Entry::parse(b"size=0;type=file;perm=r;modify=20230101000000; empty").unwrap();
        assert_eq!(e.size(), Some(0));
        let e = Entry::parse(b"type=OS.unix=chr-1/3; null").unwrap();
        assert_eq!(e.kind(), EntryKind::Other(b"OS.unix=chr-1/3"));
    }

    #[test]
    fn names_are_kept_exactly() {
        let e = Entry::parse(b"type=file;  lead and trail  ").unwrap();
        assert_eq!(e.name, b" lead and trail  ");
        let e = Entry::parse(b"type=file; a;b=c d").unwrap();
        assert_eq!(e.name, b"a;b=c d");
        let e = Entry::parse(b" no facts").unwrap();
        assert_eq!(e.name, b"no facts");
        assert_eq!(e.facts().count(), 0);
        assert_eq!(e.kind(), EntryKind::Unknown);
    }

    #[test]
    fn values_keep_equals_signs() {
        let e = Entry::parse(b"x.hash=a=b=c;type=file; f").unwrap();
        assert_eq!(e.fact("X.HASH"), Some(&b"a=b=c"[..]));
    }

    #[test]
    fn lowercase_in_place_leaves_values_and_name() {
        let mut line = *b"Type=File;UNIX.Mode=0644;X=AbC; NaMe";
        let e = Entry::parse_lowercase(&mut line).unwrap();
        let names: heapless::Vec<&[u8], 4> = e.facts().map(|f| f.name).collect();
        assert_eq!(&names[..], &[&b"type"[..], b"unix.mode", b"x"]);
        assert_eq!(e.fact("x"), Some(&b"AbC"[..]));
        assert_eq!(e.kind(), EntryKind::File);
        assert_eq!(e.name, b"NaMe");
    }

    #[test]
    fn malformed_lines() {
        assert!(Entry::parse(b"type=file;size=3;").is_err());
        assert!(Entry::parse(b"type=file; ").is_err());
        assert!(Entry::parse(b"").is_err());
        let e = Entry::parse(b"size=abc;type=file; f").unwrap();
        assert_eq!(e.size(), None);
        let e = Entry::parse(b"size=99999999999999999999999;type=file; f").unwrap();
        assert_eq!(e.size(), None);
        let e = Entry::parse(b"modify=2024;type=file; f").unwrap();
        assert_eq!(e.modify(), None);
    }
}
