//! The state behind a script's functions: the FTP session, how new
//! sessions connect and log in, the transfer mode, and the local side.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Cursor, IsTerminal, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use ftp_std::{Error, Options, Progress, Reply, Security, Url};
use indicatif::{ProgressBar, ProgressStyle};
use rhai::{Array, Dynamic, INT, Map};

use crate::errors::{Rr, ftp_error, local_io, usage};
use crate::sandbox::{Sandbox, local_name_for};
use crate::side::{self, Ftp, Local, bisync};

/// What a script gets from an ftp-std result: replies become their text.
pub trait ToScript {
    /// The value the script sees.
    type Value;
    /// Converts.
    fn to_script(self) -> Self::Value;
}

impl ToScript for Reply {
    type Value = String;
    fn to_script(self) -> String {
        self.into_text()
    }
}

macro_rules! as_is {
    ($($t:ty),*) => {
        $(impl ToScript for $t {
            type Value = $t;
            fn to_script(self) -> $t {
                self
            }
        })*
    };
}
as_is!(
    String,
    Vec<String>,
    Vec<ftp_std::OwnedEntry>,
    Vec<ftp_std::Listed>,
    ()
);

/// Where `login()` without arguments takes its credentials from.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// From `--url`.
    pub url: Option<(String, String, String)>,
    /// `FTP_USER` / `FTP_PASSWORD`.
    pub env: Option<(String, String)>,
    /// Read `~/.netrc` (`--netrc`).
    pub netrc: bool,
}

/// The runner's state, shared by every function of a script.
pub struct Runner {
    ftp: Option<Ftp>,
    host: String,
    /// How the current session was made: for the mirror's extra sessions.
    made_with: Option<(u16, Options)>,
    /// The credentials of the last login.
    logged_in_as: Option<(String, String, String)>,
    /// A TLS session: PBSZ 0 + PROT P after login.
    secure: bool,
    logged_in: Option<String>,
    options: Options,
    /// `--tls`: every session is explicit FTPS.
    require_tls: bool,
    credentials: Credentials,
    ascii: bool,
    debuglevel: u8,
    /// The local side, shared by every session of the script.
    sandbox: Rc<RefCell<Sandbox>>,
    progress: bool,
    proxy: ProxyChoice,
    /// The sessions a script made with `FTP(...)`/`FTP_TLS(...)` (held by
    /// the first one): each is ended with QUIT when the script ends.
    others: Vec<Rc<RefCell<Runner>>>,
    /// `--retry N`: retries that resume, for single transfers.
    retries: u32,
}

/// How sessions choose a proxy: `--proxy`, else the environment curl
/// reads (`ftp_proxy`, `ALL_PROXY`, `NO_PROXY`); `--noproxy` names the
/// hosts reached directly (and overrides `NO_PROXY`).
#[derive(Clone, Debug, Default)]
pub struct ProxyChoice {
    /// `--proxy URL`.
    pub given: Option<ftp_std::Proxy>,
    /// `--noproxy HOSTS`.
    pub noproxy: Option<String>,
}

impl ProxyChoice {
    /// The proxy for a session to `host`, if any.
    fn for_host(&self, host: &str) -> Rr<Option<ftp_std::Proxy>> {
        let noproxy = self.noproxy.as_deref();
        match &self.given {
            Some(_) if noproxy.is_some_and(|l| ftp_std::bypasses(l, host)) => Ok(None),
            Some(p) => Ok(Some(p.clone())),
            None => ftp_std::Proxy::from_env_except(host, noproxy).map_err(ftp_error),
        }
    }
}

#[cfg(not(target_os = "wasi"))]
impl Runner {
    /// The names in the current remote directory of the session in use
    /// (the first one, else the newest object's), for the interactive
    /// session's completion.
    pub fn remote_names(&mut self) -> Rr<Vec<String>> {
        if let Some(ftp) = &mut self.ftp {
            return ftp.nlst(None).map_err(ftp_error);
        }
        for session in self.others.iter().rev() {
            if let Ok(mut r) = session.try_borrow_mut()
                && let Some(ftp) = &mut r.ftp
            {
                return ftp.nlst(None).map_err(ftp_error);
            }
        }
        Ok(Vec::new())
    }
}

/// How the mirror's and the segmented download's other sessions are made:
/// like the runner's own (server, options, login, PROT P).
struct Maker {
    host: String,
    port: u16,
    options: Options,
    login: (String, String, String),
    secure: bool,
    level: u8,
}

#[bisync]
impl Maker {
    /// A new session, logged in.
    async fn open(&self) -> Result<Ftp, Error> {
        let mut ftp = Ftp::connect(&self.host, self.port, &self.options).await?;
        ftp.set_debuglevel(self.level);
        let (user, pass, acct) = &self.login;
        ftp.login(user, pass, acct).await?;
        if self.secure {
            ftp.prot_p().await?;
        }
        Ok(ftp)
    }
}

fn bad_int(what: &str, v: INT) -> Box<rhai::EvalAltResult> {
    usage(format!("{what} {v} is out of range"))
}

