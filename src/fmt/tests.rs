//! Formatter tests: layout of every construct, comments in every position,
//! and a property test over generated programs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{format, FormatError};
use crate::syntax::parse;
use proptest::prelude::*;

/// Formats, and checks the result means the same, keeps the comments and is
/// stable under a second formatting.
fn fmt(source: &str) -> String {
    let once = format(source).unwrap_or_else(|e| panic!("{e}\n--- input:\n{source}"));
    let twice = format(&once).unwrap_or_else(|e| panic!("{e}\n--- output:\n{once}"));
    assert_eq!(once, twice, "not idempotent");
    let a = parse(source).unwrap();
    let b = parse(&once).unwrap();
    assert!(a.same_items(&b));
    assert_eq!(a.comments.len(), b.comments.len());
    once
}

fn same(source: &str) {
    assert_eq!(fmt(source), source);
}

#[test]
fn declarations() {
    assert_eq!(
        fmt("import   \"shared/b2b.nurture\"\nstages A -> B → C\nfield x :boolean\nfield y: list   of text"),
        "import \"shared/b2b.nurture\"\nstages A, B, C\nfield x: bool\nfield y: list of text\n"
    );
    same("email a, b, c\nsms s\npage p = \"/p*\", q\nform f\nasset a1 = \"x.pdf\"\nlist vip\n");
    same("event e\nevent f { amount: number, when: datetime, d: date, t: text }\n");
    assert_eq!(fmt("event e {}"), "event e\n");
    same("decay points by 10% every 30 days\ndecay points by 5 every 1 week\n");
    same("segment s = points >= 5\n");
}

#[test]
fn campaign_settings() {
    assert_eq!(
        fmt(
            "campaign \"c\" { timezone \"Europe/Warsaw\" quiet hours 9:00 to 08:00 \
             at most 1 emails per 1 day then delay at most 3 sms per 2 weeks then drop }"
        ),
        "campaign \"c\" {\n  timezone \"Europe/Warsaw\"\n  quiet hours 09:00 to 08:00\n  \
         at most 1 email per day\n  at most 3 sms per 2 weeks then drop\n}\n"
    );
    same("campaign \"empty\" {\n}\n");
}

#[test]
fn long_lists_wrap_after_commas() {
    let names: Vec<String> = (0..30).map(|i| format!("message_{i}")).collect();
    let out = fmt(&format!("email {}", names.join(",")));
    assert!(out.lines().all(|l| l.len() <= 100), "{out}");
    assert!(
        out.lines().nth(1).unwrap().starts_with("  message_"),
        "{out}"
    );
}

#[test]
fn rules_layout() {
    assert_eq!(
        fmt(
            "rule r priority 5 : when stage is Lead then move to MQL and send email a \
             exit when stage>=SQL repeat every 180 days"
        ),
        "rule r priority 5:\n  when stage is Lead\n  then move to MQL, send email a\n  \
         exit when stage >= SQL\n  repeat every 180 days\n"
    );
    same("rule r:\n  if points > 1\n  then add 1 point\n");
    same("rule r:\n  on purchase where amount >= 300\n  then add 2 points\n");
    assert_eq!(
        fmt("on\n  opened email\n  then add 1 point"),
        "on opened email then add 1 point\n"
    );
}

#[test]
fn long_steps_go_one_per_line() {
    let src = "rule r: when stage is Lead then notify sales \"a fairly long message here\", \
               add tag \"something\", hand off to crm \"another long note\", send email x";
    assert_eq!(
        fmt(src),
        "rule r:\n  when stage is Lead\n  then notify sales \"a fairly long message here\",\n       \
         add tag \"something\",\n       hand off to crm \"another long note\",\n       send email x\n"
    );
}

