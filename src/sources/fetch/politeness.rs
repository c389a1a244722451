//! Per-host politeness: one rate limiter per host key, crawl delays and
//! `Retry-After` pauses.
//!
//! The scanner must never send a host requests faster than configured, even
//! when many tasks want the same host at once or a crawl delay arrives in the
//! middle of a scan. This module only waits; it never sends anything.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

/// Shortest period a limiter accepts; guards against absurd configured rates.
const MIN_PERIOD: Duration = Duration::from_micros(1);

/// The politeness state of every host seen so far.
pub(crate) struct Politeness {
    base_period: Duration,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

/// One host's limiter and timing. The limiter does the common work; the
/// timing record backs it up so that a limiter swapped by a crawl delay, or a
/// pause, can never let a request through early.
struct HostSlot {
    limiter: Mutex<Arc<DefaultDirectRateLimiter>>,
    timing: Mutex<HostTiming>,
}

struct HostTiming {
    period: Duration,
    last_start: Option<Instant>,
    /// When the host last answered (or a request to it failed). The host
    /// received that request no later than this, so a next request sent a
    /// period after it reaches the host at least a period later however
    /// long either spent connecting: spacing the starts alone lets a request
    /// that opened a connection and one that reused it arrive closer.
    last_answer: Option<Instant>,
    not_before: Option<Instant>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data under these locks stays consistent even if a holder panicked.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn limiter_for(period: Duration) -> Arc<DefaultDirectRateLimiter> {
    let quota = Quota::with_period(period.max(MIN_PERIOD))
        .unwrap_or_else(|| Quota::per_second(std::num::NonZeroU32::MIN));
    Arc::new(RateLimiter::direct(quota))
}

impl Politeness {
    /// `per_host_rate` requests per second per host, burst 1.
    pub(crate) fn new(per_host_rate: f64) -> Self {
        let base_period = if per_host_rate.is_finite() && per_host_rate > 0.0 {
            Duration::from_secs_f64(1.0 / per_host_rate)
        } else {
            Duration::from_secs(1)
        };
        Politeness {
            base_period,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, host_key: &str) -> Arc<HostSlot> {
        let mut hosts = lock(&self.hosts);
        hosts
            .entry(host_key.to_string())
            .or_insert_with(|| {
                Arc::new(HostSlot {
                    limiter: Mutex::new(limiter_for(self.base_period)),
                    timing: Mutex::new(HostTiming {
                        period: self.base_period,
                        last_start: None,
                        last_answer: None,
                        not_before: None,
                    }),
                })
            })
            .clone()
    }

    /// Waits for `host_key`'s turn: pauses, then its rate limiter. Call
    /// before taking a global permit, so that a slow host waits without
    /// holding one; then call [`Politeness::start`] once the permit is held.
    pub(crate) async fn wait_turn(&self, host_key: &str) {
        let slot = self.slot(host_key);
        // Sit out pauses before touching the limiter, so a paused host does
        // not burn limiter cells while it waits.
        loop {
            let paused_until = lock(&slot.timing).not_before;
            match paused_until {
                Some(until) if until > Instant::now() => sleep_until(until).await,
                _ => break,
            }
        }
        let limiter = lock(&slot.limiter).clone();
        limiter.until_ready().await;
    }

    /// Records that a request to `host_key` starts now, first waiting out
    /// whatever is left of the host's gap. The limiter normally leaves
    /// nothing to wait; this check catches turns that lost time waiting for
    /// a permit, a limiter swapped by a crawl delay, and pauses set meanwhile.
    pub(crate) async fn start(&self, host_key: &str) {
        let slot = self.slot(host_key);
        loop {
            let now = Instant::now();
            let earliest = {
                let mut timing = lock(&slot.timing);
                let after_last = timing.last_start.map(|last| last + timing.period);
                let after_answer = timing.last_answer.map(|at| at + timing.period);
                match after_last.max(after_answer).max(timing.not_before) {
                    Some(at) if at > now => at,
                    _ => {
                        timing.last_start = Some(now);
                        return;
                    }
                }
            };
            sleep_until(earliest).await;
        }
    }

    #[cfg(test)]
    async fn acquire(&self, host_key: &str) {
        self.wait_turn(host_key).await;
        self.start(host_key).await;
    }

    /// Records that the host answered a request (or that it failed): the
    /// next request to it waits a period from now as well as from the last
    /// start, so the gap holds where the host receives the requests.
    pub(crate) fn answered(&self, host_key: &str) {
        let slot = self.slot(host_key);
        let mut timing = lock(&slot.timing);
        let now = Instant::now();
        timing.last_answer = Some(timing.last_answer.map_or(now, |at| at.max(now)));
    }

    /// Lowers a host's rate to one request per `delay`; never raises it.
    pub(crate) fn set_min_gap(&self, host_key: &str, delay: Duration) {
        let slot = self.slot(host_key);
        let mut timing = lock(&slot.timing);
        if delay > timing.period {
            timing.period = delay;
            *lock(&slot.limiter) = limiter_for(delay);
        }
    }

    /// Holds every request to a host until `until` (a `Retry-After`).
    pub(crate) fn pause(&self, host_key: &str, until: Instant) {
        let slot = self.slot(host_key);
        let mut timing = lock(&slot.timing);
        timing.not_before = Some(timing.not_before.map_or(until, |at| at.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn successive_acquisitions_keep_the_period() {
        let politeness = Politeness::new(20.0);
        let mut starts = Vec::new();
        for _ in 0..4 {
            politeness.acquire("a.example:80").await;
            starts.push(Instant::now());
        }
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(49), "{pair:?}");
        }
    }

    #[tokio::test]
    async fn the_gap_also_runs_from_the_last_answer() {
        let politeness = Politeness::new(20.0);
        politeness.acquire("a.example:80").await;
        // A slow answer: the host may have received the request late.
        tokio::time::sleep(Duration::from_millis(30)).await;
        politeness.answered("a.example:80");
        let answered = Instant::now();
        politeness.acquire("a.example:80").await;
        assert!(answered.elapsed() >= Duration::from_millis(49));
    }

    #[tokio::test]
    async fn hosts_do_not_share_a_limiter() {
        let politeness = Politeness::new(0.5);
        let started = Instant::now();
        politeness.acquire("a.example:80").await;
        politeness.acquire("b.example:80").await;
        // Two seconds would have passed had the hosts shared one limiter.
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn min_gap_and_pause_hold_requests() {
        let politeness = Politeness::new(100.0);
        politeness.acquire("a.example:80").await;
        let first = Instant::now();
        politeness.set_min_gap("a.example:80", Duration::from_millis(150));
        politeness.acquire("a.example:80").await;
        assert!(first.elapsed() >= Duration::from_millis(149));

        // A shorter delay than the configured rate leaves the rate alone.
        politeness.set_min_gap("b.example:80", Duration::from_millis(1));
        let paused_at = Instant::now();
        politeness.pause("b.example:80", paused_at + Duration::from_millis(120));
        politeness.acquire("b.example:80").await;
        assert!(paused_at.elapsed() >= Duration::from_millis(119));
    }
}
