//! Unit tests of the registry against the docs and its own examples.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::registry::{Level, LINTS};
use super::LintConfig;
use std::path::Path;

/// The lint ids a file reports with every lint on.
fn fired(text: &str) -> Vec<String> {
    findings(text).into_iter().map(|(id, _)| id).collect()
}

/// The messages of lint `id` in a file, every lint on.
fn checked_findings(text: &str, id: &str) -> Vec<String> {
    findings(text)
        .into_iter()
        .filter(|(found, _)| found == id)
        .map(|(_, message)| message)
        .collect()
}

/// (lint id, message) of everything a file reports with every lint on.
fn findings(text: &str) -> Vec<(String, String)> {
    let mut config = LintConfig::default();
    for lint in LINTS {
        config.levels.insert(lint.id, Level::Warning);
    }
    let checked = crate::driver::check_source_with(
        Path::new("/nonexistent/example.nurture"),
        "example.nurture",
        text.to_string(),
        &config,
    );
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "errors in\n{text}\n{errors:?}");
    checked
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str().to_string(), d.message.clone()))
        .collect()
}

#[test]
fn ids_are_unique_sorted_kebab_case() {
    for pair in LINTS.windows(2) {
        assert!(
            pair[0].id < pair[1].id,
            "{} then {}",
            pair[0].id,
            pair[1].id
        );
    }
    for lint in LINTS {
        assert!(
            lint.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            lint.id
        );
    }
}

#[test]
fn every_bad_example_fires_its_lint_and_every_good_one_does_not() {
    for lint in LINTS {
        let bad = fired(lint.bad);
        assert!(
            bad.iter().any(|id| id == lint.id),
            "{} does not fire on its bad example: {bad:?}",
            lint.id
        );
        let good = fired(lint.good);
        assert!(
            !good.iter().any(|id| id == lint.id),
            "{} fires on its good example: {good:?}",
            lint.id
        );
    }
}

#[test]
fn good_examples_are_clean_at_default_levels() {
    for lint in LINTS {
        let checked = crate::driver::check_source(
            Path::new("/nonexistent/example.nurture"),
            "example.nurture",
            lint.good.to_string(),
        );
        let found: Vec<_> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(found.is_empty(), "{}: {found:?}", lint.id);
    }
}

/// The `## id` section of the docs, up to the next heading of level 1 or 2
/// outside code blocks.
fn docs_section<'d>(docs: &'d str, id: &str) -> Option<&'d str> {
    let heading = format!("\n## {id}\n");
    let start = docs.find(&heading)? + 1;
    let body = start + heading.len() - 1;
    let mut in_code = false;
    let mut offset = body;
    for line in docs[body..].split_inclusive('\n') {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && (line.starts_with("# ") || line.starts_with("## ")) {
            break;
        }
        offset += line.len();
    }
    Some(&docs[start..offset])
}

#[test]
fn the_docs_have_a_section_per_lint_with_its_examples() {
    let docs = include_str!("../../docs/diagnostics.md");
    for lint in LINTS {
        let section = docs_section(docs, lint.id)
            .unwrap_or_else(|| panic!("docs/diagnostics.md has no `## {}`", lint.id));
        for (what, text) in [
            ("category", lint.category.as_str()),
            ("default level", lint.default.as_str()),
            ("summary", lint.summary),
            ("rationale", lint.rationale),
            ("bad example", lint.bad),
            ("good example", lint.good),
        ] {
            assert!(
                section.contains(text.trim_end()),
                "the docs section of `{}` does not show its {what}:\n{text}",
                lint.id
            );
        }
    }
}

fn fires(id: &str, text: &str) -> bool {
    fired(text).iter().any(|found| found == id)
}

#[test]
fn impossible_condition_cases() {
    let id = "impossible-condition";
    let stages = "stages Lead, MQL, SQL\n\n";
    let rule = |cond: &str| format!("{stages}rule r:\n  when {cond}\n  then move to SQL\n");
    assert!(fires(id, &rule("stage is Lead and stage is MQL")));
    assert!(fires(id, &rule("stage >= SQL and stage < MQL")));
    assert!(fires(id, &rule("points >= 50 and points < 10")));
    assert!(fires(
        id,
        &rule("opened at least 5 emails and opened fewer than 3 emails")
    ));
    assert!(fires(
        id,
        &rule("has tag \"x\" or (stage is Lead and stage is SQL)")
    ));
    // A contact without a stage fails every stage test but `is not set`
    // (language §10), so nothing passes these two; one test can be
    // impossible alone.
    assert!(fires(id, &rule("stage is not Lead and stage < MQL")));
    assert!(fires(id, &rule("stage < Lead")));
    // Nothing is above the last stage, so `stage > SQL` never holds.
    assert!(fires(id, &rule("stage > SQL")));
    assert!(fires(id, &rule("stage > MQL and stage > SQL")));
    assert!(fires(id, &rule("has tag \"x\" or stage > SQL")));
    assert!(fires(
        id,
        &rule("stage in [SQL] and stage > MQL and stage < SQL")
    ));
    assert!(!fires(id, &rule("stage > MQL")));
    assert!(!fires(id, &rule("stage >= SQL")));
    assert!(!fires(id, &rule("stage <= Lead")));
    assert!(!fires(id, &rule("stage > Lead and stage < SQL")));
    assert!(!fires(id, &rule("stage not in [Lead, MQL]")));
    assert!(fires(id, &rule("stage not in [Lead, MQL, SQL]")));
    assert!(!fires(id, &rule("stage is not set or stage < MQL")));
    assert!(!fires(id, &rule("stage is not set and points > 1")));
    assert!(!fires(id, &rule("stage is set and stage < MQL")));
    assert!(!fires(id, &rule("stage >= MQL and stage <= SQL")));
    assert!(!fires(id, &rule("opened 5 emails and never clicked email")));
    assert!(!fires(
        id,
        &rule("opened 5 emails in last 30 days and no opened email in last 7 days")
    ));
    assert!(fires(
        id,
        &rule("opened email in last 7 days and no opened email in last 30 days")
    ));
}

