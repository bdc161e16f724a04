//! `nurture diff` on the hand-written campaign of tests/fixtures/diff: five
//! Lead contacts whose pricing visits (10 points each) are, by contact,
//! a1 5 visits (Jan 2–6), a2 3 (Jan 2–4), a3 4 (Jan 2–5), a4 1, a5 none.
//! In base.nurture a Lead with 40 points moves to MQL and gets
//! mql_nurture; an MQL gets sales_intro 3 days later. So before any change
//! a1 and a3 reach 40 points and MQL on Jan 5 at 10:00 and get sales_intro
//! on Jan 8; a2, a4 and a5 stay Leads. Each test's expectation is worked
//! out from that by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::{json, Value};

fn fixture(name: &str) -> String {
    format!("tests/fixtures/diff/{name}")
}

/// `nurture diff base.nurture AFTER --format FORMAT` on the fixture data.
fn diff(after: &str, extra: &[&str]) -> common::Run {
    let (before, after) = (fixture("base.nurture"), fixture(after));
    let (contacts, events) = (fixture("contacts.csv"), fixture("events.csv"));
    let mut args = vec![
        "diff",
        &before,
        &after,
        "--contacts",
        &contacts,
        "--events",
        &events,
    ];
    args.extend_from_slice(extra);
    common::nurture(&args)
}

fn json_of(after: &str) -> Value {
    let run = diff(after, &["--format", "json"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    run.json()
}

/// The entry of `report[list]` whose `key` is `name`.
fn find<'a>(report: &'a Value, list: &str, key: &str, name: &str) -> &'a Value {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("no list {list}"))
        .iter()
        .find(|entry| entry[key] == name)
        .unwrap_or_else(|| panic!("no {key} {name} in {list}"))
}

fn kind<'a>(report: &'a Value, name: &str) -> &'a Value {
    find(&report["changed"], "by_kind", "kind", name)
}

fn rule<'a>(report: &'a Value, name: &str) -> &'a Value {
    find(report, "rules", "rule", name)
}

fn message<'a>(report: &'a Value, name: &str) -> &'a Value {
    find(report, "messages", "message", name)
}

fn stage<'a>(report: &'a Value, name: &str) -> &'a Value {
    find(report, "stages", "stage", name)
}

fn pair(before: u64, after: u64) -> Value {
    json!({"before": before, "after": after, "change": after as i64 - before as i64})
}

