//! Waiting for something to happen: one deadline-based polling loop for every
//! place bdprov waits (tasks to end, members to retire, applications to
//! finish, Docker objects to become free). Time is measured, not counted in
//! rounds, so a slow answer does not stretch the limit.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// What one look found.
#[derive(Clone, Debug, PartialEq)]
pub enum Seen<T, W> {
    /// Finished, with its result.
    Done(T),
    /// Not yet; what is awaited (given to the timeout handler).
    Waiting(W),
    /// Not yet, but it moved: the limit counts again from now (a limit on
    /// silence rather than on the whole wait).
    Progressed(W),
}

/// Look with `look` every `every` until it is done, or until `limit` has
/// passed since the first look (or the last [`Seen::Progressed`]) and it
/// still waits: then `Err` with what it waits for and the time waited. The
/// first look is immediate; an error from a look ends the wait at once.
pub async fn watch<T, W, E>(
    every: Duration,
    limit: Duration,
    mut look: impl AsyncFnMut() -> Result<Seen<T, W>, E>,
) -> Result<Result<T, (W, Duration)>, E> {
    let started = Instant::now();
    let mut since = started;
    loop {
        let waiting = match look().await? {
            Seen::Done(value) => return Ok(Ok(value)),
            Seen::Waiting(w) => w,
            Seen::Progressed(w) => {
                since = Instant::now();
                w
            }
        };
        if since.elapsed() > limit {
            return Ok(Err((waiting, started.elapsed())));
        }
        tokio::time::sleep(every).await;
    }
}

/// [`watch`], with `expired` turning what it still waits for (and the time
/// waited) into the error.
pub async fn until<T, W, E>(
    every: Duration,
    limit: Duration,
    look: impl AsyncFnMut() -> Result<Seen<T, W>, E>,
    expired: impl FnOnce(W, Duration) -> E,
) -> Result<T, E> {
    watch(every, limit, look).await?.map_err(|(w, waited)| expired(w, waited))
}

/// Retry `attempt` every `every` while `retry` says its error may pass, for
/// at most `limit`; then its last error.
pub async fn retry<T, E, F: Future<Output = Result<T, E>>>(
    every: Duration,
    limit: Duration,
    mut attempt: impl FnMut() -> F,
    retry: impl Fn(&E) -> bool,
) -> Result<T, E> {
    until(
        every,
        limit,
        async || match attempt().await {
            Ok(v) => Ok(Seen::Done(Ok(v))),
            Err(e) if retry(&e) => Ok(Seen::Waiting(e)),
            Err(e) => Ok(Seen::Done(Err(e))),
        },
        |last, _| last,
    )
    .await
    .and_then(|r| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn done_at_the_third_look() {
        let mut looks = 0;
        let r: Result<u32, String> = until(
            Duration::from_secs(1),
            Duration::from_secs(10),
            async || {
                looks += 1;
                Ok(if looks == 3 { Seen::Done(looks) } else { Seen::Waiting(()) })
            },
            |_, _| "timeout".to_string(),
        )
        .await;
        assert_eq!(r, Ok(3));
    }

    #[tokio::test(start_paused = true)]
    async fn the_limit_is_measured_time() {
        let started = tokio::time::Instant::now();
        let mut looks = 0u32;
        let r: Result<(), String> = until(
            Duration::from_millis(300),
            Duration::from_secs(3),
            async || {
                looks += 1;
                // A slow answer: two seconds per look.
                tokio::time::sleep(Duration::from_secs(2)).await;
                Ok(Seen::Waiting(looks))
            },
            |last, waited| format!("still waiting after look {last} ({}s)", waited.as_secs()),
        )
        .await;
        assert_eq!(r, Err("still waiting after look 2 (4s)".to_string()));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn progress_restarts_the_clock_and_errors_end_at_once() {
        let mut looks = 0;
        let r: Result<(), String> = until(
            Duration::from_secs(1),
            Duration::from_millis(1500),
            async || {
                looks += 1;
                match looks {
                    1..=4 => Ok(Seen::Progressed(())),
                    5 => Ok(Seen::Waiting(())),
                    _ => Err("broken".to_string()),
                }
            },
            |_, _| "timeout".to_string(),
        )
        .await;
        assert_eq!((r, looks), (Err("broken".to_string()), 6));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_only_what_may_pass() {
        let mut n = 0;
        let r = retry(
            Duration::from_millis(500),
            Duration::from_secs(30),
            || {
                n += 1;
                let k = n;
                async move {
                    if k < 3 {
                        Err("in use")
                    } else {
                        Ok(k)
                    }
                }
            },
            |e| *e == "in use",
        )
        .await;
        assert_eq!(r, Ok(3));
        let r: Result<(), &str> =
            retry(Duration::from_millis(500), Duration::from_secs(30), || async { Err("denied") }, |e| *e == "in use").await;
        assert_eq!(r, Err("denied"));
        let r: Result<(), &str> =
            retry(Duration::from_millis(500), Duration::from_secs(2), || async { Err("in use") }, |e| *e == "in use").await;
        assert_eq!(r, Err("in use"));
    }
}
