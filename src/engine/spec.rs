//! Plan service definitions → Engine API service specs.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum, EndpointSpec, EndpointSpecModeEnum,
    HealthConfig, Limit, Mount, MountType, MountVolumeOptions, NetworkAttachmentConfig, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicated, ServiceSpecUpdateConfig, ServiceSpecUpdateConfigFailureActionEnum, ServiceSpecUpdateConfigOrderEnum,
    TaskSpec, TaskSpecContainerSpec, TaskSpecContainerSpecConfigs, TaskSpecContainerSpecFile, TaskSpecContainerSpecFile1,
    TaskSpecContainerSpecSecrets, TaskSpecPlacement, TaskSpecPlacementPreferences, TaskSpecPlacementSpread, TaskSpecResources,
    TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};

use crate::plan::deploy::{self as policy, EndpointMode, FailureAction, UpdateOrder};
use crate::plan::{labels, Protocol, Restart, ServiceDef};

const NS: f64 = 1e9;

fn map(l: &BTreeMap<String, String>) -> HashMap<String, String> {
    l.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The Engine API spec for `def` running `replicas` tasks. `config_ids` maps
/// config (and secret) names to the ids the swarm gave them.
pub fn service_spec(def: &ServiceDef, replicas: u64, config_ids: &HashMap<String, String>) -> ServiceSpec {
    let mut svc_labels = map(&def.labels);
    if !def.job {
        svc_labels.insert(labels::SPEC.into(), def.spec_hash());
        svc_labels.insert(labels::REPLICAS.into(), def.replicas.to_string());
    }
    let mounts = def
        .mounts
        .iter()
        .map(|m| Mount {
            target: Some(m.target.clone()),
            source: Some(m.source.clone()),
            typ: Some(if m.bind { MountType::BIND } else { MountType::VOLUME }),
            read_only: Some(m.readonly),
            volume_options: (!m.bind).then(|| MountVolumeOptions { labels: Some(map(&m.labels)), ..Default::default() }),
            ..Default::default()
        })
        .collect();
    let configs = def
        .configs
        .iter()
        .map(|c| TaskSpecContainerSpecConfigs {
            file: Some(TaskSpecContainerSpecFile1 {
                name: Some(c.target.clone()),
                uid: Some("0".into()),
                gid: Some("0".into()),
                mode: Some(c.mode),
            }),
            config_id: config_ids.get(&c.config).cloned(),
            config_name: Some(c.config.clone()),
            ..Default::default()
        })
        .collect();
    let secrets = def
        .secrets
        .iter()
        .map(|s| TaskSpecContainerSpecSecrets {
            file: Some(TaskSpecContainerSpecFile {
                name: Some(s.target.clone()),
                uid: Some(s.uid.to_string()),
                gid: Some(s.gid.to_string()),
                mode: Some(s.mode),
            }),
            secret_id: config_ids.get(&s.secret).cloned(),
            secret_name: Some(s.secret.clone()),
        })
        .collect::<Vec<_>>();
    let container = TaskSpecContainerSpec {
        image: Some(def.image.clone()),
        labels: Some(map(&def.labels)),
        command: def.entrypoint.clone(),
        args: def.command.clone(),
        hostname: def.hostname.clone(),
        env: Some(def.env.clone()),
        user: def.user.clone(),
        dir: def.workdir.clone(),
        mounts: Some(mounts),
        configs: Some(configs),
        secrets: (!secrets.is_empty()).then_some(secrets),
        health_check: def.healthcheck.as_ref().map(|h| HealthConfig {
            test: Some(h.test.clone()),
            interval: Some((h.interval_secs * NS) as i64),
            timeout: Some((h.timeout_secs * NS) as i64),
            retries: Some(h.retries as i64),
            start_period: Some((h.start_period_secs * NS) as i64),
            ..Default::default()
        }),
        stop_grace_period: def.stop_grace_secs.map(|s| (s as f64 * NS) as i64),
        ..Default::default()
    };
    let placement =
        TaskSpecPlacement {
            constraints: Some(def.placement.constraints.clone()),
            max_replicas: def.placement.max_per_node.map(|m| m as i64),
            preferences: def.placement.spread.as_ref().map(|s| {
                vec![TaskSpecPlacementPreferences { spread: Some(TaskSpecPlacementSpread { spread_descriptor: Some(s.clone()) }) }]
            }),
            ..Default::default()
        };
    let restart = match (def.job, def.restart) {
        (true, _) => TaskSpecRestartPolicy { condition: Some(TaskSpecRestartPolicyConditionEnum::NONE), ..Default::default() },
        (false, Restart::Any) => TaskSpecRestartPolicy {
            condition: Some(TaskSpecRestartPolicyConditionEnum::ANY),
            delay: Some((policy::RESTART_DELAY_SECS as f64 * NS) as i64),
            ..Default::default()
        },
        (false, Restart::OnFailure) => TaskSpecRestartPolicy {
            condition: Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE),
            delay: Some((policy::RESTART_DELAY_SECS as f64 * NS) as i64),
            ..Default::default()
        },
    };
    // Jobs are replicated services that are never restarted, not
    // replicated-job services: the 20.10 engine leaves a replicated job's
    // containers behind when the service is removed.
    let mode = if def.global {
        ServiceSpecMode { global: Some(HashMap::new()), ..Default::default() }
    } else {
        ServiceSpecMode { replicated: Some(ServiceSpecModeReplicated { replicas: Some(replicas as i64) }), ..Default::default() }
    };
    let ports = def
        .ports
        .iter()
        .filter_map(|p| {
            p.published.map(|published| EndpointPortConfig {
                name: Some(p.name.clone()),
                protocol: Some(match p.protocol {
                    Protocol::Tcp => EndpointPortConfigProtocolEnum::TCP,
                    Protocol::Udp => EndpointPortConfigProtocolEnum::UDP,
                }),
                target_port: Some(p.target as i64),
                published_port: Some(published as i64),
                publish_mode: Some(EndpointPortConfigPublishModeEnum::HOST),
            })
        })
        .collect();
    ServiceSpec {
        name: Some(def.name.clone()),
        labels: Some(svc_labels),
        mode: Some(mode),
        task_template: Some(TaskSpec {
            container_spec: Some(container),
            resources: Some(TaskSpecResources {
                limits: Some(Limit { nano_cpus: def.resources.nano_cpus, memory_bytes: def.resources.memory_bytes, ..Default::default() }),
                ..Default::default()
            }),
            restart_policy: Some(restart),
            placement: Some(placement),
            networks: Some(vec![NetworkAttachmentConfig {
                target: Some(def.network.clone()),
                aliases: Some(def.aliases.clone()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        // Stateful daemons with host ports: replace one task at a time, old one first.
        update_config: (!def.job).then(|| ServiceSpecUpdateConfig {
            parallelism: Some(policy::UPDATE_PARALLELISM as i64),
            order: Some(match policy::UPDATE_ORDER {
                UpdateOrder::StopFirst => ServiceSpecUpdateConfigOrderEnum::STOP_FIRST,
                UpdateOrder::StartFirst => ServiceSpecUpdateConfigOrderEnum::START_FIRST,
            }),
            failure_action: Some(match policy::UPDATE_FAILURE {
                FailureAction::Pause => ServiceSpecUpdateConfigFailureActionEnum::PAUSE,
                FailureAction::Continue => ServiceSpecUpdateConfigFailureActionEnum::CONTINUE,
                FailureAction::Rollback => ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK,
            }),
            ..Default::default()
        }),
        endpoint_spec: Some(EndpointSpec {
            mode: Some(match policy::ENDPOINT_MODE {
                EndpointMode::Vip => EndpointSpecModeEnum::VIP,
                EndpointMode::Dnsrr => EndpointSpecModeEnum::DNSRR,
            }),
            ports: Some(ports),
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ConfigMount, PortDef};

    #[test]
    fn ports_are_host_mode_and_endpoint_is_dnsrr() {
        let def = ServiceDef {
            name: "c_master".into(),
            image: "img".into(),
            network: "c-net".into(),
            aliases: vec!["master".into()],
            ports: vec![
                PortDef {
                    name: "ui".into(),
                    target: 8080,
                    published: Some(8080),
                    protocol: Protocol::Tcp,
                    web: true,
                    preferred: None,
                    unauthenticated: None,
                },
                PortDef {
                    name: "rpc".into(),
                    target: 7077,
                    published: None,
                    protocol: Protocol::Tcp,
                    web: false,
                    preferred: None,
                    unauthenticated: None,
                },
            ],
            configs: vec![ConfigMount { config: "c_x-1".into(), target: "/etc/x".into(), mode: 0o444 }],
            replicas: 1,
            ..Default::default()
        };
        let spec = service_spec(&def, 1, &HashMap::from([("c_x-1".to_string(), "ID1".to_string())]));
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["EndpointSpec"]["Mode"], "dnsrr");
        assert_eq!(json["EndpointSpec"]["Ports"].as_array().unwrap().len(), 1);
        assert_eq!(json["EndpointSpec"]["Ports"][0]["PublishMode"], "host");
        assert_eq!(json["TaskTemplate"]["ContainerSpec"]["Configs"][0]["ConfigID"], "ID1");
        assert_eq!(json["TaskTemplate"]["Networks"][0]["Aliases"][0], "master");
        assert_eq!(json["Labels"][labels::SPEC], def.spec_hash());
    }
}
