//! The trees a mirror compares, and the local scan (the remote one, by
//! MLSD when FEAT has it or LIST, is in `run.rs`): the file system, without following links unless
//! asked. Every name is checked ([`super::names`]) before it enters a
//! tree.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::names::{Filter, join, local_path, unsafe_name};
use super::{MirrorOptions, Problem, Summary};

/// The most entries a scan takes, against a server listing forever.
pub(crate) const MAX_ENTRIES: usize = 2_000_000;
/// The deepest directory a scan enters.
pub(crate) const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Link,
}

#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) kind: Kind,
    pub(crate) size: Option<u64>,
    /// Unix seconds.
    pub(crate) mtime: Option<i64>,
    /// `mtime` is a LIST time: known to the minute (the true time is up to
    /// 59 s later), and in the server's own time zone until the mirror
    /// learned its offset.
    pub(crate) listed: bool,
}

/// A tree: paths from its root (`a/b`, `/`-separated) to what they are.
pub(crate) type Tree = BTreeMap<String, Item>;

fn unix_seconds(t: SystemTime) -> Option<i64> {
    t.duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

/// Scans the local tree under `root`, without following links unless
/// asked.
fn scan_local(
    root: &Path,
    follow: bool,
    filter: &Filter<'_>,
    refused: &mut Vec<Problem>,
) -> std::io::Result<Tree> {
    let mut tree = Tree::new();
    let mut queue = VecDeque::from([String::new()]);
    while let Some(dir) = queue.pop_front() {
        let entries = match std::fs::read_dir(local_path(root, &dir)) {
            Ok(e) => e,
            Err(e) if dir.is_empty() && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(tree);
            }
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                refused.push(Problem {
                    path: join(&dir, &name.to_string_lossy()),
                    message: "a local name that is not UTF-8".into(),
                });
                continue;
            };
            let rel = join(&dir, name);
            if let Some(why) = unsafe_name(name.as_bytes()) {
                refused.push(Problem {
                    path: rel,
                    message: why.into(),
                });
                continue;
            }
            if filter.excluded(&rel) {
                continue;
            }
            let mut meta = entry.metadata()?;
            if meta.file_type().is_symlink() && follow {
                meta = match std::fs::metadata(entry.path()) {
                    Ok(m) => m,
                    Err(_) => continue,
                };
            }
            let kind = if meta.file_type().is_symlink() {
                Kind::Link
            } else if meta.is_dir() {
                if rel.split('/').count() <= MAX_DEPTH {
                    queue.push_back(rel.clone());
                }
                Kind::Dir
            } else {
                Kind::File
            };
            let item = Item {
                kind,
                size: Some(meta.len()),
                mtime: meta.modified().ok().and_then(unix_seconds),
                listed: false,
            };
            tree.insert(rel, item);
        }
    }
    Ok(tree)
}

/// A local tree and the names refused on the way.
pub(crate) struct LocalScan {
    tree: Tree,
    refused: Vec<Problem>,
}

impl LocalScan {
    /// The tree; the refused names go to the summary.
    pub(crate) fn into_tree(mut self, summary: &mut Summary) -> Tree {
        summary.refused.append(&mut self.refused);
        self.tree
    }
}

/// Scans the local tree under `root` with the mirror's filters (owned
/// arguments, so that the tokio twin can run it on a blocking thread).
pub(crate) fn scan_local_owned(
    root: &Path,
    follow: bool,
    options: &MirrorOptions,
) -> std::io::Result<LocalScan> {
    let mut refused = Vec::new();
    let tree = scan_local(root, follow, &Filter::of(options), &mut refused)?;
    Ok(LocalScan { tree, refused })
}

/// The server's time zone, from one file's LIST time (read as UTC, to the
/// minute) and its MDTM (UTC, exact): the difference rounded to a quarter
/// of an hour (FileZilla's way), in seconds to subtract from LIST times.
pub(crate) fn zone_offset(listed: i64, exact: i64) -> i64 {
    (listed - exact + 450).div_euclid(900) * 900
}

/// What the server's LIST times are off by, as far as learnt: LIST
/// gives the minute in the server's zone, one MDTM (UTC) of a file with a
/// LIST time gives the zone for all of them (FileZilla's way, not one
/// MDTM a file); three refusals and LIST times are not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Zone {
    /// Not known yet: MDTM probes that failed so far.
    Unknown(u8),
    /// Seconds to subtract from a LIST time.
    Known(i64),
    /// No MDTM answered: LIST times are not used.
    Gone,
}

impl Zone {
    /// Not learnt yet, and still worth a probe.
    pub(crate) fn unknown(&self) -> bool {
        matches!(self, Zone::Unknown(_))
    }

    /// A probe's MDTM answered `exact` for a file LIST showed at `listed`.
    pub(crate) fn learned(&mut self, listed: i64, exact: i64) {
        *self = Zone::Known(zone_offset(listed, exact));
    }

