//! Owned values for the convenience methods of feature `alloc`
//! (`nlst_vec`, `mlsd_vec`, ...; in `twin/owned.rs`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::mlsd::Entry;

/// An MLSD entry with its own storage: the name and the facts, fact names
/// lower-cased. Names that are not UTF-8 are kept as bytes in
/// [`OwnedEntry::name_bytes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedEntry {
    /// The name, with invalid UTF-8 replaced by U+FFFD.
    pub name: String,
    /// The name exactly as the server sent it.
    pub name_bytes: Vec<u8>,
    /// The facts in the server's order, names lower-cased.
    pub facts: Vec<(String, String)>,
}

impl OwnedEntry {
    /// Copies a borrowed entry.
    pub fn from_entry(e: &Entry<'_>) -> Self {
        OwnedEntry {
            name: String::from_utf8_lossy(e.name).into_owned(),
            name_bytes: e.name.to_vec(),
            facts: e
                .facts()
                .map(|f| {
                    (
                        String::from_utf8_lossy(f.name).to_ascii_lowercase(),
                        String::from_utf8_lossy(f.value).into_owned(),
                    )
                })
                .collect(),
        }
    }

    /// A fact's value by (lower-case) name.
    pub fn fact(&self, name: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A listing line as a `String` (invalid UTF-8 replaced).
pub(crate) fn lossy(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}
