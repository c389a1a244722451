//! robots.txt (RFC 9309): may the crawler fetch a URL, how long must it wait
//! between requests, and which sitemaps does the site announce.
//!
//! The allow/deny decision is always taken by `texting_robots`, a maintained
//! parser tested against Google's and other crawlers' suites. That crate does
//! not say *which* line decided, yet a report must name the rule behind every
//! skipped page. So this module also reads the group's Allow/Disallow lines
//! itself, with the same group selection and longest-match semantics, only to
//! name the deciding line; a test checks that both agree.
//!
//! This module never fetches anything: the crawler hands it the status and
//! body of `/robots.txt`. It never turns an unreadable file into "allow all"
//! except where RFC 9309 says so (4xx).

use std::time::Duration;
use texting_robots::Robot;
use url::{Position, Url};

/// RFC 9309 §2.5: crawlers must parse at least the first 500 KiB.
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// The verdict on one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotsDecision {
    Allowed,
    /// `rule` names the deciding line (`Disallow: /private/`) or the reason
    /// everything is refused (`robots.txt unavailable (5xx): HTTP 503, disallow all`).
    Disallowed {
        rule: String,
    },
}

/// A parsed robots.txt for one host, as seen by our product token.
#[derive(Debug)]
pub struct Robots {
    policy: Policy,
    /// robots.txt could not be read (5xx, 429, network error): everything is
    /// refused for now, and a later re-check may lift it.
    unavailable: bool,
    crawl_delay: Option<Duration>,
    sitemaps: Vec<String>,
}

#[derive(Debug)]
enum Policy {
    AllowAll,
    DisallowAll {
        reason: String,
    },
    Rules {
        robot: Box<Robot>,
        group: Vec<RuleLine>,
    },
}

/// One Allow/Disallow line of the group that applies to us.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RuleLine {
    allow: bool,
    /// Percent-encoded the way `texting_robots` encodes it, so lengths agree.
    pattern: String,
    /// As written, for the report: `Disallow: /private/`.
    text: String,
}

impl Robots {
    /// Interprets the answer to `GET /robots.txt` (after redirects).
    ///
    /// 2xx: the body is parsed (its first 500 KiB, cut at a line end). 4xx,
    /// 404 included: no restrictions (RFC 9309 §2.3.1.3), except 429, which
    /// is treated like 5xx as Google does, because a host asking us to slow
    /// down is no host to crawl freely. 3xx here means the redirect chain was
    /// not followed to the end: unavailable, so no restrictions (§2.3.1.2).
    /// 5xx and anything else: disallow all (§2.3.1.4).
    pub fn from_response(user_agent: &str, status: u16, body: &[u8]) -> Robots {
        match status {
            200..=299 => Robots::parse(user_agent, body),
            429 => Robots::unavailable(format!(
                "robots.txt unavailable (rate-limited): HTTP {status}, disallow all"
            )),
            300..=499 => Robots::allow_all(),
            500..=599 => Robots::unavailable(format!(
                "robots.txt unavailable (5xx): HTTP {status}, disallow all"
            )),
            _ => Robots::unavailable(format!(
                "robots.txt unavailable (HTTP {status}): disallow all"
            )),
        }
    }

    /// A network error while fetching robots.txt: disallow all (RFC 9309 §2.3.1.4).
    pub fn unreachable() -> Robots {
        Robots::unavailable("robots.txt unavailable (network error): disallow all".to_string())
    }

    /// True when robots.txt could not be read and everything is refused until
    /// a re-check reads it; false for a readable file, even one that says
    /// `Disallow: /`.
    pub fn is_unavailable(&self) -> bool {
        self.unavailable
    }

    /// No restrictions (robots.txt absent, or robots not respected by configuration).
    pub fn allow_all() -> Robots {
        Robots {
            policy: Policy::AllowAll,
            unavailable: false,
            crawl_delay: None,
            sitemaps: Vec::new(),
        }
    }

