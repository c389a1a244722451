//! Dates of the ledger: reading a record's timestamp and the one-month
//! window that a client's request opens (MiCAR Art. 61(2)).
//!
//! The window is a calendar month, counted in days: a request on 15 March
//! covers offers up to and including 15 April, and one on 31 January covers
//! up to the last day of February (28th or 29th), never into March. Times
//! are UTC; a bare date is its midnight.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Reads `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp (any offset,
/// converted to UTC).
pub fn parse_timestamp(text: &str) -> Result<OffsetDateTime, String> {
    let text = text.trim();
    if let Ok(when) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return Ok(when.to_offset(time::UtcOffset::UTC));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(text, format) {
        Ok(date) => Ok(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc()),
        Err(_) => Err(format!(
            "`{text}` is not a date: use YYYY-MM-DD or RFC 3339 (2026-01-31T09:30:00Z)"
        )),
    }
}

/// The last day an offer is covered by a request made on `requested`: the
/// same day of the next month, or that month's last day when it is shorter.
pub fn window_end(requested: Date) -> Date {
    let (year, month) = match requested.month() {
        Month::December => (requested.year() + 1, Month::January),
        other => (requested.year(), other.next()),
    };
    let last = time::util::days_in_month(month, year);
    let day = requested.day().min(last);
    // In range by construction: `day` is at most the month's length, and a
    // `Date` a month on stays within time's year range except at its very end.
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// Whether an offer sent at `sent` falls in the window of a request made at
/// `requested`: not before the request, and on or before [`window_end`].
pub fn in_window(requested: OffsetDateTime, sent: OffsetDateTime) -> bool {
    sent >= requested && sent.date() <= window_end(requested.date())
}

/// RFC 3339 in UTC with a `Z`, as reports write times.
pub fn format_timestamp(when: OffsetDateTime) -> String {
    when.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| when.unix_timestamp().to_string())
}
