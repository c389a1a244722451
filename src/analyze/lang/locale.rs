//! Locale tags and codes: what `de-AT`, `pt-BR` or a `/fr/` path segment
//! points at (an EU member state, a market outside the EU, or nothing).

/// The 24 official languages of the EU, ISO 639-1.
pub const EU_OFFICIAL_LANGUAGES: [&str; 24] = [
    "bg", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hu", "ga", "it", "lv", "lt",
    "mt", "pl", "pt", "ro", "sk", "sl", "es", "sv",
];

/// The 27 member states, ISO 3166-1 alpha-2 (Greece is `GR`; `EL`, the EU's
/// own abbreviation, is accepted as an alias by [`is_eu_country`]).
pub const EU_COUNTRIES: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// The language a markup value (`de-AT`, `en`, `de, en`) declares, if it
/// names a known language.
pub(crate) fn markup_language(value: &str) -> Option<String> {
    let first = value.split(',').next()?.trim();
    let primary = primary_subtag(first);
    is_iso639_1(&primary).then_some(primary)
}

pub(crate) fn primary_subtag(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// What a locale tag says about the EU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocaleClass {
    /// A language with an EU region (`de-AT`, `en-IE`, `en-EU`).
    EuRegion { language: String, region: String },
    /// A language with a region outside the EU (`de-CH`, `pt-BR`, `es-419`).
    NonEuRegion { language: String, region: String },
    /// A language without region (`de`).
    LanguageOnly { language: String },
    /// Not a locale tag.
    Unknown,
}

/// Classifies a locale tag for locale rules. Accepts `_` for `-` and any
/// case; the region may follow a script subtag (`zh-Hant-TW`). `EU` counts as
/// an EU region, `419` (Latin America) as a non-EU one.
pub fn classify_locale(tag: &str) -> LocaleClass {
    let tag = tag.trim();
    let mut subtags = tag.split(['-', '_']);
    let language = subtags.next().unwrap_or("").to_ascii_lowercase();
    if !is_iso639_1(&language) {
        return LocaleClass::Unknown;
    }
    let mut region = None;
    for subtag in subtags {
        let is_script = subtag.len() == 4 && subtag.bytes().all(|b| b.is_ascii_alphabetic());
        if is_script && region.is_none() {
            continue;
        }
        let is_alpha_region = subtag.len() == 2 && subtag.bytes().all(|b| b.is_ascii_alphabetic());
        let is_numeric_region = subtag.len() == 3 && subtag.bytes().all(|b| b.is_ascii_digit());
        if is_alpha_region || is_numeric_region {
            region = Some(subtag.to_ascii_uppercase());
        } else if region.is_none() {
            // `de-garbage`: the tag is malformed, not merely region-less.
            return LocaleClass::Unknown;
        }
        break;
    }
    match region {
        None => LocaleClass::LanguageOnly { language },
        Some(region) if region == "EU" || is_eu_country(&region) => {
            let region = if region == "EL" { "GR".into() } else { region };
            LocaleClass::EuRegion { language, region }
        }
        Some(region) if region.bytes().all(|b| b.is_ascii_digit()) || is_country(&region) => {
            LocaleClass::NonEuRegion { language, region }
        }
        Some(_) => LocaleClass::Unknown,
    }
}

/// Whether `code` (ISO 3166-1 alpha-2, any case) is an EU member state; `EL` counts as Greece.
pub fn is_eu_country(code: &str) -> bool {
    let upper = code.trim().to_ascii_uppercase();
    upper == "EL" || EU_COUNTRIES.contains(&upper.as_str())
}

/// Every ISO 639-1 code.
pub(crate) const ISO639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// Every assigned ISO 3166-1 alpha-2 code, plus `UK`, which sites use for Britain.
pub(crate) const ISO3166_1: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW UK";

/// Whether `code` is an ISO 639-1 language code (lower case).
pub fn is_iso639_1(code: &str) -> bool {
    static LANGUAGES: [bool; 26 * 26] = two_letter_table(ISO639_1);
    matches!(code.as_bytes(), [a @ b'a'..=b'z', b @ b'a'..=b'z'] if LANGUAGES[pair_index(*a, *b)])
}

/// Whether `code` is an ISO 3166-1 alpha-2 country code (upper case).
pub fn is_country(code: &str) -> bool {
    static COUNTRIES: [bool; 26 * 26] = two_letter_table(ISO3166_1);
    matches!(code.as_bytes(), [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] if COUNTRIES[pair_index(*a, *b)])
}

/// A two-letter code's slot in a table of all pairs of letters, either case.
const fn pair_index(a: u8, b: u8) -> usize {
    (a.to_ascii_lowercase() - b'a') as usize * 26 + (b.to_ascii_lowercase() - b'a') as usize
}

/// The codes of a list written "aa ab ac" as a table of pairs of letters:
/// a lookup per block of every page, where scanning the list was a hot spot.
const fn two_letter_table(list: &str) -> [bool; 26 * 26] {
    let bytes = list.as_bytes();
    let mut table = [false; 26 * 26];
    let mut at = 0;
    while at + 1 < bytes.len() {
        table[pair_index(bytes[at], bytes[at + 1])] = true;
        at += 3;
    }
    table
}

/// Languages sites commonly put in paths and subdomains (`/de/`, `fr.`).
/// Narrower than ISO 639-1 on purpose: `/my/`, `/to/`, `/am/` are words, not locales.
pub(crate) const SITE_LANGUAGES: &[&str] = &[
    "bg", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hu", "ga", "it", "lv", "lt",
    "mt", "pl", "pt", "ro", "sk", "sl", "es", "sv", "ru", "uk", "tr", "ja", "ko", "zh", "ar", "he",
    "hi", "vi", "th", "ms", "nb", "no", "sr", "bs", "mk", "sq", "is", "ca", "eu", "gl", "fa", "ur",
    "bn", "tl", "sw", "kk", "az", "ka", "hy", "lb",
];

/// Country codes sites commonly put in subdomains (`de.`, `uk.`); EU members
/// plus large markets. `my`, `me`, `id`, `tv`, `co` are left out: as
/// subdomains they are usually words or products.
pub(crate) const SITE_COUNTRIES: &[&str] = &[
    "at", "be", "bg", "hr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "gr", "hu", "ie", "it", "lv",
    "lt", "lu", "mt", "nl", "pl", "pt", "ro", "sk", "si", "es", "se", "us", "uk", "gb", "ca", "au",
    "nz", "br", "mx", "ar", "cl", "pe", "ch", "li", "no", "tr", "ru", "ua", "jp", "kr", "cn", "tw",
    "hk", "sg", "in", "th", "vn", "ph", "ae", "sa", "za", "ng", "ke", "il", "eg", "ma",
];

/// Whether a path segment or host label looks like a locale: a common site
/// language (`de`), or a known language with a region (`de-de`, `de_DE`,
/// `en-eu`, `es-419`).
pub fn looks_like_locale(segment: &str, allow_country: bool) -> bool {
    let lower = segment.to_ascii_lowercase();
    if lower.len() == 2 {
        return SITE_LANGUAGES.contains(&lower.as_str())
            || (allow_country && SITE_COUNTRIES.contains(&lower.as_str()));
    }
    let mut parts = lower.split(['-', '_']);
    let (Some(language), Some(region), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if !SITE_LANGUAGES.contains(&language) {
        return false;
    }
    let upper = region.to_ascii_uppercase();
    upper == "EU" || upper == "419" || (upper.len() == 2 && is_country(&upper))
}
