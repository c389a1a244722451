//! `micar-scan rules list|test`: inspect the rule bundle and try it on one page.

use super::{cannot_run, usage, Failure};
use anyhow::{Context, Result};
use clap::Subcommand;
use micar_scan::analyze::classify::Classifier;
use micar_scan::analyze::extract::{self, DocMeta};
use micar_scan::model::time::now_rfc3339;
use micar_scan::model::SourceKind;
use micar_scan::scan::{self};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand)]
pub(crate) enum RulesCommand {
    /// List every rule: id, category, signal, languages, weight.
    List {
        #[arg(long, value_name = "DIR")]
        patterns: Option<PathBuf>,
    },
    /// Run the rules on one page (a file, an http(s) URL, or - for standard input) and print each finding.
    Test {
        input: String,
        /// The URL to classify a file or standard input as (rules look at hosts and paths).
        #[arg(long)]
        url: Option<String>,
        #[arg(long, value_name = "DIR")]
        patterns: Option<PathBuf>,
    },
}

pub(crate) fn rules_list(patterns: Option<&Path>) -> Result<ExitCode, Failure> {
    let rules = scan::load_rules(None, patterns).map_err(usage)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<44} {:<14} {:<12} {:<12} {:>6}",
        "id", "category", "signal", "languages", "weight"
    );
    for rule in rules.rules() {
        let languages = if rule.languages.is_empty() {
            "*".to_string()
        } else {
            rule.languages.join(",")
        };
        let line = writeln!(
            out,
            "{:<44} {:<14} {:<12} {:<12} {:>6.2}",
            rule.id,
            rule.category.as_str(),
            rule.signal.as_str(),
            languages,
            rule.weight
        );
        if line.is_err() {
            break; // closed pipe
        }
    }
    let _ = writeln!(
        out,
        "{} rules, bundle sha256 {}",
        rules.rules().len(),
        rules.sha256()
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn rules_test(
    input: &str,
    url: Option<&str>,
    patterns: Option<&Path>,
) -> Result<ExitCode, Failure> {
    let rules = Arc::new(scan::load_rules(None, patterns).map_err(usage)?);
    let (body, source_url) = if input.starts_with("http://") || input.starts_with("https://") {
        let target = url::Url::parse(input).map_err(usage)?;
        let fetcher =
            micar_scan::sources::fetch::Fetcher::new(&Default::default()).map_err(cannot_run)?;
        let fetched = fetcher
            .fetch(&target, &|_| Ok(()))
            .await
            .map_err(cannot_run)?;
        (fetched.body, fetched.final_url.to_string())
    } else if input == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(cannot_run)?;
        (bytes, "stdin:".to_string())
    } else {
        let bytes = std::fs::read(input)
            .with_context(|| format!("cannot read {input}"))
            .map_err(usage)?;
        let absolute = std::fs::canonicalize(input).unwrap_or_else(|_| PathBuf::from(input));
        let file_url = url::Url::from_file_path(&absolute)
            .map(|u| u.to_string())
            .unwrap_or_else(|()| input.to_string());
        (bytes, file_url)
    };
    let document_url = url.map(str::to_string).unwrap_or(source_url);
    let decoded = micar_scan::analyze::charset::decode(&body, None);
    let meta = DocMeta {
        url: document_url.clone(),
        final_url: document_url,
        source_kind: SourceKind::Website,
        fetched_at: now_rfc3339(),
        content_sha256: micar_scan::model::sha256_hex(&body),
        content_language: None,
    };
    let document = extract::extract_html(&decoded.text, meta);
    let classification = Classifier::new(rules).classify(&document);
    let mut out = std::io::stdout().lock();
    for finding in &classification.findings {
        let _ = writeln!(
            out,
            "{:<40} {:<12} {:<10} w={:<5.2} [{} #{}] {}",
            finding.rule_id,
            finding.category.as_str(),
            finding.signal.as_str(),
            finding.weight,
            finding.location.block_kind.as_str(),
            finding.location.block_index,
            finding.snippet
        );
    }
    let _ = writeln!(
        out,
        "{} findings; page score {:.1}, level {}; language {}",
        classification.findings.len(),
        classification.score,
        classification.level,
        classification
            .language
            .primary
            .as_deref()
            .unwrap_or("unknown")
    );
    Ok(ExitCode::SUCCESS)
}
