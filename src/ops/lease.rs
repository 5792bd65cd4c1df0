//! One changing command at a time per cluster: a lease on the cluster, kept
//! in the swarm itself (see [`crate::engine::lease`] for how), so it holds
//! across machines and users.
//!
//! Every command that changes a cluster (`up`, `scale`, `down`, …) takes it
//! with one line, before it reads what it will change:
//!
//! ```ignore
//! let _lease = ops::lease::hold(&engine, &cluster, "up", args.lease.wait).await?;
//! ```
//!
//! and holds it until the guard is dropped: on success, on error, on a panic
//! and after a signal (the signal path in [`crate::signals`] calls
//! [`release_all`] before it ends the process). A second changing command
//! refuses at once, naming the holder (command, pid, host, user, since when);
//! with `--wait` it waits for the lease instead. Read-only commands take none.
//!
//! The holder renews the lease every third of its time to live from a thread
//! of its own, with its own runtime and its own connection to the engine, so a
//! command busy on its runtime (or a busy 2-core machine) still renews. A
//! lease not renewed for its time to live (30 s; `BDPROV_LEASE_TTL`, stored
//! in the lease so every reader judges it the same) has expired: its holder
//! died (SIGKILL, a lost machine), and the next command takes it over. Ages
//! are measured on the manager's clock (the lease's `UpdatedAt` against the
//! engine's `SystemTime`), never the clients'. `bdprov unlock CLUSTER` breaks
//! a lease deliberately. A holder that finds its lease broken or taken over
//! stops at its next wait ([`check`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use crate::engine::lease::{LeaseRecord, Renewal, LEASE};
use crate::engine::{Engine, Target};
use crate::error::{Error, Result};

/// The time to live when `BDPROV_LEASE_TTL` does not say.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);
/// Bounds of `BDPROV_LEASE_TTL`: renewal needs a few seconds on a busy
/// machine, and a lease of a dead holder should not block for long.
const MIN_TTL: Duration = Duration::from_secs(3);
const MAX_TTL: Duration = Duration::from_secs(600);
/// How often a waiting command (`--wait`) tries again.
const WAIT_EVERY: Duration = Duration::from_secs(1);
/// How long releasing may take before the process goes on without it (the
/// lease then expires by itself).
const RELEASE_WITHIN: Duration = Duration::from_secs(5);

fn key(field: &str) -> String {
    format!("{LEASE}.{field}")
}

/// Who holds (or wants) a lease: what the lease's labels say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub command: String,
    pub host: String,
    pub user: String,
    pub pid: u32,
    /// Tells this holder's lease from a later one of the same cluster.
    pub token: String,
    pub ttl: Duration,
}

impl Holder {
    /// This process, about to run `command`.
    pub fn me(command: &str, ttl: Duration) -> Result<Holder> {
        Ok(Holder {
            command: command.to_string(),
            host: this_host(),
            user: this_user(),
            pid: std::process::id(),
            token: hex::encode(crate::engine::secrets::generate(8)?),
            ttl,
        })
    }

    pub fn labels(&self) -> HashMap<String, String> {
        HashMap::from([
            (key("command"), self.command.clone()),
            (key("host"), self.host.clone()),
            (key("user"), self.user.clone()),
            (key("pid"), self.pid.to_string()),
            (key("token"), self.token.clone()),
            (key("ttl"), self.ttl.as_secs().to_string()),
        ])
    }

    /// Read back from a lease's labels; what is missing reads as unknown (a
    /// lease written by hand, or by another version), with the default TTL.
    pub fn from_labels(labels: &HashMap<String, String>) -> Holder {
        let get = |f: &str| labels.get(&key(f)).cloned().unwrap_or_else(|| "?".into());
        Holder {
            command: get("command"),
            host: get("host"),
            user: get("user"),
            pid: labels.get(&key("pid")).and_then(|p| p.parse().ok()).unwrap_or(0),
            token: get("token"),
            ttl: labels.get(&key("ttl")).and_then(|t| t.parse().ok()).map(Duration::from_secs).unwrap_or(DEFAULT_TTL),
        }
    }

