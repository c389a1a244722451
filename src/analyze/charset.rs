//! Turns a response body into text, choosing the character encoding the way
//! a browser would: byte-order mark, then the `Content-Type` charset, then a
//! `<meta>` declaration in the first 1024 bytes, then a fallback.
//!
//! Evidence snippets are quoted to regulators, so a wrong guess here (a euro
//! sign shown as `â‚¬`, a Polish `ś` lost) would damage the report. This module
//! is pure: it never touches the network and never fails; undecodable bytes
//! become U+FFFD and are flagged in [`Decoded::had_errors`].

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};

/// How many leading bytes the `<meta>` prescan looks at (HTML standard).
const PRESCAN_BYTES: usize = 1024;

/// A decoded body and how its encoding was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding's canonical name (`UTF-8`, `windows-1252`, `ISO-8859-2` …).
    pub encoding: &'static str,
    pub source: CharsetSource,
    /// Some bytes were not valid in the encoding and became U+FFFD.
    pub had_errors: bool,
}

/// Where the encoding decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte-order mark at the start of the body.
    Bom,
    /// The `charset` parameter of the `Content-Type` header.
    Header,
    /// `<meta charset>` or `<meta http-equiv="Content-Type" content="…charset=…">`.
    Meta,
    /// Nothing declared: UTF-8 when the bytes are valid UTF-8, else windows-1252.
    Fallback,
}

/// Decodes `body`, given the response's `Content-Type` header if any.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((encoding, bom_length)) = Encoding::for_bom(body) {
        return decode_with(encoding, &body[bom_length..], CharsetSource::Bom);
    }
    if let Some(encoding) = content_type
        .and_then(charset_parameter)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
    {
        return decode_with(encoding, body, CharsetSource::Header);
    }
    if let Some(encoding) = prescan_meta(&body[..body.len().min(PRESCAN_BYTES)]) {
        return decode_with(encoding, body, CharsetSource::Meta);
    }
    let encoding = if std::str::from_utf8(body).is_ok() {
        UTF_8
    } else {
        WINDOWS_1252
    };
    decode_with(encoding, body, CharsetSource::Fallback)
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8], source: CharsetSource) -> Decoded {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        source,
        had_errors,
    }
}

/// The `charset` parameter of a `Content-Type` value, unquoted.
fn charset_parameter(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// The charset named in `content="text/html; charset=…"` (HTML standard's
/// "extracting a character encoding from a meta element").
fn charset_from_meta_content(content: &[u8]) -> Option<&'static Encoding> {
    let lower = content.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = find(&lower[from..], b"charset") {
        let mut position = from + found + b"charset".len();
        while lower.get(position).is_some_and(|b| is_space(*b)) {
            position += 1;
        }
        if lower.get(position) != Some(&b'=') {
            from = position;
            continue;
        }
        position += 1;
        while lower.get(position).is_some_and(|b| is_space(*b)) {
            position += 1;
        }
        let rest = &content[position..];
        let value = match rest.first() {
            Some(&quote @ (b'"' | b'\'')) => {
                let end = rest[1..].iter().position(|&b| b == quote)?;
                &rest[1..1 + end]
            }
            Some(_) => {
                let end = rest
                    .iter()
                    .position(|&b| is_space(b) || b == b';')
                    .unwrap_or(rest.len());
                &rest[..end]
            }
            None => return None,
        };
        return Encoding::for_label(value);
    }
    None
}

/// The HTML standard's prescan for a `<meta>` encoding declaration.
fn prescan_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut position = 0;
    while position < bytes.len() {
        let rest = &bytes[position..];
        if rest.starts_with(b"<!--") {
            position += 4 + find(&rest[4..], b"-->").map_or(rest.len(), |end| end + 3);
            continue;
        }
        if rest.len() >= 6
            && rest[..5].eq_ignore_ascii_case(b"<meta")
            && (is_space(rest[5]) || rest[5] == b'/')
        {
            position += 5;
            if let Some(encoding) = meta_encoding(bytes, &mut position) {
                // UTF-16 cannot be declared from inside the document it encodes.
                if encoding == UTF_16BE || encoding == UTF_16LE {
                    return Some(UTF_8);
                }
                if encoding == X_USER_DEFINED {
                    return Some(WINDOWS_1252);
                }
                return Some(encoding);
            }
            continue;
        }
        let is_tag_start = rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)));
        if is_tag_start {
            position += if rest[1] == b'/' { 2 } else { 1 };
            while bytes
                .get(position)
                .is_some_and(|b| !is_space(*b) && *b != b'>')
            {
                position += 1;
            }
            while get_attribute(bytes, &mut position).is_some() {}
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            position += find(rest, b">").map_or(rest.len(), |end| end + 1);
            continue;
        }
        position += 1;
    }
    None
}

