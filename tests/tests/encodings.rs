//! Names in any encoding against real servers that keep names as bytes:
//! pyftpdlib serving its root's names exactly as on disk (`--raw-names`;
//! MLSD) and vsftpd (LIST), holding Latin-1 and CP1251 names. Listings,
//! downloads, uploads, renames, deletes and directories under the right
//! encoding; under UTF-8, the same names kept as escapes and given back
//! as the same bytes; mirrors both ways. For both sessions: the blocking
//! `ftp_std::Ftp` and the tokio `ftp_std::tokio::Ftp`, from one source
//! (`twin/encoding_checks.rs`).

/// The blocking session.
#[path = "twin"]
mod blocking {
    pub(crate) use ftp_core_macros::blocking as bisync;
    pub(crate) use ftp_std::{Connect, Ftp, mirror, mirror_up};
    pub(crate) use ftp_tests::twin::blocking::{connector_with, run};

    #[allow(clippy::duplicate_mod)]
    #[path = "encoding_checks.rs"]
    mod checks;
}

/// The tokio session.
#[path = "twin"]
mod tokio_session {
    pub(crate) use ftp_core_macros::asynch as bisync;
    pub(crate) use ftp_std::tokio::{Connect, Ftp, mirror, mirror_up};
    pub(crate) use ftp_tests::twin::tokio::{connector_with, run};

    #[allow(clippy::duplicate_mod)]
    #[path = "encoding_checks.rs"]
    mod checks;
}
