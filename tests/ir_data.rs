//! The checked program is plain data (issue 11): conditions and steps
//! compare and hash by structure, whatever their layout in the source, and
//! the program serialises. Consumers other than the evaluator (the SQL
//! backend, the language server) rely on all three.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nurture::ir::{CondKind, Program, StepKind, ValueTest};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

fn program(text: &str) -> Program {
    let checked = nurture::driver::check_source(Path::new("ir.nurture"), "ir.nurture", text.into());
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    checked.program.expect("a program")
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

const TIGHT: &str = "stages Lead, MQL
email welcome
field company: text
segment engaged = opened 3 emails in last 30 days and not company matches \"^test\"
rule mql:
  when in segment engaged and points >= 10
  then move to MQL, wait 2 days, if company matches \"^test\" then add tag \"qa\" else send email welcome end
";

/// The same campaign with other layout, comments and spacing.
const LOOSE: &str = "# a comment that moves every span
stages Lead,   MQL

email welcome
field company: text

segment engaged =
    opened 3 emails in last 30 days
    and not company matches \"^test\"

rule mql:
  # why
  when in segment engaged and points >= 10
  then move to MQL,
       wait 2 days,
       if company matches \"^test\"
         then add tag \"qa\"
         else send email welcome
       end
";

#[test]
fn layout_does_not_change_the_program() {
    let (a, b) = (program(TIGHT), program(LOOSE));
    assert_ne!(*a.rules[0].span, *b.rules[0].span, "the spans differ");
    // ... and node equality does not see them.
    assert_eq!(a.rules[0].span, b.rules[0].span);
    assert_eq!(a.rules, b.rules);
    assert_eq!(a.segments, b.segments);
    assert_eq!(hash_of(&a.rules[0]), hash_of(&b.rules[0]));
    assert_eq!(
        hash_of(&a.segments[0].condition),
        hash_of(&b.segments[0].condition)
    );
}

#[test]
fn a_different_step_is_a_different_rule() {
    let a = program(TIGHT);
    let b = program(&TIGHT.replace("wait 2 days", "wait 3 days"));
    assert_ne!(a.rules[0].steps, b.rules[0].steps);
    assert_eq!(a.rules[0].trigger, b.rules[0].trigger);
}

#[test]
fn a_pattern_written_twice_is_compiled_once() {
    let p = program(TIGHT);
    assert_eq!(p.compiled.regexes.len(), 1);
    let in_segment = nurture::ir::visit::conditions(&p.segments[0].condition)
        .find_map(|c| match &c.kind {
            CondKind::Field {
                test: ValueTest::Matches(id),
                ..
            } => Some(*id),
            _ => None,
        })
        .unwrap();
    let in_rule = nurture::ir::visit::steps(&p.rules[0].steps)
        .find_map(|s| match &s.kind {
            StepKind::Branch { condition, .. } => match &condition.kind {
                CondKind::Field {
                    test: ValueTest::Matches(id),
                    ..
                } => Some(*id),
                _ => None,
            },
            _ => None,
        })
        .unwrap();
    assert_eq!(in_segment, in_rule);
    assert_eq!(p.compiled.pattern(in_rule), "^test");
}

#[test]
fn the_program_serialises_to_json() {
    let p = program(TIGHT);
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["stages"], serde_json::json!(["Lead", "MQL"]));
    assert_eq!(json["rules"][0]["name"], "mql");
    // Ids are plain numbers and spans are byte ranges.
    let first_step = &json["rules"][0]["steps"][0];
    assert_eq!(
        first_step["kind"],
        serde_json::json!({"Act": {"MoveTo": 1}})
    );
    assert!(first_step["span"]["start"].is_u64(), "{first_step}");
    // The compiled side table is not data: it is left out.
    assert!(json.get("compiled").is_none());
    // The same program serialises to the same text.
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        serde_json::to_string(&program(TIGHT)).unwrap()
    );
}
