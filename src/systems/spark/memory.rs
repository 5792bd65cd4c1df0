//! Spark's memory rules, known before anything runs. Spark refuses an
//! executor or driver below 1.5 × its 300 MiB reserved memory; a standalone
//! worker never starts an executor that asks for more than the worker
//! offers (the application waits for ever); YARN refuses a container above
//! `yarn.scheduler.maximum-allocation-mb` and never places one larger than a
//! NodeManager's `yarn.nodemanager.resource.memory-mb`. `render` and `up`
//! check the settings the blueprint renders (pointing at the value that set
//! them); `submit` checks its own `--executor-memory`/`--driver-memory`.
//! Pure: the rendered files and the plan are passed in.

use crate::blueprint::{Blueprint, SparkJobs};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::render::Renderer;

pub use crate::plan::SparkLimits;
use crate::plan::{DeployMode, Plan, SparkJobDef};

pub const MIB: u64 = 1 << 20;
/// 1.5 × Spark's reserved memory (300 MiB): `INVALID_EXECUTOR_MEMORY` below it.
pub const MIN_MEMORY: u64 = 450 * MIB;
/// YARN's memory overhead floor: `max(384m, 10 %)` unless set.
pub const MIN_OVERHEAD: u64 = 384 * MIB;

/// Spark's memory strings: a number with k, m, g or t (and an optional b);
/// a bare number is MiB.
pub fn parse_memory(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.strip_suffix('b').filter(|r| r.ends_with(|c: char| c.is_ascii_alphabetic())).unwrap_or(&s);
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "m"),
    };
    let shift = match unit {
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return None,
    };
    num.parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// `450m`, `1g`, or bytes rounded up to MiB.
pub fn show(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{}g", bytes >> 30)
    } else {
        format!("{}m", bytes.div_ceil(MIB))
    }
}

/// The container YARN allocates for a heap of `memory`: plus the overhead
/// (`max(384m, 10 %)` unless set), rounded up to the minimum allocation.
pub fn container_size(memory: u64, overhead: Option<u64>, min_allocation: Option<u64>) -> u64 {
    let total = memory + overhead.unwrap_or_else(|| default_overhead(memory));
    match min_allocation {
        Some(m) if m > 0 => total.div_ceil(m) * m,
        _ => total,
    }
}

/// Spark's memory overhead when none is set: `max(384m, 10 %)`.
pub fn default_overhead(memory: u64) -> u64 {
    MIN_OVERHEAD.max(memory / 10)
}

/// Which process a memory setting sizes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Jvm {
    Executor,
    /// With `in_container`, the driver runs in YARN's application master.
    Driver {
        in_container: bool,
    },
}

/// What is wrong with giving `jvm` `memory` bytes under `limits`, as
/// (problem, what to do).
pub fn check(jvm: Jvm, memory: u64, overhead: Option<u64>, limits: &SparkLimits) -> Option<(String, String)> {
    let name = match jvm {
        Jvm::Executor => "executor",
        Jvm::Driver { .. } => "driver",
    };
    if memory < MIN_MEMORY {
        return Some((
            format!("{} is below Spark's minimum {name} memory of {} (1.5 × its 300 MiB reserved memory)", show(memory), show(MIN_MEMORY)),
            format!("give the {name} at least {}", show(MIN_MEMORY)),
        ));
    }
    if let (Jvm::Executor, Some(worker)) = (jvm, limits.worker_memory) {
        if memory > worker {
            return Some((
                format!(
                    "{} is more than a worker offers ({}): the application would wait for an executor for ever",
                    show(memory),
                    show(worker)
                ),
                format!("ask for at most {}, or give the workers more memory", show(worker)),
            ));
        }
    }
    let in_yarn = matches!(jvm, Jvm::Executor | Jvm::Driver { in_container: true });
    if let (true, Some((most, setting))) = (in_yarn, &limits.container) {
        let size = container_size(memory, overhead, limits.min_allocation);
        if size > *most {
            let extra = match overhead {
                Some(o) => show(o),
                None => format!("{}, max(384m, 10 %)", show(default_overhead(memory))),
            };
            return Some((
                format!(
                    "{} makes a YARN container of {} with its overhead ({extra}), more than {setting} allows ({})",
                    show(memory),
                    show(size),
                    show(*most)
                ),
                format!("lower the {name} memory, or raise {setting}"),
            ));
        }
    }
    None
}

