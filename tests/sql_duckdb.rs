//! The SQL `nurture sql` writes for DuckDB means what the interpreter
//! means: for every shipped example that compiles, and for small programs
//! made to cover each construct at its edges, the same CSV files are
//! loaded into DuckDB (tests/support/sql_runner.py, the tables of
//! docs/sql.md) and the per-contact memberships it returns — ids and every
//! segment and rule column — must equal `eval::population::contact_at`
//! for every contact, at several instants.
//!
//! DuckDB comes from PyPI into `target/sql-venv` (`.ci/run` installs it).
//! Without it these tests fail, saying how to install it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use nurture::base::value::Instant;
use nurture::data::{self, LoadOptions, Schema};
use nurture::eval::population::contact_at;
use nurture::ir::{Program, Trigger};
use nurture::sql::{compile, Dialect, SqlOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> PathBuf {
    let python = common::root().join("target/sql-venv/bin/python");
    let ok = python.exists()
        && Command::new(&python)
            .args(["-c", "import duckdb"])
            .status()
            .is_ok_and(|s| s.success());
    assert!(
        ok,
        "DuckDB for Python is missing, so the SQL backend cannot be checked against it. Install it with:\n  \
         python3 -m venv target/sql-venv && target/sql-venv/bin/pip install duckdb==1.1.3"
    );
    python
}

fn program_of(path: &Path) -> Program {
    let checked = nurture::driver::check_file(path, &path.display().to_string()).expect("read");
    checked.program.expect("the rules check")
}

fn program_from(name: &str, source: &str) -> Program {
    let dir = common::scratch(&format!("sql-duckdb-{name}"));
    let path = dir.join("rules.nurture");
    std::fs::write(&path, source).unwrap();
    program_of(&path)
}

/// What the interpreter says, as the rows the SQL must return, sorted by
/// id in byte order.
fn expected(program: &Program, dataset: &data::Dataset, at: Instant) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (index, contact) in dataset.contacts.iter().enumerate() {
        let own = dataset
            .contact_event_ranges
            .get(index)
            .and_then(|r| dataset.events.get(r.clone()))
            .unwrap_or(&[]);
        let Some(result) = contact_at(program, contact, own, at) else {
            continue;
        };
        let mut row = vec![contact.id.clone()];
        row.extend(result.segments.iter().map(|b| b.to_string()));
        for (rule, holds) in program.rules.iter().zip(&result.rules) {
            if matches!(rule.trigger, Trigger::Condition(_)) {
                row.push(holds.to_string());
            }
        }
        rows.push(row);
    }
    rows.sort();
    rows
}

fn type_name(ty: nurture::base::vocab::FieldType) -> String {
    ty.to_string()
}

/// Runs the SQL for every instant in one DuckDB process over the files
/// and returns, per instant, its header and rows. The second instant goes
/// through the `nurture_at` variable instead of a literal.
fn duckdb_results(
    name: &str,
    program: &Program,
    contacts: &Path,
    events: &Path,
    instants: &[Instant],
) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let dir = common::scratch(&format!("sql-duckdb-run-{name}"));
    let mut queries = Vec::new();
    for (i, &at) in instants.iter().enumerate() {
        let as_variable = i == 1;
        let mut options = SqlOptions::new(Dialect::DuckDb);
        options.at = (!as_variable).then_some(at);
        let sql = compile(program, &options).unwrap_or_else(|d| panic!("does not compile: {d:?}"));
        let sql_path = dir.join(format!("q{i}.sql"));
        std::fs::write(&sql_path, &sql).unwrap();
        let variable = nurture::base::time::rfc3339(at);
        queries.push(serde_json::json!({
            "sql": sql_path,
            "variable": if as_variable { serde_json::json!(variable) } else { serde_json::Value::Null },
        }));
    }
    let fields: Vec<_> = program
        .fields
        .iter()
        .map(|f| serde_json::json!([f.name, type_name(f.ty)]))
        .collect();
    let mut properties: Vec<(String, String)> = Vec::new();
    for t in program.event_types.iter() {
        for (name, ty) in t.properties.iter() {
            if !properties.iter().any(|(n, _)| n == name) {
                properties.push((name.clone(), type_name(*ty)));
            }
        }
    }
    let spec = serde_json::json!({
        "contacts": contacts,
        "events": events,
        "fields": fields,
        "properties": properties,
        "queries": queries,
    });
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let out = Command::new(python())
        .arg(common::root().join("tests/support/sql_runner.py"))
        .arg(&spec_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "DuckDB failed on the SQL in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(out.stdout.as_slice());
    let mut results = Vec::new();
    let mut current: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let row: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        if row == ["--- end"] {
            let header = current.remove(0);
            results.push((header, std::mem::take(&mut current)));
        } else {
            current.push(row);
        }
    }
    assert_eq!(results.len(), instants.len());
    results
}

