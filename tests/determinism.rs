//! The product brief, section 4, "Determinism": the same rules, data and flags give
//! byte-identical output whatever the thread count; and section 6: bad rows
//! are never silently dropped, and read = used + rejected.
//!
//! Populations are random but small, over the vocabulary of
//! `examples/b2b_lifecycle.nurture`, so each case runs in milliseconds even
//! in a debug build.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nurture::data::{self, Contact, Dataset, LoadError, LoadOptions, Schema};
use nurture::driver::check_source;
use nurture::ir::Program;
use nurture::report::{self, DataCounts, RowCounts};
use nurture::sim::run::{run, OutcomeSink, Population, RunConfig};
use nurture::sim::ContactOutcome;
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

const B2B: &str = include_str!("../examples/b2b_lifecycle.nurture");
const DAY: i64 = 86_400;

fn b2b() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        check_source(
            Path::new("b2b_lifecycle.nurture"),
            "b2b_lifecycle.nurture",
            B2B.to_string(),
        )
        .program
        .expect("the B2B example checks")
    })
}

// ------------------------------------------------------------ random data

const CONTACTS_HEADER: &str =
    "id,company_size,country,channel,job_title,budget,stage,points,tags,created_at";
const EVENTS_HEADER: &str =
    "contact_id,type,at,email,url,form,asset,amount,order_id,category,channel,referred";

const STAGES: &[&str] = &[
    "",
    "Subscriber",
    "Lead",
    "MQL",
    "SQL",
    "Customer",
    "Loyal",
    "Ambassador",
];
/// The index of `Subscriber` in [`STAGES`].
const SUBSCRIBER: usize = 1;
const COUNTRIES: &[&str] = &["", "PL", "DE", "FR", "US"];
const CHANNELS: &[&str] = &["", "organic", "paid_search", "webinar", "referral"];
const TITLES: &[&str] = &[
    "",
    "Head of Marketing",
    "Engineer",
    "CEO",
    "Analyst",
    "VP Sales",
];
const TAGS: &[&str] = &["", "hot", "b2b", "hot;b2b"];
const EMAILS: &[&str] = &[
    "welcome",
    "mql_nurture",
    "sales_intro",
    "onboarding",
    "winback",
    "webinar_invite",
    "newsletter",
];
const URLS: &[&str] = &[
    "/pricing",
    "/pricing/enterprise?utm=x",
    "/case-studies/acme",
    "/blog/post",
    "/",
];
const FORMS: &[&str] = &[
    "webinar",
    "demo",
    "offer_request",
    "contact_sales",
    "newsletter",
];

/// One contact row, as the columns of [`CONTACTS_HEADER`] after `id`.
#[derive(Debug, Clone)]
struct ContactRow {
    company_size: Option<u32>,
    country: usize,
    channel: usize,
    title: usize,
    budget: Option<u32>,
    stage: usize,
    points: i32,
    tags: usize,
    /// Days after 2025-01-01, or none.
    created_day: Option<u32>,
}

