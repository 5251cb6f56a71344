//! The Rhai engine of the runner: `Engine::new_raw()` with the standard
//! package (no `import`, so scripts cannot read other files through the
//! module system), limits against runaway scripts, and the FTP functions.

use std::cell::RefCell;
use std::io::Write as _;
use std::rc::Rc;

use rhai::packages::{Package, StandardPackage};
use rhai::{Array, Dynamic, Engine, FnPtr, INT, Map, NativeCallContext};

use crate::errors::{Rr, usage};
use crate::files::ScriptFile;
use crate::runner::{Runner, now_utc, sleep};
use crate::side::bisync;

/// Limits of a script run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Rhai operations before the script is stopped with an error.
    pub max_operations: u64,
}

/// The `resume` flag of an options map (`#{resume: true}`); other keys are
/// refused so a typo is not silently ignored.
/// The options of a single transfer: `resume` and `verify` (both ways),
/// `keep_time` and `atomic` (uploads), `segments` (downloads), `rate`,
/// `retries`; any other key is refused.
#[derive(Clone, Copy, Debug, Default)]
pub struct Put {
    /// Continue from what the other side has (REST).
    pub resume: bool,
    /// Give the remote file the local file's modification time.
    pub keep_time: bool,
    /// Compare checksums afterwards: `"auto"`, `"always"`, `"never"`
    /// (the default of single transfers).
    pub verify: ftp_std::Verification,
    /// Downloads: connections each fetching a range (lftp's `pget -n`);
    /// 0 or 1 is one stream.
    pub segments: usize,
    /// Uploads: under a temporary name, renamed once whole and checked.
    pub atomic: bool,
    /// The transfer's own rate limit, bytes a second.
    pub rate: Option<u64>,
    /// Retries that resume (`--retry` when not given).
    pub retries: Option<u32>,
}

/// `retries: N`, 0 to 100.
pub(crate) fn retries(v: &Dynamic) -> Rr<u32> {
    v.as_int()
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n <= 100)
        .ok_or_else(|| usage("retries must be a number from 0 to 100"))
}

/// `rate: "2M"` (curl's spelling) or a number of bytes a second.
pub(crate) fn rate(v: &Dynamic) -> Rr<u64> {
    if let Ok(n) = v.as_int() {
        return u64::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| usage("rate must be more than 0 bytes a second"));
    }
    let text = v.clone().into_string().map_err(|t| {
        usage(format!(
            "rate is a number or a text such as \"2M\", not a {t}"
        ))
    })?;
    ftp_std::RateLimit::parse(&text)
        .map(|l| l.bytes_per_second())
        .map_err(|e| usage(format!("rate: {e}")))
}

fn transfer_options(opts: &Map, upload: bool) -> Rr<Put> {
    let mut put = Put::default();
    let known = if upload {
        "resume, keep_time, verify, atomic, rate, retries"
    } else {
        "resume, verify, segments, rate, retries"
    };
    for (k, v) in opts {
        let flag = || {
            v.as_bool()
                .map_err(|t| usage(format!("{k} must be true or false, not a {t}")))
        };
        match k.as_str() {
            "resume" => put.resume = flag()?,
            "keep_time" if upload => put.keep_time = flag()?,
            "atomic" if upload => put.atomic = flag()?,
            "rate" => put.rate = Some(rate(v)?),
            "retries" => put.retries = Some(retries(v)?),
            "verify" => put.verify = verification(v)?,
            "segments" if !upload => put.segments = segments(v)?,
            other => return Err(usage(format!("unknown option {other:?} (known: {known})"))),
        }
    }
    Ok(put)
}

/// `segments: N`, 1 to 16.
pub(crate) fn segments(v: &Dynamic) -> Rr<usize> {
    v.as_int()
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| (1..=16).contains(n))
        .ok_or_else(|| usage("segments must be a number from 1 to 16"))
}

/// `verify: "auto" | "always" | "never"`.
pub(crate) fn verification(v: &Dynamic) -> Rr<ftp_std::Verification> {
    v.clone()
        .into_string()
        .ok()
        .and_then(|s| ftp_std::Verification::parse(&s))
        .ok_or_else(|| usage("verify must be \"auto\", \"always\" or \"never\""))
}

