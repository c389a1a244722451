//! What a page that answered is when it is not the firm's content: a bot
//! wall, an error page, a login wall, a parked domain, a script-rendered
//! shell. The classifier sets
//! it; coverage counts such pages as not read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a page that answered but is not the firm's content is. Such a page
/// is kept in `pages[]`, carries no solicitation findings and counts as not
/// seen in the firm's coverage.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// A bot-protection interstitial or CAPTCHA challenge.
    BotWall,
    /// An error page served as a normal answer ("page not found",
    /// "temporarily unavailable").
    ErrorPage,
    /// A sign-in form standing before all content.
    LoginWall,
    /// A parked or for-sale domain.
    Parked,
    /// A script-rendered page whose fetched HTML is an empty shell (an
    /// empty application root, a `<noscript>` notice asking for
    /// JavaScript): its content is written by scripts the crawler does not
    /// run, so nothing of the firm was read there (schema 1.5.0).
    ScriptShell,
}

impl PageKind {
    /// The id used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::BotWall => "bot_wall",
            PageKind::ErrorPage => "error_page",
            PageKind::LoginWall => "login_wall",
            PageKind::Parked => "parked",
            PageKind::ScriptShell => "script_shell",
        }
    }
}
