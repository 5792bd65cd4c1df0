//! Artifacts from a Maven repository, pinned by a lock file.
//!
//! A lock (`templates/images/NAME/maven.lock`, made by
//! `scripts/maven-lock.sh NAME`) lists every file an image needs, one per
//! line, tab-separated:
//!
//! ```text
//! hadoop/share/hadoop/common/hadoop-common-3.5.0.jar<TAB>org.apache.hadoop:hadoop-common:3.5.0:jar<TAB><sha256><TAB><size>
//! ```
//!
//! bdprov downloads them itself (no Maven, no JDK), from Maven Central or
//! the repository `BDPROV_MAVEN` names (a Nexus or Artifactory mirror),
//! checks each against its SHA-256 and keeps it in the cache folder under
//! its repository path, so a second build downloads nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};
pub use crate::lock::{parse_lock, Artifact};
use crate::output::{Progress, State};

pub const CENTRAL: &str = "https://repo1.maven.org/maven2";

/// Downloads at once.
const PARALLEL: usize = 8;

/// The repository to download from: `BDPROV_MAVEN`, else Maven Central.
pub fn repository() -> String {
    std::env::var("BDPROV_MAVEN").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| CENTRAL.to_string()).trim_end_matches('/').to_string()
}

/// The jars of the pinned agents `names` (`crate::lock::agent`), for `up`
/// to mount as configs: from the cache, downloaded and checked where
/// missing (a note says so). Name → bytes.
pub async fn agents(names: &[String], progress: &dyn Progress) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut lock = Vec::new();
    for name in names {
        lock.push(crate::lock::agent(name).ok_or_else(|| Error::msg(format!("no artifact `{name}` is pinned")))?);
    }
    let cache = super::cache_dir();
    let missing: Vec<String> = lock
        .iter()
        .filter(|a| super::pyspark::sha256_file(&cache.join("maven").join(a.repo_path())).ok().as_deref() != Some(a.sha256.as_str()))
        .map(Artifact::coordinate)
        .collect();
    if !missing.is_empty() {
        progress.note(&format!("fetching {} from {} (once, into {})", missing.join(", "), repository(), cache.display()));
    }
    let files = fetch(&cache, "agents", &lock, &crate::output::Silent).await?;
    let mut out = BTreeMap::new();
    for (name, (_, path)) in names.iter().zip(files) {
        let bytes = std::fs::read(&path).map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))?;
        out.insert(name.clone(), bytes);
    }
    Ok(out)
}

/// Every artifact of `lock` in the cache, downloaded where missing: the
/// (destination, cached file) pairs, in the lock's order.
pub async fn fetch(cache: &Path, image: &str, lock: &[Artifact], progress: &dyn Progress) -> Result<Vec<(String, PathBuf)>> {
    fetch_from(&repository(), cache, image, lock, progress).await
}

