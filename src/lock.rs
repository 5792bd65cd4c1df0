//! Maven artifacts pinned by a lock file: the lock's format, and the Java
//! agents bdprov gives containers as swarm configs.
//!
//! A lock (`templates/images/NAME/maven.lock`, made by
//! `scripts/maven-lock.sh NAME`) lists pinned files, one per line,
//! tab-separated: destination, `group:artifact:version:extension[:classifier]`,
//! SHA-256 and size. Pure: the downloads are in `images::maven`.

use crate::error::{Error, Result};

/// The Java agents a blueprint can mount as a config (`configs.<name>.artifact`),
/// on either image set: each is a jar below a swarm config's 1000 KB.
pub const AGENTS: (&str, &str) = ("templates/images/agent/agent.lock", include_str!("../templates/images/agent/agent.lock"));

/// One pinned file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// Where it goes in the build context.
    pub dest: String,
    pub group: String,
    pub name: String,
    pub version: String,
    pub ext: String,
    pub classifier: Option<String>,
    pub sha256: String,
    pub size: u64,
}

impl Artifact {
    /// `group:artifact:version[:classifier]`, as people write it.
    pub fn coordinate(&self) -> String {
        match &self.classifier {
            Some(c) => format!("{}:{}:{}:{c}", self.group, self.name, self.version),
            None => format!("{}:{}:{}", self.group, self.name, self.version),
        }
    }

    /// The file's path in a Maven repository (and in the cache).
    pub fn repo_path(&self) -> String {
        let classifier = self.classifier.as_ref().map(|c| format!("-{c}")).unwrap_or_default();
        format!("{}/{}/{}/{}-{}{classifier}.{}", self.group.replace('.', "/"), self.name, self.version, self.name, self.version, self.ext)
    }
}

/// The lock's artifacts, or an error naming the lock's line.
pub fn parse_lock(name: &str, text: &str) -> Result<Vec<Artifact>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| Error::help(format!("{name}:{}: {why}", i + 1), "regenerate the lock with `scripts/maven-lock.sh IMAGE`");
        let cols: Vec<&str> = line.split('\t').collect();
        let [dest, coordinate, sha256, size] = cols[..] else {
            return Err(bad("want 4 tab-separated columns: destination, coordinate, sha256, size"));
        };
        let parts: Vec<&str> = coordinate.split(':').collect();
        let (group, artifact, version, ext, classifier) = match parts[..] {
            [g, a, v, e] => (g, a, v, e, None),
            [g, a, v, e, c] => (g, a, v, e, Some(c.to_string())),
            _ => return Err(bad("the coordinate is group:artifact:version:extension[:classifier]")),
        };
        if [group, artifact, version, ext].iter().any(|p| p.is_empty() || p.contains('/'))
            || dest.starts_with('/')
            || dest.split('/').any(|p| p == "..")
        {
            return Err(bad("empty or unsafe name"));
        }
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("the SHA-256 is not 64 hex digits"));
        }
        let size = size.parse().map_err(|_| bad("the size is not a number"))?;
        out.push(Artifact {
            dest: dest.to_string(),
            group: group.to_string(),
            name: artifact.to_string(),
            version: version.to_string(),
            ext: ext.to_string(),
            classifier,
            sha256: sha256.to_ascii_lowercase(),
            size,
        });
    }
    Ok(out)
}

/// The agent a blueprint names by its folder in [`AGENTS`] (`jmx-agent`).
pub fn agent(name: &str) -> Option<Artifact> {
    agents().into_iter().find(|a| a.dest.split_once('/').is_some_and(|(folder, _)| folder == name))
}

/// The names [`agent`] knows.
pub fn agent_names() -> Vec<String> {
    agents().into_iter().filter_map(|a| a.dest.split_once('/').map(|(folder, _)| folder.to_string())).collect()
}

fn agents() -> Vec<Artifact> {
    // The committed lock parses (a unit test says so).
    parse_lock(AGENTS.0, AGENTS.1).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn lock_lines_and_repository_paths() {
        let text = format!("# made by scripts/maven-lock.sh\n\nhadoop/share/hadoop/hdfs/hadoop-hdfs-3.5.0-tests.jar\torg.apache.hadoop:hadoop-hdfs:3.5.0:jar:tests\t{SHA}\t42\n");
        let lock = parse_lock("maven.lock", &text).unwrap();
        assert_eq!(lock.len(), 1);
        assert_eq!(lock[0].repo_path(), "org/apache/hadoop/hadoop-hdfs/3.5.0/hadoop-hdfs-3.5.0-tests.jar");
        assert_eq!(lock[0].coordinate(), "org.apache.hadoop:hadoop-hdfs:3.5.0:tests");
        assert_eq!(lock[0].size, 42);
    }

    #[test]
    fn bad_lock_lines_name_their_line() {
        for (text, want) in [
            (format!("a\tg:a:1:jar\t{SHA}\t1\n\nb\tg:a\t{SHA}\t1"), "maven.lock:3: the coordinate"),
            ("a\tg:a:1:jar\tnothex\t1".to_string(), "maven.lock:1: the SHA-256"),
            (format!("../etc/passwd\tg:a:1:jar\t{SHA}\t1"), "maven.lock:1: empty or unsafe"),
            (format!("a\tg:a:1:jar\t{SHA}"), "maven.lock:1: want 4"),
        ] {
            let err = parse_lock("maven.lock", &text).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn agents_are_named_by_their_folder_and_fit_in_a_config() {
        assert_eq!(agent_names(), ["jmx-agent"]);
        let a = agent("jmx-agent").unwrap();
        assert_eq!(a.coordinate(), "io.prometheus.jmx:jmx_prometheus_javaagent:0.20.0");
        // A swarm config holds at most 1000 KB (swarmkit's MaxConfigSize).
        assert!(a.size < 1000 * 1024, "{} is {} bytes", a.coordinate(), a.size);
        assert!(agent("jmx").is_none() && agent("jmx-agent/jmx_prometheus_javaagent-0.20.0.jar").is_none());
    }
}
