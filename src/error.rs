//! The library's one error type.
//!
//! Each variant is a kind of failure a caller may want to tell apart. Validation problems carry a
//! [`Problem`]: a stable snake_case `code` for programs and a Chinese `reason` for analysts.

use serde::Serialize;
use std::path::PathBuf;

/// `crate::Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Declares [`Code`]: every stable error code with its HTTP status, CLI exit code and meaning,
/// once. The API's error bodies, the CLI's `--json` errors and exit codes, and `/openapi.json`
/// all read this table (a test checks the OpenAPI document lists every code).
macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal, $exit:literal, $meaning:literal;)*) => {
        /// A stable snake_case error code (SPEC §8).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $meaning] $variant,)*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The HTTP status of an API answer with this code.
            pub fn http_status(self) -> u16 {
                match self { $(Code::$variant => $status,)* }
            }

            /// The CLI's exit code: 2 for unusable input, 1 for a runtime failure.
            pub fn exit_code(self) -> u8 {
                match self { $(Code::$variant => $exit,)* }
            }

            /// What the code means, for the API's documentation.
            pub fn meaning(self) -> &'static str {
                match self { $(Code::$variant => $meaning,)* }
            }
        }
    };
}

error_codes! {
    MalformedBody = "malformed_body", 400, 2, "The body is not what the endpoint takes (bad JSON, TOML or UTF-8, not an object).";
    UnknownField = "unknown_field", 400, 2, "The body has a field the endpoint does not know (`field` names it).";
    InvalidType = "invalid_type", 400, 2, "A body field of a JSON type it cannot take (a list where text is wanted; `field` names it).";
    UnknownParameter = "unknown_parameter", 400, 2, "A query parameter the route does not take (`field` names it).";
    InvalidParameter = "invalid_parameter", 400, 2, "A query parameter or argument with a value it cannot take.";
    UnreadableInput = "unreadable_input", 422, 2, "A file or upload that cannot be read as its format (a damaged workbook, a table with no header row, not a backup).";
    MissingToken = "missing_token", 401, 2, "The request needs `Authorization: Bearer TOKEN`.";
    InvalidToken = "invalid_token", 401, 2, "The token is malformed, unknown or revoked.";
    Forbidden = "forbidden", 403, 2, "The token's role may not do this.";
    NotFound = "not_found", 404, 2, "No such chain, link, enterprise, token or route.";
    MethodNotAllowed = "method_not_allowed", 405, 2, "The route does not take this method (the `Allow` header lists those it takes).";
    DuplicateEnterprise = "duplicate_enterprise", 409, 2, "Another enterprise already has this credit code, or this name in this region.";
    ConflictingIdentity = "conflicting_identity", 409, 2, "The credit code names one enterprise and the name + region another.";
    BodyTooLarge = "body_too_large", 413, 2, "The body is larger than the endpoint accepts.";
    UnsupportedMediaType = "unsupported_media_type", 415, 2, "The Content-Type is not one the endpoint takes.";
    InvalidCreditCode = "invalid_credit_code", 422, 2, "Not a valid unified social credit code (GB 32100-2015: length, characters or check character).";
    InvalidRegion = "invalid_region", 422, 2, "No such administrative division.";
    AmbiguousRegion = "ambiguous_region", 422, 2, "A division name that several divisions share (e.g. 朝阳区): give the code or the province.";
    MissingField = "missing_field", 422, 2, "A field the record needs is missing or empty.";
    InvalidValue = "invalid_value", 422, 2, "A field with a value it cannot take (a capital, a date, a list, a role).";
    InvalidStage = "invalid_stage", 422, 2, "A project event that breaks a stage rule (SPEC §10: forward only, 开工 after 签约, dates in order; corrections are an admin's, with a reason).";
    DuplicateUnit = "duplicate_unit", 409, 2, "A unit with this id already exists.";
    AlreadyPublished = "already_published", 409, 2, "The month's report was published already; it stays frozen.";
    InvalidChain = "invalid_chain", 422, 2, "A chain map breaks a rule (ids, parents, flows, keywords, key links).";
    MalformedRow = "malformed_row", 422, 2, "An import row that cannot be read (unclosed quotes, not a JSON object).";
    LineTooLong = "line_too_long", 422, 2, "An import line longer than 1 MiB.";
    InvalidUtf8 = "invalid_utf8", 422, 2, "An import line that is not UTF-8 text.";
    StoreInUse = "store_in_use", 503, 1, "Another chainscout process holds the data directory.";
    StoreUnavailable = "store_unavailable", 503, 1, "The shared store (PostgreSQL) cannot be reached; nothing was written. Retry: reads keep answering meanwhile.";
    IoError = "io_error", 500, 1, "Reading or writing a file failed.";
    Internal = "internal", 500, 1, "Something failed inside the service; the log has the details.";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl schemars::JsonSchema for Code {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        schemars::json_schema!({"type": "string", "enum": codes})
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One thing wrong with one field of the input, in words an analyst understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// The JSON name of the field at fault (`credit_code`, `region`, …); empty for the whole record.
    pub field: String,
    /// A stable snake_case code (`invalid_credit_code`, `ambiguous_region`, …).
    pub code: Code,
    /// A Chinese explanation naming the offending value.
    pub reason: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, code: Code, reason: impl Into<String>) -> Self {
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
    pub code: Code,
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
    /// The shared store (PostgreSQL) cannot be reached now; nothing of the request was written.
    #[error("the store cannot be reached: {0}")]
    StoreUnavailable(String),
    /// The shared store refused a statement for another reason than a lost connection.
    #[error("store (PostgreSQL) error: {0}")]
    Database(String),
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

    /// The stable code of this failure (its HTTP status and exit code are in the [`Code`] table).
    pub fn code(&self) -> Code {
        match self {
            Error::StoreInUse { .. } => Code::StoreInUse,
            Error::StoreUnavailable(_) => Code::StoreUnavailable,
            Error::Invalid(p) => p.first().map(|p| p.code).unwrap_or(Code::InvalidValue),
            Error::InvalidChain(_) => Code::InvalidChain,
            Error::UnreadableInput(_) => Code::UnreadableInput,
            Error::NotFound(_) => Code::NotFound,
            Error::Conflict(p) => p.code,
            Error::Io { .. } => Code::IoError,
            Error::Store(_) | Error::Database(_) | Error::CorruptRecord { .. } | Error::Index(_) => {
                Code::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_snake_case_with_a_4xx_or_5xx_status_and_an_exit_code() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{s}");
            assert!((400..600).contains(&code.http_status()), "{s}");
            assert!(matches!(code.exit_code(), 1 | 2), "{s}");
            assert_eq!(
                code.exit_code() == 2,
                code.http_status() < 500,
                "{s}: input errors are 4xx and exit 2"
            );
            assert!(!code.meaning().is_empty());
        }
    }
}
