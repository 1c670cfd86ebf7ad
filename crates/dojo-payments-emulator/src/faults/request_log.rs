//! The log of routes called: what reached the emulator, and what did not.

use std::sync::Mutex;

/// Marks the PCI host's requests, so the log can tell its `POST
/// /setup-intents` from the api host's.
#[derive(Debug, Clone, Copy)]
pub struct PciHost;

/// The routes called, newest last (`"POST /payment-intents"`; the PCI
/// host's prefixed: `"pci POST /setup-intents"`), so that a test
/// can see what reached the emulator, and what did not. Bounded: the oldest
/// are forgotten past [`RequestLog::CAPACITY`].
#[derive(Debug, Default)]
pub struct RequestLog(Mutex<std::collections::VecDeque<(String, Option<String>)>>);

impl RequestLog {
    /// How many routes are remembered.
    pub const CAPACITY: usize = 10_000;

    pub(super) fn record(&self, route: String, account: Option<String>) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= Self::CAPACITY {
            log.pop_front();
        }
        log.push_back((route, account));
    }

    /// The routes called so far.
    pub fn routes(&self) -> Vec<String> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().map(|(route, _)| route.clone()).collect()
    }

    /// The routes called so far, each with its caller's account.
    pub fn entries(&self) -> Vec<(String, Option<String>)> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect()
    }
}