async fn fetch_from(repo: &str, cache: &Path, image: &str, lock: &[Artifact], progress: &dyn Progress) -> Result<Vec<(String, PathBuf)>> {
    let repo = repo.to_string();
    let root = cache.join("maven");
    let client =
        reqwest::Client::builder().connect_timeout(std::time::Duration::from_secs(30)).build().map_err(|e| Error::msg(e.to_string()))?;
    let mut missing = Vec::new();
    let mut out = Vec::new();
    for a in lock {
        let path = root.join(a.repo_path());
        let cached = tokio::task::spawn_blocking({
            let path = path.clone();
            move || super::pyspark::sha256_file(&path).ok()
        })
        .await
        .ok()
        .flatten();
        // An artifact the lock lists twice (in `lib/` and in `lib-worker/`,
        // say) is one file in the cache: downloaded once, or the second
        // download's rename finds the first one's partial file gone.
        if cached.as_deref() != Some(a.sha256.as_str()) && !missing.iter().any(|(_, p): &(&Artifact, PathBuf)| *p == path) {
            missing.push((a, path.clone()));
        }
        out.push((a.dest.clone(), path));
    }
    if missing.is_empty() {
        progress.step(image, State::Cached, &format!("{} artifacts", lock.len()));
        return Ok(out);
    }
    let total: u64 = missing.iter().map(|(a, _)| a.size).sum();
    progress.step(image, State::Download, &format!("{} of {} artifacts ({} MB) from {repo}", missing.len(), lock.len(), total / 1_000_000));
    let done = AtomicUsize::new(0);
    let count = missing.len();
    // The first error stops the rest at their next chunk. Every download
    // runs to its end and removes its own partial file: a download dropped
    // half-way could still create its file on tokio's blocking pool after
    // any cleanup here (seen in CI: a `.part` file left behind).
    let stop = AtomicBool::new(false);
    let results: Vec<Result<Fetched>> = futures_util::stream::iter(missing.iter().map(|(a, path)| {
        let (client, repo, done, stop) = (&client, &repo, &done, &stop);
        async move {
            if stop.load(Ordering::Relaxed) {
                return Ok(Fetched::Stopped);
            }
            let fetched = download(client, repo, a, path, stop).await.inspect_err(|_| stop.store(true, Ordering::Relaxed))?;
            if fetched == Fetched::Done {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n % 20 == 0 || n == count {
                    progress.step(image, State::Download, &format!("{n} / {count}"));
                }
            }
            Ok(fetched)
        }
    }))
    .buffer_unordered(PARALLEL)
    .collect()
    .await;
    // The first error in the order they happened.
    if let Some(e) = results.into_iter().find_map(|r| r.err()) {
        return Err(e);
    }
    Ok(out)
}

/// How one download ended, when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fetched {
    Done,
    /// Another download failed first; nothing was kept.
    Stopped,
}

/// Where a download goes until it is checked.
fn part_path(a: &Artifact, path: &Path) -> PathBuf {
    path.with_extension(format!("{}.part{}", a.ext, std::process::id()))
}

