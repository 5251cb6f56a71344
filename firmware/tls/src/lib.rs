//! What the FTPS firmware images share: rustls's heap (with its peak
//! counted), the device's entropy and clock for rustls, and the TLS
//! configuration from a CA file of the host.

#![no_std]

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};

use ftp_device::Failure;
use mps2_an386::host::{self, HostFile};
use rustls::pki_types::UnixTime;

/// rustls's heap (a fixed region of [`HEAP_SIZE`] bytes, its peak use
/// counted): the FTPS images' global allocator.
#[global_allocator]
pub static HEAP: Heap = Heap::empty();

/// The heap region's size.
pub const HEAP_SIZE: usize = 64 * 1024;

/// Gives [`HEAP`] its region (first thing in `main`).
pub fn init_heap() {
    static MEMORY: static_cell::ConstStaticCell<[core::mem::MaybeUninit<u8>; HEAP_SIZE]> =
        static_cell::ConstStaticCell::new([core::mem::MaybeUninit::uninit(); HEAP_SIZE]);
    HEAP.init(MEMORY.take());
}

/// rustls's heap: a fixed region, its peak use counted.
pub struct Heap {
    inner: embedded_alloc::LlffHeap,
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Heap {
    /// An empty heap ([`Heap::init`] gives it its memory).
    pub const fn empty() -> Heap {
        Heap {
            inner: embedded_alloc::LlffHeap::empty(),
            now: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Gives the heap `memory` (once, before any allocation).
    pub fn init(&self, memory: &'static mut [core::mem::MaybeUninit<u8>]) {
        // SAFETY: the region is 'static, the heap's alone from now on, and
        // this is called once before any allocation.
        unsafe { self.inner.init(memory.as_mut_ptr() as usize, memory.len()) }
    }

    /// What is held now.
    pub fn held(&self) -> usize {
        self.now.load(Ordering::Relaxed)
    }

    /// The most held at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }
}

// SAFETY: every call goes to the linked-list allocator unchanged; only
// sizes are counted.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { self.inner.alloc(layout) };
        if !p.is_null() {
            let now = self.now.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            self.peak.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.inner.dealloc(ptr, layout) };
        self.now.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

/// The device's entropy for rustls: the board has no random number
/// generator, so SHA-256 over a seed the host gives at boot (its time),
/// the milliseconds since, and a counter. A real board reads its TRNG.
fn entropy(buf: &mut [u8]) -> Result<(), getrandom::Error> {
    use sha2::Digest;
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    for chunk in buf.chunks_mut(32) {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut sha = sha2::Sha256::new();
        sha.update(host::time().to_le_bytes());
        sha.update(mps2_an386::clock::SysTickClock::millis().to_le_bytes());
        sha.update(n.to_le_bytes());
        chunk.copy_from_slice(&sha.finalize()[..chunk.len()]);
    }
    Ok(())
}
getrandom::register_custom_getrandom!(entropy);

/// The device's clock for certificates: the host's time (a board reads
/// its RTC).
#[derive(Debug)]
struct HostTime;

impl rustls::time_provider::TimeProvider for HostTime {
    fn current_time(&self) -> Option<UnixTime> {
        Some(UnixTime::since_unix_epoch(core::time::Duration::from_secs(
            u64::from(host::time()),
        )))
    }
}

/// The TLS configuration: the CA certificates of the host file `ca`
/// (PEM), TLS 1.3 and 1.2, a session store for one server (each data
/// connection resumes the control connection's session).
pub fn tls_config(ca: &str) -> Result<Arc<rustls::ClientConfig>, Failure> {
    let path = mps2_an386::device::HostPath::new(ca)
        .ok_or_else(|| Failure::new(format_args!("CA_FILE: a path of at most 255 bytes")))?;
    let mut file = HostFile::open_read(path.with_nul())
        .ok_or_else(|| Failure::new(format_args!("{ca}: cannot open it")))?;
    let mut pem = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = file
            .read(&mut buf)
            .ok_or_else(|| Failure::new(format_args!("{ca}: cannot read it")))?;
        if n == 0 {
            break;
        }
        pem.extend_from_slice(&buf[..n]);
    }
    ftp_tls::client_config(
        &pem,
        rustls::ALL_VERSIONS,
        Arc::new(ftp_tls::SessionStore::new(1)),
        Arc::new(HostTime),
    )
    .map_err(|e| Failure::new(format_args!("{ca}: {e}")))
}