/// `points >= 40` → `>= 30`: a2 (30 points on Jan 4) now ends in MQL;
/// a1 and a3 also reach 30 on Jan 4, so they move a day earlier and get
/// their mails a day earlier; a4 (10) and a5 (0) are untouched.
#[test]
fn a_lower_threshold_moves_a_known_set_of_contacts() {
    let report = json_of("threshold.nurture");
    assert_eq!(report["contacts"], 5);
    assert_eq!(report["changed"]["contacts"], 3);
    assert_eq!(report["changed"]["sample"], json!(["a1", "a2", "a3"]));
    assert_eq!(kind(&report, "stage")["sample"], json!(["a2"]));
    assert_eq!(kind(&report, "moves")["sample"], json!(["a1", "a2", "a3"]));
    assert_eq!(kind(&report, "mails")["sample"], json!(["a1", "a2", "a3"]));
    assert_eq!(kind(&report, "points")["contacts"], 0);
    assert_eq!(kind(&report, "tags")["contacts"], 0);
    assert_eq!(stage(&report, "MQL")["at_end"], pair(2, 3));
    assert_eq!(stage(&report, "Lead")["at_end"], pair(3, 2));
    assert_eq!(stage(&report, "Lead")["reached"], pair(5, 5));
    let mql = message(&report, "mql_nurture");
    assert_eq!(mql["statuses"]["sent"], pair(2, 3));
    assert_eq!(
        (mql["newly"].clone(), mql["no_longer"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(message(&report, "welcome")["statuses"]["sent"], pair(5, 5));
    assert_eq!(rule(&report, "lead_to_mql")["change"], "changed");
    assert_eq!(rule(&report, "lead_to_mql")["fired"], pair(2, 3));
    assert_eq!(rule(&report, "follow_up")["change"], "same");
    // The bare `on` rule is matched by its trigger.
    assert_eq!(
        rule(&report, "on visited pricing (line 12)")["change"],
        "same"
    );
    assert_eq!(report["any_change"], true);
    // Where a2's stories part: Jan 4 at 10:00, its third visit, where the
    // threshold clause reads differently.
    let parting = find(&report, "partings", "contact", "a2");
    assert_eq!(parting["at"], "2025-01-04 10:00 +00:00");
    assert_eq!(parting["before"], json!([]), "{parting}");
    assert!(parting["after"][0]
        .as_str()
        .unwrap()
        .contains("rule lead_to_mql fired"));
    let clauses = find(parting, "rules", "rule", "lead_to_mql");
    assert!(clauses["before"]
        .as_array()
        .unwrap()
        .contains(&json!("  ✗ points >= 40  — points are 30")));
    assert!(clauses["after"]
        .as_array()
        .unwrap()
        .contains(&json!("  ✓ points >= 30  — points are 30")));
}

/// `tag_hot` (points >= 20) fires for a1, a2 and a3 and tags them; nothing
/// else changes.
#[test]
fn a_new_rule_is_added_and_tags_its_contacts() {
    let report = json_of("new_rule.nurture");
    assert_eq!(report["changed"]["contacts"], 3);
    assert_eq!(kind(&report, "tags")["sample"], json!(["a1", "a2", "a3"]));
    assert_eq!(kind(&report, "rules")["sample"], json!(["a1", "a2", "a3"]));
    assert_eq!(kind(&report, "stage")["contacts"], 0);
    assert_eq!(kind(&report, "mails")["contacts"], 0);
    let tag_hot = rule(&report, "tag_hot");
    assert_eq!(tag_hot["change"], "added");
    assert_eq!(tag_hot["fired"], pair(0, 3));
    assert_eq!(tag_hot["before_at"], Value::Null);
    assert_eq!(tag_hot["after_at"]["line"], 27);
}

/// follow_up no longer sends sales_intro (it tags instead): a1 and a3, the
/// two MQLs, no longer get it.
#[test]
fn a_removed_email_is_no_longer_sent() {
    let report = json_of("removed_email.nurture");
    assert_eq!(report["changed"]["sample"], json!(["a1", "a3"]));
    let intro = message(&report, "sales_intro");
    assert_eq!(intro["statuses"]["sent"], pair(2, 0));
    assert_eq!(intro["no_longer"], 2);
    assert_eq!(intro["newly"], 0);
    assert_eq!(rule(&report, "follow_up")["change"], "changed");
    assert_eq!(rule(&report, "follow_up")["fired"], pair(2, 2));
}

/// `wait 3 days` → `wait 10 days`: a1 and a3 still get sales_intro (on
/// Jan 15, inside the period, instead of Jan 8), so the counts stay and
/// only their mails' delivery changes.
#[test]
fn a_changed_wait_moves_the_mail_not_the_counts() {
    let report = json_of("changed_wait.nurture");
    assert_eq!(report["changed"]["contacts"], 2);
    assert_eq!(kind(&report, "mails")["sample"], json!(["a1", "a3"]));
    let intro = message(&report, "sales_intro");
    assert_eq!(intro["statuses"]["sent"], pair(2, 2));
    assert_eq!(
        (intro["newly"].clone(), intro["no_longer"].clone()),
        (json!(0), json!(0))
    );
    let parting = &report["partings"][0];
    assert_eq!(parting["contact"], "a1");
    assert_eq!(parting["at"], "2025-01-05 10:00 +00:00");
    assert_eq!(
        parting["before"],
        json!(["2025-01-05 10:00 +00:00    follow_up waits until 2025-01-08 10:00 +00:00"])
    );
    assert_eq!(
        parting["after"],
        json!(["2025-01-05 10:00 +00:00    follow_up waits until 2025-01-15 10:00 +00:00"])
    );
}

/// Reformatted, commented, and `lead_to_mql` renamed with the same
/// meaning: no change, and `--fail-on-change` passes.
#[test]
fn an_edit_that_changes_nothing_reports_no_change() {
    let report = json_of("same.nurture");
    assert_eq!(report["changed"]["contacts"], 0);
    assert_eq!(report["any_change"], false);
    assert_eq!(report["partings"], json!([]));
    let renamed = rule(&report, "lead_becomes_mql");
    assert_eq!(renamed["change"], "renamed");
    assert_eq!(renamed["renamed_from"], "lead_to_mql");
    assert_eq!(renamed["fired"], pair(2, 2));
    for r in report["rules"].as_array().unwrap() {
        assert!(r["change"] == "same" || r["change"] == "renamed", "{r}");
    }
    let run = diff("same.nurture", &["--fail-on-change"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("no contact's story changes"));
}

#[test]
fn fail_on_change_exits_1_when_something_changes() {
    assert_eq!(
        diff("threshold.nurture", &["--fail-on-change"]).code(),
        Some(1)
    );
    assert_eq!(diff("threshold.nurture", &[]).code(), Some(0));
}

#[test]
fn the_output_is_the_same_for_one_and_two_threads() {
    for format in ["human", "json", "markdown", "github"] {
        let one = diff("threshold.nurture", &["--format", format, "--threads", "1"]);
        let two = diff("threshold.nurture", &["--format", format, "--threads", "2"]);
        assert_eq!(one.code(), Some(0));
        assert!(!one.stdout.is_empty());
        assert_eq!(one.stdout, two.stdout, "{format}");
    }
}

#[test]
fn bad_input_exits_2() {
    let run = diff("missing.nurture", &[]);
    assert_eq!(run.code(), Some(2));
    assert!(run.stderr.contains("missing.nurture"), "{}", run.stderr);
}

/// A repository with two commits: x.nurture (importing shared.nurture,
/// which holds the e-mails) at the threshold 40, then at 30. The old
/// version and its import are read from git.
#[test]
fn a_version_is_read_from_git_with_its_imports_at_that_revision() {
    let dir = common::scratch("diff-git");
    let base = std::fs::read_to_string(fixture("base.nurture")).unwrap();
    let split = |text: &str| {
        text.replace(
            "email welcome, mql_nurture, sales_intro\n",
            "import \"shared.nurture\"\n",
        )
    };
    std::fs::write(
        dir.join("shared.nurture"),
        "email welcome, mql_nurture, sales_intro\n",
    )
    .unwrap();
    std::fs::write(dir.join("x.nurture"), split(&base)).unwrap();
    for data in ["contacts.csv", "events.csv"] {
        std::fs::copy(fixture(data), dir.join(data)).unwrap();
    }
    common::git(&dir, &["init", "-q"]);
    common::git(&dir, &["add", "."]);
    common::git(&dir, &["commit", "-qm", "threshold 40"]);
    std::fs::write(
        dir.join("x.nurture"),
        split(&base).replace("points >= 40", "points >= 30"),
    )
    .unwrap();
    common::git(&dir, &["commit", "-qam", "threshold 30"]);
    // The working tree's shared.nurture is broken: the old version must
    // read the committed one.
    std::fs::write(dir.join("shared.nurture"), "email welcome\n").unwrap();
    let args = |before: &'static str| {
        vec![
            "diff",
            before,
            "HEAD:x.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
            "--format",
            "json",
        ]
    };
    let run = common::nurture_in(&dir, &args("HEAD~1:x.nurture"));
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["before"], "HEAD~1:x.nurture");
    assert_eq!(kind(&report, "stage")["sample"], json!(["a2"]));
    assert_eq!(
        rule(&report, "lead_to_mql")["after_at"]["file"],
        "x.nurture"
    );

    let bad = common::nurture_in(&dir, &args("nosuchrev:x.nurture"));
    assert_eq!(bad.code(), Some(2));
    assert!(bad.stderr.contains("error[E0820]"), "{}", bad.stderr);
    let missing = common::nurture_in(&dir, &args("HEAD~1:y.nurture"));
    assert_eq!(missing.code(), Some(2));
    assert!(
        missing.stderr.contains("error[E0821]"),
        "{}",
        missing.stderr
    );
}

// ---- formats --------------------------------------------------------------

#[test]
fn every_format_is_snapshotted() {
    for (format, after) in [
        ("human", "threshold.nurture"),
        ("json", "threshold.nurture"),
        ("markdown", "threshold.nurture"),
        ("github", "threshold.nurture"),
        ("human", "same.nurture"),
        ("markdown", "same.nurture"),
        ("github", "removed_email.nurture"),
    ] {
        let run = diff(after, &["--format", format]);
        assert_eq!(run.code(), Some(0), "{}", run.stderr);
        let name = format!("diff_{format}_{}", after.trim_end_matches(".nurture"));
        insta::assert_snapshot!(name, run.stdout);
    }
}

/// The Markdown comment, read by a CommonMark parser (with GitHub's
/// tables): a heading, the summary in bold, the tables in the open, and
/// the details folded in balanced `<details>` blocks that hold the
/// messages and rules tables and the partings' code blocks.
#[test]
fn the_markdown_comment_parses_as_intended() {
    use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let run = diff("threshold.nurture", &["--format", "markdown"]);
    assert_eq!(run.code(), Some(0));
    let events: Vec<Event> = Parser::new_ext(&run.stdout, Options::ENABLE_TABLES).collect();
    assert!(
        matches!(
            events.first(),
            Some(Event::Start(Tag::Heading {
                level: HeadingLevel::H3,
                ..
            }))
        ),
        "{:?}",
        events.first()
    );
    let mut depth = 0i32;
    let mut in_strong = false;
    let mut strong = Vec::new();
    let (mut open_tables, mut folded_tables, mut folded_code) = (0, 0, 0);
    let mut summaries = Vec::new();
    for event in &events {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                depth += html.matches("<details>").count() as i32;
                depth -= html.matches("</details>").count() as i32;
                assert!((0..=1).contains(&depth), "nested or unbalanced details");
                if let Some(start) = html.find("<summary>") {
                    let end = html.find("</summary>").expect("summary closed");
                    summaries.push(html[start + 9..end].to_string());
                }
            }
            Event::Start(Tag::Table(_)) if depth == 0 => open_tables += 1,
            Event::Start(Tag::Table(_)) => folded_tables += 1,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                assert_eq!(depth, 1, "code blocks are folded");
                assert_eq!(lang.as_ref(), "text");
                folded_code += 1;
            }
            Event::Start(Tag::Strong) => in_strong = true,
            Event::End(TagEnd::Strong) => in_strong = false,
            Event::Text(text) if in_strong => strong.push(text.to_string()),
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every <details> is closed");
    assert_eq!(strong, ["3 of 5 contacts change their story"]);
    assert_eq!(open_tables, 2, "kinds of change and stages");
    assert_eq!(folded_tables, 2, "messages and rules");
    assert_eq!(folded_code, 3, "one parting per sampled contact");
    assert_eq!(
        summaries,
        [
            "Messages: 2 changed",
            "Rules: 2 changed or firing differently",
            "Where the stories part: 3 sampled contacts"
        ]
    );
}
