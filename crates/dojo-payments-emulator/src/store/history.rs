//! What each record was a moment ago: the versions a lagging read
//! ([`crate::Fault::Stale`]) answers with, in real, monotonic time.
//!
//! A version is kept whenever a commit touched the record
//! ([`super::Store::settle`]), and the version before a change is kept when
//! a record not changed for a while is handed out for change. Versions
//! younger than [`crate::Fault::MAX_LAG`] are kept, and the newest one
//! older than that (what a read lagging by the most sees); a record not
//! changed for longer keeps none, and a lagging read of it is the record as
//! it is. So memory follows the changes of the last minute, not the
//! store's size.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

use crate::faults::Fault;

/// The most versions one record keeps, however often it changes within
/// [`Fault::MAX_LAG`]: past it, the oldest are forgotten, and a read lagging
/// behind all that are left sees the oldest left (a little newer than
/// asked, never a record that did not exist yet).
pub const MAX_VERSIONS: usize = 1_000;

/// When a version became the record's: `None`, before any lag reaches
/// (the record as it stood before the first change kept).
type Since = Option<Instant>;

/// One record's recent versions, oldest first.
#[derive(Debug)]
struct Versions<R> {
    /// When the record was made, if within the history (`None`: before).
    made: Since,
    versions: VecDeque<(Since, R)>,
}

/// What a record was `lag` ago.
#[derive(Debug, PartialEq, Eq)]
pub enum AsOf<'a, R> {
    /// This version.
    Was(&'a R),
    /// It did not exist yet.
    NotYet,
    /// No version is kept (it has not changed for longer than any lag):
    /// it was as it is now.
    AsNow,
}

/// The recent versions of records of one kind, by id.
#[derive(Debug)]
pub struct History<Id, R> {
    by_id: HashMap<Id, Versions<R>>,
    /// Every version recorded, oldest first: what to forget, and when.
    recorded: VecDeque<(Instant, Id)>,
}

impl<Id, R> Default for History<Id, R> {
    fn default() -> Self {
        Self {
            by_id: HashMap::new(),
            recorded: VecDeque::new(),
        }
    }
}

/// Whether a version of `at` is older than any lag reaches at `now`.
fn beyond_any_lag(at: Since, now: Instant) -> bool {
    at.is_none_or(|at| now.saturating_duration_since(at) > Fault::MAX_LAG)
}

impl<Id: Hash + Eq + Clone, R: Clone> History<Id, R> {
    /// `id`, as it is (`current`), is about to change: unless versions of
    /// it are kept already, this one is kept as what it was before.
    pub fn before_change(&mut self, id: &Id, current: &R) {
        if !self.by_id.contains_key(id) {
            self.by_id.insert(
                id.clone(),
                Versions {
                    made: None,
                    versions: VecDeque::from([(None, current.clone())]),
                },
            );
        }
    }

    /// `id` is made now (`at`): before, it did not exist.
    pub fn made(&mut self, id: &Id, at: Instant) {
        self.by_id.insert(
            id.clone(),
            Versions {
                made: Some(at),
                versions: VecDeque::new(),
            },
        );
    }

    /// Keeps `record` as `id`'s version from `at` on (a record with no
    /// version before was made at `at`), and forgets what no lag can
    /// reach any more.
    pub fn record(&mut self, id: &Id, record: &R, at: Instant) {
        let entry = self.by_id.entry(id.clone()).or_insert_with(|| Versions {
            made: Some(at),
            versions: VecDeque::new(),
        });
        entry.versions.push_back((Some(at), record.clone()));
        while entry.versions.len() > MAX_VERSIONS {
            entry.versions.pop_front();
        }
        self.recorded.push_back((at, id.clone()));
        self.forget(at);
    }

