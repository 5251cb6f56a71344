// The reference's first sample session, written once for the `session`
// (blocking) and `session_async` (tokio) examples: the same lines, the
// same files, the same exit status.

use std::process::ExitCode;

use ftp_std::{Error, Options, Url};

use super::{Ftp, bisync};

#[bisync]
pub async fn run(url: &str) -> Result<(), Error> {
    let url = Url::parse(url)?;
    println!(">>> from ftplib import FTP");
    println!(">>> ftp = FTP('{}')", url.host);
    let mut ftp = Ftp::connect_url(&url, &Options::default()).await?;
    let (user, pass, acct) = url.credentials()?;
    println!(">>> ftp.login()");
    println!("'{}'", ftp.login(&user, &pass, &acct).await?);
    let dir = match url.path.as_str() {
        "" => "debian",
        path => path,
    };
    println!(">>> ftp.cwd('{dir}')");
    println!("'{}'", ftp.cwd(dir).await?);
    println!(">>> ftp.retrlines('LIST')");
    let reply = ftp.retrlines("LIST", |line| println!("{line}")).await?;
    println!("'{reply}'");
    println!(">>> ftp.retrbinary('RETR README', open('README', 'wb').write)");
    // Written as README.part, renamed once the server said 226.
    ftp.download("README", "README").await?;
    println!(
        "'{}'",
        ftp.last_reply().map(String::from).unwrap_or_default()
    );
    println!(">>> ftp.quit()");
    println!("'{}'", ftp.quit().await?);
    Ok(())
}

/// The program around [`run`]: the URL from the command line, the exit
/// status (0 done, 1 an error, 2 a usage error).
pub fn main_with(run: impl FnOnce(&str) -> Result<(), Error>, name: &str) -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: {name} URL");
        return ExitCode::from(2);
    };
    match run(&url) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
