//! The offline image kit: runnable images without any container registry.
//!
//! * `base` — a Debian root filesystem made by debootstrap (Java 17, Python 3,
//!   ZooKeeper, curl, netcat), imported as an image.
//! * `zookeeper` — Debian's zookeeper package with the official image's contract.
//! * `registry` — Debian's docker-registry, a private registry for multi-node swarms.
//! * `monitoring` — Debian's Prometheus, Alertmanager and node exporter (and
//!   Python for the read-only web front), for the `monitoring` blueprint.
//! * `spark` — the Spark distribution from PyPI's `pyspark` source archive on
//!   top of `base`, laid out like the official apache/spark image
//!   (`/opt/spark`, user `spark` uid 185, pass-through entrypoint), with a
//!   class-data archive per Spark JVM (master, worker, history server,
//!   launcher, spark-submit) trained during the build: made from the image's
//!   own jars and JVM, so the input hash that rebuilds the image remakes them.
//! * `hadoop` — Hadoop's daemons from Maven Central on top of `spark` (its
//!   parent: YARN's containers run Spark from the image's own jars).
//!
//! Builds are cached: every image is labelled with a hash of its inputs
//! (Debian suite and packages, the pyspark archive's SHA-256, the
//! Dockerfile), and an image whose label matches is not built again.
//! Downloads and root filesystems are kept in the cache folder
//! (`$BDPROV_CACHE`, else `~/.cache/bdprov`).

pub mod maven;
mod pyspark;
mod rootfs;

use std::collections::HashMap;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::{Progress, State};

pub const KIT_LABEL: &str = "bdprov.kit";
pub const INPUTS_LABEL: &str = "bdprov.kit.inputs";
pub const VERSIONS_LABEL: &str = "bdprov.kit.versions";

pub const SUITE: &str = "bookworm";
pub const PYSPARK_VERSION: &str = "4.3.0";
/// Hadoop's daemons, from Maven Central (3.5 is the first line that runs on Java 17).
pub const HADOOP_VERSION: &str = "3.5.0";
/// Storm's daemons and CLI, from Maven Central.
pub const STORM_VERSION: &str = "2.8.3";
/// Debian packages of the Java base image.
pub const BASE_PACKAGES: &[&str] =
    &["openjdk-17-jre-headless", "python3", "procps", "curl", "netcat-openbsd", "ca-certificates", "zookeeper"];

/// An image built on `base`: a Dockerfile (with `{{ base }}`) and its files.
struct Child {
    name: &'static str,
    dockerfile: &'static str,
    /// (name in the context, content, mode)
    files: &'static [(&'static str, &'static str, u32)],
    /// Also lay out the Spark distribution under `spark/` in the context.
    spark: bool,
    /// Artifacts from a Maven repository, pinned by these locks (name, text).
    locks: &'static [(&'static str, &'static str)],
    /// A first stage builds on the kit's `builder` image (`{{ builder }}`).
    builder: bool,
    /// What the builder stage makes from a lock's `source-release` artifact
    /// (named in the image's versions label).
    from_source: &'static str,
    /// Built on another kit image (`{{ parent }}`: built first when asked
    /// for or missing), sharing its layers on disk and when pushed or saved
    /// with it.
    parent: Option<&'static str>,
}

const CHILDREN: &[Child] = &[
    Child {
        name: "spark",
        dockerfile: include_str!("../../templates/images/spark/Dockerfile"),
        files: &[
            ("entrypoint.sh", include_str!("../../templates/images/spark/entrypoint.sh"), 0o755),
            ("java", include_str!("../../templates/images/spark/java"), 0o755),
            ("spark-class", include_str!("../../templates/images/spark/spark-class"), 0o755),
            ("cds-train.sh", include_str!("../../templates/images/spark/cds-train.sh"), 0o755),
        ],
        spark: true,
        locks: &[],
        builder: false,
        from_source: "",
        parent: None,
    },
    Child {
        name: "zookeeper",
        dockerfile: include_str!("../../templates/images/zookeeper/Dockerfile"),
        files: &[
            ("docker-entrypoint.sh", include_str!("../../templates/images/zookeeper/docker-entrypoint.sh"), 0o755),
            ("zkServer.sh", include_str!("../../templates/images/zookeeper/zkServer.sh"), 0o755),
            ("zkCli.sh", include_str!("../../templates/images/zookeeper/zkCli.sh"), 0o755),
            ("cds-train.sh", include_str!("../../templates/images/zookeeper/cds-train.sh"), 0o755),
        ],
        spark: false,
        locks: &[ZOOKEEPER_LOCK],
        builder: false,
        from_source: "",
        parent: None,
    },
    HADOOP,
    STORM,
];

