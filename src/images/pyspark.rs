//! The Spark distribution inside PyPI's `pyspark` source archive.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::output::{Progress, State};

pub struct Archive {
    pub path: PathBuf,
    pub sha256: String,
}

pub(super) fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::msg(e.to_string()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// The archive, from `BDPROV_PYSPARK_ARCHIVE`, the cache, or PyPI (checked
/// against the SHA-256 PyPI publishes).
pub async fn fetch(cache: &Path, version: &str, progress: &dyn Progress) -> Result<Archive> {
    if let Ok(p) = std::env::var("BDPROV_PYSPARK_ARCHIVE") {
        let path = PathBuf::from(p);
        let sha256 = sha256_file(&path)?;
        return Ok(Archive { path, sha256 });
    }
    let path = cache.join(format!("pyspark-{version}.tar.gz"));
    let sidecar = cache.join(format!("pyspark-{version}.tar.gz.sha256"));
    if let (true, Ok(want)) = (path.exists(), std::fs::read_to_string(&sidecar)) {
        let sha256 = sha256_file(&path)?;
        if sha256 == want.trim() {
            progress.step("spark", State::Cached, &format!("pyspark {version} archive"));
            return Ok(Archive { path, sha256 });
        }
    }
    let index = std::env::var("BDPROV_PYPI").unwrap_or_else(|_| "https://pypi.org".into());
    let client = reqwest::Client::new();
    let fail = |what: String| {
        Error::help(what, "PyPI must be reachable; or download the pyspark source archive yourself and set BDPROV_PYSPARK_ARCHIVE=PATH")
    };
    // The project's JSON lists every release; mirrors do not always serve the per-version page.
    let meta_url = format!("{index}/pypi/pyspark/json");
    let meta: serde_json::Value = client
        .get(&meta_url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| fail(format!("cannot read {meta_url}: {e}")))?
        .json()
        .await
        .map_err(|e| fail(format!("cannot read {meta_url}: {e}")))?;
    let sdist = meta["releases"][version]
        .as_array()
        .and_then(|files| files.iter().find(|u| u["packagetype"] == "sdist"))
        .ok_or_else(|| fail(format!("PyPI lists no source archive for pyspark {version}")))?;
    // Mirrors may give addresses relative to the JSON page.
    let url = reqwest::Url::parse(&meta_url)
        .and_then(|base| base.join(sdist["url"].as_str().unwrap_or_default()))
        .map_err(|e| fail(format!("bad download address for pyspark {version}: {e}")))?
        .to_string();
    let want = sdist["digests"]["sha256"].as_str().unwrap_or_default().to_string();
    let size = sdist["size"].as_u64().unwrap_or(0);
    progress.step("spark", State::Download, &format!("pyspark {version} ({} MB) from {index}", size / 1_000_000));
    let resp = client.get(&url).send().await.and_then(|r| r.error_for_status()).map_err(|e| fail(format!("cannot download {url}: {e}")))?;
    let part = path.with_extension("gz.part");
    let mut file = File::create(&part).map_err(|e| Error::msg(format!("cannot write {}: {e}", part.display())))?;
    let mut h = Sha256::new();
    let mut stream = resp.bytes_stream();
    let mut got = 0u64;
    let mut shown = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| fail(format!("download of {url} broke off: {e}")))?;
        h.update(&chunk);
        file.write_all(&chunk).map_err(|e| Error::msg(e.to_string()))?;
        got += chunk.len() as u64;
        if got - shown > 50_000_000 {
            shown = got;
            progress.step("spark", State::Download, &format!("{} / {} MB", got / 1_000_000, size / 1_000_000));
        }
    }
    let sha256 = hex::encode(h.finalize());
    if sha256 != want {
        let _ = std::fs::remove_file(&part);
        return Err(fail(format!("pyspark {version} archive has SHA-256 {sha256}, PyPI says {want}")));
    }
    std::fs::rename(&part, &path).map_err(|e| Error::msg(e.to_string()))?;
    std::fs::write(&sidecar, &sha256).map_err(|e| Error::msg(e.to_string()))?;
    Ok(Archive { path, sha256 })
}

