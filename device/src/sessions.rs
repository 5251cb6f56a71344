//! Sessions for the device program over the network stacks the project
//! supports: ftp-core's smoltcp adapter (blocking) and embassy-net through
//! ftp-embassy (async), in clear text or over FTPS (feature `tls`). The
//! host programs over TAP and the firmware images use these same ones.

use core::net::SocketAddr;

#[cfg(any(feature = "smoltcp", feature = "embassy"))]
use crate::{Board, Failure, say};

/// Where and as whom the device logs in, and how data connections go.
#[derive(Clone, Copy, Debug)]
pub struct Login<'a> {
    /// The server.
    pub server: SocketAddr,
    /// The user.
    pub user: &'a str,
    /// The password.
    pub pass: &'a str,
    /// Active mode: the device's address to announce and a seed for its
    /// ports; passive mode when `None`.
    pub active: Option<(core::net::Ipv4Addr, u16)>,
}

/// How long a session waits for anything, in seconds.
pub const TIMEOUT_SECS: u64 = 10;

/// The welcome, said.
#[cfg(any(feature = "smoltcp", feature = "embassy"))]
fn welcome<B: Board>(board: &mut B, text: &[u8]) {
    say!(board, "{}", ftp_core::Text(text));
}

/// A failure from anything that displays.
#[cfg(any(feature = "smoltcp", feature = "embassy"))]
fn failure(e: impl core::fmt::Display) -> Failure {
    Failure::new(format_args!("{e}"))
}

/// Sessions over ftp-core's smoltcp adapter (blocking).
#[cfg(feature = "smoltcp")]
pub mod smoltcp {
    use core::cell::RefCell;

    use ftp_core::Ftp;
    use ftp_core::smoltcp_io::{Clock, Connector, Stack, TcpStream};
    use smoltcp::iface::SocketHandle;
    use smoltcp::phy::Device;
    use smoltcp::time::Duration;

    use super::{Login, TIMEOUT_SECS, failure, welcome};
    use crate::{Board, Failure, SlotError, say};

    /// The control stream.
    pub type Stream<'s, 'a, D, C> = TcpStream<'s, 'a, D, C>;
    /// The data connector.
    pub type Data<'s, 'a, D, C> = Connector<'s, 'a, D, C>;
    type Clear<'s, 'a, D, C> = Ftp<
        Stream<'s, 'a, D, C>,
        Data<'s, 'a, D, C>,
        { ftp_core::DEFAULT_REPLY_BUFFER },
        SlotError,
    >;
    /// A control connection and its data connector.
    type Connected<'s, 'a, D, C> = (Stream<'s, 'a, D, C>, Data<'s, 'a, D, C>);

    /// Clear-text sessions on a smoltcp stack's two sockets (a new
    /// connection on the same sockets each time: the handles are reused).
    pub struct Sessions<'s, 'a, D: Device, C: Clock> {
        /// The stack.
        pub stack: &'s RefCell<Stack<'a, D, C>>,
        /// The control socket.
        pub control: SocketHandle,
        /// The data socket.
        pub data: SocketHandle,
        /// Where and as whom.
        pub login: Login<'s>,
    }

    impl<'s, 'a, D: Device, C: Clock> Sessions<'s, 'a, D, C> {
        /// A control connection (the socket's old one reset) and the
        /// data connector.
        fn connect(&self) -> Result<Connected<'s, 'a, D, C>, Failure> {
            let timeout = Duration::from_secs(TIMEOUT_SECS);
            let stream = TcpStream::connect(self.stack, self.control, self.login.server, timeout)
                .map_err(|e| Failure::new(format_args!("connect: {e}")))?;
            let mut data = Connector::new(self.stack, self.data, timeout);
            if let Some((ip, _)) = self.login.active {
                data.set_active_address(ip.into());
            }
            Ok((stream, data))
        }
    }