/// An image imported straight from a debootstrap root filesystem.
struct Root {
    name: &'static str,
    packages: &'static [&'static str],
    /// Dockerfile instructions applied on import.
    changes: &'static [&'static str],
}

const BASE: Root = Root {
    name: "base",
    packages: BASE_PACKAGES,
    changes: &["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "ENV LANG=C.UTF-8", "CMD [\"/bin/bash\"]"],
};

/// Debian's JDK and Maven, for a build stage that compiles from a source
/// release offline (`mvn -o` on a local repository bdprov downloaded from a
/// lock); unzip and perl (in minbase) unpack and adjust the sources.
const BUILDER: Root = Root {
    name: "builder",
    packages: &["openjdk-17-jdk-headless", "maven", "unzip"],
    changes: &["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "ENV LANG=C.UTF-8", "CMD [\"/bin/bash\"]"],
};

/// Debian's docker-registry (distribution 2.8), laid out like the official
/// `registry` image: config in /etc/docker/registry, data in /var/lib/registry.
const REGISTRY: Root = Root {
    name: "registry",
    packages: &["docker-registry", "ca-certificates"],
    changes: &[
        "ENTRYPOINT [\"/usr/bin/docker-registry\"]",
        "CMD [\"serve\", \"/etc/docker/registry/config.yml\"]",
        "EXPOSE 5000",
        "VOLUME /var/lib/registry",
    ],
};

/// Debian's Prometheus 2.42 (promtool too), Alertmanager 0.25 and node
/// exporter 1.5; each role of the `monitoring` blueprint names its own
/// command. Python runs the read-only web front.
const MONITORING: Root = Root {
    name: "monitoring",
    packages: &["prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "python3", "ca-certificates"],
    changes: &["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "ENV LANG=C.UTF-8", "CMD [\"/bin/bash\"]"],
};

/// The images the kit builds, in build order.
pub const NAMES: &[&str] = &["base", "spark", "zookeeper", "hadoop", "storm", "registry", "monitoring"];

/// The tag blueprints use for a kit image.
pub fn reference(name: &str) -> String {
    match name {
        "spark" => format!("bdprov/spark:{PYSPARK_VERSION}"),
        // Debian bookworm's zookeeper and docker-registry packages.
        "zookeeper" => "bdprov/zookeeper:3.8".to_string(),
        "hadoop" => format!("bdprov/hadoop:{HADOOP_VERSION}"),
        "storm" => format!("bdprov/storm:{STORM_VERSION}"),
        "registry" => "bdprov/registry:2.8".to_string(),
        "monitoring" => "bdprov/monitoring:2.42".to_string(),
        other => format!("bdprov/{other}:{SUITE}"),
    }
}

pub fn cache_dir() -> PathBuf {
    if let Ok(d) = std::env::var("BDPROV_CACHE") {
        return PathBuf::from(d);
    }
    let base = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::var("HOME").map(|h| PathBuf::from(h).join(".cache")).unwrap_or_else(|_| PathBuf::from("/var/cache")));
    base.join("bdprov")
}

fn hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

/// Import `root` unless an image with the same inputs exists: its reference,
/// the hash of its inputs, and whether it was built.
async fn root_image(
    engine: &Engine,
    cache: &std::path::Path,
    root: &Root,
    reference: &str,
    force: bool,
    progress: &dyn Progress,
) -> Result<(String, &'static str)> {
    // The mirror changes where packages come from, not what they are: not an input.
    let key = hash(&[SUITE, &root.packages.join(","), &root.changes.join("\n"), rootfs::TRIM]);
    let reference = reference.replace("{key}", &key);
    let state = ensure(engine, root.name, &reference, &key, force, progress, || async {
        let (tarball, versions) = rootfs::make(cache, root.name, &key, root.packages, progress).await?;
        progress.step(root.name, State::Importing, &reference);
        let mut changes: Vec<String> = root.changes.iter().map(|c| c.to_string()).collect();
        changes.push(format!("LABEL {KIT_LABEL}={} {INPUTS_LABEL}={key} {VERSIONS_LABEL}=\"{versions}\"", root.name));
        engine.import_rootfs(&tarball, &reference, changes).await
    })
    .await?;
    Ok((key, state))
}

/// Build the named images (all when empty), and what they need. Returns
/// (reference, "built" | "cached") per image.
pub async fn build(engine: &Engine, names: &[String], force: bool, progress: &dyn Progress) -> Result<Vec<(String, &'static str)>> {
    for n in names {
        if !NAMES.contains(&n.as_str()) {
            return Err(Error::help(format!("no offline image `{n}`"), format!("the kit builds: {}", NAMES.join(", "))));
        }
    }
    let asked = |n: &str| names.is_empty() || names.iter().any(|w| w == n);
    // An image's parent comes with it: as it is when it exists (see below).
    let parent_of_asked = |n: &str| CHILDREN.iter().any(|c| asked(c.name) && c.parent == Some(n));
    let wanted: Vec<&str> = NAMES.iter().copied().filter(|n| asked(n) || parent_of_asked(n)).collect();
    let cache = cache_dir();
    std::fs::create_dir_all(&cache).map_err(|e| Error::msg(format!("cannot create cache folder {}: {e}", cache.display())))?;
    let mut out = Vec::new();
    // Everything but the registry is built on `base`.
    let children: Vec<&Child> = CHILDREN.iter().filter(|c| wanted.contains(&c.name)).collect();
    // The Java agents `up` mounts as configs into Storm's and Spark's
    // daemons: into the cache first, so `up` needs no network afterwards
    // and a failed download stops the build before any image is made.
    if children.iter().any(|c| asked(c.name) && (c.name == "storm" || c.name == "spark")) {
        let agents = maven::parse_lock(crate::lock::AGENTS.0, crate::lock::AGENTS.1)?;
        maven::fetch(&cache, "agents", &agents, progress)
            .await
            .map_err(|e| e.context("the Java agents Storm's and Spark's daemons mount; no image was built"))?;
    }
    let base_ref_pattern = format!("bdprov/base:{SUITE}-{{key}}");
    let (base_key, base_state) = if wanted.contains(&"base") || !children.is_empty() {
        root_image(engine, &cache, &BASE, &base_ref_pattern, force && wanted.contains(&"base"), progress).await?
    } else {
        (String::new(), "skipped")
    };
    let base_ref = base_ref_pattern.replace("{key}", &base_key);
    if wanted.contains(&"base") {
        out.push((base_ref.clone(), base_state));
    }
    let base_versions = engine.image_labels(&base_ref).await?.and_then(|l| l.get(VERSIONS_LABEL).cloned()).unwrap_or_default();
    // The builder (a JDK and Maven) only where a child compiles something.
    let builder_ref = if children.iter().any(|c| c.builder) {
        let pattern = format!("bdprov/builder:{SUITE}-{{key}}");
        let (key, _) = root_image(engine, &cache, &BUILDER, &pattern, false, progress).await?;
        pattern.replace("{key}", &key)
    } else {
        String::new()
    };
    // Each child's input hash, for the children built on it.
    let mut keys: HashMap<&str, String> = HashMap::new();
    for child in &children {
        // A parent not asked for is used as it is, if it exists (its key is
        // the one it was built with): no download to recompute its key.
        if !asked(child.name) {
            let reference = reference(child.name);
            if let Some(key) = engine.image_labels(&reference).await?.and_then(|l| l.get(INPUTS_LABEL).cloned()) {
                keys.insert(child.name, key);
                progress.step(child.name, State::Cached, &reference);
                continue;
            }
        }
        let archive = if child.spark { Some(pyspark::fetch(&cache, PYSPARK_VERSION, progress).await?) } else { None };
        let parent = child.parent.map_or(String::new(), reference);
        let dockerfile =
            child.dockerfile.replace("{{ base }}", &base_ref).replace("{{ builder }}", &builder_ref).replace("{{ parent }}", &parent);
        let parent_key = child.parent.and_then(|p| keys.get(p)).cloned();
        let mut inputs = vec![base_key.as_str()];
        inputs.extend(parent_key.as_deref());
        inputs.push(dockerfile.as_str());
        inputs.extend(child.files.iter().map(|(_, content, _)| *content));
        if let Some(a) = &archive {
            inputs.push(&a.sha256);
        }
        // A lock pins every artifact's SHA-256: it stands for their content.
        inputs.extend(child.locks.iter().map(|(_, text)| *text));
        let key = hash(&inputs);
        keys.insert(child.name, key.clone());
        let reference = reference(child.name);
        let state = ensure(engine, child.name, &reference, &key, force && asked(child.name), progress, || async {
            let mut artifacts = Vec::new();
            let mut sources = Vec::new();
            for (lock_name, text) in child.locks {
                let lock = maven::parse_lock(lock_name, text)?;
                sources.extend(lock.iter().filter(|a| a.classifier.as_deref() == Some("source-release")).cloned());
                artifacts.extend(maven::fetch(&cache, child.name, &lock, progress).await?);
            }
            let versions = match &archive {
                Some(a) => format!("spark {PYSPARK_VERSION} (pyspark sdist sha256 {}…); {base_versions}", &a.sha256[..12]),
                None if !artifacts.is_empty() => {
                    let version = reference.rsplit_once(':').map_or("", |(_, tag)| tag);
                    // What was compiled here, and from which pinned source release.
                    let built: String = sources
                        .iter()
                        .map(|a| {
                            format!("; {} built from Apache's source release {} (sha256 {})", child.from_source, a.coordinate(), a.sha256)
                        })
                        .collect();
                    format!(
                        "{} {version} ({} artifacts from Maven, lock {}{built}); {base_versions}",
                        child.name,
                        artifacts.len(),
                        hash(&[child.locks.first().map_or("", |l| l.1)])
                    )
                }
                None => base_versions.clone(),
            };
            let dockerfile =
                format!("{dockerfile}\nLABEL {KIT_LABEL}={} {INPUTS_LABEL}={key} {VERSIONS_LABEL}=\"{versions}\"\n", child.name);
            let mut files: Vec<(&str, &[u8], u32)> = vec![("Dockerfile", dockerfile.as_bytes(), 0o644)];
            files.extend(child.files.iter().map(|(n, c, m)| (*n, c.as_bytes(), *m)));
            let context = cache.join(format!("{}-context-{key}.tar", child.name));
            progress.step(child.name, State::Preparing, "build context");
            pyspark::context(archive.as_ref(), &context, &files, &artifacts)?;
            progress.step(child.name, State::Building, &reference);
            let result = engine.build_image(&context, &reference, &|line| progress.step(child.name, State::Building, line)).await;
            let _ = std::fs::remove_file(&context);
            result
        })
        .await?;
        out.push((reference, state));
    }
    for root in [&REGISTRY, &MONITORING] {
        if wanted.contains(&root.name) {
            let reference = reference(root.name);
            let (_, state) = root_image(engine, &cache, root, &reference, force, progress).await?;
            out.push((reference, state));
        }
    }
    Ok(out)
}

/// Build `reference` with `make` unless an image with the same inputs exists.
async fn ensure<F, Fut>(
    engine: &Engine,
    name: &str,
    reference: &str,
    key: &str,
    force: bool,
    progress: &dyn Progress,
    make: F,
) -> Result<&'static str>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let existing = engine.image_labels(reference).await?;
    if !force && existing.as_ref().and_then(|l| l.get(INPUTS_LABEL)).map(String::as_str) == Some(key) {
        progress.step(name, State::Cached, reference);
        return Ok("cached");
    }
    make().await?;
    // The build it replaced, if any, is now untagged: remove it.
    let _ = engine.remove_replaced(KIT_LABEL).await;
    progress.step(name, State::Done, reference);
    Ok("built")
}

/// The kit's images on this engine, with the versions they contain.
pub async fn list(engine: &Engine) -> Result<Vec<ImageRow>> {
    let mut rows = Vec::new();
    for img in engine.kit_images(KIT_LABEL).await?.into_iter().filter(|i| !i.tags.is_empty() && i.tags.iter().all(|t| t != "<none>:<none>"))
    {
        let l: &HashMap<String, String> = &img.labels;
        rows.push(ImageRow {
            image: img.tags.first().cloned().unwrap_or_else(|| img.id.clone()),
            kit: l.get(KIT_LABEL).cloned().unwrap_or_default(),
            size: format!("{} MB", img.size / 1_000_000),
            inputs: l.get(INPUTS_LABEL).cloned().unwrap_or_default(),
            versions: l.get(VERSIONS_LABEL).cloned().unwrap_or_default(),
        });
    }
    rows.sort_by(|a, b| a.image.cmp(&b.image));
    Ok(rows)
}

/// An image of the offline kit, as `bdprov images list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRow {
    /// Its first tag (else its id).
    pub image: String,
    /// Its name in the kit (the `bdprov.kit` label).
    pub kit: String,
    /// Its size, in MB.
    pub size: String,
    /// The hash of what it was built from.
    pub inputs: String,
    /// The versions of what it holds.
    pub versions: String,
}

/// Push the kit's images (all built ones when `names` is empty, never the
/// internal `base`) to `registry`. Returns (image, pushed as).
pub async fn push(engine: &Engine, names: &[String], registry: &str, progress: &dyn Progress) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for name in NAMES.iter().filter(|n| **n != "base") {
        if !names.is_empty() && !names.iter().any(|w| w == name) {
            continue;
        }
        let image = reference(name);
        if engine.image_labels(&image).await?.is_none() {
            if names.is_empty() {
                continue;
            }
            return Err(Error::help(format!("{image} is not built"), format!("run `bdprov images build {name}` first")));
        }
        let target = format!("{registry}/{image}");
        progress.step(name, State::Pushing, &target);
        engine.push(&image, &target, &|line| progress.step(name, State::Pushing, line)).await?;
        progress.step(name, State::Done, &target);
        out.push((image, target));
    }
    if out.is_empty() {
        return Err(Error::help("no offline image to push", "run `bdprov images build` first"));
    }
    Ok(out)
}

