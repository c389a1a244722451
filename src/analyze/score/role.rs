//! Who speaks on a page: the firm about its offer, to its clients (help,
//! account, terms), or someone else (a reviewer, a newspaper, an explainer,
//! a public body). Read from the page's own findings — the role rules in
//! `patterns/role.toml` and the offer signals — before the page is scored,
//! because the same EU words mean solicitation in a firm's mouth and
//! nothing in a newspaper's.
//!
//! Pure: findings in, a role out. It never looks at the site's navigation
//! or at other pages.

use crate::model::{BlockKind, Finding, PageRole, Signal};
use std::collections::BTreeMap;

/// How strongly each role signal speaks on a page: the sum over rules of
/// each rule's heaviest finding, so a phrase repeated in a footer does not
/// outvote a page's prose.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoleCues {
    pub own_voice: f64,
    /// Own-voice findings of legal texts (terms, conditions, legal notices).
    pub legal: f64,
    /// Own-voice findings of help, support and account pages.
    pub account: f64,
    /// Own-voice findings that only speak to the reader about their own
    /// account or wallet ("your account"): explainers and reviews do too.
    pub reader: f64,
    pub editorial: f64,
    pub education: f64,
    pub public_body: f64,
    pub review: f64,
    pub affiliate: f64,
    pub offer: f64,
    /// The page's content names the site's own brand (`builtin.own_voice.brand`).
    pub brand: f64,
    /// The page sits in an academy, glossary or learning section of a site:
    /// where a provider teaches, as opposed to an encyclopaedia or a university.
    pub academy: bool,
    /// The page is an encyclopaedia's, a university's or a thesis.
    pub reference: bool,
    /// The page speaks of exchanges as a class ("most platforms", "choosing
    /// an exchange"): its buy and sign-up words describe, not invite.
    pub generic: bool,
    /// Referral rewards or affiliate wording stand on the page.
    pub referral: bool,
    /// The page sits in the provider's help centre (`.help` cues: a help,
    /// support or FAQ address).
    pub help_centre: bool,
    /// The provider states whom it does not serve (a restriction page).
    pub restriction: bool,
    /// The page is a reviewer's account of how it rates providers.
    pub methodology: bool,
    /// The page's content names a crypto platform that is not the site's
    /// own (`crypto.platform_brand` on another host's name).
    pub other_platform: bool,
}

/// The classifier's finding for a page naming its site's brand.
const BRAND_RULE: &str = "builtin.own_voice.brand";
/// The rule naming known crypto platforms (patterns/crypto.toml).
const PLATFORM_RULE: &str = "crypto.platform_brand";
/// A cue this strong decides a role.
const DECIDES: f64 = 1.0;
/// Calls to action and promotions this strong (a sign-up button, or
/// several invitations) make a page the offer.
const OFFER_DECIDES: f64 = 2.0;

/// The finding stands in the site's header, navigation or footer, which
/// every page of the site carries: a "Sign up" link there says nothing
/// about what this page is (DESIGN §1: the page's own content decides).
pub fn in_site_chrome(finding: &Finding) -> bool {
    in_site_chrome_at(finding.location.block_kind, &finding.location.path)
}

/// Whether a block of this kind at this element path is site chrome.
pub fn in_site_chrome_at(kind: BlockKind, path: &str) -> bool {
    kind == BlockKind::Footer
        || path.split('>').any(|segment| {
            let element = segment.split(['.', '#', '[']).next().unwrap_or("");
            matches!(element, "header" | "nav" | "footer")
        })
}

/// Whether a platform's name is the host's own ("Examplex" on
/// help.examplex.com, "Crypto.com" on crypto.com): spaces, dots and hyphens
/// aside, the host contains the name.
fn names_own_host(url: &str, name: &str) -> bool {
    let squeeze = |text: &str| -> String {
        text.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(squeeze))
        .unwrap_or_default();
    let name = squeeze(name);
    !name.is_empty() && host.contains(&name)
}

