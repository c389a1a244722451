//! Link shorteners and tracking redirectors as data (`redirectors.toml`):
//! which hosts, paths and query parameters mark a redirector link, and the
//! finding a resolved chain gives the firm it lands on. Part of the pattern
//! bundle, so it is loaded and its examples checked with the rules.

use super::rule::RulesError;
use crate::model::{Category, Signal};
use regex::RegexSet;
use serde::Deserialize;
use url::Url;

/// Which links are shorteners or redirectors, and the finding a resolved
/// chain gives the firm it lands on.
#[derive(Debug, Clone)]
pub struct Redirectors {
    hosts: Vec<String>,
    paths: RegexSet,
    query_params: Vec<String>,
    pub finding: RedirectFinding,
}

/// The finding recorded for a chain that lands on a firm.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectFinding {
    pub rule_id: String,
    pub category: Category,
    pub signal: Signal,
    pub weight: f64,
    pub legal_ref: String,
    pub description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedirectors {
    hosts: Vec<String>,
    path_regex: Vec<String>,
    query_params: Vec<String>,
    examples: super::rule::Examples,
    finding: RedirectFinding,
}

impl Redirectors {
    /// Reads and checks the redirector data; every example must behave.
    ///
    /// # Errors
    /// [`RulesError::Parse`] naming `file` and the line for bad TOML, a bad
    /// regex or an example that does not behave.
    pub fn from_toml(text: &str, file: &str) -> Result<Redirectors, RulesError> {
        let error = |offset: usize, message: String| RulesError::Parse {
            file: file.to_string(),
            line: text[..offset.min(text.len())].matches('\n').count() + 1,
            message,
        };
        let raw: RawRedirectors = toml::from_str(text).map_err(|e| {
            error(
                e.span().map_or(0, |s| s.start),
                e.message().trim().to_string(),
            )
        })?;
        let paths = RegexSet::new(&raw.path_regex).map_err(|e| {
            let at = text.find("path_regex").unwrap_or(0);
            error(at, format!("bad path_regex: {e}"))
        })?;
        let redirectors = Redirectors {
            hosts: raw.hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            paths,
            query_params: raw
                .query_params
                .iter()
                .map(|p| p.to_ascii_lowercase())
                .collect(),
            finding: raw.finding,
        };
        for (example, expected) in raw
            .examples
            .matches
            .iter()
            .map(|e| (e, true))
            .chain(raw.examples.no_match.iter().map(|e| (e, false)))
        {
            let recognised = Url::parse(example)
                .map(|url| redirectors.recognises(&url))
                .unwrap_or(false);
            if recognised != expected {
                let at = text.find(example.as_str()).unwrap_or(0);
                let verb = if expected { "must" } else { "must not" };
                return Err(error(
                    at,
                    format!("example `{example}` {verb} be taken for a redirector link"),
                ));
            }
        }
        Ok(redirectors)
    }

    /// Whether a link is a shortener or a redirector worth resolving.
    pub fn recognises(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        if self
            .hosts
            .iter()
            .any(|h| host == h || host.ends_with(&format!(".{h}")))
        {
            return true;
        }
        if self.paths.is_match(&url.path().to_ascii_lowercase()) {
            return true;
        }
        url.query_pairs().any(|(name, value)| {
            self.query_params
                .iter()
                .any(|p| name.eq_ignore_ascii_case(p))
                && (value.starts_with("http://") || value.starts_with("https://"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Redirectors {
        Redirectors::from_toml(
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/patterns/redirectors.toml"
            )),
            "redirectors.toml",
        )
        .unwrap()
    }

    #[test]
    fn bundled_data_and_its_examples_load() {
        let redirectors = bundled();
        assert_eq!(redirectors.finding.category, Category::Affiliate);
        let yes = |u: &str| redirectors.recognises(&Url::parse(u).unwrap());
        assert!(yes("http://WWW.Bit.ly/abc"));
        assert!(yes("https://go.review.example/go/x"));
        assert!(!yes("https://review.example/go"));
        assert!(!yes("https://review.example/?to=de"));
    }

    #[test]
    fn a_misbehaving_example_names_file_and_line() {
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/patterns/redirectors.toml"
        ))
        .replace("\"https://exchange.example/\",", "\"https://bit.ly/x\",");
        let error = Redirectors::from_toml(&text, "redirectors.toml").unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("redirectors.toml:"), "{message}");
        assert!(message.contains("must not"), "{message}");
    }
}
