//! ftp-std: the FTP client over `std::net`. A shell for now: the std
//! adapter (sockets, timeouts, FTPS) is the next piece of work.

pub use ftp_core;
