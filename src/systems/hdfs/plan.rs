//! What HDFS's hooks (`webhdfs:`, `hdfs:`) in a blueprint become in the plan.

use crate::blueprint::{HdfsPath, Text, Workload};
use crate::plan::build::Planner;
use crate::plan::{HookActionDef, PathDef};
use crate::units::{parse_mode, MODE_HELP, MODE_PROBLEM};

/// The paths of the hook at `path` (`hooks.<name>`), rendered; a mode that
/// is not octal is reported at its place.
pub fn plan_paths(p: &mut Planner, paths: &[HdfsPath], path: &str) -> Vec<PathDef> {
    paths
        .iter()
        .map(|d| {
            let at = format!("{path}.paths.{}", d.name);
            PathDef {
                path: p.text(&d.path),
                owner: d.owner.as_ref().map(|o| p.text(o)),
                group: d.group.as_ref().map(|g| p.text(g)),
                mode: d
                    .mode
                    .as_ref()
                    .and_then(|m| p.parsed(m, &format!("{at}.mode"), parse_mode, MODE_PROBLEM, MODE_HELP))
                    .map(|m| format!("{m:o}")),
            }
        })
        .collect()
}

/// A `webhdfs:` hook: its paths, made through the NameNode's WebHDFS API
/// on `role`'s published `port`, as `user`.
pub fn webhdfs_hook(p: &mut Planner, role: &str, port: &str, user: &Text, paths: &[HdfsPath], path: &str) -> HookActionDef {
    let paths = plan_paths(p, paths, path);
    HookActionDef::Webhdfs { endpoint: p.endpoint(role, port), user: p.text(user), paths }
}

/// An `hdfs:` hook named `name`: its paths, made by `hdfs dfs` in one-shot
/// jobs that run `role`'s image as `user`.
pub fn hdfs_hook(p: &mut Planner, name: &str, role: &str, user: &Text, paths: &[HdfsPath], path: &str) -> HookActionDef {
    let paths = plan_paths(p, paths, path);
    let user = p.text(user);
    // The role's image, site files and limits; not its command,
    // environment (the image's starter acts on some), hostname or volumes.
    let r = &p.blueprint().role(role).expect("hook roles are checked").workload;
    let w = Workload {
        image: r.image.clone(),
        image_span: r.image_span.clone(),
        user: r.user.clone(),
        configs: r.configs.clone(),
        resources: r.resources.clone(),
        ..Default::default()
    };
    let mut template = p.job_template(&w, &format!("{path}.hdfs"));
    template.role = name.to_string();
    template.env.push(format!("HADOOP_USER_NAME={user}"));
    // A short-lived client: the first JIT tier starts fastest.
    template.env.push("HADOOP_CLIENT_OPTS=-XX:TieredStopAtLevel=1".to_string());
    HookActionDef::Hdfs { template: Box::new(template), user, paths }
}
