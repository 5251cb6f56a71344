//! What FTPS costs a firmware: the program of `main.rs` over explicit
//! FTPS through ftp-tls (AUTH TLS, the handshake with certificate
//! verification, PBSZ 0 + PROT P, each data connection in TLS resuming
//! the control connection's session), over the same opaque transport.
//! rustls needs a heap: a fixed 96 KiB region (embedded-alloc; the TAP runs measure at most about 90 KiB held). Built for
//! thumbv7em-none-eabihf; never run, only measured (bench/size.sh).

#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use core::hint::black_box;
use core::mem::MaybeUninit;
use core::net::SocketAddr;
use core::panic::PanicInfo;

use embedded_io::ErrorKind;
use ftp_core::Ftp;
use ftp_tls::{MaybeTls, SessionStore, TlsData, TlsError};
use rustls::pki_types::UnixTime;

mod blocking_wire;
mod cs;
mod wire;
use blocking_wire::Data;
use wire::Wire;

/// The heap rustls lives in.
#[global_allocator]
static HEAP: embedded_alloc::LlffHeap = embedded_alloc::LlffHeap::empty();
const HEAP_SIZE: usize = 96 * 1024;

/// The device's entropy (a firmware reads its TRNG).
fn entropy(buf: &mut [u8]) -> Result<(), getrandom::Error> {
    for b in buf.iter_mut() {
        *b = black_box(0x5a);
    }
    Ok(())
}
getrandom::register_custom_getrandom!(entropy);

/// The device's clock (a firmware reads its RTC).
#[derive(Debug)]
struct Rtc;

impl rustls::time_provider::TimeProvider for Rtc {
    fn current_time(&self) -> Option<UnixTime> {
        Some(UnixTime::since_unix_epoch(core::time::Duration::from_secs(
            black_box(1_800_000_000),
        )))
    }
}

type Session = Ftp<MaybeTls<Wire>, TlsData<Data>>;

#[used]
#[unsafe(link_section = ".ftp_session_ram")]
static SESSION_RAM: [u8; core::mem::size_of::<Session>()] = [0; core::mem::size_of::<Session>()];

fn session() -> Result<(), ftp_core::Error<TlsError<ErrorKind>>> {
    let ca = black_box(&b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"[..]);
    let store = Arc::new(SessionStore::new(1));
    let config = ftp_tls::client_config(ca, rustls::ALL_VERSIONS, store, Arc::new(Rtc))
        .map_err(|_| ftp_core::Error::Io(TlsError::Closed))?;
    let peer = SocketAddr::from(([192, 0, 2, 1], 21));
    let name = ftp_tls::server_name(black_box(peer).ip());
    let mut ftp: Session = Ftp::connect(
        MaybeTls::Plain(Wire { at: 0 }),
        TlsData::new(Data),
        black_box(peer),
    )?;
    ftp.auth()?;
    ftp.control_mut()
        .upgrade(&config, &name)
        .map_err(ftp_core::Error::Io)?;
    ftp.login("device", black_box("secret"), "")?;
    ftp.prot_p()?;
    ftp.data_connector_mut().protect(Some((config, name)));
    ftp.cwd(black_box("logs"))?;
    let mut buf = [0u8; 1024];
    ftp.retrlines("LIST", &mut buf, |line| {
        black_box(line);
        Ok(())
    })?;
    ftp.retrbinary("RETR firmware.bin", &mut buf, black_box(None), |block| {
        black_box(block);
        Ok(())
    })?;
    let mut left = black_box(4096usize);
    ftp.storbinary(
        "STOR device.log",
        &mut buf,
        black_box(None),
        |b| {
            let n = b.len().min(left);
            left -= n;
            Ok(black_box(n))
        },
        |_| {},
    )?;
    ftp.quit()?;
    Ok(())
}

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    static mut MEMORY: [MaybeUninit<u8>; HEAP_SIZE] = [MaybeUninit::uninit(); HEAP_SIZE];
    // SAFETY: called once, before any allocation; the region is only the heap's.
    unsafe { HEAP.init(core::ptr::addr_of_mut!(MEMORY) as usize, HEAP_SIZE) };
    let _ = black_box(session());
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
