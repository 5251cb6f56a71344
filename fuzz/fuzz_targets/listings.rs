//! MLSD/MLST entries and LIST lines (Unix, DOS, EPLF, VMS; line by line
//! too, where a VMS name may wait for its columns).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = ftp_core::mlsd::Entry::parse(data) {
        for f in e.facts() {
            assert!(f.name.len() + f.value.len() < data.len());
        }
        let _ = (e.kind(), e.size(), e.modify(), e.perm(), e.unique(), e.name_str());
    }
    let mut copy = data.to_vec();
    let _ = ftp_core::mlsd::Entry::parse_lowercase(&mut copy);
    let _ = ftp_core::mlsd::mlst_line(data);
    if let Ok(Some(e)) = ftp_core::list::parse_list_line(data) {
        assert!(!e.name.is_empty() && e.name.len() <= data.len());
    }
    let mut parser = ftp_core::list::ListParser::new();
    for line in data.split(|&b| b == b'\n') {
        if let Ok(Some(e)) = parser.line(line) {
            assert!(!e.name.is_empty() && e.name.len() <= data.len());
        }
    }
    let _ = parser.finish();
});
