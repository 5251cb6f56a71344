//! # ftp-script
//!
//! The Rhai-scripted FTP automation runner: scripts such as
//! `login(); cwd("debian"); retr("README")` run as written, on ftp-std.
//! See `ftp-script --help` and the README for the functions; errors reach
//! scripts as maps `#{code, kind, message}` that `try`/`catch` can handle.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod engine;
pub mod errors;
mod files;
mod help;
mod logger;
mod probe;
#[cfg(not(target_os = "wasi"))]
mod repl;
pub mod runner;
pub mod sandbox;
mod side;

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::{ArgAction, Parser};
use ftp_std::{Options, Url, Verify};
use rhai::{Array, Dynamic, Scope};

use crate::runner::{Credentials, Runner};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "ftp-script",
    version,
    about = "Runs Rhai scripts that drive FTP sessions (ftplib's methods as functions)",
    override_usage = "ftp-script [OPTIONS] SCRIPT [ARGS...]\n       ftp-script [OPTIONS] -e CODE [ARGS...]\n       ftp-script [OPTIONS] - [ARGS...]   (the script on standard input)"
)]
pub struct Cli {
    /// Run CODE instead of a script file.
    #[arg(short = 'e', value_name = "CODE")]
    pub eval: Option<String>,
    /// An interactive session: statements at a prompt, each value shown
    /// (the default without a script when standard input is a terminal;
    /// with --url, after the login).
    #[arg(short = 'i', conflicts_with = "eval")]
    pub interactive: bool,
    /// Connect and log in before the script starts, and start in the URL's
    /// path: ftp://[user[:password]@]host[:port][/path], or ftps:// for
    /// implicit FTPS.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Take credentials from ~/.netrc (or $NETRC) when none are given.
    #[arg(long)]
    pub netrc: bool,
    /// Require explicit FTPS: AUTH TLS before login, PBSZ 0 + PROT P after.
    #[arg(long)]
    pub tls: bool,
    /// Verify the server's certificate against the CA certificates (or the
    /// server's own certificate) in FILE instead of the system's.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Take any certificate (for tests only: a man in the middle can read
    /// everything).
    #[arg(long, conflicts_with = "cacert")]
    pub insecure: bool,
    /// The newest TLS version to use: 1.2 or 1.3 (the default), as curl's
    /// --tls-max (for a server whose TLS 1.3 is broken).
    #[arg(long, value_name = "VERSION")]
    pub tls_max: Option<String>,
    /// The server's public key must be one of these (curl's
    /// --pinnedpubkey): sha256//BASE64, several joined by ';'; on top of
    /// the certificate check (instead of it with --insecure).
    #[arg(long, value_name = "PINS")]
    pub pinnedpubkey: Option<String>,
    /// The virtual host to ask for (RFC 7151): HOST NAME before login (and
    /// before AUTH TLS), whatever FEAT says; a server that refuses the
    /// name is an error. Without it HOST goes out, with the host
    /// connected to, when the server's FEAT lists HOST.
    #[arg(long, value_name = "NAME")]
    pub vhost: Option<String>,
    /// Never send HOST, not even when FEAT lists it (and no FEAT before
    /// login).
    #[arg(long, conflicts_with = "vhost")]
    pub no_host: bool,
    /// Probe the server of URL (ftp://[user[:password]@]host[:port]/, or
    /// ftps://) and print what it supports and needs, one line each, then
    /// the options to use with it; no script runs.
    #[arg(long, value_name = "URL", conflicts_with_all = ["eval", "interactive", "url"])]
    pub probe: Option<String>,
    /// How many sessions at once --probe (and probe()) tries at most, to
    /// find the server's limit.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub probe_connections: u32,
    /// Single transfers (retr, stor) that fail for a passing reason (a
    /// lost connection, a 421, a 426, a timeout) are tried again up to N
    /// times on a new connection, continuing from what arrived (REST,
    /// APPE), after pauses of 1 s doubling to 30 s; a refusal (550) is
    /// not. `retries` of one transfer overrides it.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retry: u32,
    /// The most every transfer moves a second, downloads and uploads, as
    /// curl's --limit-rate: bytes, or with K, M or G (100K, 2M); a
    /// mirror's connections share it.
    #[arg(long, value_name = "RATE")]
    pub limit_rate: Option<String>,
    /// A client certificate (PEM, the chain) for servers that require one.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (PEM); by default it is read
    /// from the --cert file.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Connect through a proxy, control and data connections (curl's
    /// spellings): socks5h://[user:pass@]host[:port] (the proxy resolves
    /// names), socks5://... (resolved here), http://... (a CONNECT
    /// tunnel). Without it, $ftp_proxy or $ALL_PROXY.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Hosts reached without the proxy: a comma list of names (each also
    /// matching its subdomains) or `*` (as curl's --noproxy; overrides
    /// $NO_PROXY).
    #[arg(long, value_name = "HOSTS")]
    pub noproxy: Option<String>,
    /// The encoding of names on the server (ftplib's `encoding`): utf-8
    /// (the default), latin-1, cp1251, cp1252, shift_jis, ... (Python's
    /// spellings or WHATWG labels). Names that are not valid in it are
    /// kept as they are and still name the same files.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Active mode (the server connects back; EPRT/PORT).
    #[arg(long)]
    pub active: bool,
    /// In active mode, take a data connection from any address (servers
    /// behind odd NAT). By default one that does not come from the server
    /// is refused.
    #[arg(long)]
    pub no_verify_data_peer: bool,
    /// Timeout in seconds for connects, each reply and each data read or
    /// write.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Debug output on stderr (ftplib's levels: -v commands and replies,
    /// -vv every line); passwords are masked.
    #[arg(short = 'v', action = ArgAction::Count)]
    pub verbose: u8,
    /// Rhai operations before a script is stopped (ends runaway loops).
    #[arg(long, value_name = "N", default_value_t = 20_000_000)]
    pub max_operations: u64,
    /// Let the script read and write in DIR too (by default only the
    /// current directory's tree).
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_path: Vec<PathBuf>,
    /// The script file (unless -e; `-` or nothing with standard input not
    /// a terminal: the script on standard input), then the arguments the
    /// script sees as the array ARGS.
    #[arg(
        value_name = "SCRIPT_AND_ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub rest: Vec<String>,
}

