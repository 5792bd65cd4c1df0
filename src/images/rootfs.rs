//! Debian root filesystems with debootstrap (an external tool, run as root).

use std::path::{Path, PathBuf};

use tokio::process::Command;

use crate::error::{Error, Result};
use crate::output::{Progress, State};

/// Folders emptied after debootstrap: documentation, locales, apt caches.
pub const TRIM: &str = "usr/share/doc usr/share/man usr/share/info usr/share/locale var/cache/apt var/lib/apt/lists";

pub fn mirror() -> String {
    std::env::var("BDPROV_DEBIAN_MIRROR").unwrap_or_else(|_| "http://deb.debian.org/debian".into())
}

/// A root filesystem tarball with `packages`, cached under `key`, and a line
/// naming the versions of the main packages in it.
pub async fn make(cache: &Path, name: &str, key: &str, packages: &[&str], progress: &dyn Progress) -> Result<(PathBuf, String)> {
    let tarball = cache.join(format!("rootfs-{key}.tar"));
    let versions_file = cache.join(format!("rootfs-{key}.versions"));
    if tarball.exists() {
        if let Ok(v) = std::fs::read_to_string(&versions_file) {
            progress.step(name, State::Cached, &format!("root filesystem {}", tarball.display()));
            return Ok((tarball, v.trim().to_string()));
        }
    }
    let dir = cache.join(format!("rootfs-{key}.tmp"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::msg(format!("cannot clear {}: {e}", dir.display())))?;
    }
    let log = cache.join(format!("debootstrap-{key}.log"));
    progress.step(
        name,
        State::Debootstrap,
        &format!("Debian {} with {} (about a minute; log {})", super::SUITE, packages.join(", "), log.display()),
    );
    let out = std::fs::File::create(&log).map_err(|e| Error::msg(format!("cannot write {}: {e}", log.display())))?;
    let status = Command::new("debootstrap")
        .args(["--variant=minbase", &format!("--include={}", packages.join(",")), super::SUITE])
        .arg(&dir)
        .arg(mirror())
        .stdout(out.try_clone().map_err(|e| Error::msg(e.to_string()))?)
        .stderr(out)
        .status()
        .await
        .map_err(|e| {
            Error::help(
                format!("cannot run debootstrap: {e}"),
                "install it (apt-get install debootstrap) and run `bdprov images build` as root",
            )
        })?;
    if !status.success() {
        let tail: Vec<String> = std::fs::read_to_string(&log).unwrap_or_default().lines().rev().take(8).map(str::to_string).collect();
        return Err(Error::help(
            format!(
                "debootstrap failed ({status}); last lines of {}:\n    {}",
                log.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n    ")
            ),
            "it needs root and a reachable Debian mirror (set BDPROV_DEBIAN_MIRROR to use another)",
        ));
    }
    for t in TRIM.split(' ') {
        let p = dir.join(t);
        if let Ok(entries) = std::fs::read_dir(&p) {
            for e in entries.flatten() {
                let path = e.path();
                let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            }
        }
    }
    let status_file = std::fs::read_to_string(dir.join("var/lib/dpkg/status")).unwrap_or_default();
    let versions = package_versions(&status_file, &["openjdk-17-jre-headless", "python3", "zookeeper", "docker-registry"]);
    progress.step(name, State::Packing, &tarball.display().to_string());
    let part = tarball.with_extension("tar.part");
    let st = Command::new("tar")
        .args(["--numeric-owner", "-C"])
        .arg(&dir)
        .args(["-cf"])
        .arg(&part)
        .arg(".")
        .status()
        .await
        .map_err(|e| Error::msg(format!("cannot run tar: {e}")))?;
    if !st.success() {
        return Err(Error::msg(format!("tar of {} failed ({st})", dir.display())));
    }
    std::fs::rename(&part, &tarball).map_err(|e| Error::msg(e.to_string()))?;
    std::fs::write(&versions_file, &versions).map_err(|e| Error::msg(e.to_string()))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok((tarball, versions))
}

/// "java 17.0.19; python3 3.11.2; zookeeper 3.8.0" from a dpkg status file: the
/// `wanted` packages' upstream versions (OpenJDK named `java`), sorted, `; `-separated.
pub fn package_versions(status: &str, wanted: &[&str]) -> String {
    let mut found = Vec::new();
    for para in status.split("\n\n") {
        let field = |k: &str| para.lines().find_map(|l| l.strip_prefix(k)).map(str::trim);
        if let (Some(pkg), Some(ver)) = (field("Package:"), field("Version:")) {
            if wanted.contains(&pkg) {
                let upstream = ver.split_once(':').map_or(ver, |(_, v)| v);
                let upstream = upstream.split(['-', '+', '~']).next().unwrap_or(upstream);
                let name = if pkg.starts_with("openjdk") { "java" } else { pkg };
                found.push(format!("{name} {upstream}"));
            }
        }
    }
    found.sort();
    found.join("; ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_from_dpkg_status() {
        let status = "Package: zookeeper\nStatus: install ok installed\nVersion: 3.8.0-11+deb12u2\n\nPackage: openjdk-17-jre-headless\nVersion: 17.0.19+10-1~deb12u2\n\nPackage: bash\nVersion: 5.2\n";
        assert_eq!(super::package_versions(status, &["zookeeper", "openjdk-17-jre-headless"]), "java 17.0.19; zookeeper 3.8.0");
    }
}
