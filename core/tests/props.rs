//! Property tests: the parsers and the session never panic on arbitrary
//! bytes, the reply reader gives the same replies however its input is
//! split, and the encoder never puts CR or LF inside a command.

mod common;

use common::{MockData, Plan};
use embedded_io::{ErrorKind, ErrorType, Read, Write};
use ftp_core::reply::{ReplyReader, Status};
use ftp_core::{Command, Ftp, ProtocolError};
use proptest::prelude::*;

type Outcome = Vec<Result<(u16, Vec<u8>, bool), ProtocolError>>;

/// Runs a reader of 64 bytes over `input`, fed in the given chunk sizes
/// (cycled); stops at the first error or when input runs out.
fn replies(input: &[u8], chunks: &[usize]) -> Outcome {
    let mut r = ReplyReader::<64>::new();
    let mut out = Vec::new();
    let mut rest = input;
    let mut i = 0;
    // Each round either consumes input or completes a reply: bounded.
    for _ in 0..(input.len() * 2 + 16) {
        match r.parse(|_| {}) {
            Ok(Status::Complete) => {
                let reply = r.reply().unwrap();
                out.push(Ok((
                    reply.code().get(),
                    reply.text().to_vec(),
                    reply.is_truncated(),
                )));
            }
            Ok(Status::Incomplete) => {
                if rest.is_empty() {
                    return out;
                }
                let want = chunks[i % chunks.len()].max(1);
                i += 1;
                let n = r.feed(&rest[..want.min(rest.len())]);
                assert!(n > 0, "Incomplete must leave space to read into");
                rest = &rest[n..];
            }
            Err(e) => {
                out.push(Err(e));
                return out;
            }
        }
    }
    panic!("reader did not make progress");
}