    /// `` `bdprov up` (pid 4242 on host ci-7, user alice) ``
    pub fn describe(&self) -> String {
        format!("`bdprov {}` (pid {} on host {}, user {})", self.command, self.pid, self.host, self.user)
    }
}

fn this_host() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

fn this_user() -> String {
    if let Some(u) = ["USER", "LOGNAME"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty())) {
        return u;
    }
    // No login variables (a container, cron): the real uid.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:").and_then(|r| r.split_whitespace().next().map(|u| format!("uid {u}")))))
        .unwrap_or_else(|| "unknown".into())
}

/// The time to live from `BDPROV_LEASE_TTL` (`30`, `30s`, `2m`), or the default.
pub fn ttl_from(var: Option<&str>) -> Result<Duration> {
    let Some(v) = var.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(DEFAULT_TTL) };
    let parsed = v.parse::<u64>().ok().map(Duration::from_secs).or_else(|| crate::units::parse_duration(v));
    match parsed {
        Some(d) if (MIN_TTL..=MAX_TTL).contains(&d) => Ok(Duration::from_secs(d.as_secs())),
        _ => Err(Error::input(
            format!("BDPROV_LEASE_TTL=`{v}` is not a time to live between {}s and {}s", MIN_TTL.as_secs(), MAX_TTL.as_secs()),
            "write seconds, e.g. BDPROV_LEASE_TTL=30 (or 30s, 2m), or unset it for the default of 30s",
        )),
    }
}