#[test]
fn move_to_lower_stage_needs_a_condition_that_excludes_lower_stages() {
    let id = "move-to-lower-stage";
    let text = |cond: &str, step: &str| {
        format!("stages Lead, MQL, SQL\n\non opened email then move to SQL\n\nrule r:\n  when {cond}\n  then {step}\n")
    };
    assert!(fires(id, &text("stage > MQL", "move to MQL")));
    assert!(!fires(id, &text("stage > MQL", "move back to MQL")));
    assert!(!fires(id, &text("stage >= MQL", "move to MQL")));
    // `stage != Lead` is false for a contact without a stage (language
    // §10), so the rule only fires at MQL or above.
    assert!(fires(id, &text("stage != Lead", "move to Lead")));
    assert!(!fires(
        id,
        &text("stage is not set or stage != Lead", "move to Lead")
    ));
}

#[test]
fn send_without_channel_after_an_unsubscribe_step() {
    let id = "send-without-channel";
    let base = "email bye\n\non submitted any form then ";
    assert!(fires(id, &format!("{base}unsubscribe, send email bye\n")));
    assert!(!fires(id, &format!("{base}send email bye, unsubscribe\n")));
    assert!(fires(
        id,
        "email sorry\n\non unsubscribed then send email sorry\n"
    ));
}

#[test]
fn shadowed_and_conflicting_rules_respect_priority() {
    let text = "stages Lead, MQL, SQL\n\non submitted any form then move to MQL\nrule b priority 5:\n  on submitted any form then move to SQL\n";
    let found = fired(text);
    assert!(
        !found.iter().any(|id| id == "conflicting-stage-moves"),
        "{found:?}"
    );
    let same = "stages Lead, MQL\n\nrule a:\n  when points >= 10\n  then move to MQL\nrule b:\n  when points >= 10\n  then add tag \"warm\"\n";
    assert!(fires("shadowed-rule", same));
}

#[test]
fn shadowed_rule_compares_rules_by_structure() {
    // Two reactions to one event with different steps: found (they were
    // not when event rules were compared by the text of their steps).
    let split = "on purchase then add 10 points
on purchase then add tag \"buyer\"\n";
    let found = checked_findings(split, "shadowed-rule");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("has the same trigger"), "{found:?}");
    // Layout, comments and the spelling of a window do not hide a copy.
    let copy = "rule a:\n  when opened 3 emails in last 30 days\n  then add 5 points\n\nrule b:\n  # the same again\n  when opened   3 emails in last 30 days\n  then add 5 points\n";
    let found = checked_findings(copy, "shadowed-rule");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("same trigger, same steps"), "{found:?}");
    // Other filters, priorities or repeats are other triggers.
    for distinct in [
        "on purchase where amount > 100 then add 10 points\non purchase then add tag \"buyer\"\n",
        "on purchase then add 10 points\nrule b priority 5:\n  on purchase then add tag \"buyer\"\n",
        "rule a:\n  when points >= 10\n  then add 1 point\n  repeat every 1 day\nrule b:\n  when points >= 10\n  then add 1 point\n",
    ] {
        assert!(!fires("shadowed-rule", distinct), "{distinct}");
    }
}

#[test]
fn unused_event_types_are_reported_unless_a_rule_segment_or_script_names_them() {
    let id = "unused-declaration";
    let text = |extra: &str| {
        format!(
            "stages Lead\nevent referral {{ referred: text }}\n{extra}\nrule r:\n  when stage is Lead\n  then add 1 point\n"
        )
    };
    let unused = |extra: &str| checked_findings(&text(extra), id);
    assert_eq!(
        unused(""),
        ["event type `referral` is declared but never used"]
    );
    assert!(unused("on event referral then add 1 point").is_empty());
    assert!(unused("segment s = event referral where referred = \"x\"").is_empty());
    assert!(unused("segment s = last referral more than 7 days ago").is_empty());
    assert!(
        unused("script s ```\ncount(\"referral\", 30) > 0\n```\nsegment t = script s").is_empty()
    );
    // A string that merely contains the name is not a use.
    assert_eq!(
        unused("script s ```\ncount(\"referrals\", 30) > 0\n```\nsegment t = script s").len(),
        1
    );
}
