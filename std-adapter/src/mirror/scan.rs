//! The trees a mirror compares, and the local scan (the remote one, by
//! MLSD when FEAT has it or LIST, is in `twin/mirror.rs`): the file system, without following links unless
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
