//! Decoding hooks: a one-shot job, or HDFS directories made by a one-shot
//! `hdfs dfs` job (`hdfs:`) or through WebHDFS (`webhdfs:`).

use super::fields::*;
use super::model::*;
use super::read::{field, Decoder, Endpoint};
use crate::units::{parse_mode, MODE_HELP, MODE_PROBLEM};
use crate::yaml::{Entry, Node};

impl Decoder {
    pub(super) fn hook(&mut self, e: &Entry) -> Option<Hook> {
        let path = format!("hooks.{}", e.key);
        let fields = self.map(&e.value, &path, HOOK)?;
        let after = field(fields, "after").map(|f| self.refs(&f.value, &format!("{path}.after"))).unwrap_or_default();
        let images = match field(fields, "images").filter(|f| !f.value.is_null()) {
            Some(f) => self.image_set(&f.value, &format!("{path}.images"), "need").ok()?,
            None => None,
        };
        let action = match (field(fields, "job"), field(fields, "webhdfs").or_else(|| field(fields, "hdfs"))) {
            (None, Some(h)) if h.key == "hdfs" => self.hdfs_hook(h, fields, &path)?,
            (Some(job), None) => {
                let jp = format!("{path}.job");
                let jf = self.map(&job.value, &jp, HOOK_JOB)?;
                let workload = self.workload(jf, &jp, &job.key_span);
                let colocate = field(jf, "colocate").and_then(|f| self.string(&f.value, &format!("{jp}.colocate")));
                let Some(command) = field(jf, "command").and_then(|f| self.texts(&f.value, &format!("{jp}.command"))) else {
                    self.err(
                        &job.key_span,
                        format!("{jp}: `command` is missing"),
                        "give the command the job runs, e.g. `command: [sh, -c, \"…\"]`",
                    );
                    return None;
                };
                if let Some(p) = field(fields, "paths") {
                    self.err(
                        &p.key_span,
                        format!("{path}.paths: paths go with `webhdfs`, not with `job`"),
                        "move them to a hook with `webhdfs:`",
                    );
                }
                HookAction::Job { workload: Box::new(workload), command, colocate }
            }
            (None, Some(w)) => {
                let wp = format!("{path}.webhdfs");
                let Endpoint { role, port, user, .. } = self.endpoint(&w.value, &wp, WEBHDFS, None)?;
                let listed = field(fields, "paths");
                let paths = listed.map(|p| self.hdfs_paths(&p.value, &format!("{path}.paths"))).unwrap_or_default();
                if listed.and_then(|p| p.value.entries()).is_none_or(|e| e.is_empty()) {
                    self.err(
                        &w.key_span,
                        format!("{path}: `webhdfs` without `paths`"),
                        "list the directories to make, e.g. `paths: { tmp: { path: /tmp, mode: \"1777\" } }`",
                    );
                }
                let Some(user) = user else {
                    self.err(
                        &w.value.span,
                        format!("{wp}: `user` is missing"),
                        "name the HDFS superuser (the user the NameNode runs as), e.g. `user: hadoop`",
                    );
                    return None;
                };
                HookAction::Webhdfs { role, port, user, paths, span: w.key_span.clone() }
            }
            (Some(_), Some(w)) => {
                self.err(&w.key_span, format!("{path}: give `job` or `webhdfs`, not both"), "make two hooks, one for each");
                return None;
            }
            (None, None) => {
                self.err(
                    &e.key_span,
                    format!("{path}: no action"),
                    "give the hook a `job:` (image and command) or `webhdfs:` with `paths:`",
                );
                return None;
            }
        };
        Some(Hook { name: e.key.clone(), span: e.key_span.clone(), after, action, images })
    }

    /// `hdfs: { role, user }` with `paths`: directories made by `hdfs dfs`
    /// in a one-shot job running `role`'s image and site files, as `user`.
    fn hdfs_hook(&mut self, h: &Entry, fields: &[Entry], path: &str) -> Option<HookAction> {
        let hp = format!("{path}.hdfs");
        let hf = self.map(&h.value, &hp, HDFS)?;
        let role = field(hf, "role").and_then(|f| self.string(&f.value, &format!("{hp}.role")));
        let user = field(hf, "user").and_then(|f| self.text(&f.value, &format!("{hp}.user")));
        let listed = field(fields, "paths");
        let paths = listed.map(|p| self.hdfs_paths(&p.value, &format!("{path}.paths"))).unwrap_or_default();
        if listed.and_then(|p| p.value.entries()).is_none_or(|e| e.is_empty()) {
            self.err(
                &h.key_span,
                format!("{path}: `hdfs` without `paths`"),
                "list the directories to make, e.g. `paths: { tmp: { path: /tmp, mode: \"1777\" } }`",
            );
        }
        let (Some(role), Some(user)) = (role, user) else {
            self.err(
                &h.value.span,
                format!("{hp}: needs `role` and `user`"),
                "name the NameNode's role (its image and site files run the job) and the HDFS superuser, e.g. `hdfs: { role: namenode, user: hadoop }`",
            );
            return None;
        };
        Some(HookAction::Hdfs { role, user, paths, span: h.key_span.clone() })
    }

    pub(super) fn hdfs_paths(&mut self, node: &Node, path: &str) -> Vec<HdfsPath> {
        let mut out = Vec::new();
        for e in self.named(node, path) {
            let p = format!("{path}.{}", e.key);
            let Some(fields) = self.map(&e.value, &p, HDFS_PATH) else { continue };
            let mut text = |k: &str| field(fields, k).and_then(|f| self.text(&f.value, &format!("{p}.{k}")));
            let (dir, owner, group, mode) = (text("path"), text("owner"), text("group"), text("mode"));
            if let Some(m) = &mode {
                if !m.text.contains("{{") && parse_mode(&m.text).is_none() {
                    self.err(&m.span, format!("{p}.mode: {MODE_PROBLEM}"), MODE_HELP);
                }
            }
            match dir {
                Some(dir) if dir.text.starts_with('/') || dir.text.contains("{{") => {
                    out.push(HdfsPath { name: e.key.clone(), path: dir, owner, group, mode, span: e.key_span.clone() })
                }
                Some(dir) => self.err(
                    &dir.span,
                    format!("{p}.path: `{}` is not absolute", dir.text),
                    "write the full path in HDFS, e.g. `/user/spark`",
                ),
                None => self.err(&e.key_span, format!("{p}: `path` is missing"), "give the directory, e.g. `path: /tmp`"),
            }
        }
        out
    }
}