#[test]
fn long_conditions_wrap_at_and_or() {
    let src = "rule r: when stage is MQL and points >= 60 and in segment decision_maker and \
               (budget is not set or budget >= 5000 or country in [\"PL\", \"DE\", \"FR\", \"ES\", \"IT\", \"NL\", \"SE\", \"NO\"]) \
               then move to SQL";
    assert_eq!(
        fmt(src),
        "rule r:\n  when stage is MQL\n    and points >= 60\n    and in segment decision_maker\n    \
         and (budget is not set\n         or budget >= 5000\n         \
         or country in [\"PL\", \"DE\", \"FR\", \"ES\", \"IT\", \"NL\", \"SE\", \"NO\"])\n  then move to SQL\n"
    );
    let seg = format!(
        "segment s = {}",
        ["visited pricing in last 30 days"; 4].join(" or ")
    );
    assert_eq!(
        fmt(&seg),
        "segment s =\n  visited pricing in last 30 days\n    or visited pricing in last 30 days\n    \
         or visited pricing in last 30 days\n    or visited pricing in last 30 days\n"
    );
}

#[test]
fn every_condition_kind() {
    for c in [
        "stage is Lead",
        "stage is not Lead",
        "stage < MQL",
        "stage in [A, B]",
        "stage not in [A]",
        "points != 3",
        "has tag \"hot\"",
        "in segment s",
        "in list l",
        "is unsubscribed",
        "is do not contact",
        "country = \"PL\"",
        "n >= -1.5",
        "flag = true",
        "flag != false",
        "d > 2024-01-01",
        "country in [\"PL\", 3, true, 2024-01-01T10:00:00Z]",
        "country not in []",
        "tags contains \"x\"",
        "t starts with \"a\"",
        "t ends with \"b\"",
        "t matches \"\\\\d+\\\"\\n\\t\"",
        "x is set",
        "x is not set",
        "d before 2024-01-01",
        "d after 2024-01-01T00:00:00+02:00",
        "d within last 3 days",
        "d more than 1 week ago",
        "d less than 5 minutes ago",
        "birthday is today",
        "opened 3 emails in last 30 days",
        "opened 1 email",
        "clicked 2 different emails since",
        "received email w at most 2 times since 2024-01-01",
        "opened any email",
        "visited pricing 1 time",
        "visited any page",
        "visited exactly 3 pages",
        "submitted form demo",
        "submitted more than 1 form",
        "submitted more than 2 forms",
        "downloaded any asset",
        "downloaded asset sheet",
        "downloaded fewer than 2 assets",
        "purchased",
        "no purchase in last 90 days",
        "purchased 2 times where category = \"sale\" and amount > 5 in last 180 days",
        "never unsubscribed",
        "never event refund",
        "event ad_clicked 5 times in last 30 days",
        "total purchase amount in last 365 days >= 1000",
        "average event cart_updated cart_value where items > 1 >= 80",
        "first purchase before 2025-03-01",
        "last purchase more than 90 days ago",
        "min purchase amount = 1",
        "max purchase amount since >= 1",
        "today is monday",
        "today is sunday",
        "today is weekend",
        "today is weekday",
        "script premium",
        "not (a = 1 or b = 2) and c = 3",
        "not not a = 1",
        "((a = 1))",
    ] {
        same(&format!("segment s = {c}\n"));
    }
    assert_eq!(
        fmt("segment s = x is \"a\" and y is not 3 and opened emails and never purchased"),
        "segment s = x = \"a\" and y != 3 and opened any email and no purchase\n"
    );
    assert_eq!(
        fmt("segment s = visited page p twice and opened any email 3 times and purchased once"),
        "segment s = visited p 2 times and opened 3 emails and purchased 1 time\n"
    );
}

#[test]
fn every_step_kind() {
    for s in [
        "move to A",
        "move back to A",
        "send email w",
        "send sms s again",
        "add 1 point",
        "add 5 points",
        "remove 2 points",
        "set points to 0",
        "add tag \"t\"",
        "remove tag \"t\"",
        "add to list l",
        "remove from list l",
        "set country to \"PL\"",
        "set n to 1.5",
        "notify sales",
        "notify owner \"hi\"",
        "hand off to crm",
        "hand off to crm \"note\"",
        "call webhook \"https://x\"",
        "mark do not contact",
        "unsubscribe",
        "wait 1 day",
        "wait 2 hours",
        "wait until 09:00",
        "wait until 2024-12-24T09:00:00Z",
        "wait until 2024-12-24",
        "if a = 1 then stop end",
        "if a = 1 then stop else move to B, add 1 point end",
        "send email w unless opened any email since",
    ] {
        same(&format!("on purchase then {s}\n"));
    }
    assert_eq!(
        fmt("on purchase then subtract 1 points"),
        "on purchase then remove 1 point\n"
    );
}

