//! Which replies each command accepts: the reply classes of RFC 959 and
//! its extensions, as one table of pure functions that both twins of the
//! session use (and that adapters can ask). A reply a command does not
//! accept is an unexpected-reply error (ftplib's `error_reply`); 4xx and
//! 5xx are the temporary and permanent errors before any of these apply.

use crate::reply::Code;

/// What a command's reply must be to count as done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Accepts {
    /// Any 2xx (CWD, TYPE, NOOP, QUIT, PBSZ, PROT, PORT, ...).
    Completion,
    /// 2xx or 3xx (USER: 230 or 331/332; PASS: 230 or 332).
    CompletionOrMore,
    /// 3xx: more is needed (RNFR then RNTO, REST then the transfer).
    Intermediate,
    /// Exactly these codes.
    Codes(&'static [u16]),
    /// 1xx, then a 2xx after the data (RETR, STOR, APPE, LIST, NLST, MLSD).
    Transfer,
}

impl Accepts {
    /// True when `code` is a reply this command accepts as done (for
    /// [`Accepts::Transfer`], the final reply).
    pub fn accepts(self, code: Code) -> bool {
        match self {
            Accepts::Completion | Accepts::Transfer => code.is_completion(),
            Accepts::CompletionOrMore => code.is_completion() || code.is_intermediate(),
            Accepts::Intermediate => code.is_intermediate(),
            Accepts::Codes(codes) => codes.contains(&code.get()),
        }
    }
}

/// USER: 230 (in), 331 (password), 332 (account).
pub const USER: Accepts = Accepts::CompletionOrMore;
/// PASS: 230, or 332 (account).
pub const PASS: Accepts = Accepts::CompletionOrMore;
/// RNFR: 350, then RNTO.
pub const RNFR: Accepts = Accepts::Intermediate;
/// REST: 350, then the transfer command.
pub const REST: Accepts = Accepts::Intermediate;
/// PWD and MKD: 257 with the path.
pub const PATH: Accepts = Accepts::Codes(&[257]);
/// DELE: 250, or 200 (some servers).
pub const DELE: Accepts = Accepts::Codes(&[250, 200]);
/// SIZE and MDTM: 213.
pub const FILE_STATUS: Accepts = Accepts::Codes(&[213]);
/// EPSV: 229 only (anything else makes the session fall back to PASV).
pub const EPSV: Accepts = Accepts::Codes(&[229]);
/// PASV: 227, or a 229 some servers send.
pub const PASV: Accepts = Accepts::Codes(&[227, 229]);
/// AUTH TLS: 234.
pub const AUTH: Accepts = Accepts::Codes(&[234]);
/// ABOR: 225 or 226, or 426 (then the 226).
pub const ABOR: Accepts = Accepts::Codes(&[225, 226, 426]);
/// RETR, STOR, APPE, LIST, NLST, MLSD: 1xx, then 2xx.
pub const TRANSFER: Accepts = Accepts::Transfer;

/// The replies a command accepts, by its verb (case-insensitive). Verbs
/// not in the table accept any 2xx.
///
/// ```
/// use ftp_core::{Code, replies::accepts};
/// let code = |c| Code::new(c).unwrap();
/// assert!(accepts("DELE").accepts(code(250)) && accepts("dele").accepts(code(200)));
/// assert!(!accepts("DELE").accepts(code(226)));
/// assert!(accepts("PWD").accepts(code(257)) && !accepts("PWD").accepts(code(200)));
/// assert!(accepts("EPSV").accepts(code(229)) && !accepts("EPSV").accepts(code(227)));
/// assert!(accepts("PASV").accepts(code(227)) && accepts("PASV").accepts(code(229)));
/// ```
pub fn accepts(verb: &str) -> Accepts {
    const TABLE: &[(&str, Accepts)] = &[
        ("USER", USER),
        ("PASS", PASS),
        ("RNFR", RNFR),
        ("REST", REST),
        ("PWD", PATH),
        ("MKD", PATH),
        ("DELE", DELE),
        ("SIZE", FILE_STATUS),
        ("MDTM", FILE_STATUS),
        ("EPSV", EPSV),
        ("PASV", PASV),
        ("AUTH", AUTH),
        ("ABOR", ABOR),
        ("RETR", TRANSFER),
        ("STOR", TRANSFER),
        ("APPE", TRANSFER),
        ("LIST", TRANSFER),
        ("NLST", TRANSFER),
        ("MLSD", TRANSFER),
    ];
    TABLE
        .iter()
        .find(|(v, _)| v.eq_ignore_ascii_case(verb))
        .map_or(Accepts::Completion, |(_, a)| *a)
}

