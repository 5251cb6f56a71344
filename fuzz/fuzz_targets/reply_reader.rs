//! The reply reader over arbitrary bytes in arbitrary pieces: never a
//! panic, never more than its buffer, and the same replies whatever the
//! split.
#![no_main]

use ftp_core::reply::{ReplyReader, Status};
use libfuzzer_sys::fuzz_target;

/// Replies (code, text) read from `data` fed in pieces of `split` bytes.
fn replies(data: &[u8], split: usize) -> Vec<Result<(u16, Vec<u8>), ()>> {
    let mut reader = ReplyReader::<64>::new();
    let mut out = Vec::new();
    let mut rest = data;
    // Bounded: every round consumes input or ends.
    for _ in 0..data.len() * 2 + 2 {
        match reader.parse(|_| {}) {
            Ok(Status::Complete) => {
                let r = reader.reply().expect("a complete reply");
                assert!(r.text().len() <= 64);
                out.push(Ok((r.code().get(), r.text().to_vec())));
            }
            Ok(Status::Incomplete) => {
                if rest.is_empty() {
                    break;
                }
                let space = reader.space();
                if space.is_empty() {
                    break;
                }
                let n = split.min(space.len()).min(rest.len()).max(1);
                space[..n].copy_from_slice(&rest[..n]);
                reader.commit(n);
                rest = &rest[n..];
            }
            Err(_) => {
                out.push(Err(()));
                break;
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    let whole = replies(data, usize::MAX);
    let pieces = replies(data, usize::from(split % 7) + 1);
    // A split can only end earlier (the buffer filled differently), never
    // disagree on the replies both saw.
    let n = whole.len().min(pieces.len());
    assert_eq!(whole[..n.saturating_sub(1)], pieces[..n.saturating_sub(1)]);
});