#[bisync]
impl Runner {
    /// A runner without a session yet.
    pub fn new(
        options: Options,
        require_tls: bool,
        credentials: Credentials,
        debuglevel: u8,
        sandbox: Sandbox,
        proxy: ProxyChoice,
    ) -> Runner {
        let sandbox = Rc::new(RefCell::new(sandbox));
        // Progress bars need a terminal; WASI has none to draw on.
        let progress = cfg!(not(target_os = "wasi")) && std::io::stderr().is_terminal();
        let settings = (options, require_tls, credentials, debuglevel);
        Runner::blank(settings, sandbox, progress, proxy)
    }

    /// A runner of these settings without a session.
    fn blank(
        (options, require_tls, credentials, debuglevel): (Options, bool, Credentials, u8),
        sandbox: Rc<RefCell<Sandbox>>,
        progress: bool,
        proxy: ProxyChoice,
    ) -> Runner {
        Runner {
            ftp: None,
            host: String::new(),
            made_with: None,
            logged_in_as: None,
            secure: false,
            logged_in: None,
            options,
            require_tls,
            credentials,
            ascii: false,
            debuglevel,
            sandbox,
            progress,
            proxy,
            others: Vec::new(),
            retries: 0,
        }
    }

    /// Sets `--retry`: single transfers that fail for a passing reason are
    /// tried again this many times, resuming.
    pub fn set_retries(&mut self, retries: u32) {
        self.retries = retries;
    }

    /// A new session of the script (`FTP(...)`): this one's settings and
    /// local side, no connection yet; ended with this one's at the end.
    pub fn new_session(&mut self) -> Rc<RefCell<Runner>> {
        let settings = (
            self.options.clone(),
            self.require_tls,
            self.credentials.clone(),
            self.debuglevel,
        );
        let mut session = Runner::blank(
            settings,
            self.sandbox.clone(),
            self.progress,
            self.proxy.clone(),
        );
        session.retries = self.retries;
        let session = Rc::new(RefCell::new(session));
        self.others.push(session.clone());
        session
    }

    /// For a session of `FTP_TLS(...)`: explicit FTPS whatever the command
    /// line says; `timeout`: its connect, reply and data timeouts.
    pub fn configure(&mut self, tls: bool, timeout: Option<Duration>) {
        self.require_tls |= tls;
        // A session to another server does not take --url's login.
        self.credentials.url = None;
        if let Some(t) = timeout {
            self.options.connect_timeout = Some(t);
            self.options.reply_timeout = Some(t);
            self.options.data_timeout = Some(t);
        }
    }

    /// The sessions `FTP(...)` made, to be ended with this one.
    pub fn others(&mut self) -> Vec<Rc<RefCell<Runner>>> {
        std::mem::take(&mut self.others)
    }

    /// The local side (a script's `open()` goes through it too).
    pub fn sandbox(&self) -> Rc<RefCell<Sandbox>> {
        self.sandbox.clone()
    }

    fn ftp(&mut self) -> Rr<&mut Ftp> {
        self.ftp
            .as_mut()
            .ok_or_else(|| usage("no FTP session: call connect(host) first"))
    }

    // ----- sessions ---------------------------------------------------------

    /// Connects (closing a session that is open) and returns the welcome.
    pub async fn connect(&mut self, host: &str, port: INT, tls: bool) -> Rr<String> {
        let port = u16::try_from(port).map_err(|_| bad_int("port", port))?;
        self.end_session().await;
        self.logged_in = None;
        let mut options = self.options.clone();
        if tls || self.require_tls {
            options.security = Security::Explicit;
        }
        options.proxy = self.proxy.for_host(host)?;
        let mut ftp = Ftp::connect(host, port, &options)
            .await
            .map_err(ftp_error)?;
        ftp.set_debuglevel(self.debuglevel);
        let welcome = ftp.getwelcome();
        self.secure = options.security != Security::None;
        self.host = host.to_string();
        self.made_with = Some((port, options));
        self.ftp = Some(ftp);
        Ok(welcome)
    }

    /// Connects to `--url`, logs in and goes to the URL's path.
    pub async fn open_url(&mut self, url: &Url) -> Rr<()> {
        let mut options = self.options.clone();
        if self.require_tls {
            options.security = Security::Explicit;
        }
        if url.scheme == ftp_std::Scheme::Ftps {
            options.security = Security::Implicit;
        }
        options.proxy = self.proxy.for_host(&url.host)?;
        let mut ftp = Ftp::connect_url(url, &options).await.map_err(ftp_error)?;
        ftp.set_debuglevel(self.debuglevel);
        self.secure = ftp.control_is_tls() || options.security != Security::None;
        self.host = url.host.clone();
        self.made_with = Some((url.port, options));
        self.ftp = Some(ftp);
        let (user, pass, acct) = self.default_credentials()?;
        self.login_as(&user, &pass, &acct).await?;
        if !url.path.is_empty() {
            self.ftp()?.cwd(&url.path).await.map_err(ftp_error)?;
        }
        Ok(())
    }

    fn default_credentials(&self) -> Rr<(String, String, String)> {
        if let Some(c) = &self.credentials.url {
            return Ok(c.clone());
        }
        if let Some((user, pass)) = &self.credentials.env {
            return Ok((user.clone(), pass.clone(), String::new()));
        }
        if self.credentials.netrc {
            let netrc = ftp_std::Netrc::load_default().map_err(|e| local_io("netrc", e))?;
            if let Some(e) = netrc.as_ref().and_then(|n| n.find(&self.host, None)) {
                return Ok((
                    e.login.clone().unwrap_or_default(),
                    e.password.clone().unwrap_or_default(),
                    e.account.clone().unwrap_or_default(),
                ));
            }
        }
        Ok((String::new(), String::new(), String::new()))
    }

