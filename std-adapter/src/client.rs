//! [`Ftp`]: Python's `ftplib.FTP` and `FTP_TLS` over std networking.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use ftp_core::{OwnedEntry, Timestamp, TransferType};

use crate::connector::{Connector, DataStream, tcp_connect};
use crate::control::{Control, ReplyClock};
use crate::tls::{TlsContext, Verify};
use crate::url::{Scheme, Url};
use crate::{Error, IoStream, Session};

/// Whether and how TLS protects the session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Security {
    /// Clear text (ftplib's `FTP`). [`Ftp::auth`] can still start TLS.
    #[default]
    None,
    /// Explicit FTPS (ftplib's `FTP_TLS`): [`Ftp::login`] sends AUTH TLS
    /// first; [`Ftp::prot_p`] protects the data connections.
    Explicit,
    /// Implicit FTPS: TLS from the first byte (port 990, `ftps://`).
    Implicit,
}

/// How a session connects. `Options::default()` has safe, finite
/// timeouts: a silent server ends in an error, never a hang.
///
/// ```
/// use std::time::Duration;
/// use ftp_std::{Options, Security, Verify};
/// let options = Options::default()
///     .security(Security::Explicit)
///     .verify(Verify::CaFile("ca.pem".into()))
///     .timeout(Duration::from_secs(10));
/// assert_eq!(options.reply_timeout, Some(Duration::from_secs(10)));
/// assert!(options.passive);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// Clear text, explicit or implicit FTPS.
    pub security: Security,
    /// How the server's certificate is checked (system roots by default).
    pub verify: Verify,
    /// A client certificate chain and its private key (PEM files), for
    /// servers that ask for one (ftplib's `certfile` and `keyfile`).
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Bounds each TCP connect (control and data) and the wait for an
    /// active-mode data connection. Default 30 s.
    pub connect_timeout: Option<Duration>,
    /// Bounds each whole reply on the control connection, however slowly
    /// the server trickles it, and the TLS handshake. Default 60 s.
    pub reply_timeout: Option<Duration>,
    /// Bounds each read or write of a data connection (a stalled transfer).
    /// Default 60 s.
    pub data_timeout: Option<Duration>,
    /// The local address to connect from (ftplib's `source_address`).
    pub source_address: Option<IpAddr>,
    /// Passive mode (EPSV, then PASV); `false` for active (EPRT/PORT).
    pub passive: bool,
    /// Connect to the host a PASV reply names instead of the control
    /// connection's peer. Off by default, as in ftplib and curl.
    pub trust_server_pasv_ipv4_address: bool,
    /// The size of each read and write of a transfer (ftplib's blocksize).
    /// Default 64 KiB.
    pub blocksize: usize,
    /// Refuse an active-mode data connection that does not come from the
    /// server's address (lftp's `ftp:verify-address`). On by default; off
    /// only for servers behind odd NAT.
    pub verify_data_peer: bool,
    /// TCP keepalive on the control and data connections: the first probe
    /// after this long without traffic (then every quarter of it), so NAT
    /// gateways keep a control connection that idles through a long
    /// transfer. Default 60 s; `None` turns it off. No NOOP is ever sent
    /// during a transfer (its order with the final reply is undefined).
    pub keepalive: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            security: Security::None,
            verify: Verify::SystemRoots,
            client_cert: None,
            connect_timeout: Some(Duration::from_secs(30)),
            reply_timeout: Some(Duration::from_secs(60)),
            data_timeout: Some(Duration::from_secs(60)),
            source_address: None,
            passive: true,
            trust_server_pasv_ipv4_address: false,
            blocksize: 64 * 1024,
            verify_data_peer: true,
            keepalive: Some(Duration::from_secs(60)),
        }
    }
}

impl Options {
    setters! {
        connect_timeout: Option<Duration>,
        reply_timeout: Option<Duration>,
        data_timeout: Option<Duration>,
        blocksize: usize,
    }