/// One artifact into `path`, checked; nothing is left at `path` unless it
/// matches the lock, and no partial file is left at all.
async fn download(client: &reqwest::Client, repo: &str, a: &Artifact, path: &Path, stop: &AtomicBool) -> Result<Fetched> {
    let url = format!("{repo}/{}", a.repo_path());
    let help = "check the address in BDPROV_MAVEN (a Maven repository or mirror that serves Maven Central's artifacts), or regenerate the lock with `scripts/maven-lock.sh IMAGE`";
    let fail = |why: String| Error::help(format!("artifact {} ({}): {why}", a.coordinate(), a.ext), help);
    let resp = client.get(&url).send().await.map_err(|e| fail(format!("cannot download {url}: {e}")))?;
    if !resp.status().is_success() {
        let status = resp.status();
        let what = if status == reqwest::StatusCode::NOT_FOUND { "not found".to_string() } else { format!("HTTP {status}") };
        return Err(fail(format!("{what} at {url}")));
    }
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| Error::msg(format!("cannot create {}: {e}", parent.display())))?;
    }
    let part = part_path(a, path);
    let io = |e: std::io::Error| Error::msg(format!("cannot write {}: {e}", part.display()));
    let mut file = tokio::fs::File::create(&part).await.map_err(io)?;
    let mut h = Sha256::new();
    let mut stream = resp.bytes_stream();
    let result: Result<Fetched> = async {
        while let Some(chunk) = stream.next().await {
            if stop.load(Ordering::Relaxed) {
                return Ok(Fetched::Stopped);
            }
            let chunk = chunk.map_err(|e| fail(format!("download of {url} broke off: {e}")))?;
            h.update(&chunk);
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        let got = hex::encode(h.finalize());
        if got != a.sha256 {
            return Err(fail(format!("{url} has SHA-256 {got}, the lock pins {}", a.sha256)));
        }
        tokio::fs::rename(&part, path).await.map_err(io)?;
        Ok(Fetched::Done)
    }
    .await;
    if !matches!(result, Ok(Fetched::Done)) {
        drop(file);
        let _ = tokio::fs::remove_file(&part).await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_locks_parse() {
        for (name, text) in super::super::LOCKS.iter() {
            let lock = parse_lock(name, text).unwrap();
            assert!(!lock.is_empty(), "{name} pins nothing");
            assert!(lock.iter().all(|a| a.dest.ends_with(&format!(".{}", a.ext))), "{name}: a destination without its extension");
        }
    }

    /// An artifact the lock lists under two destinations is downloaded once,
    /// even when both would start together (seen in a cold CI run: the
    /// second download's rename found the first one's partial file gone).
    #[test]
    fn an_artifact_listed_twice_is_downloaded_once() {
        use std::io::{Read, Write};
        let body = b"shaded jar bytes".to_vec();
        let sha = hex::encode(Sha256::digest(&body));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (count, reply) = (served.clone(), body.clone());
        std::thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // Slow, so that two downloads of the same file would overlap.
                std::thread::sleep(std::time::Duration::from_millis(300));
                let _ = write!(conn, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", reply.len());
                let _ = conn.write_all(&reply);
            }
        });
        let text =
            format!("lib/x-1.jar\torg.example:x:1:jar\t{sha}\t{n}\nlib-worker/x-1.jar\torg.example:x:1:jar\t{sha}\t{n}\n", n = body.len());
        let lock = parse_lock("maven.lock", &text).unwrap();
        let cache = std::env::temp_dir().join(format!("bdprov-maven-twice-{}", std::process::id()));
        let rt = tokio::runtime::Runtime::new().unwrap();
        let repo = format!("http://127.0.0.1:{port}/maven2");
        let out = rt.block_on(fetch_from(&repo, &cache, "x", &lock, &crate::output::Silent)).unwrap();
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(out.len(), 2, "both destinations are served from the one cached file");
        assert_eq!(out[0].1, out[1].1);
        assert_eq!(std::fs::read(&out[0].1).unwrap(), body);
        let _ = std::fs::remove_dir_all(&cache);
    }

    /// The first failed download stops the others, and no partial file is
    /// left in the cache, whatever stage each download had reached.
    #[test]
    fn a_failed_download_leaves_no_partial_files() {
        use std::io::{Read, Write};
        let body = vec![7u8; 64 * 1024];
        let sha = hex::encode(Sha256::digest(&body));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let body = body.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    let n = conn.read(&mut buf).unwrap_or(0);
                    let request = String::from_utf8_lossy(&buf[..n]).to_string();
                    if request.contains("/missing/") {
                        let _ = write!(conn, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    }
                    // Slow, in pieces: still downloading when the 404 comes.
                    let _ = write!(conn, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    for piece in body.chunks(4096) {
                        std::thread::sleep(std::time::Duration::from_millis(30));
                        if conn.write_all(piece).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        let mut text = String::new();
        for i in 0..6 {
            text.push_str(&format!("lib/slow{i}-1.jar\torg.example:slow{i}:1:jar\t{sha}\t65536\n"));
        }
        text.push_str(&format!("lib/missing-1.jar\torg.example:missing:1:jar\t{sha}\t65536\n"));
        let lock = parse_lock("maven.lock", &text).unwrap();
        let cache = std::env::temp_dir().join(format!("bdprov-maven-stop-{}", std::process::id()));
        let rt = tokio::runtime::Runtime::new().unwrap();
        let repo = format!("http://127.0.0.1:{port}/maven2");
        let err = rt.block_on(fetch_from(&repo, &cache, "x", &lock, &crate::output::Silent)).unwrap_err().to_string();
        assert!(err.contains("org.example:missing:1") && err.contains("not found"), "{err}");
        fn files(dir: &Path) -> Vec<PathBuf> {
            let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
            entries.flatten().flat_map(|e| if e.path().is_dir() { files(&e.path()) } else { vec![e.path()] }).collect()
        }
        let left = files(&cache);
        assert!(left.iter().all(|f| !f.to_string_lossy().contains(".part")), "partial files left: {left:?}");
        assert!(left.len() < 6, "the slow downloads were stopped: {left:?}");
        let _ = std::fs::remove_dir_all(&cache);
    }
}
