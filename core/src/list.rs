//! LIST lines, parsed without copying: Unix `ls -l`, DOS/IIS, EPLF,
//! VMS, OS/400 (IBM i) and z/OS (MVS data sets and members). Each format
//! is one function (`fn(&[u8]) -> Option<ListEntry>`) in [`FORMATS`],
//! tried in order; a line none of them takes is an error,
//! never a guessed entry. [`ListParser`] adds what one line cannot know:
//! a VMS entry whose name stands alone on a line before the rest.

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

/// EPLF (D. J. Bernstein's "easily parsed LIST format"): `+` facts
/// separated by commas, a tab, the name. `/` a directory, `r` a file one
/// can retrieve, `s` the size, `m` the modification time in Unix seconds.
///
/// ```text
/// +i8388621.48594,m825718503,r,s280,\tdjb.html
/// +i8388621.50690,m824255907,/,\t514
/// ```
fn parse_eplf(line: &[u8]) -> Option<ListEntry<'_>> {
    let facts = line.strip_prefix(b"+")?;
    let tab = facts.iter().position(|&b| b == b'\t')?;
    let (facts, name) = (&facts[..tab], &facts[tab + 1..]);
    if name.is_empty() {
        return None;
    }
    let (mut kind, mut size, mut time) = (None, None, None);
    for fact in facts.split(|&b| b == b',').filter(|f| !f.is_empty()) {
        match fact[0] {
            b'/' => kind = Some(ListKind::Dir),
            b'r' => kind = kind.or(Some(ListKind::File)),
            b's' => size = Some(number(&fact[1..])?),
            b'm' => {
                let t = crate::timestamp::Timestamp::from_unix_seconds(
                    i64::try_from(number(&fact[1..])?).ok()?,
                )?;
                time = Some(ListTime {
                    year: Some(t.year),
                    month: t.month,
                    day: t.day,
                    time: Some((t.hour, t.minute)),
                });
            }
            // i (an identifier), up (permissions) and facts to come.
            _ => {}
        }
    }
    Some(ListEntry {
        name,
        // Neither `/` nor `r`: something one can neither enter nor fetch.
        kind: kind.unwrap_or(ListKind::Other),
        size: size.filter(|_| kind == Some(ListKind::File)),
        link_target: None,
        time,
        permissions: None,
        owner: None,
        group: None,
    })
}

/// A VMS file name with its version, `NAME.EXT;3`: the name without the
/// version, and whether it is a directory (`NAME.DIR;1` is `NAME`).
fn vms_name(token: &[u8]) -> Option<(&[u8], ListKind)> {
    let semi = token.iter().rposition(|&b| b == b';')?;
    let (name, version) = (&token[..semi], &token[semi + 1..]);
    number(version)?;
    if name.is_empty() || name.iter().any(|&b| b == b'/' || b == b'[' || b == b']') {
        return None;
    }
    match name.len().checked_sub(4) {
        Some(at) if name[at..].eq_ignore_ascii_case(b".DIR") && at > 0 => {
            Some((&name[..at], ListKind::Dir))
        }
        _ => Some((name, ListKind::File)),
    }
}

/// A VMS date and time, `12-FEB-2003 10:16:42` (seconds optional).
fn vms_date(date: &[u8], clock_text: &[u8]) -> Option<ListTime> {
    let mut parts = date.split(|&b| b == b'-');
    let day = small(parts.next()?, 31).filter(|d| *d > 0)?;
    let month = month(parts.next()?)?;
    let year = number(parts.next()?).filter(|y| (1900..=9999).contains(y))? as u16;
    if parts.next().is_some() {
        return None;
    }
    let hm = match clock_text.iter().filter(|&&b| b == b':').count() {
        1 => clock_text,
        2 => &clock_text[..clock_text.iter().rposition(|&b| b == b':')?],
        _ => return None,
    };
    Some(ListTime {
        year: Some(year),
        month,
        day,
        time: Some(clock(hm.split(|&b| b == b'.').next()?)?),
    })
}

