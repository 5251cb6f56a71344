//! The deadline of the whole reply, shared by a session's control stream
//! and its data connector (either runtime's).

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The deadline of the reply being read, shared by the control stream
/// (which restarts it when a command is sent) and the data connector (which
/// restarts it when a transfer ends, before the final reply is read). A
/// server that trickles a reply a byte at a time runs into it as surely as
/// a silent one.
#[derive(Clone, Debug)]
pub(crate) struct ReplyClock {
    pub(crate) timeout: Option<Duration>,
    deadline: Arc<Mutex<Option<Instant>>>,
}

impl ReplyClock {
    pub(crate) fn new(timeout: Option<Duration>) -> Self {
        let clock = ReplyClock {
            timeout,
            deadline: Arc::new(Mutex::new(None)),
        };
        clock.restart();
        clock
    }

    /// A new reply is awaited from now on.
    pub(crate) fn restart(&self) {
        let deadline = self.timeout.map(|t| Instant::now() + t);
        *self.deadline.lock().unwrap_or_else(|e| e.into_inner()) = deadline;
    }

    /// The time left for the reply; `None` without a timeout.
    pub(crate) fn remaining(&self) -> io::Result<Option<Duration>> {
        let deadline = *self.deadline.lock().unwrap_or_else(|e| e.into_inner());
        let Some(deadline) = deadline else {
            return Ok(None);
        };
        match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(self.expired()),
        }
    }

    pub(crate) fn expired(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "no complete reply from the server within {:?}",
                self.timeout.unwrap_or_default()
            ),
        )
    }
}