#[test]
fn long_branches_and_unless_break() {
    let src = "rule r: when stage is Lead then wait 1 day, if sms_opt_in = true and country = \"PL\" \
               then send sms nudge again else send email reminder again, add tag \"reminded\" end, stop";
    assert_eq!(
        fmt(src),
        "rule r:\n  when stage is Lead\n  then wait 1 day,\n       \
         if sms_opt_in = true and country = \"PL\" then\n         send sms nudge again\n       \
         else\n         send email reminder again, add tag \"reminded\"\n       end,\n       stop\n"
    );
    let src =
        "rule r: when stage is Lead then send email abandoned_cart again unless purchased since \
               or received email abandoned_cart in last 7 days";
    assert_eq!(
        fmt(src),
        "rule r:\n  when stage is Lead\n  then send email abandoned_cart again\n         \
         unless purchased since or received email abandoned_cart in last 7 days\n"
    );
}

#[test]
fn strings_are_re_escaped() {
    assert_eq!(
        fmt("segment s = t = \"a\\\"b\\\\c\\nd\\te\""),
        "segment s = t = \"a\\\"b\\\\c\\nd\\te\"\n"
    );
}

#[test]
fn comments_in_every_position() {
    same("# header\n\n# about stages\nstages A, B  # trailing\n\nfield x: text\n# end of file\n");
    same("campaign \"c\" {\n  # before a setting\n  timezone \"UTC\"  # after a setting\n}\n");
    same(
        "# a rule\nrule r priority 1:  # after the name\n  # before when\n  when a = 1  # after when\n  \
         # before then\n  then add 1 point  # after a step\n  # before exit\n  exit when b = 2  # after exit\n  \
         repeat every 2 days  # after repeat\n",
    );
    // Steps joined onto one line: an own-line comment between them goes
    // before the line, a trailing one to its end.
    assert_eq!(
        fmt("on purchase then add 1 point,  # after a step\n  # before a step\n  stop\n"),
        "# before a step\non purchase then add 1 point, stop  # after a step\n"
    );
    same("rule r:\n  when a = 1\n  then notify sales \"a long enough message to need its own line\",  # one\n       \
          # two\n       notify owner \"and another long message for the owner\"  # three\n");
    // Comments inside a condition that is joined onto one line stay next to it.
    assert_eq!(
        fmt("segment s = a = 1 # one\n  # two\n  and b = 2\n"),
        "# two\nsegment s = a = 1 and b = 2  # one\n"
    );
    // Blank lines: at most one is kept.
    assert_eq!(
        fmt("\n\n# c\n\n\n\nfield x: text\n\n\n\nfield y: text\nfield z: text\n\n\n"),
        "# c\n\nfield x: text\n\nfield y: text\nfield z: text\n"
    );
    // Comment before a closing brace, two comments after one line.
    fmt("campaign \"c\" {\n  timezone \"UTC\"\n  # last\n}\n");
    fmt("segment s = a = 1 # one\n and b = 2 # two\n");
    assert_eq!(fmt("# only a comment"), "# only a comment\n");
    assert_eq!(fmt(""), "");
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    assert!(matches!(
        format("rule r: when"),
        Err(FormatError::Syntax(_))
    ));
}

#[test]
fn shipped_examples_are_formatted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "nurture") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(fmt(&text), text, "{} is not formatted", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen >= 6);
}

// ------------------------------------------------------------ property test

fn leaf() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "stage is Lead",
        "stage >= MQL",
        "stage in [Lead, MQL]",
        "points >= 5",
        "has tag \"a\\\"b\"",
        "in segment s",
        "in list l",
        "is unsubscribed",
        "country = \"PL\"",
        "budget is not set",
        "opened 3 emails in last 7 days",
        "no purchase in last 90 days",
        "clicked email x 2 times",
        "visited pricing",
        "purchased where amount > 5 or category = \"x\" in last 30 days",
        "total purchase amount >= 10",
        "last purchase more than 9 days ago",
        "today is weekend",
        "script s",
        "submitted any form since",
    ])
    .prop_map(str::to_string)
}

