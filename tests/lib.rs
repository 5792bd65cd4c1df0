//! One integration test binary: it drives the real `bdprov` binary.
//!
//! A plain `cargo test` is the fast tier: the tests that need Docker, the
//! swarm or Maven Central are `#[ignore = "needs …"]`, and
//! `scripts/test.sh` runs them too (`--include-ignored`).
//!
//! * `cli`, `diagnostics`, `render`, `exposure`, `documented` (every command
//!   the documentation's pages and the examples show) need no daemon.
//! * `compose` asks Docker's own parser (`docker stack config`).
//! * `storm_fixtures` runs the Storm UI's readiness probe and `bdprov storm`
//!   against a local server answering like the Storm UI, for the answers a
//!   live UI rarely gives (errors, no leader); `e2e_storm` reads the kit's
//!   own UI, built from Apache's source release.
//! * `hadoop_fixtures` plays HDFS and YARN with a local HTTP server;
//!   `hadoop_config` reads the rendered XML with Hadoop's own `Configuration`
//!   (in the offline Spark image).
//! * `engines` reaches the engine through a throwaway sshd (ssh://) and
//!   Docker contexts in a temporary DOCKER_CONFIG; checks `completions`.
//! * `figures_fixtures` reads `status`'s live figures from answers shaped like
//!   the daemons' (NameNode JMX, RM metrics, Spark master, Storm UI) and picks
//!   the front to ask from the built-in plans (a pair's active member).
//! * `preflight_fixtures` plays the Spark master (`/json/`) and the
//!   ResourceManager for `submit`'s preflight decisions.
//! * `relay` runs the read-only front of the NameNode's and
//!   ResourceManager's web ports (`templates/web/relay.py`) before a fixture.
//! * `images` checks the kit's Maven downloads against a local mirror that
//!   lacks or alters artifacts.
//! * `layers` reads `src/`: no import cycle, each layer uses only what
//!   ARCHITECTURE.md allows.
//! * `fuzz_corpus` replays the fuzz targets' seeds and the inputs the fuzzer
//!   once crashed on, through the same entry points (no fuzzer needed).
//! * `e2e_*` run against a real swarm (`e2e_examples`: each example as its
//!   header says) with the offline images
//!   (`scripts/test.sh` sets both up on a fresh machine).

mod common;

mod cli;
mod compose;
mod diagnostics;
mod documented;
mod e2e_cds;
mod e2e_examples;
mod e2e_ha_hdfs;
mod e2e_ha_multinode;
mod e2e_ha_spark;
mod e2e_ha_storm;
mod e2e_ha_yarn;
mod e2e_hadoop;
mod e2e_lease;
mod e2e_metrics;
mod e2e_multinode;
mod e2e_secrets;
mod e2e_spark;
mod e2e_storm;
mod e2e_zookeeper;
mod engines;
mod exposure;
mod figures_fixtures;
mod fuzz_corpus;
mod hadoop_config;
mod hadoop_fixtures;
mod images;
mod layers;
mod preflight_fixtures;
mod relay;
mod render;
mod storm_fixtures;
