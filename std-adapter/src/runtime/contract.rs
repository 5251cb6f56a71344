// The runtime contract, item by item with its types (see `mod.rs`):
// compiled against each runtime and never called. A runtime that lacks
// an item, or gives one another shape, fails here first.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::{bisync, rt};
use rt::{DataRead, DataWrite, Seek as _, Sink, Source, TcpRead as _, TcpWrite as _};

/// Sockets: resolve, connect, a bounded step.
#[bisync]
async fn sockets(host: &str, source: Option<IpAddr>) -> io::Result<rt::Tcp> {
    let addrs: Vec<SocketAddr> = rt::resolve(host, 21).await?;
    let timeout = Some(Duration::from_secs(1));
    let mut tcp: rt::Tcp = rt::tcp_connect(addrs[0], source, timeout).await?;
    rt::socket_deadline(&tcp, timeout)?;
    let mut byte = [0u8; 1];
    let read: usize = rt::within(timeout, tcp.read(&mut byte)).await?;
    tcp.write_all(&byte[..read]).await?;
    rt::socket_deadline(&tcp, None)?;
    rt::write_deadline(&tcp, timeout)?;
    let listener: rt::Listener = rt::listen(addrs[0]).await?;
    let (_, _from): (rt::Tcp, SocketAddr) = rt::accept(&listener, timeout).await?;
    Ok(tcp)
}

/// Local files, waiting, blocking work.
#[bisync]
async fn files(path: &Path) -> io::Result<()> {
    let mut file: rt::File = rt::OpenOptions::new().write(true).open(path).await?;
    let _: u64 = file.seek(io::SeekFrom::Start(0)).await?;
    rt::set_modified(&file, SystemTime::UNIX_EPOCH).await?;
    let _: rt::File = rt::from_std(std::fs::File::open(path)?);
    let _: std::fs::Metadata = rt::fs::metadata(path).await?;
    let _: std::fs::Metadata = rt::fs::symlink_metadata(path).await?;
    let _: std::path::PathBuf = rt::fs::canonicalize(path).await?;
    rt::fs::create_dir(path).await?;
    rt::fs::create_dir_all(path).await?;
    let _: String = rt::fs::read_to_string(path).await?;
    rt::fs::remove_dir(path).await?;
    rt::fs::remove_file(path).await?;
    rt::fs::rename(path, path).await?;
    let _: rt::File = rt::File::open(path).await?;
    let _: std::fs::Metadata = file.metadata().await?;
    file.set_len(0).await?;
    let _: u8 = rt::unblock(|| Ok(1u8)).await?;
    rt::sleep(Duration::ZERO).await;
    Ok(())
}

/// A transfer's ends: the caller's reader and writer, the data stream.
#[bisync]
async fn ends<I, O, D>(input: &mut I, output: &mut O, data: &mut D) -> io::Result<()>
where
    I: Source + ?Sized,
    O: Sink + ?Sized,
    D: DataRead<Error = io::Error> + DataWrite<Error = io::Error>,
{
    let mut buf = [0u8; 16];
    let n: usize = input.take(&mut buf).await?;
    data.write_all(&buf[..n]).await?;
    let n: usize = data.read(&mut buf).await?;
    output.put(&buf[..n]).await?;
    output.done().await
}

#[bisync]
async fn open() -> Option<u8> {
    Some(1)
}

#[bisync]
async fn work(session: Option<u8>) -> Option<u8> {
    session
}

/// Work side by side: sessions opened alongside a main step, one worker
/// per session, a large call boxed.
#[bisync]
async fn together() -> Option<u8> {
    let (main, opened): (Option<u8>, Vec<Option<u8>>) =
        rt::alongside(2, &open, || work(None)).await;
    let left: Vec<Option<u8>> = rt::run_all(main, opened, work).await;
    rt::boxed(work(left.into_iter().next().flatten())).await
}