/// A listing's options: `via: "list" | "stat"`, `hidden: bool`.
fn listing_of(opts: &Map) -> Rr<ftp_std::Listing> {
    let mut how = ftp_std::Listing::default();
    for (k, v) in opts {
        match k.as_str() {
            "via" => {
                how.via = match v.clone().into_string().ok().as_deref() {
                    Some("list") => ftp_std::ListVia::Data,
                    Some("stat") => ftp_std::ListVia::Stat,
                    _ => return Err(usage("via must be \"list\" or \"stat\"")),
                }
            }
            "hidden" => {
                how.hidden = v
                    .as_bool()
                    .map_err(|t| usage(format!("hidden must be true or false, not a {t}")))?
            }
            other => {
                return Err(usage(format!(
                    "unknown option {other:?} (known: via, hidden)"
                )));
            }
        }
    }
    Ok(how)
}

fn get_of(opts: &Map) -> Rr<Put> {
    transfer_options(opts, false)
}

fn put_of(opts: &Map) -> Rr<Put> {
    transfer_options(opts, true)
}

fn strings(v: Vec<String>) -> Array {
    v.into_iter().map(Dynamic::from).collect()
}

/// A call's value: natively the body's; under WASI the body (written with
/// `.await`) runs to its end on the runner's runtime ([`crate::side::wait`]).
#[cfg(not(target_os = "wasi"))]
macro_rules! now {
    ($body:expr) => {
        $body
    };
}

#[cfg(target_os = "wasi")]
macro_rules! now {
    ($body:expr) => {
        crate::side::wait(async { $body })
    };
}

/// A session of the script: `FTP(...)`, `FTP_TLS(...)`. Copies are the
/// same session.
#[derive(Clone)]
pub struct Session(pub Rc<RefCell<Runner>>);

/// The runner of a session, or an error when it is in use: a transfer's
/// callback that calls its own session (a panic would end the runner).
fn lend(rc: &Rc<RefCell<Runner>>) -> Rr<std::cell::RefMut<'_, Runner>> {
    rc.try_borrow_mut()
        .map_err(|_| usage("the session is busy: a callback of its transfer cannot use it"))
}

/// Registers `$name` twice: as a function of the script's first session
/// and as a method of every session object (`ftp.cwd("x")`); the body
/// sees the session's runner mutably borrowed as `$r`.
macro_rules! reg {
    ($engine:ident, $runner:ident, $name:literal, |$r:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
        let rc = $runner.clone();
        $engine.register_fn($name, move |$($arg: $ty),*| {
            #[allow(unused_mut)]
            let mut $r = lend(&rc)?;
            now!($body)
        });
        $engine.register_fn($name, move |session: &mut Session $(, $arg: $ty)*| {
            let rc = session.0.clone();
            #[allow(unused_mut)]
            let mut $r = lend(&rc)?;
            now!($body)
        });
    }};
}

/// [`reg!`] for a function that calls the script back: the body also sees
/// the call's context as `$ctx`.
macro_rules! reg_ctx {
    ($engine:ident, $runner:ident, $name:literal, |$ctx:ident, $r:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
        let rc = $runner.clone();
        $engine.register_fn($name, move |$ctx: NativeCallContext $(, $arg: $ty)*| {
            let mut $r = lend(&rc)?;
            now!($body)
        });
        $engine.register_fn($name, move |$ctx: NativeCallContext, session: &mut Session $(, $arg: $ty)*| {
            let rc = session.0.clone();
            let mut $r = lend(&rc)?;
            now!($body)
        });
    }};
}

/// Where a transfer's blocks or lines go: the script's callback, a file
/// object (the reference's `open('README', 'wb').write`), or, for
/// `retrlines` without one, standard output (as ftplib prints them).
enum Target {
    Call(FnPtr),
    File(ScriptFile),
    Print,
}

impl Target {
    fn of(value: Dynamic) -> Rr<Target> {
        if value.is::<FnPtr>() {
            Ok(Target::Call(value.cast()))
        } else if value.is::<ScriptFile>() {
            Ok(Target::File(value.cast()))
        } else {
            Err(usage(format!(
                "the callback must be a function (|block| ...) or a file from open(), not a {}",
                value.type_name()
            )))
        }
    }

