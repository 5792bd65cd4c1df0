//! Decoding `jobs:`: how `bdprov submit` runs Spark (standalone or on
//! YARN) and Storm jobs.

use super::fields::*;
use super::model::*;
use super::read::{field, given, Decoder};
use crate::yaml::{Entry, Node};

impl Decoder {
    pub(super) fn jobs(&mut self, node: &Node) -> Jobs {
        let mut jobs = Jobs::default();
        let Some(entries) = self.map(node, "jobs", JOB_KINDS) else { return jobs };
        for e in given(entries) {
            match e.key.as_str() {
                "spark" => jobs.spark = self.spark_jobs(e),
                "yarn" => jobs.yarn = self.spark_jobs(e),
                "storm" => jobs.storm = self.storm_jobs(e),
                _ => {}
            }
        }
        jobs
    }

    pub(super) fn spark_jobs(&mut self, e: &Entry) -> Option<SparkJobs> {
        let path = &format!("jobs.{}", e.key);
        let fields = self.map(&e.value, path, SPARK_JOB)?;
        let workload = self.workload(fields, path, &e.key_span);
        let mut master = None;
        let mut pi = "/opt/spark/examples/src/main/python/pi.py".to_string();
        let mut pi_class = None;
        let mut colocate = None;
        let mut conf = Vec::new();
        let mut deploy_mode = None;
        let mut tracking = None;
        for f in given(fields) {
            let p = format!("{path}.{}", f.key);
            match f.key.as_str() {
                "master" => master = self.text(&f.value, &p),
                "pi" if f.value.entries().is_some() => {
                    let pf = self.map(&f.value, &p, PI).unwrap_or_default();
                    match field(pf, "file").and_then(|x| self.string(&x.value, &format!("{p}.file"))) {
                        Some(file) => pi = file,
                        None => self.err(
                            &f.value.span,
                            format!("{p}: `file` is missing"),
                            "give the program, e.g. `file: /opt/spark/examples/jars/spark-examples.jar`",
                        ),
                    }
                    pi_class = field(pf, "class").and_then(|x| self.string(&x.value, &format!("{p}.class")));
                }
                "pi" => pi = self.string(&f.value, &p).unwrap_or(pi),
                "colocate" => colocate = self.string(&f.value, &p),
                "conf" => conf = self.env(&f.value, &p),
                "deploy_mode" => match f.value.as_scalar() {
                    Some(m @ ("client" | "cluster")) => deploy_mode = Some(m.to_string()),
                    _ => self.err(
                        &f.value.span,
                        format!("{p}: expected client or cluster"),
                        "write `deploy_mode: cluster` or `deploy_mode: client`",
                    ),
                },
                "tracking" => tracking = self.endpoint(&f.value, &p, TCP, None).map(|ep| (ep.role, ep.port)),
                _ => {}
            }
        }
        let Some(master) = master else {
            self.err(
                &e.key_span,
                format!("{path}: `master` is missing"),
                "give the master URL jobs use, e.g. `master: spark://master:7077`",
            );
            return None;
        };
        Some(SparkJobs { workload, master, pi, pi_class, colocate, conf, deploy_mode, tracking, span: e.key_span.clone() })
    }

    pub(super) fn storm_jobs(&mut self, e: &Entry) -> Option<StormJobs> {
        let path = "jobs.storm";
        let fields = self.map(&e.value, path, STORM_JOB)?;
        let workload = self.workload(fields, path, &e.key_span);
        let get = |k: &str| field(fields, k).map(|f| &f.value);
        let nimbus = get("nimbus").and_then(|v| self.texts(v, &format!("{path}.nimbus"))).unwrap_or_default();
        if nimbus.is_empty() {
            self.err(
                &e.key_span,
                format!("{path}: `nimbus` is missing"),
                "list the nimbus hosts jobs submit to, e.g. `nimbus: [\"{{ roles.nimbus.host }}\"]`",
            );
        }
        let ui = match get("ui") {
            Some(v) => {
                let fs = self.map(v, &format!("{path}.ui"), TCP)?;
                let field = |d: &mut Decoder, k: &str| field(fs, k).and_then(|f| d.string(&f.value, &format!("{path}.ui.{k}")));
                let (role, port) = (field(self, "role"), field(self, "port"));
                if role.is_none() || port.is_none() {
                    self.err(
                        &v.span,
                        format!("{path}.ui: needs `role` and `port`"),
                        "name the Storm UI's role and its published port, e.g. `ui: { role: ui, port: ui }`",
                    );
                }
                role.zip(port)
            }
            None => {
                self.err(
                    &e.key_span,
                    format!("{path}: `ui` is missing"),
                    "name the Storm UI's role and its published port, e.g. `ui: { role: ui, port: ui }`",
                );
                None
            }
        };
        let (ui_role, ui_port) = ui?;
        (!nimbus.is_empty()).then(|| StormJobs { workload, nimbus, ui_role, ui_port, span: e.key_span.clone() })
    }
}