/// `key value` lines of a rendered `spark-defaults.conf`.
pub fn conf_lines(data: &str) -> impl Iterator<Item = (&str, &str)> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(k, v)| (k, v.trim()))
}

/// `<name>…</name><value>…</value>` properties of a rendered Hadoop site file.
pub fn site_properties(xml: &str) -> Vec<(String, String)> {
    let between = |s: &str, open: &str, close: &str| -> Option<String> {
        let from = s.find(open)? + open.len();
        let to = s[from..].find(close)? + from;
        Some(s[from..to].trim().to_string())
    };
    xml.split("<property>").skip(1).filter_map(|p| Some((between(p, "<name>", "</name>")?, between(p, "<value>", "</value>")?))).collect()
}

/// A standalone worker's `--memory`, from the plan's services.
pub fn worker_memory(plan: &Plan) -> Option<u64> {
    plan.services
        .iter()
        .filter_map(|s| s.command.as_ref())
        .filter(|c| c.iter().any(|a| a == "org.apache.spark.deploy.worker.Worker"))
        .find_map(|c| {
            let at = c.iter().position(|a| a == "--memory" || a == "-m")?;
            parse_memory(c.get(at + 1)?)
        })
}

/// Where a setting came from: the blueprint value its text names
/// (`{{ values.executor_memory }}`, or a Hadoop property of a values map), else `fallback`.
fn origin(bp: &Blueprint, text: &str, key: Option<&str>, fallback: Span) -> Span {
    let named = text.split("values.").nth(1).map(|rest| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(""));
    // A top-level value by that name, else the one whose key it is at any depth.
    let find = |n: &str| {
        let top = bp.value_spans.iter().find(|(path, _)| path.len() == 1 && path[0] == n);
        top.or_else(|| bp.value_spans.iter().find(|(path, _)| path.last().map(String::as_str) == Some(n))).map(|(_, s)| s.clone())
    };
    named.filter(|n| !n.is_empty()).into_iter().chain(key).find_map(find).unwrap_or(fallback)
}

/// A setting of a job and the span to blame for it.
struct Setting {
    value: String,
    span: Span,
}

/// The job's effective Spark settings: its `spark-defaults.conf`, then its `conf`.
fn settings(bp: &Blueprint, renderer: &Renderer, plan: &Plan, sj: &SparkJobs, job: &SparkJobDef, key: &str) -> Option<Setting> {
    if let Some((_, t)) = sj.conf.iter().find(|(k, _)| k == key) {
        let value = job.conf.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())?;
        return Some(Setting { value, span: origin(bp, &t.text, None, t.span.clone()) });
    }
    let file = sj.workload.configs.iter().find(|c| c.target.ends_with("/spark-defaults.conf"))?;
    let mount = job.template.configs.iter().find(|m| m.target == file.target)?;
    let data = &plan.config(&mount.config)?.data;
    let value = conf_lines(data).find(|(k, _)| *k == key)?.1.to_string();
    // The template's line for it, and the value that line names.
    let template = match &file.source {
        crate::blueprint::ConfigSource::Template(t) => Some(t.as_str()),
        crate::blueprint::ConfigSource::Artifact(_) => None,
    };
    let span = template
        .and_then(|t| renderer.source(t))
        .and_then(|src| {
            let (n, line) = src.text.lines().enumerate().find(|(_, l)| l.split_whitespace().next() == Some(key))?;
            // The value after the key (characters, for the caret line).
            let rest = line.trim_start()[key.len()..].trim_start();
            let col = line[..line.len() - rest.len()].chars().count() + 1;
            let at = Span::new(src, n + 1, col, rest.trim_end().chars().count());
            Some(origin(bp, line, None, at))
        })
        .unwrap_or_else(|| file.span.clone());
    Some(Setting { value, span })
}

