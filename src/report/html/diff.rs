//! The changes since a baseline, per firm.

use super::text::*;
use crate::model::diff::{ChangedFinding, FirmDiff, ReportDiff};
use crate::model::{Finding, Verdict};

pub(crate) fn render_diff(out: &mut String, diff: &ReportDiff) {
    out.push_str(&format!(
        "<section class=\"card changes\" id=\"changes\">\n<h2>Changes since scan <code>{}</code></h2>\n<p class=\"muted\">Previous scan started {}; this scan <code>{}</code> started {}. Findings are matched by rule, URL and matched text, not by their place on the page.</p>\n",
        esc(&diff.old_scan_id),
        esc(&diff.old_started_at),
        esc(&diff.new_scan_id),
        esc(&diff.new_started_at)
    ));
    if diff.is_empty() {
        out.push_str("<p><strong>No changes.</strong></p>\n</section>\n");
        return;
    }
    for firm in diff.firms.iter().filter(|firm| !firm.is_empty()) {
        render_firm_diff(out, firm);
    }
    let quiet: Vec<String> = diff
        .firms
        .iter()
        .filter(|firm| firm.is_empty())
        .map(|firm| esc(&firm.name))
        .collect();
    if !quiet.is_empty() {
        out.push_str(&format!(
            "<p class=\"muted\">No changes for: {}.</p>\n",
            quiet.join(", ")
        ));
    }
    out.push_str("</section>\n");
}

pub(crate) fn render_firm_diff(out: &mut String, firm: &FirmDiff) {
    let verdict = |v: &Option<Verdict>| match v {
        Some(v) => format!(
            "{} <span class=\"score\">{:.1}</span>",
            badge(v.level),
            v.score
        ),
        None => "<span class=\"muted\">absent</span>".to_string(),
    };
    let verdict_text = if firm.verdict_changed {
        format!(
            "{} → {}",
            verdict(&firm.verdict_before),
            verdict(&firm.verdict_after)
        )
    } else {
        format!(
            "{} <span class=\"muted\">· verdict unchanged</span>",
            verdict(&firm.verdict_after)
        )
    };
    out.push_str(&format!(
        "<div class=\"firm-diff\">\n<h3>{} <span class=\"verdict-change{}\">{}</span></h3>\n<p class=\"counts\"><span class=\"d-new\">+{} new</span> <span class=\"d-resolved\">−{} resolved</span> <span class=\"d-changed\">~{} changed</span> <span class=\"muted\">{} unchanged</span></p>\n",
        esc(&firm.name),
        if firm.verdict_changed { " moved" } else { "" },
        verdict_text,
        firm.new.len(),
        firm.resolved.len(),
        firm.changed.len(),
        firm.unchanged
    ));
    let (rehashed, changed): (Vec<&ChangedFinding>, Vec<&ChangedFinding>) = firm
        .changed
        .iter()
        .partition(|c| c.what.iter().all(|w| w == "content_sha256"));
    if !firm.new.is_empty() || !firm.resolved.is_empty() || !changed.is_empty() {
        out.push_str("<ul class=\"diff-list\">\n");
        for finding in &firm.new {
            out.push_str(&format!(
                "<li class=\"d-new\"><span class=\"sign\">+</span>{}</li>\n",
                compact_finding(finding)
            ));
        }
        for finding in &firm.resolved {
            out.push_str(&format!(
                "<li class=\"d-resolved\"><span class=\"sign\">−</span>{}</li>\n",
                compact_finding(finding)
            ));
        }
        for change in changed {
            let whats: Vec<String> = change.what.iter().map(|w| esc(w)).collect();
            let mut before = String::new();
            if change.before.snippet != change.after.snippet {
                before.push_str(&format!(
                    "<div class=\"was\">was: {}</div>",
                    highlight(&change.before.snippet, &change.before.matched)
                ));
            }
            if change.before.weight != change.after.weight {
                before.push_str(&format!(
                    "<div class=\"was\">weight {} → {}</div>",
                    change.before.weight, change.after.weight
                ));
            }
            if change.before.category != change.after.category {
                before.push_str(&format!(
                    "<div class=\"was\">activity {} → {}</div>",
                    esc(category_label(change.before.category)),
                    esc(category_label(change.after.category))
                ));
            }
            out.push_str(&format!(
                "<li class=\"d-changed\"><span class=\"sign\">~</span>{} <span class=\"muted\">({})</span>{}</li>\n",
                compact_finding(&change.after),
                whats.join(", "),
                before
            ));
        }
        out.push_str("</ul>\n");
    }
    if !rehashed.is_empty() {
        out.push_str(&format!(
            "<p class=\"muted\">{} finding{} unchanged on pages whose content changed (new content hash).</p>\n",
            rehashed.len(),
            if rehashed.len() == 1 { "" } else { "s" }
        ));
    }
    out.push_str("</div>\n");
}

pub(crate) fn compact_finding(finding: &Finding) -> String {
    format!(
        "<code class=\"rule\">{}</code> {} <span class=\"snippet-inline\">{}</span>",
        esc(&finding.rule_id),
        url_link(&finding.url),
        highlight(&finding.snippet, &finding.matched)
    )
}
