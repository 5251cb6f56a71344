// The session of ftp-std, written once in async shape and compiled twice
// (`crate::blocking`, `crate::tokio`), like the core's session: what
// differs between the runtimes is in `rt` (the runtime contract,
// `crate::runtime`) and `net` (each runtime's connections).

use std::borrow::Cow;
use std::net::SocketAddr;

use ftp_core::{OwnedEntry, Timestamp, TransferType};

use super::bisync;
use super::net::{self, Session};
use super::rt;
use super::transfer::Flow;
use crate::net::proxy::Target;
use crate::net::tls::TlsContext;
use crate::net::url::{Scheme, Url};
use crate::session::{TimeCommand, TimeSupport};
use crate::verify::{Checksum, Method, parse_reply, pick};
use crate::{Error, Options, Reply, Security};

/// An FTP session with ftplib's methods (`ftp_std::Ftp` blocking over
/// std sockets, `ftp_std::tokio::Ftp` async over tokio's: the same methods
/// and arguments).
///
/// Replies come back as the server's text (`"250 OK."`), as in ftplib.
/// Dropping the session closes the sockets without sending anything;
/// [`Ftp::quit`] says goodbye.
pub struct Ftp {
    pub(crate) session: Session,
    pub(crate) buf: Vec<u8>,
    /// What only one runtime keeps (the blocking side's splice pipe, on
    /// Linux; nothing elsewhere).
    #[allow(dead_code)]
    pub(crate) extra: net::Extra,
    options: Options,
    host: String,
    tls: Option<TlsContext>,
    /// How this server sets modification times, once known.
    set_time: TimeSupport,
    /// The checksum command FEAT offers, once read (`Some(None)`: none).
    checksums: Option<Option<Method>>,
    /// FEAT's lines, once asked for by this wrapper's own needs (MFMT,
    /// checksums, MLSD): one FEAT a session, not one a need.
    features: Option<Vec<String>>,
    /// Whether a name that needed escapes was already said (once a
    /// session).
    undecodable_said: bool,
    /// The welcome, every line of it (the core keeps its first 256
    /// bytes).
    welcome: String,
    /// Whether HOST was considered (before the first login).
    host_said: bool,
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

#[bisync]
impl Ftp {
    /// Connects to `host` (a name, an IPv4 or IPv6 address, brackets
    /// allowed) on `port`, trying each address the name resolves to, and
    /// reads the welcome. With [`Security::Implicit`] the TLS handshake
    /// comes first.
    pub async fn connect(host: &str, port: u16, options: &Options) -> Result<Ftp, Error> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let tls = match options.security {
            Security::None => None,
            _ => Some(TlsContext::new(host, options)?),
        };
        let mut last = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{host} has no address to connect to"),
        );
        // The proxy resolves the name (socks5h, HTTP): nothing to resolve
        // here, the name may be known only there.
        let remote_dns = options.proxy.as_ref().is_some_and(|p| p.remote_dns());
        let addrs: Vec<SocketAddr> = if remote_dns {
            Vec::new()
        } else {
            rt::resolve(host, port)
                .await?
                .into_iter()
                .filter(|a| {
                    options
                        .source_address
                        .is_none_or(|s| s.is_ipv4() == a.is_ipv4())
                })
                .collect()
        };
        if let Some(proxy) = &options.proxy {
            // Through the proxy: the name, or each address resolved here
            // (socks5).
            let targets: Vec<Target> = if remote_dns {
                // An address stays an address (a SOCKS5 proxy takes it as
                // one); only names go to the proxy to resolve.
                match host.parse::<std::net::IpAddr>() {
                    Ok(ip) => vec![Target::Addr(SocketAddr::new(ip, port))],
                    Err(_) => vec![Target::Name(host.to_string(), port)],
                }
            } else {
                addrs.iter().map(|a| Target::Addr(*a)).collect()
            };
            for target in targets {
                let source = options.source_address;
                match net::handshake::connect_via(proxy, &target, source, options.connect_timeout)
                    .await
                {
                    Ok(tcp) => {
                        let session = net::start(tcp, tls.as_ref(), options, Some(target)).await?;
                        return Ok(Ftp::assemble(session, options, host, tls));
                    }
                    Err(e) => last = e,
                }
            }
            return Err(Error::Io(last));
        }
        for addr in addrs {
            match rt::tcp_connect(addr, options.source_address, options.connect_timeout).await {
                Ok(tcp) => {
                    let session = net::start(tcp, tls.as_ref(), options, None).await?;
                    return Ok(Ftp::assemble(session, options, host, tls));
                }
                Err(e) => {
                    last = std::io::Error::new(e.kind(), format!("cannot connect to {addr}: {e}"))
                }
            }
        }
        Err(Error::Io(last))
    }

    /// The session's wrapper around a core session just connected.
    fn assemble(session: Session, options: &Options, host: &str, tls: Option<TlsContext>) -> Ftp {
        // The session has read nothing but the welcome yet.
        let welcome = match session.last_reply() {
            Some(reply) => Reply::from_core(reply).into_text(),
            None => String::from_utf8_lossy(session.getwelcome()).into_owned(),
        };
        Ftp {
            welcome,
            session,
            buf: vec![0u8; options.blocksize.max(512)],
            extra: net::Extra::default(),
            options: options.clone(),
            host: host.to_owned(),
            tls,
            set_time: TimeSupport::Unknown,
            checksums: None,
            features: None,
            undecodable_said: false,
            host_said: false,
        }
    }

    /// Connects to a URL's server: `ftps://` is implicit FTPS whatever
    /// `options` says; `ftp://` follows [`Options::security`]. Does not log
    /// in (see [`Ftp::open`]).
    pub async fn connect_url(url: &Url, options: &Options) -> Result<Ftp, Error> {
        let mut options = options.clone();
        if url.scheme == Scheme::Ftps {
            options.security = Security::Implicit;
        }
        Self::connect(&url.host, url.port, &options).await
    }

    /// Connects to a URL, logs in with [`Url::credentials`] (the URL's,
    /// `~/.netrc`'s, else anonymous) and, on a TLS session, protects the
    /// data connections (PROT P), as curl does. The URL's path is left to
    /// the caller.
    pub async fn open(url: &Url, options: &Options) -> Result<Ftp, Error> {
        let (user, pass, acct) = url.credentials()?;
        let mut ftp = Self::connect_url(url, options).await?;
        ftp.login(&user, &pass, &acct).await?;
        if ftp.control_is_tls() {
            ftp.prot_p().await?;
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
        self.session.last_reply().map(Reply::from_core)
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

    /// Sets the rate limit of this session's transfers from now on
    /// ([`Options::rate_limit`]); `None` lifts it. Returns the one before.
    pub fn set_rate_limit(
        &mut self,
        limit: Option<crate::RateLimit>,
    ) -> Option<crate::RateLimit> {
        std::mem::replace(&mut self.options.rate_limit, limit)
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
        net::control(&mut self.session).is_tls()
    }

    /// The TLS version protecting the control connection, if any.
    pub fn tls_version(&mut self) -> Option<rustls::ProtocolVersion> {
        net::control(&mut self.session).tls_version()
    }

    /// True when data connections are TLS-protected (after PROT P).
    pub fn data_is_tls(&mut self) -> bool {
        self.session.data_connector_mut().is_tls()
    }

    // ----- ftplib's methods ------------------------------------------------

    /// The server's welcome, every line of a multi-line one joined by `\n`
    /// (ftplib's `getwelcome`), up to the reply buffer
    /// ([`crate::REPLY_BUFFER`]).
    pub fn getwelcome(&self) -> String {
        self.welcome.clone()
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
    pub async fn set_type(&mut self, kind: TransferType) -> Result<(), Error> {
        Ok(self.session.set_type(kind).await?)
    }

    /// The address of a passive data connection (EPSV, else PASV:
    /// ftplib's `makepasv`).
    pub async fn makepasv(&mut self) -> Result<SocketAddr, Error> {
        Ok(self.session.makepasv().await?)
    }

    /// Logs in (USER, PASS, ACCT when asked). An empty user is anonymous
    /// (password `anonymous@` when empty). With [`Security::Explicit`] the
    /// control connection is secured first (AUTH TLS), as `FTP_TLS.login`.
    pub async fn login(
        &mut self,
        user: &str,
        passwd: &str,
        acct: &str,
    ) -> Result<crate::Reply, Error> {
        if !self.host_said {
            self.say_host().await?;
        }
        // (AUTH TLS after HOST: the server can choose the host's
        // certificate.)
        if self.options.security == Security::Explicit && !self.control_is_tls() {
            self.auth().await?;
        }
        Ok(Reply::from_core(
            self.session.login(user, passwd, acct).await?,
        ))
    }

    /// HOST (RFC 7151) as [`Options::host_command`] says, once a session,
    /// before AUTH TLS and USER.
    async fn say_host(&mut self) -> Result<(), Error> {
        self.host_said = true;
        let send = match self.options.host_command {
            crate::HostCommand::Never => false,
            crate::HostCommand::Always => true,
            // FEAT before login: its lines are not kept (some servers show
            // more once logged in).
            crate::HostCommand::Auto => match self.session.feat_vec().await {
                Ok(lines) => lines.iter().any(|l| {
                    l.split_whitespace()
                        .next()
                        .is_some_and(|w| w.eq_ignore_ascii_case("HOST"))
                }),
                Err(e) => {
                    let e = Error::from(e);
                    if e.connection_lost() {
                        return Err(e);
                    }
                    false
                }
            },
        };
        if !send {
            return Ok(());
        }
        let name = match &self.options.host_name {
            Some(name) => name.clone(),
            None if self.host.parse::<std::net::Ipv6Addr>().is_ok() => format!("[{}]", self.host),
            None => self.host.clone(),
        };
        let name = self.wire(&name)?.into_owned();
        let auto = self.options.host_command == crate::HostCommand::Auto;
        match self.session.host(&name).await {
            Ok(_) => Ok(()),
            // No virtual hosts here, one host: the login goes on (vsftpd
            // answers an unknown command before login with 530).
            Err(ftp_core::Error::Permanent(r)) if matches!(r.code().get(), 500 | 502 | 530) => {
                Ok(())
            }
            // A name the server does not know (ProFTPD answers 504 for
            // any name no vhost has as ServerAlias): unasked for, the
            // session stays with the server's default host, where every
            // client without HOST goes; asked for, it is an error, as the
            // files would be another host's.
            Err(ftp_core::Error::Permanent(r) | ftp_core::Error::Temporary(r)) if auto => {
                log::info!("HOST {}: {}", self.host, String::from_utf8_lossy(r.text()));
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Secures the control connection: AUTH TLS, then the TLS handshake,
    /// verifying the certificate ([`Options::verify`]) (`FTP_TLS.auth`).
    pub async fn auth(&mut self) -> Result<crate::Reply, Error> {
        if !self.host_said {
            self.say_host().await?;
        }
        let tls = self.tls_context()?;
        let reply = Reply::from_core(self.session.auth().await?);
        net::control(&mut self.session).start_tls(&tls).await?;
        Ok(reply)
    }

    /// Protects the data connections with TLS (PBSZ 0, PROT P); each
    /// resumes the control connection's TLS session (`FTP_TLS.prot_p`).
    pub async fn prot_p(&mut self) -> Result<crate::Reply, Error> {
        let tls = self.tls_context()?;
        let reply = Reply::from_core(self.session.prot_p().await?);
        self.session.data_connector_mut().set_tls(Some(tls));
        Ok(reply)
    }

    /// Data connections in clear text again (PROT C, `FTP_TLS.prot_c`).
    pub async fn prot_c(&mut self) -> Result<crate::Reply, Error> {
        let reply = Reply::from_core(self.session.prot_c().await?);
        self.session.data_connector_mut().set_tls(None);
        Ok(reply)
    }

    /// Back to a clear-text control connection after login (CCC, for NAT
    /// helpers), ending TLS cleanly (`FTP_TLS.ccc`).
    pub async fn ccc(&mut self) -> Result<crate::Reply, Error> {
        let reply = Reply::from_core(self.session.ccc().await?);
        net::control(&mut self.session).end_tls().await?;
        Ok(reply)
    }

    /// Data connections with (`true`) or without resuming the control
    /// connection's TLS session, for a probe of what the server requires.
    pub(crate) fn resume_data_tls(&mut self, resume: bool) -> Result<(), Error> {
        let tls = self.tls_context()?;
        let tls = if resume { tls } else { tls.without_resumption() };
        self.session.data_connector_mut().set_tls(Some(tls));
        Ok(())
    }

    fn tls_context(&mut self) -> Result<TlsContext, Error> {
        if let Some(tls) = &self.tls {
            return Ok(tls.clone());
        }
        let tls = TlsContext::new(&self.host, &self.options)?;
        self.tls = Some(tls.clone());
        Ok(tls)
    }

    /// The encoding of names on the wire ([`Options::encoding`]).
    pub fn encoding(&self) -> crate::Encoding {
        self.options.encoding
    }

    /// Sets the encoding of names on the wire (ftplib's `encoding`
    /// attribute), for every later command and listing.
    pub fn set_encoding(&mut self, encoding: crate::Encoding) {
        self.options.encoding = encoding;
    }

    /// Text (a name, a command line) as the server's bytes in the
    /// session's encoding, refused when it holds CR, LF or NUL or a
    /// character the encoding cannot hold. Nothing is sent.
    pub(crate) fn wire<'a>(&self, text: &'a str) -> Result<Cow<'a, [u8]>, Error> {
        let bytes = self.options.encoding.encode(text)?;
        ftp_core::command::check(&*bytes)?;
        Ok(bytes)
    }

    /// A name from the server as text in the session's encoding
    /// (undecodable bytes kept as escapes, said once a session).
    pub(crate) fn name_of(&mut self, bytes: &[u8]) -> String {
        let name = self.options.encoding.decode(bytes).into_owned();
        self.said_undecodable([name.as_str()]);
        name
    }

    /// Says once a session that names arrive that the encoding cannot
    /// decode (they are kept as escapes).
    pub(crate) fn said_undecodable<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        if self.undecodable_said {
            return;
        }
        let Some(odd) = names
            .into_iter()
            .map(crate::encoding::shown)
            .find(|shown| matches!(shown, Cow::Owned(_)))
        else {
            return;
        };
        self.undecodable_said = true;
        log::warn!(
            "warning: {} sends names that are not {} ({odd:?}); they are kept as they are, \
             undecodable bytes shown as \\xNN (another encoding, such as latin-1, may fit)",
            self.host,
            self.options.encoding,
        );
    }

    /// Sends a command line and reads nothing (ftplib's `putcmd`): the
    /// next call must be [`Ftp::getresp`] or [`Ftp::voidresp`].
    pub async fn putcmd(&mut self, cmd: &str) -> Result<(), Error> {
        let cmd = self.wire(cmd)?;
        Ok(self.session.putcmd(&*cmd).await?)
    }

    /// Sends a command, returns the reply (ftplib's `sendcmd`). The line
    /// is encoded in the session's encoding.
    pub async fn sendcmd(&mut self, cmd: &str) -> Result<crate::Reply, Error> {
        let cmd = self.wire(cmd)?;
        Ok(Reply::from_core(self.session.sendcmd(&*cmd).await?))
    }

    /// Sends a command and expects 2xx (ftplib's `voidcmd`).
    pub async fn voidcmd(&mut self, cmd: &str) -> Result<crate::Reply, Error> {
        let cmd = self.wire(cmd)?;
        Ok(Reply::from_core(self.session.voidcmd(&*cmd).await?))
    }

    /// Reads one reply (ftplib's `getresp`).
    pub async fn getresp(&mut self) -> Result<crate::Reply, Error> {
        Ok(Reply::from_core(self.session.getresp().await?))
    }

    /// Reads one reply and expects 2xx (ftplib's `voidresp`).
    pub async fn voidresp(&mut self) -> Result<crate::Reply, Error> {
        Ok(Reply::from_core(self.session.voidresp().await?))
    }

    /// Sends ACCT (ftplib's `acct`).
    pub async fn acct(&mut self, password: &str) -> Result<crate::Reply, Error> {
        Ok(Reply::from_core(self.session.acct(password).await?))
    }

    /// Changes directory; `".."` sends CDUP (ftplib's `cwd`).
    pub async fn cwd(&mut self, dirname: &str) -> Result<crate::Reply, Error> {
        let dirname = self.wire(dirname)?;
        Ok(Reply::from_core(self.session.cwd(&*dirname).await?))
    }

    /// Goes to the parent directory (CDUP).
    pub async fn cdup(&mut self) -> Result<crate::Reply, Error> {
        Ok(Reply::from_core(self.session.cdup().await?))
    }

    /// The current directory (PWD, ftplib's `pwd`).
    pub async fn pwd(&mut self) -> Result<String, Error> {
        let path = self.session.pwd().await?.to_vec();
        Ok(self.name_of(&path))
    }

    /// Makes a directory; returns its path (MKD, ftplib's `mkd`).
    pub async fn mkd(&mut self, dirname: &str) -> Result<String, Error> {
        let dirname = self.wire(dirname)?;
        let path = self.session.mkd(&*dirname).await?.to_vec();
        Ok(self.name_of(&path))
    }

    /// Removes a directory (RMD).
    pub async fn rmd(&mut self, dirname: &str) -> Result<crate::Reply, Error> {
        let dirname = self.wire(dirname)?;
        Ok(Reply::from_core(self.session.rmd(&*dirname).await?))
    }

    /// Deletes a file (DELE, ftplib's `delete`).
    pub async fn delete(&mut self, filename: &str) -> Result<crate::Reply, Error> {
        let filename = self.wire(filename)?;
        Ok(Reply::from_core(self.session.delete(&*filename).await?))
    }

    /// Renames (RNFR, RNTO). Both names are checked and encoded before
    /// RNFR goes out.
    pub async fn rename(&mut self, fromname: &str, toname: &str) -> Result<crate::Reply, Error> {
        let (fromname, toname) = (self.wire(fromname)?, self.wire(toname)?);
        Ok(Reply::from_core(
            self.session.rename(&*fromname, &*toname).await?,
        ))
    }

    /// A file's size in bytes (SIZE, in binary mode so that servers answer
    /// with the real size), as ftplib's `size`: `None` when the server
    /// answers another 2xx than 213. A server without SIZE answers 500 or
    /// 502 ([`Error::Permanent`]); a 1xx or 3xx is [`Error::Unexpected`].
    pub async fn size(&mut self, filename: &str) -> Result<Option<u64>, Error> {
        // A bad name is refused before TYPE goes out.
        let filename = self.wire(filename)?;
        self.session.set_type(TransferType::Binary).await?;
        Ok(self.session.size(&*filename).await?)
    }

    /// A file's modification time, UTC (MDTM).
    pub async fn mdtm(&mut self, filename: &str) -> Result<Timestamp, Error> {
        let filename = self.wire(filename)?;
        Ok(self.session.mdtm(&*filename).await?)
    }

    /// Sets a remote file's modification time (UTC), as `touch -d` would:
    /// MFMT when FEAT lists it, else the two-argument MDTM of vsftpd and
    /// IIS, else SITE UTIME. The first that works is kept for the session;
    /// `Ok(None)` when the server has none of them (found out once a
    /// session, and said once as a warning). Once a command is known to
    /// work, its refusal (a 550 for a file one may not touch) is the
    /// error.
    pub async fn set_mtime(
        &mut self,
        path: &str,
        when: Timestamp,
    ) -> Result<Option<TimeCommand>, Error> {
        self.wire(path)?;
        match self.set_time {
            TimeSupport::Unsupported => return Ok(None),
            TimeSupport::Uses(command) => {
                self.voidcmd(&command.command(path, when)).await?;
                return Ok(Some(command));
            }
            TimeSupport::Unknown => {}
        }
        let mfmt = self.features().await?.iter().any(|f| {
            let f = f.trim();
            f.len() >= 4 && f[..4].eq_ignore_ascii_case("MFMT")
        });
        let tries: &[TimeCommand] = if mfmt {
            &[TimeCommand::Mfmt, TimeCommand::Mdtm, TimeCommand::SiteUtime]
        } else {
            &[TimeCommand::Mdtm, TimeCommand::SiteUtime]
        };
        for &command in tries {
            match self.voidcmd(&command.command(path, when)).await {
                Ok(_) => {
                    self.set_time = TimeSupport::Uses(command);
                    return Ok(Some(command));
                }
                // Unknown here (500, 502, 504), or taken for something
                // else (an MDTM of a file named "20250101000000 path"):
                // the next way.
                Err(Error::Permanent(_) | Error::Unexpected(_)) => {}
                Err(e) => return Err(e),
            }
        }
        self.set_time = TimeSupport::Unsupported;
        log::warn!(
            "warning: {} cannot set modification times (no MFMT, MDTM with a time, or SITE UTIME): times are not kept",
            self.host
        );
        Ok(None)
    }

    /// The checksum command this server offers (from FEAT, read once a
    /// session): HASH with its strongest algorithm, else XSHA256, XSHA1,
    /// XMD5 or XCRC; `None` when it has none.
    pub(crate) async fn checksum_method(&mut self) -> Result<Option<Method>, Error> {
        if let Some(known) = self.checksums {
            return Ok(known);
        }
        let method = pick(&self.features().await?);
        self.checksums = Some(method);
        Ok(method)
    }

    /// The server's checksum of `path` (HASH per the IETF draft, with
    /// SHA-256, SHA-1 or MD5, else XSHA256, XSHA1, XMD5, XCRC: the
    /// strongest FEAT offers). `Ok(None)` when the server offers none, or
    /// its reply holds none.
    pub async fn checksum(&mut self, path: &str) -> Result<Option<Checksum>, Error> {
        self.wire(path)?;
        let Some(mut method) = self.checksum_method().await? else {
            return Ok(None);
        };
        if let Method::Hash {
            algorithm,
            select: true,
        } = method
        {
            self.voidcmd(&format!("OPTS HASH {}", algorithm.name()))
                .await?;
            method = Method::Hash {
                algorithm,
                select: false,
            };
            self.checksums = Some(Some(method));
        }
        let reply = match self.sendcmd(&method.command(path)).await {
            Ok(reply) if reply.code() / 100 == 2 => reply,
            Ok(_) => return Ok(None),
            Err(e) if e.reply().is_some() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(parse_reply(method, &reply).map(|hex| Checksum {
            algorithm: method.algorithm(),
            hex,
        }))
    }

    /// FEAT's lines, asked for once a session (a FEAT refused: none).
    pub(crate) async fn features(&mut self) -> Result<Vec<String>, Error> {
        if let Some(known) = &self.features {
            return Ok(known.clone());
        }
        let features = match self.feat().await {
            Ok(features) => features,
            Err(e) if e.reply().is_some() => Vec::new(),
            Err(e) => return Err(e),
        };
        self.features = Some(features.clone());
        Ok(features)
    }

    /// The features the server announces (FEAT), one per line.
    pub async fn feat(&mut self) -> Result<Vec<String>, Error> {
        Ok(self.session.feat_vec().await?)
    }

    /// The server's system type (SYST).
    pub async fn syst(&mut self) -> Result<crate::Reply, Error> {
        Ok(Reply::from_core(self.session.syst().await?))
    }

    /// Keeps the connection alive (NOOP).
    pub async fn noop(&mut self) -> Result<crate::Reply, Error> {
        Ok(Reply::from_core(self.session.noop().await?))
    }

    /// A site-specific command (`SITE args`).
    pub async fn site(&mut self, args: &str) -> Result<crate::Reply, Error> {
        let args = self.wire(args)?;
        Ok(Reply::from_core(self.session.site(&*args).await?))
    }

    /// The server's status, or a path's over the control connection (STAT).
    pub async fn stat(&mut self, path: Option<&str>) -> Result<Vec<String>, Error> {
        let path = self.wire(path.unwrap_or_default())?;
        let encoding = self.options.encoding;
        let mut lines = Vec::new();
        self.session
            .stat(&*path, |l| lines.push(encoding.decode(l).into_owned()))
            .await?;
        Ok(lines)
    }

    /// The server's help text (HELP).
    pub async fn help(&mut self, topic: Option<&str>) -> Result<Vec<String>, Error> {
        let topic = self.wire(topic.unwrap_or_default())?;
        let encoding = self.options.encoding;
        let mut lines = Vec::new();
        self.session
            .help(&*topic, |l| {
                lines.push(encoding.decode_lossy(l).into_owned())
            })
            .await?;
        Ok(lines)
    }

    /// One path's facts over the control connection (MLST).
    pub async fn mlst(&mut self, path: Option<&str>) -> Result<OwnedEntry, Error> {
        let path = self.wire(path.unwrap_or_default())?;
        let encoding = self.options.encoding;
        let entry = entry_of(&self.session.mlst(&*path).await?, encoding);
        self.said_undecodable([entry.name.as_str()]);
        Ok(entry)
    }

    /// Says goodbye (QUIT) and closes. The session is closed afterwards
    /// even when the reply is an error.
    pub async fn quit(&mut self) -> Result<crate::Reply, Error> {
        Ok(Reply::from_core(self.session.quit().await?))
    }

    /// Closes without a word (ftplib's `close`); dropping does the same.
    pub fn close(self) {
        drop(self)
    }

    /// Aborts a transfer in progress (ABOR).
    pub async fn abort(&mut self) -> Result<crate::Reply, Error> {
        Ok(Reply::from_core(self.session.abort().await?))
    }

    // ----- transfers of lines -----------------------------------------------

    /// Retrieves text line by line, line ends removed (ftplib's
    /// `retrlines`); `cmd` is `"RETR name"`, `"LIST"`, `"NLST"` or `"MLSD"`.
    /// Lines are decoded with the session's encoding, undecodable bytes
    /// kept as escapes ([`crate::encoding`]).
    pub async fn retrlines(
        &mut self,
        cmd: &str,
        mut callback: impl FnMut(&str),
    ) -> Result<crate::Reply, Error> {
        self.retrlines_with(cmd, |line| {
            callback(line);
            Ok(())
        })
        .await
    }

    /// [`Ftp::retrlines`] with a callback that can fail: its error stops
    /// the transfer at once (the data connection is dropped, the final
    /// reply read, the session stays usable) and comes back as
    /// [`Error::Callback`].
    pub async fn retrlines_with(
        &mut self,
        cmd: &str,
        mut callback: impl FnMut(&str) -> std::io::Result<()>,
    ) -> Result<crate::Reply, Error> {
        let cmd = self.wire(cmd)?;
        let encoding = self.options.encoding;
        let reply = self
            .lines_of(&cmd, Flow::Lines, |line| {
                callback(&encoding.decode(line)).map_err(ftp_core::Error::Callback)
            })
            .await?;
        Ok(reply)
    }

    /// `verb` with an optional argument, encoded; refused when the
    /// argument holds CR, LF or NUL or what the encoding cannot hold.
    fn with_arg(&self, verb: &str, arg: Option<&str>) -> Result<Vec<u8>, Error> {
        let mut cmd = verb.as_bytes().to_vec();
        if let Some(arg) = arg {
            cmd.push(b' ');
            cmd.extend_from_slice(&self.wire(arg)?);
        }
        Ok(cmd)
    }

    /// Lines of a listing, decoded with the session's encoding.
    async fn decoded_lines(&mut self, verb: &str, dir: Option<&str>) -> Result<Vec<String>, Error> {
        let cmd = self.with_arg(verb, dir)?;
        let encoding = self.options.encoding;
        let mut lines = Vec::new();
        self.lines_of(&cmd, Flow::Listing, |l| {
            lines.push(encoding.decode(l).into_owned());
            Ok(())
        })
        .await?;
        self.said_undecodable(lines.iter().map(String::as_str));
        Ok(lines)
    }

    /// The names in a directory (NLST, ftplib's `nlst`), decoded with the
    /// session's encoding: each passed back unchanged names the same file.
    pub async fn nlst(&mut self, dir: Option<&str>) -> Result<Vec<String>, Error> {
        self.decoded_lines("NLST", dir).await
    }

    /// The lines of a directory listing (LIST, ftplib's `dir`), decoded
    /// with the session's encoding.
    pub async fn dir(&mut self, dir: Option<&str>) -> Result<Vec<String>, Error> {
        self.decoded_lines("LIST", dir).await
    }

    /// The lines of a directory listing (as [`Ftp::dir`]) asked for as
    /// `how` says: over the control connection with [`ListVia::Stat`]
    /// (`STAT path`, no data connection), hidden files too with
    /// [`Listing::hidden`] (`LIST -a`; a server that refuses the option
    /// gets the plain command: pyftpdlib, which shows hidden files anyway).
    /// The lines parse with [`ftp_core::list::parse_list_line`]; vsftpd
    /// and ProFTPD list `.` and `..` with `-a` and over STAT. A path a
    /// server could misread (a space, a pattern character, a part starting
    /// with `-`) is listed from inside: CWD there, the listing, CWD back.
    ///
    /// [`ListVia::Stat`]: crate::ListVia::Stat
    /// [`Listing::hidden`]: crate::Listing::hidden
    pub async fn dir_with(
        &mut self,
        dir: Option<&str>,
        how: crate::Listing,
    ) -> Result<Vec<String>, Error> {
        let back = match dir {
            Some(d) if !crate::session::plain_path(d) => {
                let home = self.pwd().await?;
                self.cwd(d).await?;
                Some(home)
            }
            _ => None,
        };
        let listed = self
            .listing(if back.is_some() { None } else { dir }, how)
            .await;
        if let Some(home) = back {
            let returned = self.cwd(&home).await;
            if listed.is_ok() {
                returned?;
            }
        }
        listed
    }

    /// A directory listing parsed into entries (LIST, or STAT with
    /// [`crate::ListVia::Stat`]; `how` as for [`Ftp::dir_with`]): Unix,
    /// DOS/IIS, EPLF, VMS, OS/400 and z/OS listings, `.` and `..` left
    /// out. A line in no known format is
    /// `Error::Protocol(ProtocolError::BadListing)`, never a guessed entry.
    pub async fn list(
        &mut self,
        dir: Option<&str>,
        how: crate::Listing,
    ) -> Result<Vec<crate::Listed>, Error> {
        let lines = self.dir_with(dir, how).await?;
        let mut parser = ftp_core::list::ListParser::new();
        let mut out = Vec::new();
        for line in &lines {
            let Some(e) = parser.line(line.as_bytes())? else {
                continue;
            };
            if e.name == b"." || e.name == b".." {
                continue;
            }
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            out.push(crate::Listed {
                name: text(e.name),
                kind: e.kind,
                size: e.size,
                time: e.time,
                link_target: e.link_target.map(text),
                owner: e.owner.map(text),
                line: line.clone(),
            });
        }
        parser.finish()?;
        Ok(out)
    }

    /// [`Ftp::dir_with`] of a plain path.
    async fn listing(
        &mut self,
        dir: Option<&str>,
        how: crate::Listing,
    ) -> Result<Vec<String>, Error> {
        let encoding = self.options.encoding;
        let lines = match how.via {
            crate::ListVia::Data if !how.hidden => return self.dir(dir).await,
            crate::ListVia::Data => {
                let all = match dir {
                    Some(d) => format!("-a {d}"),
                    None => "-a".to_string(),
                };
                match self.decoded_lines("LIST", Some(&all)).await {
                    Err(Error::Permanent(_)) => return self.dir(dir).await,
                    other => return other,
                }
            }
            crate::ListVia::Stat => {
                let mut lines = Vec::new();
                self.stat_lines_each(dir, how.hidden, |l| {
                    lines.push(encoding.decode(l).into_owned())
                })
                .await?;
                lines
            }
        };
        self.said_undecodable(lines.iter().map(String::as_str));
        Ok(lines)
    }

    /// A STAT listing's lines to `on_line`: `STAT -a path` first when
    /// `hidden` (the plain command when a server refuses it), and `STAT -l
    /// path` when the plain reply holds names alone (a server whose STAT
    /// is a short `ls`).
    pub(crate) async fn stat_lines_each(
        &mut self,
        dir: Option<&str>,
        hidden: bool,
        mut on_line: impl FnMut(&[u8]),
    ) -> Result<(), Error> {
        let path = self.wire(dir.unwrap_or("."))?.into_owned();
        let with = |flags: &[u8]| [flags, &path[..]].concat();
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut collect = |l: &[u8]| lines.push(l.to_vec());
        let tried = if hidden {
            self.session.stat_list(&with(b"-a "), &mut collect).await
        } else {
            self.session.stat_list(&path, &mut collect).await
        };
        match tried {
            Ok(_) => {}
            Err(ftp_core::Error::Permanent(_)) if hidden => {
                self.session.stat_list(&path, &mut collect).await?;
            }
            Err(e) => return Err(e.into()),
        }
        let names_only = !lines.is_empty()
            && lines
                .iter()
                .all(|l| ftp_core::list::parse_list_line(l).is_err());
        if names_only {
            lines.clear();
            let flags: &[u8] = if hidden { b"-la " } else { b"-l " };
            self.session
                .stat_list(&with(flags), |l| lines.push(l.to_vec()))
                .await?;
        }
        lines.iter().for_each(|l| on_line(l));
        Ok(())
    }

    /// A machine-readable listing (MLSD, ftplib's `mlsd`): each entry with
    /// its facts, fact names lower-cased, its name decoded with the
    /// session's encoding ([`OwnedEntry::name_bytes`] holds the server's
    /// bytes). With `facts` (`["type", "size"]`) the server is asked for
    /// those (OPTS MLST).
    pub async fn mlsd(
        &mut self,
        path: Option<&str>,
        facts: &[&str],
    ) -> Result<Vec<OwnedEntry>, Error> {
        let encoding = self.options.encoding;
        let mut entries = Vec::new();
        self.mlsd_each(path, facts, |e| entries.push(entry_of(&e, encoding)))
            .await?;
        self.said_undecodable(entries.iter().map(|e| e.name.as_str()));
        Ok(entries)
    }

    /// MLSD with each entry to `on_entry`; lines that are not entries are
    /// skipped and reported at the end as `ProtocolError::BadListing`,
    /// after every good entry was delivered.
    pub(crate) async fn mlsd_each(
        &mut self,
        path: Option<&str>,
        facts: &[&str],
        mut on_entry: impl FnMut(ftp_core::mlsd::Entry<'_>),
    ) -> Result<crate::Reply, Error> {
        let cmd = self.with_arg("MLSD", path)?;
        let facts: String = facts
            .iter()
            .filter(|f| !f.is_empty())
            .map(|f| format!("{f};"))
            .collect();
        if !facts.is_empty() {
            self.voidcmd(&format!("OPTS MLST {facts}")).await?;
        }
        let mut malformed = false;
        let reply = self
            .lines_of(&cmd, Flow::Listing, |line| {
                match ftp_core::mlsd::Entry::parse_lowercase(line) {
                    Ok(entry) => on_entry(entry),
                    Err(_) => {
                        log::warn!("skipped malformed MLSD line");
                        malformed = true;
                    }
                }
                Ok(())
            })
            .await?;
        if malformed {
            return Err(Error::Protocol(ftp_core::ProtocolError::BadListing));
        }
        Ok(reply)
    }

    /// Retrieves in binary mode into `out` (ftplib's `retrbinary`): `cmd`
    /// is `"RETR name"`; with `rest`, from that offset. Complete only when
    /// the data reached its end and the server's final reply is 2xx. `out`
    /// is any `std::io::Write` (tokio's `AsyncWrite` on `ftp_std::tokio`).
    pub async fn retrbinary<W: rt::Sink + ?Sized>(
        &mut self,
        cmd: &str,
        out: &mut W,
        rest: Option<u64>,
    ) -> Result<Reply, Error> {
        Ok(self.retr_to(&self.wire(cmd)?, out, rest).await?.1)
    }

    /// Stores in binary mode from `input` (ftplib's `storbinary`): `cmd` is
    /// `"STOR name"`; with `rest`, the server writes from that offset.
    /// `input` is any `std::io::Read` (tokio's `AsyncRead` on
    /// `ftp_std::tokio`).
    pub async fn storbinary<R: rt::Source + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
        rest: Option<u64>,
    ) -> Result<Reply, Error> {
        let cmd = self.wire(cmd)?.into_owned();
        let kind = TransferType::Binary;
        Ok(self.stor_from(&cmd, kind, input, rest, |_| {}).await?)
    }

    /// Stores text from `input` in ASCII mode, line ends sent as CRLF
    /// (ftplib's `storlines`).
    pub async fn storlines<R: rt::Source + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
    ) -> Result<Reply, Error> {
        let cmd = self.wire(cmd)?.into_owned();
        let kind = TransferType::Ascii;
        Ok(self.stor_from(&cmd, kind, input, None, |_| {}).await?)
    }

    /// Appends `input` to a remote file (APPE) in binary mode.
    pub async fn appe<R: rt::Source + ?Sized>(
        &mut self,
        path: &str,
        input: &mut R,
    ) -> Result<Reply, Error> {
        let cmd = self.wire(&format!("APPE {path}"))?.into_owned();
        let kind = TransferType::Binary;
        Ok(self.stor_from(&cmd, kind, input, None, |_| {}).await?)
    }

    /// Starts a transfer and hands over the data stream and the size the
    /// server announced (ftplib's `ntransfercmd`). Read or write it (a
    /// `std::io` stream on the blocking side, tokio's `AsyncRead` and
    /// `AsyncWrite` on tokio's), then give it to [`Ftp::end_transfer`].
    pub async fn ntransfercmd(
        &mut self,
        cmd: &str,
        rest: Option<u64>,
    ) -> Result<(net::DataStream, Option<u64>), Error> {
        let (stream, size) = self.session.ntransfercmd(&*self.wire(cmd)?, rest).await?;
        Ok((net::data_stream(stream), size))
    }

    /// Ends a transfer [`Ftp::ntransfercmd`] started: closes the data
    /// stream cleanly and reads the final reply, which must be 2xx.
    pub async fn end_transfer(&mut self, stream: net::DataStream) -> Result<crate::Reply, Error> {
        let stream = net::core_stream(stream);
        let reply = self
            .session
            .finish_transfer(stream, Ok(()), None, 0)
            .await?;
        Ok(Reply::from_core(reply))
    }

    /// Like [`Ftp::ntransfercmd`] without the size (ftplib's `transfercmd`).
    pub async fn transfercmd(
        &mut self,
        cmd: &str,
        rest: Option<u64>,
    ) -> Result<net::DataStream, Error> {
        Ok(self.ntransfercmd(cmd, rest).await?.0)
    }
}

/// An MLSD or MLST entry as an owned one, its name decoded with the
/// session's encoding.
fn entry_of(e: &ftp_core::mlsd::Entry<'_>, encoding: crate::Encoding) -> OwnedEntry {
    let mut owned = OwnedEntry::from_entry(e);
    owned.name = encoding.decode(e.name).into_owned();
    owned
}

/// What a server-to-server copy ([`fxp`]) ended with.
#[derive(Clone, Debug)]
pub struct FxpDone {
    /// The source server's final reply to RETR.
    pub source: Reply,
    /// The destination server's final reply to STOR.
    pub destination: Reply,
    /// The size both servers give afterwards, when they have SIZE.
    pub size: Option<u64>,
}

/// Copies `from_path` on `from`'s server to `to_path` on `to`'s server
/// (FXP): the data goes from one server to the other, never through this
/// client. The destination is put in passive mode (EPSV, else PASV; its
/// address as this client reaches it), the source in active mode toward
/// it (PORT, or EPRT for IPv6), STOR on the destination, RETR on the
/// source, and both final replies must be 2xx; where both servers have
/// SIZE, the sizes must agree.
///
/// Servers refuse a data connection to or from another host than their
/// client unless told otherwise (vsftpd's `port_promiscuous` and
/// `pasv_promiscuous`, pyftpdlib's `permit_foreign_addresses`): such a
/// refusal is [`Error::Fxp`], naming the step. With protected data (PROT
/// P) one server must act as the TLS client of the data connection: the
/// source when it offers SSCN (`SSCN ON`), else the destination when it
/// offers CPSV; with neither, [`Error::Fxp`] before anything is sent.
/// The other server's TLS peer is then a server, which cannot resume
/// that server's control session: one that requires it (vsftpd's
/// `require_ssl_reuse`) fails the transfer.
#[bisync]
pub async fn fxp(
    from: &mut Ftp,
    from_path: &str,
    to: &mut Ftp,
    to_path: &str,
) -> Result<FxpDone, Error> {
    let protected = from.data_is_tls() || to.data_is_tls();
    let (mut sscn, mut cpsv) = (false, false);
    if protected {
        let offers = |lines: &[String], what: &str| {
            lines.iter().any(|l| l.trim().eq_ignore_ascii_case(what))
        };
        sscn = offers(&from.features().await?, "SSCN");
        cpsv = !sscn && offers(&to.features().await?, "CPSV");
        if !sscn && !cpsv {
            return Err(Error::Fxp {
                what: "with protected data (PROT P) one server must be the TLS client of the data \
                       connection, and neither offers SSCN (the source) or CPSV (the destination); \
                       PROT C on both sends the data in clear text"
                    .into(),
                cause: Box::new(Error::Io(std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "no SSCN or CPSV",
                ))),
            });
        }
    }
    from.set_type(TransferType::Binary).await?;
    to.set_type(TransferType::Binary).await?;
    // A missing file is said before either server waits for the other.
    let expected = match from.size(from_path).await {
        Err(e @ Error::Permanent(_)) if e.code() == Some(550) => {
            return Err(fxp_refused("the source has no such file")(e));
        }
        other => crate::session::refused_is_none(other)?,
    };
    if sscn {
        from.voidcmd("SSCN ON")
            .await
            .map_err(fxp_refused("the source refused SSCN ON"))?;
    }
    let copied = fxp_copy(from, from_path, to, to_path, cpsv, expected).await;
    if sscn {
        // The source's later data connections are its own again.
        let _ = from.voidcmd("SSCN OFF").await;
    }
    copied
}

/// [`fxp`] from the passive request on: the copy itself.
#[bisync]
async fn fxp_copy(
    from: &mut Ftp,
    from_path: &str,
    to: &mut Ftp,
    to_path: &str,
    cpsv: bool,
    expected: Option<u64>,
) -> Result<FxpDone, Error> {
    let addr = if cpsv {
        let reply = to
            .sendcmd("CPSV")
            .await
            .map_err(fxp_refused("the destination refused CPSV"))?;
        let v4 = ftp_core::pasv::parse_227(reply.text().as_bytes())?;
        // As makepasv does: the host this client reaches, the server's port.
        SocketAddr::new(to.peer_addr().ip(), v4.port())
    } else {
        to.makepasv()
            .await
            .map_err(fxp_refused("the destination gave no passive address"))?
    };
    let port = match addr {
        SocketAddr::V4(v4) => format!("PORT {}", ftp_core::pasv::port_argument(v4)),
        SocketAddr::V6(_) => format!("EPRT {}", ftp_core::pasv::eprt_argument(addr)),
    };
    from.voidcmd(&port).await.map_err(fxp_refused(
        "the source refused to connect to the destination's address \
         (a server that sends only to its client: vsftpd's port_promiscuous)",
    ))?;
    // STOR goes out without waiting: vsftpd answers it only once the
    // source connected, which it does after RETR.
    to.putcmd(&format!("STOR {to_path}")).await?;
    let retr = from.wire(&format!("RETR {from_path}"))?.into_owned();
    let started = preliminary(from, &retr).await;
    let stored = started_reply(to).await;
    // A 425 here or at the end: the source's connection was refused.
    const FOREIGN: &str = "the destination refused the source server's data connection (a \
         server that takes data only from its client: vsftpd's pasv_promiscuous, pyftpdlib's \
         permit_foreign_addresses)";
    let what = |e: &Error, otherwise: &'static str| {
        if e.code() == Some(425) { FOREIGN } else { otherwise }
    };
    match (started, stored) {
        (Ok(_), Ok(_)) => {}
        (Err(e), stored) => {
            // The destination waits for data that will not come.
            if stored.is_ok() {
                let _ = to.abort().await;
            }
            return Err(fxp_refused("the source refused RETR")(e));
        }
        (Ok(_), Err(e)) => {
            let _ = from.abort().await;
            return Err(fxp_refused(what(&e, "the destination refused STOR"))(e));
        }
    }
    // Both final replies, whatever the first says.
    let source = from.voidresp().await;
    let destination = to.voidresp().await;
    let destination = destination
        .map_err(|e| fxp_refused(what(&e, "the destination's transfer failed"))(e))?;
    let source = source.map_err(fxp_refused("the source's transfer failed"))?;
    let size = crate::session::refused_is_none(to.size(to_path).await)?;
    if let (Some(expected), Some(received)) = (expected, size)
        && expected != received
    {
        return Err(Error::TransferIncomplete { expected, received });
    }
    Ok(FxpDone {
        source,
        destination,
        size,
    })
}

/// A step of an FXP copy that a server refused: what, and its error.
fn fxp_refused(what: &str) -> impl FnOnce(Error) -> Error {
    let what = what.to_string();
    move |cause| Error::Fxp {
        what,
        cause: Box::new(cause),
    }
}

/// Sends a transfer command on a session without a data connection of its
/// own (FXP) and reads its preliminary reply (1xx).
#[bisync]
async fn preliminary(ftp: &mut Ftp, cmd: &[u8]) -> Result<Reply, Error> {
    ftp.session.putcmd(cmd).await?;
    started_reply(ftp).await
}

/// The reply a transfer command is owed, which must be preliminary (1xx).
#[bisync]
async fn started_reply(ftp: &mut Ftp) -> Result<Reply, Error> {
    let reply = ftp.session.getresp().await?;
    if reply.code().is_preliminary() {
        Ok(Reply::from_core(reply))
    } else {
        Err(Error::Unexpected(ftp_core::ReplyError::from_reply(&reply)))
    }
}
