//! A firm's export of its partner list (`affiliates_file`): a CSV file with
//! a header row, read into partner URLs and names.
//!
//! Partner lists come out of spreadsheets and affiliate networks, so the
//! reader is forgiving about shape (a byte-order mark, `;` or tab as the
//! separator, rows of different lengths, bare domains without a scheme,
//! `#` comments, blank lines) and strict about content: a row whose URL
//! cannot be used is an error naming the file and the line, never skipped
//! silently. It only reads the one file it is given; it never fetches.

use std::path::{Path, PathBuf};
use url::Url;

/// Header names (case-insensitive) of the column holding a partner's URL.
pub const URL_COLUMNS: &[&str] = &[
    "url",
    "website",
    "site",
    "homepage",
    "web",
    "link",
    "partner_url",
    "affiliate_url",
    "domain",
];
/// Header names (case-insensitive) of the optional column naming the partner.
pub const NAME_COLUMNS: &[&str] = &["name", "partner", "partner_name", "affiliate", "company"];

/// One partner of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub url: Url,
    pub name: Option<String>,
    /// The line of the file it was read from (1-based), for messages.
    pub line: u64,
}

/// What is wrong with a partner file; every variant names the file, and the
/// line where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PartnersError {
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", file.display())]
    Invalid {
        file: PathBuf,
        line: u64,
        message: String,
    },
}

