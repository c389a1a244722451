use super::*;
use std::path::{Path, PathBuf};
use time::macros::{date, datetime};

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write a test file");
        path
    }
}

fn inputs<'a>(requests: &'a Path, offers: &'a Path) -> LedgerInputs<'a> {
    LedgerInputs {
        requests,
        offers,
        assets: AssetCatalogue::bundled().expect("bundled assets"),
        data: LedgerData::bundled().expect("bundled ledger data"),
        report: None,
        generated_at: "2026-12-01T00:00:00Z".to_string(),
    }
}

fn judge_all(requests: &str, offers: &str) -> LedgerReport {
    let files = Files::new();
    let requests = files.write("requests.csv", requests);
    let offers = files.write("offers.csv", offers);
    let mut out = Vec::new();
    run(&inputs(&requests, &offers), &mut out).expect("the ledger runs");
    serde_json::from_slice(&out).expect("the output is one JSON document")
}

fn outcome<'a>(report: &'a LedgerReport, offer_id: &str) -> &'a OfferOutcome {
    report
        .offers
        .iter()
        .find(|o| o.offer_id == offer_id)
        .unwrap_or_else(|| panic!("no outcome for {offer_id}: {:#?}", report.offers))
}

const REQUESTS: &str = "\
client_id,requested_at,country,service,asset,initiated_by,reference
c1,2026-01-31,DE,exchange_fiat,BTC,client,ticket-17
c2,2026-03-10T09:00:00Z,FR,custody,ETH,,
c3,2026-03-10,IT,exchange_fiat,USDC,firm,call-2
c4,2026-05-01,US,exchange_fiat,BTC,client,
c5,2026-03-10,ES,exchange_fiat,USDT,client,
";

#[test]
fn every_reason_is_produced() {
    let offers = "\
offer_id,client_id,sent_at,channel,service,asset
o-covered,c1,2026-02-28T23:59:00Z,email,buy,BTC
o-after-window,c1,2026-03-01T00:00:00Z,email,exchange_fiat,BTC
o-no-request,c9,2026-02-01,push,exchange_fiat,BTC
o-before,c2,2026-03-09,email,custody,ETH
o-service,c2,2026-03-12,email,exchange_fiat,ETH
o-type,c2,2026-03-12,email,custody,USDC
o-firm,c3,2026-03-11,call,exchange_fiat,USDC
o-outside-eea,c4,2026-05-02,email,exchange_fiat,BTC
o-same-type,c5,2026-03-20,in_app,exchange_fiat,USDC
o-unknown,c5,2026-03-20,in_app,exchange_fiat,FOOCOIN
";
    let report = judge_all(REQUESTS, offers);

    let covered = outcome(&report, "o-covered");
    assert_eq!(covered.outcome, Outcome::Covered, "{covered:?}");
    let request = covered.request.as_ref().expect("the covering request");
    assert_eq!(request.window_ends, "2026-02-28");
    assert_eq!(request.reference.as_deref(), Some("ticket-17"));
    assert_eq!(
        covered.service, "exchange_fiat",
        "a synonym is read as its service"
    );

    for (id, reason) in [
        ("o-after-window", Reason::OutsideWindow),
        ("o-no-request", Reason::NoRequest),
        ("o-before", Reason::BeforeRequest),
        ("o-service", Reason::OtherService),
        ("o-type", Reason::OtherAssetType),
        ("o-firm", Reason::FirmInitiated),
    ] {
        let judged = outcome(&report, id);
        assert_eq!(judged.outcome, Outcome::Violation, "{id}: {judged:?}");
        assert_eq!(judged.reason, Some(reason), "{id}: {judged:?}");
        assert!(!judged.detail.is_empty());
    }
    // ETH (no issuer, no reference) against USDC (an e-money token).
    assert_eq!(
        outcome(&report, "o-type").differs,
        ["kind", "technology", "reference", "offeror"]
    );
    // Two USD e-money tokens on the same chains, both with an issuer: same type.
    assert_eq!(outcome(&report, "o-same-type").outcome, Outcome::Covered);
    let unknown = outcome(&report, "o-unknown");
    assert_eq!(unknown.outcome, Outcome::Unassessed);
    assert_eq!(unknown.reason, Some(Reason::UnknownAsset));
    assert_eq!(unknown.unknown_assets, ["FOOCOIN"]);

    assert!(report.offers.iter().all(|o| o.offer_id != "o-outside-eea"));
    assert_eq!(report.totals.offers, 10);
    assert_eq!(report.totals.skipped_outside_eea, 1);
    assert_eq!(report.totals.covered, 2);
    assert_eq!(report.totals.violations, 6);
    assert_eq!(report.totals.unassessed, 1);
    assert_eq!(report.totals.by_reason.get("other_asset_type"), Some(&1));
    assert_eq!(report.totals.requests, 5);
    assert_eq!(report.totals.eea_requests, 4);
}