    /// A probe's MDTM was refused: the third refusal ends the probing.
    pub(crate) fn refused(&mut self) {
        if let Zone::Unknown(n) = *self {
            *self = if n >= 2 {
                Zone::Gone
            } else {
                Zone::Unknown(n + 1)
            };
        }
    }

    /// What to subtract from LIST times: only when they are used at all
    /// (`only_newer`) and the zone is known.
    pub(crate) fn offset(&self, only_newer: bool) -> Option<i64> {
        match *self {
            Zone::Known(offset) if only_newer => Some(offset),
            _ => None,
        }
    }
}

/// The files whose MDTM would tell the zone: up to three with a LIST time.
pub(crate) fn zone_probes(tree: &Tree) -> Vec<(String, i64)> {
    tree.iter()
        .filter(|(_, item)| item.listed && item.kind == Kind::File)
        .filter_map(|(rel, item)| Some((rel.clone(), item.mtime?)))
        .take(3)
        .collect()
}

/// The LIST times of `tree` in UTC with `offset`; without one they are
/// dropped (an MDTM then asks where the time matters).
pub(crate) fn apply_zone(tree: &mut Tree, offset: Option<i64>) {
    for item in tree.values_mut().filter(|i| i.listed) {
        match offset {
            Some(offset) => item.mtime = item.mtime.map(|t| t - offset),
            None => {
                item.mtime = None;
                item.listed = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::listed_seconds;
    use ftp_core::list::ListTime;

    #[test]
    fn list_times_and_the_zone() {
        // 2025-03-04 05:06:00 UTC.
        let t = ListTime {
            year: Some(2025),
            month: 3,
            day: 4,
            time: Some((5, 6)),
        };
        assert_eq!(listed_seconds(&t, 0), Some(1_741_064_760));
        // No year: this year, unless that is ahead of now.
        let now = 1_741_064_760 + 86_400; // 2025-03-05
        let t = ListTime { year: None, ..t };
        assert_eq!(listed_seconds(&t, now), Some(1_741_064_760));
        let december = ListTime {
            year: None,
            month: 12,
            day: 30,
            time: Some((1, 0)),
        };
        let got = listed_seconds(&december, now).unwrap();
        assert_eq!(
            ftp_core::Timestamp::from_unix_seconds(got).unwrap().year,
            2024
        );
        // Only the year: no time to compare.
        let old = ListTime {
            year: Some(2019),
            month: 1,
            day: 1,
            time: None,
        };
        assert_eq!(listed_seconds(&old, now), None);
        // A server two hours east lists 07:06 for 05:06:42 UTC; one in
        // UTC lists 05:06; half an hour west, 04:36.
        let exact = 1_741_064_760 + 42;
        assert_eq!(zone_offset(1_741_064_760 + 7200, exact), 7200);
        assert_eq!(zone_offset(1_741_064_760, exact), 0);
        assert_eq!(zone_offset(1_741_064_760 - 1800, exact), -1800);
    }

    #[test]
    fn the_zone_is_learnt_from_one_mdtm_or_given_up_after_three() {
        let mut zone = Zone::Unknown(0);
        assert!(zone.unknown() && zone.offset(true).is_none());
        // LIST said 12:00 of a server two hours east; MDTM said 10:00 UTC.
        zone.learned(12 * 3600, 10 * 3600 + 7);
        assert_eq!(zone, Zone::Known(7200));
        assert_eq!(zone.offset(true), Some(7200));
        // Without only_newer the times are not used at all.
        assert_eq!(zone.offset(false), None);
        let mut refused = Zone::Unknown(0);
        refused.refused();
        refused.refused();
        assert!(refused.unknown());
        refused.refused();
        assert_eq!(refused, Zone::Gone);
        refused.refused();
        assert_eq!(refused, Zone::Gone);
        assert_eq!(refused.offset(true), None);
    }

    #[test]
    fn list_times_are_shifted_or_dropped() {
        let item = |kind, mtime, listed| Item {
            kind,
            size: Some(1),
            mtime,
            listed,
        };
        let mut tree = Tree::new();
        tree.insert("a".into(), item(Kind::File, Some(9_000), true));
        tree.insert("b".into(), item(Kind::File, Some(5_000), false));
        tree.insert("c".into(), item(Kind::Dir, Some(9_000), true));
        tree.insert("d".into(), item(Kind::File, None, true));
        assert_eq!(zone_probes(&tree), [("a".to_string(), 9_000)]);
        let mut shifted = tree.clone();
        apply_zone(&mut shifted, Some(3_600));
        assert_eq!(shifted["a"].mtime, Some(5_400));
        assert_eq!(shifted["b"].mtime, Some(5_000), "an MDTM time stays");
        apply_zone(&mut tree, None);
        assert_eq!((tree["a"].mtime, tree["a"].listed), (None, false));
        assert_eq!(tree["b"].mtime, Some(5_000));
    }
}
