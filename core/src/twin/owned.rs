//! Convenience methods that return owned values (feature `alloc`), in
//! both twins.

use alloc::string::String;
use alloc::vec::Vec;

use embedded_io::ReadReady;

use super::bisync;
use super::data::DataConnector;
use super::io::{Read, Write};
use super::session::Ftp;
use crate::Error;
use crate::owned::{OwnedEntry, lossy};

impl<S, D, const N: usize, C> Ftp<S, D, N, C>
where
    S: Read + Write + ReadReady,
    D: DataConnector<Error = S::Error>,
{
    /// [`Ftp::nlst`] into a vector of names, each the server's bytes.
    #[bisync]
    pub async fn nlst_vec<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        dir: &P,
    ) -> Result<Vec<Vec<u8>>, Error<S::Error, C>> {
        let mut names = Vec::new();
        let mut buf = alloc::vec![0u8; 8192];
        self.nlst(dir, &mut buf, async |l: &[u8]| {
            names.push(l.to_vec());
            Ok(())
        })
        .await?;
        Ok(names)
    }

    /// [`Ftp::dir`] into a vector of lines, each the server's bytes.
    #[bisync]
    pub async fn dir_vec<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        dir: &P,
    ) -> Result<Vec<Vec<u8>>, Error<S::Error, C>> {
        let mut lines = Vec::new();
        let mut buf = alloc::vec![0u8; 8192];
        self.dir(dir, &mut buf, async |l: &[u8]| {
            lines.push(l.to_vec());
            Ok(())
        })
        .await?;
        Ok(lines)
    }

    /// [`Ftp::mlsd`] into a vector of owned entries.
    #[bisync]
    pub async fn mlsd_vec<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        path: &P,
    ) -> Result<Vec<OwnedEntry>, Error<S::Error, C>> {
        let mut entries = Vec::new();
        let mut buf = alloc::vec![0u8; 8192];
        self.mlsd(path, &[], &mut buf, async |e: crate::mlsd::Entry<'_>| {
            entries.push(OwnedEntry::from_entry(&e));
            Ok(())
        })
        .await?;
        Ok(entries)
    }

    /// [`Ftp::feat`] into a vector of feature lines.
    #[bisync]
    pub async fn feat_vec(&mut self) -> Result<Vec<String>, Error<S::Error, C>> {
        let mut features = Vec::new();
        self.feat(|f| features.push(lossy(f))).await?;
        Ok(features)
    }
}
