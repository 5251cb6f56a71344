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

/// The firmware examples' session after login: CWD, LIST, RETR of the
/// image, STOR of the log, QUIT, each step printed (the tests read it),
/// then the session's size. The same for clear text and FTPS: the
/// streams are the session's business.
pub fn device_session<S, D, const N: usize>(
    ftp: &mut ftp_core::Ftp<S, D, N, std::io::Error>,
    device: &Device<'_>,
) -> Result<(), String>
where
    S: embedded_io::Read + embedded_io::Write + embedded_io::ReadReady,
    D: ftp_core::DataConnector<Error = S::Error>,
    S::Error: std::fmt::Display,
{
    use std::io::Write as _;
    let fail = |e: ftp_core::Error<S::Error, std::io::Error>| e.to_string();
    let Device {
        dir,
        file,
        out,
        log,
        remote_log,
    } = *device;
    println!("{}", ftp.cwd(dir).map_err(fail)?);

    let mut block = [0u8; BLOCK];
    println!(
        "{}",
        ftp.retrlines("LIST", &mut block, |line| {
            println!("{}", ftp_core::Text(line));
            Ok(())
        })
        .map_err(fail)?
    );

    let mut output = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut received = 0u64;
    let started = std::time::Instant::now();
    let reply = ftp
        .retrbinary(&format!("RETR {file}"), &mut block, None, |b| {
            received += b.len() as u64;
            // The device writes flash; here a file stands in for it.
            output.write_all(b)
        })
        .map_err(fail)?;
    let secs = started.elapsed().as_secs_f64();
    println!("{reply}");
    println!(
        "downloaded {received} bytes in {secs:.3} s ({:.1} MB/s)",
        received as f64 / secs / 1e6
    );

    let started = std::time::Instant::now();
    // The log is read out block by block, as from flash.
    let mut sent = 0;
    let read_log = |buf: &mut [u8]| {
        let n = buf.len().min(log.len() - sent);
        buf[..n].copy_from_slice(&log[sent..sent + n]);
        sent += n;
        Ok(n)
    };
    let reply = ftp
        .storbinary(
            &format!("STOR {remote_log}"),
            &mut block,
            None,
            read_log,
            |_| {},
        )
        .map_err(fail)?;
    println!("{reply}");
    println!(
        "uploaded {} bytes in {:.3} s",
        log.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{}", ftp.quit().map_err(fail)?);
    println!(
        "session: {} bytes (reply buffer {N}), transfer buffer {BLOCK} bytes",
        core::mem::size_of_val(ftp),
    );
    Ok(())
}

pub mod firmware;
