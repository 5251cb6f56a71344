//! The safety of names: every name a listing gives is checked here before
//! it becomes part of a path; paths are joined from checked names only.

use std::path::{Path, PathBuf};

use crate::glob::glob_match;

/// Why a name from a listing cannot be used; `None` when it is safe.
pub fn unsafe_name(name: &[u8]) -> Option<&'static str> {
    if name.is_empty() {
        Some("empty name")
    } else if name == b"." || name == b".." {
        Some("\".\" and \"..\" are not names")
    } else if name.contains(&b'/') || name.contains(&b'\\') {
        Some("a name holding / or \\ could lead elsewhere")
    } else if name.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n')) {
        Some("a name holding NUL, CR or LF")
    } else if std::str::from_utf8(name).is_err() {
        Some("a name that is not UTF-8")
    } else {
        None
    }
}

pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

pub(crate) fn remote_path(root: &str, rel: &str) -> String {
    match (root.trim_end_matches('/'), rel) {
        ("", "") => "/".to_string(),
        (r, "") => r.to_string(),
        (r, rel) => format!("{r}/{rel}"),
    }
}

pub(crate) fn local_path(root: &Path, rel: &str) -> PathBuf {
    let mut p = root.to_path_buf();
    for seg in rel.split('/').filter(|s| !s.is_empty()) {
        p.push(seg);
    }
    p
}

pub(crate) struct Filter<'a> {
    pub(crate) include: &'a [String],
    pub(crate) exclude: &'a [String],
}

impl<'a> Filter<'a> {
    /// The include and exclude patterns of a mirror's options.
    pub(crate) fn of(options: &'a super::MirrorOptions) -> Self {
        Filter {
            include: &options.include,
            exclude: &options.exclude,
        }
    }

    pub(crate) fn hits(patterns: &[String], rel: &str) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        patterns.iter().any(|p| {
            if p.contains('/') {
                glob_match(p, rel)
            } else {
                glob_match(p, name)
            }
        })
    }

    pub(crate) fn excluded(&self, rel: &str) -> bool {
        Self::hits(self.exclude, rel)
    }

    /// A file is taken when not excluded and, with includes, included.
    pub(crate) fn takes_file(&self, rel: &str) -> bool {
        !self.excluded(rel) && (self.include.is_empty() || Self::hits(self.include, rel))
    }
}

/// True when every segment of a path from a tree's root is a safe name
/// (scans only build paths from checked names; the planner checks again).
pub(crate) fn safe_path(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .split('/')
            .all(|seg| unsafe_name(seg.as_bytes()).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn names() {
        for bad in [
            &b""[..],
            b".",
            b"..",
            b"../evil",
            b"a/../../b",
            b"/etc/passwd",
            b"a\\b",
            b"a\0b",
            b"a\nb",
            b"\xff",
        ] {
            assert!(unsafe_name(bad).is_some(), "{bad:?}");
        }
        for good in ["a", "a b", "é", "日本", ".hidden", "..x", "x.."] {
            assert_eq!(unsafe_name(good.as_bytes()), None, "{good}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(remote_path("/", ""), "/");
        assert_eq!(remote_path("/", "a/b"), "/a/b");
        assert_eq!(remote_path("/pub/", "a"), "/pub/a");
        assert_eq!(remote_path("/pub", ""), "/pub");
        assert_eq!(local_path(Path::new("/t"), "a/b"), Path::new("/t/a/b"));
        let f = Filter {
            include: &[],
            exclude: &["*.tmp".into(), "cache/*".into()],
        };
        assert!(f.excluded("x/y.tmp") && f.excluded("cache/z") && !f.excluded("a/cache/z"));
        let inc = ["*.log".to_string()];
        let f = Filter {
            include: &inc,
            exclude: &[],
        };
        assert!(f.takes_file("a/b.log") && !f.takes_file("a/b.txt"));
        assert!(
            safe_path("a/b c/d") && !safe_path("a/../b") && !safe_path("") && !safe_path("a//b")
        );
    }
}
