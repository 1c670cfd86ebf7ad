//! The emulator's notion of now: the system clock, or a manual one that
//! only moves when told, so expiry windows and the 7-day rules can be
//! tested in milliseconds.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// The emulator's clock.
#[derive(Debug)]
pub struct Clock {
    /// `None`: the system clock plus `offset`. `Some`: a manual clock.
    manual: Option<Mutex<DateTime<Utc>>>,
    offset: Mutex<Duration>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self {
            manual: None,
            offset: Mutex::new(Duration::zero()),
        }
    }

    /// A clock standing at `at` until advanced.
    pub fn manual(at: DateTime<Utc>) -> Self {
        Self {
            manual: Some(Mutex::new(at)),
            offset: Mutex::new(Duration::zero()),
        }
    }

    /// Now, as the emulator sees it.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        match &self.manual {
            Some(at) => *at.lock().unwrap_or_else(|e| e.into_inner()) + offset,
            None => Utc::now() + offset,
        }
    }

    /// Moves the clock forward by `by` (either kind of clock).
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}
