//! std's files behind tokio's async traits, each call run where it is
//! made: the tokio runtime's files under WASI. `tokio::fs` runs every
//! call on a blocking thread, and a WASI component has no threads; its
//! files are the host's preopened directories, so a call blocks the one
//! task only as long as a local file system takes.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// A local file, read and written in place.
#[derive(Debug)]
pub(crate) struct File {
    std: std::fs::File,
    /// The result of the seek started last (`AsyncSeek` starts and then
    /// polls).
    sought: Option<io::Result<u64>>,
}

impl File {
    /// A std file as this runtime's.
    pub(crate) fn from_std(std: std::fs::File) -> File {
        File { std, sought: None }
    }

    /// Opens `path` to read.
    pub(crate) async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        std::fs::File::open(path).map(File::from_std)
    }

    /// Cuts or extends the file to `len` bytes.
    pub(crate) async fn set_len(&self, len: u64) -> io::Result<()> {
        self.std.set_len(len)
    }

    /// The file's metadata.
    pub(crate) async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        self.std.metadata()
    }

    /// The std file.
    pub(crate) fn std(&self) -> &std::fs::File {
        &self.std
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.get_mut().std.read(buf.initialize_unfilled())?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.get_mut().std.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.get_mut().std.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, to: SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        this.sought = Some(this.std.seek(to));
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        Poll::Ready(match this.sought.take() {
            Some(done) => done,
            None => this.std.stream_position(),
        })
    }
}

/// How to open a file (std's, opened in place).
#[derive(Debug)]
pub(crate) struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    pub(crate) fn new() -> Self {
        OpenOptions(std::fs::OpenOptions::new())
    }

    pub(crate) fn write(&mut self, on: bool) -> &mut Self {
        self.0.write(on);
        self
    }

    pub(crate) async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        self.0.open(path).map(File::from_std)
    }
}

/// The file-system calls the runtime contract names, std's in place.
pub(crate) mod fs {
    use std::io;
    use std::path::{Path, PathBuf};

    /// Each as tokio's `fs` function of the same name.
    macro_rules! in_place {
        ($($name:ident($($arg:ident),*) -> $out:ty;)*) => {$(
            pub(crate) async fn $name($($arg: impl AsRef<Path>),*) -> io::Result<$out> {
                std::fs::$name($($arg),*)
            }
        )*};
    }

    in_place! {
        metadata(path) -> std::fs::Metadata;
        symlink_metadata(path) -> std::fs::Metadata;
        canonicalize(path) -> PathBuf;
        create_dir(path) -> ();
        create_dir_all(path) -> ();
        read_to_string(path) -> String;
        remove_dir(path) -> ();
        remove_file(path) -> ();
        rename(from, to) -> ();
    }
}