    /// Sets [`Options::client_cert`]: the certificate chain and the key,
    /// PEM files (the key may be in the certificate's file).
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_cert = Some((cert.into(), key.into()));
        self
    }

    /// Sets [`Options::security`].
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Sets [`Options::verify`].
    pub fn verify(mut self, verify: Verify) -> Self {
        self.verify = verify;
        self
    }

    /// Sets the connect, reply and data timeouts at once (ftplib's
    /// `timeout`); `None` waits forever.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        let t = timeout.into();
        self.connect_timeout = t;
        self.reply_timeout = t;
        self.data_timeout = t;
        self
    }

    /// Sets [`Options::passive`].
    pub fn passive(mut self, passive: bool) -> Self {
        self.passive = passive;
        self
    }

    /// Sets [`Options::source_address`].
    pub fn source_address(mut self, addr: IpAddr) -> Self {
        self.source_address = Some(addr);
        self
    }

    /// Sets [`Options::trust_server_pasv_ipv4_address`].
    pub fn trust_server_pasv_ipv4_address(mut self, trust: bool) -> Self {
        self.trust_server_pasv_ipv4_address = trust;
        self
    }

    /// Sets [`Options::verify_data_peer`].
    pub fn verify_data_peer(mut self, verify: bool) -> Self {
        self.verify_data_peer = verify;
        self
    }

    /// Sets [`Options::keepalive`].
    pub fn keepalive(mut self, idle: impl Into<Option<Duration>>) -> Self {
        self.keepalive = idle.into();
        self
    }
}

/// An FTP session over std networking, with ftplib's methods.
///
/// Replies come back as the server's text (`"250 OK."`), as in ftplib.
/// Dropping the session closes the sockets without sending anything;
/// [`Ftp::quit`] says goodbye.
///
/// ```no_run
/// use ftp_std::{Ftp, Options};
/// let mut ftp = Ftp::connect("ftp.example.com", 21, &Options::default())?;
/// ftp.login("anonymous", "", "")?;
/// ftp.cwd("debian")?;
/// ftp.download("README", "README")?;
/// ftp.quit()?;
/// # Ok::<(), ftp_std::Error>(())
/// ```
pub struct Ftp {
    pub(crate) session: Session,
    pub(crate) buf: Vec<u8>,
    /// The pipe downloads splice through, kept between transfers.
    #[cfg(target_os = "linux")]
    pub(crate) pipe: Option<crate::kernel::Pipe>,
    options: Options,
    host: String,
    tls: Option<TlsContext>,
}

impl std::fmt::Debug for Ftp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ftp")
            .field("host", &self.host)
            .field("peer", &self.session.peer_addr())
            .field("security", &self.options.security)
            .finish_non_exhaustive()
    }
}

pub(crate) fn text(reply: ftp_core::Reply<'_>) -> crate::Reply {
    crate::Reply::from_core(reply)
}

/// The network's errors: a TLS failure inside comes out as [`Error::Tls`].
fn io_err<T>(r: io::Result<T>) -> Result<T, Error> {
    r.map_err(Error::from)
}

/// Refuses an argument holding CR, LF or NUL before anything is sent.
pub(crate) fn check_arg(arg: &str) -> Result<(), Error> {
    ftp_core::Command::new("NOOP", Some(arg))?;
    Ok(())
}