/// The columns of a VMS entry after its name: size (blocks, `2/3` used and
/// allocated, or `2`), date, time, then owner `[GROUP,USER]` and
/// protection `(RWED,RWED,RE,)` when shown.
fn vms_rest<'a>(name: &'a [u8], kind: ListKind, rest: &'a [u8]) -> Option<ListEntry<'a>> {
    let toks = tokens(rest);
    let tok = |k: usize| toks.get(k).map(|&(s, e)| &rest[s..e]);
    let blocks = tok(0)?;
    let (used, allocated) = match blocks.iter().position(|&b| b == b'/') {
        Some(i) => (&blocks[..i], Some(&blocks[i + 1..])),
        None => (blocks, None),
    };
    number(used)?;
    if let Some(a) = allocated {
        number(a)?;
    }
    let time = vms_date(tok(1)?, tok(2)?)?;
    let mut owner = None;
    let mut permissions = None;
    for t in toks.iter().skip(3).map(|&(s, e)| &rest[s..e]) {
        if t.starts_with(b"[") && t.ends_with(b"]") {
            owner = Some(&t[1..t.len() - 1]);
        } else if t.starts_with(b"(") && t.ends_with(b")") {
            permissions = Some(t);
        } else {
            return None;
        }
    }
    Some(ListEntry {
        name,
        kind,
        // Blocks of 512 bytes, rounded up: no exact size. A guessed size
        // would fail a download's completeness check or skip a mirror's
        // file, so there is none.
        size: None,
        link_target: None,
        time: Some(time),
        permissions,
        owner,
        group: None,
    })
}

/// VMS (MultiNet, TCPware, UCX): `NAME.EXT;1   2/3   12-FEB-2003 10:16:42
/// [SYSTEM]   (RWED,RWED,RE,RE)`.
fn parse_vms(line: &[u8]) -> Option<ListEntry<'_>> {
    let first = tokens(line).first().copied()?;
    let (name, kind) = vms_name(&line[first.0..first.1])?;
    vms_rest(name, kind, &line[first.1..])
}

/// `YYYY/MM/DD`, z/OS's dates.
fn slash_date(t: &[u8]) -> Option<ListTime> {
    if t.len() != 10 || t[4] != b'/' || t[7] != b'/' {
        return None;
    }
    Some(ListTime {
        year: Some(number(&t[..4]).filter(|y| (1900..=9999).contains(y))? as u16),
        month: small(&t[5..7], 12).filter(|m| *m > 0)?,
        day: small(&t[8..10], 31).filter(|d| *d > 0)?,
        time: None,
    })
}

/// A z/OS data set (the `Volume Unit Referred Ext Used Recfm Lrecl BlkSz
/// Dsorg Dsname` listing of an MVS directory): a partitioned one (`PO`,
/// `PO-E`) is a directory of members, a sequential one (`PS`) a file,
/// any other organisation (VSAM, direct) something to neither enter nor
/// fetch as a file. `Used` counts tracks, so there is no size; the time
/// is the day it was last referred to. Data sets migrated by HSM
/// (`Migrated NAME`), on tape (`ARCIVE Not Direct Access Device NAME`) and
/// aliases (`Pseudo Directory NAME`) have their name alone.
///
/// ```text
/// WYOSPT 3390   2004/06/23  1    1  FB     128  6144  PS    INCOMING.RPTBM023.D061704
/// ```
fn parse_mvs_dataset(line: &[u8]) -> Option<ListEntry<'_>> {
    let toks = tokens(line);
    let tok = |k: usize| toks.get(k).map_or(&b""[..], |&(s, e)| &line[s..e]);
    let alone = |name: &'static [u8], kind| {
        let words = name.split(|&b| b == b' ').count();
        (toks.len() == words + 1
            && name
                .split(|&b| b == b' ')
                .enumerate()
                .all(|(i, w)| tok(i) == w))
        .then(|| entry_named(tok(words), kind, None, None))
    };
    if let Some(e) = alone(b"Migrated", ListKind::Other)
        .or_else(|| alone(b"Pseudo Directory", ListKind::Dir))
        .or_else(|| alone(b"ARCIVE Not Direct Access Device", ListKind::Other))
    {
        return Some(e);
    }
    if toks.len() != 10 {
        return None;
    }
    let time = match tok(2) {
        b"**NONE**" => None,
        date => Some(slash_date(date)?),
    };
    // Ext, Used, Lrecl, BlkSz are numbers; Recfm letters (FB, VBA, U).
    [3, 4, 6, 7]
        .iter()
        .try_for_each(|&k| number(tok(k)).map(drop))?;
    if !tok(5).iter().all(u8::is_ascii_uppercase) || tok(5).is_empty() {
        return None;
    }
    let kind = match tok(8) {
        b"PS" => ListKind::File,
        b"PO" | b"PO-E" => ListKind::Dir,
        o if !o.is_empty()
            && o.iter()
                .all(|b| b.is_ascii_uppercase() || b"-?".contains(b)) =>
        {
            ListKind::Other
        }
        _ => return None,
    };
    Some(entry_named(tok(9), kind, None, time))
}

/// An entry with a name, a kind, a size and a time alone.
fn entry_named(
    name: &[u8],
    kind: ListKind,
    size: Option<u64>,
    time: Option<ListTime>,
) -> ListEntry<'_> {
    ListEntry {
        name,
        kind,
        size,
        link_target: None,
        time,
        permissions: None,
        owner: None,
        group: None,
    }
}

