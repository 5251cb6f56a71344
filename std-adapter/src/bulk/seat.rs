// A worker's place in a bulk job, written once for both runtimes: its
// session (made on demand with the job's connect function) and what the
// crew's policy (`crew.rs`) makes of a refusal or a failure.

use super::Connect;
use super::bisync;
use super::client::Ftp;
use super::rt;
use crate::Error;
use crate::bulk::crew::{Crew, Verdict};

/// One worker's session, as the crew counts it.
pub(crate) struct Seat<'c> {
    crew: &'c Crew,
    ftp: Option<Ftp>,
    /// The worker had a session at some point.
    ever: bool,
}

/// Why a seat has no session.
pub(crate) enum Refused {
    /// The server caps connections and others hold theirs: the worker
    /// retires, its work goes to the others.
    Retire(Error),
    /// The connection failed: a failure of the task at hand.
    Failed(Error),
}

#[bisync]
impl<'c> Seat<'c> {
    /// A seat with the session a worker starts with, if any.
    pub(crate) fn new(crew: &'c Crew, ftp: Option<Ftp>) -> Self {
        if ftp.is_some() {
            crew.joined(true);
        }
        Seat {
            crew,
            ever: ftp.is_some(),
            ftp,
        }
    }

    /// True while the seat holds a session.
    pub(crate) fn has_session(&self) -> bool {
        self.ftp.is_some()
    }

    /// The seat's session, made with `connect` when it has none.
    pub(crate) async fn session<C: Connect>(&mut self, connect: &C) -> Result<&mut Ftp, Refused> {
        let ftp = match self.ftp.take() {
            Some(ftp) => ftp,
            None => match connect.connect().await {
                Ok(ftp) => {
                    self.crew.joined(!self.ever);
                    self.ever = true;
                    ftp
                }
                Err(e) if e.too_many_connections() && self.crew.may_retire() => {
                    return Err(Refused::Retire(e));
                }
                Err(e) => return Err(Refused::Failed(e)),
            },
        };
        Ok(self.ftp.insert(ftp))
    }

    /// The session itself, for work that manages its own (a segmented
    /// download inside a mirror).
    pub(crate) fn slot(&mut self) -> &mut Option<Ftp> {
        &mut self.ftp
    }

    /// After work on [`Seat::slot`]: the crew counts what it left (`had`:
    /// whether the seat held a session before).
    pub(crate) fn settle(&mut self, had: bool) {
        match (had, self.ftp.is_some()) {
            (true, false) => self.crew.lost(),
            (false, true) => {
                self.crew.joined(!self.ever);
                self.ever = true;
            }
            _ => {}
        }
    }

    /// After the `attempt`th failure (counted from 1) of a task: a lost
    /// connection is dropped (the next try connects afresh), then the
    /// crew's verdict.
    pub(crate) fn failed(&mut self, e: &Error, attempt: u32) -> Verdict {
        if e.connection_lost() && self.ftp.take().is_some() {
            self.crew.lost();
        }
        self.crew.verdict(e, attempt)
    }

    /// The crew's pause before a retry.
    pub(crate) async fn pause(&self) {
        if !self.crew.pause.is_zero() {
            rt::sleep(self.crew.pause).await;
        }
    }

    /// The session the worker leaves (still counted as held: it is open).
    pub(crate) fn into_session(self) -> Option<Ftp> {
        self.ftp
    }
}

/// A new session, or `None` when it could not connect: its worker tries
/// again when it has a job, and retires if the server caps connections.
#[bisync]
pub(crate) async fn connect_quietly<C: Connect>(connect: &C) -> Option<Ftp> {
    connect.connect().await.ok()
}