/// Both backends agree on every contact at every instant; returns, per
/// column, whether it was ever true and ever false.
fn agree(
    name: &str,
    program: &Program,
    contacts: &Path,
    events: &Path,
    instants: &[Instant],
) -> Vec<(String, bool, bool)> {
    let mut seen: Vec<(String, bool, bool)> = Vec::new();
    let dataset = data::load(
        &Schema::from(program),
        contacts,
        events,
        &LoadOptions::default(),
    )
    .expect("the data loads");
    let results = duckdb_results(name, program, contacts, events, instants);
    for (&at, (header, got)) in instants.iter().zip(results) {
        // DuckDB orders by code point, which is byte order for UTF-8.
        let want = expected(program, &dataset, at);
        assert_eq!(header.first().map(String::as_str), Some("contact_id"));
        if seen.is_empty() {
            seen = header.iter().map(|h| (h.clone(), false, false)).collect();
        }
        for row in &got {
            for (cell, s) in row.iter().zip(seen.iter_mut()) {
                s.1 |= cell == "true";
                s.2 |= cell == "false";
            }
        }
        if got != want {
            let diff: Vec<_> = got
                .iter()
                .zip(&want)
                .filter(|(g, w)| g != w)
                .take(5)
                .collect();
            panic!(
                "{name} at {}: DuckDB and the interpreter disagree ({} vs {} rows); columns {header:?}; first differences (DuckDB, interpreter): {diff:#?}",
                nurture::base::time::rfc3339(at),
                got.len(),
                want.len()
            );
        }
    }
    seen
}

#[test]
fn every_shipped_example_that_compiles_agrees_with_the_interpreter() {
    let root = common::root();
    let mut compiled = 0;
    for stem in [
        "ad_leads",
        "b2b_lifecycle",
        "ecommerce_lifecycle",
        "journey_milestones",
        "sales_funnel",
        "scoring_handoff",
    ] {
        let program = program_of(&root.join(format!("examples/{stem}.nurture")));
        if compile(&program, &SqlOptions::new(Dialect::DuckDb)).is_err() {
            continue;
        }
        compiled += 1;
        let data_stem = if stem == "b2b_lifecycle" { "b2b" } else { stem };
        let contacts = root.join(format!("examples/data/{data_stem}_contacts.csv"));
        let events = root.join(format!("examples/data/{data_stem}_events.csv"));
        let dataset = data::load(
            &Schema::from(&program),
            &contacts,
            &events,
            &LoadOptions::default(),
        )
        .unwrap();
        let first = dataset.events.iter().map(|e| e.at).min().unwrap();
        let last = dataset.events.iter().map(|e| e.at).max().unwrap();
        // The end, a quarter, half way, and exactly at an event (a window
        // edge), a day after it, 30 days after it.
        let edge = dataset.events[dataset.events.len() / 3].at;
        let instants = [
            last,
            first + (last - first) / 2,
            first + (last - first) / 4,
            edge,
            edge + 86_400,
            edge + 30 * 86_400,
        ];
        agree(stem, &program, &contacts, &events, &instants);
    }
    assert!(compiled >= 4, "only {compiled} examples compiled");
}