    impl<'s, 'a, D: Device, C: Clock> crate::blocking::Sessions for Sessions<'s, 'a, D, C> {
        type S = Stream<'s, 'a, D, C>;
        type D = Data<'s, 'a, D, C>;

        fn open<B: Board>(
            &mut self,
            board: &mut B,
            old: Option<Clear<'s, 'a, D, C>>,
        ) -> Result<Clear<'s, 'a, D, C>, Failure> {
            drop(old);
            let (stream, data) = self.connect()?;
            let mut ftp: Clear<'s, 'a, D, C> =
                Ftp::connect(stream, data, self.login.server).map_err(failure)?;
            ftp.set_pasv(self.login.active.is_none());
            welcome(board, ftp.getwelcome());
            let reply = ftp
                .login(self.login.user, self.login.pass, "")
                .map_err(failure)?;
            say!(board, "{reply}");
            Ok(ftp)
        }
    }

    /// FTPS sessions on a smoltcp stack's two sockets: each data
    /// connection resumes the control connection's TLS session.
    #[cfg(feature = "tls")]
    pub struct TlsSessions<'s, 'a, D: Device, C: Clock> {
        /// The sockets and the login.
        pub plain: Sessions<'s, 'a, D, C>,
        /// The TLS configuration (its session store shared).
        pub config: alloc::sync::Arc<rustls::ClientConfig>,
    }

    #[cfg(feature = "tls")]
    type Tls<'s, 'a, D, C> = Ftp<
        ftp_tls::MaybeTls<Stream<'s, 'a, D, C>>,
        ftp_tls::TlsData<Data<'s, 'a, D, C>>,
        { ftp_core::DEFAULT_REPLY_BUFFER },
        SlotError,
    >;

    #[cfg(feature = "tls")]
    impl<'s, 'a, D: Device, C: Clock> crate::blocking::Sessions for TlsSessions<'s, 'a, D, C> {
        type S = ftp_tls::MaybeTls<Stream<'s, 'a, D, C>>;
        type D = ftp_tls::TlsData<Data<'s, 'a, D, C>>;

        fn open<B: Board>(
            &mut self,
            board: &mut B,
            old: Option<Tls<'s, 'a, D, C>>,
        ) -> Result<Tls<'s, 'a, D, C>, Failure> {
            drop(old);
            let (stream, data) = self.plain.connect()?;
            let mut ftp: Tls<'s, 'a, D, C> = Ftp::connect(
                ftp_tls::MaybeTls::Plain(stream),
                ftp_tls::TlsData::new(data),
                self.plain.login.server,
            )
            .map_err(failure)?;
            ftp.set_pasv(self.plain.login.active.is_none());
            welcome(board, ftp.getwelcome());
            let login = self.plain.login;
            crate::blocking::login_ftps(
                &mut ftp,
                self.config.clone(),
                login.user,
                login.pass,
                board,
            )?;
            Ok(ftp)
        }
    }
}

/// Sessions over embassy-net through ftp-embassy (async).
#[cfg(feature = "embassy")]
pub mod embassy {
    use embassy_net::tcp::TcpSocket;
    use ftp_core::asynch::Ftp;
    use ftp_embassy::{Connector, Control};

    use super::{Login, TIMEOUT_SECS, failure, welcome};
    use crate::{Board, Failure, SlotError, say};

    type Clear<'a> = Ftp<Control<'a>, Connector<'a>, { ftp_core::DEFAULT_REPLY_BUFFER }, SlotError>;

