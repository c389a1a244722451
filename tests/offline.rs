//! Offline evidence files as a supervisor receives them: a Dutch e-mail
//! campaign, a small mailbox, a page saved from a browser.

use micar_scan::offline::{
    detect_kind, read_email, read_html_file, read_path, OfflineError, OfflineKind,
};
use micar_scan::{BlockKind, Category, Document, SourceKind};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/offline")
        .join(name)
}

fn all_text(document: &Document) -> String {
    let mut text: Vec<String> = document.blocks.iter().map(|b| b.text.clone()).collect();
    text.extend(document.blocks.iter().filter_map(|b| b.href.clone()));
    text.extend(document.links.iter().map(|l| l.url.clone()));
    text.join("\n")
}

fn texts_of(document: &Document, kind: BlockKind) -> Vec<&str> {
    document
        .blocks
        .iter()
        .filter(|b| b.kind == kind)
        .map(|b| b.text.as_str())
        .collect()
}

fn is_rfc3339_utc(value: &str) -> bool {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).is_ok()
        && value.ends_with('Z')
}

#[test]
fn dutch_campaign_is_one_email_document_with_its_message_id_and_date() {
    let path = fixture("nl-campaign.eml");
    let documents = read_email(&path).unwrap();
    assert_eq!(documents.len(), 1);
    let campaign = &documents[0];
    assert_eq!(
        campaign.url,
        "mid:campagne-2025-01-nl.7731@mail.kanaal-crypto.example"
    );
    assert_eq!(campaign.final_url, campaign.url);
    assert_eq!(campaign.source_kind, SourceKind::Email);
    assert_eq!(campaign.category_override, Some(Category::Email));
    // Date: Tue, 14 Jan 2025 09:30:00 +0100
    assert_eq!(
        campaign.published_at.as_deref(),
        Some("2025-01-14T08:30:00Z")
    );
    assert!(
        is_rfc3339_utc(&campaign.fetched_at),
        "{}",
        campaign.fetched_at
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(campaign.content_sha256, hex::encode(Sha256::digest(&bytes)));
}

#[test]
fn dutch_campaign_text_is_decoded_from_quoted_printable_and_its_charsets() {
    let campaign = read_email(&fixture("nl-campaign.eml")).unwrap().remove(0);
    // Subject: an ISO-8859-1 encoded word.
    assert_eq!(
        campaign.title.as_deref(),
        Some("Financiële vrijheid: 50 euro bonus voor jou")
    );
    assert_eq!(
        texts_of(&campaign, BlockKind::Title)[0],
        "Financiële vrijheid: 50 euro bonus voor jou"
    );
    // The HTML part: quoted-printable UTF-8, the euro sign intact.
    let paragraphs = texts_of(&campaign, BlockKind::Paragraph);
    assert!(
        paragraphs.contains(
            &"Ontvang een bonus van € 50 bij je eerste storting via iDEAL. Koop Bitcoin en Ethereum in een paar klikken, zonder gedoe."
        ),
        "{paragraphs:#?}"
    );
    assert_eq!(
        texts_of(&campaign, BlockKind::Link)[0],
        "Open nu je rekening"
    );
    assert_eq!(
        texts_of(&campaign, BlockKind::ImageAlt),
        ["Kanaal Crypto logo"]
    );
    assert_eq!(campaign.locale.html_lang.as_deref(), Some("nl"));
    assert!(campaign
        .links
        .iter()
        .any(|l| l.url == "https://kanaal-crypto.example/nl/aanmelden?ref=nieuwsbrief"));
    // The plain-text alternative repeats the campaign; it is not counted twice.
    let text = all_text(&campaign);
    assert!(!text.contains("EUR 50"), "{text}");
    // Neither the stylesheet nor the base64 logo became text.
    assert!(!text.contains("background"));
    assert!(!text.contains("iVBORw0KGgo"));
    // Block indexes are positions in document order.
    for (position, block) in campaign.blocks.iter().enumerate() {
        assert_eq!(block.index, position);
    }
}

#[test]
fn sender_is_kept_as_name_and_domain_without_any_local_part() {
    let campaign = read_email(&fixture("nl-campaign.eml")).unwrap().remove(0);
    assert_eq!(
        texts_of(&campaign, BlockKind::Other),
        ["From: Kanaal Crypto (kanaal-crypto.example)"]
    );
    let text = all_text(&campaign);
    for local_part in ["nieuws@", "jan.devries", "bounce-7731", "Jan de Vries"] {
        assert!(!text.contains(local_part), "{local_part} leaked: {text}");
    }
    // The greeting and the unsubscribe link keep only the domain.
    assert!(text.contains("Welkom bij Kanaal Crypto, …@ontvanger.example!"));
    assert!(text.contains("afmelden?e=…@ontvanger.example"));
}

/// The bytes of each message as an mbox holds them: after its `From ` line,
/// up to the next one, with `>From ` quoting undone.
fn mbox_messages(raw: &str) -> Vec<String> {
    let mut messages: Vec<String> = Vec::new();
    for line in raw.split_inclusive('\n') {
        if line.starts_with("From ") {
            messages.push(String::new());
        } else if let Some(current) = messages.last_mut() {
            match line.strip_prefix('>') {
                Some(rest) if rest.trim_start_matches('>').starts_with("From ") => {
                    current.push_str(rest)
                }
                _ => current.push_str(line),
            }
        }
    }
    messages
}

#[test]
fn mailbox_gives_one_document_per_message_with_its_own_hash_and_date() {
    let path = fixture("campaigns.mbox");
    let documents = read_email(&path).unwrap();
    assert_eq!(documents.len(), 3);
    let urls: Vec<&str> = documents.iter().map(|d| d.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "mid:de-2025-02@mail.nordlicht-krypto.example",
            "mid:fr-2025-02@mail.nordlicht-krypto.example",
            // No Message-ID: the file name and the message's position.
            "file:campaigns.mbox#3",
        ]
    );
    let dates: Vec<&str> = documents
        .iter()
        .map(|d| d.published_at.as_deref().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2025-02-03T08:00:00Z",
            "2025-02-04T09:15:00Z",
            "2025-02-05T08:00:00Z"
        ]
    );
    let raw = std::fs::read_to_string(&path).unwrap();
    let expected: Vec<String> = mbox_messages(&raw)
        .iter()
        .map(|m| hex::encode(Sha256::digest(m.as_bytes())))
        .collect();
    let hashes: Vec<&str> = documents
        .iter()
        .map(|d| d.content_sha256.as_str())
        .collect();
    assert_eq!(hashes, expected);
    for document in &documents {
        assert_eq!(document.source_kind, SourceKind::Email);
        assert_eq!(document.category_override, Some(Category::Email));
        let text = all_text(document);
        for local_part in [
            "marketing@",
            "bonjour@",
            "news@",
            "max.mustermann",
            "claire.martin",
            "reader@",
        ] {
            assert!(!text.contains(local_part), "{local_part} leaked: {text}");
        }
    }
}

