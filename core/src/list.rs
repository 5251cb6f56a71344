//! LIST lines: Unix `ls -l` and DOS/IIS formats, parsed without copying.

use crate::fault::ProtocolError;

/// What a LIST entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ListKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Link,
    /// A device, pipe, socket or other special file.
    Other,
}

/// The time column of a listing. Unix listings give either the time of day
/// (for recent files, year left out) or the year (time left out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ListTime {
    /// The year, when the listing shows it.
    pub year: Option<u16>,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day, 1 to 31.
    pub day: u8,
    /// Hour and minute, when the listing shows them.
    pub time: Option<(u8, u8)>,
}

/// One parsed LIST line.
///
/// ```
/// use ftp_core::list::{parse_list_line, ListKind};
/// let e = parse_list_line(b"-rw-rw-r--    1 1176     1176         1063 Jun 15 10:18 README").unwrap().unwrap();
/// assert_eq!(e.name, b"README");
/// assert_eq!(e.kind, ListKind::File);
/// assert_eq!(e.size, Some(1063));
/// let e = parse_list_line(b"01-16-02  11:14AM       <DIR>          epsgroup").unwrap().unwrap();
/// assert_eq!((e.name, e.kind), (&b"epsgroup"[..], ListKind::Dir));
/// assert_eq!(parse_list_line(b"total 9").unwrap(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ListEntry<'a> {
    /// The name (for a link, the part before ` -> `).
    pub name: &'a [u8],
    /// What it is.
    pub kind: ListKind,
    /// The size in bytes (`None` for device files and DOS directories).
    pub size: Option<u64>,
    /// A symbolic link's target.
    pub link_target: Option<&'a [u8]>,
    /// The time column.
    pub time: Option<ListTime>,
    /// Unix permissions, `rwxr-xr-x` style, with the type letter.
    pub permissions: Option<&'a [u8]>,
    /// The owner, when the listing shows one.
    pub owner: Option<&'a [u8]>,
    /// The group, when the listing shows one.
    pub group: Option<&'a [u8]>,
}

/// Start and end of up to 12 whitespace-separated tokens.
fn tokens(line: &[u8]) -> heapless::Vec<(usize, usize), 12> {
    let mut out = heapless::Vec::new();
    let mut i = 0;
    while i < line.len() && !out.is_full() {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < line.len() && !line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i > start {
            // Cannot fail: checked `is_full` above.
            let _ = out.push((start, i));
        }
    }
    out
}

fn number(text: &[u8]) -> Option<u64> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    text.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

fn small(text: &[u8], max: u64) -> Option<u8> {
    number(text).filter(|n| *n <= max).map(|n| n as u8)
}

fn month(text: &[u8]) -> Option<u8> {
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(text))
        .map(|i| i as u8 + 1)
}

/// `HH:MM`.
fn clock(text: &[u8]) -> Option<(u8, u8)> {
    let colon = text.iter().position(|&b| b == b':')?;
    Some((small(&text[..colon], 23)?, small(&text[colon + 1..], 59)?))
}

/// Finds `Mon DD HH:MM|YYYY` or `YYYY-MM-DD HH:MM` starting at token `i`;
/// returns the time and the number of tokens it spans.
fn unix_date(line: &[u8], toks: &[(usize, usize)], i: usize) -> Option<(ListTime, usize)> {
    let tok = |k: usize| toks.get(i + k).map(|&(s, e)| &line[s..e]);
    if let Some(m) = tok(0).and_then(month) {
        let day = small(tok(1)?, 31).filter(|d| *d > 0)?;
        let last = tok(2)?;
        let (year, time) = match clock(last) {
            Some(t) => (None, Some(t)),
            None if last.len() == 4 => (Some(number(last)? as u16), None),
            None => return None,
        };
        return Some((
            ListTime {
                year,
                month: m,
                day,
                time,
            },
            3,
        ));
    }
    // ISO: 2024-01-15 12:00
    let date = tok(0)?;
    if date.len() != 10 || date[4] != b'-' || date[7] != b'-' {
        return None;
    }
    let year = number(&date[..4])? as u16;
    let month = small(&date[5..7], 12).filter(|m| *m > 0)?;
    let day = small(&date[8..10], 31).filter(|d| *d > 0)?;
    let time = clock(tok(1)?)?;
    Some((
        ListTime {
            year: Some(year),
            month,
            day,
            time: Some(time),
        },
        2,
    ))
}

