//! The layer rule of ftp-std (ARCHITECTURE.md): `runtime` < `net` <
//! `session` < `files` < `bulk`, the base modules below them all, and
//! the two sides (`blocking.rs`, `tokio.rs`, `lib.rs`) on top. A file
//! may use what its own layer or a lower one defines, never a higher
//! layer's; nothing of one runtime is used in the other's files.
//!
//! Read from the sources: every `crate::` path and, in the files written
//! once for both runtimes, every `super::` sibling they are compiled
//! beside. Names re-exported at the crate root (`crate::Error`) count as
//! the module that defines them, as `lib.rs`'s `pub use` lines say.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const BASE: usize = 0;
const TOP: usize = 6;

/// The layer of a module of the crate root.
fn layer_of_module(module: &str) -> Option<usize> {
    Some(match module {
        "error" | "encoding" | "glob" | "rate" | "reply" | "verify" => BASE,
        "runtime" => 1,
        "net" => 2,
        "session" => 3,
        "files" => 4,
        "bulk" => 5,
        "blocking" | "tokio" => TOP,
        _ => return None,
    })
}

/// The layer of a sibling in the trees of code compiled once per runtime
/// (`crate::blocking`, `crate::tokio`, `crate::net::{blocking,tokio}`).
fn layer_of_sibling(name: &str) -> Option<usize> {
    Some(match name {
        "bisync" => BASE,
        "rt" => 1,
        "net" | "handshake" => 2,
        "client" | "transfer" => 3,
        // The helpers of `files/helpers.rs`, compiled as `files`.
        "files" => 4,
        "mirror" | "segments" | "seat" | "pool" | "retry" | "probe" => 5,
        // Each runtime's way to open a bulk job's sessions.
        "Connect" => 5,
        _ => return None,
    })
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer of a source file, from where it is.
fn layer_of_file(relative: &Path) -> usize {
    let first = relative.components().next().unwrap().as_os_str();
    let first = first.to_str().unwrap().trim_end_matches(".rs");
    if first == "lib" {
        return TOP;
    }
    layer_of_module(first).unwrap_or_else(|| panic!("{relative:?} is in no layer"))
}

/// The code of a file without its comments (doc links may point up).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names a path starting at `at` names: `crate::net::tls` gives
/// `["net"]`, `crate::{Error, Options}` gives `["Error", "Options"]`.
fn heads(code: &str, prefix: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = code[from..].find(prefix) {
        let at = from + found;
        from = at + prefix.len();
        // A whole path segment: not `foo_crate::`.
        if at > 0 {
            let before = code.as_bytes()[at - 1];
            if before.is_ascii_alphanumeric() || before == b'_' {
                continue;
            }
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for name in group[..end].split(',') {
                let name = name.trim().split("::").next().unwrap().trim();
                let name = name.split_whitespace().next().unwrap_or("");
                if !name.is_empty() && name != "self" {
                    out.push((name.to_string(), line));
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((name, line));
            }
        }
    }
    out
}

/// The names `lib.rs` re-exports, with the module each comes from (for
/// a side's item, `blocking::client::Ftp`, the sibling: `client`).
fn root_names(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for line in lib.lines() {
        let Some(path) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim_end_matches(';');
        let mut segments = path.split("::");
        let mut module = segments.next().unwrap().to_string();
        if module == "blocking" {
            module = segments.next().unwrap().to_string();
        }
        let last = path.rsplit("::").next().unwrap();
        let last = if let Some(i) = path.find('{') {
            &path[i..]
        } else {
            last
        };
        for name in last.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.trim();
            if !name.is_empty() {
                names.insert(name.to_string(), module.clone());
            }
        }
    }
    names
}

#[test]
fn no_file_uses_a_higher_layer() {
    let src = src();
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let roots = root_names(&lib);
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    for path in &all {
        let relative = path.strip_prefix(&src).unwrap();
        let own = layer_of_file(relative);
        let text = code(&fs::read_to_string(path).unwrap());
        let mut used: Vec<(String, usize, usize)> = Vec::new();
        for (name, line) in heads(&text, "crate::") {
            let layer = match layer_of_module(&name) {
                Some(layer) => layer,
                None => match roots
                    .get(&name)
                    .map(|m| layer_of_module(m).or(layer_of_sibling(m)))
                {
                    Some(Some(layer)) => layer,
                    // `crate::REPLY_BUFFER`, `ftp_core` and `rustls`
                    // re-exported: no layer's.
                    _ if name.chars().all(|c| c.is_uppercase() || c == '_') => BASE,
                    _ if name == "ftp_core" || name == "rustls" => BASE,
                    _ => panic!("{relative:?}:{line}: crate::{name} is in no layer"),
                },
            };
            used.push((format!("crate::{name}"), layer, line));
        }
        for (name, line) in heads(&text, "super::") {
            if let Some(layer) = layer_of_sibling(&name) {
                used.push((format!("super::{name}"), layer, line));
            }
        }
        for (name, layer, line) in used {
            if layer > own {
                wrong.push(format!(
                    "{}:{line}: {name} (layer {layer}) from layer {own}",
                    relative.display()
                ));
            }
        }
        // One runtime's files never use the other's.
        let text_path = relative.to_string_lossy();
        let other = if text_path.contains("tokio") {
            Some("blocking")
        } else if text_path.contains("blocking") {
            Some("tokio")
        } else {
            None
        };
        if let Some(other) = other {
            for needle in [
                format!("crate::{other}"),
                format!("net::{other}"),
                format!("runtime::{other}"),
            ] {
                if text.contains(&needle) {
                    wrong.push(format!("{}: uses {needle}", relative.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports from a higher layer:\n{}",
        wrong.join("\n")
    );
}

/// The check itself finds what it is for: a file of a low layer that
/// names a higher one is caught, and the names re-exported at the root
/// count as their modules.
#[test]
fn the_check_sees_upward_imports() {
    let text = code(
        "use crate::bulk::mirror::Plan;\nuse crate::{Error, Ftp};\n// crate::tokio in a comment\n",
    );
    let found: Vec<String> = heads(&text, "crate::")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(found, ["bulk", "Error", "Ftp"]);
    let roots = root_names("pub use error::{Error, TlsError};\npub use blocking::client::Ftp;\n");
    assert_eq!(roots.get("Ftp").map(String::as_str), Some("client"));
    assert_eq!(roots.get("TlsError").map(String::as_str), Some("error"));
    assert_eq!(layer_of_module("bulk"), Some(5));
    assert!(layer_of_file(Path::new("net/tls.rs")) < layer_of_module("bulk").unwrap());
}