    fn block(&mut self, ctx: &NativeCallContext, block: &[u8]) -> Rr<()> {
        match self {
            Target::Call(f) => f
                .call_within_context::<Dynamic>(ctx, (Dynamic::from_blob(block.to_vec()),))
                .map(drop),
            Target::File(file) => file.write_bytes(block),
            Target::Print => {
                let _ = std::io::stdout().write_all(block);
                Ok(())
            }
        }
    }

    fn line(&mut self, ctx: &NativeCallContext, line: &str) -> Rr<()> {
        match self {
            Target::Call(f) => f
                .call_within_context::<Dynamic>(ctx, (line.to_string(),))
                .map(drop),
            Target::File(file) => file.write_bytes(format!("{line}\n").as_bytes()),
            Target::Print => {
                let _ = writeln!(std::io::stdout(), "{line}");
                Ok(())
            }
        }
    }
}

/// `rest` of ftplib's transfer calls: an offset, or `()` for none.
fn rest_of(rest: Dynamic) -> Rr<Option<u64>> {
    if rest.is_unit() {
        return Ok(None);
    }
    rest.as_int()
        .ok()
        .and_then(|n| u64::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| usage("rest must be a byte offset (0 or more) or ()"))
}

/// `retrbinary(cmd, callback[, blocksize[, rest]])`.
#[bisync]
async fn retrbinary(
    ctx: &NativeCallContext<'_>,
    r: &mut Runner,
    cmd: &str,
    callback: Dynamic,
    rest: Dynamic,
) -> Rr<String> {
    let mut target = Target::of(callback)?;
    let rest = rest_of(rest)?;
    let mut each = |block: &[u8]| target.block(ctx, block);
    r.retrbinary_each(cmd, &mut each, rest).await
}

/// `retrlines(cmd[, callback])`.
#[bisync]
async fn retrlines(
    ctx: &NativeCallContext<'_>,
    r: &mut Runner,
    cmd: &str,
    callback: Option<Dynamic>,
) -> Rr<String> {
    let mut target = match callback {
        Some(c) => Target::of(c)?,
        None => Target::Print,
    };
    let mut each = |line: &str| target.line(ctx, line);
    r.retrlines_each(cmd, &mut each).await
}

/// `storbinary(cmd, file[, blocksize[, callback[, rest]]])` and
/// `storlines(cmd, file[, callback])`: the file object's bytes, the
/// callback called with each block sent.
#[bisync]
async fn store(
    ctx: &NativeCallContext<'_>,
    r: &mut Runner,
    cmd: &str,
    lines: bool,
    file: Dynamic,
    callback: Option<Dynamic>,
    rest: Dynamic,
) -> Rr<String> {
    if !file.is::<ScriptFile>() {
        return Err(usage(format!(
            "the file must be one from open(path, \"rb\"), not a {}",
            file.type_name()
        )));
    }
    let mut file: ScriptFile = file.cast();
    let mut target = match callback {
        Some(c) if !c.is_unit() => Some(Target::of(c)?),
        _ => None,
    };
    let rest = rest_of(rest)?;
    let mut take = |buf: &mut [u8]| {
        let n = file.read_into(buf)?;
        if let Some(t) = &mut target
            && n > 0
        {
            t.block(ctx, &buf[..n])?;
        }
        Ok(n)
    };
    r.store_from(cmd, lines, &mut take, rest).await
}

/// `fxp`: a server-to-server copy from the session `from` to `to` (not
/// itself). Under WASI both stay borrowed across the awaits, as in
/// [`open_session`].
#[allow(clippy::await_holding_refcell_ref)]
#[bisync]
async fn fxp_between(from: &mut Runner, from_path: &str, to: &Session, to_path: &str) -> Rr<Map> {
    let mut to =
        to.0.try_borrow_mut()
            .map_err(|_| usage("fxp copies between two sessions, not a session and itself"))?;
    from.fxp(from_path, &mut to, to_path).await
}

