//! Reading the ledger's two CSV files, a row at a time: client-initiated
//! requests and the offers the firm sent later.
//!
//! Strict about content: an unknown column, a missing value, a bad date, an
//! unknown service or a malformed row stops the run with `file:line:column`,
//! because a ledger that skipped a row would certify what it never read.
//! Forgiving about shape: a byte-order mark, blanks around values, header
//! names in any case. Rows are streamed, never all held.

use super::data::{canonical_country, LedgerData};
use super::error::LedgerError;
use super::window::parse_timestamp;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use time::OffsetDateTime;

/// Who started the exchange a request records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    Client,
    Firm,
}

/// One row of REQUESTS.csv.
#[derive(Debug, Clone)]
pub struct Request {
    pub line: u64,
    pub client_id: String,
    pub requested_at: OffsetDateTime,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// A service id of `ledger.toml`.
    pub service: String,
    pub asset: String,
    pub initiated_by: Initiator,
    pub channel: Option<String>,
    pub reference: Option<String>,
}

/// One row of OFFERS.csv.
#[derive(Debug, Clone)]
pub struct Offer {
    pub line: u64,
    pub offer_id: String,
    pub client_id: String,
    pub sent_at: OffsetDateTime,
    pub channel: String,
    pub service: String,
    pub asset: String,
    /// The client's country when the offers file says it.
    pub country: Option<String>,
}

pub const REQUEST_COLUMNS: &[&str] = &["client_id", "requested_at", "country", "service", "asset"];
pub const REQUEST_OPTIONAL: &[&str] = &["initiated_by", "channel", "reference"];
pub const OFFER_COLUMNS: &[&str] = &[
    "offer_id",
    "client_id",
    "sent_at",
    "channel",
    "service",
    "asset",
];
pub const OFFER_OPTIONAL: &[&str] = &["country"];

/// A CSV file read row by row, each value found by column name.
pub struct Rows<R: Read> {
    path: String,
    reader: csv::Reader<R>,
    /// Column name → index in the row.
    columns: Vec<(String, usize)>,
    record: csv::StringRecord,
    /// Byte offset of the current row, to find a value's column on error.
    row_start: u64,
    line: u64,
}

impl Rows<std::fs::File> {
    /// Opens `path` and checks its header against `required` and `optional`.
    ///
    /// # Errors
    /// [`LedgerError::Io`]; [`LedgerError::Input`] for a missing or unknown
    /// column.
    pub fn open(path: &Path, required: &[&str], optional: &[&str]) -> Result<Self, LedgerError> {
        let file = std::fs::File::open(path).map_err(|source| LedgerError::Io {
            file: path.display().to_string(),
            source,
        })?;
        Rows::new(file, &path.display().to_string(), required, optional)
    }
}

impl<R: Read> Rows<R> {
    fn new(
        input: R,
        path: &str,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Self, LedgerError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(None)
            .from_reader(input);
        let input_error = |line: u64, column: usize, message: String| LedgerError::Input {
            file: path.to_string(),
            line,
            column,
            message,
        };
        let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
        let mut columns: Vec<(String, usize)> = Vec::new();
        let mut column = 1;
        for (index, name) in headers.iter().enumerate() {
            let name = name.trim_start_matches('\u{feff}').trim().to_lowercase();
            if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
                return Err(input_error(
                    1,
                    column_in_file(Path::new(path), 0, index).unwrap_or(column),
                    format!(
                        "unknown column `{name}`; expected {} and optionally {}",
                        required.join(", "),
                        optional.join(", ")
                    ),
                ));
            }
            if columns.iter().any(|(seen, _)| *seen == name) {
                return Err(input_error(
                    1,
                    column_in_file(Path::new(path), 0, index).unwrap_or(column),
                    format!("column `{name}` appears twice"),
                ));
            }
            column += name.chars().count() + 1;
            columns.push((name, index));
        }
        if let Some(missing) = required
            .iter()
            .find(|want| !columns.iter().any(|(name, _)| name == *want))
        {
            return Err(input_error(
                1,
                1,
                format!("the header has no `{missing}` column"),
            ));
        }
        Ok(Rows {
            path: path.to_string(),
            reader,
            columns,
            record: csv::StringRecord::new(),
            row_start: 0,
            line: 1,
        })
    }

    /// Moves to the next row that is not blank; false at the end.
    ///
    /// # Errors
    /// [`LedgerError::Input`] for a row that is not CSV or has a different
    /// number of values than the header.
    pub fn advance(&mut self) -> Result<bool, LedgerError> {
        loop {
            let position = self.reader.position().clone();
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(false),
                Ok(true) => {}
                Err(error) => return Err(csv_error(&self.path, &error)),
            }
            let start = self.record.position().unwrap_or(&position);
            self.row_start = start.byte();
            self.line = start.line();
            if self.record.iter().all(str::is_empty) {
                continue;
            }
            if self.record.len() != self.columns.len() {
                return Err(LedgerError::Input {
                    file: self.path.clone(),
                    line: self.line,
                    column: 1,
                    message: format!(
                        "this row has {} values, the header {}",
                        self.record.len(),
                        self.columns.len()
                    ),
                });
            }
            return Ok(true);
        }
    }

    pub fn line(&self) -> u64 {
        self.line
    }

    /// The value of `column` in the current row; `None` when the file has no
    /// such column or the value is empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.index_of(column)
            .and_then(|index| self.record.get(index))
            .filter(|value| !value.is_empty())
    }

    /// The value of a required column.
    ///
    /// # Errors
    /// [`LedgerError::Input`] at that value when it is empty.
    pub fn required(&self, column: &str) -> Result<&str, LedgerError> {
        self.get(column)
            .ok_or_else(|| self.error_at(column, format!("`{column}` is empty")))
    }

    fn index_of(&self, column: &str) -> Option<usize> {
        self.columns
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, index)| *index)
    }

    /// An error pointing at `column` of the current row. The column number is
    /// counted in characters of the row as written (quotes included); for a
    /// file that cannot be read again it falls back to counting values.
    pub fn error_at(&self, column: &str, message: String) -> LedgerError {
        let index = self.index_of(column).unwrap_or(0);
        let character = column_in_file(Path::new(&self.path), self.row_start, index)
            .unwrap_or_else(|| {
                1 + self
                    .record
                    .iter()
                    .take(index)
                    .map(|v| v.chars().count() + 1)
                    .sum::<usize>()
            });
        LedgerError::Input {
            file: self.path.clone(),
            line: self.line,
            column: character,
            message,
        }
    }
}

