//! The plan of a mirror: a pure function from the source tree, the target
//! tree and the options to what to do (make directories, transfer, skip,
//! delete, refuse), the same for both directions. Nothing here touches a
//! network or a disk: the tests build trees in memory.

use std::collections::BTreeSet;

use super::names::{Filter, safe_path};
use super::scan::{Item, Kind, Tree};
use super::workers::Job;
use super::{MirrorOptions, Problem};

/// Which way the files go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Remote to local ([`super::mirror`]).
    Down,
    /// Local to remote ([`super::mirror_up`]).
    Up,
}

impl Direction {
    /// The target's side, for messages.
    fn target(self) -> &'static str {
        match self {
            Direction::Down => "local",
            Direction::Up => "remote",
        }
    }

    /// The word of a transfer in a dry run's plan.
    fn verb(self) -> &'static str {
        match self {
            Direction::Down => "get",
            Direction::Up => "put",
        }
    }
}

/// What a mirror will do.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Directories to make in the target, parents first.
    pub(crate) mkdir: Vec<String>,
    /// Files to transfer, in tree order.
    pub(crate) fetch: Vec<Job>,
    /// Target entries to delete (with `delete`), deepest first.
    pub(crate) delete: Vec<(String, Kind)>,
    /// Files left as they are (up to date, or links not followed).
    pub(crate) skipped: u64,
    /// What cannot be done (a file where a directory goes, ...).
    pub(crate) failed: Vec<Problem>,
    /// Paths refused as unsafe.
    pub(crate) refused: Vec<Problem>,
}

impl Plan {
    /// The plan as a dry run shows it: `mkdir a`, `get a/b` (`put`),
    /// `delete a/c`.
    pub(crate) fn describe(&self, direction: Direction) -> Vec<String> {
        let verb = direction.verb();
        self.mkdir
            .iter()
            .map(|d| format!("mkdir {d}"))
            .chain(self.fetch.iter().map(|j| format!("{verb} {}", j.rel)))
            .chain(self.delete.iter().map(|(rel, _)| format!("delete {rel}")))
            .collect()
    }
}

/// True when the target's copy needs no transfer: same size, and not
/// older than the source (when a time is unknown, the sizes decide).
fn up_to_date(source: &Item, target: &Item) -> bool {
    target.kind == Kind::File
        && target.size == source.size
        && match (source.mtime, target.mtime) {
            // A LIST time is the minute: the copy may be up to 59 s newer
            // than it shows.
            (Some(s), Some(t)) => t + if target.listed { 59 } else { 0 } >= s,
            _ => true,
        }
}

/// The files whose remote time the plan needs but the scan did not give
/// (LIST servers): only with `only_newer`, only where the sizes already
/// match. The caller asks MDTM for these before planning.
pub(crate) fn times_wanted(
    source: &Tree,
    target: &Tree,
    options: &MirrorOptions,
    direction: Direction,
) -> Vec<String> {
    if !options.only_newer {
        return Vec::new();
    }
    source
        .iter()
        .filter(|(rel, item)| {
            let Some(other) = target.get(*rel) else {
                return false;
            };
            let remote = match direction {
                Direction::Down => item,
                Direction::Up => other,
            };
            item.kind != Kind::Dir
                && other.kind == Kind::File
                && other.size == item.size
                && remote.mtime.is_none()
        })
        .map(|(rel, _)| rel.clone())
        .collect()
}

/// True when the path or a directory above it is excluded (a scan does not
/// enter an excluded directory; a tree given otherwise may hold its
/// children).
fn excluded(filter: &Filter<'_>, rel: &str) -> bool {
    rel.match_indices('/')
        .map(|(i, _)| &rel[..i])
        .chain(std::iter::once(rel))
        .any(|p| filter.excluded(p))
}

