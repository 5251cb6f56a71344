//! The session cases, written once in async shape and run against both
//! twins (core/tests/session.rs includes this file twice).

use super::common::{MockData, Plan};
use super::{Ftp, bisync, twin_test};
use embedded_io::ErrorKind;
use ftp_core::doc_support::Scripted;
use ftp_core::mlsd::EntryKind;
use ftp_core::{Error, InvalidArgument, ProtocolError, TransferType};

/// Serves `data` to an upload in as large pieces as the buffer takes.
#[bisync]
fn source<E>(mut data: &[u8]) -> impl AsyncFnMut(&mut [u8]) -> Result<usize, E> + '_ {
    async move |buf: &mut [u8]| {
        let n = buf.len().min(data.len());
        buf[..n].copy_from_slice(&data[..n]);
        data = &data[n..];
        Ok(n)
    }
}

type Session<'a> = Ftp<Scripted<'a>, MockData>;
type Steps<'a> = &'a [(&'a [u8], &'a [u8])];

const PEER: &str = "127.0.0.1:21";

#[bisync]
async fn open<'a>(steps: Steps<'a>, plans: Vec<Plan>) -> (Session<'a>, MockData) {
    open_chunked(steps, plans, usize::MAX).await
}

#[bisync]
async fn open_chunked<'a>(
    steps: Steps<'a>,
    plans: Vec<Plan>,
    chunk: usize,
) -> (Session<'a>, MockData) {
    let data = MockData::new(plans);
    let ftp = Ftp::connect(
        Scripted::chunked(steps, chunk),
        data.clone(),
        PEER.parse().unwrap(),
    )
    .await
    .expect("welcome");
    (ftp, data)
}

fn done(ftp: &mut Session<'_>) {
    assert!(
        ftp.control_mut().finished(),
        "script not played to the end (step {})",
        ftp.control_mut().step()
    );
}

const W: (&[u8], &[u8]) = (b"", b"220 (vsFTPd 3.0.3)\r\n");

// ----- connect and login ------------------------------------------------

#[twin_test]
async fn welcome_is_kept_and_120_waits_for_220() {
    let steps: Steps = &[(b"", b"120 Ready in 1 minute\r\n220-Hello\r\n220 there\r\n")];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert_eq!(ftp.getwelcome(), b"220-Hello\n220 there");
    done(&mut ftp);
}

