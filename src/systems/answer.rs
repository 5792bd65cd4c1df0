//! Why a system's answer cannot be read: the systems' parsers of the
//! daemons' HTTP answers (`status` figures, `submit`'s preflights and
//! follow-up, Storm's REST API) say it with [`BadAnswer`]. Its text is the
//! whole story (a JSON error is told inside it); the generic layers put
//! where it came from (the URL) in front.

/// A daemon's answer that is not what bdprov can read.
#[derive(Debug, thiserror::Error)]
pub enum BadAnswer {
    /// Not JSON, or not the JSON expected: `told` says whose answer it is
    /// and what serde found, `source` is serde's error.
    #[error("{told}")]
    Json { told: String, source: serde_json::Error },
    /// `what` lacks the count at `key` (numbers also as strings).
    #[error("{what} has no number `{key}`")]
    NoCount { what: String, key: String },
    /// Anything else that is not as expected, as it is said.
    #[error("{0}")]
    Unexpected(String),
}

impl BadAnswer {
    /// An answer serde could not read, told by `told` (given serde's error).
    pub fn json(source: serde_json::Error, told: impl FnOnce(&serde_json::Error) -> String) -> BadAnswer {
        BadAnswer::Json { told: told(&source), source }
    }
}

impl From<&str> for BadAnswer {
    fn from(said: &str) -> BadAnswer {
        BadAnswer::Unexpected(said.to_string())
    }
}

impl From<String> for BadAnswer {
    fn from(said: String) -> BadAnswer {
        BadAnswer::Unexpected(said)
    }
}

impl From<BadAnswer> for crate::error::Error {
    fn from(e: BadAnswer) -> crate::error::Error {
        crate::error::Error::caused(e, None)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn an_answer_that_is_not_json_keeps_serdes_error_and_prints_after_its_url() {
        let serde = serde_json::from_str::<serde_json::Value>("<html>").unwrap_err();
        let bad = BadAnswer::json(serde, |e| format!("the topology summary is not JSON: {e}"));
        assert_eq!(bad.to_string(), "the topology summary is not JSON: expected value at line 1 column 1");
        assert!(bad.source().unwrap().downcast_ref::<serde_json::Error>().is_some());
        let e = crate::error::Error::from(bad).context("http://ui:8080/api/v1/topology/summary");
        assert_eq!(
            e.to_string(),
            "error: http://ui:8080/api/v1/topology/summary: the topology summary is not JSON: expected value at line 1 column 1\n"
        );
        assert!(e.source().unwrap().downcast_ref::<BadAnswer>().is_some());
        assert_eq!(e.exit_code(), 1);
    }
}