#[test]
fn mailbox_messages_keep_their_languages_and_encodings() {
    let documents = read_email(&fixture("campaigns.mbox")).unwrap();
    let german = all_text(&documents[0]);
    assert_eq!(
        documents[0].title.as_deref(),
        Some("Jetzt einsteigen: 0 % Gebühren")
    );
    assert!(
        german.contains("Zahle per SEPA-Überweisung ein"),
        "{german}"
    );
    assert_eq!(texts_of(&documents[0], BlockKind::Link), ["Konto eröffnen"]);
    assert_eq!(documents[0].locale.html_lang.as_deref(), Some("de"));

    let french = &documents[1];
    assert_eq!(
        french.title.as_deref(),
        Some("Vos 20 euros offerts à l'inscription")
    );
    assert_eq!(
        texts_of(french, BlockKind::Paragraph),
        [
            "Bonjour,",
            "Déposez dès aujourd'hui par virement SEPA et recevez 20 EUR offerts sur votre premier achat de Bitcoin.",
            "Offre réservée aux résidents de France et de Belgique.",
        ]
    );
    assert_eq!(
        texts_of(french, BlockKind::Other),
        ["From: Nordlicht Krypto France (nordlicht-krypto.example)"]
    );

    let english = all_text(&documents[2]);
    // The mboxrd quoting of a body line is undone.
    assert!(
        english.contains("yield. From now on, withdrawals"),
        "{english}"
    );
    assert!(!english.contains(">From"));
    assert_eq!(
        texts_of(&documents[2], BlockKind::Other),
        ["From: nordlicht-krypto.example"]
    );
}

#[test]
fn saved_page_takes_its_canonical_url_and_declared_charset() {
    let path = fixture("saved-page.html");
    let documents = read_html_file(&path).unwrap();
    assert_eq!(documents.len(), 1);
    let page = &documents[0];
    assert_eq!(page.url, "https://kanaal-crypto.example/nl/acties/welkom");
    assert_eq!(page.source_kind, SourceKind::File);
    assert_eq!(page.category_override, None);
    assert_eq!(page.published_at, None);
    assert!(is_rfc3339_utc(&page.fetched_at));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(page.content_sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(page.title.as_deref(), Some("Welkomstbonus | Kanaal Crypto"));
    assert_eq!(
        texts_of(page, BlockKind::Heading),
        ["Financiële start: welkomstbonus voor nieuwe klanten"]
    );
    assert!(texts_of(page, BlockKind::Paragraph).contains(
        &"Stort minimaal € 100 via iDEAL of Bancontact en ontvang een bonus van € 25 in Bitcoin."
    ));
    // Relative links resolve against the page's own address.
    assert!(page
        .links
        .iter()
        .any(|l| l.url == "https://kanaal-crypto.example/nl/aanmelden"));
    assert_eq!(page.locale.html_lang.as_deref(), Some("nl-NL"));
    assert_eq!(
        page.locale.hreflang,
        [(
            "de-DE".to_string(),
            "https://kanaal-crypto.example/de/aktionen/willkommen".to_string()
        )]
    );
}

#[test]
fn saved_page_falls_back_to_og_url_then_the_saved_from_comment_then_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let og = dir.path().join("og.html");
    std::fs::write(
        &og,
        r#"<html><head><meta property="og:url" content="https://x.example/og"></head><body><p>Hallo</p></body></html>"#,
    )
    .unwrap();
    assert_eq!(read_html_file(&og).unwrap()[0].url, "https://x.example/og");

    let saved = dir.path().join("saved.htm");
    std::fs::write(
        &saved,
        "<!-- saved from url=(0024)https://x.example/saved -->\n<html><body><p>Hallo</p></body></html>",
    )
    .unwrap();
    assert_eq!(
        read_html_file(&saved).unwrap()[0].url,
        "https://x.example/saved"
    );

    // A relative or non-web canonical is not an address of the page.
    let bare = dir.path().join("Kopie van pagina.html");
    std::fs::write(
        &bare,
        r#"<html><head><link rel="canonical" href="/relative"></head><body><p>Hallo</p></body></html>"#,
    )
    .unwrap();
    let document = read_html_file(&bare).unwrap().remove(0);
    assert_eq!(document.url, "file:Kopie%20van%20pagina.html");
    assert!(!document.url.contains(&dir.path().display().to_string()));
}

