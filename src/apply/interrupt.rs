//! Interruption: the first SIGINT or SIGTERM asks the executor to start nothing new and
//! to wait for what runs; the second ends poolctl at once, printing the cloud operations
//! that are still running so that nobody loses track of them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Shared by the executor of every cluster of a run and the signal watcher.
#[derive(Default)]
pub struct Interrupt {
    requested: AtomicBool,
    notify: Notify,
    /// Cloud operations running now: id to what they are for (`cluster: + pool`).
    running: Mutex<BTreeMap<String, String>>,
}

impl Interrupt {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Asks every executor to start nothing new.
    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// Returns once an interruption has been requested.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.requested() {
                return;
            }
            notified.await;
        }
    }

    pub(crate) fn operation_started(&self, id: &str, what: &str) {
        self.lock().insert(id.to_string(), what.to_string());
    }

    pub(crate) fn operation_ended(&self, id: &str) {
        self.lock().remove(id);
    }

    /// The cloud operations running now, as `(id, what)`.
    pub fn running(&self) -> Vec<(String, String)> {
        self.lock()
            .iter()
            .map(|(id, what)| (id.clone(), what.clone()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Watches for SIGINT and SIGTERM (what CI runners send to cancel a job) for the rest of
/// the process. The first requests an interruption and calls `first`; the second calls
/// `at_once`, which is expected to print what still runs and end the process.
pub fn watch_signals(interrupt: Arc<Interrupt>, first: fn(&Interrupt), at_once: fn(&Interrupt)) {
    tokio::spawn(async move {
        let mut signals = match Signals::new() {
            Ok(signals) => signals,
            Err(err) => {
                tracing::warn!("cannot watch for Ctrl-C: {err}");
                return;
            }
        };
        let mut seen = 0;
        while signals.next().await {
            seen += 1;
            if seen == 1 {
                interrupt.request();
                first(&interrupt);
            } else {
                at_once(&interrupt);
            }
        }
    });
}

/// The streams are made once: a stream made anew for each wait could miss a signal
/// sent between two waits.
#[cfg(unix)]
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> bool {
        tokio::select! {
            got = self.int.recv() => got.is_some(),
            got = self.term.recv() => got.is_some(),
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Signals)
    }

    async fn next(&mut self) -> bool {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
