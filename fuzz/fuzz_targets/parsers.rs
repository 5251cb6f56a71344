//! The one-line parsers: 227, 229, 257, 150, 213, MDTM timestamps.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(addr) = ftp_core::pasv::parse_227(data) {
        assert_ne!(addr.port(), 0);
    }
    let _ = ftp_core::pasv::parse_229(data);
    if let Ok(Some(path)) = ftp_core::path::parse_257(data, &mut [0u8; 64]) {
        assert!(path.len() <= 64);
    }
    let mut copy = data.to_vec();
    let _ = ftp_core::path::parse_257_in_place(&mut copy);
    let _ = ftp_core::size::parse_150(data);
    let _ = ftp_core::size::parse_213(data);
    if let Ok(t) = ftp_core::timestamp::Timestamp::parse(data) {
        // What parses round-trips through Unix seconds.
        let back = ftp_core::timestamp::Timestamp::from_unix_seconds(t.unix_seconds());
        assert!(back.is_some());
    }
});