    /// `login()`: with the configured credentials (`--url`, `FTP_USER`,
    /// `--netrc`, else anonymous); a no-op returning the earlier reply when
    /// the runner already logged in (`--url`).
    pub async fn login_default(&mut self) -> Rr<String> {
        if let Some(reply) = &self.logged_in {
            return Ok(reply.clone());
        }
        let (user, pass, acct) = self.default_credentials()?;
        self.login_as(&user, &pass, &acct).await
    }

    /// `login(user, pass[, acct])`.
    pub async fn login_as(&mut self, user: &str, pass: &str, acct: &str) -> Rr<String> {
        let secure = self.secure;
        let ftp = self.ftp()?;
        let reply = ftp
            .login(user, pass, acct)
            .await
            .map_err(ftp_error)?
            .into_text();
        if secure {
            ftp.prot_p().await.map_err(ftp_error)?;
        }
        self.logged_in = Some(reply.clone());
        self.logged_in_as = Some((user.to_string(), pass.to_string(), acct.to_string()));
        Ok(reply)
    }

    /// `welcome()`.
    pub fn welcome(&mut self) -> Rr<String> {
        Ok(self.ftp()?.getwelcome())
    }

    /// `quit()`: says goodbye; the session is gone afterwards.
    pub async fn quit(&mut self) -> Rr<String> {
        let result = self.ftp()?.quit().await;
        self.ftp = None;
        self.logged_in = None;
        result.map(Reply::into_text).map_err(ftp_error)
    }

    /// `close()`: closes without a word.
    pub fn close(&mut self) {
        self.ftp = None;
        self.logged_in = None;
    }

    /// Ends the session the runner holds with QUIT, as curl and lftp do
    /// (a server logs a session that just drops as aborted): when the
    /// script ends, fails, or connects elsewhere. Nothing is sent when the
    /// control connection is already gone or out of step.
    pub async fn end_session(&mut self) {
        if let Some(mut ftp) = self.ftp.take()
            && ftp.is_open()
            && let Err(e) = ftp.quit().await
        {
            log::debug!("QUIT at the end: {e}");
        }
        self.logged_in = None;
    }

    /// Runs `f` on the session, FTP errors becoming script errors.
    pub async fn with<T: ToScript>(
        &mut self,
        f: impl AsyncFnOnce(&mut Ftp) -> Result<T, Error>,
    ) -> Rr<T::Value> {
        f(self.ftp()?)
            .await
            .map(ToScript::to_script)
            .map_err(ftp_error)
    }

    // ----- settings -----------------------------------------------------------

    /// `binary()` / `ascii()`: the mode of retr and stor.
    pub async fn set_ascii(&mut self, ascii: bool) -> Rr<String> {
        let ftp = self.ftp()?;
        let reply = ftp
            .voidcmd(if ascii { "TYPE A" } else { "TYPE I" })
            .await
            .map_err(ftp_error)?
            .into_text();
        self.ascii = ascii;
        Ok(reply)
    }

    /// `set_encoding(name)`: the encoding of names on the server from now
    /// on (this session, later ones and the mirror's).
    pub fn set_encoding(&mut self, name: &str) -> Rr<()> {
        let encoding: ftp_std::Encoding = name.parse().map_err(|e| usage(format!("{e}")))?;
        self.options.encoding = encoding;
        if let Some((_, options)) = &mut self.made_with {
            options.encoding = encoding;
        }
        if let Some(ftp) = &mut self.ftp {
            ftp.set_encoding(encoding);
        }
        Ok(())
    }

    /// `encoding()`: the encoding of names, as its name (`utf-8`).
    pub fn encoding(&self) -> String {
        self.ftp
            .as_ref()
            .map_or(self.options.encoding, Ftp::encoding)
            .to_string()
    }

    /// `set_debuglevel(level)`.
    pub fn set_debuglevel(&mut self, level: INT) -> Rr<()> {
        let level = u8::try_from(level.clamp(0, 2)).unwrap_or(0);
        self.debuglevel = level;
        crate::logger::set_level(level);
        if let Some(ftp) = &mut self.ftp {
            ftp.set_debuglevel(level);
        }
        Ok(())
    }

    // ----- queries ------------------------------------------------------------

    /// `size(path)`: int, or () when the server has no SIZE (500, 502) or
    /// answers another 2xx than 213 (ftplib's None). Other refusals are
    /// errors, and so is a 213 without a number.
    pub async fn size(&mut self, path: &str) -> Rr<Dynamic> {
        match self.ftp()?.size(path).await {
            Ok(Some(s)) => Ok(Dynamic::from(INT::try_from(s).unwrap_or(INT::MAX))),
            Ok(None) => Ok(Dynamic::UNIT),
            Err(Error::Permanent(r)) if matches!(r.code().get(), 500 | 502) => Ok(Dynamic::UNIT),
            Err(e) => Err(ftp_error(e)),
        }
    }

