//! Configuration errors, each naming the file, the line and the key.

use std::path::{Path, PathBuf};

/// What can go wrong reading a configuration. Each variant names the file
/// and, where the problem sits at a place in it, the line and the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: PathBuf,
        line: usize,
        column: usize,
        /// The key at fault, dotted (`scan.timeout`, `firm[0].websites[1]`), if known.
        key: Option<String>,
        message: String,
    },
}

impl ConfigError {
    pub(crate) fn at(
        file: &Path,
        source_text: &str,
        offset: usize,
        key: Option<String>,
        message: String,
    ) -> Self {
        let (line, column) = line_column(source_text, offset);
        let message = match &key {
            Some(key) => format!("`{key}`: {message}"),
            None => message,
        };
        ConfigError::Invalid {
            file: file.to_path_buf(),
            line,
            column,
            key,
            message,
        }
    }
}

pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map(|nl| before[nl + 1..].chars().count() + 1)
        .unwrap_or_else(|| before.chars().count() + 1);
    (line, column)
}