fn csv_error(path: &str, error: &csv::Error) -> LedgerError {
    let line = error.position().map_or(1, csv::Position::line);
    LedgerError::Input {
        file: path.to_string(),
        line,
        column: 1,
        message: format!("not a CSV row: {error}"),
    }
}

/// The 1-based character column where value `index` starts in the row at
/// byte `row_start` of the file. Only read on the way to an error.
fn column_in_file(path: &Path, row_start: u64, index: usize) -> Option<usize> {
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(row_start)).ok()?;
    let mut line = String::new();
    BufReader::new(file.take(1 << 20))
        .read_line(&mut line)
        .ok()?;
    let mut quoted = false;
    let mut value = 0;
    for (column, c) in line.chars().enumerate() {
        if value == index {
            return Some(column + 1);
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => value += 1,
            _ => {}
        }
    }
    None
}

/// Reads the current row of REQUESTS.csv.
///
/// # Errors
/// [`LedgerError::Input`] at the offending value.
pub fn request_row<R: Read>(rows: &Rows<R>, data: &LedgerData) -> Result<Request, LedgerError> {
    let requested_at_text = rows.required("requested_at")?;
    let requested_at =
        parse_timestamp(requested_at_text).map_err(|m| rows.error_at("requested_at", m))?;
    let initiated_by = match rows.get("initiated_by").map(str::to_lowercase).as_deref() {
        None | Some("client") => Initiator::Client,
        Some("firm") => Initiator::Firm,
        Some(other) => {
            return Err(rows.error_at(
                "initiated_by",
                format!("initiated_by is `{other}`: use client or firm"),
            ))
        }
    };
    Ok(Request {
        line: rows.line(),
        client_id: rows.required("client_id")?.to_string(),
        requested_at,
        country: country(rows, "country")?,
        service: service(rows, data)?,
        asset: rows.required("asset")?.to_string(),
        initiated_by,
        channel: rows.get("channel").map(str::to_string),
        reference: rows.get("reference").map(str::to_string),
    })
}

/// Reads the current row of OFFERS.csv.
///
/// # Errors
/// [`LedgerError::Input`] at the offending value.
pub fn offer_row<R: Read>(rows: &Rows<R>, data: &LedgerData) -> Result<Offer, LedgerError> {
    let sent_at_text = rows.required("sent_at")?;
    let sent_at = parse_timestamp(sent_at_text).map_err(|m| rows.error_at("sent_at", m))?;
    let country = match rows.get("country") {
        Some(_) => Some(country(rows, "country")?),
        None => None,
    };
    Ok(Offer {
        line: rows.line(),
        offer_id: rows.required("offer_id")?.to_string(),
        client_id: rows.required("client_id")?.to_string(),
        sent_at,
        channel: rows.required("channel")?.to_string(),
        service: service(rows, data)?,
        asset: rows.required("asset")?.to_string(),
        country,
    })
}

fn country<R: Read>(rows: &Rows<R>, column: &str) -> Result<String, LedgerError> {
    let text = rows.required(column)?;
    let code = canonical_country(text);
    if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(rows.error_at(
            column,
            format!("`{text}` is not a country code: use ISO 3166-1 alpha-2 (DE, FR, EL …)"),
        ))
    }
}

fn service<R: Read>(rows: &Rows<R>, data: &LedgerData) -> Result<String, LedgerError> {
    let text = rows.required("service")?;
    data.service(text).map(str::to_string).ok_or_else(|| {
        let known: Vec<&str> = data.services.keys().map(String::as_str).collect();
        rows.error_at(
            "service",
            format!(
                "unknown service `{text}`: use one of {} or a synonym listed in patterns/ledger.toml",
                known.join(", ")
            ),
        )
    })
}