    /// `mdtm(path)`: `YYYYMMDDHHMMSS`, or () when the server has no MDTM
    /// (500, 502).
    pub async fn mdtm(&mut self, path: &str) -> Rr<Dynamic> {
        match self.ftp()?.mdtm(path).await {
            // Whole seconds: the fraction some servers add is dropped.
            Ok(t) => Ok(t.to_string().chars().take(14).collect::<String>().into()),
            Err(Error::Permanent(r)) if matches!(r.code().get(), 500 | 502) => Ok(Dynamic::UNIT),
            Err(e) => Err(ftp_error(e)),
        }
    }

    /// `exists(path)`: a file (SIZE), a directory (CWD there and back) or
    /// anything NLST names. A refusal means no (ftp-srv refuses a listing
    /// of a missing path with 451); a broken connection is still an error.
    pub async fn exists(&mut self, path: &str) -> Rr<bool> {
        fn refused(e: &Error) -> bool {
            match e {
                Error::Permanent(_) | Error::Unexpected(_) => true,
                Error::Temporary(r) => matches!(r.code().get(), 450 | 451),
                _ => false,
            }
        }
        let ftp = self.ftp()?;
        match ftp.size(path).await {
            Ok(Some(_)) => return Ok(true),
            Ok(None) => {}
            Err(e) if refused(&e) => {}
            Err(e) => return Err(ftp_error(e)),
        }
        let here = ftp.pwd().await.map_err(ftp_error)?;
        match ftp.cwd(path).await {
            Ok(_) => {
                ftp.cwd(&here).await.map_err(ftp_error)?;
                return Ok(true);
            }
            Err(e) if refused(&e) => {}
            Err(e) => return Err(ftp_error(e)),
        }
        match ftp.nlst(Some(path)).await {
            Ok(names) => Ok(!names.is_empty()),
            Err(e) if refused(&e) => Ok(false),
            Err(e) => Err(ftp_error(e)),
        }
    }

    /// `mlsd(path[, facts])`: maps of facts, `cdir`/`pdir` left out; with
    /// `facts`, the server is asked for those (OPTS MLST), as ftplib does.
    pub async fn mlsd(&mut self, path: Option<&str>, facts: &[String]) -> Rr<Array> {
        let facts: Vec<&str> = facts.iter().map(String::as_str).collect();
        let entries = self.with(async |f| f.mlsd(path, &facts).await).await?;
        let mut out = Array::new();
        for e in entries {
            let kind = e.fact("type").unwrap_or_default().to_ascii_lowercase();
            if kind == "cdir" || kind == "pdir" {
                continue;
            }
            let mut map = Map::new();
            map.insert("name".into(), e.name.clone().into());
            for (k, v) in &e.facts {
                let value: Dynamic = match k.as_str() {
                    "size" | "sizd" => v
                        .parse::<INT>()
                        .map(Dynamic::from)
                        .unwrap_or_else(|_| v.clone().into()),
                    "type" => v.to_ascii_lowercase().into(),
                    _ => v.clone().into(),
                };
                map.insert(k.as_str().into(), value);
            }
            out.push(map.into());
        }
        Ok(out)
    }

    /// A LIST (or STAT) listing parsed into maps: `name`, `type` ("file",
    /// "dir", "link", "other"), `size` and `time` (`YYYY-MM-DD HH:MM`,
    /// the server's zone) or `()`, `owner`, `target` (a link's), `line`.
    pub async fn list(&mut self, path: Option<&str>, how: ftp_std::Listing) -> Rr<Array> {
        use ftp_std::ftp_core::list::ListKind;
        let entries = self.with(async |f| f.list(path, how).await).await?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let or_unit = |v: Option<Dynamic>| v.unwrap_or(Dynamic::UNIT);
        Ok(entries
            .into_iter()
            .map(|e| {
                let mut map = Map::new();
                let kind = match e.kind {
                    ListKind::File => "file",
                    ListKind::Dir => "dir",
                    ListKind::Link => "link",
                    ListKind::Other => "other",
                };
                map.insert("type".into(), kind.into());
                let size = e
                    .size
                    .and_then(|s| INT::try_from(s).ok())
                    .map(Dynamic::from);
                map.insert("size".into(), or_unit(size));
                map.insert("time".into(), or_unit(e.time_text(now).map(Dynamic::from)));
                map.insert("owner".into(), or_unit(e.owner.clone().map(Dynamic::from)));
                map.insert(
                    "target".into(),
                    or_unit(e.link_target.clone().map(Dynamic::from)),
                );
                map.insert("name".into(), e.name.into());
                map.insert("line".into(), e.line.into());
                map.into()
            })
            .collect())
    }

    // ----- transfers ------------------------------------------------------------

    /// A progress display: a spinner with the bytes so far until the size
    /// is known (a bar reading "0 B/0 B" would claim the file is empty),
    /// then a bar.
    fn bar(&self, label: &str) -> Option<ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = ProgressBar::new_spinner();
        let style = ProgressStyle::with_template("{msg} {spinner} {bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(label.to_string());
        Some(bar)
    }

