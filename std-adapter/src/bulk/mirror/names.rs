//! The safety of names: every name a listing gives is checked here before
//! it becomes part of a path; paths are joined from checked names only.

use std::path::{Path, PathBuf};

use crate::bulk::mirror::Problem;
use crate::encoding::{Encoding, shown};
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
    } else {
        None
    }
}

/// A remote name as a local one: its text in the session's encoding, or
/// why it cannot be one (not valid in that encoding: a local file cannot
/// be named by undecodable bytes).
pub(crate) fn local_name(name: &[u8], encoding: Encoding) -> Result<String, String> {
    match encoding.decode_exact(name) {
        Some(text) => Ok(text.into_owned()),
        None => Err(format!(
            "a name that is not {encoding} ({}): not mirrored (is the server's encoding another? \
             set the session's encoding)",
            shown(&encoding.decode(name))
        )),
    }
}

/// Takes out of a local tree what the server's encoding cannot name (a
/// Cyrillic name for a latin-1 server), with what lies under it; each is
/// reported once, at its top.
pub(crate) fn drop_unencodable(
    tree: &mut crate::bulk::mirror::scan::Tree,
    encoding: Encoding,
    refused: &mut Vec<Problem>,
) {
    if encoding.is_utf8() {
        return;
    }
    let mut bad: Vec<String> = Vec::new();
    tree.retain(|rel, _| {
        if bad
            .iter()
            .any(|b| rel.starts_with(b.as_str()) && rel.as_bytes().get(b.len()) == Some(&b'/'))
        {
            return false;
        }
        if encoding.encode(rel).is_ok() {
            return true;
        }
        refused.push(Problem {
            path: rel.clone(),
            message: format!("a name {encoding} (the server's encoding) cannot hold: not mirrored"),
        });
        bad.push(rel.clone());
        false
    });
}

/// A directory path that can go with LIST (`LIST /a/b/`) instead of a CWD
/// first, a round trip less: absolute and plain
/// ([`crate::session::plain_path`]). Any other goes through CWD and a
/// bare LIST.
pub(crate) fn listable(abs: &str) -> bool {
    abs.starts_with('/') && crate::session::plain_path(abs)
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
        ] {
            assert!(unsafe_name(bad).is_some(), "{bad:?}");
        }
        for good in ["a", "a b", "é", "日本", ".hidden", "..x", "x.."] {
            assert_eq!(unsafe_name(good.as_bytes()), None, "{good}");
        }
        // Safe bytes: whether they make a local name is the encoding's
        // to say.
        assert_eq!(unsafe_name(b"caf\xe9"), None);
        let latin1 = Encoding::LATIN_1;
        assert_eq!(local_name(b"caf\xe9", latin1).unwrap(), "café");
        let refused = local_name(b"caf\xe9", Encoding::UTF_8).unwrap_err();
        assert!(refused.contains("not utf-8 (caf\\xe9)"), "{refused}");
    }

    #[test]
    fn what_the_encoding_cannot_hold_is_taken_out_at_its_top() {
        let item = crate::bulk::mirror::scan::Item {
            kind: crate::bulk::mirror::scan::Kind::File,
            size: Some(1),
            mtime: None,
            listed: false,
        };
        let mut tree: crate::bulk::mirror::scan::Tree =
            ["a", "Жж", "Жж/x", "Жж/y/z", "b/Ж.txt", "b/ok"]
                .into_iter()
                .map(|k| (k.to_string(), item.clone()))
                .collect();
        let mut refused = Vec::new();
        drop_unencodable(&mut tree, Encoding::LATIN_1, &mut refused);
        assert_eq!(tree.keys().collect::<Vec<_>>(), ["a", "b/ok"]);
        let paths: Vec<_> = refused.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["b/Ж.txt", "Жж"]);
        assert!(
            refused[0].message.contains("latin-1"),
            "{}",
            refused[0].message
        );
    }

    #[test]
    fn what_goes_with_list() {
        for ok in [
            "/",
            "/pub",
            "/pub/debian/dists",
            "/d\u{e9}j\u{e0}/x-y",
            "/a.b/c_d",
        ] {
            assert!(listable(ok), "{ok}");
        }
        for no in [
            "pub", "/a b", "/-l", "/pub/-R", "/x*", "/x?", "/[ab]", "/~u", "/a\\b", "/a\tb",
        ] {
            assert!(!listable(no), "{no}");
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
