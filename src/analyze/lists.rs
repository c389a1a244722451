//! Restriction lists: places named after a lead-in such as "the following
//! jurisdictions are prohibited:" are excluded by the firm, not addressed by
//! it. A list of restricted member states is the opposite of solicitation,
//! so its places must not count as an EU aim (DESIGN §1: restriction lists
//! are recorded, and the places they exclude are not a market).
//!
//! Pure: a document and its findings in, the same findings out with the
//! listed places weighed at zero and saying why. It never drops a finding —
//! the evidence stays in the report — and never touches other signals.

use crate::model::{Block, BlockKind, Document, Finding, Signal};
use std::collections::{HashMap, HashSet};

/// Rule ids starting with this mark the lead-in of a restriction list.
pub const LIST_LEAD_PREFIX: &str = "disclaimer.list_lead";

/// A paragraph this short after a lead-in is an entry of the list (pages
/// often set lists as one paragraph per country); a longer one ends it.
const MAX_ENTRY_CHARS: usize = 120;
/// A list runs for at most this many blocks after its lead-in.
const MAX_LIST_BLOCKS: usize = 250;

/// Weighs at zero the place findings that stand in a restriction list, and
/// drops the lead-ins of lists that exclude no EU place: a list of the US,
/// Canada and sanctioned states is not an EU disclaimer.
pub fn discount_restricted_places(doc: &Document, findings: &mut Vec<Finding>) {
    let leads: Vec<(usize, usize)> = findings
        .iter()
        .filter(|f| f.rule_id.starts_with(LIST_LEAD_PREFIX))
        .map(|f| (f.location.block_index, f.location.char_offset))
        .collect();
    if leads.is_empty() {
        return;
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
    // Where each lead's list runs: its own block from the lead on, then
    // the entries that follow it.
    let mut from_offset: HashMap<usize, usize> = HashMap::new();
    let mut listed: HashSet<usize> = HashSet::new();
    let mut lead_of: HashMap<usize, usize> = HashMap::new();
    for (block_index, offset) in leads {
        let entry = from_offset.entry(block_index).or_insert(offset);
        *entry = (*entry).min(offset);
        let Some(&start) = position.get(&block_index) else {
            continue;
        };
        for block in order.iter().skip(start + 1).take(MAX_LIST_BLOCKS) {
            if !is_list_entry(block) {
                break;
            }
            listed.insert(block.index);
            lead_of.entry(block.index).or_insert(block_index);
        }
    }
    let mut excluding: HashSet<usize> = HashSet::new();
    for finding in findings.iter_mut().filter(|f| f.signal == Signal::Place) {
        let at = &finding.location;
        let in_lead_block = from_offset
            .get(&at.block_index)
            .is_some_and(|offset| at.char_offset >= *offset);
        if !(in_lead_block || listed.contains(&at.block_index)) {
            continue;
        }
        let lead_block = if in_lead_block {
            at.block_index
        } else {
            lead_of
                .get(&at.block_index)
                .copied()
                .unwrap_or(at.block_index)
        };
        excluding.insert(lead_block);
        if finding.weight > 0.0 {
            finding.weight = 0.0;
            finding.description = format!(
                "{} — named in a restriction list, so excluded rather than addressed (weighed 0)",
                finding.description
            );
        }
    }
    findings.retain(|f| {
        !f.rule_id.starts_with(LIST_LEAD_PREFIX) || excluding.contains(&f.location.block_index)
    });
}

fn is_list_entry(block: &Block) -> bool {
    match block.kind {
        BlockKind::ListItem | BlockKind::TableCell => true,
        BlockKind::Paragraph | BlockKind::Other => block.text.chars().count() <= MAX_ENTRY_CHARS,
        _ => false,
    }
}