fn condition() -> impl Strategy<Value = String> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" and ")),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" or ")),
            inner.clone().prop_map(|c| format!("not ({c})")),
            inner.prop_map(|c| format!("({c})")),
        ]
    })
}

fn step() -> impl Strategy<Value = String> {
    let simple = prop::sample::select(vec![
        "move to MQL",
        "send email welcome again",
        "add 3 points",
        "remove 1 point",
        "add tag \"t\"",
        "wait 2 days",
        "notify sales \"x\"",
        "hand off to crm",
        "set country to \"PL\"",
        "stop",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        4 => simple.clone(),
        1 => (simple.clone(), condition()).prop_map(|(s, c)| format!("{s} unless {c}")),
        1 => (condition(), simple.clone(), simple).prop_map(|(c, a, b)| format!("if {c} then {a}, {b} else {a} end")),
    ]
}

fn item() -> impl Strategy<Value = String> {
    let steps = || prop::collection::vec(step(), 1..5).prop_map(|v| v.join(", "));
    prop_oneof![
        Just("stages Lead, MQL, SQL".to_string()),
        Just("email welcome, x, a_rather_long_message_name, another_long_message_name".to_string()),
        Just("campaign \"c\" { timezone \"UTC\" at most 2 emails per week }".to_string()),
        condition().prop_map(|c| format!("segment s = {c}")),
        (
            any::<bool>(),
            condition(),
            steps(),
            prop::option::of(condition())
        )
            .prop_map(|(p, c, s, e)| {
                let exit = e.map(|e| format!(" exit when {e}")).unwrap_or_default();
                let prio = if p { " priority 2" } else { "" };
                format!("rule r{prio}: when {c} then {s}{exit} repeat every 3 days")
            }),
        steps().prop_map(|s| format!("on purchase where amount > 1 then {s}")),
    ]
}

/// A program, with some of its spaces turned into line breaks, comments
/// and blank lines.
fn program() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(item(), 1..5),
        prop::collection::vec(0u8..12, 1..64),
    )
        .prop_map(|(items, layout)| {
            let text = items.join("\n");
            let mut out = String::new();
            let mut in_string = false;
            let mut k = 0;
            for c in text.chars() {
                if c == '"' {
                    in_string = !in_string;
                }
                if c == ' ' && !in_string {
                    k += 1;
                    out.push_str(match layout[k % layout.len()] {
                        0 => "\n  ",
                        1 => " # note\n",
                        2 => "\n# own line\n",
                        3 => "\n\n",
                        _ => " ",
                    });
                } else {
                    out.push(c);
                }
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn format_is_idempotent_and_keeps_meaning(source in program()) {
        let original = parse(&source);
        prop_assume!(original.is_ok());
        let original = original.unwrap();
        let once = format(&source).map_err(|e| TestCaseError::fail(format!("{e}\n{source}")))?;
        let reparsed = parse(&once).unwrap();
        prop_assert!(original.same_items(&reparsed));
        prop_assert_eq!(original.comments.len(), reparsed.comments.len());
        let twice = format(&once).unwrap();
        prop_assert_eq!(&once, &twice, "input:\n{}", source);
    }
}

#[test]
fn script_values_print_as_written_in_canonical_form() {
    assert_eq!(
        fmt("segment s = points>=script rfm and budget <  script floor or script rfm>= 12\n\
             rule r: when script tier = \"gold\" then set points   to script rfm, set tier to  script tier_of"),
        "segment s = points >= script rfm and budget < script floor or script rfm >= 12\n\
         rule r:\n  when script tier = \"gold\"\n  then set points to script rfm, set tier to script tier_of\n"
    );
    same("segment s = script flag != true\n");
    // The script side and the compared side are different trees.
    let a = parse("segment s = points >= script a\n").unwrap();
    let b = parse("segment s = points >= script b\n").unwrap();
    assert!(!a.same_items(&b));
    let c = parse("rule r: on purchase then set x to script a\n").unwrap();
    let d = parse("rule r: on purchase then set x to script b\n").unwrap();
    assert!(!c.same_items(&d));
}