/// A member name of a partitioned data set: 1 to 8 of `A-Z 0-9 @ # $`,
/// not starting with a digit.
fn member_name(t: &[u8]) -> bool {
    (1..=8).contains(&t.len())
        && !t[0].is_ascii_digit()
        && t.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"@#$".contains(b))
}

/// A member of a z/OS partitioned data set (the listing after CWD into
/// one): with ISPF statistics (`Name VV.MM Created Changed Size Init Mod
/// Id`: the time is the change's; `Size` counts lines, so there is no size),
/// a load module's (`Name Size TTR ...`, hexadecimal), or the name alone.
///
/// ```text
/// TBSHELF1  01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001
/// EAGKCPT   000018   000008          00 FO             RN RU          31    ANY
/// SAVE04
/// ```
fn parse_mvs_member(line: &[u8]) -> Option<ListEntry<'_>> {
    let toks = tokens(line);
    let tok = |k: usize| toks.get(k).map_or(&b""[..], |&(s, e)| &line[s..e]);
    let name = tok(0);
    if !member_name(name) {
        return None;
    }
    if toks.len() == 1 {
        return Some(entry_named(name, ListKind::File, None, None));
    }
    let hex6 = |t: &[u8]| t.len() == 6 && t.iter().all(u8::is_ascii_hexdigit);
    if hex6(tok(1)) && hex6(tok(2)) {
        return Some(entry_named(name, ListKind::File, None, None));
    }
    let vv_mm = tok(1);
    let version = vv_mm.len() == 5
        && vv_mm[2] == b'.'
        && vv_mm
            .iter()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_digit());
    if !version || toks.len() < 8 {
        return None;
    }
    slash_date(tok(2))?;
    let mut time = slash_date(tok(3))?;
    time.time = Some(clock(tok(4))?);
    [5, 6, 7]
        .iter()
        .try_for_each(|&k| number(tok(k)).map(drop))?;
    Some(entry_named(name, ListKind::File, None, Some(time)))
}

/// An OS/400 (IBM i) date in the job's format: `YY/MM/DD`, `MM/DD/YY`,
/// `DD/MM/YY`, `DD.MM.YY`, or with a four-digit year. `Some(None)` for a
/// date more than one order reads differently (`04/03/18`): no time
/// rather than a wrong one; `None` for no date at all.
fn os400_date(t: &[u8]) -> Option<Option<(u16, u8, u8)>> {
    let sep = *t.iter().find(|b| b"/.-".contains(b))?;
    let mut parts = t.split(|&b| b == sep);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let year = |y: &[u8]| -> Option<u16> {
        let n = number(y)? as u16;
        Some(match y.len() {
            2 if n < 70 => 2000 + n,
            2 => 1900 + n,
            4 => n,
            _ => return None,
        })
    };
    let valid = |y: Option<u16>, m: &[u8], d: &[u8]| -> Option<(u16, u8, u8)> {
        let (m, d) = (small(m, 12)?, small(d, 31)?);
        (m > 0 && d > 0).then_some((y?, m, d))
    };
    match (a.len(), b.len(), c.len()) {
        (4, 2, 2) => valid(year(a), b, c).map(Some),
        (2, 2, 4) if sep == b'.' => valid(year(c), b, a).map(Some),
        (2, 2, 4) => valid(year(c), a, b).map(Some),
        (2, 2, 2) if sep == b'.' => valid(year(c), b, a).map(Some),
        (2, 2, 2) => {
            let ymd = valid(year(a), b, c);
            let mdy = valid(year(c), a, b);
            let dmy = valid(year(c), b, a);
            match (ymd, mdy, dmy) {
                (None, None, None) => None,
                (Some(x), None, None) | (None, Some(x), None) | (None, None, Some(x)) => {
                    Some(Some(x))
                }
                // Month and day the same both ways: the same date.
                (None, Some(x), Some(y)) if x == y => Some(Some(x)),
                _ => Some(None),
            }
        }
        _ => None,
    }
}

