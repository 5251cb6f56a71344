// The firmware examples' session after login, written once for the
// blocking device program (ftp-core over smoltcp) and the embassy one
// (ftp-core's async twin over embassy-net), clear text or FTPS alike.

use std::sync::Arc;

use super::{DataConnector, Ftp, MaybeTls, Read, TlsData, Write, bisync};
use crate::{BLOCK, Device};

/// The firmware examples' session after login: CWD, LIST, RETR of the
/// image, STOR of the log, QUIT, each step printed (the tests read it),
/// then the session's size. The same for clear text and FTPS: the
/// streams are the session's business.
#[bisync]
pub async fn device_session<S, D, const N: usize>(
    ftp: &mut Ftp<S, D, N, std::io::Error>,
    device: &Device<'_>,
) -> Result<(), String>
where
    S: Read + Write + embedded_io::ReadReady,
    D: DataConnector<Error = S::Error>,
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
    println!("{}", ftp.cwd(dir).await.map_err(fail)?);

    let mut block = [0u8; BLOCK];
    println!(
        "{}",
        ftp.retrlines("LIST", &mut block, async |line| {
            println!("{}", ftp_core::Text(line));
            Ok(())
        })
        .await
        .map_err(fail)?
    );

    let mut output = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut received = 0u64;
    let started = std::time::Instant::now();
    let reply = ftp
        .retrbinary(&format!("RETR {file}"), &mut block, None, async |b| {
            received += b.len() as u64;
            // The device writes flash; here a file stands in for it.
            output.write_all(b)
        })
        .await
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
    let read_log = async |buf: &mut [u8]| {
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
        .await
        .map_err(fail)?;
    println!("{reply}");
    println!(
        "uploaded {} bytes in {:.3} s",
        log.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{}", ftp.quit().await.map_err(fail)?);
    println!(
        "session: {} bytes (reply buffer {N}), transfer buffer {BLOCK} bytes",
        core::mem::size_of_val(ftp),
    );
    Ok(())
}

/// The FTPS examples' login: AUTH TLS, the control connection turned to
/// TLS with `config` (the server's certificate checked against its
/// address), the login, PBSZ 0 + PROT P, and the data connections in TLS
/// from then on, each resuming the control connection's session.
#[bisync]
pub async fn login_ftps<S, D, const N: usize>(
    ftp: &mut Ftp<MaybeTls<S>, TlsData<D>, N, std::io::Error>,
    config: Arc<rustls::ClientConfig>,
    user: &str,
    pass: &str,
) -> Result<(), String>
where
    S: Read + Write + embedded_io::ReadReady,
    D: DataConnector<Error = S::Error>,
    D::Stream: Read + Write,
    S::Error: std::fmt::Debug,
{
    let name = ftp_tls::server_name(ftp.peer_addr().ip());
    let fail = |e: ftp_core::Error<ftp_tls::TlsError<S::Error>, std::io::Error>| e.to_string();
    println!("{}", ftp.auth().await.map_err(fail)?);
    ftp.control_mut()
        .upgrade(&config, &name)
        .await
        .map_err(|e| format!("TLS on the control connection: {e}"))?;
    println!("{}", ftp.login(user, pass, "").await.map_err(fail)?);
    println!("{}", ftp.prot_p().await.map_err(fail)?);
    ftp.data_connector_mut().protect(Some((config, name)));
    Ok(())
}
