//! The session: Python ftplib's `FTP` class over a control stream and a
//! [`DataConnector`], with fixed buffers and no allocation. Written once in
//! async shape; the blocking twin is this file with `async` and `.await`
//! removed (see `ftp-core-macros`), so every rule lands in both.

use core::fmt::Write as _;
use core::net::SocketAddr;

use embedded_io::ReadReady;

use super::bisync;
use super::data::DataConnector;
use super::io::{self, Read, Write};
use crate::ascii::{CrLf, LineSplitter};
use crate::command::Command;
use crate::error::{Error, InvalidArgument, ProtocolError, ReplyError};
use crate::mlsd::{Entry, mlst_line_range};
use crate::pasv::{eprt_argument, parse_227, parse_229, port_argument};
use crate::path::parse_257_in_place;
use crate::replies;
use crate::reply::{Code, Line, Reply, ReplyReader, Status};
use crate::size::{parse_150, parse_213};
use crate::text::Text;
use crate::timestamp::Timestamp;
use crate::transfer::{DEFAULT_REPLY_BUFFER, TransferType, WELCOME_CAPACITY, Watched, complete};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    /// After quit or when the server closed the connection.
    Closed,
    /// After an error that left the control connection out of step.
    Broken,
}

type Result<T, E, C> = core::result::Result<T, Error<E, C>>;

/// The next transfer's passive command, sent early (at the end of a
/// download's data, before its final reply: [`Ftp::request_early_passive`]).
#[cfg(feature = "pipeline")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Early {
    /// Nothing sent early.
    None,
    /// EPSV (`true`) or PASV was sent; its reply is owed after the
    /// transfer's final reply.
    Sent(bool),
    /// Its reply came before the transfer's final reply and was read: the
    /// address, and whether it came from EPSV.
    Known(SocketAddr, bool),
}

/// An FTP session: every method of Python ftplib's `FTP` class, and more
/// (the blocking `ftp_core::Ftp` and, with feature `async`, the async
/// `ftp_core::asynch::Ftp`, twins with the same methods).
///
/// `S` is the control stream, `D` opens data connections, `N` is the size
/// of the reply buffer. Data blocks, lines and entries go to callbacks; the
/// transfer buffer is the caller's. A callback's error ends the transfer
/// (the session reads the server's final reply so it stays usable) and is
/// returned as [`Error::Callback`], itself.
pub struct Ftp<
    S: embedded_io::ErrorType,
    D,
    const N: usize = DEFAULT_REPLY_BUFFER,
    C = <S as embedded_io::ErrorType>::Error,
> {
    control: S,
    data: D,
    reader: ReplyReader<N>,
    welcome: heapless::Vec<u8, WELCOME_CAPACITY>,
    peer: SocketAddr,
    passive: bool,
    trust_server_pasv_ipv4_address: bool,
    try_epsv: bool,
    transfer_type: Option<TransferType>,
    debug_level: u8,
    state: State,
    verify_data_peer: bool,
    stray: u32,
    /// A reply is owed: a command was sent (or its write began) and its
    /// final reply was not read yet; a 1xx keeps it owed. Set when a new
    /// command is due means an earlier call was dropped half-way (an async
    /// future cancelled): the session is out of step.
    owed: bool,
    /// The reply owed is a transfer's final one: a 1xx was read and the
    /// final reply is not yet. ABOR may go out then (RFC 959 lets it go at
    /// any time), whoever sends it.
    in_transfer: bool,
    /// The next transfer's passive command sent early, if any.
    #[cfg(feature = "pipeline")]
    early: Early,
    /// What the caller asked for: send it at the end of this transfer.
    #[cfg(feature = "pipeline")]
    early_wanted: bool,
    /// The passive command that worked this session (`Some(true)`: EPSV);
    /// only that one is sent early.
    #[cfg(feature = "pipeline")]
    early_proven: Option<bool>,
    /// The server once answered an early command before a transfer's
    /// final reply (it reads commands during transfers): no early command
    /// for it again.
    #[cfg(feature = "pipeline")]
    early_off: bool,
    /// An early passive address went unused (the next command was no
    /// transfer): the server may still send one late reply about that
    /// passive request (a 425 or 426, pyftpdlib's `421 Passive data
    /// channel timed out.`), before the next command's own reply or as a
    /// stray one; it is taken as that late reply, not as the command's.
    #[cfg(feature = "pipeline")]
    early_abandoned: bool,
    callback_error: core::marker::PhantomData<fn() -> C>,
}

/// How many stray replies are read before one command, at most; more is a
/// server talking to itself, and the session is taken as out of step.
const STRAY_LIMIT: u32 = 16;

/// The reply code of a reply that could not be read back (never happens:
/// the reader holds a complete reply whenever one is asked for).
const MISSING: Reply<'static> = Reply::new(Code::new(421).unwrap(), b"421 no reply", false);

