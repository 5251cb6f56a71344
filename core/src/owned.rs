//! Convenience methods that return owned values (feature `alloc`).

use alloc::string::String;
use alloc::vec::Vec;

use embedded_io::{Read, ReadReady, Write};

use crate::mlsd::Entry;
use crate::{DataConnector, Error, Ftp};

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

fn lossy(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}

impl<S, D, const N: usize> Ftp<S, D, N>
where
    S: Read + Write + ReadReady,
    D: DataConnector<Error = S::Error>,
{
    /// [`Ftp::nlst`] into a vector (names that are not UTF-8 get U+FFFD).
    pub fn nlst_vec(&mut self, dir: Option<&str>) -> Result<Vec<String>, Error<S::Error>> {
        let mut names = Vec::new();
        let mut buf = alloc::vec![0u8; 8192];
        self.nlst(dir, &mut buf, |l| {
            names.push(lossy(l));
            Ok(())
        })?;
        Ok(names)
    }

    /// [`Ftp::dir`] into a vector of lines.
    pub fn dir_vec(&mut self, dir: Option<&str>) -> Result<Vec<String>, Error<S::Error>> {
        let mut lines = Vec::new();
        let mut buf = alloc::vec![0u8; 8192];
        self.dir(dir, &mut buf, |l| {
            lines.push(lossy(l));
            Ok(())
        })?;
        Ok(lines)
    }

    /// [`Ftp::mlsd`] into a vector of owned entries.
    pub fn mlsd_vec(&mut self, path: Option<&str>) -> Result<Vec<OwnedEntry>, Error<S::Error>> {
        let mut entries = Vec::new();
        let mut buf = alloc::vec![0u8; 8192];
        self.mlsd(path, None, &mut buf, |e| {
            entries.push(OwnedEntry::from_entry(&e));
            Ok(())
        })?;
        Ok(entries)
    }

    /// [`Ftp::feat`] into a vector of feature lines.
    pub fn feat_vec(&mut self) -> Result<Vec<String>, Error<S::Error>> {
        let mut features = Vec::new();
        self.feat(|f| features.push(lossy(f)))?;
        Ok(features)
    }
}
