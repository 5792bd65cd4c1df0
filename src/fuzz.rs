//! Entry points for the fuzz targets (`fuzz/`) and for the tests that replay
//! their seed corpus and every crash they found. Pure: text in, result out,
//! no file system. Whatever the input, these must return (an error is fine),
//! never panic, and return promptly.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::blueprint::overlay::{Resolve, Unresolved};
use crate::blueprint::{library, Overrides};
use crate::diag::SourceFile;
use crate::pipeline::{self, Source};
use crate::plan::{self, CheckDef, ImageSet};
use crate::probe::{self, Response};

/// Blueprints by name: the built-in ones, then files held in memory.
pub struct MemResolver {
    pub files: Vec<(String, String)>,
}

impl Resolve for MemResolver {
    fn blueprint(&self, name: &str, _from: Option<&Path>) -> Result<(Arc<SourceFile>, Option<PathBuf>), Unresolved> {
        if let Some(text) = library::builtin(name) {
            return Ok((SourceFile::new(format!("builtin:{name}"), text), None));
        }
        match self.files.iter().find(|(n, _)| n == name) {
            Some((n, text)) => Ok((SourceFile::new(n.clone(), text.clone()), None)),
            None => Err(Unresolved::Unknown { name: name.to_string(), known: library::names().join(", ") }),
        }
    }
}

/// One loader input, split out of the fuzzer's bytes. The text is a
/// blueprint, optionally followed by sections that start with a line
/// `#@ file NAME` (a file `include:` can name), `#@ values` (a `-f` values
/// file), or `#@ set PATH=VALUE` (a `--set` argument, no body).
#[derive(Debug, Default)]
pub struct LoaderInput {
    pub main: String,
    pub files: Vec<(String, String)>,
    pub values: Vec<String>,
    pub sets: Vec<String>,
}

impl LoaderInput {
    pub fn parse(data: &[u8]) -> LoaderInput {
        let text = String::from_utf8_lossy(data);
        let mut input = LoaderInput::default();
        enum Into {
            Main,
            File,
            Values,
        }
        let mut into = Into::Main;
        for line in text.split_inclusive('\n') {
            if let Some(rest) = line.strip_prefix("#@ ") {
                let rest = rest.trim_end_matches(['\n', '\r']);
                if let Some(name) = rest.strip_prefix("file ") {
                    input.files.push((name.to_string(), String::new()));
                    into = Into::File;
                    continue;
                } else if rest == "values" {
                    input.values.push(String::new());
                    into = Into::Values;
                    continue;
                } else if let Some(set) = rest.strip_prefix("set ") {
                    input.sets.push(set.to_string());
                    continue;
                }
            }
            let target = match into {
                Into::Main => &mut input.main,
                Into::File => &mut input.files.last_mut().expect("a file section").1,
                Into::Values => input.values.last_mut().expect("a values section"),
            };
            target.push_str(line);
        }
        input
    }
}

/// What `bdprov render` does with a blueprint, in memory, through the same
/// pipeline ([`crate::pipeline::plan`]): includes, values files, `--set`,
/// validation, the plan (templates rendered), the compose file. The error,
/// if any, is formatted as the user would see it.
pub fn load_blueprint(data: &[u8]) -> Result<String, String> {
    let input = LoaderInput::parse(data);
    let resolver = MemResolver { files: input.files };
    let values = input.values.into_iter().enumerate().map(|(i, v)| SourceFile::new(format!("values-{i}.yaml"), v)).collect();
    let source = Source {
        main: SourceFile::new("fuzz.yaml", input.main),
        dir: None,
        resolver: &resolver,
        overrides: Overrides { values, sets: input.sets },
        name: None,
        templates: None,
    };
    let build = |images| {
        let plan = pipeline::plan(&source, images, Some("10.0.0.5:5000".into())).map_err(|e| e.to_string())?;
        let mut out = crate::yaml::to_string(&plan);
        out.push_str(&plan::compose::compose(&plan).yaml);
        Ok::<String, String>(out)
    };
    // Offline images are refused when a role has no offline build: that
    // answer only has to come back, like any other.
    let _ = build(ImageSet::Local);
    let out = build(ImageSet::Official)?;
    Ok(out)
}

/// A probe input: lines `expect PATH=JSON` and `count PATH` (the check),
/// optionally `want N`, then a blank line, then the response body.
pub fn probe_json(data: &[u8]) -> probe::Verdict {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut expect = serde_json::Map::new();
    let mut count = None;
    let mut want = 1;
    for line in head.lines() {
        if let Some(rest) = line.strip_prefix("expect ") {
            let (path, value) = rest.split_once('=').unwrap_or((rest, "null"));
            let value = serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
            expect.insert(path.to_string(), value);
        } else if let Some(path) = line.strip_prefix("count ") {
            count = Some(path.to_string());
        } else if let Some(n) = line.strip_prefix("want ") {
            want = n.trim().parse().unwrap_or(1);
        }
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        for path in expect.keys().chain(count.iter()) {
            let _ = probe::lookup(&json, path);
        }
    }
    let check = CheckDef::Http { path: "/".into(), expect, count };
    probe::judge(&check, &Response::Http(200, body.to_string()), want)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_split_into_files_values_and_sets() {
        let i = LoaderInput::parse(b"name: a\ninclude: [z.yaml]\n#@ file z.yaml\nroles: {}\n#@ set w.replicas=2\n#@ values\nvalues: {}\n");
        assert_eq!(i.main, "name: a\ninclude: [z.yaml]\n");
        assert_eq!(i.files, vec![("z.yaml".to_string(), "roles: {}\n".to_string())]);
        assert_eq!(i.sets, vec!["w.replicas=2"]);
        assert_eq!(i.values, vec!["values: {}\n"]);
    }

    #[test]
    fn a_builtin_blueprint_loads_and_a_bad_one_says_where() {
        let ok = load_blueprint(library::builtin("zookeeper").unwrap().as_bytes()).unwrap();
        assert!(ok.contains("zookeeper"));
        let err = load_blueprint(b"version: 1\nname: x\nroles:\n  w: {image: a, replica: 2}\n").unwrap_err();
        assert!(err.contains("fuzz.yaml:4:"), "{err}");
        let with_include = "include: [base.yaml]\nname: y\n#@ file base.yaml\nversion: 1\nname: x\nimages: {a: {official: \"alpine:3.20\"}}\nroles:\n  w: {image: a}\n#@ set w.replicas=2\n";
        assert!(load_blueprint(with_include.as_bytes()).is_ok(), "{:?}", load_blueprint(with_include.as_bytes()));
    }

    #[test]
    fn probe_input_is_a_check_and_a_body() {
        let v = probe_json(b"expect status=\"ALIVE\"\ncount aliveworkers\nwant 2\n\n{\"status\": \"ALIVE\", \"aliveworkers\": 2}");
        assert!(v.ready, "{v:?}");
        assert!(!probe_json(b"count a.*.b\n\nnot json").ready);
    }
}
