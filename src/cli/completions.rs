//! `bdprov completions SHELL`: clap's generator, with the built-in blueprints
//! (and, for `logs`, their roles) offered where a blueprint, cluster or role goes.

use clap::builder::PossibleValuesParser;
use clap::{Command, CommandFactory};

use super::Cli;
use crate::blueprint::library;
use crate::error::Result;

pub fn print(shell: clap_complete::Shell) -> Result<()> {
    let mut cmd = command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "bdprov", &mut script);
    if shell == clap_complete::Shell::Fish {
        // clap's fish generator leaves positional arguments out.
        let (blueprints, roles) = names();
        for (sub, _, with_roles) in POSITIONALS {
            let mut words = blueprints.clone();
            if *with_roles {
                words.extend(roles.iter().cloned());
            }
            let line = format!("complete -c bdprov -n \"__fish_bdprov_using_subcommand {sub}\" -a \"{}\"\n", words.join(" "));
            script.extend_from_slice(line.as_bytes());
        }
    }
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &script);
    Ok(())
}

/// Positional arguments completed with the built-in blueprint names (cluster
/// names default to them), and for `logs [CLUSTER] ROLE` their role names.
const POSITIONALS: &[(&str, &str, bool)] = &[
    ("up", "blueprint", false),
    ("render", "blueprint", false),
    ("down", "cluster", false),
    ("status", "cluster", false),
    ("doctor", "cluster", false),
    ("unlock", "cluster", false),
    ("logs", "args", true),
];

/// Built-in blueprint names, and the role names of built-in blueprints.
fn names() -> (Vec<String>, Vec<String>) {
    let blueprints: Vec<String> = library::names().into_iter().map(String::from).collect();
    let mut roles: Vec<String> = library::BUILTIN.iter().flat_map(|(_, text)| role_names(text)).collect();
    roles.sort();
    roles.dedup();
    roles.retain(|r| !blueprints.contains(r));
    (blueprints, roles)
}

/// The CLI as the completion script sees it: free-form arguments get the
/// built-in names as candidates (a shell still completes file names for a
/// blueprint file where it falls back to them: bash and fish do).
pub(crate) fn command() -> Command {
    let (blueprints, roles) = names();
    let mut cmd = Cli::command();
    for (sub, arg, with_roles) in POSITIONALS {
        let mut words = blueprints.clone();
        if *with_roles {
            words.extend(roles.iter().cloned());
        }
        cmd = cmd.mut_subcommand(*sub, |s| s.mut_arg(*arg, |a| a.value_parser(PossibleValuesParser::new(words))));
    }
    cmd
}

/// The keys of a blueprint's `roles:` mapping (no validation: candidates only).
fn role_names(text: &str) -> Vec<String> {
    let v: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or_default();
    v.get("roles").and_then(|r| r.as_mapping()).map(|m| m.keys().filter_map(|k| k.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_roles_are_found() {
        let roles: Vec<String> = crate::blueprint::library::BUILTIN.iter().flat_map(|(_, t)| super::role_names(t)).collect();
        for r in ["master", "worker", "namenode", "datanode", "resourcemanager", "nimbus"] {
            assert!(roles.iter().any(|x| x == r), "{r} in {roles:?}");
        }
        super::command().debug_assert();
    }
}
