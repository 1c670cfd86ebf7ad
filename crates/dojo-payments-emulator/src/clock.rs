//! The emulator's notion of now: the system clock, or a manual one that
//! only moves when told, so expiry windows and the 7-day rules can be
//! tested in milliseconds. Every sum is checked: no advance can take the
//! clock past [`Clock::LATEST`], the last instant every client can read.

use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The emulator's clock.
#[derive(Debug)]
pub struct Clock {
    /// `None`: the system clock plus `offset`. `Some`: a manual clock.
    manual: Option<Mutex<DateTime<Utc>>>,
    offset: Mutex<Duration>,
}

/// Why the clock was not moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockError {
    /// The move asked for.
    pub by: Duration,
}

impl std::fmt::Display for ClockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "moving the clock by {} s would go backwards or past {}",
            self.by.num_seconds(),
            Clock::LATEST.format("%Y-%m-%d")
        )
    }
}

impl std::error::Error for ClockError {}

impl Clock {
    /// The latest instant the clock reaches: 9999-12-31T23:59:59Z, the last
    /// one RFC 3339 writes with a four-digit year.
    pub const LATEST: DateTime<Utc> = match NaiveDate::from_ymd_opt(9999, 12, 31) {
        Some(day) => match day.and_hms_opt(23, 59, 59) {
            Some(at) => at.and_utc(),
            None => DateTime::<Utc>::MAX_UTC,
        },
        None => DateTime::<Utc>::MAX_UTC,
    };

    /// The system clock.
    pub fn system() -> Self {
        Self {
            manual: None,
            offset: Mutex::new(Duration::zero()),
        }
    }

    /// A clock standing at `at` (no later than [`Clock::LATEST`]) until
    /// advanced.
    pub fn manual(at: DateTime<Utc>) -> Self {
        Self {
            manual: Some(Mutex::new(at.min(Self::LATEST))),
            offset: Mutex::new(Duration::zero()),
        }
    }

    /// Now, as the emulator sees it (never past [`Clock::LATEST`]).
    pub fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        let base = match &self.manual {
            Some(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
            None => Utc::now(),
        };
        base.checked_add_signed(offset)
            .map_or(Self::LATEST, |now| now.min(Self::LATEST))
    }

    /// Moves the clock forward by `by` (either kind of clock); a move
    /// backwards, or past [`Clock::LATEST`], is refused and changes nothing.
    pub fn advance(&self, by: Duration) -> Result<(), ClockError> {
        let refused = ClockError { by };
        if by < Duration::zero() {
            return Err(refused);
        }
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        let moved = offset.checked_add(&by).ok_or(refused.clone())?;
        let base = match &self.manual {
            Some(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
            None => Utc::now(),
        };
        match base.checked_add_signed(moved) {
            Some(at) if at <= Self::LATEST => {
                *offset = moved;
                Ok(())
            }
            _ => Err(refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_advance_can_overflow_or_go_backwards() {
        let clock = Clock::manual(DateTime::UNIX_EPOCH);
        assert!(clock.advance(Duration::seconds(-1)).is_err());
        assert!(clock.advance(Duration::MAX).is_err());
        assert!(clock.advance(Duration::days(3_000_000)).is_err());
        assert_eq!(
            clock.now(),
            DateTime::UNIX_EPOCH,
            "a refused move changes nothing"
        );
        clock.advance(Duration::days(1)).unwrap();
        assert_eq!(clock.now(), DateTime::UNIX_EPOCH + Duration::days(1));
        let to_the_end = Clock::LATEST - clock.now();
        clock.advance(to_the_end).unwrap();
        assert_eq!(clock.now(), Clock::LATEST);
        assert!(clock.advance(Duration::seconds(1)).is_err());
        let system = Clock::system();
        assert!(system.advance(Duration::MAX).is_err());
        assert!(system.now() <= Clock::LATEST);
    }
}