    fn unavailable(reason: String) -> Robots {
        Robots::refuse_all(reason, true)
    }

    fn refuse_all(reason: String, unavailable: bool) -> Robots {
        Robots {
            policy: Policy::DisallowAll { reason },
            unavailable,
            crawl_delay: None,
            sitemaps: Vec::new(),
        }
    }

    fn parse(user_agent: &str, body: &[u8]) -> Robots {
        let body = truncate_at_line_end(body, MAX_ROBOTS_BYTES);
        let token = product_token(user_agent);
        // An empty token would match an empty `User-agent:` line; `*` is
        // what a nameless crawler must obey.
        let token = if token.is_empty() {
            "*".to_string()
        } else {
            token
        };
        let robot = match Robot::new(&token, body) {
            Ok(robot) => robot,
            Err(error) => {
                // The crate quotes the offending rule, which can be huge.
                let detail: String = error.to_string().chars().take(120).collect();
                return Robots::refuse_all(
                    format!("robots.txt could not be parsed ({detail}): disallow all"),
                    false,
                );
            }
        };
        let crawl_delay = robot
            .delay
            .and_then(|seconds| Duration::try_from_secs_f32(seconds).ok());
        let sitemaps = robot.sitemaps.clone();
        let group = group_rules(&token, body);
        Robots {
            policy: Policy::Rules {
                robot: Box::new(robot),
                group,
            },
            unavailable: false,
            crawl_delay,
            sitemaps,
        }
    }

    /// May `url` be fetched? When not, names the rule that decided.
    pub fn check(&self, url: &Url) -> RobotsDecision {
        match &self.policy {
            Policy::AllowAll => RobotsDecision::Allowed,
            Policy::DisallowAll { reason } => RobotsDecision::Disallowed {
                rule: reason.clone(),
            },
            Policy::Rules { robot, .. } => {
                let target = path_and_query(url);
                if robot.allowed(target) {
                    return RobotsDecision::Allowed;
                }
                let rule = match self.deciding_rule(target) {
                    Some(line) if !line.allow => line.text.clone(),
                    // Only if our reading of the file differs from the crate's.
                    _ => "Disallow (robots.txt rule not identified)".to_string(),
                };
                RobotsDecision::Disallowed { rule }
            }
        }
    }

    /// `Crawl-delay` of our group (or one given before any group), if any.
    /// Fractional seconds are kept; the crawler caps it at `max_crawl_delay`.
    pub fn crawl_delay(&self) -> Option<Duration> {
        self.crawl_delay
    }

    /// `Sitemap:` URLs, in file order. They apply to every crawler.
    pub fn sitemaps(&self) -> Vec<String> {
        self.sitemaps.clone()
    }

    /// The line of our group that wins for `target` (path and query) under
    /// longest match, an Allow winning a tie; `None` when no line matches.
    fn deciding_rule(&self, target: &str) -> Option<&RuleLine> {
        let Policy::Rules { group, .. } = &self.policy else {
            return None;
        };
        let target = percent_encode_like_texting_robots(target);
        let mut best: Option<&RuleLine> = None;
        for line in group {
            if !pattern_matches(line.pattern.as_bytes(), target.as_bytes()) {
                continue;
            }
            let better = match best {
                None => true,
                Some(current) => {
                    line.pattern.len() > current.pattern.len()
                        || (line.pattern.len() == current.pattern.len()
                            && line.allow
                            && !current.allow)
                }
            };
            if better {
                best = Some(line);
            }
        }
        best
    }
}

/// The product token robots.txt groups are matched on (RFC 9309 §2.2.1):
/// the leading run of `[a-zA-Z_-]`. `micar-scan/0.1 (+https://…)` → `micar-scan`.
pub fn product_token(user_agent: &str) -> String {
    user_agent
        .trim_start()
        .chars()
        .take_while(|ch| ch.is_ascii_alphabetic() || *ch == '-' || *ch == '_')
        .collect()
}

