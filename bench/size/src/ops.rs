//! The operations both async size programs run: login, cwd, LIST, RETR,
//! STOR, quit, with arguments and data the optimizer cannot see.

use core::hint::black_box;

use embedded_io::ReadReady;
use embedded_io_async::{Read, Write};
use ftp_core::asynch::{DataConnector, Ftp};

/// Runs the operations on a connected session.
pub async fn operations<S, D>(mut ftp: Ftp<S, D>) -> Result<(), ftp_core::Error<S::Error>>
where
    S: Read + Write + ReadReady,
    D: DataConnector<Error = S::Error>,
{
    ftp.login("device", black_box("secret"), "").await?;
    ftp.cwd(black_box("logs")).await?;
    let mut buf = [0u8; 1024];
    ftp.retrlines("LIST", &mut buf, async |line| {
        black_box(line);
        Ok(())
    })
    .await?;
    // The offset passes black_box too: the REST path stays in.
    ftp.retrbinary(
        "RETR firmware.bin",
        &mut buf,
        black_box(None),
        async |block| {
            black_box(block);
            Ok(())
        },
    )
    .await?;
    let mut left = black_box(4096usize);
    let read = async |b: &mut [u8]| {
        let n = b.len().min(left);
        left -= n;
        Ok(black_box(n))
    };
    ftp.storbinary("STOR device.log", &mut buf, black_box(None), read, |_| {})
        .await?;
    ftp.quit().await?;
    Ok(())
}