#[test]
fn the_closest_request_decides_and_a_later_one_reopens_the_window() {
    let requests = "\
client_id,requested_at,country,service,asset
c1,2026-01-05,NL,exchange_fiat,BTC
c1,2026-03-01,NL,custody,BTC
";
    let offers = "\
offer_id,client_id,sent_at,channel,service,asset
o1,c1,2026-03-02,email,exchange_fiat,BTC
o2,c1,2026-03-02,email,custody,BTC
";
    let report = judge_all(requests, offers);
    // Inside the custody request's window, for another service: the nearer
    // miss beats "outside the window" of the old exchange request.
    assert_eq!(outcome(&report, "o1").reason, Some(Reason::OtherService));
    assert_eq!(outcome(&report, "o2").outcome, Outcome::Covered);
}

#[test]
fn an_offer_naming_its_country_overrides_the_requests_and_unknown_countries_are_judged() {
    let requests = "client_id,requested_at,country,service,asset\nc1,2026-01-05,CH,custody,BTC\n";
    let offers = "\
offer_id,client_id,sent_at,channel,service,asset,country
o1,c1,2026-01-06,email,custody,BTC,
o2,c1,2026-01-06,email,custody,BTC,AT
o3,c7,2026-01-06,email,custody,BTC,
";
    let report = judge_all(requests, offers);
    assert_eq!(
        report.totals.skipped_outside_eea, 1,
        "o1 goes by the request's CH"
    );
    assert_eq!(outcome(&report, "o2").country.as_deref(), Some("AT"));
    let unknown = outcome(&report, "o3");
    assert_eq!(unknown.country, None);
    assert_eq!(unknown.reason, Some(Reason::NoRequest));
}

fn error_of(requests: &str, offers: &str) -> String {
    let files = Files::new();
    let requests = files.write("requests.csv", requests);
    let offers = files.write("offers.csv", offers);
    let mut out = Vec::new();
    let error = run(&inputs(&requests, &offers), &mut out).expect_err("the input is refused");
    let text = error.to_string();
    let dir = files.dir.path().display().to_string();
    text.replace(&format!("{dir}/"), "")
}

const OFFERS_HEADER: &str = "offer_id,client_id,sent_at,channel,service,asset\n";

#[test]
fn malformed_input_is_refused_with_file_line_and_column() {
    let header = "client_id,requested_at,country,service,asset\n";
    let cases = [
        (
            format!("{header}c1,2026-02-30,DE,custody,BTC\n"),
            "requests.csv:2:4: `2026-02-30` is not a date",
        ),
        (
            format!("{header}c1,2026-02-03,DE,lending,BTC\n"),
            "requests.csv:2:18: unknown service `lending`",
        ),
        (
            format!("{header}c1,2026-02-03,Germany,custody,BTC\n"),
            "requests.csv:2:15: `Germany` is not a country code",
        ),
        (
            format!("{header}\"c1\",\"2026-02-03\",DE,custody\n"),
            "requests.csv:2:1: this row has 4 values, the header 5",
        ),
        (
            "client_id,\"requested_at\",country,service,asset,colour\n".to_string(),
            "requests.csv:1:48: unknown column `colour`",
        ),
        (
            "client_id,requested_at,service,asset\n".to_string(),
            "requests.csv:1:1: the header has no `country` column",
        ),
        (
            format!("{header}c1,2026-02-03,DE,custody,BTC\n\"c2\",\"2026-13-01\",DE,custody,BTC\n"),
            "requests.csv:3:6: `2026-13-01` is not a date",
        ),
        (
            format!("{header}c1,2026-02-03,DE,custody,\n"),
            "requests.csv:2:", // the empty asset
        ),
    ];
    for (requests, expected) in cases {
        let message = error_of(&requests, OFFERS_HEADER);
        assert!(
            message.starts_with(expected),
            "{expected}\n got {message}\n for {requests}"
        );
    }
    let message = error_of(
        "client_id,requested_at,country,service,asset\n",
        &format!("{OFFERS_HEADER}o1,c1,yesterday,email,custody,BTC\n"),
    );
    assert!(
        message.starts_with("offers.csv:2:7: `yesterday` is not a date"),
        "{message}"
    );
}

#[test]
fn the_window_ends_on_the_same_day_next_month_or_the_last_day_of_a_shorter_one() {
    assert_eq!(window_end(date!(2026 - 01 - 31)), date!(2026 - 02 - 28));
    assert_eq!(window_end(date!(2028 - 01 - 31)), date!(2028 - 02 - 29));
    assert_eq!(window_end(date!(2026 - 03 - 31)), date!(2026 - 04 - 30));
    assert_eq!(window_end(date!(2026 - 12 - 15)), date!(2027 - 01 - 15));
    assert_eq!(window_end(date!(2026 - 02 - 28)), date!(2026 - 03 - 28));

    let requested = datetime!(2026-01-31 10:00 UTC);
    assert!(in_window(requested, datetime!(2026-01-31 10:00 UTC)));
    assert!(!in_window(requested, datetime!(2026-01-31 09:59 UTC)));
    assert!(in_window(requested, datetime!(2026-02-28 23:59:59 UTC)));
    assert!(!in_window(requested, datetime!(2026-03-01 00:00 UTC)));
}