#[test]
fn read_path_dispatches_by_kind() {
    assert_eq!(read_path(&fixture("nl-campaign.eml")).unwrap().len(), 1);
    assert_eq!(read_path(&fixture("campaigns.mbox")).unwrap().len(), 3);
    assert_eq!(
        read_path(&fixture("saved-page.html")).unwrap()[0].source_kind,
        SourceKind::File
    );

    // No extension: the content decides.
    let dir = tempfile::tempdir().unwrap();
    let unnamed = dir.path().join("evidence-3");
    std::fs::copy(fixture("campaigns.mbox"), &unnamed).unwrap();
    let head = std::fs::read(&unnamed).unwrap();
    assert_eq!(detect_kind(&unnamed, &head), Some(OfflineKind::Mbox));
    let documents = read_path(&unnamed).unwrap();
    assert_eq!(documents.len(), 3);
    assert_eq!(documents[2].url, "file:evidence-3#3");

    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "Call the firm back on Monday.").unwrap();
    assert!(matches!(
        read_path(&notes),
        Err(OfflineError::UnknownKind { .. })
    ));

    let warc = dir.path().join("capture.warc");
    std::fs::write(&warc, "WARC/1.1\r\nWARC-Type: warcinfo\r\n\r\n").unwrap();
    assert!(matches!(
        read_path(&warc),
        Err(OfflineError::Unsupported { .. })
    ));
}

#[test]
fn unreadable_and_empty_inputs_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.eml");
    let error = read_email(&missing).unwrap_err();
    assert!(matches!(error, OfflineError::Read { .. }));
    assert!(error.to_string().contains("missing.eml"), "{error}");

    let empty = dir.path().join("empty.mbox");
    std::fs::write(&empty, "").unwrap();
    let error = read_email(&empty).unwrap_err();
    assert!(matches!(error, OfflineError::NoMessages { .. }), "{error}");
    assert!(error.to_string().contains("empty.mbox"));
}

#[test]
fn links_point_at_the_blocks_holding_their_text() {
    let campaign = read_email(&fixture("nl-campaign.eml")).unwrap().remove(0);
    assert!(!campaign.links.is_empty());
    for link in &campaign.links {
        let index = link.block_index.expect("anchor links have a block");
        assert_eq!(campaign.blocks[index].text, link.text, "{link:?}");
    }
}

#[test]
fn a_campaign_forwarded_as_an_attachment_is_read_with_its_sender_domain() {
    let documents = read_email(&fixture("it-forwarded-complaint.eml")).unwrap();
    assert_eq!(documents.len(), 1);
    let complaint = &documents[0];
    assert_eq!(complaint.url, "mid:segnalazione-0042@cittadino.example");
    assert_eq!(
        complaint.title.as_deref(),
        Some("Fwd: pubblicità non richiesta")
    );
    assert_eq!(
        texts_of(complaint, BlockKind::Heading),
        ["10 euro in regalo per te"]
    );
    assert_eq!(
        texts_of(complaint, BlockKind::Other),
        [
            "From: Mario Rossi (cittadino.example)",
            "From: Nordlicht Krypto Italia (nordlicht-krypto.example)"
        ]
    );
    let text = all_text(complaint);
    assert!(text.contains("Apri il tuo conto su Nordlicht Krypto e ricevi 10 euro in Bitcoin."));
    assert!(text.contains("Buongiorno, inoltro il messaggio ricevuto ieri."));
    assert_eq!(texts_of(complaint, BlockKind::Link), ["Iscriviti ora"]);
    assert_eq!(complaint.locale.html_lang.as_deref(), Some("it"));
    for local_part in ["mario.rossi", "ciao@", "segnalazioni@"] {
        assert!(!text.contains(local_part), "{local_part} leaked: {text}");
    }
}
