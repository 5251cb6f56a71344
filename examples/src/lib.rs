//! What the example programs share.

use std::future::Future;

/// Runs an FTP future to its end on a current-thread tokio runtime
/// (timers and sockets on): what the `_async` examples' `main` does.
pub fn on_tokio<T>(
    future: impl Future<Output = Result<T, ftp_std::Error>>,
) -> Result<T, ftp_std::Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ftp_std::Error::Io)?
        .block_on(future)
}
