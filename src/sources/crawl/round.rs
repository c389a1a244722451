//! The links found during one round of a crawl, held back until the round
//! ends and then handed out in an order that does not depend on which
//! response came back first.
//!
//! A round is everything the frontier holds when it starts: the crawler
//! fetches it concurrently, and only when the last of its pages is in are
//! their links offered, ordered by the depth and admission order of the page
//! they were found on, then by their place on that page. Which URLs are
//! admitted, at which depth, from which referrer, and which ones a page
//! budget turns away are then the same in every run over the same site.
//!
//! It never holds a link the frontier already settled (seen, unfetchable,
//! too deep), so what it holds is bounded by what the next round may queue;
//! one link found on many pages is held once, for the first of them.

use crate::sources::frontier::Prospect;
use std::collections::HashMap;
use std::sync::Arc;
use url::Url;

/// Where a link was found: the page's depth, its admission order and the
/// link's index on it. Sorting by it replays the round as if its pages had
/// been read one after another in the order they were admitted.
pub(crate) type FoundAt = (u32, u64, usize);

/// A link held until its round ends.
pub(crate) struct HeldLink {
    pub(crate) found_at: FoundAt,
    pub(crate) url: Url,
    /// The page it was found on (its final URL after redirects).
    pub(crate) from: Arc<Url>,
    pub(crate) rel: Vec<String>,
}

impl HeldLink {
    /// The depth it is offered at: one below the page it was found on.
    pub(crate) fn depth(&self) -> u32 {
        self.found_at.0 + 1
    }
}

#[derive(Default)]
pub(crate) struct Round {
    held: HashMap<u128, HeldLink>,
}

impl Round {
    /// Holds `link` unless `prospect` settled it, keeping for each
    /// normalised URL the place it was found first in round order.
    pub(crate) fn hold(&mut self, prospect: Prospect, link: HeldLink) {
        let fingerprint = match prospect {
            Prospect::Settled => return,
            Prospect::OutOfScope(fingerprint) | Prospect::Open(fingerprint) => fingerprint,
        };
        match self.held.entry(fingerprint) {
            std::collections::hash_map::Entry::Occupied(mut held) => {
                if link.found_at < held.get().found_at {
                    held.insert(link);
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(link);
            }
        }
    }

    /// Links held and not yet handed out.
    pub(crate) fn len(&self) -> usize {
        self.held.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Ends the round: every link held, in round order.
    pub(crate) fn close(&mut self) -> Vec<HeldLink> {
        let mut links: Vec<HeldLink> = self.held.drain().map(|(_, link)| link).collect();
        links.sort_unstable_by_key(|link| link.found_at);
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str, found_at: FoundAt) -> HeldLink {
        HeldLink {
            found_at,
            url: Url::parse(url).unwrap(),
            from: Arc::new(Url::parse("http://site.test/").unwrap()),
            rel: Vec::new(),
        }
    }

    #[test]
    fn a_round_hands_out_links_in_page_order_whatever_order_they_came_in() {
        let arrivals = [
            (Prospect::Open(3), link("http://site.test/c", (1, 7, 0))),
            (Prospect::Open(1), link("http://site.test/a", (0, 0, 4))),
            (Prospect::Settled, link("http://site.test/seen", (0, 0, 0))),
            (
                Prospect::OutOfScope(9),
                link("http://other.test/", (1, 2, 1)),
            ),
            // Found again on an earlier page: that page's place wins.
            (Prospect::Open(3), link("http://site.test/c", (1, 2, 5))),
            // Found again on a later page: ignored.
            (Prospect::Open(1), link("http://site.test/a", (1, 3, 0))),
        ];
        let order = |arrivals: &mut dyn Iterator<Item = &(Prospect, HeldLink)>| {
            let mut round = Round::default();
            for (prospect, held) in arrivals {
                round.hold(
                    *prospect,
                    HeldLink {
                        url: held.url.clone(),
                        from: Arc::clone(&held.from),
                        rel: held.rel.clone(),
                        ..*held
                    },
                );
            }
            assert_eq!(round.len(), 3);
            let closed: Vec<(String, FoundAt, u32)> = round
                .close()
                .into_iter()
                .map(|link| (link.url.to_string(), link.found_at, link.depth()))
                .collect();
            assert!(round.is_empty());
            closed
        };
        let forwards = order(&mut arrivals.iter());
        let backwards = order(&mut arrivals.iter().rev());
        assert_eq!(forwards, backwards);
        assert_eq!(
            forwards,
            vec![
                ("http://site.test/a".to_string(), (0, 0, 4), 1),
                ("http://other.test/".to_string(), (1, 2, 1), 2),
                ("http://site.test/c".to_string(), (1, 2, 5), 2),
            ]
        );
    }
}
