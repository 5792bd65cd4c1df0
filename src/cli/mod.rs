//! Command-line interface: definitions here, one file per group of commands.

mod blueprint;
mod cluster;
mod completions;
mod images;
mod render;
mod storm;
mod submit;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::Choice;
use crate::error::{Error, Result};
use crate::plan::ImageSet;

#[derive(Debug, Parser)]
#[command(
    name = "bdprov",
    version,
    about = "Declarative big-data clusters (Spark, HDFS, YARN, ZooKeeper, Storm) on Docker Swarm",
    long_about = "Describe a cluster in a blueprint and get it running on Docker Swarm with one command.\n\
                  bdprov talks to the same Docker engine as the docker CLI would: --host, else --context, else DOCKER_HOST \
                  (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), else DOCKER_CONTEXT, else the current context of \
                  `docker context use` (in DOCKER_CONFIG, default ~/.docker), else the local socket. \
                  ssh://[user@]host[:port] runs your own ssh (keys, agent, ~/.ssh/config) with `docker system dial-stdio`; \
                  published ports are still reached directly at each node's address (its `bdprov.address` label, \
                  else its swarm address). bdprov only ever touches objects labelled with its own cluster labels."
)]
pub struct Cli {
    /// The Docker engine: unix:///PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT] (like docker -H)
    #[arg(short = 'H', long, global = true, value_name = "URL", conflicts_with = "context", help_heading = "Docker engine")]
    pub host: Option<String>,
    /// The Docker context to use (`docker context ls`); wins over DOCKER_HOST and DOCKER_CONTEXT
    #[arg(long, global = true, value_name = "NAME", help_heading = "Docker engine")]
    pub context: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update a cluster from a blueprint; return when every role is ready
    Up(UpArgs),
    /// Remove a cluster's services, configs and network (volumes are kept)
    Down(DownArgs),
    /// Show each role's tasks, readiness and web UIs, and live figures
    Status(StatusCmd),
    /// Change the replicas of roles and wait until the new members are ready
    Scale(ScaleArgs),
    /// Show a role's logs across all its tasks
    Logs(LogsArgs),
    /// Hand the active part of a pair (NameNode, ResourceManager, Spark master, nimbus) to a standby member
    ///
    /// Hand the active part of a pair to a standby member, the way the blueprint says (the
    /// product's own graceful hand-over, or restarting the active member so that the others
    /// elect a new one), then wait until exactly one member is active and the others stand by.
    /// Roles that hand over: those of the -ha blueprints (`bdprov status` names active and standby).
    Failover(FailoverArgs),
    /// Run an application once as a swarm job, stream its output, exit with its code
    ///
    /// Run an application once as a swarm job, stream its output, exit with its code.
    /// Refused first (exit 2) when the cluster could never give it resources: no ALIVE Spark
    /// worker or RUNNING NodeManager, or executors larger than any of them offers.
    Submit(SubmitArgs),
    /// List and kill Storm topologies (through the Storm UI's REST API)
    Storm(StormArgs),
    /// Print what `up` would create, without a daemon
    Render(RenderArgs),
    /// List the built-in blueprints
    Blueprints,
    /// Build and list offline images (no registry needed)
    Images(ImagesArgs),
    /// Make the local Docker engine a single-node swarm
    Init(InitArgs),
    /// Check a cluster from inside its overlay on every node, and say how to fix what is wrong
    Doctor(StatusArgs),
    /// Break a cluster's lease, left by a changing command that is gone (killed, its machine lost)
    ///
    /// Break a cluster's lease, left by a changing command that is gone (killed, its machine lost).
    /// Every command that changes a cluster (up, scale, down, failover) holds its lease while it runs and
    /// renews it; a lease not renewed for its time to live (30s, BDPROV_LEASE_TTL) expires by itself.
    /// This breaks it now, with a warning naming its holder: if that command still runs, it stops at
    /// its next step.
    Unlock(UnlockArgs),
    /// Print a shell completion script (commands, options, built-in blueprints and roles)
    #[command(after_help = "Load it for this shell, or install it:\n  \
        bash: source <(bdprov completions bash)   (or save it to ~/.local/share/bash-completion/completions/bdprov)\n  \
        zsh:  bdprov completions zsh > \"${fpath[1]}/_bdprov\"\n  \
        fish: bdprov completions fish > ~/.config/fish/completions/bdprov.fish")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `--images`: the command line's own spelling of the plan's [`ImageSet`],
/// so the pure plan stage does not depend on clap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ImageSetArg {
    #[default]
    Official,
    Local,
}

impl From<ImageSetArg> for ImageSet {
    fn from(images: ImageSetArg) -> ImageSet {
        match images {
            ImageSetArg::Official => ImageSet::Official,
            ImageSetArg::Local => ImageSet::Local,
        }
    }
}

