//! ftp-std against the fault-injection server: every misbehaviour ends in
//! a clear error of the right kind, within the configured deadline, with
//! no partial file under a final name, and the session either usable or
//! clearly closed. Every check runs for both sessions, the blocking
//! `ftp_std::Ftp` and the tokio `ftp_std::tokio::Ftp`, from one source
//! (`twin/fault_checks.rs`).

/// The blocking session.
#[path = "twin"]
mod blocking {
    pub(crate) use ftp_core_macros::blocking as bisync;
    pub(crate) use ftp_core_macros::blocking_test as twin_test;
    pub(crate) use ftp_std::{Ftp, fetch_retrying, put_retrying};
    pub(crate) use ftp_tests::twin::blocking::*;

    #[allow(clippy::duplicate_mod)]
    #[path = "fault_checks.rs"]
    mod checks;
}

/// The tokio session.
#[path = "twin"]
mod tokio_session {
    pub(crate) use ftp_core_macros::asynch as bisync;
    pub(crate) use ftp_core_macros::asynch_test as twin_test;
    pub(crate) use ftp_std::tokio::{Ftp, fetch_retrying, put_retrying};
    pub(crate) use ftp_tests::twin::tokio::*;

    #[allow(clippy::duplicate_mod)]
    #[path = "fault_checks.rs"]
    mod checks;
}