#[test]
fn timestamps_are_dates_or_rfc_3339_in_utc() {
    assert_eq!(
        parse_timestamp("2026-01-31").unwrap(),
        datetime!(2026-01-31 00:00 UTC)
    );
    assert_eq!(
        parse_timestamp("2026-01-31T23:30:00+02:00").unwrap(),
        datetime!(2026-01-31 21:30 UTC)
    );
    for bad in ["31/01/2026", "2026-1-31", "", "2026-02-29"] {
        assert!(parse_timestamp(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_bundled_catalogue_and_service_names_hold_together() {
    let assets = AssetCatalogue::bundled().unwrap();
    let data = LedgerData::bundled().unwrap();
    assert_eq!(assets.get("xbt").map(Asset::name), Some("BTC"));
    assert!(
        assets
            .get("EURC")
            .unwrap()
            .differences(assets.get("EURCV").unwrap())
            == ["technology"]
    );
    assert_eq!(data.service("Custody and administration"), Some("custody"));
    assert_eq!(
        data.service("reception-and-transmission"),
        Some("reception_transmission")
    );
    assert_eq!(data.service("lending"), None);
    assert_eq!(
        data.services.len(),
        10,
        "MiCAR Art. 3(1)(16) points (a) to (j)"
    );
    assert!(data.is_eea("el") && data.is_eea("NO") && !data.is_eea("CH") && !data.is_eea("UK"));
    assert_eq!(data.evidence_countries("place.country.de", None), ["DE"]);
    assert_eq!(
        data.evidence_countries("payment.ideal", Some("nl")),
        ["BE", "NL"]
    );
    assert_eq!(data.evidence_countries("domain.cctld.eu", None).len(), 30);
    assert!(data.evidence_countries("non_eu.payment.pix", Some("pt")) == ["PT"]);
}

#[test]
fn the_service_points_agree_with_the_register_codes() {
    let data = LedgerData::bundled().unwrap();
    for (letter, id) in crate::model::register::SERVICE_POINTS {
        assert_eq!(
            data.services.get(id).map(String::as_str),
            Some(letter.to_string().as_str()),
            "{id}"
        );
    }
}

#[test]
fn an_override_file_adds_and_replaces_assets() {
    let mut assets = AssetCatalogue::bundled().unwrap();
    assets
        .add_toml(
            "[[asset]]\nsymbols = [\"FOO\"]\nkind = \"utility\"\ntechnology = \"ethereum\"\n\
             reference = \"none\"\nliquidity = \"illiquid\"\nofferor = \"identified\"\n\
             [[asset]]\nsymbols = [\"usdt\"]\nkind = \"emt\"\ntechnology = \"tron\"\n\
             reference = \"USD\"\nliquidity = \"liquid\"\nofferor = \"identified\"\n",
            "mine.toml",
        )
        .unwrap();
    assert!(assets.get("foo").is_some());
    assert_eq!(assets.get("USDT").unwrap().technology, "tron");
    let bad = assets.add_toml(
        "[[asset]]\nsymbols = [\"X\"]\nkind = \"meme\"\n",
        "bad.toml",
    );
    assert!(bad.unwrap_err().to_string().starts_with("bad.toml: "));
}

mod properties {
    use super::super::{in_window, window_end};
    use proptest::prelude::*;
    use time::{Date, Duration, Time};

    fn any_date() -> impl Strategy<Value = Date> {
        // 1900-01-01 .. 2199-12-31, every day reachable.
        (0i64..109_572).prop_map(|days| {
            Date::from_calendar_date(1900, time::Month::January, 1).unwrap() + Duration::days(days)
        })
    }

    proptest! {
        #[test]
        fn the_window_lands_in_the_next_month(date in any_date()) {
            let end = window_end(date);
            prop_assert_eq!(end.month(), date.month().next());
            let days = (end - date).whole_days();
            prop_assert!((28..=31).contains(&days), "{} -> {} is {} days", date, end, days);
            if date.day() <= 28 {
                prop_assert_eq!(end.day(), date.day());
            } else {
                prop_assert!(end.day() <= date.day());
            }
        }

        #[test]
        fn a_later_request_never_closes_its_window_earlier(a in any_date(), b in any_date()) {
            let (first, second) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(window_end(first) <= window_end(second));
        }

        #[test]
        fn offers_within_28_days_are_in_and_after_31_days_or_before_the_request_are_out(
            date in any_date(),
            seconds in 0u32..86_400,
            offset_days in -3i64..40,
            offer_seconds in 0u32..86_400,
        ) {
            let at = |d: Date, s: u32| {
                d.with_time(Time::MIDNIGHT).assume_utc() + Duration::seconds(i64::from(s))
            };
            let requested = at(date, seconds);
            let sent = at(date + Duration::days(offset_days), offer_seconds);
            if sent < requested || offset_days > 31 {
                prop_assert!(!in_window(requested, sent));
            } else if offset_days <= 28 {
                prop_assert!(in_window(requested, sent));
            }
        }
    }
}
