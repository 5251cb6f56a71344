//! The policy of a bulk job's sessions, in one place for the mirror and
//! segmented downloads: who may retire when the server caps connections,
//! what a failure means for the session and the job (retry, give up,
//! stop everything), and how many connections worked. No I/O here; each
//! worker's seat (`seat.rs`) asks.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crate::Error;

/// The workers of one bulk job, as the policy sees them.
#[derive(Debug)]
pub(crate) struct Crew {
    /// Workers holding a session now.
    holding: AtomicUsize,
    /// Workers that had a session at some point: how many connections
    /// worked.
    connected: AtomicU64,
    /// How often one task is tried again after a passing failure.
    pub(crate) retries: u32,
    /// The pause before each retry.
    pub(crate) pause: Duration,
    /// A full target stops the whole job (a mirror: every later file
    /// would fail the same way).
    pub(crate) stop_when_full: bool,
}

/// What a worker does after a task failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Try the task again (on a fresh connection when the session was
    /// lost), after the crew's pause.
    Retry,
    /// The task failed for good; other tasks go on.
    GiveUp,
    /// Nothing more can work: stop the job.
    Stop,
}

impl Crew {
    pub(crate) fn new(retries: u32, pause: Duration, stop_when_full: bool) -> Self {
        Crew {
            holding: AtomicUsize::new(0),
            connected: AtomicU64::new(0),
            retries,
            pause,
            stop_when_full,
        }
    }

    /// A worker got a session; `first` when it is the worker's first.
    pub(crate) fn joined(&self, first: bool) {
        self.holding.fetch_add(1, Ordering::AcqRel);
        if first {
            self.connected.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A worker's session is gone.
    pub(crate) fn lost(&self) {
        let _ = self
            .holding
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// A worker the server refused because it caps connections per client
    /// retires while another worker holds a session (the cap is reached:
    /// another try is no use until one closes, and the others take its
    /// work); with none held, the refusal is a passing one and is retried.
    pub(crate) fn may_retire(&self) -> bool {
        self.holding.load(Ordering::Acquire) > 0
    }

    /// How many workers had a session.
    pub(crate) fn connections(&self) -> u64 {
        self.connected.load(Ordering::Relaxed)
    }

    /// What the `attempt`th failure (counted from 1) of a task means.
    pub(crate) fn verdict(&self, e: &Error, attempt: u32) -> Verdict {
        if self.stop_when_full && e.storage_full() {
            Verdict::Stop
        } else if !e.worth_retrying() || attempt > self.retries {
            Verdict::GiveUp
        } else {
            Verdict::Retry
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::reply;

    #[test]
    fn a_refused_worker_retires_only_while_another_holds_a_session() {
        let crew = Crew::new(2, Duration::ZERO, true);
        assert!(
            !crew.may_retire(),
            "nobody holds one: the refusal is retried"
        );
        crew.joined(true);
        assert!(crew.may_retire());
        crew.joined(true);
        crew.lost();
        assert!(crew.may_retire());
        crew.lost();
        assert!(!crew.may_retire());
        crew.lost(); // never below zero
        assert!(!crew.may_retire());
        crew.joined(false); // a reconnection is not one more connection
        assert_eq!(crew.connections(), 2);
    }

    #[test]
    fn failures_are_retried_given_up_or_stop_the_job() {
        let crew = Crew::new(2, Duration::ZERO, true);
        let lost = Error::ConnectionClosed;
        assert_eq!(crew.verdict(&lost, 1), Verdict::Retry);
        assert_eq!(crew.verdict(&lost, 2), Verdict::Retry);
        assert_eq!(crew.verdict(&lost, 3), Verdict::GiveUp);
        let busy = Error::Temporary(reply(450, "450 busy"));
        assert_eq!(crew.verdict(&busy, 1), Verdict::Retry);
        let refused = Error::Permanent(reply(550, "550 No such file"));
        assert_eq!(crew.verdict(&refused, 1), Verdict::GiveUp);
        let full = Error::Permanent(reply(552, "552 Exceeded storage allocation"));
        assert_eq!(crew.verdict(&full, 1), Verdict::Stop);
        let one_file = Crew::new(2, Duration::ZERO, false);
        assert_eq!(one_file.verdict(&full, 1), Verdict::GiveUp);
    }
}
