// The FTPS login of the device programs, written once for both twins.

use alloc::sync::Arc;

use ftp_core::Text;

use super::{DataConnector, Ftp, MaybeTls, Read, TlsData, Write, bisync};
use crate::{Board, Failure, SlotError};

/// The FTPS login: AUTH TLS, the control connection turned to TLS with
/// `config` (the server's certificate checked against its address), the
/// login, PBSZ 0 + PROT P, and the data connections in TLS from then on,
/// each resuming the control connection's session. Each reply printed.
#[bisync]
pub async fn login_ftps<S, D, B: Board, const N: usize>(
    ftp: &mut Ftp<MaybeTls<S>, TlsData<D>, N, SlotError>,
    config: Arc<rustls::ClientConfig>,
    user: &str,
    pass: &str,
    board: &mut B,
) -> Result<(), Failure>
where
    S: Read + Write + embedded_io::ReadReady,
    D: DataConnector<Error = S::Error>,
    D::Stream: Read + Write,
    S::Error: core::fmt::Debug,
{
    let name = ftp_tls::server_name(ftp.peer_addr().ip());
    let fail = |e: ftp_core::Error<ftp_tls::TlsError<S::Error>, SlotError>| {
        Failure::new(format_args!("{e}"))
    };
    let reply = ftp.auth().await.map_err(fail)?;
    say!(board, "{}", Text(reply.text()));
    ftp.control_mut()
        .upgrade(&config, &name)
        .await
        .map_err(|e| Failure::new(format_args!("TLS on the control connection: {e}")))?;
    let reply = ftp.login(user, pass, "").await.map_err(fail)?;
    say!(board, "{}", Text(reply.text()));
    let reply = ftp.prot_p().await.map_err(fail)?;
    say!(board, "{}", Text(reply.text()));
    ftp.data_connector_mut().protect(Some((config, name)));
    Ok(())
}