/// Plans a mirror of `source` onto `target`.
pub(crate) fn plan(
    source: &Tree,
    target: &Tree,
    options: &MirrorOptions,
    direction: Direction,
) -> Plan {
    let mut plan = plan_entries(source, target, options, direction);
    if options.delete {
        plan.delete = vanished(source, target, options);
    }
    plan
}

/// The plan for the entries of `source` alone (part of a tree: one
/// listed directory), without deletions, which need the whole tree.
pub(crate) fn plan_entries(
    source: &Tree,
    target: &Tree,
    options: &MirrorOptions,
    direction: Direction,
) -> Plan {
    let filter = Filter::of(options);
    let side = direction.target();
    let mut plan = Plan::default();
    // The map is sorted: parents come before their children.
    for (rel, item) in source {
        if !safe_path(rel) {
            plan.refused.push(Problem {
                path: rel.clone(),
                message: "not a safe path".into(),
            });
            continue;
        }
        if excluded(&filter, rel) {
            continue;
        }
        match item.kind {
            Kind::Dir => {
                match target.get(rel).map(|t| &t.kind) {
                    Some(Kind::Dir) => {}
                    Some(_) => plan.failed.push(Problem {
                        path: rel.clone(),
                        message: format!("a {side} file or link stands where the directory goes"),
                    }),
                    None => plan.mkdir.push(rel.clone()),
                }
                continue;
            }
            Kind::Link if !options.follow_symlinks => {
                plan.skipped += 1;
                continue;
            }
            Kind::Link | Kind::File => {}
        }
        if !filter.takes_file(rel) {
            continue;
        }
        match target.get(rel) {
            Some(t) if t.kind == Kind::Dir => {
                plan.failed.push(Problem {
                    path: rel.clone(),
                    message: format!("a {side} directory stands where the file goes"),
                });
                continue;
            }
            Some(t) if options.only_newer && up_to_date(item, t) => {
                plan.skipped += 1;
                continue;
            }
            _ => {}
        }
        plan.fetch.push(Job {
            rel: rel.clone(),
            size: item.size,
            mtime: item.mtime,
            // Only a download continues, and only from a .part file.
            resume: direction == Direction::Down
                && options.resume
                && target.contains_key(&format!("{rel}.part")),
        });
    }
    plan
}