#[twin_test]
async fn welcome_421_is_temporary_and_garbage_is_protocol() {
    let steps: Steps = &[(b"", b"421 Too many users\r\n")];
    let err = Ftp::<_, _>::connect(
        Scripted::new(steps),
        MockData::new(vec![]),
        PEER.parse().unwrap(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        matches!(&err, Error::Temporary(r) if r.code().get() == 421 && r.text() == b"421 Too many users")
    );
    let steps: Steps = &[(b"", b"SSH-2.0-OpenSSH_9.2\r\n")];
    let err = Ftp::<_, _>::connect(
        Scripted::new(steps),
        MockData::new(vec![]),
        PEER.parse().unwrap(),
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(err, Error::Protocol(ProtocolError::BadReplyCode)));
}

#[twin_test]
async fn anonymous_login_sends_ftplib_defaults() {
    let steps: Steps = &[
        W,
        (
            b"USER anonymous\r\n",
            b"331 Please specify the password.\r\n",
        ),
        (b"PASS anonymous@\r\n", b"230 Login successful.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    let reply = ftp.login("", "", "").await.unwrap();
    assert_eq!(reply.code().get(), 230);
    assert_eq!(reply.text(), b"230 Login successful.");
    done(&mut ftp);
}

#[twin_test]
async fn login_variants() {
    // 230 right after USER: no PASS.
    let steps: Steps = &[W, (b"USER ftp\r\n", b"230 Welcome\r\n")];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.login("ftp", "x", "").await.unwrap();
    done(&mut ftp);
    // 331 -> PASS -> 332 -> ACCT.
    let steps: Steps = &[
        W,
        (b"USER bob\r\n", b"331 Password\r\n"),
        (b"PASS s3cret\r\n", b"332 Need account\r\n"),
        (b"ACCT acme\r\n", b"230 OK\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.login("bob", "s3cret", "acme").await.unwrap();
    done(&mut ftp);
    // 332 straight after USER -> ACCT (not PASS).
    let steps: Steps = &[
        W,
        (b"USER bob\r\n", b"332 Need account\r\n"),
        (b"ACCT acme\r\n", b"230 OK\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.login("bob", "pw", "acme").await.unwrap();
    done(&mut ftp);
    // anonymous with "-" password.
    let steps: Steps = &[
        W,
        (b"USER anonymous\r\n", b"331 p\r\n"),
        (b"PASS -anonymous@\r\n", b"230 OK\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.login("anonymous", "-", "").await.unwrap();
    done(&mut ftp);
}

#[twin_test]
async fn wrong_password_is_permanent_with_server_text() {
    let steps: Steps = &[
        W,
        (b"USER bob\r\n", b"331 Please specify the password.\r\n"),
        (b"PASS wrong\r\n", b"530 Login incorrect.\r\n"),
        (b"NOOP\r\n", b"200 NOOP ok.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    let err = ftp.login("bob", "wrong", "").await.unwrap_err();
    assert_eq!(err.code(), Some(530));
    assert!(matches!(&err, Error::Permanent(r) if r.text() == b"530 Login incorrect."));
    assert_eq!(err.to_string(), "530 Login incorrect.");
    // The session stays usable.
    ftp.noop().await.unwrap();
    done(&mut ftp);
}

#[twin_test]
async fn login_421_is_temporary_and_unexpected_code_is_reply_error() {
    let steps: Steps = &[W, (b"USER bob\r\n", b"421 Service not available\r\n")];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(matches!(
        ftp.login("bob", "x", "").await,
        Err(Error::Temporary(_))
    ));
    let steps: Steps = &[W, (b"USER bob\r\n", b"120 wait\r\n")];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(
        matches!(ftp.login("bob", "x", "").await, Err(Error::Unexpected(r)) if r.code().get() == 120)
    );
}

#[twin_test]
async fn control_characters_are_refused_before_anything_is_sent() {
    // The script has no step after the welcome: any write panics.
    let steps: Steps = &[W];
    let (mut ftp, _) = open(steps, vec![Plan::default()]).await;
    assert!(matches!(
        ftp.login("bob\r\nDELE x", "p", "").await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ftp.login("bob", "p\n", "").await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ftp.cwd("a\0b").await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ftp.rename("a", "b\r").await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ftp.sendcmd("NOOP\r\nDELE x").await,
        Err(Error::InvalidArgument(_))
    ));
    let mut buf = [0u8; 64];
    assert!(matches!(
        ftp.retrbinary("RETR a\nb", &mut buf, None, async |_| Ok(()))
            .await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ftp.storbinary("STOR x\r\nDELE y", &mut buf, None, async |_| Ok(0), |_| {})
            .await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ftp.nlst("x\n", &mut buf, async |_| Ok(())).await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ftp.mlsd("\r", &[], &mut buf, async |_| Ok(())).await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ftp.delete("x\r\n").await,
        Err(Error::InvalidArgument(InvalidArgument::ControlCharacter))
    ));
    done(&mut ftp);
}

// ----- simple commands --------------------------------------------------

#[twin_test]
async fn cwd_cdup_pwd_mkd_rmd() {
    let steps: Steps = &[
        W,
        (
            b"CWD debian\r\n",
            b"250 Directory successfully changed.\r\n",
        ),
        (b"CDUP\r\n", b"250 Directory successfully changed.\r\n"),
        (b"CDUP\r\n", b"500 Unknown command.\r\n"),
        (b"CWD ..\r\n", b"250 OK\r\n"),
        (b"CWD .\r\n", b"250 OK\r\n"),
        (
            b"PWD\r\n",
            b"257 \"/home/a \"\"q\"\"\" is the current directory\r\n",
        ),
        (b"MKD new dir\r\n", b"257 \"/new dir\" created\r\n"),
        (b"MKD x\r\n", b"257 MKD command successful.\r\n"),
        (b"MKD y\r\n", b"250 odd but not 257\r\n"),
        (b"PWD\r\n", b"200 odd but not 257\r\n"),
        (b"PWD\r\n", b"257 no quotes here\r\n"),
        (
            b"RMD new dir\r\n",
            b"250 Remove directory operation successful.\r\n",
        ),
        (b"CWD nope\r\n", b"550 Failed to change directory.\r\n"),
        (b"CDUP\r\n", b"550 Permission denied.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert_eq!(ftp.cwd("debian").await.unwrap().code().get(), 250);
    ftp.cwd("..").await.unwrap();
    ftp.cwd("..").await.unwrap();
    ftp.cwd("").await.unwrap();
    assert_eq!(ftp.pwd().await.unwrap(), b"/home/a \"q\"");
    assert_eq!(ftp.mkd("new dir").await.unwrap(), b"/new dir");
    // Made, though the server names no path: the name asked for.
    assert_eq!(ftp.mkd("x").await.unwrap(), b"x");
    // Not 257: ftplib's error_reply, never an empty path.
    assert!(matches!(ftp.mkd("y").await, Err(Error::Unexpected(r)) if r.code().get() == 250));
    assert!(matches!(ftp.pwd().await, Err(Error::Unexpected(r)) if r.code().get() == 200));
    assert!(matches!(
        ftp.pwd().await,
        Err(Error::Protocol(ProtocolError::BadPathReply))
    ));
    ftp.rmd("new dir").await.unwrap();
    let err = ftp.cwd("nope").await.unwrap_err();
    assert!(matches!(&err, Error::Permanent(r) if r.text() == b"550 Failed to change directory."));
    assert_eq!(ftp.cwd("..").await.unwrap_err().code(), Some(550));
    done(&mut ftp);
}

/// A 257 whose quote is opened and never closed is a malformed reply, for
/// PWD and MKD alike, never the fragment; the session goes on.
#[twin_test]
async fn a_257_with_an_unclosed_quote_is_a_protocol_error() {
    let steps: Steps = &[
        W,
        (b"PWD\r\n", b"257 \"Only one\r\n"),
        (b"MKD d\r\n", b"257 \"/d created\r\n"),
        (b"PWD\r\n", b"257 \"/\" is the current directory\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(matches!(
        ftp.pwd().await,
        Err(Error::Protocol(ProtocolError::BadPathReply))
    ));
    assert!(matches!(
        ftp.mkd("d").await,
        Err(Error::Protocol(ProtocolError::BadPathReply))
    ));
    assert_eq!(ftp.pwd().await.unwrap(), b"/");
    done(&mut ftp);
}

#[twin_test]
async fn delete_rename_size_mdtm() {
    let steps: Steps = &[
        W,
        (b"DELE a.txt\r\n", b"250 Delete operation successful.\r\n"),
        (b"DELE b.txt\r\n", b"200 OK\r\n"),
        (b"DELE c.txt\r\n", b"226 odd\r\n"),
        (b"RNFR a\r\n", b"350 Ready for RNTO.\r\n"),
        (b"RNTO b\r\n", b"250 Rename successful.\r\n"),
        (b"RNFR a\r\n", b"250 odd\r\n"),
        (b"SIZE big.iso\r\n", b"213 4294967296\r\n"),
        (b"SIZE dir\r\n", b"200 odd\r\n"),
        (b"SIZE d2\r\n", b"250 A directory.\r\n"),
        (b"SIZE e\r\n", b"350 odd\r\n"),
        (b"SIZE missing\r\n", b"550 Could not get file size.\r\n"),
        (b"SIZE bad\r\n", b"213 lots\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.delete("a.txt").await.unwrap();
    ftp.delete("b.txt").await.unwrap();
    assert!(matches!(
        ftp.delete("c.txt").await,
        Err(Error::Unexpected(_))
    ));
    assert_eq!(ftp.rename("a", "b").await.unwrap().code().get(), 250);
    // RNTO is not sent after a wrong RNFR reply.
    assert!(
        matches!(ftp.rename("a", "b").await, Err(Error::Unexpected(r)) if r.code().get() == 250)
    );
    assert_eq!(ftp.size("big.iso").await.unwrap(), Some(4_294_967_296));
    // Another 2xx than 213: no size, as ftplib's `size` returns None.
    assert_eq!(ftp.size("dir").await.unwrap(), None);
    assert_eq!(ftp.size("d2").await.unwrap(), None);
    // Not a completion: no answer to SIZE at all.
    assert!(matches!(ftp.size("e").await, Err(Error::Unexpected(r)) if r.code().get() == 350));
    assert!(matches!(
        ftp.size("missing").await,
        Err(Error::Permanent(_))
    ));
    assert!(matches!(
        ftp.size("bad").await,
        Err(Error::Protocol(ProtocolError::BadSizeReply))
    ));
    done(&mut ftp);

    let steps: Steps = &[
        W,
        (b"MDTM README\r\n", b"213 20240615101800\r\n"),
        (b"MDTM frac\r\n", b"213 20240615101800.250\r\n"),
        (b"MDTM odd\r\n", b"213 yesterday\r\n"),
        (
            b"MDTM gone\r\n",
            b"550 Could not get file modification time.\r\n",
        ),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    let t = ftp.mdtm("README").await.unwrap();
    assert_eq!(
        (t.year, t.month, t.day, t.hour, t.minute, t.second),
        (2024, 6, 15, 10, 18, 0)
    );
    assert_eq!(ftp.mdtm("frac").await.unwrap().nanos, 250_000_000);
    assert!(matches!(
        ftp.mdtm("odd").await,
        Err(Error::Protocol(ProtocolError::BadTimestamp))
    ));
    assert!(matches!(ftp.mdtm("gone").await, Err(Error::Permanent(_))));
    done(&mut ftp);
}

#[twin_test]
async fn sendcmd_voidcmd_feat_syst_site_stat_help() {
    let steps: Steps = &[
        W,
        (b"SITE CHMOD 644 x\r\n", b"200 SITE CHMOD command ok.\r\n"),
        (b"USER x\r\n", b"331 Please specify the password.\r\n"),
        (b"FEAT\r\n", b"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n MLST type*;size*;modify*;\r\n UTF8\r\n211 End\r\n"),
        (b"SYST\r\n", b"215 UNIX Type: L8\r\n"),
        (b"SITE HELP\r\n", b"214-The following SITE commands are recognized\r\n CHMOD\r\n214 Help OK\r\n"),
        (b"STAT\r\n", b"211-FTP server status:\r\n     Connected to 127.0.0.1\r\n211 End of status\r\n"),
        (b"HELP\r\n", b"214-The following commands are recognized.\r\n ABOR ACCT\r\n214 Help OK.\r\n"),
        (b"FEAT\r\n", b"500 Unknown command.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert_eq!(
        ftp.sendcmd("SITE CHMOD 644 x").await.unwrap().text(),
        b"200 SITE CHMOD command ok."
    );
    assert!(
        matches!(ftp.voidcmd("USER x").await, Err(Error::Unexpected(r)) if r.code().get() == 331)
    );
    let mut features = Vec::new();
    ftp.feat(|f| features.push(String::from_utf8(f.to_vec()).unwrap()))
        .await
        .unwrap();
    assert_eq!(
        features,
        ["EPRT", "EPSV", "MDTM", "MLST type*;size*;modify*;", "UTF8"]
    );
    assert_eq!(ftp.syst().await.unwrap().text(), b"215 UNIX Type: L8");
    assert_eq!(ftp.site("HELP").await.unwrap().code().get(), 214);
    let mut lines = 0;
    ftp.stat("", |_| lines += 1).await.unwrap();
    assert_eq!(lines, 3);
    let mut help = Vec::new();
    ftp.help("", |l| help.push(l.to_vec())).await.unwrap();
    assert_eq!(help[1], b" ABOR ACCT");
    assert!(matches!(ftp.feat(|_| {}).await, Err(Error::Permanent(_))));
    done(&mut ftp);
}

/// putcmd sends and reads nothing; getresp reads its reply afterwards
/// (the 150, then the 226 of a transfer another party carries); a command
/// sent while the reply is still owed is refused as out of step.
#[twin_test]
async fn putcmd_leaves_the_reply_for_getresp() {
    let steps: Steps = &[
        W,
        (b"STOR x\r\n", b""),
        (b"", b"150 Ok to send data.\r\n226 Transfer complete.\r\n"),
        (b"NOOP\r\n", b"200 ok\r\n"),
        (b"STOR y\r\n", b""),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(matches!(
        ftp.putcmd("a\r\nb").await,
        Err(Error::InvalidArgument(_))
    ));
    ftp.putcmd("STOR x").await.unwrap();
    assert_eq!(ftp.getresp().await.unwrap().code().get(), 150);
    assert_eq!(ftp.voidresp().await.unwrap().code().get(), 226);
    ftp.noop().await.unwrap();
    ftp.putcmd("STOR y").await.unwrap();
    assert!(matches!(
        ftp.noop().await,
        Err(Error::Protocol(ProtocolError::OutOfSync))
    ));
    // Out of step: the session is done with.
    assert!(!ftp.is_open());
    assert_eq!(ftp.control_mut().step(), 4);
}

/// HOST before USER (RFC 7151): 220 and the login goes on; a server
/// without it (500) and an unknown name (504) are the server's errors,
/// the session usable.
#[twin_test]
async fn host_names_the_virtual_host_before_login() {
    let steps: Steps = &[
        W,
        (
            b"HOST files.example.com\r\n",
            b"220 Host files.example.com ready\r\n",
        ),
        (b"HOST [::1]\r\n", b"504 Unknown virtual host\r\n"),
        (b"HOST x\r\n", b"500 HOST not understood\r\n"),
        (b"USER u\r\n", b"331 Password\r\n"),
        (b"PASS p\r\n", b"230 Welcome\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert_eq!(
        ftp.host("files.example.com").await.unwrap().code().get(),
        220
    );
    assert!(matches!(ftp.host("[::1]").await, Err(Error::Permanent(r)) if r.code().get() == 504));
    assert!(matches!(ftp.host("x").await, Err(Error::Permanent(r)) if r.code().get() == 500));
    assert!(matches!(
        ftp.host("a\r\nUSER b").await,
        Err(Error::InvalidArgument(_))
    ));
    ftp.login("u", "p", "").await.unwrap();
    done(&mut ftp);
}

/// A listing over the control connection: ProFTPD's leading space, a
/// server repeating the code, vsftpd's bare lines; no data connection
/// (MockData has no plan: one would fail the test); a refusal is the
/// server's error, the session usable after it.
#[twin_test]
async fn stat_list_gives_the_listing_lines_without_a_data_connection() {
    let steps: Steps = &[
        W,
        (
            b"STAT /pub\r\n",
            b"212-Status of /pub:\r\n drwxr-xr-x   2 u g 4096 Dec  7 23:50 .\r\n -rw-r--r--   1 u g    5 Dec  7 23:50 a file.txt\r\n212 End of status\r\n",
        ),
        (
            b"STAT .\r\n",
            b"213-Status follows:\r\n213--rw-r--r--    1 0 0 7 Dec 07 23:50 b\r\n213 End of status\r\n",
        ),
        (
            b"STAT -l x\r\n",
            b"213-STAT\r\n-rw-r--r-- 1 0 0 9 Jan 01 2020 x\r\n213 End.\r\n",
        ),
        (b"STAT nosuch\r\n", b"450 nosuch: No such file or directory\r\n"),
        (b"STAT y\r\n", b"213-Status of y:\r\n213 End of status\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    let mut names = Vec::new();
    let mut collect = |line: &[u8]| {
        let e = ftp_core::list::parse_list_line(line).unwrap().unwrap();
        names.push((String::from_utf8(e.name.to_vec()).unwrap(), e.size));
    };
    ftp.stat_list("/pub", &mut collect).await.unwrap();
    ftp.stat_list("", &mut collect).await.unwrap();
    ftp.stat_list("-l x", &mut collect).await.unwrap();
    assert_eq!(
        names,
        [
            (".".to_string(), Some(4096)),
            ("a file.txt".to_string(), Some(5)),
            ("b".to_string(), Some(7)),
            ("x".to_string(), Some(9)),
        ]
    );
    assert!(matches!(
        ftp.stat_list("nosuch", |_| {}).await,
        Err(Error::Temporary(r)) if r.code().get() == 450
    ));
    let mut lines = 0;
    ftp.stat_list("y", |_| lines += 1).await.unwrap();
    assert_eq!(lines, 0);
    done(&mut ftp);
}

#[twin_test]
async fn mlst_facts_are_lowercased() {
    let steps: Steps = &[
        W,
        (b"MLST README\r\n", b"250-Listing README\r\n Type=file;Size=1063;Modify=20240615101800; README\r\n250 End\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    let e = ftp.mlst("README").await.unwrap();
    assert_eq!(e.name, b"README");
    assert_eq!(e.facts_text, b"type=file;size=1063;modify=20240615101800;");
    assert_eq!(e.size(), Some(1063));
    done(&mut ftp);
}

#[twin_test]
async fn tls_commands() {
    let steps: Steps = &[
        W,
        (b"AUTH TLS\r\n", b"234 Proceed with negotiation.\r\n"),
        (b"PBSZ 0\r\n", b"200 PBSZ set to 0.\r\n"),
        (b"PROT P\r\n", b"200 PROT now Private.\r\n"),
        (b"PROT C\r\n", b"200 PROT now Clear.\r\n"),
        (b"CCC\r\n", b"200 Clearing control channel.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.auth().await.unwrap();
    ftp.prot_p().await.unwrap();
    ftp.prot_c().await.unwrap();
    ftp.ccc().await.unwrap();
    done(&mut ftp);
}

#[twin_test]
async fn bytes_injected_after_auth_are_refused() {
    let steps: Steps = &[W, (b"AUTH TLS\r\n", b"234 Proceed.\r\n230 injected\r\n")];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(matches!(
        ftp.auth().await,
        Err(Error::Protocol(ProtocolError::DataBeforeTls))
    ));
    assert!(!ftp.is_open());
}

#[twin_test]
async fn quit_closes_the_session() {
    let steps: Steps = &[W, (b"QUIT\r\n", b"221 Goodbye.\r\n")];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert_eq!(ftp.quit().await.unwrap().text(), b"221 Goodbye.");
    assert!(!ftp.is_open());
    assert!(matches!(ftp.noop().await, Err(Error::SessionClosed)));
    done(&mut ftp);
}

#[twin_test]
async fn server_closing_the_control_connection() {
    let steps: Steps = &[W, (b"NOOP\r\n", b"")];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(matches!(ftp.noop().await, Err(Error::ConnectionClosed)));
    assert!(matches!(ftp.noop().await, Err(Error::SessionClosed)));
}

#[twin_test]
async fn protocol_error_leaves_the_session_clearly_unusable() {
    // A malformed start of a multi-line reply: where it ends is unknown.
    let steps: Steps = &[W, (b"NOOP\r\n", b"999-hello\r\n")];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(matches!(
        ftp.noop().await,
        Err(Error::Protocol(ProtocolError::BadReplyCode))
    ));
    assert!(matches!(
        ftp.noop().await,
        Err(Error::Protocol(ProtocolError::OutOfSync))
    ));
}

#[twin_test]
async fn a_whole_malformed_reply_line_is_an_error_the_session_survives() {
    // ftplib's error_proto: the line's end is known, so the session goes on.
    for bad in [
        &b"hello\r\n"[..],
        b"999 out of range\r\n",
        b"099 x\n",
        b"2200 x\r\n",
    ] {
        for chunk in [1, 3, usize::MAX] {
            let steps: Steps = &[W, (b"NOOP\r\n", bad), (b"CWD a\r\n", b"250 ok\r\n")];
            let (mut ftp, _) = open_chunked(steps, vec![], chunk).await;
            assert!(matches!(
                ftp.noop().await,
                Err(Error::Protocol(ProtocolError::BadReplyCode))
            ));
            assert_eq!(ftp.cwd("a").await.unwrap().text(), b"250 ok");
            done(&mut ftp);
        }
    }
}

#[twin_test]
async fn over_long_reply_line_is_a_protocol_error() {
    let mut long = b"200 ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 2000));
    long.extend_from_slice(b"\r\n");
    let steps: Vec<(&[u8], &[u8])> = vec![W, (b"NOOP\r\n", &long)];
    let (mut ftp, _) = open(&steps, vec![]).await;
    assert!(matches!(
        ftp.noop().await,
        Err(Error::Protocol(ProtocolError::LineTooLong))
    ));
}

#[twin_test]
async fn replies_split_into_single_bytes() {
    let steps: Steps = &[
        W,
        (
            b"USER anonymous\r\n",
            b"331-Please\r\n 331 inner\r\n331 specify the password.\r\n",
        ),
        (b"PASS anonymous@\r\n", b"230 Login successful.\n"),
    ];
    let (mut ftp, _) = open_chunked(steps, vec![], 1).await;
    assert_eq!(
        ftp.login("", "", "").await.unwrap().text(),
        b"230 Login successful."
    );
    done(&mut ftp);
}

// ----- transfers ----------------------------------------------------------

const EPSV: (&[u8], &[u8]) = (
    b"EPSV\r\n",
    b"229 Entering Extended Passive Mode (|||30001|)\r\n",
);

#[twin_test]
async fn retrbinary_over_epsv() {
    let file: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 Switching to Binary mode.\r\n"),
        EPSV,
        (b"RETR README\r\n", b"150 Opening BINARY mode data connection for README (10000 bytes).\r\n226 Transfer complete.\r\n"),
    ];
    let (mut ftp, data) = open(
        steps,
        vec![Plan {
            chunk: Some(999),
            ..Plan::bytes(&file)
        }],
    )
    .await;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let mut blocks = 0;
    let reply = ftp
        .retrbinary("RETR README", &mut buf, None, async |b| {
            assert!(b.len() <= 4096);
            blocks += 1;
            got.extend_from_slice(b);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(reply.text(), b"226 Transfer complete.");
    assert_eq!(got, file);
    assert!(blocks >= 10);
    let rec = data.record.borrow();
    assert_eq!(rec.connected, ["127.0.0.1:30001".parse().unwrap()]);
    assert_eq!(rec.closed, 1);
    drop(rec);
    done(&mut ftp);
}

/// A listing keeps the binary type a download set (no TYPE A / TYPE I
/// pair around each listing); a listing before any type, and text through
/// retrlines, are ASCII. LF-only lines of a binary listing split alike.
#[twin_test]
async fn listings_keep_the_binary_type_and_text_is_ascii() {
    let steps: Steps = &[
        W,
        (b"TYPE A\r\n", b"200 Switching to ASCII mode.\r\n"),
        EPSV,
        (b"NLST\r\n", b"150 Here comes the list.\r\n226 ok\r\n"),
        (b"TYPE I\r\n", b"200 Switching to Binary mode.\r\n"),
        EPSV,
        (b"RETR a\r\n", b"150 ok\r\n226 ok\r\n"),
        EPSV,
        (b"LIST\r\n", b"150 Here comes the list.\r\n226 ok\r\n"),
        EPSV,
        (b"MLSD d\r\n", b"150 Here comes the list.\r\n226 ok\r\n"),
        (b"TYPE A\r\n", b"200 Switching to ASCII mode.\r\n"),
        EPSV,
        (b"RETR notes\r\n", b"150 ok\r\n226 ok\r\n"),
    ];
    let plans = vec![
        Plan::bytes(b"x\r\n"),
        Plan::bytes(b"data"),
        Plan::bytes(b"-rw-r--r-- 1 u g 4 Jan 1 2026 a\nsecond\n"),
        Plan::bytes(b"type=file;size=4; a\r\n"),
        Plan::bytes(b"text\r\n"),
    ];
    let (mut ftp, _) = open(steps, plans).await;
    let mut buf = [0u8; 256];
    let mut names = Vec::new();
    ftp.nlst("", &mut buf, async |l| {
        names.push(l.to_vec());
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(names, [b"x".to_vec()]);
    ftp.retrbinary("RETR a", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap();
    let mut lines = Vec::new();
    ftp.dir("", &mut buf, async |l| {
        lines.push(l.to_vec());
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], b"second");
    let mut entries = 0;
    ftp.mlsd("d", &[], &mut buf, async |e| {
        assert_eq!(e.name, b"a");
        entries += 1;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(entries, 1);
    let mut text = Vec::new();
    ftp.retrlines("RETR notes", &mut buf, async |l| {
        text.push(l.to_vec());
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(text, [b"text".to_vec()]);
    done(&mut ftp);
}

/// vsftpd answers LIST of a directory it may not read with a 226 that
/// says so and no lines: an unexpected reply, not an empty directory
/// (NLST's and retrlines' 226 are taken as they are).
#[twin_test]
async fn a_listing_whose_226_says_it_failed_is_an_error() {
    let steps: Steps = &[
        W,
        (b"TYPE A\r\n", b"200 Switching to ASCII mode.\r\n"),
        EPSV,
        (
            b"LIST secret\r\n",
            b"150 Here comes the directory listing.\r\n226 Transfer done (but failed to open directory).\r\n",
        ),
        EPSV,
        (b"LIST open\r\n", b"150 Here comes the directory listing.\r\n226 Directory send OK.\r\n"),
    ];
    let plans = vec![Plan::bytes(b""), Plan::bytes(b"")];
    let (mut ftp, _) = open(steps, plans).await;
    let mut buf = [0u8; 256];
    let e = ftp.dir("secret", &mut buf, async |_| Ok(())).await.err();
    assert!(
        matches!(&e, Some(Error::Unexpected(r)) if r.code().get() == 226),
        "{e:?}"
    );
    // The session goes on: an empty directory is no error.
    ftp.dir("open", &mut buf, async |_| Ok(())).await.unwrap();
    done(&mut ftp);
}

/// A listing that finds nothing: NLST (or LIST) answered `450 No files
/// found` or `550 No files found.` is an empty listing; a missing
/// directory stays an error. The data connection opened for it is closed.
#[twin_test]
async fn no_files_found_is_an_empty_listing() {
    let steps: Steps = &[
        W,
        (b"TYPE A\r\n", b"200 ok\r\n"),
        EPSV,
        (b"NLST *.log\r\n", b"450 No files found\r\n"),
        EPSV,
        (b"NLST empty\r\n", b"550 No files found.\r\n"),
        EPSV,
        (b"LIST empty\r\n", b"450 No files found\r\n"),
        EPSV,
        (
            b"NLST missing\r\n",
            b"550 missing: No such file or directory.\r\n",
        ),
        EPSV,
        (
            b"NLST busy\r\n",
            b"450 Requested file action not taken.\r\n",
        ),
        (b"NOOP\r\n", b"200 ok\r\n"),
    ];
    let plans = (0..5).map(|_| Plan::bytes(b"")).collect();
    let (mut ftp, data) = open(steps, plans).await;
    let mut buf = [0u8; 64];
    let mut lines = 0;
    let reply = ftp
        .nlst("*.log", &mut buf, async |_| {
            lines += 1;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(reply.code().get(), 450);
    let reply = ftp.nlst("empty", &mut buf, async |_| Ok(())).await.unwrap();
    assert_eq!(reply.text(), b"550 No files found.");
    ftp.dir("empty", &mut buf, async |_| Ok(())).await.unwrap();
    assert_eq!(lines, 0);
    let err = ftp
        .nlst("missing", &mut buf, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Permanent(r) if r.code().get() == 550),
        "{err:?}"
    );
    let err = ftp
        .nlst("busy", &mut buf, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Temporary(r) if r.code().get() == 450),
        "{err:?}"
    );
    ftp.noop().await.unwrap();
    // Every data connection opened for them was closed again.
    assert_eq!(data.record.borrow().closed, 5);
    done(&mut ftp);
}

#[twin_test]
async fn type_is_sent_once_and_epsv_refusal_is_remembered() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 Switching to Binary mode.\r\n"),
        (b"EPSV\r\n", b"500 'EPSV': command not understood.\r\n"),
        (
            b"PASV\r\n",
            b"227 Entering Passive Mode (10,9,8,7,117,49).\r\n",
        ),
        (b"RETR a\r\n", b"150 Opening\r\n226 Done\r\n"),
        (
            b"PASV\r\n",
            b"227 Entering Passive Mode (10,9,8,7,117,50)\r\n",
        ),
        (
            b"RETR b\r\n",
            b"125 Data connection already open\r\n226 Done\r\n",
        ),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::bytes(b"a"), Plan::bytes(b"b")]).await;
    let mut buf = [0u8; 16];
    ftp.retrbinary("RETR a", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap();
    ftp.retrbinary("RETR b", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap();
    // The PASV host (10.9.8.7) is not trusted: the control peer is used.
    assert_eq!(
        data.record.borrow().connected,
        [
            "127.0.0.1:30001".parse().unwrap(),
            "127.0.0.1:30002".parse().unwrap()
        ]
    );
    done(&mut ftp);
}

#[twin_test]
async fn trusted_pasv_host_is_used() {
    let steps: Steps = &[
        W,
        (b"EPSV\r\n", b"502 EPSV not implemented\r\n"),
        (b"PASV\r\n", b"227 =10,9,8,7,0,21\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.set_trust_server_pasv_ipv4_address(true);
    assert_eq!(
        ftp.makepasv().await.unwrap(),
        "10.9.8.7:21".parse().unwrap()
    );
    done(&mut ftp);
}

#[twin_test]
async fn epsv_over_ipv6_and_no_pasv_fallback_there() {
    let steps: Steps = &[
        W,
        (b"EPSV\r\n", b"229 ok (|||2121|)\r\n"),
        (b"EPSV\r\n", b"500 no\r\n"),
    ];
    let data = MockData::new(vec![]);
    let mut ftp: Session = Ftp::connect(Scripted::new(steps), data, "[::1]:21".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(ftp.makepasv().await.unwrap(), "[::1]:2121".parse().unwrap());
    assert!(matches!(ftp.makepasv().await, Err(Error::Permanent(_))));
    done(&mut ftp);
}

/// A 229 naming a port that cannot be (0, above 65535, none) is an EPSV
/// failure like a refusal: the session falls back to PASV on IPv4 and
/// remembers it.
#[twin_test]
async fn a_229_with_an_impossible_port_falls_back_to_pasv() {
    for bad in [
        &b"229 Entering Extended Passive Mode (|||0|)\r\n"[..],
        b"229 Entering Extended Passive Mode (|||1000000|)\r\n",
        b"229 Entering Extended Passive Mode (|||x|)\r\n",
    ] {
        let steps: Steps = &[
            W,
            (b"TYPE I\r\n", b"200 ok\r\n"),
            (b"EPSV\r\n", bad),
            (
                b"PASV\r\n",
                b"227 Entering Passive Mode (127,0,0,1,117,49).\r\n",
            ),
            (b"RETR a\r\n", b"150 Opening\r\n226 Done\r\n"),
            (
                b"PASV\r\n",
                b"227 Entering Passive Mode (127,0,0,1,117,50).\r\n",
            ),
            (b"RETR b\r\n", b"150 Opening\r\n226 Done\r\n"),
        ];
        let (mut ftp, data) = open(steps, vec![Plan::bytes(b"a"), Plan::bytes(b"b")]).await;
        let mut buf = [0u8; 16];
        for name in ["RETR a", "RETR b"] {
            ftp.retrbinary(name, &mut buf, None, async |_| Ok(()))
                .await
                .unwrap();
        }
        assert_eq!(
            data.record.borrow().connected,
            [
                "127.0.0.1:30001".parse().unwrap(),
                "127.0.0.1:30002".parse().unwrap()
            ]
        );
        done(&mut ftp);
    }
}

#[twin_test]
async fn malformed_pasv_replies() {
    // Over IPv6 there is nothing to fall back to: a 229 without a port is
    // the error.
    let steps: Steps = &[
        W,
        (
            b"EPSV\r\n",
            b"229 Entering Extended Passive Mode (|||x|)\r\n",
        ),
    ];
    let data = MockData::new(vec![]);
    let mut ftp: Session = Ftp::connect(Scripted::new(steps), data, "[::1]:21".parse().unwrap())
        .await
        .unwrap();
    assert!(matches!(
        ftp.makepasv().await,
        Err(Error::Protocol(ProtocolError::BadEpsvReply))
    ));
    let steps: Steps = &[
        W,
        (b"EPSV\r\n", b"501 no\r\n"),
        (b"PASV\r\n", b"227 Entering Passive Mode\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(matches!(
        ftp.makepasv().await,
        Err(Error::Protocol(ProtocolError::BadPasvReply))
    ));
}

#[twin_test]
async fn retrbinary_with_rest_and_2xx_before_1xx() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (b"REST 4\r\n", b"350 Restart position accepted (4).\r\n"),
        (b"RETR f\r\n", b"200 stray\r\n150 Opening BINARY mode data connection for f (10 bytes).\r\n226 Transfer complete.\r\n"),
    ];
    // From offset 4 only 6 bytes come: not an incomplete transfer.
    let (mut ftp, _) = open(steps, vec![Plan::bytes(b"456789")]).await;
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    ftp.retrbinary("RETR f", &mut buf, Some(4), async |b| {
        got.extend_from_slice(b);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(got, b"456789");
    done(&mut ftp);
}

#[twin_test]
async fn rest_refused_is_an_error() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (b"REST 4\r\n", b"502 REST not implemented\r\n"),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::default()]).await;
    let mut buf = [0u8; 64];
    assert!(matches!(
        ftp.retrbinary("RETR f", &mut buf, Some(4), async |_| Ok(()))
            .await,
        Err(Error::Permanent(_))
    ));
    assert_eq!(
        data.record.borrow().closed,
        1,
        "the data connection is closed"
    );
    done(&mut ftp);
}

#[twin_test]
async fn transfer_failures() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        // 1. a 426 after a partial transfer
        EPSV,
        (b"RETR a\r\n", b"150 Opening\r\n426 Failure writing network stream.\r\n"),
        // 2. the data connection cut short of the announced size
        EPSV,
        (b"RETR b\r\n", b"150 Opening BINARY mode data connection for b (100 bytes).\r\n226 Transfer complete.\r\n"),
        // 3. the data connection reset
        EPSV,
        (b"RETR c\r\n", b"150 Opening\r\n451 Read error\r\n"),
        // 4. the file does not exist
        EPSV,
        (b"RETR d\r\n", b"550 Failed to open file.\r\n"),
        // 5. the callback fails (disk full): the final reply is still read
        EPSV,
        (b"RETR e\r\n", b"150 Opening\r\n426 Connection closed; transfer aborted.\r\n"),
        (b"NOOP\r\n", b"200 NOOP ok.\r\n"),
    ];
    let (mut ftp, data) = open(
        steps,
        vec![
            Plan::bytes(b"partial"),
            Plan::bytes(&[1; 60]),
            Plan {
                fail_after: Some(3),
                ..Plan::bytes(b"abcdef")
            },
            Plan::default(),
            Plan::bytes(b"data"),
        ],
    )
    .await;
    let mut buf = [0u8; 64];
    let e = ftp
        .retrbinary("RETR a", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Temporary(r) if r.code().get() == 426));
    let e = ftp
        .retrbinary("RETR b", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::TransferIncomplete {
            expected: 100,
            received: 60
        }
    ));
    let e = ftp
        .retrbinary("RETR c", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Io(ErrorKind::ConnectionReset)));
    let e = ftp
        .retrbinary("RETR d", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Permanent(r) if r.text() == b"550 Failed to open file."));
    let e = ftp
        .retrbinary("RETR e", &mut buf, None, async |_| {
            Err(ErrorKind::OutOfMemory)
        })
        .await
        .unwrap_err();
    // The callback's own error, as itself: not the network's.
    assert!(matches!(e, Error::Callback(ErrorKind::OutOfMemory)));
    ftp.noop().await.unwrap();
    assert_eq!(
        data.record.borrow().closed,
        5,
        "every data connection closed"
    );
    done(&mut ftp);
}

#[twin_test]
async fn empty_buffer_is_refused() {
    let (mut ftp, _) = open(&[W], vec![]).await;
    assert!(matches!(
        ftp.retrbinary("RETR a", &mut [], None, async |_| Ok(()))
            .await,
        Err(Error::BufferTooSmall)
    ));
    assert!(matches!(
        ftp.storlines("STOR a", &mut [0; 2], async |_| Ok(0), |_| {})
            .await,
        Err(Error::BufferTooSmall)
    ));
}

#[twin_test]
async fn ntransfercmd_gives_the_stream_and_size() {
    use embedded_io::Read;
    let steps: Steps = &[
        W,
        EPSV,
        (
            b"RETR x\r\n",
            b"150 Opening BINARY mode data connection for x (3 bytes).\r\n",
        ),
        (b"", b"226 Transfer complete.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![Plan::bytes(b"abc")]).await;
    let (mut stream, size) = ftp.ntransfercmd("RETR x", None).await.unwrap();
    assert_eq!(size, Some(3));
    let mut buf = [0u8; 8];
    assert_eq!(stream.read(&mut buf).unwrap(), 3);
    drop(stream);
    ftp.voidresp().await.unwrap();
    done(&mut ftp);
}

#[twin_test]
async fn retrlines_list_and_line_ends() {
    let listing = b"-rw-rw-r--    1 1176     1176         1063 Jun 15 10:18 README\r\ndrwxr-sr-x    5 1176     1176         4096 Dec 19  2000 pool\nlast line without end";
    let steps: Steps = &[
        W,
        (b"TYPE A\r\n", b"200 Switching to ASCII mode.\r\n"),
        EPSV,
        (
            b"LIST\r\n",
            b"150 Here comes the directory listing.\r\n226 Directory send OK.\r\n",
        ),
    ];
    let (mut ftp, _) = open(
        steps,
        vec![Plan {
            chunk: Some(7),
            ..Plan::bytes(listing)
        }],
    )
    .await;
    let mut lines = Vec::new();
    let mut buf = [0u8; 128];
    let reply = ftp
        .retrlines("LIST", &mut buf, async |l| {
            lines.push(String::from_utf8(l.to_vec()).unwrap());
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(reply.text(), b"226 Directory send OK.");
    assert_eq!(
        lines,
        [
            "-rw-rw-r--    1 1176     1176         1063 Jun 15 10:18 README",
            "drwxr-sr-x    5 1176     1176         4096 Dec 19  2000 pool",
            "last line without end"
        ]
    );
    done(&mut ftp);
}

#[twin_test]
async fn line_longer_than_buffer_fails_but_session_stays_usable() {
    let steps: Steps = &[
        W,
        (b"TYPE A\r\n", b"200 ok\r\n"),
        EPSV,
        (
            b"NLST\r\n",
            b"150 Here comes the directory listing.\r\n226 Directory send OK.\r\n",
        ),
        (b"NOOP\r\n", b"200 NOOP ok.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![Plan::bytes(&[b'n'; 100])]).await;
    let mut buf = [0u8; 16];
    assert!(matches!(
        ftp.nlst("", &mut buf, async |_| Ok(())).await,
        Err(Error::BufferTooSmall)
    ));
    ftp.noop().await.unwrap();
    done(&mut ftp);
}

#[twin_test]
async fn nlst_and_dir_with_arguments() {
    let steps: Steps = &[
        W,
        (b"TYPE A\r\n", b"200 ok\r\n"),
        EPSV,
        (b"NLST pub\r\n", b"150 ok\r\n226 ok\r\n"),
        EPSV,
        (b"LIST -la\r\n", b"150 ok\r\n226 ok\r\n"),
        EPSV,
        // (a "450 No files found" is an empty listing: see
        // no_files_found_is_an_empty_listing)
        (b"NLST\r\n", b"450 Directory busy\r\n"),
    ];
    let (mut ftp, _) = open(
        steps,
        vec![
            Plan::bytes(b"a\r\nb c\r\n"),
            Plan::bytes(b"total 0\r\n"),
            Plan::default(),
        ],
    )
    .await;
    let mut names = Vec::new();
    let mut buf = [0u8; 64];
    ftp.nlst("pub", &mut buf, async |n| {
        names.push(n.to_vec());
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(names, [b"a".to_vec(), b"b c".to_vec()]);
    ftp.dir("-la", &mut buf, async |_| Ok(())).await.unwrap();
    assert!(matches!(
        ftp.nlst("", &mut buf, async |_| Ok(())).await,
        Err(Error::Temporary(_))
    ));
    done(&mut ftp);
}

/// Names are bytes: a Latin-1 name from a listing goes back out as the
/// same bytes, in every command that takes a name, and PWD's path is the
/// server's bytes too.
#[twin_test]
async fn names_that_are_not_utf8_keep_their_bytes() {
    let steps: Steps = &[
        W,
        (b"TYPE A\r\n", b"200 ok\r\n"),
        EPSV,
        (b"NLST d\xe9j\xe0\r\n", b"150 ok\r\n226 ok\r\n"),
        (b"CWD d\xe9j\xe0\r\n", b"250 ok\r\n"),
        (
            b"PWD\r\n",
            b"257 \"/d\xe9j\xe0\" is the current directory\r\n",
        ),
        (b"RNFR caf\xe9.txt\r\n", b"350 ready\r\n"),
        (b"RNTO th\xe9.txt\r\n", b"250 renamed\r\n"),
        (b"DELE th\xe9.txt\r\n", b"250 deleted\r\n"),
        (b"SITE CHMOD 644 \xff\r\n", b"200 ok\r\n"),
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (b"RETR \xfcber\r\n", b"150 ok\r\n226 ok\r\n"),
    ];
    let (mut ftp, _) = open(
        steps,
        vec![Plan::bytes(b"caf\xe9.txt\r\n"), Plan::bytes(b"inner")],
    )
    .await;
    let mut buf = [0u8; 64];
    let mut names = Vec::new();
    ftp.nlst(b"d\xe9j\xe0", &mut buf, async |n| {
        names.push(n.to_vec());
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(names, [b"caf\xe9.txt".to_vec()]);
    ftp.cwd(b"d\xe9j\xe0").await.unwrap();
    assert_eq!(ftp.pwd().await.unwrap(), b"/d\xe9j\xe0");
    ftp.rename(&names[0], b"th\xe9.txt").await.unwrap();
    ftp.delete(b"th\xe9.txt".as_slice()).await.unwrap();
    ftp.sendcmd(b"SITE CHMOD 644 \xff").await.unwrap();
    let mut got = Vec::new();
    ftp.retrbinary(b"RETR \xfcber", &mut buf, None, async |b| {
        got.extend_from_slice(b);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(got, b"inner");
    done(&mut ftp);
}

#[twin_test]
async fn mlsd_entries_with_facts_request_and_a_bad_line() {
    let lines = b"type=cdir;modify=20240101000000; .\r\nType=file;Size=5;Modify=20240101000000; a b\r\ngarbage-without-space\r\ntype=dir;modify=20240101000000; sub\r\n";
    let steps: Steps = &[
        W,
        (
            b"OPTS MLST type;size;modify;\r\n",
            b"200 MLST OPTS type;size;modify;\r\n",
        ),
        (b"TYPE A\r\n", b"200 ok\r\n"),
        EPSV,
        (b"MLSD /pub\r\n", b"150 ok\r\n226 ok\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![Plan::bytes(lines)]).await;
    let mut seen = Vec::new();
    let mut buf = [0u8; 128];
    let err = ftp
        .mlsd("/pub", &["type", "size", "modify"], &mut buf, async |e| {
            seen.push((
                e.name.to_vec(),
                e.kind() == EntryKind::Dir,
                e.size(),
                e.facts_text.to_vec(),
            ));
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Protocol(ProtocolError::BadListing)));
    assert_eq!(seen.len(), 3, "good entries are all delivered");
    assert_eq!(seen[1].0, b"a b");
    assert_eq!(seen[1].2, Some(5));
    assert_eq!(seen[1].3, b"type=file;size=5;modify=20240101000000;");
    assert!(seen[2].1);
    done(&mut ftp);
}

#[twin_test]
async fn storbinary_appe_and_storlines() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (
            b"STOR up.bin\r\n",
            b"150 Ok to send data.\r\n226 Transfer complete.\r\n",
        ),
        EPSV,
        (
            b"APPE up.bin\r\n",
            b"150 Ok to send data.\r\n226 Transfer complete.\r\n",
        ),
        (b"TYPE A\r\n", b"200 ok\r\n"),
        EPSV,
        (
            b"STOR up.txt\r\n",
            b"150 Ok to send data.\r\n226 Transfer complete.\r\n",
        ),
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (
            b"STOR full.txt\r\n",
            b"150 Ok to send data.\r\n552 Disk full.\r\n",
        ),
    ];
    let (mut ftp, data) = open(
        steps,
        vec![
            Plan::default(),
            Plan::default(),
            Plan::default(),
            Plan::default(),
        ],
    )
    .await;
    let file: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let mut buf = [0u8; 8192];
    let mut sent = 0;
    ftp.storbinary("STOR up.bin", &mut buf, None, source(&file), |b| {
        sent += b.len()
    })
    .await
    .unwrap();
    assert_eq!(sent, file.len());
    ftp.appe("up.bin", &mut buf, source(b"tail")).await.unwrap();
    // Text in small reads, so conversions cross read boundaries.
    let text = b"one\ntwo\r\nthree\r\n\nfour";
    let mut small = [0u8; 6];
    ftp.storlines("STOR up.txt", &mut small, source(text), |_| {})
        .await
        .unwrap();
    let e = ftp
        .storbinary("STOR full.txt", &mut buf, None, source(b"x"), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Permanent(r) if r.code().get() == 552));
    let rec = data.record.borrow();
    assert_eq!(rec.uploads[0], file);
    assert_eq!(rec.uploads[1], b"tail");
    assert_eq!(rec.uploads[2], b"one\r\ntwo\r\nthree\r\n\r\nfour\r\n");
    assert_eq!(rec.closed, 4);
    drop(rec);
    done(&mut ftp);
}

#[twin_test]
async fn storlines_ends_a_trailing_cr() {
    let steps: Steps = &[
        W,
        (b"TYPE A\r\n", b"200 ok\r\n"),
        EPSV,
        (b"STOR a\r\n", b"150 ok\r\n226 ok\r\n"),
        EPSV,
        (b"STOR b\r\n", b"150 ok\r\n226 ok\r\n"),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::default(), Plan::default()]).await;
    let mut buf = [0u8; 30];
    ftp.storlines("STOR a", &mut buf, source(b"x\r"), |_| {})
        .await
        .unwrap();
    ftp.storlines("STOR b", &mut buf, async |_| Ok(0), |_| {})
        .await
        .unwrap();
    assert_eq!(data.record.borrow().uploads[0], b"x\r\n");
    assert_eq!(
        data.record.borrow().uploads[1],
        b"",
        "an empty file stays empty"
    );
    done(&mut ftp);
}

#[twin_test]
async fn active_mode_port_and_eprt() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        (
            b"PORT 127,0,0,1,156,64\r\n",
            b"200 PORT command successful. Consider using PASV.\r\n",
        ),
        (b"RETR a\r\n", b"150 Opening\r\n226 Transfer complete.\r\n"),
        (
            b"EPRT |2|::1|40000|\r\n",
            b"200 EPRT command successful.\r\n",
        ),
        (b"RETR b\r\n", b"150 Opening\r\n226 Transfer complete.\r\n"),
        (
            b"PORT 127,0,0,1,156,64\r\n",
            b"500 Illegal PORT command.\r\n",
        ),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::bytes(b"A"), Plan::bytes(b"B")]).await;
    ftp.set_pasv(false);
    let mut buf = [0u8; 8];
    let mut got = Vec::new();
    ftp.retrbinary("RETR a", &mut buf, None, async |b| {
        got.extend_from_slice(b);
        Ok(())
    })
    .await
    .unwrap();
    // The clone shares the session's state: what it sets, the session sees.
    data.listen_addr.set("[::1]:40000".parse().unwrap());
    ftp.retrbinary("RETR b", &mut buf, None, async |b| {
        got.extend_from_slice(b);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(got, b"AB");
    assert_eq!(data.record.borrow().accepted, 2);
    data.listen_addr.set("127.0.0.1:40000".parse().unwrap());
    assert!(matches!(
        ftp.retrbinary("RETR c", &mut buf, None, async |_| Ok(()))
            .await,
        Err(Error::Permanent(_))
    ));
    done(&mut ftp);
}

#[twin_test]
async fn abort_replies() {
    let steps: Steps = &[
        W,
        (
            b"ABOR\r\n",
            b"426 Transfer aborted.\r\n226 ABOR successful.\r\n",
        ),
        (b"ABOR\r\n", b"225 No transfer to ABOR.\r\n"),
        (b"ABOR\r\n", b"500 What?\r\n"),
        (b"ABOR\r\n", b"250 odd\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert_eq!(ftp.abort().await.unwrap().code().get(), 226);
    assert_eq!(ftp.abort().await.unwrap().code().get(), 225);
    assert!(matches!(ftp.abort().await, Err(Error::Permanent(_))));
    assert!(matches!(ftp.abort().await, Err(Error::Unexpected(_))));
    done(&mut ftp);
}

/// ABOR through `sendcmd`/`voidcmd` while a transfer's final reply is owed
/// (the script sent RETR raw and got its 150): the transfer's final reply
/// and ABOR's are both read, as `abort()` does, and later commands get
/// their own replies.
#[twin_test]
async fn abor_sent_raw_during_a_transfer_reads_both_replies() {
    let steps: Steps = &[
        W,
        (
            b"RETR big\r\n",
            b"150 Opening BINARY mode data connection.\r\n",
        ),
        (
            b"ABOR\r\n",
            b"426 Transfer aborted.\r\n226 ABOR successful.\r\n",
        ),
        (b"PWD\r\n", b"257 \"/pub\" is the current directory\r\n"),
        // The transfer had ended: its 226, then ABOR's 225.
        (b"RETR small\r\n", b"150 Opening.\r\n"),
        // (sent as ABOR, however the caller spelt it)
        (
            b"ABOR\r\n",
            b"226 Transfer complete.\r\n225 No transfer to ABOR.\r\n",
        ),
        (b"NOOP\r\n", b"200 NOOP ok.\r\n"),
        // No byte moved yet: pyftpdlib answers 225 alone.
        (b"RETR idle\r\n", b"150 Opening.\r\n"),
        (
            b"ABOR\r\n",
            b"225 ABOR command successful; data channel closed.\r\n",
        ),
        (b"PWD\r\n", b"257 \"/pub\" is the current directory\r\n"),
        // abort() after a raw RETR: the same rule.
        (b"RETR x\r\n", b"150 Opening.\r\n"),
        (b"ABOR\r\n", b"451 Local error.\r\n226 Abort successful\r\n"),
        // Outside a transfer, ABOR through sendcmd is one command and
        // one reply, as in ftplib.
        (b"ABOR\r\n", b"225 No transfer to ABOR.\r\n"),
        (b"NOOP\r\n", b"200 NOOP ok.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert_eq!(ftp.sendcmd("RETR big").await.unwrap().code().get(), 150);
    let reply = ftp.sendcmd("ABOR").await.unwrap();
    assert_eq!(reply.text(), b"226 ABOR successful.");
    assert_eq!(ftp.pwd().await.unwrap(), b"/pub");
    assert_eq!(ftp.sendcmd("RETR small").await.unwrap().code().get(), 150);
    assert_eq!(ftp.voidcmd("abor").await.unwrap().code().get(), 225);
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 NOOP ok.");
    assert_eq!(ftp.sendcmd("RETR idle").await.unwrap().code().get(), 150);
    assert_eq!(ftp.sendcmd("ABOR").await.unwrap().code().get(), 225);
    assert_eq!(ftp.pwd().await.unwrap(), b"/pub");
    assert_eq!(ftp.sendcmd("RETR x").await.unwrap().code().get(), 150);
    assert_eq!(ftp.abort().await.unwrap().text(), b"226 Abort successful");
    assert_eq!(ftp.sendcmd("ABOR").await.unwrap().code().get(), 225);
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 NOOP ok.");
    assert_eq!(ftp.stray_replies(), 0);
    done(&mut ftp);
}

/// Active mode: the control connection is heard while the session waits
/// for the server's data connection: a 425 after the 150 ends the wait at
/// once with that error, and the session goes on.
#[twin_test]
async fn active_mode_hears_a_425_while_it_waits() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        (
            b"PORT 127,0,0,1,156,64\r\n",
            b"200 PORT command successful.\r\n",
        ),
        (
            b"RETR f\r\n",
            b"150 Opening BINARY mode data connection.\r\n",
        ),
        (b"", b"425 Can't open data connection.\r\n"),
        (b"NOOP\r\n", b"200 ok\r\n"),
    ];
    let never = Plan {
        never: true,
        ..Plan::default()
    };
    let (mut ftp, data) = open(steps, vec![never]).await;
    ftp.set_pasv(false);
    let mut buf = [0u8; 16];
    let e = ftp
        .retrbinary("RETR f", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Temporary(r) if r.text() == b"425 Can't open data connection."),
        "{e:?}"
    );
    assert_eq!(data.record.borrow().accepted, 0);
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 ok");
    done(&mut ftp);
}

#[twin_test]
async fn a_raw_type_command_forgets_the_cached_type() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        (b"TYPE A\r\n", b"200 ok\r\n"),
        (b"TYPE I\r\n", b"200 ok\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.set_type(TransferType::Binary).await.unwrap();
    ftp.set_type(TransferType::Binary).await.unwrap();
    ftp.voidcmd("TYPE A").await.unwrap();
    ftp.set_type(TransferType::Binary).await.unwrap();
    done(&mut ftp);
}

#[twin_test]
async fn error_text_is_truncated_not_panicking() {
    let mut long = b"550 ".to_vec();
    long.extend(std::iter::repeat_n(b'e', 400));
    long.extend_from_slice(b"\r\n");
    let steps: Vec<(&[u8], &[u8])> = vec![W, (b"DELE x\r\n", &long)];
    let (mut ftp, _) = open(&steps, vec![]).await;
    let e = ftp.delete("x").await.unwrap_err();
    let r = e.reply().unwrap();
    assert_eq!(r.code().get(), 550);
    assert!(r.is_truncated());
    assert_eq!(r.text().len(), ftp_core::REPLY_ERROR_TEXT);
}

#[twin_test]
async fn session_size_with_default_buffer() {
    use ftp_core::doc_support::NoData;
    let size = std::mem::size_of::<Ftp<Scripted<'static>, NoData>>();
    let stream = std::mem::size_of::<Scripted<'static>>();
    println!("Ftp<_, _> with the default 512-byte reply buffer: {size} bytes");
    // The figure the README quotes (64-bit; bench/size.sh gives the
    // firmware's, 844 bytes without a stream of this size).
    #[cfg(all(target_pointer_width = "64", not(feature = "pipeline")))]
    assert_eq!(
        (size, stream),
        (912, 48),
        "the README says 912 bytes including a 48-byte test stream"
    );
    // Feature pipeline (ftp-std's) keeps the early passive command's
    // state: 40 bytes more.
    #[cfg(all(target_pointer_width = "64", feature = "pipeline"))]
    assert_eq!((size, stream), (952, 48));
    // The reply buffer, the kept welcome and a few fields.
    let fields = if cfg!(feature = "pipeline") { 168 } else { 128 };
    assert!(size < ftp_core::DEFAULT_REPLY_BUFFER + ftp_core::WELCOME_CAPACITY + fields + stream);
}

#[twin_test]
async fn acct_getresp_transfercmd_and_close() {
    use embedded_io::Write;
    let steps: Steps = &[
        W,
        (b"ACCT acme\r\n", b"230 Account ok\r\n"),
        (b"ACCT acme\r\n", b"530 No such account\r\n"),
        EPSV,
        (b"STOR x\r\n", b"150 Ok to send data.\r\n"),
        (b"", b"226 Transfer complete.\r\n"),
        (b"", b"421 Timeout.\r\n"),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::default()]).await;
    assert_eq!(ftp.acct("acme").await.unwrap().code().get(), 230);
    assert!(matches!(ftp.acct("acme").await, Err(Error::Permanent(_))));
    let mut stream = ftp.transfercmd("STOR x", None).await.unwrap();
    stream.write_all(b"payload").unwrap();
    ftp_core::DataConnector::close(ftp.data_connector_mut(), stream).unwrap();
    assert_eq!(ftp.getresp().await.unwrap().code().get(), 226);
    assert!(matches!(ftp.getresp().await, Err(Error::Temporary(r)) if r.code().get() == 421));
    assert_eq!(data.record.borrow().uploads[0], b"payload");
    let (control, _data) = ftp.into_parts();
    assert!(control.finished());
}

#[twin_test]
async fn data_connection_refused_is_an_io_error_and_nothing_more_is_sent() {
    // No data connection is planned: connecting fails, to the EPSV port
    // and then to the PASV one the session falls back to.
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (
            b"PASV\r\n",
            b"227 Entering Passive Mode (127,0,0,1,156,65)\r\n",
        ),
        (b"NOOP\r\n", b"200 ok\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    let mut buf = [0u8; 16];
    let e = ftp
        .retrbinary("RETR a", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Io(ErrorKind::ConnectionRefused)));
    // RETR was never sent; the session goes on.
    ftp.noop().await.unwrap();
    done(&mut ftp);
}

#[twin_test]
async fn active_accept_failure_reads_the_servers_425() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        (
            b"PORT 127,0,0,1,156,64\r\n",
            b"200 PORT command successful.\r\n",
        ),
        (b"RETR a\r\n", b"150 Opening\r\n"),
        // (a 425 already there when the wait begins ends it at once:
        // active_mode_hears_a_425_while_it_waits)
        (b"", b"425 Failed to establish connection.\r\n"),
        (b"NOOP\r\n", b"200 ok\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.set_pasv(false);
    let mut buf = [0u8; 16];
    let e = ftp
        .retrbinary("RETR a", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Io(ErrorKind::ConnectionRefused)));
    // The 425 was consumed: the next reply is NOOP's.
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 ok");
    done(&mut ftp);
}

#[twin_test]
async fn control_connection_lost_during_a_transfer() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (b"RETR a\r\n", b"150 Opening\r\n"),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::bytes(b"some bytes")]).await;
    let mut buf = [0u8; 16];
    let mut got = Vec::new();
    let e = ftp
        .retrbinary("RETR a", &mut buf, None, async |b| {
            got.extend_from_slice(b);
            Ok(())
        })
        .await
        .unwrap_err();
    // Data reached EOF but no final reply came: not a success.
    assert!(matches!(e, Error::ConnectionClosed));
    assert_eq!(got, b"some bytes");
    assert_eq!(data.record.borrow().closed, 1);
    assert!(!ftp.is_open());
    assert!(matches!(ftp.noop().await, Err(Error::SessionClosed)));
}

// ----- servers as they are: stray replies, fall-backs, data peers ---------

#[twin_test]
async fn a_doubled_reply_never_answers_the_next_command() {
    // CWD answered twice (200, then 250), in one piece or byte by byte.
    for chunk in [1, 2, 7, usize::MAX] {
        let steps: Steps = &[
            W,
            (b"CWD pub\r\n", b"200 ok\r\n250 CWD ok too\r\n"),
            (b"PWD\r\n", b"257 \"/pub\"\r\n"),
        ];
        let (mut ftp, _) = open_chunked(steps, vec![], chunk).await;
        assert_eq!(ftp.cwd("pub").await.unwrap().code().get(), 200);
        assert_eq!(ftp.pwd().await.unwrap(), b"/pub", "chunk {chunk}");
        assert_eq!(ftp.stray_replies(), 1);
        done(&mut ftp);
    }
}

#[twin_test]
async fn an_unsolicited_reply_is_dropped_and_a_421_ends_the_session() {
    // A reply the server sends by itself between commands (a step with
    // nothing to write), then a normal exchange.
    let steps: Steps = &[
        W,
        (b"NOOP\r\n", b"200 ok\r\n"),
        (b"", b"226 left over from an ABOR\r\n"),
        (b"NOOP\r\n", b"200 ok again\r\n"),
        (b"", b"421 Timeout, closing control connection.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.noop().await.unwrap();
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 ok again");
    assert_eq!(ftp.stray_replies(), 1);
    // The 421 is the error; CWD is never sent (the script would panic).
    let e = ftp.cwd("x").await.unwrap_err();
    assert!(
        matches!(&e, Error::Temporary(r) if r.code().get() == 421),
        "{e:?}"
    );
    assert!(!ftp.is_open());
    assert!(matches!(ftp.noop().await, Err(Error::SessionClosed)));
    done(&mut ftp);
}

#[twin_test]
async fn abor_sent_raw_leaves_its_226_to_the_stray_check() {
    let steps: Steps = &[
        W,
        (
            b"ABOR\r\n",
            b"426 Connection closed; transfer aborted.\r\n226 ABOR successful.\r\n",
        ),
        (b"TYPE I\r\n", b"200 Switching to Binary mode.\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    assert!(matches!(ftp.sendcmd("ABOR").await, Err(Error::Temporary(r)) if r.code().get() == 426));
    ftp.set_type(TransferType::Binary).await.unwrap();
    assert_eq!(
        ftp.last_reply().unwrap().text(),
        b"200 Switching to Binary mode."
    );
    done(&mut ftp);
}

#[twin_test]
async fn a_malformed_line_after_a_reply_is_dropped_before_the_next_command() {
    let steps: Steps = &[
        W,
        (b"NOOP\r\n", b"200 ok\r\nnot a reply\r\n"),
        (b"NOOP\r\n", b"200 second\r\n"),
    ];
    let (mut ftp, _) = open(steps, vec![]).await;
    ftp.noop().await.unwrap();
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 second");
    done(&mut ftp);
}

#[bisync]
async fn retr(ftp: &mut Session<'_>, cmd: &str) -> Result<Vec<u8>, Error<ErrorKind>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    ftp.retrbinary(cmd, &mut buf, None, async |b| {
        got.extend_from_slice(b);
        Ok(())
    })
    .await?;
    Ok(got)
}

const PASV_227: &[u8] = b"227 Entering Passive Mode (127,0,0,1,117,49)\r\n";
const DONE: &[u8] = b"150 Opening\r\n226 Transfer complete.\r\n";

#[twin_test]
async fn epsv_without_229_falls_back_to_pasv_for_the_session() {
    // Any reply but 229 (a 227 as basic-ftp#164 saw, a 425, a 500).
    for epsv_reply in [
        &b"227 Entering Passive Mode (127,0,0,1,117,49)\r\n"[..],
        b"425 Cannot open passive connection\r\n",
        b"500 EPSV not understood\r\n",
        b"200 odd\r\n",
    ] {
        let steps: Steps = &[
            W,
            (b"TYPE I\r\n", b"200 ok\r\n"),
            (b"EPSV\r\n", epsv_reply),
            (b"PASV\r\n", PASV_227),
            (b"RETR a\r\n", DONE),
            // Remembered: the next transfer asks PASV directly.
            (b"PASV\r\n", PASV_227),
            (b"RETR b\r\n", DONE),
        ];
        let (mut ftp, data) = open(steps, vec![Plan::bytes(b"A"), Plan::bytes(b"B")]).await;
        assert_eq!(retr(&mut ftp, "RETR a").await.unwrap(), b"A");
        assert_eq!(retr(&mut ftp, "RETR b").await.unwrap(), b"B");
        let want: std::net::SocketAddr = "127.0.0.1:30001".parse().unwrap();
        assert_eq!(data.record.borrow().connected, [want, want]);
        done(&mut ftp);
    }
}

#[twin_test]
async fn an_unreachable_epsv_port_falls_back_to_pasv() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (b"PASV\r\n", PASV_227),
        (b"RETR a\r\n", DONE),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::refused(), Plan::bytes(b"data")]).await;
    assert_eq!(retr(&mut ftp, "RETR a").await.unwrap(), b"data");
    let connected = data.record.borrow().connected.clone();
    assert_eq!(
        connected,
        [
            "127.0.0.1:30001".parse().unwrap(),
            "127.0.0.1:30001".parse().unwrap()
        ]
    );
    done(&mut ftp);
}

#[twin_test]
async fn ipv6_sessions_never_fall_back_to_pasv() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        (b"EPSV\r\n", b"500 EPSV not understood\r\n"),
        (
            b"EPSV\r\n",
            b"229 Entering Extended Passive Mode (|||30001|)\r\n",
        ),
    ];
    let data = MockData::new(vec![Plan::refused()]);
    let mut ftp: Session<'_> = Ftp::connect(
        Scripted::new(steps),
        data.clone(),
        "[::1]:21".parse().unwrap(),
    )
    .await
    .unwrap();
    let e = retr(&mut ftp, "RETR a").await.unwrap_err();
    assert!(
        matches!(&e, Error::Permanent(r) if r.code().get() == 500),
        "{e:?}"
    );
    // An unreachable EPSV port is the error, with no PASV after it.
    let e = retr(&mut ftp, "RETR a").await.unwrap_err();
    assert!(
        matches!(e, Error::Io(ErrorKind::ConnectionRefused)),
        "{e:?}"
    );
    done(&mut ftp);
}

#[twin_test]
async fn pasv_answered_with_229_is_taken_as_229() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        (b"EPSV\r\n", b"502 no\r\n"),
        (
            b"PASV\r\n",
            b"229 Entering Extended Passive Mode (|||30002|)\r\n",
        ),
        (b"RETR a\r\n", DONE),
        (
            b"PASV\r\n",
            b"229 Entering Extended Passive Mode (|||x|)\r\n",
        ),
        (b"NOOP\r\n", b"200 ok\r\n"),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::bytes(b"A")]).await;
    assert_eq!(retr(&mut ftp, "RETR a").await.unwrap(), b"A");
    assert_eq!(
        data.record.borrow().connected,
        ["127.0.0.1:30002".parse().unwrap()]
    );
    // A malformed one is a clean error, and the session goes on.
    let e = retr(&mut ftp, "RETR a").await.unwrap_err();
    assert!(
        matches!(e, Error::Protocol(ProtocolError::BadEpsvReply)),
        "{e:?}"
    );
    ftp.noop().await.unwrap();
    done(&mut ftp);
}

#[twin_test]
async fn an_active_data_connection_from_elsewhere_is_refused() {
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        (
            b"PORT 127,0,0,1,156,64\r\n",
            b"200 PORT command successful.\r\n",
        ),
        (b"RETR a\r\n", b"150 Opening\r\n226 Transfer complete.\r\n"),
        (b"NOOP\r\n", b"200 still in step\r\n"),
        (
            b"PORT 127,0,0,1,156,64\r\n",
            b"200 PORT command successful.\r\n",
        ),
        (b"RETR a\r\n", b"150 Opening\r\n226 Transfer complete.\r\n"),
    ];
    let (mut ftp, data) = open(steps, vec![Plan::bytes(b"forged"), Plan::bytes(b"real")]).await;
    ftp.set_pasv(false);
    *data.accept_from.borrow_mut() = "127.0.0.2:20".parse().unwrap();
    let e = retr(&mut ftp, "RETR a").await.unwrap_err();
    match e {
        Error::ForeignDataPeer { from, server } => {
            assert_eq!(from, "127.0.0.2:20".parse().unwrap());
            assert_eq!(server, std::net::IpAddr::from([127, 0, 0, 1]));
        }
        other => panic!("{other:?}"),
    }
    // Closed unread; the final reply was read, so NOOP gets its own.
    assert_eq!(data.record.borrow().closed, 1);
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 still in step");
    // With the check off (odd NAT), the same connection is taken.
    ftp.set_verify_data_peer(false);
    assert_eq!(retr(&mut ftp, "RETR a").await.unwrap(), b"real");
    done(&mut ftp);
}

#[twin_test]
async fn a_data_timeout_is_not_followed_by_a_second_wait() {
    // The server went silent: its final reply is not awaited (that would
    // be another whole timeout), and the session says it is out of step
    // instead of taking a late reply for the next command's.
    let steps: Steps = &[
        W,
        (b"TYPE I\r\n", b"200 ok\r\n"),
        EPSV,
        (b"RETR a\r\n", b"150 Opening (100 bytes)\r\n"),
    ];
    let plan = Plan {
        fail_after: Some(40),
        fail_with: Some(ErrorKind::TimedOut),
        ..Plan::bytes(&[7u8; 100])
    };
    let (mut ftp, data) = open(steps, vec![plan]).await;
    let e = retr(&mut ftp, "RETR a").await.unwrap_err();
    assert!(matches!(e, Error::Io(ErrorKind::TimedOut)), "{e:?}");
    assert_eq!(
        data.record.borrow().closed,
        0,
        "aborted, not closed cleanly"
    );
    assert!(matches!(
        ftp.noop().await,
        Err(Error::Protocol(ProtocolError::OutOfSync))
    ));
    done(&mut ftp);
}

#[twin_test]
async fn a_welcome_ends_only_at_code_and_space_for_every_split() {
    // `220x` and `2200` inside a multi-line welcome are text; read as its
    // end, the rest would answer USER.
    let welcome: &[u8] = b"220-Welcome\r\n220x not yet\r\n2200 nor this\r\n220 ready\r\n";
    for chunk in 1..=welcome.len() {
        let steps: Steps = &[
            (b"", welcome),
            (b"USER anonymous\r\n", b"230 in without a password\r\n"),
        ];
        let (mut ftp, _) = open_chunked(steps, vec![], chunk).await;
        assert_eq!(
            ftp.getwelcome(),
            b"220-Welcome\n220x not yet\n2200 nor this\n220 ready",
            "chunks of {chunk}"
        );
        assert_eq!(
            ftp.login("", "", "").await.unwrap().text(),
            b"230 in without a password"
        );
        assert_eq!(ftp.stray_replies(), 0);
        done(&mut ftp);
    }
}

#[twin_test]
async fn a_server_that_keeps_talking_by_itself_is_out_of_step() {
    // Seventeen replies nobody asked for: past the bound of stray replies
    // read before one command, the session stops instead of reading on.
    let strays: Vec<u8> = (0..17)
        .flat_map(|i| format!("200 stray {i}\r\n").into_bytes())
        .collect();
    let steps: Vec<(&[u8], &[u8])> = vec![W, (b"", &strays)];
    let (mut ftp, _) = open(&steps, vec![]).await;
    assert!(matches!(
        ftp.noop().await,
        Err(Error::Protocol(ProtocolError::OutOfSync))
    ));
    assert_eq!(
        ftp.stray_replies(),
        16,
        "sixteen read, the seventeenth refused"
    );
}

/// One download through `ntransfercmd`, its next passive command asked
/// to go out early.
#[cfg(feature = "pipeline")]
#[bisync]
async fn fetch_early(ftp: &mut Session<'_>, cmd: &str) -> Vec<u8> {
    use embedded_io::Read;
    let (mut stream, _) = ftp.ntransfercmd(cmd, None).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    ftp.request_early_passive();
    ftp.finish_transfer(stream, Ok(()), None, 0).await.unwrap();
    got
}

/// Feature pipeline: the next EPSV goes out as a download's data ends;
/// its 229 after the 226 is the next transfer's address (or read and
/// dropped before another command); a 229 before the 226 (a server that
/// reads commands during transfers) is taken in that order, and that
/// server gets no early command again.
#[cfg(feature = "pipeline")]
#[twin_test]
async fn early_passive_command_keeps_replies_in_order() {
    let steps: Steps = &[
        W,
        EPSV,
        (b"RETR a\r\n", b"150 ok\r\n"),
        (
            b"EPSV\r\n",
            b"226 done\r\n229 Entering Extended Passive Mode (|||30002|)\r\n",
        ),
        (b"NOOP\r\n", b"200 ok\r\n"),
        (
            b"EPSV\r\n",
            b"229 Entering Extended Passive Mode (|||30003|)\r\n",
        ),
        (b"RETR b\r\n", b"150 ok\r\n"),
        (
            b"EPSV\r\n",
            b"229 Entering Extended Passive Mode (|||30004|)\r\n226 done\r\n",
        ),
        (b"RETR c\r\n", b"150 ok\r\n226 done\r\n"),
        (
            b"EPSV\r\n",
            b"229 Entering Extended Passive Mode (|||30005|)\r\n",
        ),
        (b"RETR d\r\n", b"150 ok\r\n226 done\r\n"),
    ];
    // The second connection is the unused early one, opened and closed.
    let plans = ["a", "", "b", "c", "d"]
        .map(|n| Plan::bytes(n.as_bytes()))
        .to_vec();
    let (mut ftp, data) = open(steps, plans).await;
    assert_eq!(fetch_early(&mut ftp, "RETR a").await, b"a");
    // The early 229 is owed: read before NOOP goes out, and the passive
    // connection it announced opened and closed, so a server waiting for
    // it answers NOOP at once.
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 ok");
    assert_eq!(data.record.borrow().closed, 2);
    assert_eq!(fetch_early(&mut ftp, "RETR b").await, b"b");
    // The 229 that came first is the address of RETR c.
    assert_eq!(fetch_early(&mut ftp, "RETR c").await, b"c");
    assert_eq!(fetch_early(&mut ftp, "RETR d").await, b"d");
    let ports: Vec<u16> = data
        .record
        .borrow()
        .connected
        .iter()
        .map(|a| a.port())
        .collect();
    assert_eq!(ports, [30001, 30002, 30003, 30004, 30005]);
    done(&mut ftp);
}

/// Feature pipeline: a late reply about an abandoned early passive
/// request (a 425 before the next command's reply, pyftpdlib's stray
/// `421 Passive data channel timed out.`) is taken as that, not as the
/// next command's reply and not as the server closing; the server gets
/// no early command again.
#[cfg(feature = "pipeline")]
#[twin_test]
async fn a_late_reply_to_an_abandoned_early_passive_request_is_accounted_for() {
    let steps: Steps = &[
        W,
        EPSV,
        (b"RETR a\r\n", b"150 ok\r\n"),
        (
            b"EPSV\r\n",
            b"226 done\r\n229 Entering Extended Passive Mode (|||30002|)\r\n",
        ),
        (
            b"PWD\r\n",
            b"425 No connection established\r\n257 \"/\" is the current directory\r\n",
        ),
        (b"NOOP\r\n", b"200 ok\r\n"),
        EPSV,
        (b"RETR b\r\n", b"150 ok\r\n"),
        // No early EPSV any more: the 226 alone.
        (b"", b"226 done\r\n"),
        (b"NOOP\r\n", b"200 ok\r\n"),
    ];
    let plans = ["a", "", "b"].map(|n| Plan::bytes(n.as_bytes())).to_vec();
    let (mut ftp, _) = open(steps, plans).await;
    assert_eq!(fetch_early(&mut ftp, "RETR a").await, b"a");
    assert_eq!(ftp.pwd().await.unwrap(), b"/");
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 ok");
    assert_eq!(fetch_early(&mut ftp, "RETR b").await, b"b");
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 ok");
    done(&mut ftp);

    // The 421 pyftpdlib sends when its passive wait times out, as a
    // stray reply before the next command: dropped, the session open.
    let steps: Steps = &[
        W,
        EPSV,
        (b"RETR a\r\n", b"150 ok\r\n"),
        (
            b"EPSV\r\n",
            b"226 done\r\n229 Entering Extended Passive Mode (|||30002|)\r\n",
        ),
        (
            b"NOOP\r\n",
            b"200 ok\r\n421 Passive data channel timed out.\r\n",
        ),
        (b"NOOP\r\n", b"200 still here\r\n"),
    ];
    let plans = ["a", ""].map(|n| Plan::bytes(n.as_bytes())).to_vec();
    let (mut ftp, _) = open(steps, plans).await;
    assert_eq!(fetch_early(&mut ftp, "RETR a").await, b"a");
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 ok");
    assert_eq!(ftp.noop().await.unwrap().text(), b"200 still here");
    assert!(ftp.is_open());
    done(&mut ftp);
}

/// Feature pipeline: an early EPSV answered with an impossible port
/// switches the session to PASV, as a late one would.
#[cfg(feature = "pipeline")]
#[twin_test]
async fn an_early_229_with_port_0_falls_back_to_pasv() {
    let steps: Steps = &[
        W,
        EPSV,
        (b"RETR a\r\n", b"150 ok\r\n"),
        (
            b"EPSV\r\n",
            b"226 done\r\n229 Entering Extended Passive Mode (|||0|)\r\n",
        ),
        (
            b"PASV\r\n",
            b"227 Entering Passive Mode (127,0,0,1,117,50).\r\n",
        ),
        (b"RETR b\r\n", b"150 ok\r\n226 done\r\n"),
    ];
    let plans = ["a", "b"].map(|n| Plan::bytes(n.as_bytes())).to_vec();
    let (mut ftp, data) = open(steps, plans).await;
    assert_eq!(fetch_early(&mut ftp, "RETR a").await, b"a");
    let (mut stream, _) = ftp.ntransfercmd("RETR b", None).await.unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(embedded_io::Read::read(&mut stream, &mut buf).unwrap(), 1);
    ftp.finish_transfer(stream, Ok(()), None, 0).await.unwrap();
    let ports: Vec<u16> = data
        .record
        .borrow()
        .connected
        .iter()
        .map(|a| a.port())
        .collect();
    assert_eq!(ports, [30001, 30002]);
    done(&mut ftp);
}

/// Feature pipeline: an early EPSV the server refuses (425, out of
/// ports) costs nothing but its reply: the next transfer asks again.
#[cfg(feature = "pipeline")]
#[twin_test]
async fn a_refused_early_passive_command_is_asked_again() {
    let steps: Steps = &[
        W,
        EPSV,
        (b"RETR a\r\n", b"150 ok\r\n"),
        (b"EPSV\r\n", b"226 done\r\n425 Cannot open passive port\r\n"),
        (
            b"EPSV\r\n",
            b"229 Entering Extended Passive Mode (|||30002|)\r\n",
        ),
        (b"RETR b\r\n", b"150 ok\r\n226 done\r\n"),
    ];
    let plans = ["a", "b"].map(|n| Plan::bytes(n.as_bytes())).to_vec();
    let (mut ftp, data) = open(steps, plans).await;
    assert_eq!(fetch_early(&mut ftp, "RETR a").await, b"a");
    let (mut stream, _) = ftp.ntransfercmd("RETR b", None).await.unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(embedded_io::Read::read(&mut stream, &mut buf).unwrap(), 1);
    ftp.finish_transfer(stream, Ok(()), None, 0).await.unwrap();
    let ports: Vec<u16> = data
        .record
        .borrow()
        .connected
        .iter()
        .map(|a| a.port())
        .collect();
    assert_eq!(ports, [30001, 30002]);
    done(&mut ftp);
}

/// `stop_transfer`: the 426 a reset causes is how the server says it
/// stopped; another refusal is the error, and the session goes on.
#[twin_test]
async fn a_stopped_transfer_takes_426_and_reports_other_refusals() {
    let steps: Steps = &[
        W,
        EPSV,
        (
            b"RETR a\r\n",
            b"150 ok\r\n426 Failure writing network stream.\r\n",
        ),
        EPSV,
        (b"RETR b\r\n", b"150 ok\r\n550 Permission denied.\r\n"),
        (b"NOOP\r\n", b"200 ok\r\n"),
    ];
    let plans = ["aaaa", "bbbb"].map(|n| Plan::bytes(n.as_bytes())).to_vec();
    let (mut ftp, _) = open(steps, plans).await;
    let (stream, _) = ftp.ntransfercmd("RETR a", None).await.unwrap();
    let reply = ftp.stop_transfer(stream).await.unwrap();
    assert_eq!(reply.code().get(), 426);
    let (stream, _) = ftp.ntransfercmd("RETR b", None).await.unwrap();
    let e = ftp.stop_transfer(stream).await.unwrap_err();
    assert!(
        matches!(&e, Error::Permanent(r) if r.code().get() == 550),
        "{e:?}"
    );
    assert_eq!(ftp.noop().await.unwrap().code().get(), 200);
    done(&mut ftp);
}