impl<S, D, const N: usize, C> Ftp<S, D, N, C>
where
    S: Read + Write + ReadReady,
    D: DataConnector<Error = S::Error>,
{
    /// Starts a session on a connected control stream: reads the welcome
    /// (a 120 "ready in a moment" is followed by the 220).
    ///
    /// `peer` is the server's address on the control connection; data
    /// connections go there unless [`Ftp::set_trust_server_pasv_ipv4_address`]
    /// says otherwise.
    #[bisync]
    pub async fn connect(control: S, data: D, peer: SocketAddr) -> Result<Self, S::Error, C> {
        let mut ftp = Ftp {
            control,
            data,
            reader: ReplyReader::new(),
            welcome: heapless::Vec::new(),
            peer,
            passive: true,
            trust_server_pasv_ipv4_address: false,
            try_epsv: true,
            transfer_type: None,
            debug_level: 0,
            state: State::Open,
            verify_data_peer: true,
            stray: 0,
            // The welcome.
            owed: true,
            in_transfer: false,
            #[cfg(feature = "pipeline")]
            early: Early::None,
            #[cfg(feature = "pipeline")]
            early_wanted: false,
            #[cfg(feature = "pipeline")]
            early_proven: None,
            #[cfg(feature = "pipeline")]
            early_off: false,
            #[cfg(feature = "pipeline")]
            early_abandoned: false,
            callback_error: core::marker::PhantomData,
        };
        let mut code = ftp.getresp_code().await?;
        if code.is_preliminary() {
            code = ftp.getresp_code().await?;
        }
        if !code.is_completion() {
            return Err(ftp.unexpected());
        }
        let text = ftp.reply().text();
        let welcome = heapless::Vec::from_slice(&text[..text.len().min(WELCOME_CAPACITY)]);
        ftp.welcome = welcome.unwrap_or_default();
        Ok(ftp)
    }

    // ----- replies and commands -------------------------------------

    /// The last complete reply.
    fn reply(&self) -> Reply<'_> {
        self.reader.reply().unwrap_or(MISSING)
    }

    /// The last complete reply, if any: ftplib's `lastresp`, with its text.
    pub fn last_reply(&self) -> Option<Reply<'_>> {
        self.reader.reply()
    }

    fn reply_error(&self) -> ReplyError {
        ReplyError::from_reply(&self.reply())
    }

    fn unexpected(&self) -> Error<S::Error, C> {
        Error::Unexpected(self.reply_error())
    }

    fn usable(&self) -> Result<(), S::Error, C> {
        match self.state {
            State::Open => Ok(()),
            State::Closed => Err(Error::SessionClosed),
            State::Broken => Err(Error::Protocol(ProtocolError::OutOfSync)),
        }
    }

    /// Sends one command. Everything was checked when `cmd` was built.
    /// Replies nobody asked for are read first, so they cannot become the
    /// reply to this command.
    #[bisync]
    async fn send(&mut self, cmd: Command<'_>) -> Result<(), S::Error, C> {
        self.usable()?;
        self.settle_owed()?;
        #[cfg(feature = "pipeline")]
        self.settle_early().await?;
        self.drain_stray().await?;
        // Owed from the first byte: a write cancelled half-way leaves part
        // of a command on the wire.
        self.owed = true;
        if self.debug_level >= 1 {
            debug!("*cmd* {}", cmd);
        }
        if self.debug_level >= 2 {
            debug!("*put* {}", cmd);
        }
        match self.write_command(&cmd).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.state = State::Broken;
                Err(Error::Io(e))
            }
        }
    }

    /// Before a command: a reply still owed means an earlier call was
    /// dropped half-way (its future cancelled), and that reply would be
    /// taken for this command's. The session is out of step. Only ABOR may
    /// go out while a transfer's final reply is owed (its own reply and
    /// the transfer's are then read by [`Ftp::abort`]).
    fn settle_owed(&mut self) -> Result<(), S::Error, C> {
        if !self.owed {
            return Ok(());
        }
        warn!("a reply is still owed (an earlier call was cancelled): out of step");
        self.state = State::Broken;
        Err(Error::Protocol(ProtocolError::OutOfSync))
    }

    /// Writes the command in one piece when it fits the free part of the
    /// reply buffer, else in its parts; then flushes.
    #[bisync]
    async fn write_command(&mut self, cmd: &Command<'_>) -> core::result::Result<(), S::Error> {
        match cmd.encode(self.reader.scratch()) {
            Some(line) => self.control.write_all(line).await?,
            None => {
                for part in cmd.parts() {
                    self.control.write_all(part).await?;
                }
            }
        }
        self.control.flush().await
    }

    /// Reads what the server sent while no reply was awaited (a doubled
    /// reply, a 226 left over from an ABOR sent raw, a malformed line after
    /// a good reply): bytes the reader holds beyond the last reply, or that
    /// the control stream has ready. Each stray reply is logged and
    /// dropped; a 421 (the server is closing) ends the session and is the
    /// error. Costs one `read_ready` per command when nothing is pending.
    #[bisync]
    async fn drain_stray(&mut self) -> Result<(), S::Error, C> {
        let mut drained = 0;
        loop {
            if self.reader.pending().is_empty() {
                match self.control.read_ready() {
                    Ok(false) => return Ok(()),
                    Ok(true) => {}
                    Err(e) => {
                        self.state = State::Broken;
                        return Err(Error::Io(e));
                    }
                }
            }
            if drained == STRAY_LIMIT {
                warn!("more than {} stray replies: out of step", STRAY_LIMIT);
                self.state = State::Broken;
                return Err(Error::Protocol(ProtocolError::OutOfSync));
            }
            drained += 1;
            self.stray = self.stray.saturating_add(1);
            match self.receive().await {
                #[cfg(feature = "pipeline")]
                Ok(code) if self.late_passive_reply(code) => {}
                Ok(code) => {
                    let reply = self.reply();
                    if self.debug_level >= 1 {
                        debug!("*stray* {}", reply);
                    } else {
                        info!("stray reply dropped: {}", reply);
                    }
                    if code.get() == 421 {
                        self.state = State::Closed;
                        return Err(Error::Temporary(self.reply_error()));
                    }
                }
                // A malformed line the reader got past: dropped as well.
                Err(Error::Protocol(_)) if self.state == State::Open => {
                    if self.debug_level >= 1 {
                        debug!("*stray* (malformed line)");
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// How many stray replies (replies no command asked for) the session
    /// has read and dropped so far.
    pub fn stray_replies(&self) -> u32 {
        self.stray
    }

    /// Reads one whole reply, whatever its code, giving each line to
    /// `on_line`. A whole line that is not a reply is a protocol error
    /// after which the session stays in step; an error that leaves the end
    /// of the reply unknown breaks the session.
    #[bisync]
    async fn receive_with<F>(&mut self, mut on_line: F) -> Result<Code, S::Error, C>
    where
        F: FnMut(Line<'_>),
    {
        self.usable()?;
        let level = self.debug_level;
        #[cfg(feature = "pipeline")]
        let code = loop {
            let code = self.receive_one(level, &mut on_line).await?;
            // A reply to a command after an abandoned early passive
            // request may be a late one about that request.
            if self.early_abandoned && self.owed && self.late_passive_reply(code) {
                continue;
            }
            break code;
        };
        #[cfg(not(feature = "pipeline"))]
        let code = self.receive_one(level, &mut on_line).await?;
        // A final reply pays what is owed; a 1xx announces another one.
        self.in_transfer = code.is_preliminary();
        if !code.is_preliminary() {
            self.owed = false;
        }
        Ok(code)
    }

    /// Reads one whole reply for [`Ftp::receive_with`].
    #[bisync]
    async fn receive_one<F>(&mut self, level: u8, on_line: &mut F) -> Result<Code, S::Error, C>
    where
        F: FnMut(Line<'_>),
    {
        loop {
            let status = self.reader.parse(|line| {
                if level >= 2 {
                    debug!("*get* {}", Text(line.text));
                }
                on_line(line);
            });
            match status {
                Ok(Status::Complete) => break,
                Ok(Status::Incomplete) => match self.control.read(self.reader.space()).await {
                    Ok(0) => {
                        self.state = State::Closed;
                        return Err(Error::ConnectionClosed);
                    }
                    Ok(n) => self.reader.commit(n),
                    Err(e) => {
                        self.state = State::Broken;
                        return Err(Error::Io(e));
                    }
                },
                Err(e) if self.reader.in_step() => {
                    info!("malformed reply line dropped: {}", e);
                    // That line was the reply.
                    self.owed = false;
                    return Err(Error::Protocol(e));
                }
                Err(e) => {
                    warn!("protocol error: {}", e);
                    self.reader.reset();
                    self.state = State::Broken;
                    return Err(Error::Protocol(e));
                }
            }
        }
        let reply = self.reply();
        if level >= 1 {
            debug!("*resp* {}", reply);
        }
        Ok(reply.code())
    }

    /// Reads one whole reply, whatever its code (one instance of
    /// [`Ftp::receive_with`] for every caller without a line callback).
    #[bisync]
    async fn receive(&mut self) -> Result<Code, S::Error, C> {
        self.receive_with(|_| {}).await
    }

    /// Maps 4xx and 5xx to errors (ftplib's `getresp`).
    fn classify(&self, code: Code) -> Result<Code, S::Error, C> {
        if code.is_temporary() {
            Err(Error::Temporary(self.reply_error()))
        } else if code.is_permanent() {
            Err(Error::Permanent(self.reply_error()))
        } else {
            Ok(code)
        }
    }

    #[bisync]
    async fn getresp_code(&mut self) -> Result<Code, S::Error, C> {
        let code = self.receive().await?;
        self.classify(code)
    }

    #[bisync]
    async fn voidresp_code(&mut self) -> Result<Code, S::Error, C> {
        let code = self.getresp_code().await?;
        if code.is_completion() {
            Ok(code)
        } else {
            Err(self.unexpected())
        }
    }

    /// Sends `verb arg` and reads the reply; 4xx and 5xx are errors.
    #[bisync]
    async fn command(&mut self, verb: &str, arg: Option<&[u8]>) -> Result<Code, S::Error, C> {
        self.send(Command::new(verb, arg)?).await?;
        self.getresp_code().await
    }

    /// Like [`Ftp::command`], and anything but 2xx is an error.
    #[bisync]
    async fn void_command(&mut self, verb: &str, arg: Option<&[u8]>) -> Result<Code, S::Error, C> {
        self.send(Command::new(verb, arg)?).await?;
        self.voidresp_code().await
    }

    /// Reads a reply: 1xx, 2xx and 3xx are returned, 4xx is
    /// [`Error::Temporary`], 5xx [`Error::Permanent`].
    #[bisync]
    pub async fn getresp(&mut self) -> Result<Reply<'_>, S::Error, C> {
        self.getresp_code().await?;
        Ok(self.reply())
    }

    /// Reads a reply that must be 2xx ([`Error::Unexpected`] otherwise).
    #[bisync]
    pub async fn voidresp(&mut self) -> Result<Reply<'_>, S::Error, C> {
        self.voidresp_code().await?;
        Ok(self.reply())
    }

    /// Sends a command line (`"SITE CHMOD 644 x"`, text or bytes) and
    /// returns the reply. A line holding CR, LF or NUL is refused before
    /// anything is sent.
    ///
    /// `ABOR` sent while a transfer's final reply is owed (a `RETR` sent
    /// with `sendcmd` that got its 150) is [`Ftp::abort`]: the transfer's
    /// final reply and ABOR's own are both read, and ABOR's is returned.
    #[bisync]
    pub async fn sendcmd<L: AsRef<[u8]> + ?Sized>(
        &mut self,
        cmd: &L,
    ) -> Result<Reply<'_>, S::Error, C> {
        let cmd = self.line(cmd.as_ref())?;
        if self.aborts_transfer(&cmd) {
            return self.abort().await;
        }
        self.send(cmd).await?;
        self.getresp_code().await?;
        Ok(self.reply())
    }

    /// Sends a command line and reads nothing (ftplib's `putcmd`): its
    /// reply is owed, and the next call must be [`Ftp::getresp`] or
    /// [`Ftp::voidresp`] (any other command first would take that reply
    /// for its own: the session refuses it as out of step). For commands
    /// whose reply comes only after something else happened, such as a
    /// server-to-server copy's STOR, whose 150 some servers send once the
    /// other server connected.
    #[bisync]
    pub async fn putcmd<L: AsRef<[u8]> + ?Sized>(&mut self, cmd: &L) -> Result<(), S::Error, C> {
        let cmd = self.line(cmd.as_ref())?;
        self.send(cmd).await
    }

    /// Sends a command line whose reply must be 2xx (an `ABOR` during a
    /// transfer as in [`Ftp::sendcmd`]).
    #[bisync]
    pub async fn voidcmd<L: AsRef<[u8]> + ?Sized>(
        &mut self,
        cmd: &L,
    ) -> Result<Reply<'_>, S::Error, C> {
        let cmd = self.line(cmd.as_ref())?;
        if self.aborts_transfer(&cmd) {
            let code = self.abort().await?.code();
            if !code.is_completion() {
                return Err(self.unexpected());
            }
            return Ok(self.reply());
        }
        self.send(cmd).await?;
        self.voidresp_code().await?;
        Ok(self.reply())
    }

    /// A caller's `ABOR` while a transfer's final reply is owed.
    fn aborts_transfer(&self, cmd: &Command<'_>) -> bool {
        self.owed && self.in_transfer && cmd.verb().trim_ascii().eq_ignore_ascii_case(b"ABOR")
    }

    /// Checks a caller's command line; a raw TYPE makes the cached type
    /// unknown.
    fn line<'a>(&mut self, cmd: &'a [u8]) -> Result<Command<'a>, S::Error, C> {
        let cmd = Command::line(cmd)?;
        if cmd
            .verb()
            .get(..4)
            .is_some_and(|v| v.eq_ignore_ascii_case(b"TYPE"))
        {
            self.transfer_type = None;
        }
        Ok(cmd)
    }

    // ----- settings ----------------------------------------------------

    /// The welcome message, code included (ftplib's `getwelcome`), up to
    /// [`WELCOME_CAPACITY`] bytes.
    pub fn getwelcome(&self) -> &[u8] {
        &self.welcome
    }

    /// Debug output through `log` or `defmt` (ftplib's `set_debuglevel`):
    /// 0 none, 1 one line per request and reply, 2 every line on the
    /// control connection. Passwords are masked.
    pub fn set_debuglevel(&mut self, level: u8) {
        self.debug_level = level;
    }

    /// The same as [`Ftp::set_debuglevel`] (ftplib's `debug`).
    pub fn debug(&mut self, level: u8) {
        self.set_debuglevel(level);
    }

    /// Passive mode on (the default) or off (active mode: PORT/EPRT).
    pub fn set_pasv(&mut self, passive: bool) {
        self.passive = passive;
    }

    /// The representation type set on the server (TYPE A or TYPE I), if
    /// one was set this session.
    pub fn transfer_type(&self) -> Option<TransferType> {
        self.transfer_type
    }

    /// Whether passive mode is on.
    pub fn is_passive(&self) -> bool {
        self.passive
    }

    /// Connect to the host a 227 reply names instead of the control
    /// connection's peer. Off by default: a server (or anybody who can
    /// change its replies) could otherwise aim the client at any host.
    pub fn set_trust_server_pasv_ipv4_address(&mut self, trust: bool) {
        self.trust_server_pasv_ipv4_address = trust;
    }

    /// Refuse an active-mode data connection that does not come from the
    /// control connection's peer (on by default, as lftp's
    /// `ftp:verify-address`): otherwise anybody who can reach the
    /// listening port could feed a download. Turn it off only for a server
    /// whose data connections come from another address (odd NAT).
    pub fn set_verify_data_peer(&mut self, verify: bool) {
        self.verify_data_peer = verify;
    }

    /// The server's address on the control connection.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The control stream (to wrap it in TLS after [`Ftp::auth`], or to
    /// set its timeouts).
    pub fn control_mut(&mut self) -> &mut S {
        &mut self.control
    }

    /// The data connector (to change its TLS protection after
    /// [`Ftp::prot_p`], or to close a stream from [`Ftp::transfercmd`]).
    pub fn data_connector_mut(&mut self) -> &mut D {
        &mut self.data
    }

    /// True until [`Ftp::quit`], a closed connection or an error that left
    /// the session out of step.
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// Closes the session unilaterally (ftplib's `close`): nothing is sent,
    /// the streams are dropped.
    pub fn close(self) {
        drop(self.into_parts());
    }

    /// Ends the session without a word and gives the streams back, for the
    /// caller to shut down or reuse.
    pub fn into_parts(self) -> (S, D) {
        (self.control, self.data)
    }

    // ----- login and simple commands ---------------------------------

    /// Logs in (ftplib's `login`). An empty `user` is `anonymous`, whose
    /// empty (or `-`) password becomes `anonymous@` (`-anonymous@`). A 331
    /// is answered with PASS, a 332 with ACCT.
    #[bisync]
    pub async fn login(
        &mut self,
        user: &str,
        passwd: &str,
        acct: &str,
    ) -> Result<Reply<'_>, S::Error, C> {
        let user = if user.is_empty() { "anonymous" } else { user };
        let passwd = match (user, passwd) {
            ("anonymous", "") => "anonymous@",
            ("anonymous", "-") => "-anonymous@",
            (_, p) => p,
        };
        // Check everything first: a bad password must not leave USER sent.
        let (user, passwd, acct) = (user.as_bytes(), passwd.as_bytes(), acct.as_bytes());
        Command::new("USER", Some(user))?;
        Command::new("PASS", Some(passwd))?;
        Command::new("ACCT", Some(acct))?;
        let mut code = self.command("USER", Some(user)).await?;
        if code.is_intermediate() && code.get() != 332 {
            code = self.command("PASS", Some(passwd)).await?;
        }
        if code.is_intermediate() {
            code = self.command("ACCT", Some(acct)).await?;
        }
        if !code.is_completion() {
            return Err(self.unexpected());
        }
        Ok(self.reply())
    }

    /// Names the virtual host the session is for (HOST, RFC 7151), before
    /// [`Ftp::login`] (and before AUTH TLS, so that the server can choose
    /// its certificate): `name` is the server's name as the user gave it,
    /// an IP address as it is (IPv6 in brackets). The server answers 220
    /// and the session is that host's; a server without virtual hosts
    /// answers 500 or 502 ([`Error::Permanent`]), one that does not know
    /// the name 504.
    #[bisync]
    pub async fn host<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        name: &P,
    ) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("HOST", Some(name.as_ref())).await?;
        Ok(self.reply())
    }

    /// Sends accounting information (ACCT).
    #[bisync]
    pub async fn acct(&mut self, password: &str) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("ACCT", Some(password.as_bytes())).await?;
        Ok(self.reply())
    }

    /// Changes the remote directory. `..` tries CDUP first (falling back to
    /// `CWD ..` on a 500), an empty name is `.` (as ftplib).
    ///
    /// Like every name this session takes, `dirname` is text or bytes
    /// (`"logs"`, `b"caf\xe9"`, a name from a listing) and goes out exactly
    /// as given.
    #[bisync]
    pub async fn cwd<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        dirname: &P,
    ) -> Result<Reply<'_>, S::Error, C> {
        let dirname = dirname.as_ref();
        if dirname == b".." {
            match self.void_command("CDUP", None).await {
                Err(Error::Permanent(r)) if r.code().get() == 500 => {}
                Err(e) => return Err(e),
                Ok(_) => return Ok(self.reply()),
            }
        }
        let dirname = if dirname.is_empty() { b"." } else { dirname };
        self.void_command("CWD", Some(dirname)).await?;
        Ok(self.reply())
    }

    /// Goes to the parent directory (CDUP).
    #[bisync]
    pub async fn cdup(&mut self) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("CDUP", None).await?;
        Ok(self.reply())
    }

    /// Decodes the path of the last reply, in place in the reply buffer. A
    /// reply that is not 257 is [`Error::Unexpected`] (ftplib's
    /// `error_reply`): never an empty path. `None` for a 257 without a
    /// quoted path; a quote never closed is
    /// [`ProtocolError::BadPathReply`], never the fragment.
    fn path_257(&mut self) -> Result<Option<&[u8]>, S::Error, C> {
        if !replies::PATH.accepts(self.reply().code()) {
            return Err(self.unexpected());
        }
        let text = self.reader.reply_text_mut().unwrap_or_default();
        Ok(parse_257_in_place(text)?)
    }

    /// The remote current directory (PWD), the server's bytes (in whatever
    /// encoding it uses for names). The reply must be 257 with a quoted
    /// path.
    #[bisync]
    pub async fn pwd(&mut self) -> Result<&[u8], S::Error, C> {
        self.void_command("PWD", None).await?;
        self.path_257()?
            .ok_or(Error::Protocol(ProtocolError::BadPathReply))
    }

    /// Makes a remote directory (MKD) and returns its path as the server
    /// gives it. The reply must be 257; when it names no path (`257 MKD
    /// command successful.`) the directory was still made, and `dirname`
    /// is returned. A path whose quote is never closed is
    /// [`ProtocolError::BadPathReply`] (the directory may have been made).
    #[bisync]
    pub async fn mkd<'a, P: AsRef<[u8]> + ?Sized>(
        &'a mut self,
        dirname: &'a P,
    ) -> Result<&'a [u8], S::Error, C> {
        let dirname = dirname.as_ref();
        self.void_command("MKD", Some(dirname)).await?;
        Ok(self.path_257()?.unwrap_or(dirname))
    }

    /// Removes a remote directory (RMD).
    #[bisync]
    pub async fn rmd<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        dirname: &P,
    ) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("RMD", Some(dirname.as_ref())).await?;
        Ok(self.reply())
    }

    /// Deletes a remote file (DELE); the reply must be 250 or 200.
    #[bisync]
    pub async fn delete<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        filename: &P,
    ) -> Result<Reply<'_>, S::Error, C> {
        let code = self.command("DELE", Some(filename.as_ref())).await?;
        if replies::DELE.accepts(code) {
            Ok(self.reply())
        } else {
            Err(self.unexpected())
        }
    }

    /// Renames a remote file: RNFR must get 3xx (350), then RNTO 2xx.
    #[bisync]
    pub async fn rename<P: AsRef<[u8]> + ?Sized, Q: AsRef<[u8]> + ?Sized>(
        &mut self,
        fromname: &P,
        toname: &Q,
    ) -> Result<Reply<'_>, S::Error, C> {
        let toname = toname.as_ref();
        Command::new("RNTO", Some(toname))?;
        let code = self.command("RNFR", Some(fromname.as_ref())).await?;
        if !replies::RNFR.accepts(code) {
            return Err(self.unexpected());
        }
        self.void_command("RNTO", Some(toname)).await?;
        Ok(self.reply())
    }

    /// The size of a remote file (SIZE), as ftplib's `size`: the size on
    /// a 213, `None` on any other 2xx (a server that answers `200` or
    /// `250` has no size to give). A missing file is a permanent error, a
    /// server without SIZE too (500, 502); a 1xx or 3xx is
    /// [`Error::Unexpected`]; a 213 without a number is
    /// [`ProtocolError::BadSizeReply`].
    #[bisync]
    pub async fn size<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        filename: &P,
    ) -> Result<Option<u64>, S::Error, C> {
        let code = self.command("SIZE", Some(filename.as_ref())).await?;
        if replies::FILE_STATUS.accepts(code) {
            return Ok(Some(parse_213(self.reply().text())?));
        }
        if code.is_completion() {
            return Ok(None);
        }
        Err(self.unexpected())
    }

    /// The modification time of a remote file (MDTM, UTC).
    #[bisync]
    pub async fn mdtm<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        filename: &P,
    ) -> Result<Timestamp, S::Error, C> {
        let code = self.command("MDTM", Some(filename.as_ref())).await?;
        if !replies::FILE_STATUS.accepts(code) {
            return Err(self.unexpected());
        }
        let text = self.reply().text();
        Ok(Timestamp::parse(text.get(3..).unwrap_or_default())?)
    }

    /// The features the server announces (FEAT): `on_feature` gets each
    /// feature line without its leading space (`MLST type*;size*;`, `UTF8`).
    #[bisync]
    pub async fn feat<F>(&mut self, mut on_feature: F) -> Result<Reply<'_>, S::Error, C>
    where
        F: FnMut(&[u8]),
    {
        self.send(Command::new("FEAT", None)?).await?;
        let code = self
            .receive_with(|line| {
                if !line.first && !line.last {
                    let text = line.text.strip_prefix(b" ").unwrap_or(line.text);
                    if !text.is_empty() {
                        on_feature(text);
                    }
                }
            })
            .await?;
        self.classify(code)?;
        if !code.is_completion() {
            return Err(self.unexpected());
        }
        Ok(self.reply())
    }

    /// The server's system type (SYST).
    #[bisync]
    pub async fn syst(&mut self) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("SYST", None).await?;
        Ok(self.reply())
    }

    /// Does nothing, keeps the connection alive (NOOP).
    #[bisync]
    pub async fn noop(&mut self) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("NOOP", None).await?;
        Ok(self.reply())
    }

    /// Sets the representation type (TYPE A or TYPE I). Transfers set the
    /// type they need themselves; it is sent only when it changes.
    #[bisync]
    pub async fn set_type(&mut self, kind: TransferType) -> Result<(), S::Error, C> {
        if self.transfer_type == Some(kind) {
            return Ok(());
        }
        let arg = match kind {
            TransferType::Ascii => "A",
            TransferType::Binary => "I",
        };
        self.transfer_type = None;
        self.void_command("TYPE", Some(arg.as_bytes())).await?;
        self.transfer_type = Some(kind);
        Ok(())
    }

    /// A site-specific command (`SITE args`); returns the reply.
    #[bisync]
    pub async fn site<A: AsRef<[u8]> + ?Sized>(
        &mut self,
        args: &A,
    ) -> Result<Reply<'_>, S::Error, C> {
        self.command("SITE", Some(args.as_ref())).await?;
        Ok(self.reply())
    }

    /// Sends `verb [arg]`, gives every reply line to `on_line`, requires 2xx.
    #[bisync]
    async fn lines_command<F>(
        &mut self,
        verb: &str,
        arg: &[u8],
        mut on_line: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: FnMut(&[u8]),
    {
        self.send(Command::new(verb, some(arg))?).await?;
        let code = self.receive_with(|line| on_line(line.text)).await?;
        self.classify(code)?;
        if !code.is_completion() {
            return Err(self.unexpected());
        }
        Ok(self.reply())
    }

    /// Server status (STAT with an empty `path`) or a path's status; each
    /// reply line goes to `on_line`, however long the reply.
    #[bisync]
    pub async fn stat<P: AsRef<[u8]> + ?Sized, F>(
        &mut self,
        path: &P,
        on_line: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: FnMut(&[u8]),
    {
        self.lines_command("STAT", path.as_ref(), on_line).await
    }

    /// A directory listing over the control connection (`STAT path`): each
    /// line of the listing, as LIST gives it, to `on_line`, without a data
    /// connection (so without a second socket, or a second TLS session in
    /// RAM). An empty `path` is `.`, the current directory (a bare STAT is
    /// the server's status). `path` may start with options for servers
    /// that take them (`-l dir`, `-a dir`). Most servers list a
    /// directory's entries (vsftpd and ProFTPD with `.`, `..` and hidden
    /// files), a file's own line, and for a missing path nothing or an
    /// error. [`crate::list::parse_list_line`] parses the lines.
    #[bisync]
    pub async fn stat_list<P: AsRef<[u8]> + ?Sized, F>(
        &mut self,
        path: &P,
        mut on_line: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: FnMut(&[u8]),
    {
        let path = path.as_ref();
        let path = if path.is_empty() { &b"."[..] } else { path };
        self.send(Command::new("STAT", Some(path))?).await?;
        let mut code = [0u8; 3];
        let code = self
            .receive_with(|line| {
                if line.first
                    && let Some(c) = line.text.get(..3)
                {
                    code.copy_from_slice(c);
                }
                if let Some(text) = crate::list::stat_line(line.text, code, line.first, line.last) {
                    on_line(text);
                }
            })
            .await?;
        self.classify(code)?;
        if !code.is_completion() {
            return Err(self.unexpected());
        }
        Ok(self.reply())
    }

    /// Help from the server (HELP, on `topic` unless it is empty); each
    /// reply line goes to `on_line`.
    #[bisync]
    pub async fn help<P: AsRef<[u8]> + ?Sized, F>(
        &mut self,
        topic: &P,
        on_line: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: FnMut(&[u8]),
    {
        self.lines_command("HELP", topic.as_ref(), on_line).await
    }

    /// Facts about one path (MLST; the current directory when `path` is
    /// empty), fact names lower-cased.
    #[bisync]
    pub async fn mlst<P: AsRef<[u8]> + ?Sized>(
        &mut self,
        path: &P,
    ) -> Result<Entry<'_>, S::Error, C> {
        self.void_command("MLST", Some(path.as_ref())).await?;
        let text = self.reader.reply_text_mut().unwrap_or_default();
        let range = mlst_line_range(text).ok_or(Error::Protocol(ProtocolError::BadListing))?;
        Ok(Entry::parse_lowercase(&mut text[range])?)
    }

    /// Says goodbye (QUIT) and closes the session: later calls return
    /// [`Error::SessionClosed`]. The streams stay with the session until
    /// [`Ftp::close`] or drop.
    #[bisync]
    pub async fn quit(&mut self) -> Result<Reply<'_>, S::Error, C> {
        let result = self.void_command("QUIT", None).await;
        if self.state == State::Open {
            self.state = State::Closed;
        }
        result?;
        Ok(self.reply())
    }

    // ----- FTPS (RFC 2228, RFC 4217) ---------------------------------

    /// Asks for TLS on the control connection (AUTH TLS, reply 234). The
    /// caller then runs the TLS handshake on [`Ftp::control_mut`]. Bytes the
    /// server sent after the 234 are refused: they would be taken as
    /// protected when they were not.
    #[bisync]
    pub async fn auth(&mut self) -> Result<Reply<'_>, S::Error, C> {
        let code = self.void_command("AUTH", Some(b"TLS")).await?;
        if !replies::AUTH.accepts(code) {
            return Err(self.unexpected());
        }
        if !self.reader.pending().is_empty() {
            self.state = State::Broken;
            return Err(Error::Protocol(ProtocolError::DataBeforeTls));
        }
        Ok(self.reply())
    }

    /// Protects the data connections (PBSZ 0, PROT P). The caller makes its
    /// connector wrap data streams in TLS.
    #[bisync]
    pub async fn prot_p(&mut self) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("PBSZ", Some(b"0")).await?;
        self.void_command("PROT", Some(b"P")).await?;
        Ok(self.reply())
    }

    /// Leaves the data connections in clear text (PROT C).
    #[bisync]
    pub async fn prot_c(&mut self) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("PROT", Some(b"C")).await?;
        Ok(self.reply())
    }

    /// Returns the control connection to clear text (CCC). The caller then
    /// ends TLS on the control stream.
    #[bisync]
    pub async fn ccc(&mut self) -> Result<Reply<'_>, S::Error, C> {
        self.void_command("CCC", None).await?;
        Ok(self.reply())
    }

    // ----- data connections -------------------------------------------

    /// Asks the server for a passive data address: EPSV first; on IPv4,
    /// any reply but a usable 229 (a refusal, a 227, a 4xx, a 229 naming
    /// port 0 or one above 65535) switches to PASV for the rest of the
    /// session, as curl does. The address is the control
    /// peer's with the server's port unless the PASV host is trusted; a
    /// PASV answered with 229 is taken as the 229 it is.
    #[bisync]
    pub async fn makepasv(&mut self) -> Result<SocketAddr, S::Error, C> {
        Ok(self.passive_address().await?.0)
    }

    /// [`Ftp::makepasv`], and whether the address came from EPSV.
    #[bisync]
    async fn passive_address(&mut self) -> Result<(SocketAddr, bool), S::Error, C> {
        let v4 = self.peer.ip().to_canonical().is_ipv4();
        #[cfg(feature = "pipeline")]
        if let Some(known) = self.early_address().await? {
            return Ok(known);
        }
        if self.try_epsv {
            self.send(Command::new("EPSV", None)?).await?;
            let code = self.receive().await?;
            self.new_data_request();
            match code.get() {
                229 => match parse_229(self.reply().text()) {
                    Ok(port) => {
                        #[cfg(feature = "pipeline")]
                        {
                            self.early_proven = Some(true);
                        }
                        return Ok((SocketAddr::new(self.peer.ip(), port), true));
                    }
                    // A port of 0 or above 65535, or no port at all: an
                    // EPSV failure like any other.
                    Err(_) if v4 => {
                        info!("EPSV named no usable port, using PASV from now on");
                        self.try_epsv = false;
                    }
                    Err(e) => return Err(e.into()),
                },
                // The server is closing: no fall-back can help.
                421 => return Err(Error::Temporary(self.reply_error())),
                _ if v4 => {
                    info!("EPSV answered without 229, using PASV from now on");
                    self.try_epsv = false;
                }
                _ => {
                    self.classify(code)?;
                    return Err(self.unexpected());
                }
            }
        }
        if !v4 {
            return Err(Error::InvalidArgument(InvalidArgument::AddressFamily));
        }
        let code = self.void_command("PASV", None).await;
        self.new_data_request();
        let code = code?;
        let addr = match code.get() {
            227 => {
                #[cfg(feature = "pipeline")]
                {
                    self.early_proven = Some(false);
                }
                parse_227(self.reply().text())?
            }
            229 => {
                let port = parse_229(self.reply().text())?;
                return Ok((SocketAddr::new(self.peer.ip(), port), false));
            }
            _ => return Err(self.unexpected()),
        };
        if self.trust_server_pasv_ipv4_address {
            Ok((SocketAddr::V4(addr), false))
        } else {
            Ok((SocketAddr::new(self.peer.ip(), addr.port()), false))
        }
    }

    /// Opens a passive data connection. When the port of a 229 cannot be
    /// reached (refused, or no answer within the connector's timeout: a
    /// firewall that lets the control port through and drops the rest),
    /// an IPv4 session falls back to PASV for good and tries once more.
    #[bisync]
    async fn connect_passive(&mut self) -> Result<D::Stream, S::Error, C> {
        let (addr, epsv) = self.passive_address().await?;
        match self.data.connect(addr).await {
            Ok(stream) => Ok(stream),
            Err(e) if epsv && self.peer.ip().to_canonical().is_ipv4() => {
                info!("cannot reach the EPSV port, using PASV from now on");
                drop(e);
                self.try_epsv = false;
                let (addr, _) = self.passive_address().await?;
                self.data.connect(addr).await.map_err(Error::Io)
            }
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// Active mode: listens through the connector and announces the address
    /// with PORT (IPv4) or EPRT (IPv6).
    #[bisync]
    pub async fn makeport(&mut self) -> Result<D::Listener, S::Error, C> {
        let (listener, addr) = self.data.listen().await.map_err(Error::Io)?;
        let done = match addr {
            SocketAddr::V4(a) => {
                self.void_command("PORT", Some(port_argument(a).as_bytes()))
                    .await
            }
            SocketAddr::V6(_) => {
                self.void_command("EPRT", Some(eprt_argument(addr).as_bytes()))
                    .await
            }
        };
        self.new_data_request();
        done?;
        Ok(listener)
    }

    /// Sends REST (when asked) and the transfer command; returns the size a
    /// 150 reply announces. A 2xx before the 1xx is skipped (as ftplib).
    #[bisync]
    async fn start_transfer(
        &mut self,
        cmd: Command<'_>,
        rest: Option<u64>,
    ) -> Result<Option<u64>, S::Error, C> {
        if let Some(offset) = rest {
            let mut digits = [0u8; 20];
            let arg = crate::command::decimal(offset, &mut digits);
            let code = self.command("REST", Some(arg.as_bytes())).await?;
            if !replies::REST.accepts(code) {
                return Err(self.unexpected());
            }
        }
        self.send(cmd).await?;
        let mut code = self.getresp_code().await?;
        if code.is_completion() {
            code = self.getresp_code().await?;
        }
        if !code.is_preliminary() {
            return Err(self.unexpected());
        }
        Ok(if code.get() == 150 {
            parse_150(self.reply().text())
        } else {
            None
        })
    }

    #[bisync]
    async fn open_data(
        &mut self,
        cmd: Command<'_>,
        rest: Option<u64>,
    ) -> Result<(D::Stream, Option<u64>), S::Error, C> {
        if self.passive {
            let stream = self.connect_passive().await?;
            match self.start_transfer(cmd, rest).await {
                Ok(size) => Ok((stream, size)),
                Err(e) => {
                    let _ = self.data.close(stream).await;
                    Err(e)
                }
            }
        } else {
            let listener = self.makeport().await?;
            let size = self.start_transfer(cmd, rest).await?;
            // The control connection is watched meanwhile: a server that
            // cannot connect says so (425) at once, not when the wait
            // times out.
            let watched = io::accept_watching(
                &mut self.data,
                listener,
                &mut self.control,
                &mut self.reader,
            )
            .await;
            match watched {
                Watched::Accepted(Ok((stream, from))) => {
                    let server = self.peer.ip().to_canonical();
                    if !self.verify_data_peer || from.ip().to_canonical() == server {
                        return Ok((stream, size));
                    }
                    info!("data connection from {} refused: not the server", from);
                    let _ = self.data.close(stream).await;
                    // The server reports how its own transfer ended.
                    let _ = self.receive().await;
                    Err(Error::ForeignDataPeer { from, server })
                }
                Watched::Accepted(Err(e)) => {
                    let timed_out =
                        embedded_io::Error::kind(&e) == embedded_io::ErrorKind::TimedOut;
                    if !timed_out || self.reply_waiting() {
                        // The server reports its failed connection (425).
                        let _ = self.receive().await;
                    } else {
                        // Silent all along: its reply may still come at
                        // any time, and waiting for it would be a second
                        // whole timeout. Out of step, as a data stream
                        // that timed out.
                        warn!("no data connection and no reply: out of step");
                        self.state = State::Broken;
                    }
                    Err(Error::Io(e))
                }
                Watched::Reply => {
                    let code = self.receive().await?;
                    self.classify(code)?;
                    Err(self.unexpected())
                }
                Watched::ControlError(e) => {
                    self.state = State::Broken;
                    Err(Error::Io(e))
                }
            }
        }
    }

    /// Whether a reply has begun to arrive: bytes in the reader beyond the
    /// last reply, or ready on the control stream.
    fn reply_waiting(&mut self) -> bool {
        !self.reader.pending().is_empty() || self.control.read_ready().unwrap_or(false)
    }

    /// Starts a transfer and returns the data stream and the size the server
    /// announced (ftplib's `ntransfercmd`). The caller reads or writes the
    /// stream, closes it through [`Ftp::data_connector_mut`], then calls
    /// [`Ftp::voidresp`].
    #[bisync]
    pub async fn ntransfercmd<L: AsRef<[u8]> + ?Sized>(
        &mut self,
        cmd: &L,
        rest: Option<u64>,
    ) -> Result<(D::Stream, Option<u64>), S::Error, C> {
        let cmd = Command::line(cmd)?;
        self.open_data(cmd, rest).await
    }

    /// Like [`Ftp::ntransfercmd`] without the size (ftplib's `transfercmd`).
    #[bisync]
    pub async fn transfercmd<L: AsRef<[u8]> + ?Sized>(
        &mut self,
        cmd: &L,
        rest: Option<u64>,
    ) -> Result<D::Stream, S::Error, C> {
        Ok(self.ntransfercmd(cmd, rest).await?.0)
    }

    /// Aborts a transfer (ABOR) and returns ABOR's own reply (225 or 226).
    ///
    /// During a transfer (its 1xx read, its final reply not yet) two
    /// replies come, as RFC 959 says: the transfer's final one (426 when
    /// ABOR cut it, 226 when it had ended, or another failure) and then
    /// ABOR's; both are read, so the session stays in step. A lone 225 is
    /// ABOR's answer to a transfer that had not moved a byte (pyftpdlib),
    /// after which no other reply comes. Outside a transfer one reply is
    /// read (and the 226 after a 426).
    #[bisync]
    pub async fn abort(&mut self) -> Result<Reply<'_>, S::Error, C> {
        // ABOR is the one command that may go out while a transfer's final
        // reply is owed: this call reads both.
        let transfer = self.owed && self.in_transfer;
        self.owed = false;
        self.send(Command::new("ABOR", None)?).await?;
        let mut code = self.receive().await?;
        if transfer && code.get() != 225 {
            if self.debug_level >= 1 {
                debug!("*transfer ended* {}", self.reply());
            }
            code = self.receive().await?;
        } else if code.get() == 426 {
            code = self.receive().await?;
        }
        if replies::ABOR.accepts(code) {
            return Ok(self.reply());
        }
        self.classify(code)?;
        Err(self.unexpected())
    }

    /// Ends a download the caller has all it wants of (a range of a
    /// segmented download): the data connection is reset, not drained,
    /// and the server's final reply is read, whichever it is: 226 when it
    /// had already sent everything, 426 or 451 when the reset cut it short
    /// (both are how servers report a client that stopped reading).
    /// Another error reply is the error.
    #[bisync]
    pub async fn stop_transfer(&mut self, stream: D::Stream) -> Result<Reply<'_>, S::Error, C> {
        self.data.abort(stream);
        let code = self.receive().await?;
        if code.is_completion() || matches!(code.get(), 426 | 451) {
            return Ok(self.reply());
        }
        self.classify(code)?;
        Err(self.unexpected())
    }

    /// Gives up a transfer whose data connection timed out: the server is
    /// silent, and waiting for its final reply would cost another whole
    /// timeout (and then some, for a clean close). The data stream is
    /// aborted, the final reply is not awaited, and since it may still
    /// come at any time the session is out of step from now on: later
    /// calls return [`ProtocolError::OutOfSync`] instead of taking that
    /// reply for theirs. (For a stream from [`Ftp::ntransfercmd`].)
    pub fn abandon_transfer(&mut self, stream: D::Stream) {
        self.data.abort(stream);
        if self.state == State::Open {
            self.state = State::Broken;
        }
    }

    /// Ends a transfer: closes the data stream, reads the final reply, and
    /// tells what went wrong first ([`crate::transfer::complete`]: the data
    /// side's `outcome`, the close, the final reply, then fewer bytes than
    /// `expected`, the size the data should have had: a 150's size for a
    /// transfer from offset 0, `None` after REST). The final reply is read
    /// even after a failure, so the session stays in step; only a data
    /// connection that timed out is abandoned (see
    /// [`Ftp::abandon_transfer`]), so every wait ends at its deadline.
    /// Every transfer of the session ends here;
    /// so does one a caller drove itself on a stream from
    /// [`Ftp::ntransfercmd`] (ftp-std's kernel splice).
    #[bisync]
    pub async fn finish_transfer(
        &mut self,
        stream: D::Stream,
        outcome: Result<(), S::Error, C>,
        expected: Option<u64>,
        received: u64,
    ) -> Result<Reply<'_>, S::Error, C> {
        #[cfg(feature = "pipeline")]
        let early = core::mem::take(&mut self.early_wanted);
        let outcome = match outcome {
            Err(Error::Io(e))
                if embedded_io::Error::kind(&e) == embedded_io::ErrorKind::TimedOut =>
            {
                self.abandon_transfer(stream);
                return Err(Error::Io(e));
            }
            other => other,
        };
        let closed = self.data.close(stream).await;
        #[cfg(feature = "pipeline")]
        if early && outcome.is_ok() && closed.is_ok() {
            self.send_early().await?;
        }
        #[cfg(feature = "pipeline")]
        let reply = self.final_code().await;
        #[cfg(not(feature = "pipeline"))]
        let reply = self.voidresp_code().await;
        complete(outcome, closed, reply, expected, false, received)?;
        Ok(self.reply())
    }

    /// A transfer's final reply, which must be 2xx; an early passive
    /// command's reply that comes first (229 or 227) is kept for the next
    /// transfer.
    #[cfg(feature = "pipeline")]
    #[bisync]
    async fn final_code(&mut self) -> Result<Code, S::Error, C> {
        #[cfg(feature = "pipeline")]
        if let Early::Sent(epsv) = self.early {
            let code = self.receive().await?;
            if code.get() != if epsv { 229 } else { 227 } {
                let code = self.classify(code)?;
                return if code.is_completion() {
                    Ok(code)
                } else {
                    Err(self.unexpected())
                };
            }
            info!("the server answered the early passive command first: no more of them");
            self.early_off = true;
            self.early = Early::None;
            // The transfer's own final reply is still owed.
            self.owed = true;
            if let Some(addr) = self.passive_reply(code, epsv)? {
                self.early = Early::Known(addr, epsv);
            }
        }
        self.voidresp_code().await
    }

    // ----- the next transfer's passive command, sent early (feature
    // `pipeline`) ----------------------------------------------------------

    /// Asks for the next transfer's passive command to be sent at the end
    /// of this one, before its final reply is read: the server has it
    /// queued when the transfer ends, and its reply comes with the final
    /// one, a round trip less per file (and the final reply is not held
    /// back by the server's Nagle waiting for an ACK). For downloads only,
    /// once the data reached its end (the caller knows; an upload's data
    /// may still be in flight to a server that reads commands meanwhile),
    /// in passive mode, with the passive command that already worked this
    /// session. Replies stay in order: the early reply is read before any
    /// later command is sent, and a server that answers it before the
    /// transfer's final reply (229 or 227 where 226 was due) is recognised,
    /// taken in that order, and asked no early command again.
    #[cfg(feature = "pipeline")]
    pub fn request_early_passive(&mut self) {
        self.early_wanted = true;
    }

    /// Sends the early passive command, when the session can.
    #[cfg(feature = "pipeline")]
    #[bisync]
    async fn send_early(&mut self) -> Result<(), S::Error, C> {
        let Some(epsv) = self.early_proven else {
            return Ok(());
        };
        if self.early_off || !self.passive || self.early != Early::None || epsv != self.try_epsv {
            return Ok(());
        }
        let cmd = Command::new(if epsv { "EPSV" } else { "PASV" }, None)?;
        if self.debug_level >= 1 {
            debug!("*cmd* {} (early)", cmd);
        }
        // Marked first: a write cancelled half-way still owes its reply.
        self.early = Early::Sent(epsv);
        if let Err(e) = self.write_command(&cmd).await {
            self.state = State::Broken;
            return Err(Error::Io(e));
        }
        Ok(())
    }

    /// Before a command that is no transfer: the early passive command's
    /// reply, owed, is read, and the passive connection it announced is
    /// opened and closed at once. A server waiting for that connection
    /// before it answers anything else (some answer even QUIT only once
    /// it came or their wait ended, seconds later) is released at once,
    /// and one that reports an abandoned passive request (pyftpdlib's
    /// `421 Passive data channel timed out.`, 30 s later) has nothing to
    /// report; a late reply about it is still recognised
    /// ([`Ftp::late_passive_reply`]).
    #[cfg(feature = "pipeline")]
    #[bisync]
    async fn settle_early(&mut self) -> Result<(), S::Error, C> {
        let unused = match core::mem::replace(&mut self.early, Early::None) {
            Early::None => return Ok(()),
            Early::Known(addr, _) => Some(addr),
            Early::Sent(epsv) => {
                let code = self.receive().await?;
                self.closing(code)?;
                self.passive_reply(code, epsv).unwrap_or(None)
            }
        };
        if let Some(addr) = unused {
            if self.debug_level >= 1 {
                debug!("*early passive unused* closing {}", addr);
            }
            if self.data.release(addr).await.is_err() {
                info!("the unused passive address {} could not be reached", addr);
            }
            self.early_abandoned = true;
        }
        Ok(())
    }

    /// A new passive or active request was answered: the server has
    /// replaced the one abandoned, and a 425 from now on is about the new
    /// one.
    fn new_data_request(&mut self) {
        #[cfg(feature = "pipeline")]
        {
            self.early_abandoned = false;
        }
    }

    /// A reply about an abandoned early passive request, read where the
    /// next command's reply (or a stray one) was due: a 425 or 426, or a
    /// 421 about the passive or data channel (pyftpdlib's timeout), which
    /// does not close the session. Such a server gets no early command
    /// again.
    #[cfg(feature = "pipeline")]
    fn late_passive_reply(&mut self, code: Code) -> bool {
        if !self.early_abandoned {
            return false;
        }
        let late = match code.get() {
            425 | 426 => true,
            421 => {
                let text = self.reply().text();
                [&b"passive"[..], b"data channel", b"data connection"]
                    .iter()
                    .any(|w| text.windows(w.len()).any(|t| t.eq_ignore_ascii_case(w)))
            }
            _ => false,
        };
        if late {
            info!("a late reply to an abandoned passive request: no more early ones");
            if self.debug_level >= 1 {
                debug!(
                    "*stray* {} (late, for the unused passive address)",
                    self.reply()
                );
            }
            self.early_abandoned = false;
            self.early_off = true;
        }
        late
    }

    /// The next transfer's address when the early passive command got it:
    /// its reply read now, or already read.
    #[cfg(feature = "pipeline")]
    #[bisync]
    async fn early_address(&mut self) -> Result<Option<(SocketAddr, bool)>, S::Error, C> {
        match core::mem::replace(&mut self.early, Early::None) {
            Early::Known(addr, epsv) => Ok(Some((addr, epsv))),
            Early::Sent(epsv) => {
                let code = self.receive().await?;
                self.closing(code)?;
                // Refused (a 425 for want of ports), or no usable port:
                // the caller asks again.
                Ok(self.passive_reply(code, epsv)?.map(|addr| (addr, epsv)))
            }
            Early::None => Ok(None),
        }
    }

    /// A 421 (the server is closing) read where another reply was due
    /// ends the session: it is the error.
    #[cfg(feature = "pipeline")]
    fn closing(&mut self, code: Code) -> Result<(), S::Error, C> {
        if code.get() == 421 {
            self.state = State::Closed;
            return Err(Error::Temporary(self.reply_error()));
        }
        Ok(())
    }

    /// The address of a reply to EPSV (`epsv`) or PASV; `None` when it is
    /// not 229 or 227, or (on IPv4) a 229 without a usable port, which
    /// switches the session to PASV as in [`Ftp::makepasv`].
    #[cfg(feature = "pipeline")]
    fn passive_reply(&mut self, code: Code, epsv: bool) -> Result<Option<SocketAddr>, S::Error, C> {
        let text = self.reply().text();
        match (code.get(), epsv) {
            (229, _) => match parse_229(text) {
                Ok(port) => Ok(Some(SocketAddr::new(self.peer.ip(), port))),
                Err(_) if epsv && self.peer.ip().to_canonical().is_ipv4() => {
                    info!("EPSV named no usable port, using PASV from now on");
                    self.try_epsv = false;
                    Ok(None)
                }
                Err(e) => Err(e.into()),
            },
            (227, false) => {
                let addr = parse_227(text)?;
                Ok(Some(if self.trust_server_pasv_ipv4_address {
                    SocketAddr::V4(addr)
                } else {
                    SocketAddr::new(self.peer.ip(), addr.port())
                }))
            }
            _ => Ok(None),
        }
    }

    // ----- transfers -----------------------------------------------------

    #[bisync]
    async fn transfer_in<F>(
        &mut self,
        cmd: Command<'_>,
        buf: &mut [u8],
        rest: Option<u64>,
        mut on_block: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: AsyncFnMut(&[u8]) -> core::result::Result<(), C>,
    {
        if buf.is_empty() {
            return Err(Error::BufferTooSmall);
        }
        self.set_type(TransferType::Binary).await?;
        let (mut stream, size) = self.open_data(cmd, rest).await?;
        let mut received = 0u64;
        let outcome = loop {
            match stream.read(buf).await {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    received += n as u64;
                    if let Err(e) = on_block(&buf[..n]).await {
                        break Err(Error::Callback(e));
                    }
                }
                Err(e) => break Err(Error::Io(e)),
            }
        };
        // The announced size is the whole file's: not checked after REST.
        let expected = size.filter(|_| rest.is_none());
        self.finish_transfer(stream, outcome, expected, received)
            .await
    }

    /// Retrieves in binary mode (ftplib's `retrbinary`): `cmd` is
    /// `"RETR name"`; each block read into `buf` (so at most `buf.len()`
    /// bytes, ftplib's blocksize) goes to `callback`. With `rest`, the
    /// server starts at that offset (REST). Complete only when the data
    /// reached EOF and the final reply is 2xx; fewer bytes than a 150 reply
    /// announced is [`Error::TransferIncomplete`].
    #[bisync]
    pub async fn retrbinary<L: AsRef<[u8]> + ?Sized, F>(
        &mut self,
        cmd: &L,
        buf: &mut [u8],
        rest: Option<u64>,
        callback: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: AsyncFnMut(&[u8]) -> core::result::Result<(), C>,
    {
        let cmd = Command::line(cmd)?;
        self.transfer_in(cmd, buf, rest, callback).await
    }

    /// Reads lines (in ASCII mode; a `listing` in the binary mode already
    /// set); `on_line` gets each line without CRLF, in
    /// `buf` (mutable, so parsers can work in place). A line longer than
    /// `buf` ends the transfer with [`Error::BufferTooSmall`].
    #[bisync]
    async fn lines_in<F>(
        &mut self,
        cmd: Command<'_>,
        listing: bool,
        buf: &mut [u8],
        mut on_line: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: AsyncFnMut(&mut [u8]) -> core::result::Result<(), Error<S::Error, C>>,
    {
        if buf.is_empty() {
            return Err(Error::BufferTooSmall);
        }
        // A listing keeps a binary type already set: its lines split at
        // CRLF or LF alike, and a session alternating listings and
        // downloads sends no TYPE A / TYPE I pair for each (FileZilla lists
        // in TYPE I too). Other text (`retrlines("RETR notes.txt")`) is
        // ASCII.
        let kind = match self.transfer_type {
            Some(TransferType::Binary) if listing => TransferType::Binary,
            _ => TransferType::Ascii,
        };
        self.set_type(kind).await?;
        let (mut stream, _) = match self.open_data(cmd, None).await {
            Ok(opened) => opened,
            // "450 No files found": an empty listing, not an error.
            Err(Error::Temporary(r) | Error::Permanent(r))
                if listing && replies::no_files(r.code(), r.text()) =>
            {
                return Ok(self.reply());
            }
            Err(e) => return Err(e),
        };
        let outcome = read_lines(&mut stream, buf, &mut on_line).await;
        self.finish_transfer(stream, outcome, None, 0).await?;
        // A 226 that says the directory could not be read (vsftpd) is no
        // empty directory.
        if listing && replies::listing_failed(self.reply().text()) {
            return Err(self.unexpected());
        }
        Ok(self.reply())
    }

    // retrlines, nlst and dir repeat the same three lines on purpose: one
    // async helper for them costs the async twin 190 bytes of flash and 32
    // bytes in each LIST future (measured with bench/size.sh).

    /// Retrieves lines in ASCII mode (ftplib's `retrlines`): `cmd` is
    /// `"RETR name"`, `"LIST"`, `"NLST"` or `"MLSD"`; `callback` gets each
    /// line without its CRLF. `buf` holds one line at a time.
    #[bisync]
    pub async fn retrlines<L: AsRef<[u8]> + ?Sized, F>(
        &mut self,
        cmd: &L,
        buf: &mut [u8],
        mut callback: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: AsyncFnMut(&[u8]) -> core::result::Result<(), C>,
    {
        let cmd = Command::line(cmd)?;
        self.lines_in(cmd, false, buf, async |line: &mut [u8]| {
            callback(line).await.map_err(Error::Callback)
        })
        .await
    }

    /// The names in a remote directory (NLST; the current one when `dir` is
    /// empty), one per callback, each the server's bytes. A server that
    /// answers `450 No files found` (an empty directory, a pattern that
    /// matches nothing) gives an empty listing
    /// ([`crate::replies::no_files`]); a missing directory is an error.
    #[bisync]
    pub async fn nlst<P: AsRef<[u8]> + ?Sized, F>(
        &mut self,
        dir: &P,
        buf: &mut [u8],
        mut callback: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: AsyncFnMut(&[u8]) -> core::result::Result<(), C>,
    {
        let cmd = Command::new("NLST", some(dir.as_ref()))?;
        self.lines_in(cmd, true, buf, async |line: &mut [u8]| {
            callback(line).await.map_err(Error::Callback)
        })
        .await
    }

    /// A directory listing (LIST; the current directory when `dir` is
    /// empty), one line per callback (ftplib's `dir`); `450 No files
    /// found` is an empty listing, as for [`Ftp::nlst`].
    /// [`crate::list::parse_list_line`] parses the lines.
    #[bisync]
    pub async fn dir<P: AsRef<[u8]> + ?Sized, F>(
        &mut self,
        dir: &P,
        buf: &mut [u8],
        mut callback: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: AsyncFnMut(&[u8]) -> core::result::Result<(), C>,
    {
        let cmd = Command::new("LIST", some(dir.as_ref()))?;
        self.lines_in(cmd, true, buf, async |line: &mut [u8]| {
            callback(line).await.map_err(Error::Callback)
        })
        .await
    }

    /// A machine-readable listing (MLSD, of the current directory when
    /// `path` is empty): each entry, fact names
    /// lower-cased, goes to `callback`. With `facts` (`&["type", "size"]`,
    /// ftplib's `facts`), `OPTS MLST type;size;` asks for those first. Lines that
    /// are not entries are skipped and reported at the end as
    /// [`ProtocolError::BadListing`], after every good entry was delivered.
    #[bisync]
    pub async fn mlsd<P: AsRef<[u8]> + ?Sized, F>(
        &mut self,
        path: &P,
        facts: &[&str],
        buf: &mut [u8],
        mut callback: F,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        F: AsyncFnMut(Entry<'_>) -> core::result::Result<(), C>,
    {
        let cmd = Command::new("MLSD", some(path.as_ref()))?;
        if !facts.is_empty() {
            let mut arg = heapless::String::<128>::new();
            for fact in facts.iter().filter(|f| !f.is_empty()) {
                write!(arg, "{fact};").map_err(|_| Error::BufferTooSmall)?;
            }
            self.void_command("OPTS MLST", Some(arg.as_bytes())).await?;
        }
        let mut malformed = false;
        self.lines_in(
            cmd,
            true,
            buf,
            async |line: &mut [u8]| match Entry::parse_lowercase(line) {
                Ok(entry) => callback(entry).await.map_err(Error::Callback),
                Err(_) => {
                    warn!("skipped malformed MLSD line");
                    malformed = true;
                    Ok(())
                }
            },
        )
        .await?;
        if malformed {
            return Err(Error::Protocol(ProtocolError::BadListing));
        }
        Ok(self.reply())
    }

    #[bisync]
    async fn transfer_out<R, P>(
        &mut self,
        cmd: Command<'_>,
        buf: &mut [u8],
        rest: Option<u64>,
        mut read: R,
        mut callback: P,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        R: AsyncFnMut(&mut [u8]) -> core::result::Result<usize, C>,
        P: FnMut(&[u8]),
    {
        if buf.is_empty() {
            return Err(Error::BufferTooSmall);
        }
        self.set_type(TransferType::Binary).await?;
        let (mut stream, _) = self.open_data(cmd, rest).await?;
        let outcome = send_blocks(&mut stream, buf, &mut read, &mut callback).await;
        self.finish_transfer(stream, outcome, None, 0).await
    }

    /// Stores in binary mode (ftplib's `storbinary`): `cmd` is
    /// `"STOR name"`; `read` fills `buf` (returning 0 at the end), each
    /// block is sent and then given to `callback`. With `rest`, the server
    /// writes from that offset (REST).
    #[bisync]
    pub async fn storbinary<L: AsRef<[u8]> + ?Sized, R, P>(
        &mut self,
        cmd: &L,
        buf: &mut [u8],
        rest: Option<u64>,
        read: R,
        callback: P,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        R: AsyncFnMut(&mut [u8]) -> core::result::Result<usize, C>,
        P: FnMut(&[u8]),
    {
        let cmd = Command::line(cmd)?;
        self.transfer_out(cmd, buf, rest, read, callback).await
    }

    /// Appends to a remote file (APPE) in binary mode.
    #[bisync]
    pub async fn appe<P: AsRef<[u8]> + ?Sized, R>(
        &mut self,
        path: &P,
        buf: &mut [u8],
        read: R,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        R: AsyncFnMut(&mut [u8]) -> core::result::Result<usize, C>,
    {
        let cmd = Command::new("APPE", Some(path.as_ref()))?;
        self.transfer_out(cmd, buf, None, read, |_| {}).await
    }

    /// Stores text in ASCII mode (ftplib's `storlines`): line ends become
    /// CRLF (LF alone is turned into CRLF, CRLF is kept, a last line without
    /// a line end gets one). `buf` must hold at least 3 bytes: a third is
    /// read into, the rest holds the converted text.
    #[bisync]
    pub async fn storlines<L: AsRef<[u8]> + ?Sized, R, P>(
        &mut self,
        cmd: &L,
        buf: &mut [u8],
        mut read: R,
        mut callback: P,
    ) -> Result<Reply<'_>, S::Error, C>
    where
        R: AsyncFnMut(&mut [u8]) -> core::result::Result<usize, C>,
        P: FnMut(&[u8]),
    {
        let cmd = Command::line(cmd)?;
        let third = buf.len() / 3;
        if third == 0 {
            return Err(Error::BufferTooSmall);
        }
        self.set_type(TransferType::Ascii).await?;
        let (mut stream, _) = self.open_data(cmd, None).await?;
        let (out, input) = buf.split_at_mut(2 * third);
        let outcome = send_lines(
            &mut stream,
            &mut input[..third],
            out,
            &mut read,
            &mut callback,
        )
        .await;
        self.finish_transfer(stream, outcome, None, 0).await
    }
}

/// An argument, `None` when empty.
fn some(arg: &[u8]) -> Option<&[u8]> {
    (!arg.is_empty()).then_some(arg)
}

/// Reads an ASCII data stream to its end, giving each line (without its
/// line end) to `on_line`. A line longer than `buf` is
/// [`Error::BufferTooSmall`].
#[bisync]
async fn read_lines<R, F, C>(
    stream: &mut R,
    buf: &mut [u8],
    on_line: &mut F,
) -> core::result::Result<(), Error<R::Error, C>>
where
    R: Read,
    F: AsyncFnMut(&mut [u8]) -> core::result::Result<(), Error<R::Error, C>>,
{
    let mut lines = LineSplitter::new();
    loop {
        let space = lines.space(buf).ok_or(Error::BufferTooSmall)?;
        let n = stream.read(space).await.map_err(Error::Io)?;
        if n == 0 {
            if let Some(r) = lines.last_line(buf) {
                on_line(&mut buf[r]).await?;
            }
            return Ok(());
        }
        lines.filled(n);
        while let Some(r) = lines.next_line(buf) {
            on_line(&mut buf[r]).await?;
        }
    }
}

/// Sends what `read` gives, block by block, until it gives 0; each block
/// sent goes to `callback`.
#[bisync]
async fn send_blocks<W, R, P, C>(
    stream: &mut W,
    buf: &mut [u8],
    read: &mut R,
    callback: &mut P,
) -> core::result::Result<(), Error<W::Error, C>>
where
    W: Write,
    R: AsyncFnMut(&mut [u8]) -> core::result::Result<usize, C>,
    P: FnMut(&[u8]),
{
    loop {
        let n = read(buf).await.map_err(Error::Callback)?;
        if n == 0 {
            return stream.flush().await.map_err(Error::Io);
        }
        let block = buf.get(..n).ok_or(Error::BufferTooSmall)?;
        stream.write_all(block).await.map_err(Error::Io)?;
        callback(block);
    }
}

/// Sends text with its line ends made CRLF ([`CrLf`]): `input` is read
/// into, `out` (twice as long) holds the converted text.
#[bisync]
async fn send_lines<W, R, P, C>(
    stream: &mut W,
    input: &mut [u8],
    out: &mut [u8],
    read: &mut R,
    callback: &mut P,
) -> core::result::Result<(), Error<W::Error, C>>
where
    W: Write,
    R: AsyncFnMut(&mut [u8]) -> core::result::Result<usize, C>,
    P: FnMut(&[u8]),
{
    let mut crlf = CrLf::new();
    loop {
        let n = read(input).await.map_err(Error::Callback)?;
        if n == 0 {
            stream.write_all(crlf.tail()).await.map_err(Error::Io)?;
            return stream.flush().await.map_err(Error::Io);
        }
        let len = crlf.encode(input.get(..n).ok_or(Error::BufferTooSmall)?, out);
        stream.write_all(&out[..len]).await.map_err(Error::Io)?;
        callback(&out[..len]);
    }
}
