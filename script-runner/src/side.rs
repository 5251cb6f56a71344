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
pub(crate) use ftp_std::{Ftp, download_segmented, mirror, mirror_up};

#[cfg(target_os = "wasi")]
pub(crate) use ftp_core_macros::asynch as bisync;
#[cfg(target_os = "wasi")]
pub(crate) use ftp_std::tokio::{Ftp, download_segmented, mirror, mirror_up};

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

/// Ends the runner's session (QUIT), when the script ends or fails.
pub(crate) fn end_session(runner: &std::cell::RefCell<crate::runner::Runner>) {
    // Natively the call is done when `wait` gets it; under WASI it is a
    // future `wait` runs.
    #[allow(clippy::unit_arg)]
    wait(runner.borrow_mut().end_session())
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