/// `FTP(...)` / `FTP_TLS(...)`: a new session; with a host it connects,
/// with a user (not empty) it logs in (ftplib's constructor), with a
/// timeout (seconds) every wait of that session is bounded by it.
// Under WASI the session stays borrowed across the awaits: the call runs
// alone on the runtime (`side::wait`), and anything else asking for the
// session meanwhile gets `lend`'s "busy" error.
#[allow(clippy::await_holding_refcell_ref)]
#[bisync]
async fn open_session(
    main: &Rc<RefCell<Runner>>,
    tls: bool,
    host: Option<&str>,
    login: Option<(&str, &str, &str)>,
    timeout: Option<INT>,
) -> Rr<Session> {
    let timeout = match timeout {
        None => None,
        Some(t) if (1..=3600).contains(&t) => Some(std::time::Duration::from_secs(t as u64)),
        Some(t) => return Err(usage(format!("timeout {t}: seconds from 1 to 3600"))),
    };
    let rc = lend(main)?.new_session();
    {
        let mut s = lend(&rc)?;
        s.configure(tls, timeout);
        if let Some(host) = host {
            s.connect(host, 21, false).await?;
        }
        if let Some((user, passwd, acct)) = login {
            s.login_as(user, passwd, acct).await?;
        }
    }
    Ok(Session(rc))
}

