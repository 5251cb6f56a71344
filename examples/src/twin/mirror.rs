// A whole tree mirrored down, written once for the blocking mirror
// (threads) and the tokio one (futures of one task): `mirror URL DIR`.

use std::path::Path;

use ftp_std::{Error, MirrorOptions, Options, Summary, Url};

use super::{bisync, connector, mirror};

/// Mirrors the URL's directory (the server's root when it names none)
/// into `local` with `parallel` connections.
#[bisync]
pub async fn run(url: &Url, local: &Path, parallel: usize) -> Result<Summary, Error> {
    let options = Options::default();
    let connect = connector(url, &options);
    let remote = match url.path.as_str() {
        "" => "/",
        path => path,
    };
    let mirror_options = MirrorOptions::default().parallel(parallel);
    let mut session = None;
    let summary = mirror(
        &mut session,
        &connect,
        remote,
        local,
        &mirror_options,
        &|_| {},
    )
    .await?;
    if let Some(ftp) = session.as_mut() {
        let _ = ftp.quit().await;
    }
    Ok(summary)
}