/// The interactive session (a terminal's; WASI has none).
#[cfg(not(target_os = "wasi"))]
fn interact(
    engine: &mut rhai::Engine,
    scope: &mut Scope,
    runner: &Rc<RefCell<Runner>>,
    cancel: &ftp_std::Cancel,
) -> ExitCode {
    let status = repl::run(engine, scope, runner, cancel);
    side::end_session(runner);
    status
}

#[cfg(target_os = "wasi")]
fn interact(
    _: &mut rhai::Engine,
    _: &mut Scope,
    runner: &Rc<RefCell<Runner>>,
    _: &ftp_std::Cancel,
) -> ExitCode {
    side::end_session(runner);
    fail(
        "no interactive session under WASI: give a SCRIPT, - or -e CODE",
        2,
    )
}

/// The script on standard input.
fn read_stdin() -> Result<String, String> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .map_err(|e| format!("cannot read the script from standard input: {e}"))?;
    Ok(text)
}

fn fail(message: impl std::fmt::Display, status: u8) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(status)
}

fn options(cli: &Cli) -> Result<Options, String> {
    let mut options = Options::default();
    if let Some(secs) = cli.timeout {
        if !(secs > 0.0 && secs <= 86_400.0) {
            return Err(format!("--timeout {secs}: give seconds from 0 to 86400"));
        }
        options = options.timeout(Duration::from_secs_f64(secs));
    }
    if let Some(ca) = &cli.cacert {
        options.verify = Verify::CaFile(ca.clone());
    }
    if cli.insecure {
        options.verify = Verify::Insecure;
    }
    if let Some(pins) = &cli.pinnedpubkey {
        options.pinned_keys =
            ftp_std::parse_pinned_keys(pins).map_err(|e| format!("--pinnedpubkey: {e}"))?;
    }
    if let Some(max) = &cli.tls_max {
        options.tls_max = max.parse().map_err(|e| format!("--tls-max: {e}"))?;
    }
    if let Some(cert) = &cli.cert {
        let key = cli.key.clone().unwrap_or_else(|| cert.clone());
        options = options.client_cert(cert, key);
    }
    if let Some(name) = &cli.vhost {
        options = options.host_name(name.clone());
    }
    if let Some(rate) = &cli.limit_rate {
        options.rate_limit =
            Some(ftp_std::RateLimit::parse(rate).map_err(|e| format!("--limit-rate: {e}"))?);
    }
    if cli.no_host {
        options.host_command = ftp_std::HostCommand::Never;
    }
    options.passive = !cli.active;
    options.verify_data_peer = !cli.no_verify_data_peer;
    if let Some(name) = &cli.encoding {
        options.encoding = name.parse().map_err(|e| format!("--encoding: {e}"))?;
    }
    Ok(options)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn credentials(cli: &Cli, url: Option<&Url>) -> Result<Credentials, String> {
    let env_pair = env("FTP_USER").map(|u| (u, env("FTP_PASSWORD").unwrap_or_default()));
    let mut creds = Credentials {
        url: None,
        env: env_pair,
        netrc: cli.netrc,
    };
    if let Some(url) = url.filter(|u| u.user.is_some()) {
        let netrc = if cli.netrc {
            ftp_std::Netrc::load_default().map_err(|e| format!("netrc: {e}"))?
        } else {
            None
        };
        let (user, mut pass, acct) = url.credentials_with(netrc.as_ref());
        if url.password.is_none() && pass.is_empty() {
            pass = env("FTP_PASSWORD").unwrap_or_default();
        }
        creds.url = Some((user, pass, acct));
    }
    Ok(creds)
}

/// `--probe URL`: the findings, one line each; exit 1 when the server
/// cannot be reached or logged in to.
fn probe_and_print(target: &str, options: &Options, most: usize) -> ExitCode {
    let url = match Url::parse(target) {
        Ok(u) => u,
        Err(e) => return fail(e, 2),
    };
    match side::wait(side::probe(&url, options, most)) {
        Ok(found) => {
            for line in probe::describe(&found) {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{}:{}: {e}", url.host, url.port), 1),
    }
}

/// Runs the runner with a parsed command line; returns the exit status
/// (0 done, 1 the script failed, 2 bad usage).
pub fn run(cli: Cli) -> ExitCode {
    if let Some(target) = &cli.probe {
        return match options(&cli) {
            Ok(options) => probe_and_print(target, &options, cli.probe_connections as usize),
            Err(e) => fail(e, 2),
        };
    }
    let interactive = cli.interactive
        || (cli.eval.is_none() && cli.rest.is_empty() && std::io::stdin().is_terminal());
    let (source, args) = match &cli.eval {
        Some(code) => (code.clone(), cli.rest.clone()),
        None if interactive => (String::new(), cli.rest.clone()),
        None => match cli.rest.split_first() {
            // `-`, or no script with standard input not a terminal: the
            // script comes on standard input (`ftp-script - < job.rhai`,
            // a here-document, a pipe).
            Some((dash, args)) if dash == "-" => match read_stdin() {
                Ok(text) => (text, args.to_vec()),
                Err(e) => return fail(e, 2),
            },
            None if !std::io::stdin().is_terminal() => match read_stdin() {
                Ok(text) => (text, Vec::new()),
                Err(e) => return fail(e, 2),
            },
            None => {
                return fail(
                    "give a SCRIPT file, - (standard input) or -e CODE (see --help)",
                    2,
                );
            }
            Some((script, args)) => match std::fs::read_to_string(script) {
                Ok(text) => (text, args.to_vec()),
                Err(e) => return fail(format!("cannot read the script {script}: {e}"), 2),
            },
        },
    };
    let mut options = match options(&cli) {
        Ok(o) => o,
        Err(e) => return fail(e, 2),
    };
    // At a prompt, Ctrl-C stops the transfer in progress (every session
    // shares the flag) and the session goes on.
    let cancel = ftp_std::Cancel::default();
    if interactive {
        options = options.cancel(cancel.clone());
    }
    let url = match cli.url.as_deref().map(Url::parse).transpose() {
        Ok(u) => u,
        Err(e) => return fail(e, 2),
    };
    let creds = match credentials(&cli, url.as_ref()) {
        Ok(c) => c,
        Err(e) => return fail(e, 2),
    };
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => return fail(format!("no current directory: {e}"), 2),
    };
    let sandbox = match sandbox::Sandbox::new(&cwd, &cli.allow_path) {
        Ok(s) => s,
        Err(e) => return fail(e, 2),
    };
    logger::set_level(cli.verbose.min(2));
    let proxy = match cli.proxy.as_deref().map(ftp_std::Proxy::parse).transpose() {
        Ok(p) => runner::ProxyChoice {
            given: p,
            noproxy: cli.noproxy.clone(),
        },
        Err(e) => return fail(format!("--proxy: {e}"), 2),
    };
    let runner = Rc::new(RefCell::new(Runner::new(
        options,
        cli.tls,
        creds,
        cli.verbose.min(2),
        sandbox,
        proxy,
    )));
    runner.borrow_mut().set_retries(cli.retry);
    if let Some(url) = &url {
        let opened = side::wait(runner.borrow_mut().open_url(url));
        if let Err(e) = opened {
            side::end_session(&runner);
            return fail(errors::describe(&e), 1);
        }
    }
    #[allow(unused_mut)]
    let mut engine = engine::build(
        runner.clone(),
        engine::Limits {
            max_operations: cli.max_operations,
        },
    );
    let mut scope = Scope::new();
    let args: Array = args.into_iter().map(Dynamic::from).collect();
    scope.push_constant("ARGS", args);
    if interactive {
        return interact(&mut engine, &mut scope, &runner, &cancel);
    }
    let result = engine
        .compile(&source)
        .map_err(|e| e.into())
        .and_then(|ast| engine.run_ast_with_scope(&mut scope, &ast));
    // A session still open says goodbye, after an error too.
    side::end_session(&runner);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(errors::describe(&e), 1),
    }
}