/// Keeps from deletion what lies under a source directory that could not
/// be listed: its entries are unknown, not gone.
pub(crate) fn keep_unlisted(delete: &mut Vec<(String, Kind)>, unlisted: &[String]) {
    delete.retain(|(rel, _)| {
        !unlisted.iter().any(|dir| {
            rel.strip_prefix(dir.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        })
    });
}

/// What `target` has and `source` has not, deepest first (so directories
/// are empty when their turn comes). Files the include patterns do not
/// take, excluded names, and the `.part` file of a file still in the
/// source (a download to resume) are left alone.
pub(crate) fn vanished(
    source: &Tree,
    target: &Tree,
    options: &MirrorOptions,
) -> Vec<(String, Kind)> {
    let filter = Filter::of(options);
    let source_files: BTreeSet<&str> = source
        .iter()
        .filter(|(_, i)| i.kind != Kind::Dir)
        .map(|(k, _)| k.as_str())
        .collect();
    let mut gone: Vec<(String, Kind)> = target
        .iter()
        .filter(|(rel, item)| {
            !source.contains_key(*rel)
                && !excluded(&filter, rel)
                && (item.kind == Kind::Dir
                    || options.include.is_empty()
                    || Filter::hits(&options.include, rel))
                && !rel
                    .strip_suffix(".part")
                    .is_some_and(|base| source_files.contains(base))
        })
        .map(|(rel, item)| (rel.clone(), item.kind.clone()))
        .collect();
    gone.sort_by_key(|(rel, _)| std::cmp::Reverse(rel.split('/').count()));
    gone
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64, mtime: i64) -> Item {
        Item {
            kind: Kind::File,
            size: Some(size),
            mtime: Some(mtime),
            listed: false,
        }
    }

    fn dir() -> Item {
        Item {
            kind: Kind::Dir,
            size: None,
            mtime: None,
            listed: false,
        }
    }

    fn link() -> Item {
        Item {
            kind: Kind::Link,
            size: None,
            mtime: None,
            listed: false,
        }
    }

    fn tree(entries: &[(&str, Item)]) -> Tree {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn fetched(p: &Plan) -> Vec<&str> {
        p.fetch.iter().map(|j| j.rel.as_str()).collect()
    }

    #[test]
    fn a_fresh_copy_makes_every_directory_and_fetches_every_file() {
        let source = tree(&[
            ("a", dir()),
            ("a/empty", dir()),
            ("a/f", file(3, 10)),
            ("g", file(0, 10)),
        ]);
        for direction in [Direction::Down, Direction::Up] {
            let p = plan(&source, &Tree::new(), &MirrorOptions::default(), direction);
            assert_eq!(p.mkdir, ["a", "a/empty"]);
            assert_eq!(fetched(&p), ["a/f", "g"]);
            assert!(p.delete.is_empty() && p.failed.is_empty() && p.skipped == 0);
        }
        let p = plan(
            &source,
            &Tree::new(),
            &MirrorOptions::default(),
            Direction::Up,
        );
        assert_eq!(
            p.describe(Direction::Up),
            ["mkdir a", "mkdir a/empty", "put a/f", "put g"]
        );
    }

    #[test]
    fn only_newer_skips_what_is_up_to_date() {
        let source = tree(&[
            ("same", file(5, 100)),
            ("newer", file(5, 200)),
            ("resized", file(6, 100)),
            (
                "no time",
                Item {
                    mtime: None,
                    listed: false,
                    ..file(5, 0)
                },
            ),
        ]);
        let target = tree(&[
            ("same", file(5, 100)),
            ("newer", file(5, 150)),
            ("resized", file(5, 300)),
            ("no time", file(5, 1)),
        ]);
        let opts = MirrorOptions {
            only_newer: true,
            ..Default::default()
        };
        let p = plan(&source, &target, &opts, Direction::Down);
        assert_eq!(fetched(&p), ["newer", "resized"]);
        assert_eq!(p.skipped, 2);
        // Without only_newer everything goes.
        let p = plan(&source, &target, &MirrorOptions::default(), Direction::Down);
        assert_eq!(p.fetch.len(), 4);
        // The remote times a LIST server did not give: only where sizes match.
        let wanted = times_wanted(&source, &target, &opts, Direction::Down);
        assert_eq!(wanted, ["no time"]);
        let up_target = tree(&[(
            "same",
            Item {
                mtime: None,
                listed: false,
                ..file(5, 0)
            },
        )]);
        assert_eq!(
            times_wanted(&source, &up_target, &opts, Direction::Up),
            ["same"]
        );
        assert!(
            times_wanted(&source, &target, &MirrorOptions::default(), Direction::Down).is_empty()
        );
    }

    #[test]
    fn delete_removes_what_vanished_deepest_first_and_keeps_part_files() {
        let source = tree(&[("keep", file(1, 1)), ("big", file(9, 1))]);
        let target = tree(&[
            ("keep", file(1, 1)),
            ("old", dir()),
            ("old/deeper", dir()),
            ("old/deeper/x", file(1, 1)),
            ("big.part", file(4, 1)),
            ("stale.part", file(4, 1)),
            ("cache.tmp", file(1, 1)),
        ]);
        let opts = MirrorOptions {
            delete: true,
            exclude: vec!["*.tmp".into()],
            ..Default::default()
        };
        let p = plan(&source, &target, &opts, Direction::Down);
        let deleted: Vec<&str> = p.delete.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(deleted, ["old/deeper/x", "old/deeper", "old", "stale.part"]);
        // The partial download of "big" is continued, not deleted.
        assert_eq!(fetched(&p), ["big", "keep"]);
        assert!(p.fetch.iter().find(|j| j.rel == "big").unwrap().resume);
        assert!(!plan(&source, &target, &opts, Direction::Up).fetch[0].resume);
        // Without delete nothing goes.
        assert!(
            plan(&source, &target, &MirrorOptions::default(), Direction::Down)
                .delete
                .is_empty()
        );
    }

    #[test]
    fn what_lies_under_an_unlisted_directory_is_not_deleted() {
        let source = tree(&[("a", dir()), ("b", dir())]);
        let target = tree(&[
            ("a", dir()),
            ("a/x", file(1, 1)),
            ("ab", file(1, 1)),
            ("b", dir()),
            ("b/y", file(1, 1)),
        ]);
        let opts = MirrorOptions {
            delete: true,
            ..Default::default()
        };
        let mut p = plan(&source, &target, &opts, Direction::Down);
        keep_unlisted(&mut p.delete, &["a".to_string()]);
        let deleted: Vec<&str> = p.delete.iter().map(|(r, _)| r.as_str()).collect();
        // "a" could not be listed: its file stays; "ab" is not under it.
        assert_eq!(deleted, ["b/y", "ab"]);
    }

    #[test]
    fn filters_take_and_leave_files() {
        let source = tree(&[
            ("logs", dir()),
            ("logs/a.log", file(1, 1)),
            ("logs/b.txt", file(1, 1)),
            ("cache", dir()),
            ("cache/c.log", file(1, 1)),
        ]);
        let opts = MirrorOptions {
            include: vec!["*.log".into()],
            exclude: vec!["cache".into()],
            ..Default::default()
        };
        let p = plan(&source, &Tree::new(), &opts, Direction::Down);
        assert_eq!(p.mkdir, ["logs"]);
        assert_eq!(fetched(&p), ["logs/a.log"]);
        // Delete leaves what the includes do not take.
        let target = tree(&[("other.txt", file(1, 1)), ("gone.log", file(1, 1))]);
        let opts = MirrorOptions {
            delete: true,
            ..opts
        };
        let deleted: Vec<String> = plan(&source, &target, &opts, Direction::Up)
            .delete
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(deleted, ["gone.log"]);
    }

    #[test]
    fn links_are_skipped_unless_followed() {
        let source = tree(&[("l", link()), ("f", file(1, 1))]);
        let p = plan(
            &source,
            &Tree::new(),
            &MirrorOptions::default(),
            Direction::Down,
        );
        assert_eq!((fetched(&p), p.skipped), (vec!["f"], 1));
        let follow = MirrorOptions {
            follow_symlinks: true,
            ..Default::default()
        };
        let p = plan(&source, &Tree::new(), &follow, Direction::Down);
        assert_eq!((fetched(&p), p.skipped), (vec!["f", "l"], 0));
    }

    #[test]
    fn conflicts_and_hostile_paths_are_reported_not_followed() {
        let source = tree(&[
            ("d", dir()),
            ("f", file(1, 1)),
            ("../evil", file(1, 1)),
            ("a/../../b", file(1, 1)),
            ("x/..", dir()),
        ]);
        let target = tree(&[("d", file(1, 1)), ("f", dir())]);
        for direction in [Direction::Down, Direction::Up] {
            let p = plan(&source, &target, &MirrorOptions::default(), direction);
            assert!(p.fetch.is_empty() && p.mkdir.is_empty(), "{p:?}");
            assert_eq!(p.failed.len(), 2);
            let side = direction.target();
            assert!(
                p.failed
                    .iter()
                    .any(|f| f.path == "d" && f.message.contains(side))
            );
            let refused: Vec<&str> = p.refused.iter().map(|r| r.path.as_str()).collect();
            assert_eq!(refused, ["../evil", "a/../../b", "x/.."]);
        }
    }
}