    /// Sessions on two embassy-net sockets (fixed buffers), handed from
    /// one session to the next: a socket borrows its buffers, so a new
    /// connection reuses the socket.
    pub struct Sessions<'a> {
        /// The control and data sockets, until the first session takes
        /// them.
        pub sockets: Option<(TcpSocket<'a>, TcpSocket<'a>)>,
        /// Where and as whom.
        pub login: Login<'a>,
    }

    impl<'a> Sessions<'a> {
        /// The control connection and the data connector, on the sockets
        /// of the session before (`old`: `None` where its control stream
        /// was lost) or the first ones.
        async fn connect(
            &mut self,
            old: Option<(Option<Control<'a>>, Connector<'a>)>,
        ) -> Result<(Control<'a>, Connector<'a>), Failure> {
            let gone = || Failure::new(format_args!("the session before kept its sockets"));
            let (control, data) = match old {
                Some((control, data)) => (
                    control.ok_or_else(gone)?.into_socket(),
                    data.into_socket().ok_or_else(gone)?,
                ),
                None => self.sockets.take().ok_or_else(gone)?,
            };
            let timeout = embassy_time::Duration::from_secs(TIMEOUT_SECS);
            let control = Control::connect(control, self.login.server, timeout)
                .await
                .map_err(|e| Failure::new(format_args!("connect: {e}")))?;
            let mut data = Connector::new(data, timeout);
            if let Some((ip, seed)) = self.login.active {
                data.set_active_address(ip, seed);
            }
            Ok((control, data))
        }

        /// The welcome and the data connections' mode, said.
        fn said<B: Board>(&self, board: &mut B, text: &[u8]) {
            welcome(board, text);
            let mode = if self.login.active.is_some() {
                "active"
            } else {
                "passive"
            };
            say!(board, "data connections: {mode}");
        }
    }

    impl<'a> crate::asynch::Sessions for Sessions<'a> {
        type S = Control<'a>;
        type D = Connector<'a>;

        async fn open<B: Board>(
            &mut self,
            board: &mut B,
            old: Option<Clear<'a>>,
        ) -> Result<Clear<'a>, Failure> {
            let old = old.map(|f| {
                let (c, d) = f.into_parts();
                (Some(c), d)
            });
            let (control, data) = self.connect(old).await?;
            let mut ftp: Clear<'a> = Ftp::connect(control, data, self.login.server)
                .await
                .map_err(failure)?;
            ftp.set_pasv(self.login.active.is_none());
            self.said(board, ftp.getwelcome());
            let reply = ftp
                .login(self.login.user, self.login.pass, "")
                .await
                .map_err(failure)?;
            say!(board, "{reply}");
            Ok(ftp)
        }
    }

    /// FTPS sessions on two embassy-net sockets.
    #[cfg(feature = "tls")]
    pub struct TlsSessions<'a> {
        /// The sockets and the login.
        pub plain: Sessions<'a>,
        /// The TLS configuration (its session store shared).
        pub config: alloc::sync::Arc<rustls::ClientConfig>,
    }

    #[cfg(feature = "tls")]
    type Tls<'a> = Ftp<
        ftp_tls::asynch::MaybeTls<Control<'a>>,
        ftp_tls::asynch::TlsData<Connector<'a>>,
        { ftp_core::DEFAULT_REPLY_BUFFER },
        SlotError,
    >;

    #[cfg(feature = "tls")]
    impl<'a> crate::asynch::Sessions for TlsSessions<'a> {
        type S = ftp_tls::asynch::MaybeTls<Control<'a>>;
        type D = ftp_tls::asynch::TlsData<Connector<'a>>;

        async fn open<B: Board>(
            &mut self,
            board: &mut B,
            old: Option<Tls<'a>>,
        ) -> Result<Tls<'a>, Failure> {
            let old = old.map(|f| {
                let (c, d) = f.into_parts();
                (c.into_inner(), d.into_inner())
            });
            let (control, data) = self.plain.connect(old).await?;
            let mut ftp: Tls<'a> = Ftp::connect(
                ftp_tls::asynch::MaybeTls::Plain(control),
                ftp_tls::asynch::TlsData::new(data),
                self.plain.login.server,
            )
            .await
            .map_err(failure)?;
            ftp.set_pasv(self.plain.login.active.is_none());
            self.plain.said(board, ftp.getwelcome());
            let login = self.plain.login;
            crate::asynch::login_ftps(&mut ftp, self.config.clone(), login.user, login.pass, board)
                .await?;
            Ok(ftp)
        }
    }
}
