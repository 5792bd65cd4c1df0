//! Interruption. SIGINT (Ctrl-C), SIGTERM (`timeout`, `kill`, a CI runner),
//! SIGHUP (a closed terminal or SSH session) and SIGQUIT all mean the same:
//! stop, remove what this command created for itself (a job's service and
//! uploads), and say what is left on the swarm and how to go on.
//!
//! The handlers are installed once, before any command runs ([`install`]),
//! so a signal that comes early is not lost to the default action (which
//! would end the process with the job still running). Code that creates
//! something waits on [`interrupted`] next to its work; the command as a
//! whole runs under [`guarded`], which gives that code time to clean up.
//! A second signal ends the process at once, saying so. Either way the
//! cluster leases the process holds are given back first (the `release`
//! given to [`install`]: `ops::lease::release_all`), so nothing stays locked
//! until expiry.

use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::watch;

pub use crate::error::Signal;
use crate::error::{Error, Result};

static RECEIVED: OnceLock<watch::Sender<Option<Signal>>> = OnceLock::new();

fn channel() -> &'static watch::Sender<Option<Signal>> {
    RECEIVED.get_or_init(|| watch::channel(None).0)
}

/// Listen for the four signals from now on. Call inside the runtime, before
/// the command starts. `grace`: how long the command may take to clean up
/// after a signal before the process ends regardless (a command busy
/// computing never looks at [`interrupted`]); `release`: what gives back,
/// within the time it is given, what must not outlive the process (the
/// cluster leases) when it ends that way.
pub fn install(grace: Duration, release: fn(Duration)) -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let kinds = [
        (SignalKind::interrupt(), Signal::Int),
        (SignalKind::terminate(), Signal::Term),
        (SignalKind::hangup(), Signal::Hup),
        (SignalKind::quit(), Signal::Quit),
    ];
    for (kind, which) in kinds {
        let mut stream = signal(kind).map_err(|e| Error::msg(format!("cannot listen for {}: {e}", which.name())))?;
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                let tx = channel();
                if tx.borrow().is_some() {
                    eprintln!("error: interrupted again ({}): stopped at once, without cleaning up{}", which.name(), left_report());
                    // Only the cluster's lease is still given back: else it would block others until it expires.
                    release(Duration::from_secs(3));
                    std::process::exit(which.exit_code());
                }
                tx.send_replace(Some(which));
                // On a thread of its own: the runtime's may all be busy.
                std::thread::spawn(move || {
                    std::thread::sleep(grace + Duration::from_secs(2));
                    eprintln!("error: interrupted by {}: stopped before cleaning up{}", which.name(), left_report());
                    release(Duration::from_secs(3));
                    std::process::exit(which.exit_code());
                });
            }
        });
    }
    Ok(())
}

/// What the running command holds on the swarm or in a cluster right now,
/// each with how to undo it by hand: what a process ended at once leaves.
static HELD: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());

/// Something the command holds until this is dropped (a job's service, a
/// YARN application it submitted), described for a user who has to remove
/// it by hand.
#[must_use = "what is held is forgotten when this is dropped"]
pub struct Held(u64);

pub fn hold(what: impl Into<String>) -> Held {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    HELD.lock().unwrap_or_else(|e| e.into_inner()).push((id, what.into()));
    Held(id)
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.lock().unwrap_or_else(|e| e.into_inner()).retain(|(id, _)| *id != self.0);
    }
}

/// What is held now, oldest first.
pub fn held() -> Vec<String> {
    HELD.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(_, w)| w.clone()).collect()
}

/// The end of the message of a process that stops at once: what it leaves.
fn left_report() -> String {
    match held().as_slice() {
        [] => "; `bdprov status` shows what is left".to_string(),
        left => format!("; left behind:\n    - {}\n  = help: `bdprov status` shows the cluster", left.join("\n    - ")),
    }
}

/// Resolves when a signal has come (at once if one already has); never
/// without [`install`].
pub async fn interrupted() -> Signal {
    let mut rx = channel().subscribe();
    loop {
        if let Some(s) = *rx.borrow_and_update() {
            return s;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Whether a signal has come.
pub fn received() -> Option<Signal> {
    *channel().borrow()
}

/// Run a command. On a signal, its own handlers get `grace` to clean up and
/// report (they return [`Error::Interrupted`]); a command still running
/// after that is dropped, and the error says the command was cut short.
pub async fn guarded<T>(work: impl Future<Output = Result<T>>, grace: Duration) -> Result<T> {
    tokio::pin!(work);
    tokio::select! {
        biased;
        r = &mut work => r,
        signal = interrupted() => match tokio::time::timeout(grace, &mut work).await {
            Ok(Err(e)) => Err(e),
            // It finished all the same: nothing was cut short.
            Ok(Ok(v)) => Ok(v),
            Err(_) => Err(Error::Interrupted {
                signal,
                report: "stopped before it finished".into(),
                help: Some("`bdprov status` shows what is on the swarm; the same command run again goes on from there".into()),
            }),
        },
    }
}

/// Sleep, unless a signal comes first.
pub async fn sleep(d: Duration) -> Result<(), Signal> {
    tokio::select! {
        _ = tokio::time::sleep(d) => Ok(()),
        s = interrupted() => Err(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_what_shells_report() {
        assert_eq!(Signal::Int.exit_code(), 130);
        assert_eq!(Signal::Term.exit_code(), 143);
        assert_eq!(Signal::Hup.exit_code(), 129);
        assert_eq!(Signal::Quit.exit_code(), 131);
    }

    #[test]
    fn what_is_held_is_listed_until_dropped() {
        let job = hold("job service c_job-yarn-1 (`docker service rm c_job-yarn-1`)");
        let app = hold("YARN application application_1_0001");
        assert!(left_report().contains("left behind:\n    - job service c_job-yarn-1"), "{}", left_report());
        drop(job);
        assert_eq!(held(), ["YARN application application_1_0001"]);
        drop(app);
        assert!(left_report().contains("`bdprov status` shows what is left"));
    }
}
