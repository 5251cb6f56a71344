//! Scanning the two trees: the remote one by MLSD (when FEAT has it) or
//! LIST, the local one by the file system, without following links unless
//! asked. Every name is checked ([`super::names`]) before it enters a
//! tree.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use ftp_core::list::{ListKind, parse_list_line};
use ftp_core::mlsd::EntryKind;

use super::Problem;
use super::Summary;
use super::names::{Filter, join, local_path, remote_path, unsafe_name};
use super::workers::connection_lost;
use crate::{Error, Ftp};

/// The most entries a scan takes, against a server listing forever.
const MAX_ENTRIES: usize = 2_000_000;
/// The deepest directory a scan enters.
const MAX_DEPTH: usize = 64;

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
}

/// A tree: paths from its root (`a/b`, `/`-separated) to what they are.
pub(crate) type Tree = BTreeMap<String, Item>;

fn unix_seconds(t: SystemTime) -> Option<i64> {
    t.duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

/// True when the server announces MLST/MLSD in FEAT.
pub(crate) fn has_mlsd(ftp: &mut Ftp) -> bool {
    ftp.feat().is_ok_and(|f| {
        f.iter()
            .any(|l| l.trim_start().to_ascii_uppercase().starts_with("MLST"))
    })
}

/// Lists one remote directory: (name, item) pairs, unsafe names reported.
fn list_remote(
    ftp: &mut Ftp,
    abs: &str,
    mlsd: bool,
    rel_dir: &str,
    refused: &mut Vec<Problem>,
) -> Result<Vec<(String, Item)>, Error> {
    let mut out = Vec::new();
    let mut check = |name: &[u8], item: Item, out: &mut Vec<(String, Item)>| {
        let shown = String::from_utf8_lossy(name).into_owned();
        match unsafe_name(name) {
            Some(why) => refused.push(Problem {
                path: join(rel_dir, &shown),
                message: why.to_string(),
            }),
            None => out.push((shown, item)),
        }
    };
    if mlsd {
        let session = ftp.session_mut();
        let mut buf = vec![0u8; 16 * 1024];
        session.mlsd(Some(abs), &[], &mut buf, |e| {
            let kind = match e.kind() {
                EntryKind::File => Kind::File,
                EntryKind::Dir => Kind::Dir,
                EntryKind::Link => Kind::Link,
                // The directory itself and its parent are not entries.
                EntryKind::Cdir | EntryKind::Pdir => return Ok(()),
                EntryKind::Other(_) | EntryKind::Unknown => Kind::Link,
            };
            let item = Item {
                kind,
                size: e.size(),
                mtime: e.modify().map(|t| t.unix_seconds()),
            };
            check(e.name, item, &mut out);
            Ok(())
        })?;
    } else {
        // CWD then a bare LIST: a directory named "-l" is not an option.
        ftp.cwd(abs)?;
        let session = ftp.session_mut();
        let mut buf = vec![0u8; 16 * 1024];
        session.dir(None, &mut buf, |line| {
            if let Ok(Some(e)) = parse_list_line(line) {
                let kind = match e.kind {
                    ListKind::File => Kind::File,
                    ListKind::Dir => Kind::Dir,
                    ListKind::Link | ListKind::Other => Kind::Link,
                };
                if e.name != b"." && e.name != b".." || kind != Kind::Dir {
                    let item = Item {
                        kind,
                        size: e.size,
                        mtime: None,
                    };
                    check(e.name, item, &mut out);
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Scans the remote tree under `root` (absolute).
pub(crate) fn scan_remote(
    ftp: &mut Ftp,
    root: &str,
    filter: &Filter<'_>,
    summary: &mut Summary,
) -> Result<(Tree, bool), Error> {
    let mlsd = has_mlsd(ftp);
    let mut tree = Tree::new();
    let mut queue = VecDeque::from([String::new()]);
    while let Some(dir) = queue.pop_front() {
        let abs = remote_path(root, &dir);
        let entries = match list_remote(ftp, &abs, mlsd, &dir, &mut summary.refused) {
            Ok(e) => e,
            // The root must be listable; a subdirectory that is not is
            // reported and the rest goes on.
            Err(e) if !dir.is_empty() && !connection_lost(&e) => {
                summary.failed.push(Problem {
                    path: dir.clone(),
                    message: format!("cannot list: {e}"),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        for (name, item) in entries {
            let rel = join(&dir, &name);
            if filter.excluded(&rel) || tree.contains_key(&rel) {
                continue;
            }
            if item.kind == Kind::Dir {
                if rel.split('/').count() > MAX_DEPTH {
                    summary.refused.push(Problem {
                        path: rel,
                        message: format!("deeper than {MAX_DEPTH} directories"),
                    });
                    continue;
                }
                queue.push_back(rel.clone());
            }
            tree.insert(rel, item);
            if tree.len() > MAX_ENTRIES {
                return Err(Error::Io(std::io::Error::other(format!(
                    "the remote tree has more than {MAX_ENTRIES} entries"
                ))));
            }
        }
    }
    Ok((tree, mlsd))
}

/// Scans the local tree under `root`, without following links unless
/// asked.
pub(crate) fn scan_local(
    root: &Path,
    follow: bool,
    filter: &Filter<'_>,
    summary: &mut Summary,
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
                summary.refused.push(Problem {
                    path: join(&dir, &name.to_string_lossy()),
                    message: "a local name that is not UTF-8".into(),
                });
                continue;
            };
            let rel = join(&dir, name);
            if let Some(why) = unsafe_name(name.as_bytes()) {
                summary.refused.push(Problem {
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
            };
            tree.insert(rel, item);
        }
    }
    Ok(tree)
}
