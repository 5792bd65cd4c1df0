//! The engine's answers that mean "someone else acted at the same moment",
//! told as what happened and what to do, instead of the swarm's gRPC text
//! (`rpc error: code = AlreadyExists desc = …`).

use crate::error::Error;

/// What kind of conflict an engine error is, if it is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// The object was created by someone else first.
    AlreadyExists,
    /// The object was removed while the command used it.
    NotFound,
    /// The object was changed between this command's read and its write.
    OutOfSequence,
}

/// Classify an engine error by its status code and text.
pub fn classify(status: u16, message: &str) -> Option<Conflict> {
    if message.contains("out of sequence") {
        Some(Conflict::OutOfSequence)
    } else if status == 409 || message.contains("AlreadyExists") || message.contains("already exists") {
        Some(Conflict::AlreadyExists)
    } else if (status == 404 || message.contains("code = NotFound")) && !message.to_lowercase().contains("no such image") {
        Some(Conflict::NotFound)
    } else {
        None
    }
}

/// The error for `what` (e.g. "cannot create config x") failing with the
/// engine's `message`: explained when it is a conflict, else as the engine
/// said it.
pub fn explain(what: &str, status: u16, message: &str) -> Error {
    let answer = bollard::errors::Error::DockerResponseServerError { status_code: status, message: message.to_string() };
    super::error::Error::new(what, answer, "", String::new()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_swarms_conflicts_are_recognised() {
        let exists = "rpc error: code = AlreadyExists desc = config zookeeper.state-1a2b already exists";
        assert_eq!(classify(409, exists), Some(Conflict::AlreadyExists));
        assert_eq!(classify(500, exists), Some(Conflict::AlreadyExists));
        assert_eq!(classify(404, "service ls1_zookeeper-1 not found"), Some(Conflict::NotFound));
        assert_eq!(classify(500, "rpc error: code = Unknown desc = update out of sequence"), Some(Conflict::OutOfSequence));
        assert_eq!(classify(500, "no space left on device"), None);
        // An image is no swarm object someone removes under a command.
        assert_eq!(classify(404, "No such image: bdprov/hadoop:3.5.0"), None);
    }

    #[test]
    fn no_raw_grpc_text_reaches_the_user() {
        for (status, raw) in [
            (409, "rpc error: code = AlreadyExists desc = config zookeeper.state-1a2b: already exists"),
            (404, "rpc error: code = NotFound desc = service x not found"),
            (500, "rpc error: code = Unknown desc = update out of sequence"),
        ] {
            let shown = explain("cannot create config zookeeper.state-1a2b", status, raw).to_string();
            assert!(!shown.contains("rpc error"), "{shown}");
            assert!(shown.starts_with("error: cannot create config zookeeper.state-1a2b: "), "{shown}");
            assert!(shown.contains("= help: "), "{shown}");
        }
        let other = explain("cannot create network n", 500, "pool overlaps\n").to_string();
        assert_eq!(other, "error: cannot create network n: pool overlaps\n");
    }

    #[test]
    fn each_conflict_says_what_happened() {
        assert!(explain("w", 409, "").to_string().contains("something else created it at the same moment"));
        assert!(explain("w", 404, "").to_string().contains("removed outside this command"));
        assert!(explain("w", 500, "update out of sequence").to_string().contains("changed it at the same moment"));
    }
}