/// True when a listing's final reply, a 2xx, says the listing failed:
/// vsftpd answers LIST of a directory it may not read with `226 Transfer
/// done (but failed to open directory).` and no lines, which would pass
/// for an empty directory (a mirror deleting the local copy of all that
/// is in it). The session reports such a listing as an unexpected reply.
///
/// ```
/// use ftp_core::replies::listing_failed;
/// assert!(listing_failed(b"226 Transfer done (but failed to open directory)."));
/// assert!(!listing_failed(b"226 Directory send OK."));
/// ```
pub fn listing_failed(text: &[u8]) -> bool {
    const SAID: &[u8] = b"failed to open directory";
    text.windows(SAID.len()).any(|w| w == SAID)
}

/// True when a listing command's refusal means "nothing matched", not
/// "no such directory": `450 No files found` (ProFTPD, Serv-U for an
/// empty directory or a pattern matching nothing) or `550 No files
/// found.` (wu-ftpd, glftpd). The session gives an empty listing for it,
/// as curl has done for twenty years; any other 450 or 550 (`550 No such
/// file or directory`) stays the error it is.
///
/// ```
/// use ftp_core::{replies::no_files, Code};
/// let c = |n| Code::new(n).unwrap();
/// assert!(no_files(c(450), b"450 No files found"));
/// assert!(no_files(c(550), b"550 No files found."));
/// assert!(!no_files(c(550), b"550 No such file or directory."));
/// assert!(!no_files(c(226), b"226 No files found"));
/// ```
pub fn no_files(code: Code, text: &[u8]) -> bool {
    if !matches!(code.get(), 450 | 550) {
        return false;
    }
    let said = text.get(4..).unwrap_or_default();
    [&b"no files found"[..], b"no file found"]
        .iter()
        .any(|phrase| {
            said.windows(phrase.len())
                .any(|w| w.eq_ignore_ascii_case(phrase))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: u16) -> Code {
        Code::new(c).unwrap()
    }

    #[test]
    fn the_table_as_rfc_959_and_its_extensions_say() {
        let cases: &[(&str, &[u16], &[u16])] = &[
            ("CWD", &[200, 250], &[150, 331, 350]),
            ("USER", &[230, 331, 332], &[150]),
            ("RNFR", &[350], &[250, 200]),
            ("REST", &[350], &[200]),
            ("MKD", &[257], &[250, 200]),
            ("DELE", &[200, 250], &[226, 257]),
            ("SIZE", &[213], &[200, 250]),
            ("MDTM", &[213], &[200]),
            ("EPSV", &[229], &[227, 200]),
            ("PASV", &[227, 229], &[200]),
            ("AUTH", &[234], &[200]),
            ("ABOR", &[225, 226, 426], &[200]),
            ("RETR", &[226, 250], &[150, 350]),
            ("noop", &[200], &[350]),
        ];
        for (verb, yes, no) in cases {
            for c in *yes {
                assert!(accepts(verb).accepts(code(*c)), "{verb} {c}");
            }
            for c in *no {
                assert!(!accepts(verb).accepts(code(*c)), "{verb} {c}");
            }
        }
    }
}