/// YARN's sizes for a job that mounts a `yarn-site.xml`, from the rendered
/// file: the largest container (and the setting that bounds it) and the
/// minimum allocation. A minimum above the maximum is reported here.
fn yarn_limits(
    bp: &Blueprint,
    plan: &Plan,
    sj: &SparkJobs,
    job: &SparkJobDef,
    errs: &mut Diagnostics,
) -> (Option<(u64, String)>, Option<u64>) {
    let Some((file, props)) = sj.workload.configs.iter().find(|c| c.target.ends_with("/yarn-site.xml")).and_then(|file| {
        let mount = job.template.configs.iter().find(|m| m.target == file.target)?;
        Some((file, site_properties(&plan.config(&mount.config)?.data)))
    }) else {
        return (None, None);
    };
    let mb = |key: &str| -> Option<(u64, Span)> {
        let v = props.iter().find(|(k, _)| k == key)?.1.parse::<u64>().ok()?;
        Some((v * MIB, origin(bp, "", Some(key), file.span.clone())))
    };
    let (min, max, node) =
        (mb("yarn.scheduler.minimum-allocation-mb"), mb("yarn.scheduler.maximum-allocation-mb"), mb("yarn.nodemanager.resource.memory-mb"));
    let mut min_allocation = min.as_ref().map(|(m, _)| *m);
    if let (Some((lo, span)), Some((hi, _))) = (&min, &max) {
        if lo > hi {
            // Reported once, not again for every container it would round up.
            min_allocation = None;
            errs.push(
                Diagnostic::at(
                    span,
                    format!(
                        "yarn.scheduler.minimum-allocation-mb: {} is above yarn.scheduler.maximum-allocation-mb ({})",
                        show(*lo),
                        show(*hi)
                    ),
                )
                .help("the ResourceManager refuses to start: make the minimum allocation at most the maximum"),
            );
        }
    }
    let node_memory = "a NodeManager's yarn.nodemanager.resource.memory-mb".to_string();
    let container = match (max, node) {
        (Some((m, _)), Some((n, _))) if n < m => Some((n, node_memory)),
        (Some((m, _)), _) => Some((m, "yarn.scheduler.maximum-allocation-mb".to_string())),
        (None, Some((n, _))) => Some((n, node_memory)),
        (None, None) => None,
    };
    (container, min_allocation)
}

