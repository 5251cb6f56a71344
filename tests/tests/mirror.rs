//! Mirroring against real servers (vsftpd: LIST and MDTM; pyftpdlib: MLSD
//! and MFMT) and a scripted hostile one: whole trees both ways, only-newer,
//! delete, parallel workers, a server killed mid-run, evil names; for both
//! mirrors: the blocking one (threads) and the tokio one (futures of one
//! task), from one source (`twin/mirror_checks.rs`).

/// The blocking mirror.
#[path = "twin"]
mod blocking {
    pub(crate) use ftp_core_macros::blocking as bisync;
    pub(crate) use ftp_core_macros::blocking_test as twin_test;
    pub(crate) use ftp_std::{Connect, Pool, mirror, mirror_up};
    pub(crate) use ftp_tests::twin::blocking::{connector, run};

    #[allow(clippy::duplicate_mod)]
    #[path = "mirror_checks.rs"]
    mod checks;
}

/// The tokio mirror.
#[path = "twin"]
mod tokio_session {
    pub(crate) use ftp_core_macros::asynch as bisync;
    pub(crate) use ftp_core_macros::asynch_test as twin_test;
    pub(crate) use ftp_std::tokio::{Connect, Pool, mirror, mirror_up};
    pub(crate) use ftp_tests::twin::tokio::{connector, run};

    #[allow(clippy::duplicate_mod)]
    #[path = "mirror_checks.rs"]
    mod checks;
}