/// Reads the attributes of one `<meta>` tag and returns the encoding it
/// declares, if it declares one.
fn meta_encoding(bytes: &[u8], position: &mut usize) -> Option<&'static Encoding> {
    let mut seen = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    let mut charset: Option<&'static Encoding> = None;
    while let Some((name, value)) = get_attribute(bytes, position) {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        match name.as_slice() {
            b"http-equiv" if value.eq_ignore_ascii_case(b"content-type") => got_pragma = true,
            b"content" if charset.is_none() => {
                if let Some(encoding) = charset_from_meta_content(&value) {
                    charset = Some(encoding);
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Encoding::for_label(&value);
                need_pragma = Some(false);
            }
            _ => {}
        }
    }
    match need_pragma {
        Some(true) if !got_pragma => None,
        Some(_) => charset,
        None => None,
    }
}

/// The HTML standard's "get an attribute": returns a lower-cased name and a
/// value, or `None` at the end of the tag.
fn get_attribute(bytes: &[u8], position: &mut usize) -> Option<(Vec<u8>, Vec<u8>)> {
    let at = |p: usize| bytes.get(p).copied();
    while at(*position).is_some_and(|b| is_space(b) || b == b'/') {
        *position += 1;
    }
    match at(*position) {
        None => return None,
        Some(b'>') => {
            *position += 1;
            return None;
        }
        Some(_) => {}
    }
    let mut name = Vec::new();
    let mut value = Vec::new();
    loop {
        match at(*position) {
            None => return Some((name, value)),
            Some(b'=') if !name.is_empty() => break,
            Some(b) if is_space(b) => {
                while at(*position).is_some_and(is_space) {
                    *position += 1;
                }
                if at(*position) != Some(b'=') {
                    return Some((name, value));
                }
                break;
            }
            Some(b'/' | b'>') => return Some((name, value)),
            Some(b) => {
                name.push(b.to_ascii_lowercase());
                *position += 1;
            }
        }
    }
    // At '='.
    *position += 1;
    while at(*position).is_some_and(is_space) {
        *position += 1;
    }
    match at(*position) {
        Some(quote @ (b'"' | b'\'')) => {
            *position += 1;
            while let Some(b) = at(*position) {
                *position += 1;
                if b == quote {
                    return Some((name, value));
                }
                value.push(b.to_ascii_lowercase());
            }
            Some((name, value))
        }
        Some(b'>') => Some((name, value)),
        None => Some((name, value)),
        Some(_) => {
            while let Some(b) = at(*position) {
                if is_space(b) || b == b'>' {
                    break;
                }
                value.push(b.to_ascii_lowercase());
                *position += 1;
            }
            Some((name, value))
        }
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Gebühr: 5 €" in windows-1252: ü = 0xFC, € = 0x80.
    const GEBUEHR_1252: &[u8] = b"Geb\xfchr: 5 \x80";
    /// "Zarejestruj się, 10 zł, Środa" in ISO-8859-2: ę = 0xEA, ł = 0xB3, Ś = 0xA6, ś = 0xB6.
    const POLISH_8859_2: &[u8] = b"Zarejestruj si\xea, 10 z\xb3, \xa6roda, \xb6wiat";

    #[test]
    fn windows_1252_from_header() {
        let decoded = decode(GEBUEHR_1252, Some("text/html; charset=windows-1252"));
        assert_eq!(decoded.text, "Gebühr: 5 €");
        assert_eq!(decoded.encoding, "windows-1252");
        assert_eq!(decoded.source, CharsetSource::Header);
        assert!(!decoded.had_errors);
    }

    #[test]
    fn latin1_label_means_windows_1252() {
        // Browsers read ISO-8859-1 as windows-1252, so 0x80 is still €.
        let decoded = decode(GEBUEHR_1252, Some("text/html;charset=\"ISO-8859-1\""));
        assert_eq!(decoded.text, "Gebühr: 5 €");
    }

    #[test]
    fn iso_8859_2_from_header() {
        let decoded = decode(POLISH_8859_2, Some("text/html; Charset=ISO-8859-2"));
        assert_eq!(decoded.text, "Zarejestruj się, 10 zł, Środa, świat");
        assert_eq!(decoded.encoding, "ISO-8859-2");
        assert_eq!(decoded.source, CharsetSource::Header);
    }

    #[test]
    fn iso_8859_2_from_meta_charset() {
        let mut page =
            b"<!doctype html><html lang=pl><head><meta charset=\"iso-8859-2\"><title>".to_vec();
        page.extend_from_slice(POLISH_8859_2);
        let decoded = decode(&page, Some("text/html"));
        assert!(decoded
            .text
            .ends_with("Zarejestruj się, 10 zł, Środa, świat"));
        assert_eq!(decoded.encoding, "ISO-8859-2");
        assert_eq!(decoded.source, CharsetSource::Meta);
    }

    #[test]
    fn windows_1252_from_meta_http_equiv() {
        let mut page = b"<html><head><!-- <meta charset=utf-8> --><META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=windows-1252'></head><p>".to_vec();
        page.extend_from_slice(GEBUEHR_1252);
        let decoded = decode(&page, None);
        assert!(decoded.text.ends_with("Gebühr: 5 €"), "{}", decoded.text);
        assert_eq!(decoded.source, CharsetSource::Meta);
        assert_eq!(decoded.encoding, "windows-1252");
    }

    #[test]
    fn meta_content_without_http_equiv_is_ignored() {
        let page = b"<meta content='text/html; charset=iso-8859-2'><p>caf\xc3\xa9";
        let decoded = decode(page, None);
        assert_eq!(decoded.source, CharsetSource::Fallback);
        assert_eq!(decoded.encoding, "UTF-8");
    }

    #[test]
    fn meta_beyond_1024_bytes_is_not_seen() {
        let mut page = b"<html><head>".to_vec();
        page.extend(std::iter::repeat_n(b' ', 1100));
        page.extend_from_slice(b"<meta charset=iso-8859-2>");
        page.extend_from_slice(POLISH_8859_2);
        let decoded = decode(&page, None);
        assert_eq!(decoded.source, CharsetSource::Fallback);
        assert_eq!(decoded.encoding, "windows-1252");
    }

    #[test]
    fn meta_inside_attribute_value_is_not_a_declaration() {
        let page = b"<div title='<meta charset=iso-8859-2>'>z\xc5\x82</div>";
        let decoded = decode(page, None);
        assert_eq!(decoded.encoding, "UTF-8");
        assert_eq!(decoded.source, CharsetSource::Fallback);
    }

    #[test]
    fn header_wins_over_meta() {
        let mut page = b"<meta charset=iso-8859-2>".to_vec();
        page.extend_from_slice(GEBUEHR_1252);
        let decoded = decode(&page, Some("text/html; charset=windows-1252"));
        assert_eq!(decoded.source, CharsetSource::Header);
        assert!(decoded.text.ends_with("Gebühr: 5 €"));
    }

    #[test]
    fn bom_wins_over_header_and_meta() {
        let mut page = b"\xef\xbb\xbf<meta charset=iso-8859-2>".to_vec();
        page.extend_from_slice("Gebühr: 5 €".as_bytes());
        let decoded = decode(&page, Some("text/html; charset=windows-1252"));
        assert_eq!(decoded.source, CharsetSource::Bom);
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(decoded.text.ends_with("Gebühr: 5 €"));
        assert!(!decoded.text.starts_with('\u{feff}'));

        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("zł".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let decoded = decode(&utf16, Some("text/plain; charset=iso-8859-2"));
        assert_eq!(decoded.text, "zł");
        assert_eq!(decoded.encoding, "UTF-16LE");
    }

    #[test]
    fn meta_declaring_utf16_means_utf8() {
        let page = "<meta charset=utf-16><p>zł".as_bytes();
        let decoded = decode(page, None);
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(decoded.text.ends_with("zł"));
    }

    #[test]
    fn fallback_is_utf8_when_valid_else_windows_1252() {
        let decoded = decode("Gebühr: 5 €".as_bytes(), Some("text/html"));
        assert_eq!(
            (decoded.encoding, decoded.source),
            ("UTF-8", CharsetSource::Fallback)
        );
        let decoded = decode(GEBUEHR_1252, None);
        assert_eq!(decoded.encoding, "windows-1252");
        assert_eq!(decoded.text, "Gebühr: 5 €");
    }

    #[test]
    fn unknown_header_label_falls_through() {
        let decoded = decode(
            b"<meta charset=iso-8859-2>\xb6",
            Some("text/html; charset=klingon"),
        );
        assert_eq!(decoded.source, CharsetSource::Meta);
        assert!(decoded.text.ends_with('ś'));
    }

    #[test]
    fn invalid_bytes_are_flagged() {
        let decoded = decode(b"ok \xff\xfe\xfd", Some("text/html; charset=utf-8"));
        assert!(decoded.had_errors);
        assert!(decoded.text.contains('\u{fffd}'));
    }
}
