//! Whether this process is stopping. On SIGTERM (or Ctrl-C) the binary
//! calls [`Lifecycle::stop`]; from then on `/ready` answers 503 (a load
//! balancer sends new requests elsewhere), change streams end (the
//! browser reconnects, to another process, from its last event id) and
//! job workers claim nothing new, while requests, uploads and jobs in
//! flight finish within the configured time.

use tokio::sync::watch;

/// Running, or stopping; shared by the app state.
#[derive(Debug)]
pub struct Lifecycle {
    stopping: watch::Sender<bool>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self { stopping: watch::Sender::new(false) }
    }
}

impl Lifecycle {
    /// Marks the process as stopping (once; later calls change nothing).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Whether [`Lifecycle::stop`] was called.
    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Resolves once the process is stopping (at once if it is).
    pub async fn stopped(&self) {
        let mut stopping = self.stopping.subscribe();
        // The sender lives as long as `self`: the wait ends by a stop.
        let _ = stopping.wait_for(|stopping| *stopping).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_wakes_every_waiter_and_stays() {
        let lifecycle = std::sync::Arc::new(Lifecycle::default());
        assert!(!lifecycle.is_stopping());
        let waiter = tokio::spawn({
            let lifecycle = lifecycle.clone();
            async move { lifecycle.stopped().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        lifecycle.stop();
        waiter.await.unwrap();
        assert!(lifecycle.is_stopping());
        // A waiter that comes after the stop does not wait.
        tokio::time::timeout(std::time::Duration::from_secs(1), lifecycle.stopped()).await.unwrap();
    }
}
