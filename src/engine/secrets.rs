//! The cluster's generated secrets as swarm secrets. Their content is made
//! here, from the operating system's random source, goes to the swarm in
//! the create request, and is never kept, logged or shown: the swarm hands
//! it only to the tasks that mount it (as files under /run/secrets).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use base64::Engine as _;
use bollard::models::SecretSpec;
use bollard::query_parameters::ListSecretsOptionsBuilder;

use super::{is_not_found, Engine};
use crate::error::{Error, Result};
use crate::plan::{labels, SecretDef};

/// `length` random bytes from the OS's CSPRNG, hex-encoded (printable, one
/// line, no newline: every reader gets the same bytes).
pub fn generate(length: u32) -> Result<Vec<u8>> {
    let mut raw = vec![0u8; length as usize];
    getrandom::fill(&mut raw).map_err(|e| Error::msg(format!("cannot read the system's random source: {e}")))?;
    Ok(hex::encode(raw).into_bytes())
}

impl Engine {
    /// The cluster's secrets (labelled with it by bdprov): name → id.
    pub async fn cluster_secrets(&self, cluster: &str) -> Result<BTreeMap<String, String>> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("{}={cluster}", labels::CLUSTER), format!("{}={}", labels::KIND, labels::Kind::Secret)],
        )]);
        let opts = ListSecretsOptionsBuilder::default().filters(&filters).build();
        let secrets = self.docker.list_secrets(Some(opts)).await.map_err(self.err("cannot list secrets"))?;
        Ok(secrets.into_iter().filter_map(|s| Some((s.spec?.name?, s.id?))).collect())
    }

    /// Generate and store `def`'s secret; its id.
    pub async fn create_secret(&self, def: &SecretDef) -> Result<String> {
        let data = generate(def.length)?;
        let spec = SecretSpec {
            name: Some(def.name.clone()),
            labels: Some(def.labels.clone().into_iter().collect()),
            data: Some(base64::engine::general_purpose::STANDARD.encode(&data)),
            ..Default::default()
        };
        // The error names the secret, never its content.
        Ok(self.docker.create_secret(spec).await.map_err(self.err(&format!("cannot create secret {}", def.name)))?.id)
    }

    /// Remove a secret once no service uses it any more.
    pub async fn remove_secret_when_free(&self, id: &str) -> Result<()> {
        for _ in 0..60 {
            match self.docker.delete_secret(id).await {
                Ok(()) => return Ok(()),
                Err(e) if is_not_found(&e) => return Ok(()),
                Err(bollard::errors::Error::DockerResponseServerError { message, .. }) if message.contains("in use") => {
                    tokio::time::sleep(Duration::from_millis(500)).await
                }
                Err(e) => return Err(self.err(&format!("cannot remove secret {id}"))(e)),
            }
        }
        self.docker.delete_secret(id).await.map_err(self.err(&format!("cannot remove secret {id}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_secrets_are_random_hex_of_twice_the_length() {
        let a = super::generate(32).unwrap();
        let b = super::generate(32).unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.iter().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
