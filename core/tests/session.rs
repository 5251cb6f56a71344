//! The session over a scripted control stream and a mock data connector:
//! for each method, the exact bytes sent, the result, and each error class.
//! Every case (`twin/session_cases.rs`) runs against both twins: the
//! blocking `ftp_core::Ftp` and, with feature `async`, `ftp_core::asynch::Ftp`
//! (driven by a minimal executor, no runtime).

mod common;

#[path = "twin"]
mod blocking {
    pub(crate) use super::common;
    pub(crate) use ftp_core::Ftp;
    pub(crate) use ftp_core_macros::{blocking as bisync, blocking_test as twin_test};

    #[allow(clippy::duplicate_mod)]
    #[path = "session_cases.rs"]
    mod cases;
}

#[cfg(feature = "async")]
#[path = "twin"]
mod asynch {
    pub(crate) use super::common;
    pub(crate) use ftp_core::asynch::Ftp;
    pub(crate) use ftp_core_macros::{asynch as bisync, asynch_test as twin_test};

    #[allow(clippy::duplicate_mod)]
    #[path = "session_cases.rs"]
    mod cases;
}