/// Which blueprint, and how it is changed on the command line.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Blueprint")]
pub struct BlueprintArgs {
    /// A built-in blueprint name (see `bdprov blueprints`) or a path to a blueprint file
    pub blueprint: String,
    /// Cluster name [default: the blueprint's name]
    #[arg(long)]
    pub name: Option<String>,
    /// Override a field: ROLE.FIELD=VALUE (e.g. worker.replicas=3) or values.KEY=VALUE
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// A values file laid over the blueprint (repeatable; later files win)
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Official images, or the offline kit's builds (`bdprov images build`)
    #[arg(long, value_enum, env = "BDPROV_IMAGES", default_value = "official")]
    pub images: ImageSetArg,
    /// With --images local: pull the kit's images from this registry
    /// (HOST:PORT, see `bdprov images push`) instead of each node's own copy
    #[arg(long, env = "BDPROV_REGISTRY", value_name = "HOST:PORT")]
    pub registry: Option<String>,
    /// A folder of templates that add to and override the built-in ones
    /// [default: templates/ next to a blueprint file]
    #[arg(long, env = "BDPROV_TEMPLATES", value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// How a changing command meets another one on the same cluster.
#[derive(Clone, Copy, Debug, Default, Args)]
pub struct LeaseArgs {
    /// If another command is changing the cluster (holds its lease), wait until it ends instead of refusing
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub blueprint: BlueprintArgs,
    #[command(flatten)]
    pub lease: LeaseArgs,
    /// Show what `up` would change on the swarm (services created, updated with the fields
    /// that differ, scaled, removed; configs rotated; ports remapped) and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// The cluster [default: the only one running]
    pub cluster: Option<String>,
    /// Also remove the cluster's volumes (its data)
    #[arg(long)]
    pub volumes: bool,
    #[command(flatten)]
    pub lease: LeaseArgs,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// The cluster whose lease to break
    pub cluster: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The cluster [default: the only one running]
    pub cluster: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value = "table")]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct StatusCmd {
    #[command(flatten)]
    pub args: StatusArgs,
    /// Show it again every SECONDS (default 5) until interrupted: in place on a terminal, one after another otherwise
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "5", value_parser = clap::value_parser!(u64).range(1..))]
    pub watch: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// [CLUSTER] ROLE=N [ROLE=N ...]
    #[arg(required = true, value_name = "[CLUSTER] ROLE=N")]
    pub args: Vec<String>,
    #[command(flatten)]
    pub lease: LeaseArgs,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// [CLUSTER] ROLE
    #[arg(required = true, num_args = 1..=2, value_name = "[CLUSTER] ROLE")]
    pub args: Vec<String>,
    /// Keep streaming new lines
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Lines from the end of each task's log
    #[arg(long, value_name = "N")]
    pub tail: Option<u64>,
}

#[derive(Debug, Args)]
pub struct FailoverArgs {
    /// [CLUSTER] ROLE
    #[arg(required = true, num_args = 1..=2, value_name = "[CLUSTER] ROLE")]
    pub args: Vec<String>,
    /// The member that takes over (its number: 2 for namenode-2) [default: a ready standby]
    #[arg(long, value_name = "N")]
    pub to: Option<u64>,
    #[command(flatten)]
    pub lease: LeaseArgs,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The cluster [default: the only one running]
    #[arg(long, global = true)]
    pub cluster: Option<String>,
    #[command(subcommand)]
    pub job: Job,
}

