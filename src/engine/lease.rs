//! The swarm side of a cluster's lease (see [`crate::ops::lease`] for what it
//! means): one swarm config per cluster, `<cluster>.lease`.
//!
//! Why a config: the swarm creates it atomically under its name (a second
//! create of the same name fails with AlreadyExists, on any manager, for any
//! client), it carries labels that can be changed in place (the only part of a
//! config that can: an update must name the current version, or the swarm
//! refuses it as "out of sequence"), and every change stamps its `UpdatedAt`
//! with the manager's clock, so expiry is judged on one clock whatever the
//! clients' clocks say. A secret would do the same, but nothing in a lease is
//! secret, and `docker config inspect` shows the holder to anyone.
//!
//! The lease carries `bdprov.kind=lease` and `bdprov.lease=<cluster>`, and
//! not `bdprov.cluster`: it belongs to no run of the cluster, so `down`,
//! `up`'s diff and the list of clusters never see it.

use std::collections::HashMap;

use bollard::models::ConfigSpec;
use bollard::query_parameters::{ListConfigsOptionsBuilder, UpdateConfigOptionsBuilder};

use super::{filters, is_not_found, Engine};
use crate::error::Result;
use crate::plan::labels;

/// The label naming the cluster a lease is for.
pub const LEASE: &str = "bdprov.lease";

/// A lease as the swarm has it.
#[derive(Clone, Debug)]
pub struct LeaseRecord {
    pub id: String,
    pub version: u64,
    pub labels: HashMap<String, String>,
    /// When it was taken and last renewed, on the manager's clock (RFC 3339).
    pub created: String,
    pub updated: String,
}

/// What a renewal found.
#[derive(Debug, PartialEq, Eq)]
pub enum Renewal {
    Renewed,
    /// The lease is gone, or is someone else's now.
    Lost,
    /// Another writer changed it between our read and our write: read again.
    Raced,
}

pub fn lease_name(cluster: &str) -> String {
    format!("{cluster}.lease")
}

fn is_conflict(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 409, .. })
        || matches!(e, bollard::errors::Error::DockerResponseServerError { message, .. } if message.contains("AlreadyExists"))
}

fn out_of_sequence(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { message, .. } if message.contains("out of sequence"))
}

impl Engine {
    /// Create the cluster's lease with `labels`, atomically: its id, or
    /// `None` when a lease of that cluster already exists.
    pub async fn create_lease(&self, cluster: &str, mut labels: HashMap<String, String>, text: &str) -> Result<Option<String>> {
        labels::Kind::Lease.mark(&mut labels);
        labels.insert(LEASE.into(), cluster.into());
        let name = lease_name(cluster);
        let spec = ConfigSpec {
            name: Some(name.clone()),
            labels: Some(labels),
            data: Some(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, text)),
            ..Default::default()
        };
        match self.docker.create_config(spec).await {
            Ok(r) => Ok(Some(r.id)),
            Err(e) if is_conflict(&e) => Ok(None),
            Err(e) => Err(self.err(&format!("cannot create the lease {name}"))(e)),
        }
    }

    /// The cluster's lease, if one exists.
    pub async fn find_lease(&self, cluster: &str) -> Result<Option<LeaseRecord>> {
        let f = filters(&[("label", format!("{LEASE}={cluster}")), ("name", lease_name(cluster))]);
        let opts = ListConfigsOptionsBuilder::default().filters(&f).build();
        let list = self.docker.list_configs(Some(opts)).await.map_err(self.err("cannot list leases"))?;
        // The name filter matches prefixes: keep the exact one.
        Ok(list.into_iter().find(|c| c.spec.as_ref().and_then(|s| s.name.as_deref()) == Some(&lease_name(cluster))).map(|c| LeaseRecord {
            id: c.id.unwrap_or_default(),
            version: c.version.and_then(|v| v.index).unwrap_or(0),
            labels: c.spec.and_then(|s| s.labels).unwrap_or_default(),
            created: c.created_at.unwrap_or_default(),
            updated: c.updated_at.unwrap_or_default(),
        }))
    }

    /// Renew the lease `id` if it still carries `token`: rewrite its labels
    /// (the swarm stamps the change with its clock), with `renewals` counting.
    pub async fn renew_lease(&self, id: &str, token_label: (&str, &str), renewals: u64) -> Result<Renewal> {
        let cfg = match self.docker.inspect_config(id).await {
            Ok(c) => c,
            Err(e) if is_not_found(&e) => return Ok(Renewal::Lost),
            Err(e) => return Err(self.err("cannot read the lease")(e)),
        };
        let spec = cfg.spec.unwrap_or_default();
        let mut labels = spec.labels.unwrap_or_default();
        if labels.get(token_label.0).map(String::as_str) != Some(token_label.1) {
            return Ok(Renewal::Lost);
        }
        labels.insert(format!("{LEASE}.renewals"), renewals.to_string());
        // Only labels may change: the data is left out, the name kept.
        let update = ConfigSpec { name: spec.name, labels: Some(labels), ..Default::default() };
        let version = cfg.version.and_then(|v| v.index).unwrap_or(0) as i64;
        match self.docker.update_config(id, update, UpdateConfigOptionsBuilder::new().version(version).build()).await {
            Ok(()) => Ok(Renewal::Renewed),
            Err(e) if is_not_found(&e) => Ok(Renewal::Lost),
            Err(e) if out_of_sequence(&e) => Ok(Renewal::Raced),
            Err(e) => Err(self.err("cannot renew the lease")(e)),
        }
    }

    /// Remove the lease `id` (gone already is fine).
    pub async fn remove_lease(&self, id: &str) -> Result<()> {
        match self.docker.delete_config(id).await {
            Err(e) if !is_not_found(&e) => Err(self.err("cannot remove the lease")(e)),
            _ => Ok(()),
        }
    }

    /// The manager's clock, RFC 3339: what lease ages are measured against.
    pub async fn clock(&self) -> Result<String> {
        let info = self.docker.info().await.map_err(self.err("cannot read the engine's info"))?;
        Ok(info.system_time.unwrap_or_default())
    }
}
