//! The local side of a script: its working directory (`lcd`, `lpwd`) and
//! the directories it may read and write (the starting directory's tree,
//! and those `--allow-path` adds). Paths are resolved lexically, then
//! through the symbolic links that exist, before they are checked.

use std::io;
use std::path::{Component, Path, PathBuf};

use crate::errors::{Rr, local_io, usage};

/// The local working directory and the allowed trees.
#[derive(Debug)]
pub struct Sandbox {
    cwd: PathBuf,
    allowed: Vec<PathBuf>,
    /// Directories already resolved for writing: a script fetching
    /// thousands of files into a few directories resolves each once.
    parents: std::collections::HashMap<PathBuf, PathBuf>,
}

/// `path` with `.` and `..` resolved without touching the file system;
/// `None` when `..` would climb above the root (under WASI the root is the
/// preopened directory, so this is how climbing out shows there).
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() {
                    return None;
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

/// Resolves the symbolic links of the longest existing prefix of `path`
/// (absolute and normalized); the rest is appended as is.
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    // Bounded by the number of components.
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut real = existing.canonicalize()?;
    for name in rest.into_iter().rev() {
        real.push(name);
    }
    Ok(real)
}

impl Sandbox {
    /// Starts in `cwd`; the scripts may use `cwd`'s tree and `extra`.
    pub fn new(cwd: &Path, extra: &[PathBuf]) -> io::Result<Sandbox> {
        let cwd = cwd.canonicalize()?;
        let mut allowed = vec![cwd.clone()];
        for dir in extra {
            allowed.push(dir.canonicalize().map_err(|e| {
                io::Error::new(e.kind(), format!("--allow-path {}: {e}", dir.display()))
            })?);
        }
        Ok(Sandbox {
            cwd,
            allowed,
            parents: std::collections::HashMap::new(),
        })
    }

    /// The local working directory.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// `path` (relative to the local working directory) as an absolute
    /// path inside the allowed trees, or a usage error.
    pub fn resolve(&self, path: &str) -> Rr<PathBuf> {
        if path.is_empty() || path.contains('\0') {
            return Err(usage(format!("invalid local path {path:?}")));
        }
        // Outside by its very name: said before the file system is asked
        // (under WASI it could not even be looked at).
        let Some(wanted) = normalize(&self.cwd.join(path)) else {
            return Err(self.outside(path));
        };
        if !self.allowed.iter().any(|a| wanted.starts_with(a)) {
            return Err(self.outside(path));
        }
        let real = resolve_links(&wanted).map_err(|e| {
            if cfg!(target_os = "wasi") {
                local_io(
                    path,
                    io::Error::new(
                        e.kind(),
                        format!(
                            "{e} (under WASI only the directories given to --dir are reachable)"
                        ),
                    ),
                )
            } else {
                local_io(path, e)
            }
        })?;
        if self.allowed.iter().any(|a| real.starts_with(a)) {
            Ok(real)
        } else {
            Err(self.outside(path))
        }
    }

    fn outside(&self, path: &str) -> Box<rhai::EvalAltResult> {
        usage(format!(
            "local path {path:?} is outside the directories this script may use \
             ({}; --allow-path adds more)",
            self.allowed[0].display()
        ))
    }

    /// Like [`Sandbox::resolve`], for a file about to be written through a
    /// temporary name and a rename (which replaces a link, never follows
    /// it): only its directory must resolve inside, and directories are
    /// resolved once.
    pub fn resolve_write(&mut self, path: &str) -> Rr<PathBuf> {
        if path.is_empty() || path.contains('\0') {
            return Err(usage(format!("invalid local path {path:?}")));
        }
        let Some(wanted) = normalize(&self.cwd.join(path)) else {
            return Err(self.outside(path));
        };
        let (Some(parent), Some(name)) = (wanted.parent(), wanted.file_name()) else {
            return Err(self.outside(path));
        };
        if !self.allowed.iter().any(|a| parent.starts_with(a)) {
            return Err(self.outside(path));
        }
        let real_parent = match self.parents.get(parent) {
            Some(p) => p.clone(),
            None => {
                let p = parent.canonicalize().map_err(|e| local_io(path, e))?;
                if self.parents.len() > 4096 {
                    self.parents.clear();
                }
                self.parents.insert(parent.to_path_buf(), p.clone());
                p
            }
        };
        if !self.allowed.iter().any(|a| real_parent.starts_with(a)) {
            return Err(self.outside(path));
        }
        Ok(real_parent.join(name))
    }

    /// Changes the local working directory (`lcd`).
    pub fn change_dir(&mut self, path: &str) -> Rr<String> {
        let dir = self.resolve(path)?;
        if !dir.is_dir() {
            return Err(local_io(
                path,
                io::Error::new(io::ErrorKind::NotFound, "not a directory"),
            ));
        }
        self.cwd = dir;
        Ok(self.cwd.display().to_string())
    }
}

/// The local name for a remote file: its base name, refused when the
/// remote path climbs (`..`) or the name could not be a plain file name.
pub fn local_name_for(remote: &str) -> Rr<String> {
    let name = remote.rsplit('/').next().unwrap_or("");
    let climbs = remote.split('/').any(|c| c == "..");
    if climbs || name.is_empty() || name == "." || name.contains(['\\', '\0']) {
        return Err(usage(format!(
            "cannot take a local file name from the remote name {remote:?}; \
             give one: retr(remote, local)"
        )));
    }
    let shown = ftp_std::encoding::shown(name);
    if shown != name {
        return Err(usage(format!(
            "the remote name {shown:?} is not valid in the session's encoding, so it \
             makes no local file name; give one: retr(remote, local), or set_encoding(..)"
        )));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_inside() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("in");
        std::fs::create_dir(&inner).unwrap();
        let mut sb = Sandbox::new(&inner, &[]).unwrap();
        let base = inner.canonicalize().unwrap();
        assert_eq!(sb.resolve("a/../b").unwrap(), base.join("b"));
        assert_eq!(sb.resolve("new/file").unwrap(), base.join("new/file"));
        for bad in ["../x", "/etc/passwd", "a/../../x", "", "a\0b"] {
            let e = sb.resolve(bad).unwrap_err();
            assert!(e.to_string().contains("usage"), "{bad}: {e}");
        }
        // A link inside that points outside is outside.
        std::os::unix::fs::symlink(dir.path(), inner.join("up")).unwrap();
        assert!(sb.resolve("up/x").is_err());
        std::fs::create_dir(inner.join("sub")).unwrap();
        sb.change_dir("sub").unwrap();
        assert_eq!(sb.cwd(), base.join("sub"));
        assert!(sb.change_dir("..").is_ok());
        assert!(sb.change_dir("..").is_err());
        let sb = Sandbox::new(&inner, &[dir.path().to_path_buf()]).unwrap();
        assert!(sb.resolve("../x").is_ok());
    }

    #[test]
    fn local_names() {
        assert_eq!(local_name_for("pub/README").unwrap(), "README");
        assert_eq!(local_name_for("README").unwrap(), "README");
        for bad in ["../../x", "dir/", "a/..", "..", ".", "a\\b", ""] {
            assert!(local_name_for(bad).is_err(), "{bad}");
        }
    }
}
