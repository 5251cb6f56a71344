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

/// The device programs' board on the host (`firmware_tap`, `embassy_tap`
/// and their FTPS siblings): output on stdout, the image slot a file
/// beside OUT (`OUT.slot`, written block by block as flash would be, and
/// renamed to OUT once the image is checked), the log from a file, the
/// host's clock. The program itself is ftp-device's, the same as the
/// firmware images'.
pub struct HostBoard {
    slot: std::fs::File,
    slot_path: std::path::PathBuf,
    out: String,
    log: Vec<u8>,
    start: std::time::Instant,
}

impl HostBoard {
    /// A board publishing to `out`, uploading the file `log`.
    pub fn new(out: &str, log: &str) -> Result<HostBoard, String> {
        let slot_path = std::path::PathBuf::from(format!("{out}.slot"));
        let slot = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&slot_path)
            .map_err(|e| format!("{}: {e}", slot_path.display()))?;
        Ok(HostBoard {
            slot,
            slot_path,
            out: out.to_string(),
            log: std::fs::read(log).map_err(|e| format!("{log}: {e}"))?,
            start: std::time::Instant::now(),
        })
    }
}

impl Drop for HostBoard {
    fn drop(&mut self) {
        // An image that was not published leaves nothing behind.
        let _ = std::fs::remove_file(&self.slot_path);
    }
}

impl ftp_device::Board for HostBoard {
    fn print(&mut self, args: std::fmt::Arguments) {
        println!("{args}");
    }

    fn slot_write(&mut self, offset: u64, bytes: &[u8]) -> Result<(), ftp_device::SlotError> {
        use std::io::{Seek, SeekFrom, Write};
        self.slot
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.slot.write_all(bytes))
            .map_err(|_| ftp_device::SlotError)
    }

    fn slot_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ftp_device::SlotError> {
        use std::io::{Read, Seek, SeekFrom};
        self.slot
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.slot.read_exact(buf))
            .map_err(|_| ftp_device::SlotError)
    }

    fn publish(&mut self, len: u64) -> Result<(), ftp_device::SlotError> {
        self.slot.set_len(len).map_err(|_| ftp_device::SlotError)?;
        self.slot.sync_all().map_err(|_| ftp_device::SlotError)?;
        std::fs::rename(&self.slot_path, &self.out).map_err(|_| ftp_device::SlotError)
    }

    fn log_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ftp_device::SlotError> {
        let at = usize::try_from(offset).map_or(self.log.len(), |o| o.min(self.log.len()));
        let n = buf.len().min(self.log.len() - at);
        buf[..n].copy_from_slice(&self.log[at..at + n]);
        Ok(n)
    }

    fn now_ms(&mut self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn pause(&mut self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// What the device programs are told: the directory, the image and the
/// log's remote name; a 60 s deadline and a 1 s first pause for the
/// download's attempts.
pub fn device<'a>(dir: &'a str, file: &'a str, remote_log: &'a str) -> ftp_device::Device<'a> {
    ftp_device::Device {
        dir,
        file,
        remote_log,
        deadline_ms: 60_000,
        pause_ms: 1_000,
    }
}

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
