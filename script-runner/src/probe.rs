//! `ftp-script --probe URL` and `probe()`: what ftp-std's probe found, as
//! lines for a person and as a map for a script.

use ftp_std::Probe;
use rhai::{Array, Dynamic, INT, Map};

fn yes(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not tried",
    }
}

/// One line a finding, then the options to use with this server.
pub fn describe(p: &Probe) -> Vec<String> {
    let mut out = vec![
        format!("features: {}", p.features.join(", ")),
        format!("EPSV: {}", yes(p.epsv)),
        format!(
            "PASV: {}{}",
            yes(p.pasv),
            match p.pasv_address_usable {
                Some(true) => " (its address takes connections)",
                Some(false) => " (its address does not take connections: a NAT's private address)",
                None => "",
            }
        ),
        format!("active mode (PORT/EPRT): {}", yes(p.active)),
        format!("MLSD/MLST: {}", yes(p.mlsd)),
        format!("UTF8: {}", yes(p.utf8)),
        format!(
            "SIZE: {}, MDTM: {}, MFMT: {}, REST STREAM: {}",
            yes(p.size),
            yes(p.mdtm),
            yes(p.mfmt),
            yes(p.rest_stream)
        ),
        format!(
            "checksums: {}",
            if p.checksums.is_empty() {
                "none".to_string()
            } else {
                p.checksums.join(", ")
            }
        ),
        format!("listings over STAT: {}", yes(p.stat_list)),
        format!(
            "FTPS: explicit (AUTH TLS) {}, implicit {}",
            yes(p.tls.explicit),
            yes(p.tls.implicit)
        ),
    ];
    if let Some(versions) = &p.tls.versions {
        out.push(format!("TLS versions: {}", versions.join(", ")));
        out.push(format!(
            "data connections must resume the TLS session: {}",
            yes(p.tls.reuse_required)
        ));
    }
    out.push(match p.max_connections {
        Some(n) if n >= p.max_connections_tried => {
            format!("connections at once: {n} or more (the most tried)")
        }
        Some(n) => format!("connections at once: {n}"),
        None => "connections at once: not tried".into(),
    });
    out.push(match p.zone_offset_minutes {
        Some(m) => format!(
            "time zone of LIST times: UTC{}{:02}:{:02}",
            if m < 0 { '-' } else { '+' },
            m.abs() / 60,
            m.abs() % 60
        ),
        None => "time zone of LIST times: not tried (no file with a LIST time and MDTM)".into(),
    });
    out.push(format!("options to use: {}", advice(p).join("; ")));
    out
}

/// What to set for this server.
fn advice(p: &Probe) -> Vec<String> {
    let mut out = Vec::new();
    if p.tls.explicit == Some(true) {
        out.push("--tls (the server does FTPS)".to_string());
        if p.tls
            .versions
            .as_ref()
            .is_some_and(|v| v.iter().all(|v| v == "1.2"))
        {
            out.push("TLS 1.2 only: nothing to set".into());
        }
    }
    if p.epsv == Some(false) && p.pasv == Some(false) && p.active == Some(true) {
        out.push("--active (passive mode fails)".into());
    }
    if let Some(n) = p.max_connections {
        out.push(format!("mirror(.., #{{parallel: {}}})", n.min(8)));
    }
    if p.mlsd == Some(false) && p.stat_list == Some(true) {
        out.push("dir(path, #{via: \"stat\"}) where data connections fail".into());
    }
    if p.checksums.is_empty() {
        out.push("no checksums: verify \"auto\" checks sizes only".into());
    } else {
        out.push("verify: \"always\" (the server has checksums)".into());
    }
    out
}

/// The map `probe()` returns; a finding not tried is `()`.
pub fn to_map(p: &Probe) -> Map {
    let flag = |v: Option<bool>| v.map_or(Dynamic::UNIT, Dynamic::from);
    let strings = |v: &[String]| -> Dynamic {
        v.iter()
            .cloned()
            .map(Dynamic::from)
            .collect::<Array>()
            .into()
    };
    let mut m = Map::new();
    m.insert("features".into(), strings(&p.features));
    for (k, v) in [
        ("epsv", p.epsv),
        ("pasv", p.pasv),
        ("pasv_address_usable", p.pasv_address_usable),
        ("active", p.active),
        ("mlsd", p.mlsd),
        ("utf8", p.utf8),
        ("size", p.size),
        ("mdtm", p.mdtm),
        ("mfmt", p.mfmt),
        ("rest_stream", p.rest_stream),
        ("stat_list", p.stat_list),
    ] {
        m.insert(k.into(), flag(v));
    }
    m.insert("checksums".into(), strings(&p.checksums));
    let mut tls = Map::new();
    tls.insert("explicit".into(), flag(p.tls.explicit));
    tls.insert("implicit".into(), flag(p.tls.implicit));
    tls.insert(
        "versions".into(),
        p.tls.versions.as_deref().map_or(Dynamic::UNIT, strings),
    );
    tls.insert("reuse_required".into(), flag(p.tls.reuse_required));
    m.insert("tls".into(), tls.into());
    m.insert(
        "max_connections".into(),
        p.max_connections
            .and_then(|n| INT::try_from(n).ok())
            .map_or(Dynamic::UNIT, Dynamic::from),
    );
    m.insert(
        "zone_offset_minutes".into(),
        p.zone_offset_minutes.map_or(Dynamic::UNIT, Dynamic::from),
    );
    m
}
