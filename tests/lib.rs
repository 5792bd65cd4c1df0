//! One integration test binary: it drives the real `bdprov` binary.
//!
//! * `cli`, `diagnostics`, `render` need no daemon.
//! * `compose` asks Docker's own parser (`docker stack config`).
//! * `e2e_*` run against a real swarm with the offline images
//!   (`./ci/test.sh` sets both up on a fresh machine).

mod common;

mod cli;
mod compose;
mod diagnostics;
mod e2e_multinode;
mod e2e_spark;
mod e2e_zookeeper;
mod render;