fn is_unix_mode(perm: &[u8]) -> bool {
    perm.len() >= 10
        && b"-dlcbpsDn".contains(&perm[0])
        && perm[1..10].iter().all(|b| b"rwxsStTlL-".contains(b))
}

fn parse_unix(line: &[u8]) -> Option<ListEntry<'_>> {
    let toks = tokens(line);
    let perm = &line[toks.first()?.0..toks.first()?.1];
    if !is_unix_mode(perm) {
        return None;
    }
    // The date follows the size, which follows owner (and group).
    let (date_at, (time, span)) =
        (2..toks.len()).find_map(|i| unix_date(line, &toks, i).map(|d| (i, d)))?;
    let tok = |k: usize| &line[toks[k].0..toks[k].1];
    let size_tok = tok(date_at - 1);
    let device = size_tok.contains(&b',') || tok(date_at - 2).ends_with(b",");
    let size = if device {
        None
    } else {
        Some(number(size_tok)?)
    };
    let first_meta = 2 - usize::from(number(tok(1)).is_none());
    let meta_end = if device && !size_tok.contains(&b',') {
        date_at - 2
    } else {
        date_at - 1
    };
    let owner = (first_meta < meta_end).then(|| tok(first_meta));
    let group = (first_meta + 1 < meta_end).then(|| tok(first_meta + 1));
    // Exactly one space separates the time column from the name.
    let name_start = toks[date_at + span - 1].1 + 1;
    let mut name = line.get(name_start..).filter(|n| !n.is_empty())?;
    let kind = match perm[0] {
        b'-' => ListKind::File,
        b'd' => ListKind::Dir,
        b'l' => ListKind::Link,
        _ => ListKind::Other,
    };
    let mut link_target = None;
    let arrow = name.windows(4).position(|w| w == b" -> ");
    if let (ListKind::Link, Some(arrow)) = (kind, arrow) {
        link_target = Some(&name[arrow + 4..]);
        name = &name[..arrow];
    }
    // A link with nothing before its arrow has no name (found by fuzzing).
    if name.is_empty() {
        return None;
    }
    Some(ListEntry {
        name,
        kind,
        size,
        link_target,
        time: Some(time),
        permissions: Some(perm),
        owner,
        group,
    })
}

fn parse_dos(line: &[u8]) -> Option<ListEntry<'_>> {
    let toks = tokens(line);
    if toks.len() < 4 {
        return None;
    }
    let tok = |k: usize| &line[toks[k].0..toks[k].1];
    let date = tok(0);
    let sep = *date.get(2)?;
    if !(sep == b'-' || sep == b'/') || date.get(5) != Some(&sep) {
        return None;
    }
    let month = small(&date[..2], 12).filter(|m| *m > 0)?;
    let day = small(&date[3..5], 31).filter(|d| *d > 0)?;
    let year = match date.len() {
        8 => {
            let y = number(&date[6..8])? as u16;
            if y < 70 { 2000 + y } else { 1900 + y }
        }
        10 => number(&date[6..10])? as u16,
        _ => return None,
    };
    let t = tok(1);
    let (clock_part, pm) = if t.len() > 2 && t[t.len() - 2..].eq_ignore_ascii_case(b"PM") {
        (&t[..t.len() - 2], Some(true))
    } else if t.len() > 2 && t[t.len() - 2..].eq_ignore_ascii_case(b"AM") {
        (&t[..t.len() - 2], Some(false))
    } else {
        (t, None)
    };
    let (mut hour, minute) = clock(clock_part)?;
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    let what = tok(2);
    let (kind, size) = if what.eq_ignore_ascii_case(b"<DIR>") {
        (ListKind::Dir, None)
    } else {
        (ListKind::File, Some(number(what)?))
    };
    Some(ListEntry {
        name: &line[toks[3].0..],
        kind,
        size,
        link_target: None,
        time: Some(ListTime {
            year: Some(year),
            month,
            day,
            time: Some((hour, minute)),
        }),
        permissions: None,
        owner: None,
        group: None,
    })
}