    fn on_progress(bar: &Option<ProgressBar>) -> impl FnMut(Progress) + '_ {
        move |p: Progress| {
            if let Some(bar) = bar {
                show_progress(bar, p.done, p.total);
            }
        }
    }

    /// `rate: N` of one transfer: that limit on the session until
    /// [`Runner::unlimit`] gives back the one before.
    fn limit(&mut self, rate: Option<u64>) -> Rr<Option<Option<ftp_std::RateLimit>>> {
        let Some(rate) = rate else {
            return Ok(None);
        };
        let own = self
            .ftp()?
            .set_rate_limit(Some(ftp_std::RateLimit::new(rate)));
        Ok(Some(own))
    }

    fn unlimit(&mut self, own: Option<Option<ftp_std::RateLimit>>) {
        if let Some(own) = own
            && let Ok(f) = self.ftp()
        {
            f.set_rate_limit(own);
        }
    }

    /// `probe([url[, connections]])`: what the server of `url`, else of
    /// the session in use, supports and needs (see [`crate::probe`]).
    pub async fn probe(&mut self, url: Option<&str>, most: Option<INT>) -> Rr<Map> {
        let most = match most {
            None => 8,
            Some(n) => usize::try_from(n)
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| usage("connections must be a number from 1 to 64"))?,
        };
        let (url, options) = match url {
            Some(text) => (Url::parse(text).map_err(ftp_error)?, self.options.clone()),
            None => {
                let (Some((port, options)), Some((user, pass, _))) =
                    (self.made_with.clone(), self.logged_in_as.clone())
                else {
                    return Err(usage(
                        "probe() probes the session's server: connect and login first, or give a URL",
                    ));
                };
                let mut url =
                    Url::parse(&format!("ftp://{}/", bracketed(&self.host))).map_err(ftp_error)?;
                url.port = port;
                url.user = Some(user);
                url.password = Some(pass);
                if options.security == Security::Implicit {
                    url.scheme = ftp_std::Scheme::Ftps;
                }
                (url, options)
            }
        };
        let found = side::probe(&url, &options, most).await.map_err(ftp_error)?;
        Ok(crate::probe::to_map(&found))
    }

    /// `fxp(from_path, to_session, to_path)`: a server-to-server copy from
    /// this session's server to `to`'s (the data never comes here).
    pub async fn fxp(&mut self, from_path: &str, to: &mut Runner, to_path: &str) -> Rr<Map> {
        let done = side::fxp(self.ftp()?, from_path, to.ftp()?, to_path)
            .await
            .map_err(ftp_error)?;
        let mut map = Map::new();
        map.insert("source".into(), done.source.into_text().into());
        map.insert("destination".into(), done.destination.into_text().into());
        let size = done.size.and_then(|s| INT::try_from(s).ok());
        map.insert("size".into(), size.map_or(Dynamic::UNIT, Dynamic::from));
        Ok(map)
    }

    /// `retr(remote[, local][, #{resume, verify, segments, rate}])`: under
    /// the transfer's own rate limit when it has one.
    pub async fn retr(
        &mut self,
        remote: &str,
        local: Option<&str>,
        get: crate::engine::Put,
    ) -> Rr<String> {
        if get.rate.is_some() && get.segments > 1 {
            return Err(usage(
                "rate and segments do not go together (--limit-rate caps segments too)",
            ));
        }
        let own = self.limit(get.rate)?;
        let done = self.retr_now(remote, local, get).await;
        self.unlimit(own);
        done
    }

    /// `stor(local[, remote][, #{resume, keep_time, verify, atomic,
    /// rate}])`: under the transfer's own rate limit when it has one.
    pub async fn stor(
        &mut self,
        local: &str,
        remote: Option<&str>,
        put: crate::engine::Put,
    ) -> Rr<String> {
        let own = self.limit(put.rate)?;
        let done = self.stor_now(local, remote, put).await;
        self.unlimit(own);
        done
    }

    /// `retr(remote[, local][, #{resume, verify}])`: into a local file,
    /// written under `.part` and renamed when complete (and, with
    /// `verify`, when the checksums agree).
    async fn retr_now(
        &mut self,
        remote: &str,
        local: Option<&str>,
        get: crate::engine::Put,
    ) -> Rr<String> {
        let resume = get.resume;
        let local = match local {
            Some(l) => l.to_string(),
            None => local_name_for(remote)?,
        };
        let path = self.sandbox.borrow_mut().resolve_write(&local)?;
        if self.ascii {
            if resume || get.verify != ftp_std::Verification::Never || get.segments > 1 {
                return Err(usage(
                    "resume, verify and segments work in binary mode only: call binary()",
                ));
            }
            return self.retr_ascii(remote, path).await;
        }
        if get.segments > 1 {
            return self.retr_segmented(remote, &path, get).await;
        }
        let bar = self.bar(remote);
        let fetch = ftp_std::Fetch::default()
            .resume(resume)
            .continue_local(resume)
            .verify(get.verify);
        let retries = get.retries.unwrap_or(self.retries);
        let done = if retries > 0 {
            let maker = self.session_maker()?;
            let connect = || maker.open();
            let how = ftp_std::Retries::new(retries);
            let on_progress = progress_of(&bar);
            side::fetch_retrying(
                &mut self.ftp,
                &connect,
                remote,
                &path,
                &fetch,
                &how,
                &on_progress,
            )
            .await
        } else {
            self.ftp()?
                .fetch(remote, &path, &fetch, Self::on_progress(&bar))
                .await
        };
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        Ok(nothing_to_do(done.map_err(ftp_error)?))
    }

    /// `retr(remote, local, #{segments: N})`: N connections, each a range
    /// (the session's own and N - 1 like it).
    async fn retr_segmented(
        &mut self,
        remote: &str,
        path: &std::path::Path,
        get: crate::engine::Put,
    ) -> Rr<String> {
        let maker = self.session_maker()?;
        let connect = || maker.open();
        let how = ftp_std::Segmented::default()
            .segments(get.segments)
            .resume(get.resume)
            .verify(get.verify);
        let bar = self.bar(remote);
        let on_progress = progress_of(&bar);
        let done =
            side::download_segmented(&mut self.ftp, &connect, remote, path, &how, &on_progress)
                .await;
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let done = done.map_err(ftp_error)?;
        Ok(match done.reply {
            Some(reply) => reply.into_text(),
            None => format!(
                "complete: {} bytes, {} of them now, in up to {} segments",
                done.offset + done.bytes,
                done.bytes,
                get.segments
            ),
        })
    }

    async fn retr_ascii(&mut self, remote: &str, path: PathBuf) -> Rr<String> {
        let part = ftp_std::part_path(&path);
        // Created anew, never through a link planted under that name.
        let _ = std::fs::remove_file(&part);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
            .map_err(|e| local_io(&local_str(&part), e))?;
        let mut out = std::io::BufWriter::new(file);
        let mut failed = None;
        let result = self
            .ftp()?
            .retrlines(&format!("RETR {remote}"), |line| {
                if failed.is_none()
                    && let Err(e) = writeln!(out, "{line}")
                {
                    failed = Some(e);
                }
            })
            .await;
        let written = match failed {
            Some(e) => Err(e),
            None => out.flush(),
        };
        match (result, written) {
            (Ok(reply), Ok(())) => {
                std::fs::rename(&part, &path).map_err(|e| local_io(&local_str(&path), e))?;
                Ok(reply.into_text())
            }
            (Err(e), _) => {
                let _ = std::fs::remove_file(&part);
                Err(ftp_error(e))
            }
            (_, Err(e)) => Err(local_io(&local_str(&part), e)),
        }
    }

    /// `retr_text(remote)`: the file's bytes as text (invalid UTF-8
    /// replaced).
    pub async fn retr_text(&mut self, remote: &str) -> Rr<String> {
        let mut bytes = Vec::new();
        let cmd = format!("RETR {remote}");
        self.with(async |f| f.retrbinary(&cmd, &mut bytes, None).await)
            .await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `stor(local[, remote][, #{resume, keep_time}])`: with `keep_time`,
    /// the remote file gets the local file's modification time (MFMT,
    /// MDTM with a time, or SITE UTIME; a server with none of them gets
    /// the file and one warning a session).
    async fn stor_now(
        &mut self,
        local: &str,
        remote: Option<&str>,
        put: crate::engine::Put,
    ) -> Rr<String> {
        let resume = put.resume;
        let path = self.sandbox.borrow().resolve(local)?;
        let remote = match remote {
            Some(r) => r.to_string(),
            None => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| usage(format!("{local:?} has no file name")))?,
        };
        if self.ascii {
            if resume || put.atomic || put.verify != ftp_std::Verification::Never {
                return Err(usage(
                    "resume, atomic and verify work in binary mode only: call binary()",
                ));
            }
            let file = std::fs::File::open(&path).map_err(|e| local_io(local, e))?;
            let mut reader = BufReader::new(file);
            // Fail on a missing file before anything is sent.
            reader.fill_buf().map_err(|e| local_io(local, e))?;
            let mut reader = Local(reader);
            let cmd = format!("STOR {remote}");
            let reply = self
                .with(async |f| f.storlines(&cmd, &mut reader).await)
                .await?;
            if put.keep_time {
                self.keep_time(&path, &remote).await?;
            }
            return Ok(reply);
        }
        let bar = self.bar(&remote);
        let how = ftp_std::Put::default()
            .resume(resume)
            .keep_time(put.keep_time)
            .verify(put.verify)
            .atomic(put.atomic);
        let retries = put.retries.unwrap_or(self.retries);
        let done = if retries > 0 {
            let maker = self.session_maker()?;
            let connect = || maker.open();
            let again = ftp_std::Retries::new(retries);
            let on_progress = progress_of(&bar);
            side::put_retrying(
                &mut self.ftp,
                &connect,
                &path,
                &remote,
                &how,
                &again,
                &on_progress,
            )
            .await
        } else {
            self.ftp()?
                .put(&path, &remote, &how, Self::on_progress(&bar))
                .await
        };
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        Ok(nothing_to_do(done.map_err(ftp_error)?))
    }

    /// Gives `remote` the modification time of the local file `path`.
    async fn keep_time(&mut self, path: &std::path::Path, remote: &str) -> Rr<()> {
        self.with(async |f| f.set_mtime_from(path, remote).await.map(|_| String::new()))
            .await?;
        Ok(())
    }

    /// `stor_text(remote, text)`.
    pub async fn stor_text(&mut self, remote: &str, text: &str) -> Rr<String> {
        let mut input = Cursor::new(text.as_bytes());
        let cmd = format!("STOR {remote}");
        self.with(async |f| f.storbinary(&cmd, &mut input, None).await)
            .await
    }

    /// `appe(local, remote)`.
    pub async fn appe(&mut self, local: &str, remote: &str) -> Rr<String> {
        let path = self.sandbox.borrow().resolve(local)?;
        let file = std::fs::File::open(&path).map_err(|e| local_io(local, e))?;
        let mut file = Local(file);
        self.with(async |f| f.appe(remote, &mut file).await).await
    }

    /// `retrbinary(cmd, callback[, blocksize[, rest]])`: each block to
    /// `each` (ftplib's callback); a failure there stops the transfer and
    /// is the script's error.
    pub async fn retrbinary_each(
        &mut self,
        cmd: &str,
        each: &mut dyn FnMut(&[u8]) -> Rr<()>,
        rest: Option<u64>,
    ) -> Rr<String> {
        let mut out = side::Blocks::new(each);
        let result = self.ftp()?.retrbinary(cmd, &mut out, rest).await;
        settle(result, out.failed)
    }

    /// `retrlines(cmd[, callback])`: each line, its end removed, to `each`.
    pub async fn retrlines_each(
        &mut self,
        cmd: &str,
        each: &mut dyn FnMut(&str) -> Rr<()>,
    ) -> Rr<String> {
        let mut failed = None;
        let result = self
            .ftp()?
            .retrlines_with(cmd, |line| {
                each(line).map_err(|e| {
                    failed = Some(e);
                    std::io::Error::other("the script's callback failed")
                })
            })
            .await;
        settle(result, failed)
    }

    /// `storbinary(cmd, file[, blocksize[, callback[, rest]]])` and
    /// `storlines(cmd, file[, callback])`: the bytes `take` gives.
    pub async fn store_from(
        &mut self,
        cmd: &str,
        lines: bool,
        take: &mut dyn FnMut(&mut [u8]) -> Rr<usize>,
        rest: Option<u64>,
    ) -> Rr<String> {
        let mut input = side::Fed::new(take);
        let ftp = self.ftp()?;
        let result = if lines {
            ftp.storlines(cmd, &mut input).await
        } else {
            ftp.storbinary(cmd, &mut input, rest).await
        };
        settle(result, input.failed)
    }

    // ----- mirroring ------------------------------------------------------------

    /// A maker of sessions like the current one: same server, options and
    /// login (for the mirror's workers and reconnects).
    fn session_maker(&self) -> Rr<Maker> {
        let (Some((port, options)), Some((user, pass, acct))) =
            (self.made_with.clone(), self.logged_in_as.clone())
        else {
            return Err(usage("no FTP session: connect(host) and login() first"));
        };
        Ok(Maker {
            host: self.host.clone(),
            port,
            options,
            login: (user, pass, acct),
            secure: self.secure,
            level: self.debuglevel,
        })
    }

    fn mirror_bar(&self) -> Option<ProgressBar> {
        self.bar("mirror")
    }

    /// `mirror(remote, local[, opts])` and `mirror_up(local, remote[, opts])`.
    pub async fn mirror(&mut self, up: bool, from: &str, to: &str, opts: &Map) -> Rr<Map> {
        let options = mirror_options(opts)?;
        let (local, remote) = if up { (from, to) } else { (to, from) };
        let local = self.sandbox.borrow().resolve(local)?;
        let maker = self.session_maker()?;
        let connect = || maker.open();
        let bar = self.mirror_bar();
        let progress = |p: ftp_std::MirrorProgress| {
            if let Some(bar) = &bar {
                let total = (p.bytes_total > 0).then_some(p.bytes_total);
                show_progress(bar, p.bytes_done, total);
            }
        };
        let result = if up {
            side::mirror_up(&mut self.ftp, &connect, &local, remote, &options, &progress).await
        } else {
            side::mirror(&mut self.ftp, &connect, remote, &local, &options, &progress).await
        };
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let s = result.map_err(ftp_error)?;
        // A dry run shows its plan, one action a line, as lftp's
        // `mirror --dry-run` does (and returns it in `planned`).
        if options.dry_run {
            let mut out = std::io::stdout().lock();
            for line in &s.planned {
                let _ = writeln!(out, "{line}");
            }
        }
        let problems = |list: &[ftp_std::Problem]| -> Array {
            list.iter()
                .map(|p| {
                    let mut m = Map::new();
                    m.insert("path".into(), p.path.clone().into());
                    m.insert("message".into(), p.message.clone().into());
                    Dynamic::from(m)
                })
                .collect()
        };
        let int = |v: u64| Dynamic::from(INT::try_from(v).unwrap_or(INT::MAX));
        let mut map = Map::new();
        map.insert("files".into(), int(s.files));
        map.insert("verified".into(), int(s.verified));
        map.insert("bytes".into(), int(s.bytes));
        map.insert("skipped".into(), int(s.skipped));
        map.insert("deleted".into(), int(s.deleted));
        map.insert("dirs".into(), int(s.dirs_created));
        map.insert("failed".into(), problems(&s.failed).into());
        map.insert("refused".into(), problems(&s.refused).into());
        map.insert(
            "planned".into(),
            s.planned
                .iter()
                .cloned()
                .map(Dynamic::from)
                .collect::<Array>()
                .into(),
        );
        map.insert("seconds".into(), Dynamic::from(s.seconds));
        map.insert("connections".into(), int(s.connections));
        map.insert(
            "stopped".into(),
            s.stopped.map_or(Dynamic::UNIT, Dynamic::from),
        );
        Ok(map)
    }

    // ----- local side -------------------------------------------------------------

    /// `lcd(path)`.
    pub fn lcd(&mut self, path: &str) -> Rr<String> {
        self.sandbox.borrow_mut().change_dir(path)
    }

    /// `lpwd()`.
    pub fn lpwd(&self) -> String {
        self.sandbox.borrow().cwd().display().to_string()
    }
}