const TEST_CONTACTS: &str = "\
id,stage,points,tags,created_at,country,size,vip,birthday,last_seen,title,interests
a,Lead,5,hot; vip,2025-01-01T00:00:00Z,PL,10,true,2000-02-29,2025-03-30T01:30:00Z,Chief Executive,pricing;demo
b,MQL,0,,,DE,,false,1990-03-30,2025-03-29T23:30:00Z,vp sales,
c,,12,cold,2025-03-31T00:00:00Z,,50,,,,,
d,Customer,,hot,2025-04-01T00:00:00Z,pl,20.5,true,1985-10-26,2025-10-26T00:30:00Z,CTO (acting),demo
e,Lead,3,,2030-01-01T00:00:00Z,FR,1,false,2001-03-30,,Head of Ops,
";

const TEST_EVENTS: &str = "\
contact_id,type,at,email,url,amount,category,order_id,channel,form,asset,rating
a,email.opened,2025-03-01T00:00:00Z,welcome,,,,,,,,
a,email.opened,2025-03-31T00:00:00Z,welcome,,,,,,,,
a,email.opened,2025-03-31T00:00:00Z,news,,,,,,,,
a,page.visited,2025-03-30T10:00:00Z,,/pricing?utm=x,,,,,,,
a,page.visited,2025-03-30T11:00:00Z,,https://example.com/pricing/team#top,,,,,,,
a,page.visited,2025-03-30T12:00:00Z,,/blog/pricing,,,,,,,
a,purchase,2025-03-15T00:00:00Z,,,100,pro,o1,,,,
a,purchase,2025-03-15T00:00:00Z,,,50,basic,o2,,,,
a,purchase,2025-03-20T00:00:00Z,,,,pro,o3,,,,
b,email.opened,2025-03-01T00:00:01Z,welcome,,,,,,,,
b,page.visited,2025-03-30T10:00:00Z,,/pricing,,,,,,,
b,page.visited,2025-03-30T10:05:00Z,,/pricing?x=1,,,,,,,
b,purchase,2025-03-30T22:00:00Z,,,20,pro,o4,,,,
b,unsubscribed,2025-03-31T00:00:00Z,,,,,,,,,
b,review,2025-03-10T00:00:00Z,,,,,,,,,4
c,email.clicked,2025-03-25T00:00:00Z,welcome,https://x.com/a,,,,,,,
c,form.submitted,2025-02-01T00:00:00Z,,,,,,,demo,,
c,review,2025-03-10T00:00:00Z,,,,,,,,,2
c,review,2025-03-10T00:00:00Z,,,,,,,,,5
d,purchase,2025-03-31T00:00:00Z,,,75.25,pro,o5,,,,
d,asset.downloaded,2025-03-02T00:00:00Z,,,,,,,,pricing_sheet.pdf,
e,email.opened,2025-03-30T00:00:00Z,welcome,,,,,,,,
";

const TEST_RULES: &str = r#"campaign "sql agreement" {
  timezone "Europe/Warsaw"
}

stages Lead, MQL, SQL, Customer

field country: text
field size: number
field vip: bool
field birthday: date
field last_seen: datetime
field title: text
field interests: list of text

event review { rating: number }

email welcome, news
page pricing = "/pricing*"
form demo
asset pricing_sheet = "pricing_sheet*"

list vips

