//! Country lists: places named after a lead-in such as "the following
//! jurisdictions are prohibited:" are excluded by the firm, not addressed by
//! it, while a list introduced as "supported countries" that names member
//! states treats their residents as eligible clients. A list of restricted
//! member states is the opposite of solicitation, so its places must not
//! count as an EU aim; a supported list naming them is an addressee signal
//! (DESIGN §1: restriction lists are recorded, and the places they exclude
//! are not a market; supported-country lists naming EU states address EU
//! residents).
//!
//! Pure: a document and its findings in, the same findings out with the
//! excluded places weighed at zero and saying why, and lead-ins whose list
//! names no EU place dropped. It never drops a place finding — the evidence
//! stays in the report — and never touches other signals.

use crate::model::{Block, BlockKind, Document, Finding, Signal};
use std::collections::{HashMap, HashSet};

/// Rule ids starting with this mark the lead-in of a restriction list.
pub const LIST_LEAD_PREFIX: &str = "disclaimer.list_lead";
/// Rule ids starting with this mark the lead-in of a supported-country list.
pub const SUPPORTED_LEAD_PREFIX: &str = "addressee.list_lead";

/// A paragraph this short after a lead-in is an entry of the list (pages
/// often set lists as one paragraph per country); a longer one ends it.
const MAX_ENTRY_CHARS: usize = 120;
/// A list runs for at most this many blocks after its lead-in.
const MAX_LIST_BLOCKS: usize = 250;

/// Where the lists of one kind of lead-in run, and which lead-in each
/// place finding falls under.
struct Lists {
    /// Block of a lead-in → the smallest char offset of a lead-in in it.
    from_offset: HashMap<usize, usize>,
    /// Entry block → the block of the lead-in whose list it is in.
    lead_of: HashMap<usize, usize>,
}

impl Lists {
    fn of(doc: &Document, findings: &[Finding], prefix: &str) -> Option<Lists> {
        let leads: Vec<(usize, usize)> = findings
            .iter()
            .filter(|f| f.rule_id.starts_with(prefix))
            .map(|f| (f.location.block_index, f.location.char_offset))
            .collect();
        if leads.is_empty() {
            return None;
        }
        let order: Vec<&Block> = doc
            .blocks
            .iter()
            .filter(|b| b.kind != BlockKind::Url)
            .collect();
        let position: HashMap<usize, usize> = order
            .iter()
            .enumerate()
            .map(|(pos, b)| (b.index, pos))
            .collect();
        let mut lists = Lists {
            from_offset: HashMap::new(),
            lead_of: HashMap::new(),
        };
        for (block_index, offset) in leads {
            let entry = lists.from_offset.entry(block_index).or_insert(offset);
            *entry = (*entry).min(offset);
            let Some(&start) = position.get(&block_index) else {
                continue;
            };
            for block in order.iter().skip(start + 1).take(MAX_LIST_BLOCKS) {
                if !is_list_entry(block) {
                    break;
                }
                lists.lead_of.entry(block.index).or_insert(block_index);
            }
        }
        Some(lists)
    }

    /// The block of the lead-in whose list the finding stands in, if any:
    /// after the lead-in in its own block, or in an entry that follows it.
    fn lead_for(&self, finding: &Finding) -> Option<usize> {
        let at = &finding.location;
        let in_lead_block = self
            .from_offset
            .get(&at.block_index)
            .is_some_and(|offset| at.char_offset >= *offset);
        if in_lead_block {
            Some(at.block_index)
        } else {
            self.lead_of.get(&at.block_index).copied()
        }
    }
}

/// Weighs at zero the place findings that stand in a restriction list,
/// and drops the lead-ins of lists — restricted or supported — that name
/// no EU place: a list of the US, Canada and sanctioned states is neither
/// an EU disclaimer nor EU residents addressed.
pub fn discount_restricted_places(doc: &Document, findings: &mut Vec<Finding>) {
    let restricted = Lists::of(doc, findings, LIST_LEAD_PREFIX);
    let supported = Lists::of(doc, findings, SUPPORTED_LEAD_PREFIX);
    if restricted.is_none() && supported.is_none() {
        return;
    }
    let mut excluding: HashSet<usize> = HashSet::new();
    let mut including: HashSet<usize> = HashSet::new();
    for finding in findings.iter_mut().filter(|f| f.signal == Signal::Place) {
        if let Some(lead) = supported.as_ref().and_then(|l| l.lead_for(finding)) {
            including.insert(lead);
        }
        let Some(lead) = restricted.as_ref().and_then(|l| l.lead_for(finding)) else {
            continue;
        };
        excluding.insert(lead);
        if finding.weight > 0.0 {
            finding.weight = 0.0;
            finding.description = format!(
                "{} — named in a restriction list, so excluded rather than addressed (weighed 0)",
                finding.description
            )
            .into();
        }
    }
    findings.retain(|f| {
        let block = f.location.block_index;
        if f.rule_id.starts_with(LIST_LEAD_PREFIX) {
            excluding.contains(&block)
        } else if f.rule_id.starts_with(SUPPORTED_LEAD_PREFIX) {
            including.contains(&block)
        } else {
            true
        }
    });
}

fn is_list_entry(block: &Block) -> bool {
    match block.kind {
        BlockKind::ListItem | BlockKind::TableCell => true,
        BlockKind::Paragraph | BlockKind::Other => block.text.chars().count() <= MAX_ENTRY_CHARS,
        _ => false,
    }
}