/// Reply-like input: lines from real shapes and random bytes.
fn reply_bytes() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        (
            100u16..600,
            prop::sample::select(vec![" ", "-", ""]),
            "[ -~]{0,70}"
        )
            .prop_map(|(c, sep, t)| format!("{c}{sep}{t}").into_bytes()),
        "[ -~]{0,20}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..90),
    ];
    let end = prop::sample::select(vec!["\r\n", "\n", "\r", ""]);
    prop::collection::vec((line, end), 0..12).prop_map(|v| {
        v.into_iter()
            .flat_map(|(mut l, e)| {
                l.extend_from_slice(e.as_bytes());
                l
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn reader_same_replies_for_every_split(input in reply_bytes(), chunks in prop::collection::vec(1usize..80, 1..8)) {
        let whole = replies(&input, &[usize::MAX]);
        let split = replies(&input, &chunks);
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn reader_never_panics_on_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..600), chunk in 1usize..70) {
        let _ = replies(&input, &[chunk]);
    }

    #[test]
    fn encoder_never_emits_line_ends_inside(verb in "\\PC{0,12}", arg in proptest::option::of(any::<String>())) {
        let mut buf = [0u8; 4096];
        match Command::new(&verb, arg.as_deref().map(str::as_bytes)) {
            Ok(cmd) => {
                let line = cmd.encode(&mut buf).unwrap();
                let body = &line[..line.len() - 2];
                prop_assert!(line.ends_with(b"\r\n"));
                prop_assert!(!body.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
            }
            Err(_) => {
                let all = format!("{verb}{}", arg.unwrap_or_default());
                prop_assert!(verb.is_empty() || all.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)));
            }
        }
    }

    #[test]
    fn parsers_never_panic(input in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = ftp_core::pasv::parse_227(&input);
        let _ = ftp_core::pasv::parse_229(&input);
        let mut out = [0u8; 64];
        let _ = ftp_core::path::parse_257(&input, &mut out);
        let mut copy = input.clone();
        let _ = ftp_core::path::parse_257_in_place(&mut copy);
        let _ = ftp_core::size::parse_150(&input);
        let _ = ftp_core::size::parse_213(&input);
        let _ = ftp_core::Timestamp::parse(&input);
        if let Ok(e) = ftp_core::mlsd::Entry::parse(&input) {
            let _ = (e.kind(), e.size(), e.modify(), e.facts().count());
        }
        let _ = ftp_core::mlsd::Entry::parse_lowercase(&mut copy);
        let _ = ftp_core::list::parse_list_line(&input);
    }

    #[test]
    fn parsers_never_panic_on_near_misses(
        input in prop_oneof![
            "227 [(]?[0-9,]{0,30}[)]?",
            "229 [(][|!0-9]{0,12}[)]?",
            "257 [\" /a-z]{0,20}",
            "[-dl][rwx-]{9} +[0-9]{1,3} [a-z]+ [a-z]+ +[0-9,]{1,8} [A-Z][a-z]{2} +[0-9]{1,2} +[0-9:]{4,5} ?.{0,10}",
            "[0-9]{2}-[0-9]{2}-[0-9]{2,4} +[0-9:]{4,5}[AP]M +(<DIR>|[0-9]{1,5}) *.{0,10}",
            "([a-zA-Z.]{0,6}=[^; ]{0,8};){0,4} ?.{0,8}",
            "[0-9]{14}(\\.[0-9]{0,10})?",
            "\\+([imrs/][0-9.]{0,12},){0,5}\t?.{0,8}",
            "[A-Z0-9_.]{1,12};[0-9x]{0,3} +[0-9/]{0,6} +[0-9]{1,2}-[A-Z]{3}-[0-9]{2,4} [0-9:.]{3,11}( \\[[A-Z,]{0,8}\\])?( \\([RWED,]{0,16}\\))?",
            // z/OS data sets and members, OS/400 objects.
            "[A-Z0-9]{0,6} +[0-9]{0,4} +([0-9/]{0,10}|\\*\\*NONE\\*\\*) +[0-9]{0,2} +[0-9]{0,3} +[A-Z]{0,3} +[0-9]{0,5} +[0-9]{0,5} +(PS|PO|PO-E|VS|[A-Z?-]{0,3}) +[A-Z0-9.$#@]{0,20}",
            "(Migrated|Pseudo Directory|ARCIVE Not Direct Access Device) +[A-Z0-9.]{0,12}",
            "[A-Z0-9@#$]{0,9} +[0-9.]{0,6} +[0-9/]{0,10} +[0-9/]{0,10} +[0-9:]{0,6} +[0-9 ]{0,20}[A-Z0-9]{0,8}",
            "[A-Z0-9@#$]{0,9} +[0-9A-F]{0,7} +[0-9A-F]{0,7} .{0,20}",
            "([A-Z]{0,8} +[0-9]{0,11} +[0-9/.-]{0,10} +[0-9:]{0,9} +)?\\*[A-Z]{0,5} +[/A-Za-z0-9.]{0,20}",
        ]
    ) {
        let b = input.as_bytes();
        let _ = ftp_core::pasv::parse_227(b);
        let _ = ftp_core::pasv::parse_229(b);
        let mut out = [0u8; 64];
        let _ = ftp_core::path::parse_257(b, &mut out);
        let _ = ftp_core::Timestamp::parse(b);
        let _ = ftp_core::list::parse_list_line(b);
        if let Ok(e) = ftp_core::mlsd::Entry::parse(b) {
            let _ = (e.kind(), e.size(), e.modify());
        }
    }

    /// The invariants the fuzz targets check (fuzz/fuzz_targets/), here
    /// in the regular test command.
    #[test]
    fn parser_invariants_hold(
        input in prop_oneof![
            "227 [(]?[0-9,]{0,30}[)]?",
            "229 [(][|!0-9]{0,12}[)]?",
            "[-dl][rwx-]{9} +[0-9]{1,3} [a-z]+ [a-z]+ +[0-9,]{1,8} [A-Z][a-z]{2} +[0-9]{1,2} +[0-9:]{4,5} ?.{0,10}",
            "([a-zA-Z.]{0,6}=[^; ]{0,8};){0,4} ?.{0,8}",
            "[0-9]{14}(\\.[0-9]{0,10})?",
            "\\+([imrs/][0-9.]{0,12},){0,5}\t?.{0,8}",
            "[A-Z0-9_.]{1,12};[0-9]{1,3}( +[0-9/]{0,6} +[0-9]{1,2}-[A-Z]{3}-[0-9]{4} [0-9:.]{3,11})?",
            "[A-Z0-9]{0,6} +[0-9]{0,4} +[0-9/]{0,10} +[0-9]{0,2} +[0-9]{0,3} +[A-Z]{0,3} +[0-9]{0,5} +[0-9]{0,5} +(PS|PO|PO-E) +[A-Z0-9.]{0,20}",
            "[A-Z0-9@#$]{0,9}( +[0-9.]{0,6} +[0-9/]{0,10} +[0-9/]{0,10} +[0-9:]{0,6} +[0-9 ]{0,20})?",
            "([A-Z]{0,8} +[0-9]{0,11} +[0-9/.-]{0,10} +[0-9:]{0,9} +)?\\*[A-Z]{0,5} +[/A-Za-z0-9.]{0,20}",
            ".{0,40}",
        ]
    ) {
        let b = input.as_bytes();
        if let Ok(a) = ftp_core::pasv::parse_227(b) {
            prop_assert_ne!(a.port(), 0);
        }
        if let Ok(p) = ftp_core::pasv::parse_229(b) {
            prop_assert_ne!(p, 0);
        }
        if let Ok(t) = ftp_core::Timestamp::parse(b) {
            prop_assert!(ftp_core::Timestamp::from_unix_seconds(t.unix_seconds()).is_some());
        }
        if let Ok(Some(e)) = ftp_core::list::parse_list_line(b) {
            prop_assert!(!e.name.is_empty() && e.name.len() <= b.len());
        }
        // Line by line, twice (a VMS name may wait for the next line):
        // names are never empty nor longer than the input.
        let mut parser = ftp_core::list::ListParser::new();
        for _ in 0..2 {
            if let Ok(Some(e)) = parser.line(b) {
                prop_assert!(!e.name.is_empty() && e.name.len() <= b.len());
            }
        }
        let _ = parser.finish();
        if let Ok(e) = ftp_core::mlsd::Entry::parse(b) {
            for f in e.facts() {
                prop_assert!(f.name.len() + f.value.len() < b.len());
            }
        }
    }

    #[test]
    fn session_survives_any_server(
        control in prop::collection::vec(reply_bytes(), 1..6),
        data in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..4),
        chunk in 1usize..50,
    ) {
        let server: Vec<u8> = control.concat();
        let plans = data.iter().map(|d| Plan::bytes(d)).collect();
        let stream = Garbage { bytes: server, pos: 0, chunk };
        if let Ok(mut ftp) = Ftp::<_, _, 64>::connect(stream, MockData::new(plans), "127.0.0.1:21".parse().unwrap()) {
            let mut buf = [0u8; 32];
            let _ = ftp.login("u", "p", "");
            let _ = ftp.pwd().map(|p| p.len());
            let _ = ftp.size("f");
            let _ = ftp.mdtm("f");
            let _ = ftp.retrbinary("RETR f", &mut buf, None, |_| Ok(()));
            let _ = ftp.mlsd("", &[], &mut buf, |e| { let _ = e.size(); Ok(()) });
            let _ = ftp.feat(|_| {});
            let _ = ftp.mlst("x").map(|e| e.size());
            let _ = ftp.storlines("STOR f", &mut buf, |_| Ok(0), |_| {});
            let _ = ftp.abort();
            let _ = ftp.quit();
        }
    }

    /// The same for the async twin (its futures driven to the end).
    #[cfg(feature = "async")]
    #[test]
    fn async_session_survives_any_server(
        control in prop::collection::vec(reply_bytes(), 1..6),
        data in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..4),
        chunk in 1usize..50,
    ) {
        use ftp_core::doc_support::block_on;
        let server: Vec<u8> = control.concat();
        let plans = data.iter().map(|d| Plan::bytes(d)).collect();
        let stream = Garbage { bytes: server, pos: 0, chunk };
        block_on(async {
            let peer = "127.0.0.1:21".parse().unwrap();
            let Ok(mut ftp) = ftp_core::asynch::Ftp::<_, _, 64>::connect(stream, MockData::new(plans), peer).await else {
                return;
            };
            let mut buf = [0u8; 32];
            let _ = ftp.login("u", "p", "").await;
            let _ = ftp.pwd().await.map(|p| p.len());
            let _ = ftp.size("f").await;
            let _ = ftp.mdtm("f").await;
            let _ = ftp.retrbinary("RETR f", &mut buf, None, async |_| Ok(())).await;
            let _ = ftp.mlsd("", &[], &mut buf, async |e| { let _ = e.size(); Ok(()) }).await;
            let _ = ftp.feat(|_| {}).await;
            let _ = ftp.mlst("x").await.map(|e| e.size());
            let _ = ftp.storlines("STOR f", &mut buf, async |_| Ok(0), |_| {}).await;
            let _ = ftp.abort().await;
            let _ = ftp.quit().await;
        });
    }
}

/// A control stream serving fixed bytes and accepting every write.
struct Garbage {
    bytes: Vec<u8>,
    pos: usize,
    chunk: usize,
}

impl ErrorType for Garbage {
    type Error = ErrorKind;
}

impl Read for Garbage {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let n = buf.len().min(self.chunk).min(self.bytes.len() - self.pos);
        buf[..n].copy_from_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl embedded_io::ReadReady for Garbage {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        Ok(self.pos < self.bytes.len())
    }
}

#[cfg(feature = "async")]
impl embedded_io_async::Read for Garbage {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        Read::read(self, buf)
    }
}

#[cfg(feature = "async")]
impl embedded_io_async::Write for Garbage {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        Write::write(self, buf)
    }
    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

impl Write for Garbage {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}
