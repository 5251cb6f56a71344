//! ftp-std's promises that need a misbehaving peer: a silent server, one
//! that trickles its reply a byte at a time, a data connection that
//! stalls, and a drop that must send nothing. The peers are small
//! scripted servers on loopback sockets the tests open; every loop is
//! bounded. Every check runs for both sessions, the blocking
//! `ftp_std::Ftp` and the tokio `ftp_std::tokio::Ftp`, from one source
//! (`twin/behaviour_checks.rs`).

/// The blocking session.
#[path = "twin"]
mod blocking {
    pub(crate) use ftp_core_macros::blocking_test as twin_test;
    pub(crate) use ftp_std::Ftp;
    pub(crate) use ftp_tests::twin::blocking::*;

    #[allow(clippy::duplicate_mod)]
    #[path = "behaviour_checks.rs"]
    mod checks;
}

/// The tokio session.
#[path = "twin"]
mod tokio_session {
    pub(crate) use ftp_core_macros::asynch_test as twin_test;
    pub(crate) use ftp_std::tokio::Ftp;
    pub(crate) use ftp_tests::twin::tokio::*;

    #[allow(clippy::duplicate_mod)]
    #[path = "behaviour_checks.rs"]
    mod checks;
}