segment opens_30 = opened 2 emails in last 30 days
segment opens_30_exact = opened exactly 1 email in last 30 days
segment welcome_twice = opened email welcome at least twice
segment different_emails = opened 2 different emails
segment never_clicked = never clicked any email
segment no_opens_week = no opened email in last 7 days
segment pricing_twice = visited pricing 2 times in last 30 days
segment two_pages = visited 2 different pages
segment since_march = purchased since 2025-03-16
segment big_pro = purchased where amount >= 50 and category = "pro"
segment not_basic = purchased where not category = "basic"
segment spent = total purchase amount >= 150
segment spent_nothing = total purchase amount < 1
segment avg_high = average purchase amount > 60
segment max_big = max purchase amount in last 30 days >= 75
segment min_set = min purchase amount is not set
segment first_old = first purchase before 2025-03-16
segment last_recent = last purchase within last 2 days
segment first_cat = first purchase category = "pro"
segment last_cat = last purchase category = "basic"
segment first_rating = first review rating >= 4
segment last_rating = last review rating >= 4
segment country_not_pl = country != "PL"
segment country_in = country in ["PL", "DE"]
segment country_not_in = country not in ["PL"]
segment size_small = size < 20
segment size_unset = size is not set
segment vip_yes = vip is true
segment born_before = birthday before 1995-01-01
segment birthday_today = birthday is today
segment seen_recently = last_seen within last 1 day
segment seen_long_ago = last_seen more than 1 day ago
segment seen_soon = last_seen less than 1 day ago
segment seen_after = last_seen after 2025-03-30
segment title_chief = title matches "(?i)^chief|\\bcto\\b"
segment title_starts = title starts with "Chief" or title ends with ")"
segment title_contains = title contains "sales"
segment likes_demo = interests contains "demo"
segment stage_mql_up = stage >= MQL
segment stage_not_lead = stage is not Lead
segment stage_in = stage in [Lead, Customer]
segment stage_not_in = stage not in [Lead]
segment no_stage = stage is not set
segment staged = stage is set
segment points_some = points > 4
segment tagged = has tag "vip" or has tag "cold"
segment listed = in list vips
segment gone = is unsubscribed
segment dnc = is do not contact
segment weekend = today is weekend
segment monday = today is monday
segment demo_form = submitted form demo
segment sheet = downloaded asset pricing_sheet
segment engaged = in segment opens_30 or in segment pricing_twice
segment engaged_vip = in segment engaged and not in segment country_not_pl

rule warm:
  when in segment engaged and points >= 3
  then add 1 point
"#;

#[test]
fn every_construct_agrees_with_the_interpreter_at_its_edges() {
    let program = program_from("constructs", TEST_RULES);
    let dir = common::scratch("sql-duckdb-constructs-data");
    let contacts = dir.join("contacts.csv");
    let events = dir.join("events.csv");
    std::fs::write(&contacts, TEST_CONTACTS).unwrap();
    std::fs::write(&events, TEST_EVENTS).unwrap();
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    let seen = agree(
        "constructs",
        &program,
        &contacts,
        &events,
        &[
            // Exactly 30 days after the first open (the window's open end),
            // and exactly at the later ones (its closed end).
            t("2025-03-31T00:00:00Z"),
            t("2025-03-31T00:00:01Z"),
            t("2025-03-30T23:59:59Z"),
            // Around Warsaw's spring change (01:00 UTC on 30 March) and a
            // Saturday/Sunday/Monday in local time.
            t("2025-03-29T22:59:59Z"),
            t("2025-03-29T23:00:00Z"),
            t("2025-03-30T00:30:00Z"),
            t("2025-03-30T22:00:00Z"),
            // The autumn change, a 28 February of a common year (the leap-
            // day birthday), and before anyone exists.
            t("2025-10-26T00:30:00Z"),
            t("2025-02-27T23:00:00Z"),
            // After two purchases at one instant: `first`/`last` take the
            // first/last of them in input order.
            t("2025-03-16T00:00:00Z"),
            t("2024-01-01T00:00:00Z"),
        ],
    );
    // Each test decides something here: it is true for some contact at
    // some instant and false for another (lists and do not contact are
    // false before any rule runs, by definition).
    let undecided: Vec<_> = seen
        .iter()
        .skip(1)
        .filter(|(column, ever_true, ever_false)| {
            let constant = ["segment_listed", "segment_dnc"].contains(&column.as_str());
            !*ever_false || !(*ever_true || constant)
        })
        .map(|(column, _, _)| column)
        .collect();
    assert!(undecided.is_empty(), "always the same: {undecided:?}");
}

