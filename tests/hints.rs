//! Hints that must not lead users astray (issue 14): each mistake a
//! newcomer makes, as `nurture check` renders it, snapshotted; and where
//! the fix is a suggestion (an edit), the edit applied gives a file that
//! checks clean, so `check --fix` cannot change what the rule means beyond
//! the fix. Review a changed snapshot with `cargo insta review`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_in, Run};
use std::path::PathBuf;

/// Writes `source` as `rules.nurture` in a scratch folder of its own.
fn project(name: &str, source: &str) -> PathBuf {
    let dir = common::scratch(&format!("hints-{name}"));
    std::fs::write(dir.join("rules.nurture"), source).unwrap();
    dir
}

/// `nurture check rules.nurture` in the human format.
fn check(name: &str, source: &str) -> Run {
    let dir = project(name, source);
    nurture_in(&dir, &["check", "rules.nurture"])
}

/// What a user sees, and the suggestions the JSON carries for tools
/// (`line:column-line:column => "replacement"`).
fn rendered(name: &str, source: &str) -> String {
    let human = check(name, source);
    let mut out = human.stdout;
    let suggestions = suggestions(name, source);
    if !suggestions.is_empty() {
        out.push_str("--- suggestions\n");
        for s in &suggestions {
            out.push_str(&format!(
                "{}:{}-{}:{} => {:?}\n",
                s.line, s.column, s.end_line, s.end_column, s.replacement
            ));
        }
    }
    out
}

#[derive(Debug)]
struct Edit {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    replacement: String,
}

fn suggestions(name: &str, source: &str) -> Vec<Edit> {
    let dir = project(&format!("{name}-json"), source);
    let run = nurture_in(&dir, &["check", "rules.nurture", "--format", "json"]);
    let json = run.json();
    let mut edits = Vec::new();
    for diagnostic in json["diagnostics"].as_array().unwrap() {
        for s in diagnostic["suggestions"].as_array().into_iter().flatten() {
            let n = |key: &str| s[key].as_u64().unwrap() as usize;
            edits.push(Edit {
                line: n("line"),
                column: n("column"),
                end_line: n("end_line"),
                end_column: n("end_column"),
                replacement: s["replacement"].as_str().unwrap().to_string(),
            });
        }
    }
    edits
}

/// The byte offset of a 1-based line and column (in characters).
fn offset(source: &str, line: usize, column: usize) -> usize {
    let start: usize = source
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let text = &source[start..];
    start
        + text
            .char_indices()
            .nth(column - 1)
            .map_or(text.len(), |(i, _)| i)
}

/// `source` with every suggestion applied (from the last to the first).
fn fixed(name: &str, source: &str) -> String {
    let mut edits = suggestions(name, source);
    assert!(!edits.is_empty(), "{name}: no suggestion to apply");
    edits.sort_by_key(|e| std::cmp::Reverse((e.line, e.column)));
    let mut text = source.to_string();
    for edit in edits {
        let start = offset(&text, edit.line, edit.column);
        let end = offset(&text, edit.end_line, edit.end_column);
        text.replace_range(start..end, &edit.replacement);
    }
    text
}

/// Applying the suggestions gives a file that checks without a problem.
fn assert_fix_checks_clean(name: &str, source: &str) -> String {
    let text = fixed(name, source);
    let run = check(&format!("{name}-fixed"), &text);
    assert_eq!(
        run.code(),
        Some(0),
        "{name}: the fixed file does not check clean:\n{text}\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("0 errors, 0 warnings"),
        "{name}:\n{}",
        run.stdout
    );
    text
}

// --- 1. Help that would turn an error into a rule meaning something else ---

/// A funnel whose stages a rule reaches, so that only the mistake is reported.
const FUNNEL: &str =
    "stages New, Lead, Customer\nemail welcome\non purchase then move to Lead, move to Customer\n";

#[test]
fn a_quoted_stage_says_stage_is_and_never_declare_a_field() {
    let source = format!("{FUNNEL}rule r:\n  when stage = \"New\"\n  then send email welcome\n");
    let out = rendered("stage-quoted", &source);
    assert!(!out.contains("field stage"), "{out}");
    insta::assert_snapshot!(out);
    let text = assert_fix_checks_clean("stage-quoted", &source);
    assert!(text.contains("when stage is New\n"), "{text}");
}

