//! The runtime contract: the few primitives the code written once for
//! both runtimes (`net/handshake.rs`, `session/`, `files/`, `bulk/`)
//! needs from a runtime, one file per runtime ([`blocking`], `tokio`).
//!
//! Every runtime file has every item below, with one meaning per name;
//! in the blocking file the `async` is gone and a future argument is the
//! value it would have given (the core's `bisync` rule).
//! `contract.rs` names every item with its types and is compiled against
//! each runtime, so a runtime that lacks an item, or gives one another
//! shape, does not build. A third runtime is one more file here and one
//! more line below. Under WASI the tokio runtime is tokio's sockets and
//! timers (`--cfg tokio_unstable`, WASIp2) with std's files and name
//! lookup run in place (`inline_files.rs`): a component has no threads
//! for `tokio::fs` or `lookup_host`.
//!
//! | item | what it is |
//! |------|------------|
//! | `Tcp`, `TcpRead`, `TcpWrite` | the TCP stream and its read/write traits |
//! | `DataRead`, `DataWrite` | the core's stream traits (embedded-io, -async) |
//! | `File`, `OpenOptions`, `Seek`, `fs` | local files |
//! | `Sink`, `Source` | the caller's writer and reader of a transfer |
//! | `resolve(host, port)` | the addresses of a host |
//! | `tcp_connect(addr, source, timeout)` | a TCP connection |
//! | `Listener`, `listen(addr)`, `accept(listener, timeout)` | active mode's listening socket |
//! | `socket_deadline(tcp, timeout)` | arms the socket's own timeouts, if it has them |
//! | `within(timeout, step)` | a step bounded by `timeout` |
//! | `write_deadline(tcp, timeout)` | the control connection's writes bounded, where the socket does it |
//! | `from_std(file)`, `set_modified(file, when)` | files |
//! | `sleep(pause)`, `unblock(f)`, `boxed(future)` | waiting, blocking work, large futures |
//! | `alongside(n, open, main)` | `main` while `n` sessions open |
//! | `run_all(first, extra, worker)` | one worker per session, all at once |

pub(crate) mod blocking;
#[cfg(all(feature = "tokio", target_os = "wasi"))]
mod inline_files;
#[cfg(feature = "tokio")]
pub(crate) mod tokio;

// The contract, compiled against each runtime.
#[path = "."]
mod blocking_contract {
    use super::blocking as rt;
    use ftp_core_macros::blocking as bisync;
    #[allow(clippy::duplicate_mod, dead_code)]
    #[path = "contract.rs"]
    mod contract;
}

#[cfg(feature = "tokio")]
#[path = "."]
mod tokio_contract {
    use super::tokio as rt;
    use ftp_core_macros::asynch as bisync;
    #[allow(clippy::duplicate_mod, dead_code)]
    #[path = "contract.rs"]
    mod contract;
}