/// OS/400 (IBM i) objects: `OWNER SIZE DATE TIME *TYPE NAME`, a member of
/// a database file with its type and name alone (`*MEM FILE.FILE/M.MBR`).
/// Libraries, folders, directories and database files (`*LIB`, `*FLR`,
/// `*DIR`, `*DDIR`, `*FILE`) can be entered; stream files, documents and
/// members (`*STMF`, `*DSTMF`, `*DOC`, `*MEM`) fetched; the name is the
/// last part of a path, without a directory's trailing `/`.
///
/// ```text
/// PEP              4019 04/03/18 18:58:16 *STMF      einladung.zip
/// PEP             36864 04/03/24 14:06:34 *DIR       dir1/
///                                         *MEM       MYFILE.FILE/MYFILE.MBR
/// ```
fn parse_os400(line: &[u8]) -> Option<ListEntry<'_>> {
    let toks = tokens(line);
    let tok = |k: usize| toks.get(k).map_or(&b""[..], |&(s, e)| &line[s..e]);
    let object =
        |t: &[u8]| t.len() > 1 && t[0] == b'*' && t[1..].iter().all(u8::is_ascii_uppercase);
    let at = if object(tok(0)) {
        0
    } else if toks.len() > 5 && object(tok(4)) {
        4
    } else {
        return None;
    };
    let (owner, size, time) = if at == 4 {
        let size = number(tok(1))?;
        let clock_text = tok(3);
        let hm = match clock_text.iter().filter(|&&b| b == b':').count() {
            2 => clock(&clock_text[..clock_text.iter().rposition(|&b| b == b':')?])?,
            1 => clock(clock_text)?,
            _ => return None,
        };
        let time = os400_date(tok(2))?.map(|(year, month, day)| ListTime {
            year: Some(year),
            month,
            day,
            time: Some(hm),
        });
        (Some(tok(0)), Some(size), time)
    } else {
        (None, None, None)
    };
    let kind = match tok(at) {
        b"*STMF" | b"*DSTMF" | b"*DOC" | b"*MEM" => ListKind::File,
        b"*DIR" | b"*DDIR" | b"*LIB" | b"*FLR" | b"*FILE" => ListKind::Dir,
        _ => ListKind::Other,
    };
    let (_, type_end) = toks[at];
    let path = line.get(type_end..)?.trim_ascii();
    let path = path.strip_suffix(b"/").unwrap_or(path);
    let name = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => &path[i + 1..],
        None => path,
    };
    if name.is_empty() {
        return None;
    }
    Some(ListEntry {
        owner,
        ..entry_named(name, kind, size.filter(|_| kind != ListKind::Dir), time)
    })
}

/// A LIST format: one line in, the entry it is, or `None` when the line is
/// not in that format.
pub type ListFormat = for<'a> fn(&'a [u8]) -> Option<ListEntry<'a>>;

/// The formats [`parse_list_line`] tries, in order. EPLF first (its `+`
/// start is unmistakable); then Unix, DOS, VMS, OS/400, z/OS data sets;
/// z/OS members last, since a member's name may stand alone.
pub const FORMATS: [ListFormat; 7] = [
    parse_eplf,
    parse_unix,
    parse_dos,
    parse_vms,
    parse_os400,
    parse_mvs_dataset,
    parse_mvs_member,
];

/// The line without its CR/LF; `None` for a line that is no entry in any
/// format (blank, `total 123`, VMS's `Directory DISK:[DIR]` and `Total of
/// 3 files, 4/9 blocks.`, z/OS's column headings).
fn content(line: &[u8]) -> Option<&[u8]> {
    let len = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    let line = &line[..len];
    if line.trim_ascii().is_empty() {
        return None;
    }
    let toks = tokens(line);
    let word = |k: usize| toks.get(k).map_or(&b""[..], |&(s, e)| &line[s..e]);
    let heading = (toks.len() == 2 && word(0).eq_ignore_ascii_case(b"total"))
        || (toks.len() == 2 && word(0) == b"Directory" && word(1).ends_with(b"]"))
        || (word(0) == b"Total" && word(1) == b"of" && line.ends_with(b"."))
        || (word(0) == b"Grand" && word(1) == b"total")
        // z/OS: the data sets' and the members' column headings.
        || (word(0) == b"Volume" && word(1) == b"Unit")
        || (word(0) == b"Name" && (word(1) == b"VV.MM" || word(1) == b"Size"));
    (!heading).then_some(line)
}

/// Parses one LIST line (a trailing CR/LF is ignored) in any of
/// [`FORMATS`]. `Ok(None)` for lines that are not entries (`total 123`,
/// blank lines, VMS's headings); an error for lines in no known format,
/// so that a caller reports them instead of acting on a wrong entry. A
/// VMS entry split over two lines needs [`ListParser`].
pub fn parse_list_line(line: &[u8]) -> Result<Option<ListEntry<'_>>, ProtocolError> {
    let Some(line) = content(line) else {
        return Ok(None);
    };
    FORMATS
        .iter()
        .find_map(|format| format(line))
        .map(Some)
        .ok_or(ProtocolError::BadListing)
}

