//! FTP and runner errors as Rhai errors: a map `#{code, kind, message}`
//! that `try { } catch (e) { }` receives, and one line for the user when
//! nothing caught it.

use rhai::{Dynamic, EvalAltResult, INT, Map, Position};

use ftp_std::Error;

/// What Rhai functions of the runner return.
pub type Rr<T> = Result<T, Box<EvalAltResult>>;

/// An error for the script: `kind` is one of `temp`, `perm`, `reply`,
/// `proto`, `io`, `timeout`, `tls`, `checksum`, `encoding`, `usage`.
pub fn script_error(
    kind: &str,
    code: Option<u16>,
    message: impl Into<String>,
) -> Box<EvalAltResult> {
    let mut map = Map::new();
    map.insert(
        "code".into(),
        code.map_or(Dynamic::UNIT, |c| Dynamic::from(INT::from(c))),
    );
    map.insert("kind".into(), kind.into());
    map.insert("message".into(), message.into().into());
    Box::new(EvalAltResult::ErrorRuntime(map.into(), Position::NONE))
}

/// A mistake of the script (a bad argument, no session, a path outside
/// the sandbox).
pub fn usage(message: impl Into<String>) -> Box<EvalAltResult> {
    script_error("usage", None, message)
}

/// A local file error.
pub fn local_io(what: &str, e: std::io::Error) -> Box<EvalAltResult> {
    script_error("io", None, format!("{what}: {e}"))
}

/// Classifies an ftp-std error: its variant is its kind.
pub fn ftp_error(e: Error) -> Box<EvalAltResult> {
    let message = e.to_string();
    match &e {
        Error::Temporary(r) => script_error("temp", Some(r.code().get()), message),
        Error::Permanent(r) => script_error("perm", Some(r.code().get()), message),
        Error::Unexpected(r) => script_error(
            "reply",
            Some(r.code().get()),
            format!("unexpected reply: {r}"),
        ),
        Error::Protocol(_) | Error::BufferTooSmall => script_error("proto", None, message),
        Error::InvalidArgument(_) | Error::SessionClosed | Error::Url(_) => {
            script_error("usage", None, message)
        }
        Error::Tls(_) => script_error("tls", None, message),
        Error::Unencodable { .. } => script_error("encoding", None, message),
        Error::ChecksumMismatch { .. } | Error::NoChecksum { .. } => {
            script_error("checksum", None, message)
        }
        Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            script_error("timeout", None, io.to_string())
        }
        Error::Io(io) => script_error("io", None, io.to_string()),
        _ => script_error("io", None, message),
    }
}

/// The one line a failed script leaves on stderr (without `error: `).
pub fn describe(err: &EvalAltResult) -> String {
    match err {
        EvalAltResult::ErrorRuntime(value, pos) => {
            let msg = match value.read_lock::<Map>() {
                Some(map) => map
                    .get("message")
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| value.to_string()),
                None => value.to_string(),
            };
            with_position(msg, *pos)
        }
        EvalAltResult::ErrorInFunctionCall(name, _, inner, pos) => {
            let msg = describe(inner);
            match pos.line() {
                Some(line) if !name.is_empty() => {
                    format!("{msg} (in function {name}, called at line {line})")
                }
                _ => msg,
            }
        }
        other => other.to_string(),
    }
}

fn with_position(msg: String, pos: Position) -> String {
    match pos.line() {
        Some(line) if !msg.contains("(line ") => format!("{msg} (line {line})"),
        _ => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_shape() {
        let e = script_error("perm", Some(550), "550 No such file");
        let EvalAltResult::ErrorRuntime(v, _) = *e else {
            panic!()
        };
        let map = v.cast::<Map>();
        assert_eq!(map["code"].as_int().unwrap(), 550);
        assert_eq!(map["kind"].clone().into_string().unwrap(), "perm");
        let e = usage("no session");
        let EvalAltResult::ErrorRuntime(v, _) = *e else {
            panic!()
        };
        assert!(v.cast::<Map>()["code"].is_unit());
    }
}
