//! What the twin test files (`tests/twin/*.rs`, written once for the
//! blocking and the tokio session) need from each side: `run` (the
//! blocking side runs the call as it is; the tokio side blocks on its
//! future in a runtime of its own) and the I/O of data streams and local
//! files.

/// The blocking side.
pub mod blocking {
    use std::io::{self, Read};
    use std::path::Path;
    use std::time::Duration;

    /// The result of a blocking call, as it is.
    pub fn run<T>(value: T) -> T {
        value
    }

    /// Fills `buf` from `r`.
    pub fn read_exact<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<()> {
        r.read_exact(buf)
    }

    /// Reads `r` to its end into `out`.
    pub fn read_to_end<R: Read>(r: &mut R, out: &mut Vec<u8>) -> io::Result<usize> {
        r.read_to_end(out)
    }

    /// A local file to read from (it must exist).
    pub fn open_file(path: &Path) -> std::fs::File {
        std::fs::File::open(path).expect("a local file")
    }

    /// The session's control socket.
    pub fn control_socket(ftp: &mut ftp_std::Ftp) -> socket2::SockRef<'_> {
        socket2::SockRef::from(ftp.session_mut().control_mut().0.tcp())
    }

    /// A data stream's socket.
    pub fn data_socket(stream: &ftp_std::DataStream) -> socket2::SockRef<'_> {
        socket2::SockRef::from(stream.tcp())
    }

    /// A mirror's `connect`: a session on 127.0.0.1:`port`, logged in
    /// (timeouts of 20 s).
    pub fn connector(port: u16, user: &'static str, pass: &'static str) -> impl ftp_std::Connect {
        let options = ftp_std::Options::default().timeout(Duration::from_secs(20));
        connector_with(port, user, pass, options)
    }

    /// Like [`connector`], with `options` (and PROT P on a TLS session).
    pub fn connector_with(
        port: u16,
        user: &'static str,
        pass: &'static str,
        options: ftp_std::Options,
    ) -> impl ftp_std::Connect {
        move || {
            let mut ftp = ftp_std::Ftp::connect("127.0.0.1", port, &options)?;
            ftp.login(user, pass, "")?;
            if ftp.control_is_tls() {
                ftp.prot_p()?;
            }
            Ok(ftp)
        }
    }
}

/// The tokio side.
pub mod tokio {
    use std::future::Future;
    use std::io;
    use std::path::Path;
    use std::time::Duration;

    use ::tokio::io::{AsyncRead, AsyncReadExt};

    /// Runs `future` to its end on a current-thread runtime with timers
    /// and sockets (the future on the heap, as `tokio::spawn` puts it: a
    /// debug build's checks that await several transfers are larger than
    /// a test thread's stack).
    pub fn run<F: Future>(future: F) -> F::Output {
        ::tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
            .block_on(Box::pin(future))
    }

    /// Fills `buf` from `r`.
    pub async fn read_exact<R: AsyncRead + Unpin>(r: &mut R, buf: &mut [u8]) -> io::Result<()> {
        r.read_exact(buf).await.map(|_| ())
    }

    /// Reads `r` to its end into `out`.
    pub async fn read_to_end<R: AsyncRead + Unpin>(
        r: &mut R,
        out: &mut Vec<u8>,
    ) -> io::Result<usize> {
        r.read_to_end(out).await
    }

    /// A local file to read from (it must exist).
    pub async fn open_file(path: &Path) -> ::tokio::fs::File {
        ::tokio::fs::File::open(path).await.expect("a local file")
    }

    /// The session's control socket.
    pub fn control_socket(ftp: &mut ftp_std::tokio::Ftp) -> socket2::SockRef<'_> {
        socket2::SockRef::from(ftp.session_mut().control_mut().tcp())
    }

    /// A data stream's socket.
    pub fn data_socket(stream: &ftp_std::tokio::DataStream) -> socket2::SockRef<'_> {
        socket2::SockRef::from(stream.tcp())
    }

    /// A mirror's `connect`: a session on 127.0.0.1:`port`, logged in
    /// (timeouts of 20 s).
    pub fn connector(
        port: u16,
        user: &'static str,
        pass: &'static str,
    ) -> impl ftp_std::tokio::Connect {
        let options = ftp_std::Options::default().timeout(Duration::from_secs(20));
        connector_with(port, user, pass, options)
    }

    /// Like [`connector`], with `options` (and PROT P on a TLS session).
    pub fn connector_with(
        port: u16,
        user: &'static str,
        pass: &'static str,
        options: ftp_std::Options,
    ) -> impl ftp_std::tokio::Connect {
        move || {
            let options = options.clone();
            async move {
                let mut ftp = ftp_std::tokio::Ftp::connect("127.0.0.1", port, &options).await?;
                ftp.login(user, pass, "").await?;
                if ftp.control_is_tls() {
                    ftp.prot_p().await?;
                }
                Ok(ftp)
            }
        }
    }
}
