// A server probe for both twins (`ftp-script --probe`): what a server
// supports and needs, found by asking (FEAT) and trying (EPSV, PASV and a
// connection to its address, an active listing, MLSD, STAT, AUTH TLS at
// each TLS version, a data connection that does not resume the TLS
// session, sessions up to a limit, a file's LIST time against its MDTM).

use std::time::Duration;

use super::bisync;
use super::client::Ftp;
use super::rt;
use crate::bulk::{Probe, TlsProbe};
use crate::net::url::{Scheme, Url};
use crate::{Error, Options, Security, TlsMax};

/// Probes the server of `url` (logging in with its credentials, else
/// `~/.netrc`'s, else anonymously, as [`Ftp::open`] does) with `options`
/// (certificate checks, timeouts, proxy), opening up to `most`
/// sessions at once to find its limit. Nothing is written on the server.
/// Fails only when the first session cannot be opened; every other
/// finding is `None` when it could not be tried.
#[bisync]
pub async fn probe(url: &Url, options: &Options, most: usize) -> Result<Probe, Error> {
    let mut found = Probe::default();
    let mut plain = options.clone();
    if url.scheme == Scheme::Ftp {
        plain.security = Security::None;
    }
    // In clear text; a server that takes logins only over TLS, with it.
    let mut ftp = match rt::boxed(Ftp::open(url, &plain)).await {
        Err(Error::Permanent(r)) if url.scheme == Scheme::Ftp => {
            log::info!("probe: {r}; logging in over TLS");
            plain.security = Security::Explicit;
            rt::boxed(Ftp::open(url, &plain)).await?
        }
        other => other?,
    };
    let features = ftp.feat().await.unwrap_or_default();
    let has = |what: &str| {
        features.iter().any(|l| {
            let l = l.trim();
            l.len() >= what.len() && l[..what.len()].eq_ignore_ascii_case(what)
        })
    };
    found.mlsd = Some(has("MLST"));
    found.utf8 = Some(has("UTF8"));
    found.size = Some(has("SIZE"));
    found.mdtm = Some(has("MDTM"));
    found.mfmt = Some(has("MFMT"));
    found.rest_stream = Some(has("REST STREAM"));
    found.checksums = checksums(&features);
    found.features = features;
    rt::boxed(passive(&mut ftp, &mut found)).await?;
    // Active mode: a listing through PORT or EPRT.
    ftp.set_pasv(false);
    found.active = tried(rt::boxed(ftp.nlst(None)).await)?;
    ftp.set_pasv(true);
    if found.mlsd == Some(true) {
        found.mlsd = tried(rt::boxed(ftp.mlsd(None, &[])).await)?;
    }
    let stat = rt::boxed(ftp.dir_with(None, crate::Listing::default().via(crate::ListVia::Stat))).await;
    found.stat_list = match stat {
        Ok(lines) => Some(
            lines
                .iter()
                .any(|l| ftp_core::list::parse_list_line(l.as_bytes()).is_ok_and(|e| e.is_some())),
        ),
        Err(e) if e.connection_lost() => return Err(e),
        Err(_) => Some(false),
    };
    found.zone_offset_minutes = rt::boxed(zone(&mut ftp)).await?;
    // The limit: this session and more, held open together.
    let mut held = Vec::new();
    let most = most.max(1);
    while held.len() + 1 < most {
        match rt::boxed(Ftp::open(url, &plain)).await {
            Ok(more) => held.push(more),
            Err(e) => {
                log::info!("probe: session {} refused: {e}", held.len() + 2);
                break;
            }
        }
    }
    found.max_connections = Some(held.len() + 1);
    found.max_connections_tried = most;
    for more in held {
        more.close();
    }
    let _ = ftp.quit().await;
    let mut clear = plain;
    if url.scheme == Scheme::Ftp {
        clear.security = Security::None;
    }
    found.tls = rt::boxed(tls(url, options, &clear)).await?;
    Ok(found)
}

/// A finding from a try: `Ok` worked, a refusal did not; a lost
/// connection ends the probe.
fn tried<T>(result: Result<T, Error>) -> Result<Option<bool>, Error> {
    match result {
        Ok(_) => Ok(Some(true)),
        Err(e) if e.connection_lost() && !e.no_data_connection() => Err(e),
        Err(_) => Ok(Some(false)),
    }
}

/// The checksum algorithms of FEAT's HASH line and X commands.
fn checksums(features: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !out.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            out.push(name.to_string());
        }
    };
    for line in features {
        let mut words = line.split_whitespace();
        match words.next().map(str::to_ascii_uppercase).as_deref() {
            Some("HASH") => {
                for name in words.next().unwrap_or_default().split(';') {
                    let name = name.trim_end_matches('*');
                    if !name.is_empty() {
                        add(&name.to_ascii_uppercase());
                    }
                }
            }
            Some("XSHA256") => add("SHA-256"),
            Some("XSHA512") => add("SHA-512"),
            Some("XSHA1") | Some("XSHA") => add("SHA-1"),
            Some("XMD5") | Some("MD5") => add("MD5"),
            Some("XCRC") => add("CRC32"),
            _ => {}
        }
    }
    out
}