/// Moves a progress display on; the spinner becomes a bar once the total
/// is known.
/// A progress callback for work on several connections (`Sync`): the
/// bar, when there is one.
fn progress_of(bar: &Option<ProgressBar>) -> impl Fn(Progress) + Sync + '_ {
    move |p: Progress| {
        if let Some(bar) = bar {
            show_progress(bar, p.done, p.total);
        }
    }
}

fn show_progress(bar: &ProgressBar, done: u64, total: Option<u64>) {
    if let Some(total) = total
        && bar.length() != Some(total)
    {
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_length(total);
    }
    bar.set_position(done);
}

/// Mirror options from a script's map; unknown keys are refused.
fn mirror_options(opts: &Map) -> Rr<ftp_std::MirrorOptions> {
    let mut o = ftp_std::MirrorOptions::default();
    let flag = |k: &str, v: &Dynamic| {
        v.as_bool()
            .map_err(|t| usage(format!("{k} must be true or false, not a {t}")))
    };
    let count = |k: &str, v: &Dynamic, max: INT| {
        v.as_int()
            .ok()
            .filter(|n| (0..=max).contains(n))
            .map(|n| n as u64)
            .ok_or_else(|| usage(format!("{k} must be a number from 0 to {max}")))
    };
    let globs = |k: &str, v: &Dynamic| -> Rr<Vec<String>> {
        let list = v
            .read_lock::<Array>()
            .ok_or_else(|| usage(format!("{k} must be an array of patterns")))?;
        list.iter()
            .map(|p| {
                p.clone()
                    .into_string()
                    .map_err(|_| usage(format!("{k} holds something that is not a string")))
            })
            .collect()
    };
    for (k, v) in opts {
        match k.as_str() {
            "parallel" => o.parallel = count(k, v, 64)?.max(1) as usize,
            "only_newer" => o.only_newer = flag(k, v)?,
            "delete" => o.delete = flag(k, v)?,
            "dry_run" => o.dry_run = flag(k, v)?,
            "resume" => o.resume = flag(k, v)?,
            "follow_symlinks" => o.follow_symlinks = flag(k, v)?,
            "retries" => o.retries = count(k, v, 100)? as u32,
            "keep_time" => o.keep_time = flag(k, v)?,
            "atomic" => o.atomic = flag(k, v)?,
            "rate" => o.rate_limit = Some(ftp_std::RateLimit::new(crate::engine::rate(v)?)),
            "verify" => o.verify = crate::engine::verification(v)?,
            "segments" => o.segments = crate::engine::segments(v)?,
            "exclude" => o.exclude = globs(k, v)?,
            "include" => o.include = globs(k, v)?,
            "hidden" => o.hidden = flag(k, v)?,
            other => {
                return Err(usage(format!(
                    "unknown mirror option {other:?} (known: parallel, only_newer, delete, \
                     exclude, include, dry_run, resume, follow_symlinks, retries, keep_time, verify, \
                     segments, hidden, atomic, rate)"
                )));
            }
        }
    }
    Ok(o)
}

