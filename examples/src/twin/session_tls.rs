// The reference's FTP_TLS sample, written once for the `session_tls`
// (blocking) and `session_tls_async` (tokio) examples: the same lines, the
// same exit status.

use std::process::ExitCode;

use ftp_std::{Error, Options, Security, Url, Verify};

use super::{Ftp, bisync};

#[bisync]
pub async fn run(url: &str, verify: Verify) -> Result<(), Error> {
    let url = Url::parse(url)?;
    let options = Options::default()
        .security(Security::Explicit)
        .verify(verify);
    println!(">>> from ftplib import FTP_TLS");
    println!(">>> ftps = FTP_TLS('{}')", url.host);
    let mut ftps = Ftp::connect_url(&url, &options).await?;
    let (user, pass, acct) = url.credentials()?;
    println!(">>> ftps.login()");
    println!("'{}'", ftps.login(&user, &pass, &acct).await?);
    println!(">>> ftps.prot_p()");
    println!("'{}'", ftps.prot_p().await?);
    if !url.path.is_empty() {
        println!(">>> ftps.cwd('{}')", url.path);
        println!("'{}'", ftps.cwd(&url.path).await?);
    }
    println!(">>> ftps.retrlines('LIST')");
    let reply = ftps.retrlines("LIST", |line| println!("{line}")).await?;
    println!("'{reply}'");
    println!(">>> ftps.quit()");
    println!("'{}'", ftps.quit().await?);
    Ok(())
}

/// The program around [`run`]: the URL and the verification from the
/// command line, the exit status (0 done, 1 an error, 2 a usage error).
pub fn main_with(run: impl FnOnce(&str, Verify) -> Result<(), Error>, name: &str) -> ExitCode {
    let usage = format!("usage: {name} URL [--cacert FILE | --insecure]");
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