/// An RFC 3339 time as the engine writes it (`2026-12-06T04:49:04.123456789Z`,
/// or with an offset such as `+02:00`) → seconds since the Unix epoch.
pub fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, rest) = s.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, mo, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (c, off) = rest.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..].split_once(':')?;
        (c, sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60))
    };
    let mut c = clock.splitn(3, ':');
    let (h, mi) = (c.next()?.parse::<i64>().ok()?, c.next()?.parse::<i64>().ok()?);
    let sec: f64 = c.next()?.parse().ok()?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&day) || h > 23 || mi > 59 || !(0.0..61.0).contains(&sec) {
        return None;
    }
    Some((days_from_civil(y, mo, day) * 86400 + h * 3600 + mi * 60 - offset) as f64 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// `2026-12-06 04:49:04 UTC` for seconds since the epoch.
pub fn format_utc(secs: f64) -> String {
    let secs = secs.floor() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // The inverse of days_from_civil.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A lease found on the swarm, judged at the manager's `now`.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub holder: Holder,
    /// When it was taken (seconds since the epoch, the manager's clock).
    pub since: f64,
    /// Seconds since it was taken, and since its last renewal.
    pub held_for: f64,
    pub silent_for: f64,
}

impl Seen {
    /// Judge the lease's labels and times at `now` (all RFC 3339, the
    /// manager's clock). Unreadable times count as just renewed: a lease is
    /// never broken on a guess.
    pub fn judge(labels: &HashMap<String, String>, created: &str, updated: &str, now: &str) -> Seen {
        let now_s = parse_time(now);
        let since = parse_time(created).unwrap_or(now_s.unwrap_or(0.0));
        let renewed = parse_time(updated).unwrap_or(since);
        let age = |t: f64| now_s.map(|n| (n - t).max(0.0)).unwrap_or(0.0);
        Seen { holder: Holder::from_labels(labels), since, held_for: age(since), silent_for: age(renewed) }
    }

    /// Its holder stopped renewing it for longer than its time to live.
    pub fn expired(&self) -> bool {
        self.silent_for > self.holder.ttl.as_secs_f64()
    }

    /// Seconds until it expires without renewal.
    pub fn expires_in(&self) -> f64 {
        (self.holder.ttl.as_secs_f64() - self.silent_for).max(0.0)
    }

    fn since_text(&self) -> String {
        format!("since {} ({})", format_utc(self.since), ago(self.held_for))
    }
}

fn ago(secs: f64) -> String {
    match secs.round() as u64 {
        s if s < 120 => format!("{s}s ago"),
        s if s < 7200 => format!("{}m{}s ago", s / 60, s % 60),
        s => format!("{}h{}m ago", s / 3600, s % 3600 / 60),
    }
}

/// Why `command` may not run now: who holds `cluster`, since when, and
/// what to do.
pub fn busy(cluster: &str, command: &str, seen: &Seen) -> Error {
    Error::help(
        format!(
            "cluster `{cluster}` is busy: {} holds its lease {}; `bdprov {command}` did not start",
            seen.holder.describe(),
            seen.since_text()
        ),
        format!(
            "let it finish, or add --wait to run this command after it; if that command is gone (killed, its machine lost), its lease \
             expires {}s after its last renewal (in {:.0}s), or `bdprov unlock {cluster}` breaks it now",
            seen.holder.ttl.as_secs(),
            seen.expires_in().ceil()
        ),
    )
}

/// What `status` says of a lease it finds.
pub fn status_line(seen: &Seen) -> String {
    if seen.expired() {
        format!(
            "lease: held by {} {}, expired (not renewed for {:.0}s): the next changing command takes it over",
            seen.holder.describe(),
            seen.since_text(),
            seen.silent_for
        )
    } else {
        format!("lease: {} is changing this cluster, {}", seen.holder.describe(), seen.since_text())
    }
}

/// The note `--wait` shows while it waits.
pub fn waiting_note(cluster: &str, seen: &Seen) -> String {
    format!("waiting for the lease on cluster {cluster}: {} holds it {}", seen.holder.describe(), seen.since_text())
}

/// The note shown when an expired lease is taken over.
pub fn takeover_note(cluster: &str, seen: &Seen) -> String {
    format!(
        "the lease on cluster {cluster} of {} expired: not renewed for {:.0}s (its time to live is {}s), so that command is gone; taking it over",
        seen.holder.describe(),
        seen.silent_for,
        seen.holder.ttl.as_secs()
    )
}

/// The warning `unlock` gives for the lease it broke.
pub fn broken_warning(cluster: &str, seen: &Seen) -> String {
    let state = if seen.expired() {
        format!("it had expired (not renewed for {:.0}s)", seen.silent_for)
    } else {
        format!("it was renewed {} and may still run", ago(seen.silent_for))
    };
    format!(
        "warning: broke the lease on cluster {cluster} held by {} {}; {state}: if that command still runs it stops at its next step, \
         and anything it half-changed stays as it is (`bdprov status {cluster}` shows it)",
        seen.holder.describe(),
        seen.since_text()
    )
}

// ---- holding a lease ----

enum Msg {
    Release(mpsc::Sender<()>),
}

/// Leases this process holds: how to release each (the signal path needs
/// them without the guards).
static HELD: Mutex<Vec<(u64, mpsc::Sender<Msg>)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(1);
/// Why a lease this process held was lost, if it was.
static LOST: Mutex<Option<String>> = Mutex::new(None);

/// A held lease; released when dropped.
#[must_use = "the lease is released when this is dropped"]
pub struct Lease {
    key: u64,
    pub cluster: String,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let tx = {
            let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
            let at = held.iter().position(|(k, _)| *k == self.key);
            at.map(|i| held.remove(i).1)
        };
        if let Some(tx) = tx {
            release(tx, RELEASE_WITHIN);
        }
    }
}

/// Ask a renewal thread to remove its lease, and wait (at most `within`) for
/// it to have done so.
fn release(tx: mpsc::Sender<Msg>, within: Duration) {
    let (ack, done) = mpsc::channel();
    if tx.send(Msg::Release(ack)).is_ok() {
        let _ = done.recv_timeout(within);
    }
}

