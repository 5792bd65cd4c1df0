//! Units both the blueprint and the plan read: names, sizes, CPUs, file
//! modes and durations, with the words used when one does not parse.
//! Templated fields are checked with these once rendered, so the same
//! parsers (and messages) serve decoding and planning.

use std::time::Duration;

pub const NAME_RULE: &str = "use lowercase letters, digits and dashes, starting with a letter (at most 40 characters)";

/// A cluster, network, role or other name chosen by the user (see [`NAME_RULE`]).
pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= 40
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.ends_with('-')
}

pub const CPUS_PROBLEM: &str = "expected a positive number of CPUs";
pub const CPUS_HELP: &str = "write e.g. `cpus: 0.5`";
pub const MEMORY_PROBLEM: &str = "expected a size";
pub const MEMORY_HELP: &str = "write a size such as 512m or 2g";

/// `0.5`, `2` → CPUs; anything else (zero, negative, words) is `None`.
pub fn parse_cpus(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|c| *c > 0.0 && c.is_finite())
}

pub const MODE_PROBLEM: &str = "expected an octal mode";
pub const MODE_HELP: &str = "write it like \"755\" or \"1777\" (quoted, so YAML keeps the digits)";

/// `755`, `1777`, `0750` → the mode bits.
pub fn parse_mode(s: &str) -> Option<u32> {
    u32::from_str_radix(s.trim(), 8).ok().filter(|m| *m <= 0o7777)
}

/// `500ms`, `30s`, `5m`, `1.5h` → a duration; a bare number has no unit and is `None`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// `512m`, `2g`, `1GiB`, `1048576` → bytes.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return None,
    };
    Some((n * mult as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_bytes("512m"), Some(512 << 20));
        assert_eq!(parse_bytes("1GiB"), Some(1 << 30));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("10"), None);
    }

    #[test]
    fn names() {
        assert!(valid_name("spark-standalone"));
        assert!(!valid_name("Spark"));
        assert!(!valid_name("1abc"));
        assert!(!valid_name("a_b"));
    }
}
