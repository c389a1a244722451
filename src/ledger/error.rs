//! What can stop a ledger run: a malformed input row (with its file, line
//! and column), bad catalogue data, an unreadable file or a failed write.

/// What can stop a ledger run. Input errors name the file, line and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    #[error("{file}:{line}:{column}: {message}")]
    Input {
        file: String,
        line: u64,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Data { file: String, message: String },
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("writing the ledger report: {0}")]
    Write(#[source] std::io::Error),
    #[error("{0}")]
    Report(String),
}
