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

/// What the firmware-style examples do once logged in: the device's
/// directory, the image to fetch (into `out`, standing in for flash) and
/// the log to ship.
pub struct Device<'a> {
    pub dir: &'a str,
    pub file: &'a str,
    pub out: &'a str,
    pub log: &'a [u8],
    pub remote_log: &'a str,
}

/// The transfer buffer of the firmware-style examples.
pub const BLOCK: usize = 4096;

/// The firmware examples' session after login, blocking (`firmware_tap`,
/// `firmware_tls_tap`).
#[path = "twin"]
pub mod blocking_device {
    pub(crate) use embedded_io::{Read, Write};
    pub(crate) use ftp_core::{DataConnector, Ftp};
    pub(crate) use ftp_core_macros::blocking as bisync;
    pub(crate) use ftp_tls::{MaybeTls, TlsData};

    #[allow(clippy::duplicate_mod)]
    #[path = "device.rs"]
    mod device;
    pub use device::{device_session, login_ftps};
}

/// The same on the async twin (`embassy_tap`, `embassy_tls_tap`).
#[path = "twin"]
pub mod async_device {
    pub(crate) use embedded_io_async::{Read, Write};
    pub(crate) use ftp_core::asynch::{DataConnector, Ftp};
    pub(crate) use ftp_core_macros::asynch as bisync;
    pub(crate) use ftp_tls::asynch::{MaybeTls, TlsData};

    #[allow(clippy::duplicate_mod)]
    #[path = "device.rs"]
    mod device;
    pub use device::{device_session, login_ftps};
}

pub use blocking_device::{device_session, login_ftps};

/// The FTPS examples' TLS configuration: the CA certificates of `ca` (a
/// PEM file), TLS 1.3 and 1.2, a session store for one server, the host's
/// clock (a device reads its RTC).
pub fn tls_config(ca: &str) -> Result<std::sync::Arc<rustls::ClientConfig>, String> {
    let pem = std::fs::read(ca).map_err(|e| format!("{ca}: {e}"))?;
    ftp_tls::client_config(
        &pem,
        rustls::ALL_VERSIONS,
        std::sync::Arc::new(ftp_tls::SessionStore::new(1)),
        std::sync::Arc::new(rustls::time_provider::DefaultTimeProvider),
    )
    .map_err(|e| e.to_string())
}

pub mod embassy;
pub mod firmware;

/// The system allocator, counting: the TLS examples install it to report
/// the most heap their session held at once (rustls's; the FTP code has
/// none), which is what a device must set aside.
pub struct PeakAlloc {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl PeakAlloc {
    pub const fn new() -> Self {
        PeakAlloc {
            now: std::sync::atomic::AtomicUsize::new(0),
            peak: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Starts counting the peak from what is held now.
    pub fn reset(&self) -> usize {
        let now = self.now.load(std::sync::atomic::Ordering::Relaxed);
        self.peak.store(now, std::sync::atomic::Ordering::Relaxed);
        now
    }

    /// The most held at once since [`PeakAlloc::reset`].
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Default for PeakAlloc {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call goes to the system allocator unchanged; only sizes
// are counted.
unsafe impl std::alloc::GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            let now = self
                .now
                .fetch_add(layout.size(), std::sync::atomic::Ordering::Relaxed)
                + layout.size();
            self.peak
                .fetch_max(now, std::sync::atomic::Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        self.now
            .fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
    }
}
