//! The session store: what lets a data connection resume the control
//! connection's TLS session (vsftpd's `require_ssl_reuse`, ProFTPD's
//! default). rustls keeps nothing without one in `no_std`.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use rustls::NamedGroup;
use rustls::client::ClientSessionStore;
use rustls::client::{Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;
use spin::Mutex;

/// The TLS 1.3 tickets kept per server: each data connection takes one
/// (a ticket is used once) and the server sends new ones on it.
const TICKETS: usize = 4;

/// Sessions of the few servers a device talks to (an FTP client: one),
/// at most `servers` of them; the oldest is forgotten first.
#[derive(Debug)]
pub struct SessionStore {
    servers: usize,
    entries: Mutex<Vec<Entry>>,
}

#[derive(Debug)]
struct Entry {
    name: ServerName<'static>,
    kx_hint: Option<NamedGroup>,
    tls12: Option<Tls12ClientSessionValue>,
    tls13: VecDeque<Tls13ClientSessionValue>,
}

impl SessionStore {
    /// A store for up to `servers` servers (at least one).
    pub fn new(servers: usize) -> Self {
        SessionStore {
            servers: servers.max(1),
            entries: Mutex::new(Vec::new()),
        }
    }

    fn with<T>(&self, name: &ServerName<'_>, f: impl FnOnce(&mut Entry) -> T) -> Option<T> {
        let mut entries = self.entries.lock();
        entries.iter_mut().find(|e| e.name == *name).map(f)
    }

    fn with_new<T>(&self, name: ServerName<'static>, f: impl FnOnce(&mut Entry) -> T) -> T {
        let mut entries = self.entries.lock();
        let at = match entries.iter().position(|e| e.name == name) {
            Some(at) => at,
            None => {
                if entries.len() >= self.servers {
                    entries.remove(0);
                }
                entries.push(Entry {
                    name,
                    kx_hint: None,
                    tls12: None,
                    tls13: VecDeque::new(),
                });
                entries.len() - 1
            }
        };
        f(&mut entries[at])
    }
}

impl ClientSessionStore for SessionStore {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.with_new(server_name, |e| e.kx_hint = Some(group));
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.with(server_name, |e| e.kx_hint).flatten()
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.with_new(server_name, |e| e.tls12 = Some(value));
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.with(server_name, |e| e.tls12.clone()).flatten()
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.with(server_name, |e| e.tls12 = None);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        self.with_new(server_name, |e| {
            if e.tls13.len() >= TICKETS {
                e.tls13.pop_front();
            }
            e.tls13.push_back(value);
        });
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        // The newest first: an older one may have expired.
        self.with(server_name, |e| e.tls13.pop_back()).flatten()
    }
}