/// Where a file of the archive goes under `spark/` in the build context,
/// following the official image's /opt/spark layout.
pub fn place(path: &str) -> Option<String> {
    let rest = path.split_once('/')?.1; // drop "pyspark-X.Y.Z/"
    let mapped = if let Some(p) = rest.strip_prefix("deps/examples/") {
        format!("examples/src/main/python/{p}")
    } else if let Some(p) = rest.strip_prefix("deps/") {
        if p.ends_with(".cmd") {
            return None;
        }
        p.to_string()
    } else if let Some(p) = rest.strip_prefix("lib/") {
        format!("python/lib/{p}")
    } else if let Some(p) = rest.strip_prefix("pyspark/") {
        format!("python/pyspark/{p}")
    } else if rest == "LICENSE" || rest == "NOTICE" {
        rest.to_string()
    } else {
        return None;
    };
    Some(format!("spark/{mapped}"))
}

/// Write a build context: `extra` files (name, content, mode), files from
/// disk (name in the context, path), and, given an archive, the Spark tree
/// from it under `spark/`.
pub fn context(archive: Option<&Archive>, out: &Path, extra: &[(&str, &[u8], u32)], disk: &[(String, PathBuf)]) -> Result<()> {
    let io = |e: std::io::Error| Error::msg(format!("cannot write build context {}: {e}", out.display()));
    let mut builder = tar::Builder::new(File::create(out).map_err(io)?);
    for (name, data, mode) in extra {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(*mode);
        h.set_mtime(0);
        h.set_cksum();
        builder.append_data(&mut h, name, *data).map_err(io)?;
    }
    for (name, path) in disk {
        let mut f = File::open(path).map_err(io)?;
        let mut h = tar::Header::new_gnu();
        h.set_size(f.metadata().map_err(io)?.len());
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        builder.append_data(&mut h, name, &mut f).map_err(io)?;
    }
    let Some(archive) = archive else { return builder.finish().map_err(io) };
    let gz = flate2::read::GzDecoder::new(File::open(&archive.path).map_err(io)?);
    let mut ar = tar::Archive::new(gz);
    for entry in ar.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let path = entry.path().map_err(io)?.to_string_lossy().to_string();
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_symlink()) {
            continue;
        }
        let Some(dest) = place(&path) else { continue };
        let mut h = entry.header().clone();
        h.set_uid(0);
        h.set_gid(0);
        if kind.is_symlink() {
            let target = entry.link_name().map_err(io)?.map(|t| t.to_path_buf()).unwrap_or_default();
            builder.append_link(&mut h, &dest, target).map_err(io)?;
        } else {
            builder.append_data(&mut h, &dest, &mut entry).map_err(io)?;
        }
    }
    builder.finish().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::place;

    #[test]
    fn layout_follows_the_official_image() {
        assert_eq!(place("pyspark-4.3.0/deps/bin/spark-submit").as_deref(), Some("spark/bin/spark-submit"));
        assert_eq!(place("pyspark-4.3.0/deps/bin/spark-submit.cmd"), None);
        assert_eq!(place("pyspark-4.3.0/deps/jars/spark-core_2.13-4.3.0.jar").as_deref(), Some("spark/jars/spark-core_2.13-4.3.0.jar"));
        assert_eq!(place("pyspark-4.3.0/deps/examples/pi.py").as_deref(), Some("spark/examples/src/main/python/pi.py"));
        assert_eq!(place("pyspark-4.3.0/lib/pyspark.zip").as_deref(), Some("spark/python/lib/pyspark.zip"));
        assert_eq!(place("pyspark-4.3.0/setup.py"), None);
    }
}
