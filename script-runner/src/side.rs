//! Which side of ftp-std the runner drives. Natively the blocking one
//! (parallel work on threads, Linux's splice for downloads); under WASI
//! the tokio one on a current-thread runtime, where a component has no
//! threads: a mirror's connections and a download's segments are futures
//! of one task there. `runner.rs` and `engine.rs` are written once in
//! async shape and compiled for the side with the core's `bisync`
//! attributes (`async` and `.await` stripped natively); [`wait`] is where
//! a script's call waits for its future.

use std::io::{self, Read};

#[cfg(not(target_os = "wasi"))]
pub(crate) use ftp_core_macros::blocking as bisync;
#[cfg(not(target_os = "wasi"))]
pub(crate) use ftp_std::{
    Ftp, download_segmented, fetch_retrying, fxp, mirror, mirror_up, probe, put_retrying,
};

#[cfg(target_os = "wasi")]
pub(crate) use ftp_core_macros::asynch as bisync;
#[cfg(target_os = "wasi")]
pub(crate) use ftp_std::tokio::{
    Ftp, download_segmented, fetch_retrying, fxp, mirror, mirror_up, probe, put_retrying,
};

/// A call's result, natively (the blocking side returns it at once).
#[cfg(not(target_os = "wasi"))]
pub(crate) fn wait<T>(done: T) -> T {
    done
}

#[cfg(target_os = "wasi")]
thread_local! {
    /// The runtime every call of the script runs on: one thread, tokio's
    /// sockets (WASIp2) and timers.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime needs nothing the host can refuse");
}

/// Runs a call's future to its end (under WASI: on the one runtime).
#[cfg(target_os = "wasi")]
pub(crate) fn wait<F: std::future::Future>(call: F) -> F::Output {
    RUNTIME.with(|runtime| runtime.block_on(call))
}

/// Ends the runner's session (QUIT) and those the script made with
/// `FTP(...)`, when the script ends or fails.
pub(crate) fn end_session(runner: &std::cell::RefCell<crate::runner::Runner>) {
    let others = runner.borrow_mut().others();
    for session in &others {
        end_one(session);
    }
    end_one(runner);
}

fn end_one(runner: &std::cell::RefCell<crate::runner::Runner>) {
    // Natively the call is done when `wait` gets it; under WASI it is a
    // future `wait` runs.
    #[allow(clippy::unit_arg)]
    wait(runner.borrow_mut().end_session())
}

/// A download's blocks handed to the script (its callback, or a file
/// object), a call each; the first failure stops the transfer and is kept
/// for the script's `catch`.
pub(crate) struct Blocks<'a> {
    each: &'a mut dyn FnMut(&[u8]) -> crate::errors::Rr<()>,
    pub(crate) failed: Option<Box<rhai::EvalAltResult>>,
}

impl<'a> Blocks<'a> {
    pub(crate) fn new(each: &'a mut dyn FnMut(&[u8]) -> crate::errors::Rr<()>) -> Self {
        Blocks { each, failed: None }
    }

    fn put(&mut self, block: &[u8]) -> io::Result<usize> {
        match (self.each)(block) {
            Ok(()) => Ok(block.len()),
            Err(e) => {
                self.failed = Some(e);
                Err(io::Error::other("the script's callback failed"))
            }
        }
    }
}

#[cfg(not(target_os = "wasi"))]
impl std::io::Write for Blocks<'_> {
    fn write(&mut self, block: &[u8]) -> io::Result<usize> {
        self.put(block)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(target_os = "wasi")]
impl tokio::io::AsyncWrite for Blocks<'_> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        block: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::task::Poll::Ready(self.get_mut().put(block))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// An upload's bytes taken from the script (a file object, and its
/// callback after each block); the first failure stops the transfer and
/// is kept for the script's `catch`.
pub(crate) struct Fed<'a> {
    take: &'a mut dyn FnMut(&mut [u8]) -> crate::errors::Rr<usize>,
    pub(crate) failed: Option<Box<rhai::EvalAltResult>>,
}

impl<'a> Fed<'a> {
    pub(crate) fn new(take: &'a mut dyn FnMut(&mut [u8]) -> crate::errors::Rr<usize>) -> Self {
        Fed { take, failed: None }
    }

    fn next(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (self.take)(buf).map_err(|e| {
            self.failed = Some(e);
            io::Error::other("the script's callback failed")
        })
    }
}

#[cfg(not(target_os = "wasi"))]
impl Read for Fed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.next(buf)
    }
}

#[cfg(target_os = "wasi")]
impl tokio::io::AsyncRead for Fed<'_> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        let n = self.get_mut().next(buf.initialize_unfilled())?;
        buf.advance(n);
        std::task::Poll::Ready(Ok(()))
    }
}

/// A local file (or any std reader) as the side's upload source.
pub(crate) struct Local<R>(pub R);

#[cfg(not(target_os = "wasi"))]
impl<R: Read> Read for Local<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

/// Read in place: the preopened files of a WASI host are local.
#[cfg(target_os = "wasi")]
impl<R: Read + Unpin> tokio::io::AsyncRead for Local<R> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        let n = self.get_mut().0.read(buf.initialize_unfilled())?;
        buf.advance(n);
        std::task::Poll::Ready(Ok(()))
    }
}