/// Reads the partner list at `path`.
///
/// # Errors
/// [`PartnersError::Read`] when the file cannot be read;
/// [`PartnersError::Invalid`] with the line for a missing header, a header
/// without a URL column, or a row whose URL is not an http(s) URL.
pub fn read_partners(path: &Path) -> Result<Vec<Partner>, PartnersError> {
    let bytes = std::fs::read(path).map_err(|source| PartnersError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    parse_partners(&bytes, path)
}

/// Parses partner-list bytes; `path` is only used in messages.
///
/// # Errors
/// As [`read_partners`], without the read error.
pub fn parse_partners(bytes: &[u8], path: &Path) -> Result<Vec<Partner>, PartnersError> {
    let invalid = |line: u64, message: String| PartnersError::Invalid {
        file: path.to_path_buf(),
        line,
        message,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Comments are blanked rather than left to the csv reader, which does not
    // count them as lines: messages must name the line an editor shows.
    let bytes = blank_comments(bytes);
    let bytes = bytes.as_slice();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(guess_delimiter(bytes))
        .flexible(true)
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut records = reader.records();
    let (header, header_line) = loop {
        match records.next() {
            None => return Err(invalid(1, "no header row (expected a `url` column)".into())),
            Some(Err(e)) => return Err(invalid(error_line(&e, bytes), e.to_string())),
            Some(Ok(record)) if record.iter().all(str::is_empty) => continue,
            Some(Ok(record)) => {
                let line = line_of(record.position(), bytes);
                break (record, line);
            }
        }
    };
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let Some(url_column) = column(URL_COLUMNS) else {
        return Err(invalid(
            header_line,
            format!(
                "no URL column in the header row (one of: {})",
                URL_COLUMNS.join(", ")
            ),
        ));
    };
    let name_column = column(NAME_COLUMNS);
    let mut partners = Vec::new();
    for record in records {
        let record = record.map_err(|e| invalid(error_line(&e, bytes), e.to_string()))?;
        let line = line_of(record.position(), bytes);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let raw = record.get(url_column).unwrap_or_default();
        if raw.is_empty() {
            return Err(invalid(line, "the URL column is empty".into()));
        }
        let url = site_url(raw).map_err(|m| invalid(line, m))?;
        let name = name_column
            .and_then(|i| record.get(i))
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        partners.push(Partner { url, name, line });
    }
    Ok(partners)
}

/// `bytes` with every line whose first non-blank character is `#` emptied
/// (its line break kept).
fn blank_comments(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let first = line.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'#') {
            if line.ends_with(b"\r\n") {
                out.extend_from_slice(b"\r\n");
            } else if line.ends_with(b"\n") {
                out.push(b'\n');
            }
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Spreadsheets in much of the EU export with `;`; some tools with tabs.
fn guess_delimiter(bytes: &[u8]) -> u8 {
    let header = bytes
        .split(|&b| b == b'\n')
        .find(|line| {
            let line = String::from_utf8_lossy(line);
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        })
        .unwrap_or_default();
    let count = |c: u8| header.iter().filter(|&&b| b == c).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&c| (count(c), c == b','))
        .unwrap_or(b',')
}

fn error_line(error: &csv::Error, bytes: &[u8]) -> u64 {
    line_of(error.position(), bytes)
}

/// The 1-based line a record starts on, counted from its byte offset: the
/// csv reader's own line count leaves out blank lines.
fn line_of(position: Option<&csv::Position>, bytes: &[u8]) -> u64 {
    let mut offset = position
        .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
        .min(bytes.len());
    // The reader's position is where it began reading, before the blank
    // lines it skipped on the way to the record.
    while matches!(bytes.get(offset), Some(b'\n' | b'\r')) {
        offset += 1;
    }
    let before = &bytes[..offset];
    before.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// A site's address as lists write it: an http(s) URL, or a bare domain
/// (`partner.example/path`, meaning https). Also read by the register lookup.
///
/// # Errors
/// A message naming `raw` for another scheme, credentials, or no host name.
pub fn site_url(raw: &str) -> Result<Url, String> {
    // A value with a scheme of its own (`mailto:`, `ftp://`) is refused below,
    // not turned into a host; `host.example:8080/x` parses with the host as
    // its "scheme", which a scheme never contains a dot for.
    let has_scheme = Url::parse(raw).is_ok_and(|u| !u.scheme().contains('.'));
    let with_scheme = if has_scheme {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("`{raw}` is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{raw}`: scheme `{}` is not supported (use http or https)",
            url.scheme()
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{raw}` carries credentials; list the site's address only"
        ));
    }
    if url
        .host_str()
        .is_none_or(|h| !h.contains('.') && h != "localhost")
    {
        return Err(format!("`{raw}` has no host name"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Partner>, PartnersError> {
        parse_partners(text.as_bytes(), Path::new("partners.csv"))
    }

    #[test]
    fn header_names_are_recognised_case_insensitively() {
        let partners = parse(
            "\u{feff}Name,Website,Commission\n\
             # exported 2025-09-01\n\
             Krypto Blog,https://blog.example/,20%\n\
             \n\
             ,review.example/de/,\n",
        )
        .unwrap();
        assert_eq!(partners.len(), 2);
        assert_eq!(partners[0].url.as_str(), "https://blog.example/");
        assert_eq!(partners[0].name.as_deref(), Some("Krypto Blog"));
        assert_eq!(partners[0].line, 3);
        assert_eq!(partners[1].url.as_str(), "https://review.example/de/");
        assert_eq!(partners[1].name, None);
        assert_eq!(partners[1].line, 5);
    }

    #[test]
    fn semicolons_and_quotes_from_spreadsheets_are_read() {
        let partners = parse("partner;URL\n\"Müller; Söhne\";http://a.example/x?y=1\n").unwrap();
        assert_eq!(partners[0].name.as_deref(), Some("Müller; Söhne"));
        assert_eq!(partners[0].url.as_str(), "http://a.example/x?y=1");
    }

    #[test]
    fn bad_rows_name_the_file_and_line() {
        let error = parse("url,name\nhttps://ok.example/,A\nftp://files.example/,B\n").unwrap_err();
        assert!(error.to_string().starts_with("partners.csv:3:"), "{error}");
        assert!(error.to_string().contains("ftp"), "{error}");
        let error = parse("url\nhttps://ok.example/\nmailto:partner@example.org\n").unwrap_err();
        assert!(error.to_string().starts_with("partners.csv:3:"), "{error}");
        assert_eq!(
            parse("site\npartner.example:8080/de/").unwrap()[0]
                .url
                .as_str(),
            "https://partner.example:8080/de/"
        );
        let error = parse("url\nnot a url at all\n").unwrap_err();
        assert!(error.to_string().starts_with("partners.csv:2:"), "{error}");
        let error = parse("name,commission\nA,10%\n").unwrap_err();
        assert!(
            error.to_string().starts_with("partners.csv:1:") && error.to_string().contains("url"),
            "{error}"
        );
        let error = parse("url,name\n,Nameless\n").unwrap_err();
        assert!(error.to_string().starts_with("partners.csv:2:"), "{error}");
        assert!(parse("").is_err());
    }
}