/// One line of a STAT reply as a LIST line, or `None` for the reply's
/// first and last lines (`213-Status follows:`, `213 End of status`).
/// `code` is the reply's code, from its first line. A server may start
/// each line of the listing with a space (ProFTPD: RFC 959 asks for one
/// before a line that would look like a code) or repeat the code
/// (`213-drwxr-xr-x ...`); both are taken off.
///
/// ```
/// use ftp_core::list::stat_line;
/// assert_eq!(stat_line(b" -rw-r--r-- 1 u g 5 Dec  7 23:50 a", *b"212", false, false), Some(&b"-rw-r--r-- 1 u g 5 Dec  7 23:50 a"[..]));
/// assert_eq!(stat_line(b"213-drwxr-xr-x 2 u g 4096 Dec 07 23:50 sub", *b"213", false, false), Some(&b"drwxr-xr-x 2 u g 4096 Dec 07 23:50 sub"[..]));
/// assert_eq!(stat_line(b"213 End of status", *b"213", false, true), None);
/// ```
pub fn stat_line(text: &[u8], code: [u8; 3], first: bool, last: bool) -> Option<&[u8]> {
    if first || last {
        return None;
    }
    if let Some(rest) = text.strip_prefix(&code).and_then(|r| r.strip_prefix(b"-")) {
        return Some(rest);
    }
    Some(text.strip_prefix(b" ").unwrap_or(text))
}

/// The longest VMS name [`ListParser`] keeps from one line for the next
/// (ODS-5 allows 255 bytes and a version).
const PENDING_NAME: usize = 264;

/// Parses a listing line by line, including VMS entries whose long name
/// stands alone on one line and its columns on the next:
///
/// ```
/// use ftp_core::list::{ListKind, ListParser};
/// let mut p = ListParser::new();
/// assert_eq!(p.line(b"A_RATHER_LONG_FILE_NAME_FOR_THE_COLUMN.TXT;2").unwrap(), None);
/// let e = p.line(b"                 4/6      3-MAR-2021 09:05:11  [SYSTEM]  (RWED,RWED,RE,)").unwrap().unwrap();
/// assert_eq!(e.name, b"A_RATHER_LONG_FILE_NAME_FOR_THE_COLUMN.TXT");
/// assert_eq!(e.kind, ListKind::File);
/// let e = p.line(b"SUBDIR.DIR;1   1/3   3-MAR-2021 09:05  [SYSTEM]  (RWE,RWE,RE,RE)").unwrap().unwrap();
/// assert_eq!((e.name, e.kind), (&b"SUBDIR"[..], ListKind::Dir));
/// assert!(p.finish().is_ok());
/// ```
#[derive(Clone, Debug, Default)]
pub struct ListParser {
    /// A VMS name that came alone, waiting for its columns.
    pending: heapless::Vec<u8, PENDING_NAME>,
    /// `pending` went out in an entry: cleared at the next line.
    taken: bool,
}

impl ListParser {
    /// A parser at the start of a listing.
    pub const fn new() -> Self {
        ListParser {
            pending: heapless::Vec::new(),
            taken: false,
        }
    }

    /// One line of the listing: the entry it completes, `Ok(None)` when it
    /// is none (a heading, a blank line, a VMS name whose columns follow),
    /// an error for a line in no known format (or a VMS name whose next
    /// line was not its columns).
    pub fn line<'a>(&'a mut self, line: &'a [u8]) -> Result<Option<ListEntry<'a>>, ProtocolError> {
        // The name an entry of the last line borrowed is done with.
        if self.taken {
            self.pending.clear();
            self.taken = false;
        }
        let Some(text) = content(line) else {
            return self.no_columns_yet();
        };
        if !self.pending.is_empty() {
            // Only the columns may follow a name that came alone.
            let columns = vms_name(&self.pending)
                .is_some_and(|(name, kind)| vms_rest(name, kind, text).is_some());
            if !columns {
                self.pending.clear();
                return Err(ProtocolError::BadListing);
            }
            self.taken = true;
            let (name, kind) = vms_name(&self.pending).ok_or(ProtocolError::BadListing)?;
            return vms_rest(name, kind, text)
                .map(Some)
                .ok_or(ProtocolError::BadListing);
        }
        let name = text.trim_ascii();
        if tokens(text).len() == 1 && vms_name(name).is_some() {
            if self.pending.extend_from_slice(name).is_err() {
                self.pending.clear();
                return Err(ProtocolError::BadListing);
            }
            return Ok(None);
        }
        parse_list_line(text)
    }