/// The committed Maven locks (name, text), for checks.
pub const LOCKS: &[(&str, &str)] = &[HADOOP_LOCK, ZOOKEEPER_LOCK, STORM_LOCK, STORM_WEBAPP_LOCK, STORM_EXAMPLES_LOCK, crate::lock::AGENTS];

/// What Debian's zookeeper package lacks: its Prometheus metrics provider.
const ZOOKEEPER_LOCK: (&str, &str) = ("templates/images/zookeeper/maven.lock", include_str!("../../templates/images/zookeeper/maven.lock"));

const HADOOP_LOCK: (&str, &str) = ("templates/images/hadoop/maven.lock", include_str!("../../templates/images/hadoop/maven.lock"));
const STORM_LOCK: (&str, &str) = ("templates/images/storm/maven.lock", include_str!("../../templates/images/storm/maven.lock"));
/// Storm's source release and the local Maven repository that builds its
/// web applications offline (scripts/storm-webapp-lock.sh).
const STORM_WEBAPP_LOCK: (&str, &str) = ("templates/images/storm/webapp.lock", include_str!("../../templates/images/storm/webapp.lock"));
/// Topology jars for tests and examples: not part of the image.
pub const STORM_EXAMPLES_LOCK: (&str, &str) =
    ("templates/images/storm/examples.lock", include_str!("../../templates/images/storm/examples.lock"));