/// Record each Spark job's limits in `plan`, and report memory settings
/// Spark or YARN would refuse.
pub fn check_plan(bp: &Blueprint, renderer: &Renderer, plan: &mut Plan, errs: &mut Diagnostics) {
    let worker = worker_memory(plan);
    let mut found = Vec::new();
    for (kind, sj, job) in [("spark", &bp.jobs.spark, &plan.jobs.spark), ("yarn", &bp.jobs.yarn, &plan.jobs.yarn)] {
        let (Some(sj), Some(job)) = (sj, job) else { continue };
        let (container, min_allocation) = yarn_limits(bp, plan, sj, job, errs);
        let limits = SparkLimits { worker_memory: worker.filter(|_| job.master.starts_with("spark://")), container, min_allocation };
        let in_container = job.deploy_mode == Some(DeployMode::Cluster) && job.master == "yarn";
        for (key, overhead_key, jvm) in [
            ("spark.executor.memory", "spark.executor.memoryOverhead", Jvm::Executor),
            ("spark.driver.memory", "spark.driver.memoryOverhead", Jvm::Driver { in_container }),
        ] {
            let Some(s) = settings(bp, renderer, plan, sj, job, key) else { continue };
            let overhead = settings(bp, renderer, plan, sj, job, overhead_key).and_then(|o| parse_memory(&o.value));
            let problem = match parse_memory(&s.value) {
                None => Some((format!("`{}` is not a memory size", s.value), "write a size such as 512m or 1g".to_string())),
                Some(bytes) => check(jvm, bytes, overhead, &limits),
            };
            if let Some((problem, help)) = problem {
                errs.push(Diagnostic::at(&s.span, format!("jobs.{kind}: {key}: {problem}")).help(help));
            }
        }
        found.push((kind, limits));
    }
    for (kind, limits) in found {
        let job = if kind == "spark" { plan.jobs.spark.as_mut() } else { plan.jobs.yarn.as_mut() };
        if let Some(job) = job {
            job.limits = limits;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_strings_read_as_spark_reads_them() {
        assert_eq!(parse_memory("512m"), Some(512 * MIB));
        assert_eq!(parse_memory("1g"), Some(1024 * MIB));
        assert_eq!(parse_memory("1G"), Some(1024 * MIB));
        assert_eq!(parse_memory("768mb"), Some(768 * MIB));
        assert_eq!(parse_memory("600"), Some(600 * MIB), "a bare number is MiB");
        assert_eq!(parse_memory("lots"), None);
        assert_eq!(parse_memory("5x"), None);
        assert_eq!(show(450 * MIB), "450m");
        assert_eq!(show(2048 * MIB), "2g");
    }

    #[test]
    fn below_the_minimum_is_refused_with_it() {
        let (problem, help) = check(Jvm::Executor, 384 * MIB, None, &SparkLimits::default()).unwrap();
        assert_eq!(problem, "384m is below Spark's minimum executor memory of 450m (1.5 × its 300 MiB reserved memory)");
        assert_eq!(help, "give the executor at least 450m");
        assert!(check(Jvm::Executor, 450 * MIB, None, &SparkLimits::default()).is_none());
        assert!(check(Jvm::Driver { in_container: false }, 400 * MIB, None, &SparkLimits::default())
            .unwrap()
            .0
            .contains("driver memory of 450m"));
    }

    #[test]
    fn an_executor_larger_than_a_worker_is_refused() {
        let limits = SparkLimits { worker_memory: Some(1024 * MIB), ..Default::default() };
        assert!(check(Jvm::Executor, 1024 * MIB, None, &limits).is_none());
        let (problem, _) = check(Jvm::Executor, 1536 * MIB, None, &limits).unwrap();
        assert!(problem.contains("more than a worker offers (1g)"), "{problem}");
        // The driver does not run on a worker.
        assert!(check(Jvm::Driver { in_container: false }, 2048 * MIB, None, &limits).is_none());
    }

    #[test]
    fn yarn_containers_count_the_overhead_and_round_up() {
        assert_eq!(container_size(512 * MIB, None, None), 896 * MIB);
        assert_eq!(container_size(8192 * MIB, None, None), 8192 * MIB + 8192 * MIB / 10);
        assert_eq!(container_size(512 * MIB, Some(100 * MIB), Some(256 * MIB)), 768 * MIB);
        let limits = SparkLimits {
            container: Some((2048 * MIB, "yarn.scheduler.maximum-allocation-mb".into())),
            min_allocation: Some(256 * MIB),
            ..Default::default()
        };
        assert!(check(Jvm::Executor, 1536 * MIB, None, &limits).is_none(), "1536 + 384 = 1920 ≤ 2048");
        let (problem, help) = check(Jvm::Driver { in_container: true }, 1700 * MIB, None, &limits).unwrap();
        assert_eq!(problem, "1700m makes a YARN container of 2304m with its overhead (384m, max(384m, 10 %)), more than yarn.scheduler.maximum-allocation-mb allows (2g)");
        assert!(check(Jvm::Executor, 1024 * MIB, Some(1024 * MIB), &limits).is_none(), "1g + 1g fits 2g exactly");
        let (problem, _) = check(Jvm::Executor, 1200 * MIB, Some(1024 * MIB), &limits).unwrap();
        assert!(problem.contains("container of 2304m with its overhead (1g)"), "{problem}");
        assert_eq!(help, "lower the driver memory, or raise yarn.scheduler.maximum-allocation-mb");
        // A client-mode driver is no container.
        assert!(check(Jvm::Driver { in_container: false }, 1700 * MIB, None, &limits).is_none());
    }

    #[test]
    fn site_files_and_worker_commands_are_read() {
        let xml = "<configuration>\n<property>\n  <name>yarn.scheduler.maximum-allocation-mb</name>\n  <value>2048</value>\n</property>\n</configuration>";
        assert_eq!(site_properties(xml), vec![("yarn.scheduler.maximum-allocation-mb".to_string(), "2048".to_string())]);
        let worker = crate::plan::ServiceDef {
            command: Some(["spark-class", "org.apache.spark.deploy.worker.Worker", "--memory", "768m"].map(String::from).to_vec()),
            ..Default::default()
        };
        let plan = Plan {
            cluster: "c".into(),
            blueprint: "b".into(),
            images: Default::default(),
            network: crate::plan::NetworkDef { name: "n".into(), labels: Default::default() },
            services: vec![worker],
            ..Default::default()
        };
        assert_eq!(worker_memory(&plan), Some(768 * MIB));
    }
}