    /// A line that is no entry: fine, unless a VMS name waits for its
    /// columns.
    fn no_columns_yet<'a>(&mut self) -> Result<Option<ListEntry<'a>>, ProtocolError> {
        if self.pending.is_empty() {
            return Ok(None);
        }
        self.pending.clear();
        Err(ProtocolError::BadListing)
    }

    /// The end of the listing: an error when a VMS name never got its
    /// columns.
    pub fn finish(&mut self) -> Result<(), ProtocolError> {
        let waiting = !self.pending.is_empty() && !self.taken;
        self.pending.clear();
        self.taken = false;
        if waiting {
            Err(ProtocolError::BadListing)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Text;

    /// z/OS data sets and members. Samples from Apache Commons Net,
    /// src/test/java/org/apache/commons/net/ftp/parser/MVSFTPEntryParserTest.java
    /// (its good and bad samples) and MVSFTPEntryParser.java's comments;
    /// `Migrated` and `Pseudo Directory` as IBM's z/OS Communications
    /// Server (IP User's Guide and Commands, the FTP LIST of an MVS
    /// catalog) shows HSM-migrated data sets and aliases.
    #[test]
    fn zos_data_sets_and_members() {
        let t = |y, m, d, time| {
            Some(ListTime {
                year: Some(y),
                month: m,
                day: d,
                time,
            })
        };
        for (line, name, kind, time) in [
            (
                &b"SAVE00 3390   2004/06/23  1    1  FB     128  6144  PS    INCOMING.RPTBM023.D061704"[..],
                &b"INCOMING.RPTBM023.D061704"[..],
                ListKind::File,
                t(2004, 6, 23, None),
            ),
            (
                b"SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704",
                b"INCOMING.RPTBM024.D061704",
                ListKind::Dir,
                t(2004, 6, 23, None),
            ),
            (
                b"SAVE02 3390   2004/06/23  1    1  FB     128  6144  PO-E  INCOMING.RPTBM025.D061704",
                b"INCOMING.RPTBM025.D061704",
                ListKind::Dir,
                t(2004, 6, 23, None),
            ),
            (
                b"PSMLC1 3390   2005/04/04  1    1  VB   27994 27998  PS    file3.I",
                b"file3.I",
                ListKind::File,
                t(2005, 4, 4, None),
            ),
            (
                b"B10142 3390 2006/03/20 2 31 F 80 80 PS MDI.OKL.WORK",
                b"MDI.OKL.WORK",
                ListKind::File,
                t(2006, 3, 20, None),
            ),
            (
                b"B1N231 3390 2006/03/20 1 15 VB 256 27998 PO PLU",
                b"PLU",
                ListKind::Dir,
                t(2006, 3, 20, None),
            ),
            (
                b"ARCIVE Not Direct Access Device KJ.IOP998.ERROR.PL.UNITTEST",
                b"KJ.IOP998.ERROR.PL.UNITTEST",
                ListKind::Other,
                None,
            ),
            (b"Migrated                                                HLQ.OLD.DATA", b"HLQ.OLD.DATA", ListKind::Other, None),
            (b"Pseudo Directory                                        HLQ.ALIAS", b"HLQ.ALIAS", ListKind::Dir, None),
            (
                b"SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
                b"SAVE03",
                ListKind::File,
                t(2002, 10, 11, Some((9, 37))),
            ),
            (b"SAVE04                                                              ", b"SAVE04", ListKind::File, None),
            (
                b"EAGKCPT   000018   000008          00 FO             RN RU          31    ANY",
                b"EAGKCPT",
                ListKind::File,
                None,
            ),
        ] {
            let e = entry(line);
            assert_eq!((e.name, e.kind, e.time, e.size), (name, kind, time, None), "{:?}", Text(line));
        }
        for heading in [
            &b"Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname"[..],
            b"Name      VV.MM   Created       Changed      Size  Init   Mod   Id",
            b"Name      Size     TTR   Alias-of AC --------- Attributes --------- Amode Rmode",
        ] {
            assert_eq!(parse_list_line(heading), Ok(None));
        }
        for bad in [
            &b"MigratedP201.$FTXPBI1.$CF2ITB.$AAB0402.I"[..],
            b"PSMLC133902005/04/041VB2799427998PSfile1.I",
            b"file2.O",
            b"SAVE00 3390   2004/13/23  1    1  FB     128  6144  PS    BAD.MONTH",
            b"SAVE03    01.03 2002/09/12 2002/10/11 29:37    11    11     0 KIL001",
        ] {
            assert_eq!(
                parse_list_line(bad),
                Err(ProtocolError::BadListing),
                "{:?}",
                Text(bad)
            );
        }
    }

    /// OS/400 (IBM i). Samples from Apache Commons Net,
    /// src/test/java/org/apache/commons/net/ftp/parser/OS400FTPEntryParserTest.java
    /// (good and bad samples, NET-573); the `*MEM` and `*FILE` lines are
    /// made in the same columns, as an IBM i server lists a database file.
    #[test]
    fn os400_objects() {
        let e = entry(b"PEP              4019 04/03/18 18:58:16 *STMF      einladung.zip");
        assert_eq!(
            (e.name, e.kind, e.size, e.owner),
            (
                &b"einladung.zip"[..],
                ListKind::File,
                Some(4019),
                Some(&b"PEP"[..])
            )
        );
        // 04/03/18 reads as 2004-03-18, 2018-04-03 and 2018-03-04: no time.
        assert_eq!(e.time, None);
        let e = entry(b"PEP             36864 04/03/24 14:06:34 *DIR       dir1/");
        assert_eq!(
            (e.name, e.kind, e.size),
            (&b"dir1"[..], ListKind::Dir, None)
        );
        let e = entry(b"PEP              5000000000 04/03/24 14:06:29 *STMF      build.xml");
        assert_eq!(e.size, Some(5_000_000_000));
        let e = entry(
            b"ZFTPDEV 9069 05/20/15 15:36:52 *STMF /DRV/AUDWRKSHET/AUDWRK0204232015114625.PDF",
        );
        assert_eq!(
            (e.name, e.size),
            (&b"AUDWRK0204232015114625.PDF"[..], Some(9069))
        );
        let may_20 = ListTime {
            year: Some(2015),
            month: 5,
            day: 20,
            time: Some((15, 36)),
        };
        assert_eq!(e.time, Some(may_20));
        // The day first with dots (*EUR), a four-digit year first (*ISO).
        assert_eq!(entry(b"Q 1 20.05.15 15:36:52 *STMF a").time, Some(may_20));
        assert_eq!(entry(b"Q 1 2015-05-20 15:36:52 *STMF a").time, Some(may_20));
        let e = entry(b"CFTPUSR         20480 05/20/15 11:55:22 *FILE      MYFILE.FILE");
        assert_eq!((e.name, e.kind), (&b"MYFILE.FILE"[..], ListKind::Dir));
        let e = entry(b"                                        *MEM       MYFILE.FILE/MYFILE.MBR");
        assert_eq!(
            (e.name, e.kind, e.size, e.time, e.owner),
            (&b"MYFILE.MBR"[..], ListKind::File, None, None, None)
        );
        let e = entry(b"QSYS           77824 02/23/00 15:09:55 *LIB       QGPL.LIB/");
        assert_eq!((e.name, e.kind), (&b"QGPL.LIB"[..], ListKind::Dir));
        for bad in [
            &b"PEP              4019 04/03/18 18:58:16 STMF       einladung.zip"[..],
            b"PEP               422 03/24 14:06:26 *STMF      readme",
            b"PEP              6409 04/03/24 30:06:29 *STMF      build.xml",
            b"PEP USR         36864 04/03/24 14:06:34 *DIR       dir1/",
            b"PEP             3686404/03/24 14:06:47 *DIR       zdir2/",
            b"PEP              4019 04/03/18 18:58:16 *STMF      ",
        ] {
            assert_eq!(
                parse_list_line(bad),
                Err(ProtocolError::BadListing),
                "{:?}",
                Text(bad)
            );
        }
    }

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

    #[test]
    fn eplf() {
        let e = entry(b"+i8388621.44468,m839956783,r,s10376,\tRFCEPLF");
        assert_eq!(
            (e.name, e.kind, e.size),
            (&b"RFCEPLF"[..], ListKind::File, Some(10376))
        );
        let t = e.time.unwrap();
        // 839956783 is 1996-08-13 17:19:43 UTC.
        assert_eq!(
            (t.year, t.month, t.day, t.time),
            (Some(1996), 8, 13, Some((17, 19)))
        );
        let e = entry(b"+i8388621.29609,m824255902,/,\tdev");
        assert_eq!((e.name, e.kind, e.size), (&b"dev"[..], ListKind::Dir, None));
        // A name with spaces and a comma, after the tab, is the name.
        assert_eq!(entry(b"+r,s1,\ta b, c").name, b"a b, c");
        // Neither / nor r: nothing to enter or fetch.
        assert_eq!(entry(b"+i1.2,\tlocked").kind, ListKind::Other);
        // No tab, no name, a size that is no number: not EPLF, and no
        // other format takes it.
        for bad in [&b"+i1.2,r,s5,name"[..], b"+r,s5,\t", b"+r,s5x,\tname"] {
            assert_eq!(
                parse_list_line(bad),
                Err(ProtocolError::BadListing),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn vms() {
        let listing: &[&[u8]] = &[
            b"Directory DSKA0:[USERS.JOE]",
            b"",
            b"CORE.DIR;1          1  8-SEP-1996 16:09 [SYSTEM] (RWE,RWE,RE,RE)",
            b"00README.TXT;1      2 30-DEC-1996 17:44 [SYSTEM] (RWED,RWED,RE,RE)",
            b"MAIL.DIR;1         1/3  13-FEB-2002 13:14:25 [GROUP,JOE] (RWE,RWE,,)",
            b"LONGFILENAME_THAT_DOES_NOT_FIT_THE_COLUMN.TXT;12",
            b"                    12/15 13-FEB-2002 13:14:25.77 [GROUP,JOE] (RWED,RWED,RE,)",
            b"NOTES.TXT;3         5  1-JAN-2020 00:00",
            b"",
            b"Total of 5 files, 21/25 blocks.",
        ];
        let mut p = ListParser::new();
        let mut got = Vec::new();
        for line in listing {
            if let Some(e) = p.line(line).unwrap() {
                got.push((
                    e.name.to_vec(),
                    e.kind,
                    e.size,
                    e.time.unwrap(),
                    e.owner.map(<[u8]>::to_vec),
                ));
            }
        }
        p.finish().unwrap();
        let names: Vec<&[u8]> = got.iter().map(|g| g.0.as_slice()).collect();
        assert_eq!(
            names,
            [
                &b"CORE"[..],
                b"00README.TXT",
                b"MAIL",
                b"LONGFILENAME_THAT_DOES_NOT_FIT_THE_COLUMN.TXT",
                b"NOTES.TXT"
            ]
        );
        let kinds: Vec<ListKind> = got.iter().map(|g| g.1).collect();
        use ListKind::{Dir, File};
        assert_eq!(kinds, [Dir, File, Dir, File, File]);
        // Blocks are no byte count: no size rather than a wrong one.
        assert!(got.iter().all(|g| g.2.is_none()));
        let t = got[3].3;
        assert_eq!(
            (t.year, t.month, t.day, t.time),
            (Some(2002), 2, 13, Some((13, 14)))
        );
        assert_eq!(got[3].4.as_deref(), Some(&b"GROUP,JOE"[..]));
        assert_eq!(got[4].4, None);
        // One line at a time works too, but for the split entry.
        assert_eq!(
            parse_list_line(listing[3]).unwrap().unwrap().name,
            b"00README.TXT"
        );
        assert_eq!(parse_list_line(listing[0]).unwrap(), None);
        assert_eq!(parse_list_line(listing[9]).unwrap(), None);
    }

    #[test]
    fn vms_never_guesses() {
        // A name alone, then no columns: an error, and the parser goes on.
        let mut p = ListParser::new();
        assert_eq!(p.line(b"LONG.TXT;1").unwrap(), None);
        assert_eq!(
            p.line(b"garbage that is no columns"),
            Err(ProtocolError::BadListing)
        );
        assert_eq!(
            p.line(b"A.TXT;1  2  1-JAN-2020 00:00")
                .unwrap()
                .unwrap()
                .name,
            b"A.TXT"
        );
        // A name alone at the end.
        assert_eq!(p.line(b"LAST.TXT;4").unwrap(), None);
        assert_eq!(p.finish(), Err(ProtocolError::BadListing));
        // Columns that are not VMS's: a bad date, a stray word, a version
        // that is no number, no version at all.
        for bad in [
            &b"A.TXT;1  2  31-FOO-2020 00:00"[..],
            b"A.TXT;1  2  1-JAN-2020 00:00 extra",
            b"A.TXT;x  2  1-JAN-2020 00:00",
            b"A.TXT  2  1-JAN-2020 00:00",
            b"[DIR]A.TXT;1  2  1-JAN-2020 00:00",
        ] {
            assert_eq!(
                parse_list_line(bad),
                Err(ProtocolError::BadListing),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_parser_reads_every_format_of_one_listing() {
        let mut p = ListParser::new();
        for (line, name) in [
            (
                &b"-rw-r--r--   1 u g   5 Jan  2  2025 unix.txt"[..],
                &b"unix.txt"[..],
            ),
            (
                b"01-16-02  11:14AM       <DIR>          dos dir",
                b"dos dir",
            ),
            (b"+r,s3,\teplf", b"eplf"),
            (b"VMS.TXT;2   1  1-JAN-2020 00:00", b"VMS.TXT"),
        ] {
            assert_eq!(p.line(line).unwrap().unwrap().name, name);
        }
        assert_eq!(p.line(b"what is this"), Err(ProtocolError::BadListing));
    }
}