const BERLIN_RULES: &str = r#"campaign "berlin" {
  timezone "Europe/Berlin"
}

field renewal: date
field signed_up: datetime
field note: text

segment renewal_day = renewal is today
segment renewal_recent = renewal within last 1 day
segment renewal_old = renewal more than 1 day ago
segment renewal_soon = renewal less than 1 day ago
segment renewal_before = renewal before 2025-03-30
segment renewal_after = renewal after 2025-03-30
segment signed_before = signed_up before 2025-03-30
segment signed_after = signed_up after 2025-10-26
segment signed_today = signed_up is today
segment sunday = today is sunday
segment saturday = today is saturday
segment workday = today is weekday
segment opened_since = opened email since 2025-03-30
segment opened_day = opened email in last 1 day
segment opened_hours = opened email in last 24 hours
segment note_dot = note matches "^a.c$"
segment note_word = note matches "(?i)\\bstraße\\b"
segment note_digits = note matches "^\\d{2,3}$"
"#;

const BERLIN_CONTACTS: &str = "\
id,created_at,renewal,signed_up,note
b1,,2025-03-30,2025-03-29T22:59:59Z,abc
b2,,2025-03-29,2025-03-29T23:00:00Z,a\u{1F600}c
b3,,2025-10-26,2025-10-25T22:00:00Z,STRASSE 5
b4,,2025-10-27,2025-10-26T23:00:00Z,Hauptstraße
b5,,,,12
b6,,,,\u{0663}\u{0664}
b7,,,,Lange STRAßE 3
";

const BERLIN_EVENTS: &str = "\
contact_id,type,at,email
b1,email.opened,2025-03-29T23:00:00Z,welcome
b2,email.opened,2025-03-29T22:59:59Z,welcome
b3,email.opened,2025-10-25T22:00:00Z,welcome
b4,email.opened,2025-10-26T23:00:00Z,welcome
";

#[test]
fn calendar_tests_and_dates_agree_across_berlin_daylight_saving_changes() {
    let program = program_from(
        "berlin",
        &BERLIN_RULES.replace("campaign", "email welcome\n\ncampaign"),
    );
    let dir = common::scratch("sql-duckdb-berlin-data");
    let contacts = dir.join("contacts.csv");
    let events = dir.join("events.csv");
    std::fs::write(&contacts, BERLIN_CONTACTS).unwrap();
    std::fs::write(&events, BERLIN_EVENTS).unwrap();
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    let seen = agree(
        "berlin",
        &program,
        &contacts,
        &events,
        &[
            // Local midnight of the spring change day (23:00 UTC the day
            // before), a second before, a day later (23 hours), at noon.
            t("2025-03-29T23:00:00Z"),
            t("2025-03-29T22:59:59Z"),
            t("2025-03-30T22:00:00Z"),
            t("2025-03-30T23:00:00Z"),
            t("2025-03-30T10:00:00Z"),
            // Local midnight around the autumn change (25-hour day).
            t("2025-10-25T22:00:00Z"),
            t("2025-10-26T23:00:00Z"),
            t("2025-10-27T22:59:59Z"),
            t("2025-10-26T12:00:00Z"),
        ],
    );
    let undecided: Vec<_> = seen
        .iter()
        .skip(1)
        .filter(|(_, ever_true, ever_false)| !ever_true || !ever_false)
        .map(|(column, _, _)| column)
        .collect();
    assert!(undecided.is_empty(), "always the same: {undecided:?}");
}
