//! The library's one error type.
//!
//! Each variant is a kind of failure a caller may want to tell apart. Validation problems carry a
//! [`Problem`]: a stable snake_case `code` for programs and a Chinese `reason` for analysts.

use serde::Serialize;
use std::path::PathBuf;

/// `crate::Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One thing wrong with one field of the input, in words an analyst understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The JSON name of the field at fault (`credit_code`, `region`, …); empty for the whole record.
    pub field: String,
    /// A stable snake_case code (`invalid_credit_code`, `ambiguous_region`, …).
    pub code: &'static str,
    /// A Chinese explanation naming the offending value.
    pub reason: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, code: &'static str, reason: impl Into<String>) -> Self {
        Problem { field: field.into(), code, reason: reason.into() }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.code, self.reason)
        } else {
            write!(f, "{} ({}): {}", self.field, self.code, self.reason)
        }
    }
}

/// What is wrong with one chain map file, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    pub file: String,
    pub line: usize,
    pub code: &'static str,
    pub reason: String,
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another process holds the data directory (sled allows one process per store).
    #[error("the data directory {path} is in use by another chainscout process{}; stop it or use its HTTP API", pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    StoreInUse { path: PathBuf, pid: Option<u32> },
    /// The embedded database failed (disk full, permissions, corruption detected by sled).
    #[error("store error: {0}")]
    Store(#[from] sled::Error),
    /// A stored record could not be decoded: written by a newer release, or damaged.
    #[error("stored record {key} cannot be read: {reason}")]
    CorruptRecord { key: String, reason: String },
    /// The search index failed; it is derived data and can be rebuilt from the store.
    #[error("search index: {0}")]
    Index(String),
    /// Reading or writing a file failed.
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    /// A record or request was rejected by validation.
    #[error("{}", .0.first().map(|p| p.to_string()).unwrap_or_default())]
    Invalid(Vec<Problem>),
    /// Chain map files were rejected whole; one entry per bad file.
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    InvalidChain(Vec<ChainProblem>),
    /// The input file could not be read as the format its name says.
    #[error("{0}")]
    UnreadableInput(String),
    /// No such chain, link or enterprise.
    #[error("{0} not found")]
    NotFound(String),
    /// Two enterprises would share an identity.
    #[error("{0}")]
    Conflict(Problem),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Error::Io { path: path.into(), error }
    }

    /// Whether the failure is the caller's input (exit code 2) rather than the runtime's (1).
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_)
                | Error::InvalidChain(_)
                | Error::UnreadableInput(_)
                | Error::NotFound(_)
                | Error::Conflict(_)
        )
    }
}