impl RoleCues {
    pub fn of(findings: &[Finding]) -> RoleCues {
        let mut heaviest: BTreeMap<&str, (Signal, f64)> = BTreeMap::new();
        for finding in findings.iter().filter(|f| {
            !(in_site_chrome(f)
                && matches!(f.signal, Signal::Cta | Signal::Promotion | Signal::OwnVoice))
        }) {
            let entry = heaviest
                .entry(&*finding.rule_id)
                .or_insert((finding.signal, 0.0));
            entry.1 = entry.1.max(finding.weight.max(0.0));
        }
        let mut cues = RoleCues {
            other_platform: findings
                .iter()
                .any(|f| &*f.rule_id == PLATFORM_RULE && !names_own_host(&f.url, &f.matched)),
            ..RoleCues::default()
        };
        let mut help: f64 = 0.0;
        for (rule_id, (signal, weight)) in heaviest {
            match signal {
                // A help address and an FAQ title say one thing: the help
                // centre. Counted once, at the heavier of the two.
                Signal::OwnVoice if rule_id.contains(".help") => {
                    help = help.max(weight);
                    cues.help_centre = true;
                }
                Signal::OwnVoice => {
                    cues.own_voice += weight;
                    if rule_id == BRAND_RULE {
                        cues.brand += weight;
                    } else if rule_id.contains(".legal") {
                        cues.legal += weight;
                    } else if rule_id.contains(".account") {
                        cues.account += weight;
                    }
                    if rule_id.contains("_reader") {
                        cues.reader += weight;
                    }
                    cues.restriction |= rule_id.contains(".restriction");
                }
                Signal::Editorial => cues.editorial += weight,
                Signal::Education => {
                    cues.education += weight;
                    cues.academy |= rule_id.starts_with("education.academy");
                    cues.reference |= rule_id.starts_with("education.reference");
                    cues.generic |= rule_id.starts_with("education.generic_provider");
                }
                Signal::PublicBody => cues.public_body += weight,
                Signal::Review => {
                    cues.review += weight;
                    cues.methodology |= rule_id.starts_with("review.methodology");
                }
                Signal::Affiliate => {
                    cues.affiliate += weight;
                    cues.referral = true;
                }
                // A firm announcing its own launch, sponsorship or event
                // speaks for itself, however much it reads like news.
                Signal::Cta
                | Signal::Promotion
                | Signal::Press
                | Signal::Sponsorship
                | Signal::Event => {
                    cues.offer += weight;
                    cues.referral |= rule_id.contains(".referral");
                }
                _ => {}
            }
        }
        cues.own_voice += help;
        cues.account += help;
        cues
    }

    /// The provider speaks for itself: its own voice beyond "your account",
    /// which any how-to says, or an invitation as loud as a sign-up button
    /// on a page that does not speak of exchanges as a class.
    pub fn provider_speaks(&self) -> bool {
        self.own_voice - self.reader > 0.0 || (self.offer >= OFFER_DECIDES && !self.generic)
    }

    /// The firm's voice rests on its naming itself alone: no help, account
    /// or legal wording. Such a page speaks of the firm but addresses no one
    /// in particular, so the language it is written in is not aim enough.
    pub fn names_itself_only(&self) -> bool {
        self.brand > 0.0 && self.account == 0.0 && self.legal == 0.0
    }

    /// The page's role. A public body outranks everything; reviews and
    /// referral links make a page affiliate evidence unless the firm speaks
    /// for itself; news and explainers are a third party's unless the
    /// provider's own voice is louder.
    pub fn role(&self) -> PageRole {
        if self.public_body >= DECIDES && self.public_body > self.own_voice {
            return PageRole::PublicBody;
        }
        let editorial = self.editorial >= DECIDES && self.editorial > self.own_voice + self.offer;
        // A newspaper comparing exchanges is still the newspaper, unless it
        // carries referral or tracked links, which make it an affiliate.
        if editorial && self.affiliate < DECIDES && self.editorial >= self.review {
            return PageRole::Editorial;
        }
        let promotes_others =
            self.review >= DECIDES || (self.affiliate >= DECIDES && self.own_voice < DECIDES);
        // A how-to that walks the reader into signing up or buying at a
        // named platform other than the site's own promotes that platform
        // (DESIGN §1: affiliates count for the firm they promote).
        let walks_to_platform =
            self.other_platform && self.offer >= DECIDES && self.own_voice - self.reader < DECIDES;
        if promotes_others || walks_to_platform {
            return PageRole::Affiliate;
        }
        if editorial {
            return PageRole::Editorial;
        }
        // A how-to that tells readers to open "your account" somewhere is
        // still an explainer; the provider's voice must outweigh it.
        if self.education >= DECIDES && self.education >= self.own_voice {
            return PageRole::Education;
        }
        if self.own_voice >= DECIDES || self.offer > 0.0 {
            // A page that invites more loudly than it explains is the offer,
            // whatever "your account" it also mentions — except in the help
            // centre, where "buy crypto" is the step an article explains.
            if self.offer >= OFFER_DECIDES && self.offer >= self.own_voice && !self.help_centre {
                return PageRole::Offer;
            }
            if self.legal > 0.0 && self.legal >= self.account {
                return PageRole::Legal;
            }
            if self.account > 0.0 {
                return PageRole::Account;
            }
            // A page that names the firm but neither helps a client nor sets
            // terms is the firm's own product, asset or about page.
            if self.offer > 0.0 || self.affiliate > 0.0 || self.names_itself_only() {
                return PageRole::Offer;
            }
            return PageRole::Account;
        }
        PageRole::Other
    }
}