/// Hadoop's daemons laid out like the binary distribution, with the
/// official apache/hadoop image's contract (see its Dockerfile).
const HADOOP: Child = Child {
    name: "hadoop",
    dockerfile: include_str!("../../templates/images/hadoop/Dockerfile"),
    files: &[
        ("bin-hadoop", include_str!("../../templates/images/hadoop/bin-hadoop"), 0o755),
        ("bin-hdfs", include_str!("../../templates/images/hadoop/bin-hdfs"), 0o755),
        ("bin-yarn", include_str!("../../templates/images/hadoop/bin-yarn"), 0o755),
        ("hadoop-launcher.sh", include_str!("../../templates/images/hadoop/hadoop-launcher.sh"), 0o755),
        ("starter.sh", include_str!("../../templates/images/hadoop/starter.sh"), 0o755),
        ("cds-train.sh", include_str!("../../templates/images/hadoop/cds-train.sh"), 0o755),
        ("log4j.properties", include_str!("../../templates/images/hadoop/log4j.properties"), 0o644),
        ("capacity-scheduler.xml", include_str!("../../templates/images/hadoop/capacity-scheduler.xml"), 0o644),
    ],
    spark: false,
    locks: &[HADOOP_LOCK],
    builder: false,
    from_source: "",
    parent: Some("spark"),
};

