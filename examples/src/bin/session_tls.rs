//! The reference's FTP_TLS sample over ftp-std: login (securing the
//! control connection first), prot_p, LIST, quit.
//!
//! usage: session_tls URL [--cacert FILE | --insecure]
//! (`ftp://` is explicit FTPS with AUTH TLS, `ftps://` implicit FTPS; the
//! certificate is verified against the system roots unless a CA file is
//! given; --insecure takes any certificate and is for tests only)

use std::process::ExitCode;

use ftp_std::{Error, Ftp, Options, Security, Url, Verify};

fn run(url: &str, verify: Verify) -> Result<(), Error> {
    let url = Url::parse(url)?;
    let options = Options::default()
        .security(Security::Explicit)
        .verify(verify);
    println!(">>> from ftplib import FTP_TLS");
    println!(">>> ftps = FTP_TLS('{}')", url.host);
    let mut ftps = Ftp::connect_url(&url, &options)?;
    let (user, pass, acct) = url.credentials()?;
    println!(">>> ftps.login()");
    println!("'{}'", ftps.login(&user, &pass, &acct)?);
    println!(">>> ftps.prot_p()");
    println!("'{}'", ftps.prot_p()?);
    if !url.path.is_empty() {
        println!(">>> ftps.cwd('{}')", url.path);
        println!("'{}'", ftps.cwd(&url.path)?);
    }
    println!(">>> ftps.retrlines('LIST')");
    let reply = ftps.retrlines("LIST", |line| println!("{line}"))?;
    println!("'{reply}'");
    println!(">>> ftps.quit()");
    println!("'{}'", ftps.quit()?);
    Ok(())
}

fn main() -> ExitCode {
    let usage = "usage: session_tls URL [--cacert FILE | --insecure]";
    let mut args = std::env::args().skip(1);
    let mut url = None;
    let mut verify = Verify::SystemRoots;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--insecure" => verify = Verify::Insecure,
            "--cacert" => match args.next() {
                Some(file) => verify = Verify::CaFile(file.into()),
                None => {
                    eprintln!("{usage}");
                    return ExitCode::from(2);
                }
            },
            _ if url.is_none() && !arg.starts_with("--") => url = Some(arg),
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(url) = url else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    match run(&url, verify) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