fn contact_row() -> impl Strategy<Value = ContactRow> {
    (
        prop::option::of(1u32..500),
        0..COUNTRIES.len(),
        0..CHANNELS.len(),
        0..TITLES.len(),
        prop::option::of(0u32..20_000),
        0..STAGES.len(),
        -5i32..90,
        0..TAGS.len(),
        prop::option::of(0u32..60),
    )
        .prop_map(
            |(company_size, country, channel, title, budget, stage, points, tags, created_day)| {
                ContactRow {
                    company_size,
                    country,
                    channel,
                    title,
                    budget,
                    stage,
                    points,
                    tags,
                    created_day,
                }
            },
        )
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl ContactRow {
    fn csv(&self, id: &str) -> String {
        let created = self
            .created_day
            .map(|d| date_plus(d as i64 * DAY))
            .unwrap_or_default();
        format!(
            "{id},{},{},{},{},{},{},{},{},{}",
            opt(self.company_size),
            COUNTRIES[self.country],
            CHANNELS[self.channel],
            TITLES[self.title],
            opt(self.budget),
            STAGES[self.stage],
            self.points,
            TAGS[self.tags],
            created
        )
    }
}

/// One event row: which contact, what, when.
#[derive(Debug, Clone)]
struct EventRow {
    contact: prop::sample::Index,
    kind: u8,
    /// Minutes after 2025-01-01T00:00Z.
    minute: u32,
    pick: prop::sample::Index,
    amount: u32,
}

fn event_row() -> impl Strategy<Value = EventRow> {
    (
        any::<prop::sample::Index>(),
        0u8..9,
        0u32..(150 * 24 * 60),
        any::<prop::sample::Index>(),
        1u32..3000,
    )
        .prop_map(|(contact, kind, minute, pick, amount)| EventRow {
            contact,
            kind,
            minute,
            pick,
            amount,
        })
}

/// `2025-01-01T00:00:00Z` plus some seconds, RFC 3339.
fn date_plus(seconds: i64) -> String {
    nurture::base::time::rfc3339(1_735_689_600 + seconds)
}

impl EventRow {
    fn csv(&self, contact_id: &str) -> String {
        let at = date_plus(i64::from(self.minute) * 60);
        let pick = |list: &[&'static str]| list[self.pick.index(list.len())];
        // contact_id,type,at,email,url,form,asset,amount,order_id,category,channel,referred
        match self.kind {
            0 => format!("{contact_id},email.sent,{at},{},,,,,,,,", pick(EMAILS)),
            1 | 2 => format!("{contact_id},email.opened,{at},{},,,,,,,,", pick(EMAILS)),
            3 => format!(
                "{contact_id},email.clicked,{at},{},{},,,,,,,",
                pick(EMAILS),
                URLS[self.amount as usize % URLS.len()]
            ),
            4 => format!("{contact_id},page.visited,{at},,{},,,,,,,", pick(URLS)),
            5 => format!("{contact_id},form.submitted,{at},,,{},,,,,,", pick(FORMS)),
            6 => format!("{contact_id},asset.downloaded,{at},,,,pricing_sheet,,,,,"),
            7 => format!(
                "{contact_id},purchase,{at},,,,,{}.{:02},o-{},pro,online,",
                self.amount,
                self.amount % 100,
                self.minute
            ),
            _ => {
                if self.pick.index(4) == 0 {
                    format!("{contact_id},unsubscribed,{at},,,,,,,,,")
                } else {
                    format!("{contact_id},referral,{at},,,,,,,,,{}", pick(EMAILS))
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
struct RandomData {
    contacts: Vec<ContactRow>,
    events: Vec<EventRow>,
}

fn population(max_contacts: usize, max_events: usize) -> impl Strategy<Value = RandomData> {
    (
        prop::collection::vec(contact_row(), 1..=max_contacts),
        prop::collection::vec(event_row(), 0..=max_events),
    )
        .prop_map(|(mut contacts, events)| {
            // One Subscriber at least, so that every run acts (see
            // `the_thread_count_never_changes_the_output`).
            if let Some(first) = contacts.first_mut() {
                first.stage = SUBSCRIBER;
            }
            RandomData { contacts, events }
        })
}

impl RandomData {
    fn contacts_csv(&self) -> String {
        let mut text = format!("{CONTACTS_HEADER}\n");
        for (i, c) in self.contacts.iter().enumerate() {
            text.push_str(&c.csv(&format!("c{i}")));
            text.push('\n');
        }
        text
    }

    fn events_csv(&self) -> String {
        let mut text = format!("{EVENTS_HEADER}\n");
        for e in &self.events {
            let id = format!("c{}", e.contact.index(self.contacts.len()));
            text.push_str(&e.csv(&id));
            text.push('\n');
        }
        text
    }
}

// --------------------------------------------------------- running in a pool

/// Collects outbox lines in the order the run hands contacts over.
struct Outbox<'p> {
    program: &'p Program,
    lines: Vec<String>,
    contacts_seen: Vec<usize>,
}

impl OutcomeSink for Outbox<'_> {
    fn contact(&mut self, index: usize, contact: &Contact, outcome: &ContactOutcome) {
        self.contacts_seen.push(index);
        for record in &outcome.actions {
            self.lines
                .push(report::outbox::line(self.program, &contact.id, record));
        }
    }
}

fn data_counts(dataset: &Dataset) -> DataCounts {
    let counts = |c: data::RowCounts| RowCounts {
        read: c.read,
        used: c.used,
        rejected: c.rejected,
    };
    DataCounts {
        contacts: counts(dataset.report.contacts),
        events: counts(dataset.report.events),
    }
}

/// The JSON report (pretty, as `simulate --format json` prints it) and the
/// outbox lines of one run on a pool of `threads` threads.
fn run_on(threads: usize, program: &Program, dataset: &Dataset) -> (String, Vec<String>) {
    let channel = program.fields.position(|f| f.name == "channel");
    let config = RunConfig {
        // 2025-01-01 00:00 Warsaw … 2025-06-30 23:59:59 Warsaw.
        from: 1_735_686_000,
        to: 1_751_320_799,
        tick_seconds: DAY,
        by_field: channel,
    };
    let population = Population {
        contacts: &dataset.contacts,
        events: &dataset.events,
        ranges: &dataset.contact_event_ranges,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let mut outbox = Outbox {
        program,
        lines: Vec::new(),
        contacts_seen: Vec::new(),
    };
    let summary = pool.install(|| run(program, &population, &config, &mut outbox, &mut |_| {}));
    assert_eq!(
        outbox.contacts_seen,
        (0..dataset.contacts.len()).collect::<Vec<_>>(),
        "the sink sees contacts in order"
    );
    let json = report::json::summary(program, &summary, &data_counts(dataset), Some("channel"));
    let text = serde_json::to_string_pretty(&json).expect("JSON");
    (text, outbox.lines)
}

/// The kinds of action (`send email`, `move to`, …) a summary counts at
/// least once, and how many actions there were in all.
fn action_kinds(summary_json: &str) -> (std::collections::BTreeSet<String>, u64) {
    let summary: serde_json::Value = serde_json::from_str(summary_json).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    let mut total = 0;
    for a in summary["actions"].as_array().unwrap() {
        let count = a["count"].as_u64().unwrap();
        if count > 0 {
            kinds.insert(a["kind"].as_str().unwrap().to_string());
        }
        total += count;
    }
    (kinds, total)
}

/// One thread or two: the same JSON report, byte for byte, and the same
/// outbox lines in the same order. Equal outputs prove nothing if nothing
/// happened, so every population must produce actions (its first contact
/// is a Subscriber, whom `welcome_new_subscriber` greets), and the cases
/// together must produce several kinds of action.
#[test]
fn the_thread_count_never_changes_the_output() {
    let config = ProptestConfig {
        cases: 12,
        ..ProptestConfig::default()
    };
    assert_eq!(STAGES[SUBSCRIBER], "Subscriber");
    let seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&population(24, 160), |population| {
        let program = b2b();
        let dataset = data::load_str(
            &Schema::from(program),
            Some(&population.contacts_csv()),
            &population.events_csv(),
            &LoadOptions::default(),
        )
        .unwrap_or_else(|e| {
            panic!(
                "generated data must load: {e} {:?}",
                e.report().map(|r| &r.problems)
            )
        });
        let (json_1, outbox_1) = run_on(1, program, &dataset);
        let (json_2, outbox_2) = run_on(2, program, &dataset);
        prop_assert_eq!(&json_1, &json_2);
        prop_assert_eq!(&outbox_1, &outbox_2);
        // And again on one thread: no state leaks between runs.
        let (json_again, outbox_again) = run_on(1, program, &dataset);
        prop_assert_eq!(&json_1, &json_again);
        prop_assert_eq!(&outbox_1, &outbox_again);
        let (kinds, actions) = action_kinds(&json_1);
        prop_assert!(
            actions > 0,
            "the run did nothing, so the comparison proves nothing"
        );
        // Every action is in the outbox.
        prop_assert_eq!(actions, outbox_1.len() as u64);
        seen.lock().unwrap().extend(kinds);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen.into_inner().unwrap();
    for kind in ["send email", "move to"] {
        assert!(
            seen.contains(kind),
            "no `{kind}` action in any case: {seen:?}"
        );
    }
    assert!(seen.len() >= 3, "only {seen:?} happened");
}

// --------------------------------------------------------------- bad rows

/// Kinds of bad contact rows; ids are `bad…` so no event refers to them
/// (an event of a rejected contact would be rejected too, D010).
fn bad_contact_row(kind: u8, n: usize, good_ids: usize) -> String {
    match kind {
        0 => ",10,PL,organic,CEO,100,Lead,1,,".to_string(), // no id (D002)
        1 => format!("bad{n},lots,PL,organic,CEO,100,Lead,1,,"), // not a number (D003)
        2 => format!("bad{n},10,PL,organic,CEO,100,Prospect,1,,"), // unknown stage (D004)
        3 => format!("bad{n},10,PL,organic,CEO,100,Lead,1,,2025-02-30"), // no such date (D008)
        4 => format!("bad{n},10,PL,organic,CEO,100,Lead,1.5,,"), // points not whole (D009)
        5 => format!("bad{n},10,PL"),                       // too few fields (D001)
        // A second row for an existing id (D007).
        _ => format!("c{},10,DE,organic,CEO,100,Lead,1,,", n % good_ids),
    }
}

/// Kinds of bad event rows.
fn bad_event_row(kind: u8, n: usize) -> String {
    match kind {
        0 => "nobody,email.opened,2025-01-02T10:00:00Z,welcome,,,,,,,,".to_string(), // D006
        1 => "c0,email.bounced,2025-01-02T10:00:00Z,welcome,,,,,,,,".to_string(),    // D005
        2 => "c0,email.opened,2025-13-02T10:00:00Z,welcome,,,,,,,,".to_string(),     // D008
        3 => format!("c0,purchase,2025-01-02T10:00:00Z,,,,,{n} EUR,,,,"),            // D003
        4 => ",email.opened,2025-01-02T10:00:00Z,welcome,,,,,,,,".to_string(),       // D002
        5 => "c0,email.opened,,welcome,,,,,,,,".to_string(),                         // D002
        _ => "c0,email.opened".to_string(),                                          // D001
    }
}

/// The problem code each kind of bad row must get.
const BAD_CONTACT_CODES: [&str; 7] = ["D002", "D003", "D004", "D008", "D009", "D001", "D007"];
const BAD_EVENT_CODES: [&str; 7] = ["D006", "D005", "D008", "D003", "D002", "D002", "D001"];

/// Inserts `bad` rows among `good` ones at the given positions.
fn mix(good: Vec<String>, bad: Vec<(String, prop::sample::Index)>) -> Vec<String> {
    let mut rows = good;
    for (row, at) in bad {
        let position = at.index(rows.len() + 1);
        rows.insert(position, row);
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// With `skip_bad_rows`, every bad row is counted as rejected and
    /// reported, and read = used + rejected for contacts and events; without
    /// it, loading fails with `BadRows` (when there is any bad row).
    #[test]
    fn bad_rows_are_counted_and_reconcile(
        population in population(8, 30),
        bad_contacts in prop::collection::vec((0u8..7, any::<prop::sample::Index>()), 0..5),
        bad_events in prop::collection::vec((0u8..7, any::<prop::sample::Index>()), 0..6),
    ) {
        let program = b2b();
        let schema = Schema::from(program);
        let good_contacts: Vec<String> = population
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| c.csv(&format!("c{i}")))
            .collect();
        let good_events: Vec<String> = population
            .events
            .iter()
            .map(|e| e.csv(&format!("c{}", e.contact.index(population.contacts.len()))))
            .collect();
        let n_good_contacts = good_contacts.len();
        let n_good_events = good_events.len();
        // A duplicate placed before the first row with its id is kept and the
        // original rejected instead: one rejected row either way.
        let contact_rows = mix(
            good_contacts,
            bad_contacts
                .iter()
                .enumerate()
                .map(|(n, (kind, at))| (bad_contact_row(*kind, n, n_good_contacts), *at))
                .collect(),
        );
        let event_rows = mix(
            good_events,
            bad_events
                .iter()
                .enumerate()
                .map(|(n, (kind, at))| (bad_event_row(*kind, n), *at))
                .collect(),
        );
        let contacts_csv = format!("{CONTACTS_HEADER}\n{}\n", contact_rows.join("\n"));
        let events_csv = if event_rows.is_empty() {
            format!("{EVENTS_HEADER}\n")
        } else {
            format!("{EVENTS_HEADER}\n{}\n", event_rows.join("\n"))
        };
        let bad_total = (bad_contacts.len() + bad_events.len()) as u64;

        let skip = LoadOptions { skip_bad_rows: true, ..LoadOptions::default() };
        let dataset = data::load_str(&schema, Some(&contacts_csv), &events_csv, &skip)
            .unwrap_or_else(|e| panic!("skipping bad rows must load: {e}"));
        let report = &dataset.report;
        for (what, counts) in [("contacts", report.contacts), ("events", report.events)] {
            prop_assert_eq!(counts.read, counts.used + counts.rejected, "{}: {:?}", what, counts);
        }
        prop_assert_eq!(report.contacts.read, (n_good_contacts + bad_contacts.len()) as u64);
        prop_assert_eq!(report.contacts.rejected, bad_contacts.len() as u64);
        prop_assert_eq!(report.events.read, (n_good_events + bad_events.len()) as u64);
        prop_assert_eq!(report.events.rejected, bad_events.len() as u64);
        prop_assert_eq!(report.problem_count, bad_total);
        prop_assert_eq!(report.problems.len() as u64, bad_total);
        let mut expected_codes = std::collections::BTreeMap::new();
        for (kind, _) in &bad_contacts {
            *expected_codes.entry(BAD_CONTACT_CODES[*kind as usize]).or_insert(0u64) += 1;
        }
        for (kind, _) in &bad_events {
            *expected_codes.entry(BAD_EVENT_CODES[*kind as usize]).or_insert(0u64) += 1;
        }
        prop_assert_eq!(&report.problems_by_code, &expected_codes);
        prop_assert_eq!(dataset.contacts.len() as u64, report.contacts.used);
        prop_assert_eq!(dataset.events.len() as u64, report.events.used);

        let strict = LoadOptions::default();
        match data::load_str(&schema, Some(&contacts_csv), &events_csv, &strict) {
            Ok(_) => prop_assert_eq!(bad_total, 0, "bad rows loaded without skip_bad_rows"),
            Err(LoadError::BadRows(strict_report)) => {
                prop_assert!(bad_total > 0);
                prop_assert_eq!(strict_report.problem_count, bad_total);
                prop_assert_eq!(strict_report.contacts, report.contacts);
                prop_assert_eq!(strict_report.events, report.events);
            }
            Err(other) => prop_assert!(false, "unexpected error: {}", other),
        }
    }
}