    /// Forgets `id`'s versions (the record is gone).
    pub fn remove<Q>(&mut self, id: &Q)
    where
        Id: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.by_id.remove(id);
    }

    /// Forgets the versions older than [`Fault::MAX_LAG`] at `now`, but the
    /// newest of them; a record left with only that one keeps none (it is
    /// as it is now).
    fn forget(&mut self, now: Instant) {
        while let Some((at, _)) = self.recorded.front() {
            if !beyond_any_lag(Some(*at), now) {
                break;
            }
            let Some((_, id)) = self.recorded.pop_front() else {
                break;
            };
            let Some(entry) = self.by_id.get_mut(&id) else {
                continue;
            };
            while entry
                .versions
                .get(1)
                .is_some_and(|(at, _)| beyond_any_lag(*at, now))
            {
                entry.versions.pop_front();
            }
            if entry
                .versions
                .front()
                .is_none_or(|(at, _)| entry.versions.len() == 1 && beyond_any_lag(*at, now))
            {
                self.by_id.remove(&id);
            }
        }
    }

    /// `id` as it was `lag` ago (`now` being now).
    pub fn as_of<Q>(&self, id: &Q, lag: Duration, now: Instant) -> AsOf<'_, R>
    where
        Id: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(entry) = self.by_id.get(id) else {
            return AsOf::AsNow;
        };
        let old_enough = |at: Since| at.is_none_or(|at| now.saturating_duration_since(at) >= lag);
        if let Some((_, version)) = entry.versions.iter().rev().find(|(at, _)| old_enough(*at)) {
            return AsOf::Was(version);
        }
        match entry.versions.front() {
            // It existed then, but so many versions came since that the
            // one of then was forgotten: the oldest left.
            Some((_, oldest)) if old_enough(entry.made) => AsOf::Was(oldest),
            _ => AsOf::NotYet,
        }
    }

    /// How many versions are kept, in all.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_id.values().map(|v| v.versions.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_lagging_read_sees_the_version_of_then() {
        let start = Instant::now();
        let mut history = History::<String, u32>::default();
        let id = "a".to_owned();
        history.record(&id, &1, start);
        history.record(&id, &2, start + secs(5));
        let now = start + secs(6);
        assert_eq!(history.as_of("a", Duration::ZERO, now), AsOf::Was(&2));
        assert_eq!(history.as_of("a", secs(2), now), AsOf::Was(&1));
        assert_eq!(history.as_of("a", secs(7), now), AsOf::NotYet);
        assert_eq!(history.as_of("b", secs(7), now), AsOf::AsNow);
    }

    #[test]
    fn versions_no_lag_reaches_are_forgotten() {
        let start = Instant::now();
        let mut history = History::<String, u64>::default();
        let (a, b) = ("a".to_owned(), "b".to_owned());
        for i in 0..10 {
            history.record(&a, &i, start + secs(i));
        }
        assert_eq!(history.len(), 10);
        // At 65 s, 0 to 4 are over a minute old: 4 is kept, the newest of
        // them, with 5 to 9.
        let later = start + secs(65);
        history.record(&b, &0, later);
        assert_eq!(history.len(), 6 + 1);
        assert_eq!(history.as_of("a", Fault::MAX_LAG, later), AsOf::Was(&5));
        assert_eq!(history.as_of("a", Duration::ZERO, later), AsOf::Was(&9));
        // Much later, `a` keeps nothing: it is as it is now; `b` keeps its
        // version of 65 s (the newest over a minute old) and the new one.
        history.record(&b, &1, start + secs(200));
        assert_eq!(
            history.as_of("a", Fault::MAX_LAG, start + secs(200)),
            AsOf::AsNow
        );
        assert_eq!(history.len(), 2);
    }

    /// A record unchanged for long, then changed: a lagging read sees it as
    /// it was before the change, not as missing.
    #[test]
    fn a_record_changed_after_a_long_while_was_what_it_had_been() {
        let start = Instant::now();
        let mut history = History::<String, u32>::default();
        let id = "a".to_owned();
        history.record(&id, &1, start);
        history.record(&"b".to_owned(), &0, start + secs(120));
        assert_eq!(history.as_of("a", secs(5), start + secs(120)), AsOf::AsNow);
        history.before_change(&id, &1);
        history.record(&id, &2, start + secs(121));
        let now = start + secs(122);
        assert_eq!(history.as_of("a", secs(5), now), AsOf::Was(&1));
        assert_eq!(history.as_of("a", Duration::ZERO, now), AsOf::Was(&2));
        // A change already kept keeps no second "before".
        history.before_change(&id, &2);
        assert_eq!(history.as_of("a", secs(5), now), AsOf::Was(&1));
    }

    #[test]
    fn a_record_changed_very_often_keeps_a_bounded_history() {
        let start = Instant::now();
        let mut history = History::<String, usize>::default();
        let id = "a".to_owned();
        for i in 0..MAX_VERSIONS * 3 {
            history.record(&id, &i, start + Duration::from_micros(i as u64));
        }
        assert_eq!(history.len(), MAX_VERSIONS);
        let now = start + secs(1);
        // Lagging behind every version kept: the oldest kept, not a 404.
        assert_eq!(
            history.as_of("a", Duration::from_millis(999), now),
            AsOf::Was(&(MAX_VERSIONS * 2))
        );
        assert_eq!(history.as_of("a", secs(2), now), AsOf::NotYet);
    }
}
