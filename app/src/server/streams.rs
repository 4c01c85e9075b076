//! How many server-sent event streams each person holds open in this
//! process: each stream reads the database every half second for up to
//! ten minutes, so one person (or one script with their cookie) opening
//! hundreds would take the pool from everyone else.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use crate::model::UserId;

/// Event streams one person may hold open at once, per process. A page
/// opens one or two; eight leaves room for several tabs.
pub const STREAMS_PER_PERSON: usize = 8;

/// The open streams per person.
#[derive(Debug, Default)]
pub struct EventStreams {
    open: Mutex<HashMap<UserId, usize>>,
}

/// One open stream; the place is given back when it drops (the stream
/// ended, or the client went away).
#[derive(Debug)]
#[must_use = "the place is given back when the permit drops"]
pub struct StreamPermit {
    streams: Arc<EventStreams>,
    user: UserId,
}

impl EventStreams {
    /// A place for one more stream of `user`; `None` when they hold
    /// [`STREAMS_PER_PERSON`] already.
    pub fn open(self: &Arc<Self>, user: UserId) -> Option<StreamPermit> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(user).or_default();
        if *count >= STREAMS_PER_PERSON {
            return None;
        }
        *count += 1;
        Some(StreamPermit { streams: Arc::clone(self), user })
    }

    /// The streams `user` holds open.
    pub fn held_by(&self, user: UserId) -> usize {
        self.open.lock().unwrap_or_else(PoisonError::into_inner).get(&user).copied().unwrap_or(0)
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_holds_at_most_the_limit_and_gets_places_back_as_streams_end() {
        let streams = Arc::new(EventStreams::default());
        let (ada, bo) = (UserId::new(), UserId::new());
        let permits: Vec<_> = (0..STREAMS_PER_PERSON).map(|_| streams.open(ada).unwrap()).collect();
        assert!(streams.open(ada).is_none(), "one more than the limit");
        assert!(streams.open(bo).is_some(), "another person is not affected");
        drop(permits);
        assert_eq!(streams.held_by(ada), 0);
        assert!(streams.open(ada).is_some());
    }
}