/// What robots.txt rules are matched against: path and query, no fragment.
fn path_and_query(url: &Url) -> &str {
    &url[Position::BeforePath..Position::AfterQuery]
}

fn truncate_at_line_end(body: &[u8], limit: usize) -> &[u8] {
    if body.len() <= limit {
        return body;
    }
    let head = &body[..limit];
    // A line cut in half could turn `Disallow: /private-area` into a
    // different, broader rule; drop the partial line instead.
    match head
        .iter()
        .rposition(|byte| *byte == b'\n' || *byte == b'\r')
    {
        Some(end) => &head[..=end],
        None => head,
    }
}

// ---- naming the deciding line ----------------------------------------------
//
// The reading below mirrors `texting_robots` 0.2: its tolerant line syntax
// (`Disallow /x`, misspelt keys), NUL bytes as line breaks, its group
// selection (groups naming our token, all merged, else `*`; no group lines
// at all means the rules apply to everyone), an empty `Disallow:` read as
// `Allow: /`, and its pattern syntax (`*` any run, `$` end of URL).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive<'a> {
    /// `None` when the value is not UTF-8: it still opens a group.
    UserAgent(Option<&'a str>),
    Rule {
        allow: bool,
        key: &'static str,
        value: &'a str,
    },
    /// A valid `Crawl-delay`: it ends a run of `User-agent` lines.
    CrawlDelay,
    /// Sitemaps, comments, unknown keys: invisible to grouping.
    Other,
}

const USER_AGENT_KEYS: &[&str] = &["user-agent", "user agent", "useragent"];
const ALLOW_KEYS: &[&str] = &["allow"];
const DISALLOW_KEYS: &[&str] = &[
    "disallow",
    "dissallow",
    "dissalow",
    "disalow",
    "diasllow",
    "disallaw",
];
const SITEMAP_KEYS: &[&str] = &["sitemap", "site-map", "site map"];
const CRAWL_DELAY_KEYS: &[&str] = &["crawl-delay", "crawl delay", "crawldelay"];

fn group_rules(token: &str, body: &[u8]) -> Vec<RuleLine> {
    let directives: Vec<Directive> = split_lines(body)
        .into_iter()
        .map(parse_directive)
        .filter(|directive| *directive != Directive::Other)
        .collect();
    let is_ours =
        |agent: Option<&str>| agent.is_some_and(|agent| agent.eq_ignore_ascii_case(token));
    let any_agent_line = directives
        .iter()
        .any(|d| matches!(d, Directive::UserAgent(_)));
    let names_us = directives
        .iter()
        .any(|d| matches!(d, Directive::UserAgent(agent) if is_ours(*agent)));
    let wanted = |agent: Option<&str>| {
        if names_us {
            is_ours(agent)
        } else {
            agent == Some("*")
        }
    };

    let mut rules = Vec::new();
    let mut capturing = !any_agent_line;
    let mut previous_was_agent = false;
    for directive in directives {
        match directive {
            Directive::UserAgent(agent) => {
                if !previous_was_agent {
                    capturing = false;
                }
                if wanted(agent) {
                    capturing = true;
                }
                previous_was_agent = true;
                continue;
            }
            Directive::Rule { allow, key, value } if capturing => {
                let (allow, pattern) = if !allow && value.is_empty() {
                    (true, "/")
                } else {
                    (allow, value)
                };
                rules.push(RuleLine {
                    allow,
                    pattern: percent_encode_like_texting_robots(pattern),
                    text: format!("{key}: {value}").trim_end().to_string(),
                });
            }
            _ => {}
        }
        previous_was_agent = false;
    }
    rules
}