#[derive(Debug, Subcommand)]
pub enum Job {
    /// SparkPi from the image's examples
    #[command(name = "spark-pi")]
    SparkPi {
        /// Number of slices (tasks)
        #[arg(long, default_value_t = 10)]
        slices: u32,
        /// Where it runs: the cluster's Spark master, or YARN (deploy mode cluster)
        #[arg(long, value_enum, default_value = "standalone")]
        master: Master,
        #[command(flatten)]
        memory: JobMemoryArgs,
    },
    /// spark-submit an application file from this machine
    Spark {
        /// Main class (for a jar)
        #[arg(long)]
        class: Option<String>,
        /// The application jar
        #[arg(long, conflicts_with = "py", required_unless_present = "py", requires = "class")]
        jar: Option<PathBuf>,
        /// The application's Python file
        #[arg(long)]
        py: Option<PathBuf>,
        #[command(flatten)]
        memory: JobMemoryArgs,
        /// Arguments for the application (after --)
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Deploy a Storm topology from a jar on this machine (`storm jar` as a one-shot job)
    Storm {
        /// The topology jar
        #[arg(long)]
        jar: PathBuf,
        /// The class whose main method builds and submits the topology
        #[arg(long)]
        class: String,
        /// The topology's name, passed to the main class as its first argument
        #[arg(long, value_name = "TOPOLOGY")]
        name: Option<String>,
        /// Further arguments for the main class (after --)
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// spark-submit a jar or Python file from this machine to YARN; follow the application to its final status
    Yarn {
        /// Main class (for a jar)
        #[arg(long)]
        class: Option<String>,
        /// The application jar
        #[arg(long, conflicts_with = "py", required_unless_present = "py", requires = "class")]
        jar: Option<PathBuf>,
        /// The application's Python file
        #[arg(long)]
        py: Option<PathBuf>,
        #[command(flatten)]
        memory: JobMemoryArgs,
        /// Arguments for the application (after --)
        #[arg(last = true)]
        args: Vec<String>,
    },
}

/// Memory for a Spark job's JVMs, checked before anything runs: at least
/// Spark's minimum, and what a worker or a YARN container can hold.
#[derive(Debug, Args, Clone, Default)]
pub struct JobMemoryArgs {
    /// Memory per executor (spark-submit --executor-memory), e.g. 1g [default: the blueprint's]
    #[arg(long, value_name = "SIZE")]
    pub executor_memory: Option<String>,
    /// Memory for the driver (spark-submit --driver-memory), e.g. 1g [default: the blueprint's]
    #[arg(long, value_name = "SIZE")]
    pub driver_memory: Option<String>,
}

#[derive(Debug, Args)]
pub struct StormArgs {
    /// The cluster [default: the only one running]
    #[arg(long, global = true)]
    pub cluster: Option<String>,
    /// Use the Storm UI at this URL (http://HOST:PORT) instead of the cluster's,
    /// e.g. through an SSH tunnel; no Docker engine is needed then
    #[arg(long, global = true, value_name = "URL", conflicts_with = "cluster")]
    pub ui: Option<String>,
    #[command(subcommand)]
    pub command: StormCommand,
}

#[derive(Debug, Subcommand)]
pub enum StormCommand {
    /// List the topologies: status, uptime, workers, executors, tasks, id
    List {
        #[arg(long, short = 'o', value_enum, default_value = "table")]
        output: Output,
    },
    /// Kill a topology by name and wait until Storm no longer lists it
    Kill {
        /// The topology's name
        topology: String,
        /// Seconds Storm keeps the spouts deactivated before it stops the workers
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        wait: u32,
    },
}

/// Which master a Spark application goes to.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Master {
    /// The cluster's own Spark master (`jobs.spark` of its blueprint)
    Standalone,
    /// YARN's ResourceManager (`jobs.yarn`)
    Yarn,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RenderFormat {
    /// Every object `up` would create, as YAML
    Plan,
    /// A compose file for `docker stack deploy -c`
    Compose,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub blueprint: BlueprintArgs,
    #[arg(long, value_enum, default_value = "plan")]
    pub format: RenderFormat,
    /// Write to this folder (compose.yaml or plan.yaml, and config files) instead of stdout
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    #[command(subcommand)]
    pub command: ImagesCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Build images from Debian packages and PyPI's pyspark, cached
    Build {
        /// Images to build [default: all]
        names: Vec<String>,
        /// Rebuild even when an image with the same inputs exists
        #[arg(long)]
        force: bool,
    },
    /// Show the built images and the versions they contain
    List,
    /// Push the built images to a private registry, so every node can pull them
    Push {
        /// Images to push [default: all that are built]
        names: Vec<String>,
        /// The registry, HOST:PORT [default: the `registry` cluster's]
        #[arg(long, env = "BDPROV_REGISTRY")]
        registry: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Address other nodes (and bdprov's probes) reach this node at
    #[arg(long, default_value = "127.0.0.1")]
    pub advertise_addr: String,
}

/// Parse, run, print any error; the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    // For the tests that check every command the documentation shows: parsed, nothing run.
    if std::env::var_os("BDPROV_PARSE_ONLY").is_some_and(|v| v == "1") {
        return 0;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(()) => 0,
        Err(Error::JobExit(code)) => code,
        Err(e) => {
            eprint!("{e}");
            e.exit_code()
        }
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    // Commands that create something clean up after a signal themselves:
    // give them the time to (see `signals`).
    let grace = match &cli.command {
        // Watching ends quietly at a signal.
        Command::Status(s) if s.watch.is_some() => Duration::from_secs(1),
        Command::Render(_) | Command::Blueprints | Command::Status(_) | Command::Completions { .. } => Duration::ZERO,
        // A YARN application is killed by a job of its own (a JVM to start).
        Command::Submit(_) => Duration::from_secs(60),
        _ => Duration::from_secs(30),
    };
    crate::signals::install(grace, crate::ops::lease::release_all)?;
    crate::signals::guarded(dispatch(cli), grace).await
}

async fn dispatch(cli: Cli) -> Result<()> {
    // The engine chosen on the command line, for the commands that use one.
    let engine = &Choice { host: cli.host, context: cli.context };
    match cli.command {
        Command::Up(a) => cluster::up(a, engine).await,
        Command::Down(a) => cluster::down(a, engine).await,
        Command::Status(a) => cluster::status(a, engine).await,
        Command::Scale(a) => cluster::scale(a, engine).await,
        Command::Logs(a) => cluster::logs(a, engine).await,
        Command::Failover(a) => cluster::failover(a, engine).await,
        Command::Submit(a) => submit::submit(a, engine).await,
        Command::Storm(a) => storm::storm(a, engine).await,
        Command::Render(a) => render::render(a).await,
        Command::Blueprints => render::blueprints(),
        Command::Images(a) => images::images(a, engine).await,
        Command::Init(a) => cluster::init(a, engine).await,
        Command::Doctor(a) => cluster::doctor(a, engine).await,
        Command::Unlock(a) => cluster::unlock(a, engine).await,
        Command::Completions { shell } => completions::print(shell),
    }
}