/// A transfer's reply text; when the script's callback failed, its error
/// (what the script threw) instead of the transfer's.
fn settle(result: Result<Reply, Error>, failed: Option<Box<rhai::EvalAltResult>>) -> Rr<String> {
    match (result, failed) {
        (_, Some(e)) => Err(e),
        (result, None) => result.map(Reply::into_text).map_err(ftp_error),
    }
}

/// The reply of a transfer, or what a resume that found the file complete
/// says instead.
fn nothing_to_do(done: ftp_std::Transferred) -> String {
    match done.reply {
        Some(reply) => reply.into_text(),
        None => format!("already complete ({} bytes)", done.offset),
    }
}

fn local_str(p: &std::path::Path) -> String {
    p.display().to_string()
}

/// `sleep(seconds)`: at most an hour, so a script cannot hang the runner by
/// mistake.
pub fn sleep(seconds: f64) -> Rr<()> {
    if !(0.0..=3600.0).contains(&seconds) {
        return Err(usage(format!(
            "sleep({seconds}): seconds must be from 0 to 3600"
        )));
    }
    std::thread::sleep(Duration::from_secs_f64(seconds));
    Ok(())
}

/// `now_utc()`: the current time as `YYYYMMDDHHMMSS`, comparable with
/// `mdtm` and MLSD `modify`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    ftp_std::Timestamp::from_unix_seconds(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A host for a URL: an IPv6 address in brackets.
fn bracketed(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}
