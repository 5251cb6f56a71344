// The FTPS login of the device programs on the host, written once for
// the blocking one (ftp-core over smoltcp) and the embassy one (ftp-core's
// async twin over embassy-net); the program itself is ftp-device's.

use std::sync::Arc;

use super::{DataConnector, Ftp, MaybeTls, Read, TlsData, Write, bisync};

/// The FTPS examples' login: AUTH TLS, the control connection turned to
/// TLS with `config` (the server's certificate checked against its
/// address), the login, PBSZ 0 + PROT P, and the data connections in TLS
/// from then on, each resuming the control connection's session.
#[bisync]
pub async fn login_ftps<S, D, const N: usize>(
    ftp: &mut Ftp<MaybeTls<S>, TlsData<D>, N, ftp_device::SlotError>,
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
    let fail =
        |e: ftp_core::Error<ftp_tls::TlsError<S::Error>, ftp_device::SlotError>| e.to_string();
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