/// Storm laid out like the official `storm` image: daemons and CLI from
/// Maven Central jars; the UI, logviewer and DRPC server (storm-webapp, not
/// published to Maven Central) and Apache's launcher from Storm's source
/// release, built offline in a first stage.
const STORM: Child = Child {
    name: "storm",
    dockerfile: include_str!("../../templates/images/storm/Dockerfile"),
    files: &[
        ("build-webapp.sh", include_str!("../../templates/images/storm/build-webapp.sh"), 0o755),
        ("docker-entrypoint.sh", include_str!("../../templates/images/storm/docker-entrypoint.sh"), 0o755),
        ("log4j2-cluster.xml", include_str!("../../templates/images/storm/log4j2-cluster.xml"), 0o644),
        ("log4j2-worker.xml", include_str!("../../templates/images/storm/log4j2-worker.xml"), 0o644),
        ("wordcount.yaml", include_str!("../../templates/images/storm/wordcount.yaml"), 0o644),
        ("java", include_str!("../../templates/images/storm/java"), 0o755),
        ("cds-train.sh", include_str!("../../templates/images/storm/cds-train.sh"), 0o755),
        ("CdsTrain.java", include_str!("../../templates/images/storm/CdsTrain.java"), 0o644),
    ],
    spark: false,
    locks: &[STORM_LOCK, STORM_WEBAPP_LOCK],
    builder: true,
    from_source: "UI, logviewer and DRPC server",
    parent: None,
};
