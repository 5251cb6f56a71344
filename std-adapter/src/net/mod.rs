//! The network layer: where and how to connect (options, URLs, `.netrc`,
//! proxies, TLS), the control connection and data connections of each
//! runtime ([`blocking`], `tokio`), and the proxies' handshakes written
//! once for both (`handshake.rs`).
//!
//! Invariant: nothing here knows a command beyond what a data connection
//! needs; it imports only the base modules and [`crate::runtime`].

pub(crate) mod blocking;
pub(crate) mod clock;
pub(crate) mod data;
#[cfg(target_os = "linux")]
pub(crate) mod kernel;
pub(crate) mod netrc;
pub(crate) mod options;
pub(crate) mod proxy;
pub(crate) mod pump;
pub(crate) mod ready;
pub(crate) mod stream;
pub(crate) mod tls;
#[cfg(feature = "tokio")]
pub(crate) mod tokio;
pub(crate) mod url;
