//! The geo probe's data file (`geo.toml`): URL words for sign-up, product and
//! restriction pages, the country-selector words and the country table. Part
//! of the pattern bundle, so it is loaded and checked with the rules.

use super::rule::RulesError;
use serde::Deserialize;
use std::collections::HashMap;
use url::Url;

/// The probe's data file in the pattern bundle.
pub const GEO_FILE: &str = "geo.toml";

/// Word lists and the country table from `patterns/geo.toml`.
#[derive(Debug, Clone)]
pub struct GeoData {
    pub signup_url_words: Vec<String>,
    pub product_url_words: Vec<String>,
    pub restriction_url_words: Vec<String>,
    pub selector_words: Vec<String>,
    pub selector_min_countries: usize,
    /// Folded country name, or upper-case ISO code, → ISO code.
    pub countries: HashMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeoData {
    pub signup_url_words: Vec<String>,
    pub product_url_words: Vec<String>,
    pub restriction_url_words: Vec<String>,
    pub selector_words: Vec<String>,
    pub selector_min_countries: usize,
    country: Vec<RawCountry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    code: String,
    names: Vec<String>,
}

impl GeoData {
    /// Parses and checks the probe's data file.
    ///
    /// # Errors
    /// [`RulesError::Parse`] naming the file and line of a syntax error, an
    /// unknown key, or a country code that is not two letters.
    pub fn from_toml(text: &str, file_name: &str) -> Result<GeoData, RulesError> {
        let error = |line: usize, message: String| RulesError::Parse {
            file: file_name.to_string(),
            line,
            message,
        };
        let raw: RawGeoData = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            error(line, e.message().trim().to_string())
        })?;
        let fold_all = |words: Vec<String>| -> Vec<String> {
            words
                .iter()
                .map(|w| crate::model::text::fold_str(w.trim()))
                .filter(|w| !w.is_empty())
                .collect()
        };
        let mut countries = HashMap::new();
        for country in raw.country {
            let Some(code) = crate::config::country_code(&country.code) else {
                let line = text
                    .find(&format!("\"{}\"", country.code))
                    .map_or(1, |at| text[..at].matches('\n').count() + 1);
                return Err(error(
                    line,
                    format!("`{}` is not an ISO 3166-1 alpha-2 code", country.code),
                ));
            };
            for name in &country.names {
                countries.insert(crate::model::text::fold_str(name.trim()), code.clone());
            }
            countries.insert(code.clone(), code);
        }
        Ok(GeoData {
            signup_url_words: fold_all(raw.signup_url_words),
            product_url_words: fold_all(raw.product_url_words),
            restriction_url_words: fold_all(raw.restriction_url_words),
            selector_words: fold_all(raw.selector_words),
            selector_min_countries: raw.selector_min_countries.max(1),
            countries,
        })
    }

    /// The data compiled into the binary.
    ///
    /// # Errors
    /// Only if the bundled file is broken, which the test suite rules out.
    pub fn bundled() -> Result<GeoData, RulesError> {
        GeoData::from_toml(
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/patterns/geo.toml")),
            "patterns/geo.toml",
        )
    }

    /// The ISO code an `<option>` stands for: its value if that is a code,
    /// else its text as a code or a known name.
    pub fn country_of(&self, value: Option<&str>, text: &str) -> Option<&str> {
        let by_code = |candidate: &str| {
            crate::config::country_code(candidate).and_then(|code| self.countries.get(&code))
        };
        if let Some(code) = value.and_then(by_code) {
            return Some(code);
        }
        if let Some(code) = by_code(text) {
            return Some(code);
        }
        // Flags and markers around the name ("🇩🇪 Germany", "Germany *").
        let name: String = text
            .chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace() || matches!(c, '-' | '\''))
            .collect();
        let folded = crate::model::text::normalize_whitespace(&crate::model::text::fold_str(&name));
        self.countries.get(folded.trim()).map(String::as_str)
    }

    pub fn path_has_any(words: &[String], url: &Url) -> bool {
        let path = crate::model::text::fold_str(url.path());
        path.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .filter(|segment| !segment.is_empty())
            .any(|segment| {
                words
                    .iter()
                    .any(|w| segment == w || segment.split(['-', '_']).any(|part| part == w))
            })
    }

    /// The URL looks like the page a geo-fence sends visitors to.
    pub fn is_restriction_url(&self, url: &Url) -> bool {
        GeoData::path_has_any(&self.restriction_url_words, url)
    }
}