/// The engine with every runner function on `runner`.
#[bisync]
pub fn build(runner: Rc<RefCell<Runner>>, limits: Limits) -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(StandardPackage::new().as_shared_module());
    // Output to a closed pipe (`ftp-script ... | head`) is dropped: it
    // must not stop the transfers (println! would panic).
    engine.on_print(|s| {
        let _ = writeln!(std::io::stdout(), "{s}");
    });
    engine.on_debug(|s, _, _| {
        let _ = writeln!(std::io::stderr(), "{s}");
    });
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(64);
    engine.set_max_expr_depths(128, 64);
    engine.set_max_string_size(256 << 20);
    engine.set_max_array_size(10_000_000);
    engine.set_max_map_size(1_000_000);

    let r = &runner;
    // Sessions.
    reg!(engine, r, "connect", |s, host: &str| s
        .connect(host, 21, false)
        .await);
    reg!(engine, r, "connect", |s, host: &str, port: INT| s
        .connect(host, port, false)
        .await);
    reg!(engine, r, "connect_tls", |s, host: &str| s
        .connect(host, 21, true)
        .await);
    reg!(engine, r, "connect_tls", |s, host: &str, port: INT| s
        .connect(host, port, true)
        .await);
    reg!(engine, r, "welcome", |s| s.welcome());
    reg!(engine, r, "login", |s| s.login_default().await);
    reg!(engine, r, "login", |s, user: &str, pass: &str| s
        .login_as(user, pass, "")
        .await);
    reg!(
        engine,
        r,
        "login",
        |s, user: &str, pass: &str, acct: &str| s.login_as(user, pass, acct).await
    );
    reg!(engine, r, "quit", |s| s.quit().await);
    reg!(engine, r, "abort", |s| s
        .with(async |f| f.abort().await)
        .await);
    reg!(engine, r, "close", |s| {
        s.close();
        Ok::<(), Box<rhai::EvalAltResult>>(())
    });

    // Remote directories and files.
    reg!(engine, r, "cwd", |s, path: &str| s
        .with(async |f| f.cwd(path).await)
        .await);
    reg!(engine, r, "cdup", |s| s
        .with(async |f| f.cdup().await)
        .await);
    reg!(engine, r, "pwd", |s| s.with(async |f| f.pwd().await).await);
    reg!(engine, r, "mkd", |s, path: &str| s
        .with(async |f| f.mkd(path).await)
        .await);
    reg!(engine, r, "rmd", |s, path: &str| s
        .with(async |f| f.rmd(path).await)
        .await);
    reg!(engine, r, "delete", |s, path: &str| s
        .with(async |f| f.delete(path).await)
        .await);
    reg!(engine, r, "rename", |s, from: &str, to: &str| s
        .with(async |f| f.rename(from, to).await)
        .await);
    reg!(engine, r, "size", |s, path: &str| s.size(path).await);
    reg!(engine, r, "mdtm", |s, path: &str| s.mdtm(path).await);
    reg!(engine, r, "exists", |s, path: &str| s.exists(path).await);

    // Listings.
    reg!(engine, r, "nlst", |s| s
        .with(async |f| f.nlst(None).await)
        .await
        .map(strings));
    reg!(engine, r, "nlst", |s, path: &str| s
        .with(async |f| f.nlst(Some(path)).await)
        .await
        .map(strings));
    reg!(engine, r, "dir", |s| s
        .with(async |f| f.dir(None).await)
        .await
        .map(strings));
    reg!(engine, r, "dir", |s, path: &str| s
        .with(async |f| f.dir(Some(path)).await)
        .await
        .map(strings));
    reg!(engine, r, "dir", |s, path: &str, opts: Map| {
        let how = listing_of(&opts)?;
        s.with(async |f| f.dir_with(Some(path), how).await)
            .await
            .map(strings)
    });
    reg!(engine, r, "dir", |s, opts: Map| {
        let how = listing_of(&opts)?;
        s.with(async |f| f.dir_with(None, how).await)
            .await
            .map(strings)
    });
    reg!(engine, r, "list", |s| s
        .list(None, Default::default())
        .await);
    reg!(engine, r, "list", |s, path: &str| s
        .list(Some(path), Default::default())
        .await);
    reg!(engine, r, "list", |s, path: &str, opts: Map| {
        let how = listing_of(&opts)?;
        s.list(Some(path), how).await
    });
    reg!(engine, r, "mlsd", |s| s.mlsd(None, &[]).await);
    reg!(engine, r, "mlsd", |s, path: &str| s
        .mlsd(Some(path), &[])
        .await);
    reg!(engine, r, "mlsd", |s, path: &str, facts: Array| {
        let facts = facts
            .into_iter()
            .map(|f| {
                f.into_string()
                    .map_err(|t| usage(format!("a fact name is a string, not a {t}")))
            })
            .collect::<Rr<Vec<String>>>()?;
        s.mlsd(Some(path), &facts).await
    });

    // Transfers.
    reg!(engine, r, "retr", |s, remote: &str| s
        .retr(remote, None, Put::default())
        .await);
    reg!(engine, r, "retr", |s, remote: &str, opts: Map| s
        .retr(remote, None, get_of(&opts)?)
        .await);
    reg!(engine, r, "retr", |s, remote: &str, local: &str| s
        .retr(remote, Some(local), Put::default())
        .await);
    reg!(engine, r, "retr", |s,
                             remote: &str,
                             local: &str,
                             opts: Map| s
        .retr(remote, Some(local), get_of(&opts)?)
        .await);
    reg!(engine, r, "retr_text", |s, remote: &str| s
        .retr_text(remote)
        .await);
    reg!(engine, r, "stor", |s, local: &str| s
        .stor(local, None, Put::default())
        .await);
    reg!(engine, r, "stor", |s, local: &str, opts: Map| s
        .stor(local, None, put_of(&opts)?)
        .await);
    reg!(engine, r, "stor", |s, local: &str, remote: &str| s
        .stor(local, Some(remote), Put::default())
        .await);
    reg!(engine, r, "stor", |s,
                             local: &str,
                             remote: &str,
                             opts: Map| s
        .stor(local, Some(remote), put_of(&opts)?)
        .await);
    reg!(engine, r, "stor_text", |s, remote: &str, text: &str| s
        .stor_text(remote, text)
        .await);
    reg!(engine, r, "appe", |s, local: &str, remote: &str| s
        .appe(local, remote)
        .await);

    // Mirroring.
    reg!(engine, r, "mirror", |s, remote: &str, local: &str| s
        .mirror(false, remote, local, &Map::new())
        .await);
    reg!(
        engine,
        r,
        "mirror",
        |s, remote: &str, local: &str, opts: Map| s.mirror(false, remote, local, &opts).await
    );
    reg!(engine, r, "mirror_up", |s, local: &str, remote: &str| s
        .mirror(true, local, remote, &Map::new())
        .await);
    reg!(
        engine,
        r,
        "mirror_up",
        |s, local: &str, remote: &str, opts: Map| s.mirror(true, local, remote, &opts).await
    );

    // Commands and settings.
    reg!(engine, r, "sendcmd", |s, cmd: &str| s
        .with(async |f| f.sendcmd(cmd).await)
        .await);
    reg!(engine, r, "voidcmd", |s, cmd: &str| s
        .with(async |f| f.voidcmd(cmd).await)
        .await);
    reg!(engine, r, "feat", |s| s
        .with(async |f| f.feat().await)
        .await
        .map(strings));
    reg!(engine, r, "binary", |s| s.set_ascii(false).await);
    reg!(engine, r, "ascii", |s| s.set_ascii(true).await);
    reg!(engine, r, "passive", |s, on: bool| s
        .with(async |f| {
            f.set_pasv(on);
            Ok(())
        })
        .await);
    reg!(engine, r, "prot_p", |s| s
        .with(async |f| f.prot_p().await)
        .await);
    reg!(engine, r, "prot_c", |s| s
        .with(async |f| f.prot_c().await)
        .await);
    reg!(engine, r, "set_debuglevel", |s, level: INT| s
        .set_debuglevel(level));
    reg!(engine, r, "set_encoding", |s, name: &str| s
        .set_encoding(name));
    let rc = runner.clone();
    engine.register_fn("encoding", move || rc.borrow().encoding());

    // The local side.
    reg!(engine, r, "lcd", |s, path: &str| s.lcd(path));
    let rc = runner.clone();
    engine.register_fn("lpwd", move || rc.borrow().lpwd());

    // ftplib's names beside the runner's.
    reg!(engine, r, "getwelcome", |s| s.welcome());
    reg!(engine, r, "set_pasv", |s, on: bool| s
        .with(async |f| {
            f.set_pasv(on);
            Ok(())
        })
        .await);
    reg!(engine, r, "ccc", |s| s.with(async |f| f.ccc().await).await);
    reg_ctx!(engine, r, "retrbinary", |ctx, s, cmd: &str, cb: Dynamic| {
        retrbinary(&ctx, &mut s, cmd, cb, Dynamic::UNIT).await
    });
    reg_ctx!(
        engine,
        r,
        "retrbinary",
        |ctx, s, cmd: &str, cb: Dynamic, _blocksize: INT| {
            retrbinary(&ctx, &mut s, cmd, cb, Dynamic::UNIT).await
        }
    );
    reg_ctx!(
        engine,
        r,
        "retrbinary",
        |ctx, s, cmd: &str, cb: Dynamic, _blocksize: INT, rest: Dynamic| {
            retrbinary(&ctx, &mut s, cmd, cb, rest).await
        }
    );
    reg_ctx!(engine, r, "retrlines", |ctx, s, cmd: &str| {
        retrlines(&ctx, &mut s, cmd, None).await
    });
    reg_ctx!(engine, r, "retrlines", |ctx, s, cmd: &str, cb: Dynamic| {
        retrlines(&ctx, &mut s, cmd, Some(cb)).await
    });
    reg_ctx!(
        engine,
        r,
        "storbinary",
        |ctx, s, cmd: &str, file: Dynamic| {
            store(&ctx, &mut s, cmd, false, file, None, Dynamic::UNIT).await
        }
    );
    reg_ctx!(
        engine,
        r,
        "storbinary",
        |ctx, s, cmd: &str, file: Dynamic, _blocksize: INT| {
            store(&ctx, &mut s, cmd, false, file, None, Dynamic::UNIT).await
        }
    );
    reg_ctx!(
        engine,
        r,
        "storbinary",
        |ctx, s, cmd: &str, file: Dynamic, _blocksize: INT, cb: Dynamic| {
            store(&ctx, &mut s, cmd, false, file, Some(cb), Dynamic::UNIT).await
        }
    );
    reg_ctx!(
        engine,
        r,
        "storbinary",
        |ctx, s, cmd: &str, file: Dynamic, _blocksize: INT, cb: Dynamic, rest: Dynamic| {
            store(&ctx, &mut s, cmd, false, file, Some(cb), rest).await
        }
    );
    reg_ctx!(
        engine,
        r,
        "storlines",
        |ctx, s, cmd: &str, file: Dynamic| {
            store(&ctx, &mut s, cmd, true, file, None, Dynamic::UNIT).await
        }
    );
    reg_ctx!(
        engine,
        r,
        "storlines",
        |ctx, s, cmd: &str, file: Dynamic, cb: Dynamic| {
            store(&ctx, &mut s, cmd, true, file, Some(cb), Dynamic::UNIT).await
        }
    );

    // Session objects: ftplib's FTP and FTP_TLS.
    engine.register_type_with_name::<Session>("FTP");
    for (class, tls) in [("FTP", false), ("FTP_TLS", true)] {
        let m = runner.clone();
        engine.register_fn(class, move || {
            now!(open_session(&m, tls, None, None, None).await)
        });
        let m = runner.clone();
        engine.register_fn(class, move |host: &str| {
            now!(open_session(&m, tls, Some(host), None, None).await)
        });
        let m = runner.clone();
        engine.register_fn(class, move |host: &str, user: &str| {
            let login = (!user.is_empty()).then_some((user, "", ""));
            now!(open_session(&m, tls, Some(host), login, None).await)
        });
        let m = runner.clone();
        engine.register_fn(class, move |host: &str, user: &str, passwd: &str| {
            let login = (!user.is_empty()).then_some((user, passwd, ""));
            now!(open_session(&m, tls, Some(host), login, None).await)
        });
        let m = runner.clone();
        engine.register_fn(
            class,
            move |host: &str, user: &str, passwd: &str, acct: &str| {
                let login = (!user.is_empty()).then_some((user, passwd, acct));
                now!(open_session(&m, tls, Some(host), login, None).await)
            },
        );
        let m = runner.clone();
        engine.register_fn(
            class,
            move |host: &str, user: &str, passwd: &str, acct: &str, timeout: INT| {
                let login = (!user.is_empty()).then_some((user, passwd, acct));
                now!(open_session(&m, tls, Some(host), login, Some(timeout)).await)
            },
        );
    }

    // The server probe.
    reg!(engine, r, "probe", |s| s.probe(None, None).await);
    reg!(engine, r, "probe", |s, url: &str| s
        .probe(Some(url), None)
        .await);
    reg!(engine, r, "probe", |s, url: &str, most: INT| s
        .probe(Some(url), Some(most))
        .await);

    // Server-to-server copies: fxp(from, path, to, path), and with the
    // script's first session (or a session object) as the source.
    reg!(
        engine,
        r,
        "fxp",
        |s, from: &str, to: Session, to_path: &str| {
            fxp_between(&mut s, from, &to, to_path).await
        }
    );
    engine.register_fn(
        "fxp",
        |from: Session, from_path: &str, to: Session, to_path: &str| {
            let mut source = lend(&from.0)?;
            now!(fxp_between(&mut source, from_path, &to, to_path).await)
        },
    );

    // Local files: Python's open(), in the sandbox.
    engine.register_type_with_name::<ScriptFile>("File");
    let sandbox = runner.borrow().sandbox();
    let sb = sandbox.clone();
    engine.register_fn("open", move |path: &str| {
        ScriptFile::open(&mut sb.borrow_mut(), path, "r")
    });
    engine.register_fn("open", move |path: &str, mode: &str| {
        ScriptFile::open(&mut sandbox.borrow_mut(), path, mode)
    });
    engine.register_fn("read", |f: &mut ScriptFile| f.read(None));
    engine.register_fn("read", |f: &mut ScriptFile, n: INT| f.read(Some(n)));
    engine.register_fn("readline", ScriptFile::readline);
    engine.register_fn("write", ScriptFile::write);
    engine.register_fn("close", ScriptFile::close);

    // One line for each function.
    engine.register_fn("help", || crate::help::help(None));
    engine.register_fn("help", |name: &str| crate::help::help(Some(name)));

    // Helpers for automation.
    engine.register_fn("sleep", |secs: INT| sleep(secs as f64));
    engine.register_fn("sleep", sleep);
    engine.register_fn("now_utc", now_utc);
    engine
}