#[test]
fn a_quoted_stage_with_other_operators_keeps_them() {
    let source = format!(
        "{FUNNEL}rule r:\n  when stage != \"New\" and stage >= \"Lead\"\n  then send email welcome\n"
    );
    let text = assert_fix_checks_clean("stage-ops", &source);
    assert!(
        text.contains("when stage is not New and stage >= Lead\n"),
        "{text}"
    );
}

#[test]
fn today_with_a_date_says_how_calendar_tests_are_written() {
    let source =
        format!("{FUNNEL}rule r:\n  when today is 2025-11-27\n  then send email welcome\n");
    let out = rendered("today-date", &source);
    assert!(!out.contains("field today"), "{out}");
    assert!(out.contains("today is monday"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn built_in_words_as_fields_are_explained_not_declared() {
    let source = format!(
        "{FUNNEL}rule r:\n  when points > 1\n  then set stage to \"Lead\"\n\nsegment s = tags contains \"hot\"\n"
    );
    let out = rendered("builtin-words", &source);
    assert!(!out.contains("declare it"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn points_with_a_decimal_never_says_declare_a_field() {
    let out = rendered("points-decimal", "segment cold = points <= 0.5\n");
    assert!(!out.contains("field points"), "{out}");
    assert!(out.contains("points <= 0"), "{out}");
}

#[test]
fn an_ordinary_undeclared_field_still_says_declare_it() {
    let out = rendered("plain-field", "segment poland = country = \"PL\"\n");
    assert!(
        out.contains("declare it, e.g. `field country: text`"),
        "{out}"
    );
}

// --- 2. Names inside `where` tests on built-in properties ----------------

#[test]
fn form_names_in_where_are_checked_and_count_as_uses() {
    let source = "form demo, contact_sales\nemail welcome\n\n\
        on submitted any form where form in [\"demo\", \"contct_sales\"] then send email welcome\n";
    let out = rendered("where-form", source);
    // `demo`, spelt right, is used; `contact_sales` is reported unused
    // until the typo is fixed, as everywhere else (docs/diagnostics.md).
    assert!(
        !out.contains("form `demo` is declared but never used"),
        "{out}"
    );
    insta::assert_snapshot!(out);
    let text = assert_fix_checks_clean("where-form", source);
    assert!(text.contains("[\"demo\", \"contact_sales\"]"), "{text}");
}

#[test]
fn every_operator_on_a_name_property_checks_the_names() {
    for (name, test) in [
        ("eq", "form = \"dmo\""),
        ("ne", "form != \"dmo\""),
        ("in", "form in [\"dmo\"]"),
        ("not-in", "form not in [\"dmo\"]"),
        ("paren", "(form = \"demo\" or form = \"dmo\")"),
    ] {
        let source = format!(
            "form demo\nemail welcome\n\non submitted any form where {test} then send email welcome\n"
        );
        let run = check(&format!("where-op-{name}"), &source);
        assert!(
            run.stdout.contains("form `dmo` is not declared"),
            "{test}:\n{}",
            run.stdout
        );
        assert!(run.stdout.contains("did you mean `demo`?"), "{test}");
    }
}

#[test]
fn email_names_in_where_are_checked_in_conditions_too() {
    let source = "email welcome, winback\nstages Lead\n\n\
        rule r:\n  when opened any email where email = \"welcom\"\n  then send email winback\n";
    let out = rendered("where-email", source);
    assert!(out.contains("e-mail `welcom` is not declared"), "{out}");
    insta::assert_snapshot!(out);
    assert_fix_checks_clean("where-email", source);
}

#[test]
fn patterns_urls_and_asset_files_stay_text() {
    let source =
        "form demo\nasset guide = \"guide.pdf\"\npage pricing = \"/pricing*\"\nemail welcome\n\n\
        on submitted any form where form starts with \"dem\" then send email welcome\n\
        on visited any page where url = \"/pricing/team\" then add 1 point\n\
        on downloaded any asset where asset = \"guide.pdf\" then add 1 point\n\
        on submitted form demo then add 1 point\n\
        on downloaded asset guide then add 1 point\n\
        on visited pricing then add 1 point\n";
    let run = check("where-text", source);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("0 errors, 0 warnings"),
        "{}",
        run.stdout
    );
}

// --- 3. A message sent on the wrong channel -------------------------------

#[test]
fn an_email_sent_as_sms_suggests_send_email() {
    let source = "email welcome\nstages Lead\n\nrule r:\n  when stage is Lead\n  then send sms welcome again\n";
    let out = rendered("sms-for-email", source);
    assert!(!out.contains("declare it"), "{out}");
    assert!(!out.contains("never used"), "{out}");
    insta::assert_snapshot!(out);
    let text = assert_fix_checks_clean("sms-for-email", source);
    assert!(text.contains("then send email welcome again\n"), "{text}");
}

#[test]
fn an_sms_sent_as_email_suggests_send_sms() {
    let source =
        "sms flash\nstages Lead\n\non purchase then send email flash unless stage is Lead\n";
    let out = rendered("email-for-sms", source);
    insta::assert_snapshot!(out);
    let text = assert_fix_checks_clean("email-for-sms", source);
    assert!(text.contains("then send sms flash unless"), "{text}");
}

// --- 4. Syntax errors that name the fix -----------------------------------

fn wait_rule(wait: &str) -> String {
    format!("{FUNNEL}rule r:\n  when stage is New\n  then wait {wait}, send email welcome\n")
}

#[test]
fn compact_durations_suggest_the_written_form() {
    let out = rendered("wait-7d", &wait_rule("7d"));
    insta::assert_snapshot!(out);
    let text = assert_fix_checks_clean("wait-7d", &wait_rule("7d"));
    assert!(text.contains("wait 7 days,"), "{text}");
}

#[test]
fn durations_in_words_suggest_digits() {
    let out = rendered("wait-one-week", &wait_rule("one week"));
    insta::assert_snapshot!(out);
    let text = assert_fix_checks_clean("wait-one-week", &wait_rule("one week"));
    assert!(text.contains("wait 1 week,"), "{text}");
}

#[test]
fn durations_are_fixed_wherever_they_are_written() {
    for (name, source, written) in [
        (
            "window",
            format!("{FUNNEL}segment s = opened email welcome in last 30d\n"),
            "in last 30 days",
        ),
        (
            "repeat",
            format!("{FUNNEL}rule r:\n  when stage is New\n  then send email welcome again\n  repeat every 2w\n"),
            "repeat every 2 weeks",
        ),
        (
            "cap",
            format!("campaign \"c\" {{\n  at most 1 email per 2d\n}}\n{FUNNEL}on submitted any form then send email welcome\n"),
            "per 2 days",
        ),
        (
            "spaced",
            wait_rule("6 hrs"),
            "wait 6 hours,",
        ),
        (
            "article",
            wait_rule("a day"),
            "wait 1 day,",
        ),
    ] {
        let text = assert_fix_checks_clean(&format!("duration-{name}"), &source);
        assert!(text.contains(written), "{name}: {text}");
    }
}

#[test]
fn typographic_quotes_suggest_straight_ones() {
    let source = format!(
        "{FUNNEL}field city: text\n\nrule r:\n  when city = „Kraków”\n  then send email welcome\n"
    );
    let out = rendered("quotes-low", &source);
    insta::assert_snapshot!(out);
    let text = assert_fix_checks_clean("quotes-low", &source);
    assert!(text.contains("city = \"Kraków\""), "{text}");
    for quoted in ["“PL”", "‘PL’", "«PL»", "»PL«"] {
        let source = format!(
            "{FUNNEL}field country: text\n\nsegment s = country = {quoted}\non submitted any form then send email welcome\n"
        );
        let text = assert_fix_checks_clean("quotes-other", &source);
        assert!(text.contains("country = \"PL\""), "{quoted}: {text}");
    }
}

#[test]
fn a_zone_after_a_time_says_times_use_the_campaign_zone() {
    let source = format!("campaign \"c\" {{\n  quiet hours 21:00 CET to 08:00\n}}\n{FUNNEL}on submitted any form then send email welcome\n");
    let out = rendered("quiet-hours-zone", &source);
    assert!(out.contains("timezone"), "{out}");
    insta::assert_snapshot!(out);
    let text = assert_fix_checks_clean("quiet-hours-zone", &source);
    assert!(text.contains("quiet hours 21:00 to 08:00"), "{text}");
}

#[test]
fn a_trailing_comma_is_pointed_at() {
    let source = format!(
        "{FUNNEL}rule a:\n  when stage is New\n  then send email welcome,\n\nrule b:\n  when stage is Lead\n  then move to Customer\n"
    );
    let out = rendered("trailing-comma", &source);
    insta::assert_snapshot!(out);
    assert_fix_checks_clean("trailing-comma", &source);
    // At the end of the file too.
    let source = format!("{FUNNEL}on submitted any form then send email welcome and\n");
    assert_fix_checks_clean("trailing-and", &source);
}

// --- 5. One duration syntax on the command line and in the rules ----------

#[test]
fn tick_takes_the_rules_durations_with_the_rules_error() {
    let dir = project("tick", "stages Lead\non purchase then move to Lead\n");
    std::fs::write(dir.join("contacts.csv"), "id\nc1\n").unwrap();
    std::fs::write(
        dir.join("events.csv"),
        "contact_id,type,at\nc1,purchase,2025-01-01T10:00:00Z\n",
    )
    .unwrap();
    let simulate = |tick: &str| {
        nurture_in(
            &dir,
            &[
                "simulate",
                "rules.nurture",
                "--contacts",
                "contacts.csv",
                "--events",
                "events.csv",
                "--tick",
                tick,
            ],
        )
    };
    let refused = simulate("6h");
    assert_eq!(refused.code(), Some(2), "{}", refused.stderr);
    assert!(refused.stdout.is_empty());
    insta::assert_snapshot!("tick_6h_stderr", refused.stderr);
    // The same words and fix as `wait 6h` in the rules.
    let rules = check("tick-wait", &wait_rule("6h"));
    assert!(rules.stdout.contains("`6h` is not a duration in Nurture"));
    assert!(refused.stderr.contains("`6h` is not a duration in Nurture"));
    assert!(rules.stdout.contains("write `6 hours`"));
    assert!(refused.stderr.contains("write `6 hours`"));
    for tick in ["6 hours", "1 day", "30 minutes", "1 week"] {
        let run = simulate(tick);
        assert_eq!(run.code(), Some(0), "--tick {tick}: {}", run.stderr);
    }
    let zero = simulate("0 days");
    assert_eq!(zero.code(), Some(2));
    assert!(zero.stderr.contains("E0401"), "{}", zero.stderr);
    let months = simulate("1 month");
    assert_eq!(months.code(), Some(2));
    assert!(months.stderr.contains("E0105"), "{}", months.stderr);
}

// --- 6. Lint gaps ----------------------------------------------------------

#[test]
fn a_stage_above_the_last_is_impossible() {
    let source = format!(
        "{FUNNEL}rule up:\n  when stage is New\n  then move to Lead, move to Customer\n\n\
         rule above:\n  when stage > Customer\n  then send email welcome\n"
    );
    let out = rendered("stage-above-top", &source);
    insta::assert_snapshot!(out);
}

#[test]
fn an_unused_event_type_is_reported() {
    let source = "stages Lead\nevent referral { referred: text }\nevent webinar_attended\n\n\
        on event webinar_attended then move to Lead\n";
    let out = rendered("unused-event", source);
    assert!(
        out.contains("event type `referral` is declared but never used"),
        "{out}"
    );
    assert!(!out.contains("webinar_attended` is declared"), "{out}");
    insta::assert_snapshot!(out);
}

// --- The audit: other help that would make a rule mean something else -----

#[test]
fn a_name_of_another_kind_says_what_it_is() {
    let source =
        "stages Lead\nemail welcome\nform demo\npage pricing = \"/pricing*\"\nlist vips\n\n\
        segment hot = visited demo\n\
        segment warm = submitted form pricing\n\
        rule r:\n  when opened email welcome\n  then send email vips\n";
    let out = rendered("other-kind", source);
    assert!(!out.contains("declare it"), "{out}");
    assert!(!out.contains("never used"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_built_in_event_written_as_declared_says_how_it_is_written() {
    let source =
        "stages Lead\non event purchase then move to Lead\nsegment s = event unsubscribed\n";
    let out = rendered("builtin-event", source);
    assert!(!out.contains("declare it"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn an_event_property_as_a_field_says_how_events_are_tested() {
    let source = "stages Lead\nevent referral { referred: text }\n\n\
        segment big = amount > 100\nsegment friends = referred = \"friend\"\n\
        segment rich = budget >= 5000\nsegment old = signup before 2024-01-01\n";
    let out = rendered("property-as-field", source);
    // The help wraps at the terminal width; read it as one line.
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("purchased where amount"), "{out}");
    assert!(flat.contains("event referral where referred"), "{out}");
    assert!(flat.contains("`field budget: number`"), "{out}");
    assert!(flat.contains("`field signup: datetime`"), "{out}");
    insta::assert_snapshot!(out);
}
