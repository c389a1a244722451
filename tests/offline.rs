//! Offline evidence files as a supervisor receives them: a Dutch e-mail
//! campaign, a small mailbox, a page saved from a browser, a WARC archive.

use micar_scan::evidence::warc::{Exchange, WarcInfo, WarcWriter};
use micar_scan::sources::offline::{
    detect_kind, read_email, read_html_file, read_path, read_warc, OfflineError, OfflineKind,
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
    assert_eq!(
        &*campaign.content_sha256,
        hex::encode(Sha256::digest(&bytes))
    );
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
    assert_eq!(&*page.content_sha256, hex::encode(Sha256::digest(&bytes)));
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
        // A link stands in its own block or inside the sentence that holds it.
        assert!(campaign.blocks[index].text.contains(&link.text), "{link:?}");
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

/// One archived response: URL, status, response headers, payload.
type Archived = (&'static str, u16, Vec<(String, String)>, Vec<u8>);

fn content_type(value: &str) -> Vec<(String, String)> {
    vec![("Content-Type".to_string(), value.to_string())]
}

/// What a capture of a small Dutch, Polish and German presence holds:
/// pages, a plain-text page, an image, a geo-block answer, a page without a
/// `Content-Type` and an empty answer.
fn archived_responses() -> Vec<Archived> {
    let mut dutch_headers = content_type("text/html; charset=utf-8");
    dutch_headers.push(("Content-Language".into(), "nl-NL".into()));
    vec![
        (
            "http://127.0.0.1:8080/nl/acties/welkom",
            200,
            dutch_headers,
            "<html lang=\"nl\"><head><title>Welkomstbonus</title></head><body>\
             <h1>Welkomstbonus voor nieuwe klanten</h1>\
             <p>Stort via iDEAL en ontvang € 25 in Bitcoin.</p>\
             <p><a href=\"/nl/aanmelden\">Meld je nu aan</a></p></body></html>"
                .as_bytes()
                .to_vec(),
        ),
        (
            "http://127.0.0.1:8080/pl/",
            200,
            content_type("text/html; charset=ISO-8859-2"),
            // "Zarejestruj się i wpłać złotówki przez BLIK." in ISO-8859-2.
            b"<html lang=\"pl\"><body><p>Zarejestruj si\xEA i wp\xB3a\xE6 z\xB3ot\xF3wki przez BLIK.</p></body></html>"
                .to_vec(),
        ),
        (
            "http://127.0.0.1:8080/logo.png",
            200,
            content_type("image/png"),
            b"\x89PNG\r\n\x1a\n<html>not a page</html>".to_vec(),
        ),
        (
            "http://127.0.0.1:8080/pl/regulamin.txt",
            200,
            content_type("text/plain; charset=utf-8"),
            "Regulamin promocji.\n\nOferta dla   mieszkańców Polski.\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "http://127.0.0.1:8080/de/",
            451,
            content_type("text/html; charset=utf-8"),
            "<p>Dieses Angebot ist in Ihrer Region nicht verfügbar.</p>"
                .as_bytes()
                .to_vec(),
        ),
        (
            "http://127.0.0.1:8080/ohne-typ",
            200,
            Vec::new(),
            b"<!doctype html><html><body><p>Seite ohne Inhaltstyp.</p></body></html>".to_vec(),
        ),
        (
            "http://127.0.0.1:8080/leer",
            204,
            content_type("text/html"),
            Vec::new(),
        ),
    ]
}

/// Writes `responses` with the scanner's own WARC writer; returns the file.
fn write_warc(dir: &Path, responses: &[Archived]) -> PathBuf {
    let info = WarcInfo {
        software: "micar-scan/0.0.0-test".into(),
        config_sha256: "ab".repeat(32),
        patterns_sha256: "cd".repeat(32),
        user_agent: "micar-scan-test/1".into(),
        vantage: "NL, loopback test".into(),
        scan_id: "scan-offline-warc".into(),
    };
    let mut writer = WarcWriter::create(dir, "capture", u64::MAX, info).unwrap();
    let request = vec![("User-Agent".to_string(), "micar-scan-test/1".to_string())];
    for (url, status, headers, payload) in responses {
        writer
            .write_exchange(&Exchange {
                url,
                method: "GET",
                request_headers: &request,
                http_version: "HTTP/1.1",
                status: *status,
                reason: if *status == 200 { "OK" } else { "Other" },
                response_headers: headers,
                payload,
                content_decoded: false,
                truncated: false,
                ip: Some("127.0.0.1".parse().unwrap()),
                fetched_at: time::macros::datetime!(2026-11-28 16:05:09.250 UTC),
            })
            .unwrap();
    }
    let mut files = writer.finish().unwrap();
    assert_eq!(files.len(), 1);
    files.remove(0)
}

#[test]
fn warc_responses_with_pages_or_text_become_documents_with_their_capture_facts() {
    let dir = tempfile::tempdir().unwrap();
    let responses = archived_responses();
    let archive = write_warc(dir.path(), &responses);
    let documents = read_warc(&archive).unwrap();
    let urls: Vec<&str> = documents.iter().map(|d| d.url.as_str()).collect();
    // Not the image, not the empty answer; the geo-block page is evidence.
    assert_eq!(
        urls,
        [
            "http://127.0.0.1:8080/nl/acties/welkom",
            "http://127.0.0.1:8080/pl/",
            "http://127.0.0.1:8080/pl/regulamin.txt",
            "http://127.0.0.1:8080/de/",
            "http://127.0.0.1:8080/ohne-typ",
        ]
    );
    for document in &documents {
        let (_, _, _, payload) = responses
            .iter()
            .find(|(url, ..)| *url == document.url)
            .unwrap();
        assert_eq!(document.final_url, document.url);
        assert_eq!(document.source_kind, SourceKind::File);
        assert_eq!(document.category_override, None);
        assert_eq!(document.published_at, None);
        // The capture time, to the second, not the time the file was read.
        assert_eq!(&*document.fetched_at, "2026-11-28T16:05:09Z");
        assert_eq!(
            document.content_sha256,
            hex::encode(Sha256::digest(payload))
        );
        let last = document.blocks.last().unwrap();
        assert_eq!(
            (last.kind, last.text.as_str()),
            (BlockKind::Url, document.url.as_str())
        );
    }

    let dutch = &documents[0];
    assert_eq!(dutch.title.as_deref(), Some("Welkomstbonus"));
    assert_eq!(
        texts_of(dutch, BlockKind::Heading),
        ["Welkomstbonus voor nieuwe klanten"]
    );
    assert_eq!(
        texts_of(dutch, BlockKind::Paragraph),
        ["Stort via iDEAL en ontvang € 25 in Bitcoin."]
    );
    assert_eq!(dutch.locale.html_lang.as_deref(), Some("nl"));
    assert_eq!(dutch.locale.content_language.as_deref(), Some("nl-NL"));
    assert_eq!(dutch.locale.path_locale.as_deref(), Some("nl"));
    let signup = &dutch.links[0];
    assert_eq!(signup.url, "http://127.0.0.1:8080/nl/aanmelden");
    assert_eq!(
        dutch.blocks[signup.block_index.unwrap()].text,
        "Meld je nu aan"
    );

    // The charset named in the archived Content-Type decodes the payload.
    assert_eq!(
        texts_of(&documents[1], BlockKind::Paragraph),
        ["Zarejestruj się i wpłać złotówki przez BLIK."]
    );
    assert_eq!(
        texts_of(&documents[2], BlockKind::Paragraph),
        ["Regulamin promocji.", "Oferta dla mieszkańców Polski."]
    );
    assert_eq!(
        texts_of(&documents[3], BlockKind::Paragraph),
        ["Dieses Angebot ist in Ihrer Region nicht verfügbar."]
    );
    assert_eq!(
        texts_of(&documents[4], BlockKind::Paragraph),
        ["Seite ohne Inhaltstyp."]
    );
}

#[test]
fn read_path_reads_a_warc_by_its_name_or_by_its_gzipped_version_line() {
    let dir = tempfile::tempdir().unwrap();
    let archive = write_warc(dir.path(), &archived_responses());
    assert!(archive.to_string_lossy().ends_with(".warc.gz"));
    let by_name = read_path(&archive).unwrap();
    assert_eq!(by_name.len(), 5);

    let unnamed = dir.path().join("evidence-7");
    std::fs::copy(&archive, &unnamed).unwrap();
    let head = std::fs::read(&unnamed).unwrap();
    assert_eq!(
        detect_kind(&unnamed, &head[..4096.min(head.len())]),
        Some(OfflineKind::Warc)
    );
    let by_content = read_path(&unnamed).unwrap();
    assert_eq!(by_content, by_name);
}

#[test]
fn a_cut_off_warc_is_an_error_naming_the_file_and_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let archive = write_warc(dir.path(), &archived_responses());
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.truncate(bytes.len() - 20);
    let cut = dir.path().join("cut.warc.gz");
    std::fs::write(&cut, &bytes).unwrap();
    let error = read_warc(&cut).unwrap_err();
    let OfflineError::BadRecord { offset, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(*offset > 0, "the first records were whole");
    assert!(error.to_string().contains("cut.warc.gz"), "{error}");

    let missing = dir.path().join("missing.warc");
    assert!(matches!(
        read_warc(&missing),
        Err(OfflineError::Read { .. })
    ));
}

/// Found by fuzzing: a forwarded message whose MIME tree trips a
/// `debug_assert!` in mail-parser 0.11 ("Invalid part ID, could not find
/// multipart"), which panics in any build with debug assertions (`cargo
/// test`'s default profile). Reading it must never crash: with the assertion
/// it is an unreadable message naming the file, without it the parser goes
/// on and the readable parts are kept.
#[test]
fn a_mime_tree_that_trips_the_mail_parser_never_crashes_the_reader() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/email/mail-parser-invalid-part-id-panic.eml");
    let outcome = std::panic::catch_unwind(|| read_email(&path));
    match outcome {
        Ok(Ok(documents)) => assert_eq!(documents.len(), 1),
        Ok(Err(OfflineError::NotAMessage { file, .. })) => {
            assert!(
                file.ends_with("mail-parser-invalid-part-id-panic.eml"),
                "{file}"
            )
        }
        Ok(Err(other)) => panic!("unexpected error: {other}"),
        Err(_) => panic!("reading the message panicked"),
    }
}