/// Lines end at `\n`, at a run of `\r`, or at `\r`s followed by one `\n`;
/// NUL counts as a line break and a leading UTF-8 BOM is skipped.
fn split_lines(body: &[u8]) -> Vec<&[u8]> {
    let mut body = body;
    for bom_byte in [0xEF, 0xBB, 0xBF] {
        if body.first() == Some(&bom_byte) {
            body = &body[1..];
        }
    }
    let mut lines = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|byte| matches!(byte, b'\n' | b'\r' | 0))
            .unwrap_or(rest.len());
        lines.push(&rest[..end]);
        rest = &rest[end..];
        if rest.first() == Some(&0) {
            rest = &rest[1..];
            continue;
        }
        while rest.first() == Some(&b'\r') {
            rest = &rest[1..];
        }
        if rest.first() == Some(&b'\n') {
            rest = &rest[1..];
        }
    }
    lines
}

fn parse_directive(line: &[u8]) -> Directive<'_> {
    let line = trim_start_blanks(line);
    if let Some(value) = value_after_key(line, USER_AGENT_KEYS) {
        return Directive::UserAgent(std::str::from_utf8(value).ok().map(str::trim));
    }
    for (keys, allow, key) in [
        (ALLOW_KEYS, true, "Allow"),
        (DISALLOW_KEYS, false, "Disallow"),
    ] {
        if let Some(value) = value_after_key(line, keys) {
            return match std::str::from_utf8(value) {
                Ok(value) => Directive::Rule {
                    allow,
                    key,
                    value: value.trim(),
                },
                // The crate skips rules it cannot read as text.
                Err(_) => Directive::Other,
            };
        }
    }
    if value_after_key(line, SITEMAP_KEYS).is_some() {
        return Directive::Other;
    }
    if let Some(value) = value_after_key(line, CRAWL_DELAY_KEYS) {
        let valid = std::str::from_utf8(value)
            .ok()
            .and_then(|value| value.trim().parse::<f32>().ok())
            .is_some_and(|seconds| seconds >= 0.0);
        if valid {
            return Directive::CrawlDelay;
        }
    }
    Directive::Other
}

/// The value of `key: value` or `key value` (value up to a `#` comment),
/// if the line starts with one of `keys`, case-insensitively.
fn value_after_key<'a>(line: &'a [u8], keys: &[&str]) -> Option<&'a [u8]> {
    for key in keys {
        let Some(head) = line.get(..key.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(key.as_bytes()) {
            continue;
        }
        let after = &line[key.len()..];
        let spaced = trim_start_blanks(after);
        let value = if let Some(value) = spaced.strip_prefix(b":") {
            value
        } else if spaced.len() < after.len() {
            spaced
        } else {
            continue;
        };
        let end = value.iter().position(|b| *b == b'#').unwrap_or(value.len());
        return Some(&value[..end]);
    }
    None
}

fn trim_start_blanks(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Controls, space, `"`, `<`, `>`, `` ` `` and non-ASCII bytes become `%XX`,
/// exactly the set `texting_robots` applies to patterns and URLs.
fn percent_encode_like_texting_robots(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for ch in input.chars() {
        let needs_escape =
            ch.is_ascii_control() || matches!(ch, ' ' | '"' | '<' | '>' | '`') || !ch.is_ascii();
        if needs_escape {
            let mut buffer = [0u8; 4];
            for byte in ch.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// Does `pattern` match a prefix of `path`? `*` matches any run of bytes and
/// `$` asserts the end of the path (wherever it stands, like the crate's regex).
fn pattern_matches(pattern: &[u8], path: &[u8]) -> bool {
    // Classic wildcard matching with backtracking to the last `*`; a pattern
    // used up is a match, because rules are prefixes.
    let (mut p, mut t) = (0usize, 0usize);
    let mut last_star: Option<(usize, usize)> = None;
    loop {
        if p == pattern.len() {
            return true;
        }
        match pattern[p] {
            b'*' => {
                last_star = Some((p, t));
                p += 1;
                continue;
            }
            b'$' if t == path.len() => {
                p += 1;
                continue;
            }
            literal if literal != b'$' && path.get(t) == Some(&literal) => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match last_star {
            Some((star, start)) if start < path.len() => {
                last_star = Some((star, start + 1));
                p = star + 1;
                t = start + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests;