/// Reads into `buf`, retrying when interrupted.
pub(crate) fn read_retrying<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl Ftp {
    /// Connects to `host` (a name, an IPv4 or IPv6 address, brackets
    /// allowed) on `port`, trying each address the name resolves to, and
    /// reads the welcome. With [`Security::Implicit`] the TLS handshake
    /// comes first.
    pub fn connect(host: &str, port: u16, options: &Options) -> Result<Ftp, Error> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let tls = match options.security {
            Security::None => None,
            _ => Some(io_err(TlsContext::new(
                host,
                &options.verify,
                options.client_cert.as_ref(),
            ))?),
        };
        let mut last = io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host} has no address to connect to"),
        );
        let addrs: Vec<SocketAddr> = io_err((host, port).to_socket_addrs())?
            .filter(|a| {
                options
                    .source_address
                    .is_none_or(|s| s.is_ipv4() == a.is_ipv4())
            })
            .collect();
        for addr in addrs {
            match tcp_connect(addr, options.source_address, options.connect_timeout) {
                Ok(tcp) => return Self::start(tcp, host, tls, options),
                Err(e) => last = io::Error::new(e.kind(), format!("cannot connect to {addr}: {e}")),
            }
        }
        Err(Error::Io(last))
    }

    fn start(
        tcp: std::net::TcpStream,
        host: &str,
        tls: Option<TlsContext>,
        options: &Options,
    ) -> Result<Ftp, Error> {
        io_err(tcp.set_nodelay(true))?;
        crate::connector::set_keepalive(&tcp, options.keepalive);
        io_err(tcp.set_write_timeout(options.reply_timeout))?;
        let local = io_err(tcp.local_addr())?;
        let peer = io_err(tcp.peer_addr())?;
        let clock = ReplyClock::new(options.reply_timeout);
        let mut control = Control::new(tcp, clock.clone());
        if options.security == Security::Implicit {
            // Cannot be None: connect made a context for TLS modes.
            if let Some(tls) = &tls {
                io_err(control.start_tls(tls))?;
            }
        }
        let connector = Connector::new(local, options, clock);
        let mut session = ftp_core::Ftp::connect(IoStream(control), connector, peer)?;
        session.set_pasv(options.passive);
        session.set_trust_server_pasv_ipv4_address(options.trust_server_pasv_ipv4_address);
        session.set_verify_data_peer(options.verify_data_peer);
        Ok(Ftp {
            session,
            buf: vec![0u8; options.blocksize.max(512)],
            #[cfg(target_os = "linux")]
            pipe: None,
            options: options.clone(),
            host: host.to_owned(),
            tls,
        })
    }

    /// Connects to a URL's server: `ftps://` is implicit FTPS whatever
    /// `options` says; `ftp://` follows [`Options::security`]. Does not log
    /// in (see [`Ftp::open`]).
    pub fn connect_url(url: &Url, options: &Options) -> Result<Ftp, Error> {
        let mut options = options.clone();
        if url.scheme == Scheme::Ftps {
            options.security = Security::Implicit;
        }
        Self::connect(&url.host, url.port, &options)
    }

    /// Connects to a URL, logs in with [`Url::credentials`] (the URL's,
    /// `~/.netrc`'s, else anonymous) and, on a TLS session, protects the
    /// data connections (PROT P), as curl does. The URL's path is left to
    /// the caller.
    pub fn open(url: &Url, options: &Options) -> Result<Ftp, Error> {
        let (user, pass, acct) = url.credentials()?;
        let mut ftp = Self::connect_url(url, options)?;
        ftp.login(&user, &pass, &acct)?;
        if ftp.control_is_tls() {
            ftp.prot_p()?;
        }
        Ok(ftp)
    }

    /// The core session, for what this wrapper does not cover (callbacks
    /// over borrowed buffers, [`ftp_core::Ftp::last_reply`]).
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The text of the last reply read (`"226 Transfer complete."`).
    pub fn last_reply(&self) -> Option<crate::Reply> {
        self.session.last_reply().map(text)
    }

    /// The core session, for good (ftplib's methods over borrowed buffers
    /// and callbacks, no allocation per call).
    pub fn into_session(self) -> Session {
        self.session
    }

    /// The options the session was made with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The server's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.session.peer_addr()
    }

    /// True until [`Ftp::quit`], a closed control connection, or an error
    /// that left it out of step.
    pub fn is_open(&self) -> bool {
        self.session.is_open()
    }

    /// True once TLS protects the control connection.
    pub fn control_is_tls(&mut self) -> bool {
        self.session.control_mut().0.is_tls()
    }

    /// The TLS version protecting the control connection, if any.
    pub fn tls_version(&mut self) -> Option<rustls::ProtocolVersion> {
        self.session.control_mut().0.tls_version()
    }

    /// True when data connections are TLS-protected (after PROT P).
    pub fn data_is_tls(&mut self) -> bool {
        self.session.data_connector_mut().is_tls()
    }

    // ----- ftplib's methods ------------------------------------------------

    /// The server's welcome (ftplib's `getwelcome`).
    pub fn getwelcome(&self) -> String {
        String::from_utf8_lossy(self.session.getwelcome()).into_owned()
    }

    /// Debug output through the `log` crate: 1 logs commands and replies, 2
    /// every line (ftplib's `set_debuglevel`). Passwords are masked.
    pub fn set_debuglevel(&mut self, level: u8) {
        self.session.set_debuglevel(level);
    }

    /// Passive (`true`, the default) or active mode (ftplib's `set_pasv`).
    pub fn set_pasv(&mut self, passive: bool) {
        self.session.set_pasv(passive);
    }

    /// The same as [`Ftp::set_debuglevel`] (ftplib's `debug`).
    pub fn debug(&mut self, level: u8) {
        self.set_debuglevel(level);
    }

    /// Connect to the host a 227 reply names instead of the control
    /// connection's peer (ftplib's `trust_server_pasv_ipv4_address`); off by
    /// default.
    pub fn set_trust_server_pasv_ipv4_address(&mut self, trust: bool) {
        self.session.set_trust_server_pasv_ipv4_address(trust);
    }

    /// Refuse active-mode data connections from another address than the
    /// server's (on by default; see [`Options::verify_data_peer`]).
    pub fn set_verify_data_peer(&mut self, verify: bool) {
        self.session.set_verify_data_peer(verify);
    }

    /// Sets the transfer type (TYPE A or I); sent only when it changes.
    pub fn set_type(&mut self, kind: TransferType) -> Result<(), Error> {
        Ok(self.session.set_type(kind)?)
    }

    /// The address of a passive data connection (EPSV, else PASV:
    /// ftplib's `makepasv`).
    pub fn makepasv(&mut self) -> Result<SocketAddr, Error> {
        Ok(self.session.makepasv()?)
    }

    /// Logs in (USER, PASS, ACCT when asked). An empty user is anonymous
    /// (password `anonymous@` when empty). With [`Security::Explicit`] the
    /// control connection is secured first (AUTH TLS), as `FTP_TLS.login`.
    pub fn login(&mut self, user: &str, passwd: &str, acct: &str) -> Result<crate::Reply, Error> {
        if self.options.security == Security::Explicit && !self.control_is_tls() {
            self.auth()?;
        }
        Ok(text(self.session.login(user, passwd, acct)?))
    }

    /// Secures the control connection: AUTH TLS, then the TLS handshake,
    /// verifying the certificate ([`Options::verify`]) (`FTP_TLS.auth`).
    pub fn auth(&mut self) -> Result<crate::Reply, Error> {
        let tls = self.tls_context()?;
        let reply = text(self.session.auth()?);
        io_err(self.session.control_mut().0.start_tls(&tls))?;
        Ok(reply)
    }

    /// Protects the data connections with TLS (PBSZ 0, PROT P); each
    /// resumes the control connection's TLS session (`FTP_TLS.prot_p`).
    pub fn prot_p(&mut self) -> Result<crate::Reply, Error> {
        let tls = self.tls_context()?;
        let reply = text(self.session.prot_p()?);
        self.session.data_connector_mut().set_tls(Some(tls));
        Ok(reply)
    }

    /// Data connections in clear text again (PROT C, `FTP_TLS.prot_c`).
    pub fn prot_c(&mut self) -> Result<crate::Reply, Error> {
        let reply = text(self.session.prot_c()?);
        self.session.data_connector_mut().set_tls(None);
        Ok(reply)
    }

    /// Back to a clear-text control connection after login (CCC, for NAT
    /// helpers), ending TLS cleanly (`FTP_TLS.ccc`).
    pub fn ccc(&mut self) -> Result<crate::Reply, Error> {
        let reply = text(self.session.ccc()?);
        io_err(self.session.control_mut().0.end_tls())?;
        Ok(reply)
    }

    fn tls_context(&mut self) -> Result<TlsContext, Error> {
        if let Some(tls) = &self.tls {
            return Ok(tls.clone());
        }
        let tls = io_err(TlsContext::new(
            &self.host,
            &self.options.verify,
            self.options.client_cert.as_ref(),
        ))?;
        self.tls = Some(tls.clone());
        Ok(tls)
    }

    /// Sends a command, returns the reply (ftplib's `sendcmd`).
    pub fn sendcmd(&mut self, cmd: &str) -> Result<crate::Reply, Error> {
        Ok(text(self.session.sendcmd(cmd)?))
    }

    /// Sends a command and expects 2xx (ftplib's `voidcmd`).
    pub fn voidcmd(&mut self, cmd: &str) -> Result<crate::Reply, Error> {
        Ok(text(self.session.voidcmd(cmd)?))
    }

    /// Reads one reply (ftplib's `getresp`).
    pub fn getresp(&mut self) -> Result<crate::Reply, Error> {
        Ok(text(self.session.getresp()?))
    }

    /// Reads one reply and expects 2xx (ftplib's `voidresp`).
    pub fn voidresp(&mut self) -> Result<crate::Reply, Error> {
        Ok(text(self.session.voidresp()?))
    }

    /// Sends ACCT (ftplib's `acct`).
    pub fn acct(&mut self, password: &str) -> Result<crate::Reply, Error> {
        Ok(text(self.session.acct(password)?))
    }

    /// Changes directory; `".."` sends CDUP (ftplib's `cwd`).
    pub fn cwd(&mut self, dirname: &str) -> Result<crate::Reply, Error> {
        Ok(text(self.session.cwd(dirname)?))
    }

    /// Goes to the parent directory (CDUP).
    pub fn cdup(&mut self) -> Result<crate::Reply, Error> {
        Ok(text(self.session.cdup()?))
    }

    /// The current directory (PWD, ftplib's `pwd`).
    pub fn pwd(&mut self) -> Result<String, Error> {
        Ok(self.session.pwd()?.to_owned())
    }

    /// Makes a directory; returns its path (MKD, ftplib's `mkd`).
    pub fn mkd(&mut self, dirname: &str) -> Result<String, Error> {
        Ok(self.session.mkd(dirname)?.to_owned())
    }

    /// Removes a directory (RMD).
    pub fn rmd(&mut self, dirname: &str) -> Result<crate::Reply, Error> {
        Ok(text(self.session.rmd(dirname)?))
    }

    /// Deletes a file (DELE, ftplib's `delete`).
    pub fn delete(&mut self, filename: &str) -> Result<crate::Reply, Error> {
        Ok(text(self.session.delete(filename)?))
    }

    /// Renames (RNFR, RNTO).
    pub fn rename(&mut self, fromname: &str, toname: &str) -> Result<crate::Reply, Error> {
        Ok(text(self.session.rename(fromname, toname)?))
    }

    /// A file's size in bytes (SIZE, in binary mode so that servers answer
    /// with the real size). A server without SIZE answers 500 or 502
    /// ([`Error::Permanent`]); a reply other than 213 is
    /// [`Error::Unexpected`].
    pub fn size(&mut self, filename: &str) -> Result<u64, Error> {
        // A bad name is refused before TYPE goes out.
        check_arg(filename)?;
        self.session.set_type(TransferType::Binary)?;
        Ok(self.session.size(filename)?)
    }

    /// A file's modification time, UTC (MDTM).
    pub fn mdtm(&mut self, filename: &str) -> Result<Timestamp, Error> {
        Ok(self.session.mdtm(filename)?)
    }

    /// The features the server announces (FEAT), one per line.
    pub fn feat(&mut self) -> Result<Vec<String>, Error> {
        Ok(self.session.feat_vec()?)
    }

    /// The server's system type (SYST).
    pub fn syst(&mut self) -> Result<crate::Reply, Error> {
        Ok(text(self.session.syst()?))
    }

    /// Keeps the connection alive (NOOP).
    pub fn noop(&mut self) -> Result<crate::Reply, Error> {
        Ok(text(self.session.noop()?))
    }

    /// A site-specific command (`SITE args`).
    pub fn site(&mut self, args: &str) -> Result<crate::Reply, Error> {
        Ok(text(self.session.site(args)?))
    }

    /// The server's status, or a path's over the control connection (STAT).
    pub fn stat(&mut self, path: Option<&str>) -> Result<Vec<String>, Error> {
        let mut lines = Vec::new();
        self.session.stat(path, |l| {
            lines.push(String::from_utf8_lossy(l).into_owned())
        })?;
        Ok(lines)
    }

    /// The server's help text (HELP).
    pub fn help(&mut self, topic: Option<&str>) -> Result<Vec<String>, Error> {
        let mut lines = Vec::new();
        self.session.help(topic, |l| {
            lines.push(String::from_utf8_lossy(l).into_owned())
        })?;
        Ok(lines)
    }

    /// One path's facts over the control connection (MLST).
    pub fn mlst(&mut self, path: Option<&str>) -> Result<OwnedEntry, Error> {
        Ok(OwnedEntry::from_entry(&self.session.mlst(path)?))
    }

    /// Says goodbye (QUIT) and closes. The session is closed afterwards
    /// even when the reply is an error.
    pub fn quit(&mut self) -> Result<crate::Reply, Error> {
        Ok(text(self.session.quit()?))
    }

    /// Closes without a word (ftplib's `close`); dropping does the same.
    pub fn close(self) {
        drop(self)
    }

    /// Aborts a transfer in progress (ABOR).
    pub fn abort(&mut self) -> Result<crate::Reply, Error> {
        Ok(text(self.session.abort()?))
    }

    // ----- transfers --------------------------------------------------------

    /// Retrieves in binary mode into `out` (ftplib's `retrbinary`): `cmd`
    /// is `"RETR name"`; with `rest`, from that offset. Complete only when
    /// the data reached its end and the server's final reply is 2xx.
    pub fn retrbinary<W: Write + ?Sized>(
        &mut self,
        cmd: &str,
        out: &mut W,
        rest: Option<u64>,
    ) -> Result<crate::Reply, Error> {
        let reply = self
            .session
            .retrbinary(cmd, &mut self.buf, rest, |b| out.write_all(b))?;
        Ok(text(reply))
    }

    /// Retrieves text line by line, line ends removed (ftplib's
    /// `retrlines`); `cmd` is `"RETR name"`, `"LIST"`, `"NLST"` or `"MLSD"`.
    /// Bytes that are not UTF-8 become U+FFFD.
    pub fn retrlines(
        &mut self,
        cmd: &str,
        mut callback: impl FnMut(&str),
    ) -> Result<crate::Reply, Error> {
        let reply = self.session.retrlines(cmd, &mut self.buf, |line| {
            callback(&String::from_utf8_lossy(line));
            Ok(())
        })?;
        Ok(text(reply))
    }

    /// Stores in binary mode from `input` (ftplib's `storbinary`): `cmd` is
    /// `"STOR name"`; with `rest`, the server writes from that offset.
    pub fn storbinary<R: Read + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
        rest: Option<u64>,
    ) -> Result<crate::Reply, Error> {
        let reply = self.session.storbinary(
            cmd,
            &mut self.buf,
            rest,
            |b| read_retrying(input, b),
            |_| {},
        )?;
        Ok(text(reply))
    }

    /// Stores text from `input` in ASCII mode, line ends sent as CRLF
    /// (ftplib's `storlines`).
    pub fn storlines<R: Read + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
    ) -> Result<crate::Reply, Error> {
        let reply =
            self.session
                .storlines(cmd, &mut self.buf, |b| read_retrying(input, b), |_| {})?;
        Ok(text(reply))
    }

    /// Appends `input` to a remote file (APPE) in binary mode.
    pub fn appe<R: Read + ?Sized>(
        &mut self,
        path: &str,
        input: &mut R,
    ) -> Result<crate::Reply, Error> {
        let reply = self
            .session
            .appe(path, &mut self.buf, |b| read_retrying(input, b))?;
        Ok(text(reply))
    }

    /// The names in a directory (NLST, ftplib's `nlst`).
    pub fn nlst(&mut self, dir: Option<&str>) -> Result<Vec<String>, Error> {
        let mut names = Vec::new();
        self.session.nlst(dir, &mut self.buf, |l| {
            names.push(String::from_utf8_lossy(l).into_owned());
            Ok(())
        })?;
        Ok(names)
    }

    /// The lines of a directory listing (LIST, ftplib's `dir`).
    pub fn dir(&mut self, dir: Option<&str>) -> Result<Vec<String>, Error> {
        let mut lines = Vec::new();
        self.session.dir(dir, &mut self.buf, |l| {
            lines.push(String::from_utf8_lossy(l).into_owned());
            Ok(())
        })?;
        Ok(lines)
    }

    /// A machine-readable listing (MLSD, ftplib's `mlsd`): each entry with
    /// its facts, fact names lower-cased. With `facts` (`["type", "size"]`)
    /// the server is asked for those (OPTS MLST).
    pub fn mlsd(&mut self, path: Option<&str>, facts: &[&str]) -> Result<Vec<OwnedEntry>, Error> {
        let mut entries = Vec::new();
        self.session.mlsd(path, facts, &mut self.buf, |e| {
            entries.push(OwnedEntry::from_entry(&e));
            Ok(())
        })?;
        Ok(entries)
    }

    /// Starts a transfer and hands over the data stream and the size the
    /// server announced (ftplib's `ntransfercmd`). Read or write it (it is
    /// a `std::io` stream), then give it to [`Ftp::end_transfer`].
    pub fn ntransfercmd(
        &mut self,
        cmd: &str,
        rest: Option<u64>,
    ) -> Result<(DataStream, Option<u64>), Error> {
        let (stream, size) = self.session.ntransfercmd(cmd, rest)?;
        Ok((stream.0, size))
    }

    /// Like [`Ftp::ntransfercmd`] without the size (ftplib's `transfercmd`).
    pub fn transfercmd(&mut self, cmd: &str, rest: Option<u64>) -> Result<DataStream, Error> {
        Ok(self.ntransfercmd(cmd, rest)?.0)
    }

    /// Ends a transfer [`Ftp::ntransfercmd`] started: closes the data
    /// stream cleanly and reads the final reply, which must be 2xx.
    pub fn end_transfer(&mut self, stream: DataStream) -> Result<crate::Reply, Error> {
        let reply = self
            .session
            .finish_transfer(IoStream(stream), Ok(()), None, 0)?;
        Ok(text(reply))
    }
}