/// EPSV, PASV, and whether PASV's own address takes a connection.
#[bisync]
async fn passive(ftp: &mut Ftp, found: &mut Probe) -> Result<(), Error> {
    let answered = |r: Result<crate::Reply, Error>| match r {
        Ok(reply) => Ok(Some(reply)),
        Err(e) if e.connection_lost() => Err(e),
        Err(_) => Ok(None),
    };
    let epsv = answered(ftp.sendcmd("EPSV").await)?;
    found.epsv = Some(epsv.is_some_and(|r| r.code() == 229));
    let pasv = answered(ftp.sendcmd("PASV").await)?;
    let announced = pasv
        .as_ref()
        .filter(|r| r.code() == 227)
        .and_then(|r| ftp_core::pasv::parse_227(r.text().as_bytes()).ok());
    found.pasv = Some(announced.is_some());
    if let Some(addr) = announced {
        let usable = rt::tcp_connect(addr.into(), None, Some(Duration::from_secs(3)))
            .await
            .is_ok();
        found.pasv_address_usable = Some(usable);
    }
    // (The data connections those opened are given up by the next
    // passive request of a listing.)
    Ok(())
}

/// The zone of LIST times: a file's LIST time against its MDTM.
#[bisync]
async fn zone(ftp: &mut Ftp) -> Result<Option<i64>, Error> {
    let entries = match ftp.list(None, crate::Listing::default()).await {
        Ok(entries) => entries,
        Err(e) if e.connection_lost() => return Err(e),
        Err(_) => return Ok(None),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for e in entries {
        if e.kind != ftp_core::list::ListKind::File {
            continue;
        }
        let Some(listed) = e
            .time
            .as_ref()
            .and_then(|t| crate::session::listed_seconds(t, now))
        else {
            continue;
        };
        return match ftp.mdtm(&e.name).await {
            Ok(exact) => Ok(Some(
                crate::bulk::mirror::scan::zone_offset(listed, exact.unix_seconds()) / 60,
            )),
            Err(e) if e.connection_lost() => Err(e),
            Err(_) => Ok(None),
        };
    }
    Ok(None)
}

/// AUTH TLS (and at which versions), implicit TLS, and whether data
/// connections must resume the session.
#[bisync]
async fn tls(url: &Url, options: &Options, plain: &Options) -> Result<TlsProbe, Error> {
    let mut found = TlsProbe {
        // This port spoke FTP in clear text at once, or TLS (ftps://).
        implicit: Some(url.scheme == Scheme::Ftps),
        ..TlsProbe::default()
    };
    if url.scheme == Scheme::Ftps {
        found.explicit = None;
    } else {
        // Before login, on a connection of its own (left waiting for a
        // handshake it will not get: sessions of their own try that).
        let mut fresh = patiently(async || rt::boxed(Ftp::connect_url(url, plain)).await).await?;
        let answer = fresh.sendcmd("AUTH TLS").await;
        fresh.close();
        match answer {
            Ok(r) if r.code() == 234 => found.explicit = Some(true),
            Err(e) if e.connection_lost() => return Err(e),
            _ => {
                found.explicit = Some(false);
                return Ok(found);
            }
        }
    }
    let secure = {
        let mut o = options.clone();
        if url.scheme == Scheme::Ftp {
            o.security = Security::Explicit;
        }
        o
    };
    let mut versions = Vec::new();
    let mut first = true;
    for max in [TlsMax::V1_3, TlsMax::V1_2] {
        let options = secure.clone().tls_max(max);
        let Ok(mut ftp) = patiently(async || rt::boxed(Ftp::open(url, &options)).await).await else {
            continue;
        };
        let version = match ftp.tls_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "1.3",
            Some(rustls::ProtocolVersion::TLSv1_2) => "1.2",
            _ => continue,
        };
        if !versions.contains(&version) {
            versions.push(version);
        }
        if std::mem::take(&mut first) {
            // Resumed (as every ftp-std data connection is): works; a
            // full handshake: refused where resumption is required.
            let resumed = tried(ftp.nlst(None).await)?;
            ftp.resume_data_tls(false)?;
            let fresh = tried(ftp.nlst(None).await)?;
            found.reuse_required = match (resumed, fresh) {
                (Some(true), Some(ok)) => Some(!ok),
                _ => None,
            };
        }
        let _ = ftp.quit().await;
    }
    if !versions.is_empty() {
        versions.sort_unstable();
        found.versions = Some(versions.into_iter().map(String::from).collect());
    }
    Ok(found)
}

/// Opens a session, waiting (up to 2 s) while the server still counts
/// sessions this probe closed a moment ago against its limit.
#[bisync]
async fn patiently(mut open: impl AsyncFnMut() -> Result<Ftp, Error>) -> Result<Ftp, Error> {
    let mut tries = 0;
    loop {
        match open().await {
            Err(e) if e.too_many_connections() && tries < 20 => {
                tries += 1;
                rt::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}