/// Release every lease this process holds, within `within`: for the signal
/// path, which ends the process without dropping the guards.
pub fn release_all(within: Duration) {
    let all: Vec<_> = std::mem::take(&mut *HELD.lock().unwrap_or_else(|e| e.into_inner()));
    let started = Instant::now();
    for (_, tx) in all {
        release(tx, within.saturating_sub(started.elapsed()));
    }
}

/// An error if a lease this process holds was broken (`unlock`) or taken
/// over: the command must stop, another may be changing the cluster. Long
/// waits call it each round.
pub fn check() -> Result<()> {
    match LOST.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        Some(why) => Err(Error::help(why, "`bdprov status` shows the cluster as it is now; run the command again once no other holds it")),
        None => Ok(()),
    }
}

/// Take the lease on `cluster` for `command` (`up`, `down`, …). Refuses
/// when another holds it, or with `wait` waits until it is free (a signal
/// stops the wait). The lease is the caller's until the guard is dropped.
pub async fn hold(engine: &Engine, cluster: &str, command: &str, wait: bool) -> Result<Lease> {
    let ttl = ttl_from(std::env::var("BDPROV_LEASE_TTL").ok().as_deref())?;
    engine.manager().await?;
    let me = Holder::me(command, ttl)?;
    let text = format!(
        "cluster {cluster} is leased to {}; the lease expires {}s after its last renewal (`bdprov unlock {cluster}` breaks it)\n",
        me.describe(),
        ttl.as_secs()
    );
    let mut told = false;
    let mut unseen = 0;
    loop {
        if let Some(id) = engine.create_lease(cluster, me.labels(), &text).await? {
            return Ok(start_renewing(engine.target().clone(), cluster, id, me));
        }
        let Some(rec) = engine.find_lease(cluster).await? else {
            // Released between the two calls, or a config of that name that is no lease.
            unseen += 1;
            if unseen == 3 {
                let name = crate::engine::lease::lease_name(cluster);
                return Err(Error::help(
                    format!("a swarm config named {name} exists, without bdprov's lease labels, so no changing command can take cluster {cluster}'s lease"),
                    format!("if nobody uses it, remove it (`docker config rm {name}`), or run the cluster under another name (--name)"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        unseen = 0;
        let seen = judge(engine, &rec).await?;
        if seen.expired() {
            eprintln!("note: {}", takeover_note(cluster, &seen));
            // By id: a lease someone else took over meanwhile is theirs, and stays.
            engine.remove_lease(&rec.id).await?;
            continue;
        }
        if !wait {
            return Err(busy(cluster, command, &seen));
        }
        if !told {
            eprintln!("{}", waiting_note(cluster, &seen));
            told = true;
        }
        if let Err(signal) = crate::signals::sleep(WAIT_EVERY).await {
            return Err(Error::Interrupted {
                signal,
                report: format!("stopped waiting for the lease on cluster {cluster}; nothing was changed"),
                help: None,
            });
        }
    }
}

async fn judge(engine: &Engine, rec: &LeaseRecord) -> Result<Seen> {
    let now = engine.clock().await?;
    Ok(Seen::judge(&rec.labels, &rec.created, &rec.updated, &now))
}

/// Who holds `cluster`'s lease now, if anyone.
pub async fn holder(engine: &Engine, cluster: &str) -> Result<Option<Seen>> {
    match engine.find_lease(cluster).await? {
        Some(rec) => Ok(Some(judge(engine, &rec).await?)),
        None => Ok(None),
    }
}

/// Break `cluster`'s lease (`bdprov unlock`): who held it, if anyone did.
pub async fn unlock(engine: &Engine, cluster: &str) -> Result<Option<Seen>> {
    engine.manager().await?;
    let Some(rec) = engine.find_lease(cluster).await? else { return Ok(None) };
    let seen = judge(engine, &rec).await?;
    engine.remove_lease(&rec.id).await?;
    Ok(Some(seen))
}

fn start_renewing(target: Target, cluster: &str, id: String, me: Holder) -> Lease {
    let (tx, rx) = mpsc::channel();
    let key = NEXT.fetch_add(1, Ordering::Relaxed);
    HELD.lock().unwrap_or_else(|e| e.into_inner()).push((key, tx));
    let name = cluster.to_string();
    std::thread::Builder::new()
        .name(format!("lease-{cluster}"))
        .spawn(move || renew_until_released(&target, &name, &id, &me, rx))
        .expect("a thread to renew the lease");
    Lease { key, cluster: cluster.to_string() }
}

/// The renewal thread: renew every third of the time to live (sooner after
/// a failed try), until asked to release; then remove the lease.
fn renew_until_released(target: &Target, cluster: &str, id: &str, me: &Holder, rx: mpsc::Receiver<Msg>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    let every = me.ttl / 3;
    let mut engine: Option<Engine> = None;
    let mut renewals = 0u64;
    let mut next = every;
    let mut lost = false;
    let token = key("token");
    loop {
        let ack = match rx.recv_timeout(next) {
            Ok(Msg::Release(ack)) => Some(ack),
            Err(mpsc::RecvTimeoutError::Disconnected) => None,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if lost {
                    next = Duration::from_secs(3600);
                    continue;
                }
                let outcome = rt.block_on(async {
                    let attempt = async {
                        if engine.is_none() {
                            engine = Some(Engine::connect_to(target).await?);
                        }
                        let e = engine.as_ref().expect("connected");
                        e.renew_lease(id, (&token, &me.token), renewals + 1).await
                    };
                    tokio::time::timeout(every, attempt).await
                });
                next = match outcome {
                    Ok(Ok(Renewal::Renewed)) => {
                        renewals += 1;
                        every
                    }
                    Ok(Ok(Renewal::Raced)) => Duration::from_millis(100),
                    Ok(Ok(Renewal::Lost)) => {
                        lost = true;
                        *LOST.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!(
                            "the lease on cluster {cluster} that this `bdprov {}` held was broken (`bdprov unlock`) or taken over \
                             after it expired: another command may be changing the cluster now, so this one stopped",
                            me.command
                        ));
                        Duration::from_secs(3600)
                    }
                    // The engine slow or unreachable: try again soon, within the time to live.
                    _ => Duration::from_secs(1),
                };
                continue;
            }
        };
        if !lost {
            rt.block_on(async {
                let remove = async {
                    let e = match engine.take() {
                        Some(e) => e,
                        None => Engine::connect_to(target).await?,
                    };
                    e.remove_lease(id).await
                };
                let _ = tokio::time::timeout(RELEASE_WITHIN, remove).await;
            });
        }
        if let Some(ack) = ack {
            let _ = ack.send(());
        }
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder() -> Holder {
        Holder {
            command: "up".into(),
            host: "ci-7".into(),
            user: "alice".into(),
            pid: 4242,
            token: "t1".into(),
            ttl: Duration::from_secs(30),
        }
    }

    #[test]
    fn times_are_read_as_the_engine_writes_them() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_time("2026-12-06T04:49:04Z"), Some(1796532544.0));
        let nanos = parse_time("2026-12-06T04:49:04.250000000Z").unwrap();
        assert!((nanos - 1796532544.25).abs() < 1e-6);
        assert_eq!(parse_time("2026-12-06T06:49:04+02:00"), Some(1796532544.0));
        assert_eq!(parse_time("2026-12-06T01:49:04.0-03:00"), Some(1796532544.0));
        assert_eq!(parse_time("2000-02-29T12:00:00Z"), Some(951825600.0));
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-12-06T25:00:00Z", "2026-12-06"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(format_utc(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1796532544.7), "2026-12-06 04:49:04 UTC");
        assert_eq!(format_utc(951825600.0), "2000-02-29 12:00:00 UTC");
        for s in ["2024-02-29T23:59:59Z", "1999-12-31T00:00:01Z", "2100-03-01T10:20:30Z"] {
            let t = parse_time(s).unwrap();
            assert_eq!(format_utc(t), s.replace('T', " ").replace('Z', " UTC"));
        }
    }

    #[test]
    fn the_holder_survives_its_labels() {
        let h = holder();
        assert_eq!(Holder::from_labels(&h.labels()), h);
        let unknown = Holder::from_labels(&HashMap::new());
        assert_eq!((unknown.command.as_str(), unknown.pid, unknown.ttl), ("?", 0, DEFAULT_TTL));
    }

    #[test]
    fn a_lease_expires_only_after_its_own_ttl_without_renewal() {
        let mut labels = holder().labels();
        let created = "2026-12-06T04:49:00Z";
        let fresh = Seen::judge(&labels, created, "2026-12-06T04:49:20Z", "2026-12-06T04:49:45Z");
        assert_eq!((fresh.held_for, fresh.silent_for), (45.0, 25.0));
        assert!(!fresh.expired());
        assert_eq!(fresh.expires_in(), 5.0);
        let stale = Seen::judge(&labels, created, "2026-12-06T04:49:10Z", "2026-12-06T04:49:45Z");
        assert!(stale.expired());
        // The holder's own TTL counts, whatever the reader's is.
        labels.insert(key("ttl"), "5".into());
        assert!(Seen::judge(&labels, created, "2026-12-06T04:49:38Z", "2026-12-06T04:49:45Z").expired());
        // Unreadable times never break a lease.
        assert!(!Seen::judge(&labels, "?", "?", "2026-12-06T04:49:45Z").expired());
        assert!(!Seen::judge(&labels, created, created, "?").expired());
    }

    #[test]
    fn a_refusal_names_the_holder_and_what_to_do() {
        let seen = Seen::judge(&holder().labels(), "2026-12-06T04:49:00Z", "2026-12-06T04:49:40Z", "2026-12-06T04:49:42Z");
        let shown = busy("ls1", "down", &seen).to_string();
        for want in [
            "cluster `ls1` is busy: `bdprov up` (pid 4242 on host ci-7, user alice) holds its lease since 2026-12-06 04:49:00 UTC (42s ago)",
            "`bdprov down` did not start",
            "--wait",
            "expires 30s after its last renewal (in 28s)",
            "`bdprov unlock ls1`",
        ] {
            assert!(shown.contains(want), "{want:?} not in {shown}");
        }
        assert_eq!(busy("ls1", "down", &seen).exit_code(), 1);
        assert!(waiting_note("ls1", &seen).contains("`bdprov up` (pid 4242 on host ci-7, user alice) holds it"));
        assert!(status_line(&seen).starts_with("lease: `bdprov up` (pid 4242 on host ci-7, user alice) is changing this cluster, since"));
    }

    #[test]
    fn takeover_and_unlock_say_what_they_broke() {
        let stale = Seen::judge(&holder().labels(), "2026-12-06T04:49:00Z", "2026-12-06T04:49:00Z", "2026-12-06T04:49:41Z");
        assert!(takeover_note("ls1", &stale).contains("not renewed for 41s (its time to live is 30s)"));
        assert!(broken_warning("ls1", &stale).contains("it had expired"));
        let live = Seen::judge(&holder().labels(), "2026-12-06T04:49:00Z", "2026-12-06T04:49:40Z", "2026-12-06T04:49:41Z");
        let w = broken_warning("ls1", &live);
        assert!(w.starts_with("warning: broke the lease on cluster ls1 held by `bdprov up` (pid 4242"), "{w}");
        assert!(w.contains("renewed 1s ago and may still run"), "{w}");
    }

    #[test]
    fn the_ttl_is_stated_and_bounded() {
        assert_eq!(ttl_from(None).unwrap(), Duration::from_secs(30));
        assert_eq!(ttl_from(Some("")).unwrap(), Duration::from_secs(30));
        assert_eq!(ttl_from(Some("8")).unwrap(), Duration::from_secs(8));
        assert_eq!(ttl_from(Some("2m")).unwrap(), Duration::from_secs(120));
        for bad in ["1", "0", "soon", "1h"] {
            let e = ttl_from(Some(bad)).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("BDPROV_LEASE_TTL"), "{e}");
        }
    }
}
