//! Segmented downloads (lftp's `pget -n`) against real servers (vsftpd,
//! pyftpdlib, vsftpd over FTPS) and the fault-injection server: bytes
//! equal, a resume that continues each range of a cut download, one
//! stream for a server refusing REST, the ranges done by one connection
//! for a server refusing a second. For both sessions, from one source
//! (`twin/segment_checks.rs`).

/// The blocking session.
#[path = "twin"]
mod blocking {
    pub(crate) use ftp_core_macros::blocking as bisync;
    pub(crate) use ftp_std::{Connect, download_segmented, mirror};
    pub(crate) use ftp_tests::twin::blocking::{connector_with, run};

    #[allow(clippy::duplicate_mod)]
    #[path = "segment_checks.rs"]
    mod checks;
}

/// The tokio session.
#[path = "twin"]
mod tokio_session {
    pub(crate) use ftp_core_macros::asynch as bisync;
    pub(crate) use ftp_std::tokio::{Connect, download_segmented, mirror};
    pub(crate) use ftp_tests::twin::tokio::{connector_with, run};

    #[allow(clippy::duplicate_mod)]
    #[path = "segment_checks.rs"]
    mod checks;
}