/// Parses one LIST line (a trailing CR/LF is ignored). `Ok(None)` for lines
/// that are not entries (`total 123`, blank lines); an error for lines in
/// no known format.
pub fn parse_list_line(line: &[u8]) -> Result<Option<ListEntry<'_>>, ProtocolError> {
    let len = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    let line = &line[..len];
    if line.trim_ascii().is_empty() {
        return Ok(None);
    }
    let toks = tokens(line);
    if toks.len() == 2 && line[toks[0].0..toks[0].1].eq_ignore_ascii_case(b"total") {
        return Ok(None);
    }
    parse_unix(line)
        .or_else(|| parse_dos(line))
        .map(Some)
        .ok_or(ProtocolError::BadListing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_without_a_name_is_no_entry() {
        // Found by fuzzing: the name before " -> " was empty.
        let line = b"lrwxrwxrwx 100 Jan  1  2020  -> ikn-> t`rget";
        assert!(!matches!(parse_list_line(line), Ok(Some(e)) if e.name.is_empty()));
    }
    use std::prelude::rust_2024::*;

    fn entry(line: &[u8]) -> ListEntry<'_> {
        parse_list_line(line).unwrap().unwrap()
    }

    #[test]
    fn reference_listing() {
        let e = entry(b"drwxr-sr-x    5 1176     1176         4096 Dec 19  2000 pool");
        assert_eq!(e.kind, ListKind::Dir);
        assert_eq!(e.name, b"pool");
        assert_eq!(
            e.time,
            Some(ListTime {
                year: Some(2000),
                month: 12,
                day: 19,
                time: None
            })
        );
        assert_eq!(e.owner, Some(&b"1176"[..]));
        assert_eq!(e.group, Some(&b"1176"[..]));
        let e = entry(b"-rw-rw-r--    1 1176     1176         1063 Jun 15 10:18 README\r\n");
        assert_eq!(e.time.unwrap().time, Some((10, 18)));
        assert_eq!(e.time.unwrap().year, None);
        let e = entry(b"d-wxrwxr-x   2 ftp      wheel        1024 Sep  5 13:43 incoming");
        assert_eq!(e.name, b"incoming");
    }

    #[test]
    fn names_with_spaces_and_leading_spaces() {
        let e = entry(b"-rw-r--r--   1 user     group          12 Jan  1  2020 my file.txt");
        assert_eq!(e.name, b"my file.txt");
        let e = entry(b"-rw-r--r--   1 user     group          12 Jan  1 12:00  lead");
        assert_eq!(e.name, b" lead");
        let e = entry(b"-rw-r--r--   1 user     group          12 Jan  1 12:00 Jan 1 2000 x");
        assert_eq!(e.name, b"Jan 1 2000 x");
    }

    #[test]
    fn symlinks_devices_and_acl_markers() {
        let e = entry(b"lrwxrwxrwx   1 root     root            7 Mar  3  2021 bin -> usr/bin");
        assert_eq!(e.kind, ListKind::Link);
        assert_eq!(e.name, b"bin");
        assert_eq!(e.link_target, Some(&b"usr/bin"[..]));
        let e = entry(b"crw-rw-rw-   1 root     root       1,   3 Mar  3  2021 null");
        assert_eq!(
            (e.kind, e.size, e.name),
            (ListKind::Other, None, &b"null"[..])
        );
        assert_eq!(e.group, Some(&b"root"[..]));
        let e = entry(b"brw-rw----   1 root     disk       8,0 Mar  3 09:15 sda");
        assert_eq!(
            (e.kind, e.size, e.name),
            (ListKind::Other, None, &b"sda"[..])
        );
        let e = entry(b"-rw-r--r--+  1 user     group         100 Feb 29  2024 acl");
        assert_eq!(e.size, Some(100));
        let e = entry(b"drwxr-xr-x.  2 user     group        4096 Feb 29  2024 selinux");
        assert_eq!(e.kind, ListKind::Dir);
        let e = entry(b"prw-r--r--   1 user     group           0 Feb 29  2024 fifo");
        assert_eq!(e.kind, ListKind::Other);
    }

    #[test]
    fn server_variants() {
        // No group column (some embedded servers), no link count, ISO dates.
        let e = entry(b"-rw-r--r-- 1 owner 5 Jan 1 2000 nogroup");
        assert_eq!((e.owner, e.group), (Some(&b"owner"[..]), None));
        assert_eq!(e.size, Some(5));
        let e = entry(b"-rw-r--r-- owner group 6 Jan 1 2000 nolinks");
        assert_eq!(
            (e.owner, e.group, e.size),
            (Some(&b"owner"[..]), Some(&b"group"[..]), Some(6))
        );
        let e = entry(b"-rw-r--r--    1 ftp      ftp        123456 2024-01-15 12:00 iso name");
        assert_eq!(e.name, b"iso name");
        assert_eq!(e.time.unwrap().year, Some(2024));
        // Pure-FTPd and pyftpdlib shapes.
        let e = entry(b"-rw-r--r--    1 1000       1000               17 Nov 24 00:31 hello.txt");
        assert_eq!(e.size, Some(17));
        let e = entry(b"drwxrwxrwx   1 owner    group               0 Nov 24 00:31 FileZilla dir");
        assert_eq!(e.name, b"FileZilla dir");
    }

    #[test]
    fn dos_iis() {
        let e = entry(b"01-16-02  11:14AM       <DIR>          epsgroup");
        assert_eq!(e.time.unwrap().year, Some(2002));
        let e = entry(b"12-05-1999  03:09PM                 1234 file with spaces.txt");
        assert_eq!((e.kind, e.size), (ListKind::File, Some(1234)));
        assert_eq!(e.name, b"file with spaces.txt");
        assert_eq!(
            e.time,
            Some(ListTime {
                year: Some(1999),
                month: 12,
                day: 5,
                time: Some((15, 9))
            })
        );
        let e = entry(b"01-01-24  12:30AM                    0 midnight");
        assert_eq!(e.time.unwrap().time, Some((0, 30)));
        let e = entry(b"06-30-2024  17:45                  42 h24");
        assert_eq!(e.time.unwrap().time, Some((17, 45)));
    }

    #[test]
    fn not_entries_and_garbage() {
        assert_eq!(parse_list_line(b"").unwrap(), None);
        assert_eq!(parse_list_line(b"   \r\n").unwrap(), None);
        assert_eq!(parse_list_line(b"total 0").unwrap(), None);
        for bad in [
            &b"hello world"[..],
            b"-rw-r--r-- 1 a b 12 Jan 1 2000",
            b"-rw-r--r-- 1 a b 12 Jan 1 2000 ",
            b"-rw-r--r-- 1 a b xx Jan 1 2000 name",
            b"-rw-r--r-- 1 a b 12 Foo 1 2000 name",
            b"-rw-r--r-- 1 a b 12 Jan 32 2000 name",
            b"13-01-02  11:14AM       <DIR>          x",
            b"01-16-02  11:14AM       abc          x",
            b"\xff\xfe\x00",
        ] {
            assert!(parse_list_line(bad).is_err(), "{bad:?}");
        }
    }
}
