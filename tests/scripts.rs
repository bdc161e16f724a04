//! Scripted predicates (docs/language.md section 11): the sandbox stops
//! hostile scripts with the documented error, scripts agree with the
//! equivalent built-in conditions, and a failed script in `simulate` counts
//! as false, is reported and fails the run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use nurture::base::value::{Instant, Value};
use nurture::data::Event;
use nurture::diagnostics::Diagnostic;
use nurture::driver::check_source;
use nurture::eval::script::{self, ScriptError};
use nurture::eval::{Clock, ContactState, Context, EventView};
use nurture::ir::Program;
use std::collections::BTreeSet;
use std::path::Path;

const DAY: i64 = 86_400;
const NOW: Instant = 1_750_000_000;

fn checked(rules: &str) -> (Option<Program>, Vec<Diagnostic>) {
    let checked = check_source(Path::new("t.nurture"), "t.nurture", rules.to_string());
    (checked.program, checked.diagnostics)
}

fn program(rules: &str) -> Program {
    match checked(rules) {
        (Some(program), _) => program,
        (None, diagnostics) => panic!("does not check: {diagnostics:#?}"),
    }
}

fn codes(rules: &str) -> Vec<String> {
    checked(rules)
        .1
        .iter()
        .map(|d| d.code.info().code.to_string())
        .collect()
}

fn state(program: &Program, points: i64) -> ContactState {
    ContactState {
        stage: Some(nurture::ir::StageId::new(0)),
        points,
        tags: BTreeSet::from(["vip".to_string()]),
        lists: BTreeSet::new(),
        fields: vec![None; program.fields.len()],
        unsubscribed: false,
        do_not_contact: false,
    }
}

fn purchase(program: &Program, at: Instant, amount: f64, category: &str) -> Event {
    let ty = program
        .event_types
        .iter()
        .position(|t| t.name == "purchase")
        .unwrap();
    let mut properties = vec![None; program.event_types[ty].properties.len()];
    properties[0] = Some(Value::Number(amount));
    properties[2] = Some(Value::Text(category.into()));
    Event {
        contact: 0,
        event_type: ty as u16,
        at,
        properties: properties.into(),
    }
}

/// Whether segment `name` holds for a contact at NOW, with the script
/// errors recorded meanwhile.
fn segment_holds(
    program: &Program,
    name: &str,
    state: &ContactState,
    events: &[Event],
) -> (bool, Vec<ScriptError>) {
    script::take_errors();
    let mut view = EventView::new(events, program.event_types.len());
    view.apply_history_before(NOW + 1);
    let context = Context::new(
        program,
        Clock::new(NOW, program.settings.timezone),
        state,
        &view,
        None,
    );
    let id = program
        .segments
        .iter()
        .position(|s| s.name == name)
        .unwrap();
    let holds = context.in_segment(nurture::ir::SegmentId::new(id));
    (holds, script::take_errors())
}

/// Runs a one-script file on an empty contact; returns the one error.
fn hostile(body: &str) -> String {
    let rules = format!("script bad ```\n{body}\n```\nsegment s = script bad\n");
    let program = program(&rules);
    let st = state(&program, 0);
    let (holds, errors) = segment_holds(&program, "s", &st, &[]);
    assert!(!holds, "a failed script counts as false");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].script, "bad");
    errors[0].message.clone()
}

#[test]
fn endless_loop_hits_the_operations_limit() {
    let m = hostile("loop { }");
    assert!(m.contains("limit `operations`"), "{m}");
}

#[test]
fn runaway_recursion_hits_the_call_depth_limit() {
    let m = hostile("fn f(n) { f(n + 1) }\nf(0)");
    assert!(m.contains("limit `call depth`"), "{m}");
}

#[test]
fn a_string_that_doubles_itself_hits_the_string_limit() {
    let m = hostile("let s = \"ab\";\nloop { s += s; }");
    assert!(m.contains("limit `string size`"), "{m}");
}

#[test]
fn a_growing_array_hits_the_array_limit() {
    let m = hostile("let a = [];\nloop { a.push(1); }");
    assert!(m.contains("limit `array size`"), "{m}");
}

#[test]
fn a_growing_map_hits_the_map_limit() {
    let m = hostile("let m = #{};\nlet i = 0;\nloop { m.set(\"k\" + i, i); i += 1; }");
    assert!(m.contains("limit `map size`"), "{m}");
    let m =
        hostile("let m = #{};\nlet i = 0;\nloop { m += #{k: i}; m.set(\"k\" + i, i); i += 1; }");
    assert!(m.contains("limit `map size`"), "{m}");
    // rhai does not size-check `m[key] = v` on a map; such growth is bounded
    // by the operations limit instead (at most a few ten thousand entries).
    let m = hostile("let m = #{};\nlet i = 0;\nloop { m[\"k\" + i] = i; i += 1; }");
    assert!(m.contains("limit `operations`"), "{m}");
}

#[test]
fn many_variables_hit_the_variables_limit() {
    let body: String = (0..300).map(|i| format!("let v{i} = {i};\n")).collect();
    let m = hostile(&format!("{body}true"));
    assert!(m.contains("limit `variables`"), "{m}");
}

#[test]
fn a_non_boolean_result_is_a_run_time_error() {
    let m = hostile("points() + 1");
    assert!(m.contains("where true or false is needed"), "{m}");
}

#[test]
fn eval_import_and_the_clock_are_rejected_at_check_time() {
    assert_eq!(
        codes("script s ```\neval(\"1\")\n```\nsegment x = script s\n"),
        ["E0701"]
    );
    assert_eq!(
        codes("script s ```\nimport \"x\" as y;\ntrue\n```\nsegment x = script s\n"),
        ["E0701"]
    );
    assert_eq!(
        codes("script s ```\ntimestamp() > 0\n```\nsegment x = script s\n"),
        ["E0702"]
    );
    let deep = format!("{}true", "!".repeat(100));
    assert_eq!(
        codes(&format!(
            "script s ```\n{deep}\n```\nsegment x = script s\n"
        )),
        ["E0701"]
    );
}

#[test]
fn declared_or_constant_number_used_as_predicate_is_caught_at_check_time() {
    assert_eq!(
        codes("script n: number ```\npoints()\n```\nsegment x = script n\n"),
        ["E0703"]
    );
    assert_eq!(
        codes("script n ```\n1 + 2\n```\nsegment x = script n\n"),
        ["E0703"]
    );
}

#[test]
fn diagnostics_point_at_the_line_and_column_in_the_file() {
    let rules = "stages A\n\nscript s ```\nlet x = 1;\nlet y = nope(x);\ny > 0\n```\nsegment x = script s\n";
    let (_, diagnostics) = checked(rules);
    assert_eq!(diagnostics.len(), 1);
    let at = diagnostics[0].span.start;
    assert_eq!(&rules[at..at + 4], "nope");
}

#[test]
fn the_contact_view_reads_points_stage_tags_fields_and_events() {
    let program = program(
        "stages Lead, Customer\nfield budget: number\n\
         script view ```\n\
         points() == 7 && stage() == \"Lead\" && stage_index() == 0 && has_tag(\"vip\")\n\
         && field(\"budget\") == 1200.0 && count(\"purchase\") == 2\n\
         && count(\"purchase\", 10) == 1 && sum(\"purchase\", \"amount\") == 30.0\n\
         && average(\"purchase\", \"amount\") == 15.0\n\
         && count(\"purchase\", -1, #{category: \"shoes\"}) == 1\n\
         && days_since_last(\"purchase\") == 1.0 && days_since_first(\"purchase\") == 20.0\n\
         && days_since_last(\"page.visited\") == ()\n\
         ```\nsegment s = script view\n",
    );
    let mut st = state(&program, 7);
    st.fields[0] = Some(Value::Number(1200.0));
    let events = vec![
        purchase(&program, NOW - 20 * DAY, 10.0, "shoes"),
        purchase(&program, NOW - DAY, 20.0, "hats"),
        // The future is invisible: "now" is the evaluation instant.
        purchase(&program, NOW + DAY, 99.0, "hats"),
    ];
    let (holds, errors) = segment_holds(&program, "s", &st, &events);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(holds);
}

/// A small deterministic population: contacts with points and purchases.
fn population(program: &Program, n: usize) -> Vec<(ContactState, Vec<Event>)> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    (0..n)
        .map(|_| {
            let st = state(program, next(200) as i64);
            let mut events: Vec<Event> = (0..next(8))
                .map(|_| {
                    let cat = if next(3) == 0 { "shoes" } else { "hats" };
                    purchase(program, NOW - next(400) as i64 * DAY, next(300) as f64, cat)
                })
                .collect();
            events.sort_by_key(|e| e.at);
            (st, events)
        })
        .collect()
}

const AGREEMENT: &str = "stages Lead, Customer\n\
    segment builtin = points >= 50 and purchased at least 2 times in the last 180 days \
    and total purchase amount where category = \"shoes\" in the last 365 days >= 100\n\
    script scripted ```\n\
    points() >= 50 && count(\"purchase\", 180) >= 2\n\
    && sum(\"purchase\", \"amount\", 365, #{category: \"shoes\"}) >= 100.0\n\
    ```\n\
    segment by_script = script scripted\n";

#[test]
fn a_script_and_the_equivalent_condition_agree() {
    let program = program(AGREEMENT);
    let mut qualified = 0;
    for (st, events) in population(&program, 2_000) {
        let (a, _) = segment_holds(&program, "builtin", &st, &events);
        let (b, errors) = segment_holds(&program, "by_script", &st, &events);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(a, b, "points {} events {:?}", st.points, events);
        qualified += usize::from(a);
    }
    // The population is not trivial: some qualify, most do not.
    assert!(qualified > 20 && qualified < 1_500, "{qualified}");
}

#[test]
fn scripts_are_compiled_once_and_shared() {
    let program = program(AGREEMENT);
    let compiled: &std::sync::Arc<rhai::AST> = &program.compiled.scripts[0];
    let copy = program.clone();
    assert!(std::sync::Arc::ptr_eq(compiled, &copy.compiled.scripts[0]));
    assert_eq!(program.scripts.len(), program.compiled.scripts.len());
}

/// `simulate` on a failing script: the condition is false, the error names
/// the script, the rule and the contact, and the run exits 1.
#[test]
fn simulate_reports_a_failed_script_and_exits_1() {
    let dir = folder(
        "simulate-failed-script",
        &[
            (
                "r.nurture",
                "stages Lead, Customer\nscript spin ```\nloop { }\n```\n\
                 rule promote: when script spin then move to Customer\n",
            ),
            (
                "contacts.csv",
                "id,stage,created_at\nc1,Lead,2025-01-01T00:00:00Z\n",
            ),
            (
                "events.jsonl",
                "{\"contact_id\":\"c1\",\"type\":\"purchase\",\"at\":\"2025-01-02T00:00:00Z\",\"properties\":{\"amount\":5}}\n",
            ),
        ],
    );
    let (code, stdout, stderr) = run_in(
        &dir,
        &[
            "simulate",
            "r.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.jsonl",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-03",
        ],
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("script `spin` in rule `promote` for contact `c1`"),
        "{stderr}"
    );
    assert!(stderr.contains("limit `operations`"), "{stderr}");
}

/// The seed example scores RFM champions with a script; it runs cleanly
/// and the script picks a real but small share of the shop's customers.
#[test]
fn the_ecommerce_example_scores_rfm_champions() {
    let run = common::nurture(&[
        "simulate",
        "examples/ecommerce_lifecycle.nurture",
        "--contacts",
        "examples/data/ecommerce_lifecycle_contacts.csv",
        "--events",
        "examples/data/ecommerce_lifecycle_events.csv",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let json = run.json();
    let champions = json["segments_at_end"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["segment"] == "rfm_champion")
        .unwrap()["contacts"]
        .as_u64()
        .unwrap();
    let contacts = json["contacts"].as_u64().unwrap();
    assert!(
        champions > 0 && champions * 4 < contacts,
        "{champions} of {contacts}"
    );
}

// ------------------------------------------------------------ scripts as values

/// Scripts as values agree with the built-in conditions they stand for: a
/// number script on the right of `points >=`, one on the left of `>=`, and
/// a number field compared with a script.
const VALUE_AGREEMENT: &str = "stages Lead, Customer\n\
    field budget: number\n\
    segment builtin = points >= 50 and total purchase amount in the last 365 days >= 100 \
    and budget < 150\n\
    script fifty: number ```\n25 * 2\n```\n\
    script spend: number ```\nsum(\"purchase\", \"amount\", 365)\n```\n\
    script cap ```\n150\n```\n\
    segment by_value = points >= script fifty and script spend >= 100 and budget < script cap\n";

#[test]
fn a_value_script_and_the_equivalent_builtin_agree() {
    let program = program(VALUE_AGREEMENT);
    let mut qualified = 0;
    for (i, (mut st, events)) in population(&program, 2_000).into_iter().enumerate() {
        // Every third contact has no budget: both sides are then false.
        st.fields[0] = (i % 3 != 0).then_some(Value::Number((i % 300) as f64));
        let (a, _) = segment_holds(&program, "builtin", &st, &events);
        let (b, errors) = segment_holds(&program, "by_value", &st, &events);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(a, b, "points {} events {:?}", st.points, events);
        qualified += usize::from(a);
    }
    assert!(qualified > 20 && qualified < 1_500, "{qualified}");
}

#[test]
fn script_value_types_are_checked_at_check_time() {
    let head = "stages Lead\nfield budget: number\nfield tier: text\nfield born: date\n\
        script flag: bool ```\ntrue\n```\nscript name: text ```\n\"x\"\n```\n\
        script score: number ```\n3\n```\nscript any ```\nfield(\"tier\")\n```\n";
    let with = |tail: &str| codes(&format!("{head}{tail}\n"));
    // A bool or text script used as a number.
    assert_eq!(with("segment s = points >= script flag"), ["E0704"]);
    assert_eq!(with("segment s = budget < script name"), ["E0704"]);
    assert_eq!(with("segment s = script name >= 3"), ["E0704"]);
    // Text and true/false only compare with `=` and `!=`.
    assert_eq!(with("segment s = tier < script name"), ["E0704"]);
    assert_eq!(with("segment s = script flag > true"), ["E0704"]);
    // A script never gives a date.
    assert_eq!(with("segment s = born = script any"), ["E0704"]);
    assert_eq!(with("segment s = script any = 2025-01-01"), ["E0704"]);
    // Set steps: the script's type against the field's.
    assert_eq!(
        with("rule r: on purchase then set budget to script name"),
        ["E0704"]
    );
    assert_eq!(
        with("rule r: on purchase then set points to script flag"),
        ["E0704"]
    );
    assert_eq!(
        with("rule r: on purchase then set born to script any"),
        ["E0704"]
    );
    // A number script set into a text field is caught too.
    assert_eq!(
        with("rule r: on purchase then set tier to script score"),
        ["E0704"]
    );
    // Unknown scripts are E0212, as for predicates.
    assert_eq!(with("segment s = points >= script nope"), ["E0212"]);
    // What fits checks clean; an untyped script is checked at run time.
    for ok in [
        "segment s = points >= script score",
        "segment s = script score < 4 and tier != script name and script flag = true",
        "segment s = tier = script any and budget >= script any",
        "rule r: on purchase then set tier to script name, set points to script any, set budget to script score",
    ] {
        let all = with(ok);
        assert!(all.iter().all(|c| !c.starts_with('E')), "{ok}: {all:?}");
    }
}

#[test]
fn a_wrong_type_from_an_untyped_value_script_fails_at_run_time() {
    let program = program(
        "stages Lead\nscript odd ```\nif points() > 10 { \"many\" } else { 1 }\n```\n\
         segment s = points >= script odd\n",
    );
    let (holds, errors) = segment_holds(&program, "s", &state(&program, 5), &[]);
    assert!(holds && errors.is_empty(), "{errors:?}");
    let (holds, errors) = segment_holds(&program, "s", &state(&program, 50), &[]);
    assert!(!holds, "a failed value script makes the comparison false");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].script, "odd");
    assert!(
        errors[0]
            .message
            .contains("returned a string where a number is needed"),
        "{}",
        errors[0].message
    );
}

#[test]
fn value_script_limits_stop_the_same_way() {
    let program = program(
        "stages Lead\nscript spin: number ```\nlet n = 0; loop { n += 1; }\n```\n\
         segment s = script spin > 0 or points >= script spin\n",
    );
    let (holds, errors) = segment_holds(&program, "s", &state(&program, 5), &[]);
    assert!(!holds);
    // Both evaluations failed; the second is folded into the first record
    // (same script, same rule, same contact) and counted.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].evaluations(), 2, "{errors:?}");
    assert_eq!(errors[0].code.as_str(), "E0705");
    assert!(errors[0].message.contains("limit `operations`"));
}

/// A scratch folder holding `files`.
fn folder(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = common::scratch(name);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let run = common::nurture_in(dir, args);
    (run.code(), run.stdout, run.stderr)
}

const SCORING_RHAI: &str = "// RFM helpers: `band` has a parameter, so it is a helper only.\n\
    fn band(x, hi, mid) {\n    if x >= hi { 5 } else if x >= mid { 3 } else { 1 }\n}\n\n\
    fn rfm_score() {\n    band(count(\"purchase\", 365), 10, 2) * 2 + 1\n}\n\n\
    fn tier_of() {\n    if points() >= 7 { \"gold\" } else { \"basic\" }\n}\n\n\
    private fn hidden() { 1 }\n";

const SCORED: &str = "import \"scoring.rhai\"\nstages Lead, MQL\nfield tier: text\n\
    rule score:\n  on purchase\n  then set points to script rfm_score, set tier to script tier_of\n\
    rule qualify:\n  when points >= script rfm_score and (stage is not set or stage < MQL)\n  then move to MQL\n\
    test \"two purchases score 7 and make a gold MQL\" {\n  given contact points 1\n  events\n    \
    2025-01-02T10:00:00Z purchase amount 5\n    2025-01-03T10:00:00Z purchase amount 5\n  \
    expect points 7\n  expect stage MQL\n}\n";

#[test]
fn a_rhai_file_is_imported_and_its_functions_are_scripts() {
    let dir = folder(
        "rhai-import",
        &[("scoring.rhai", SCORING_RHAI), ("r.nurture", SCORED)],
    );
    let (code, stdout, stderr) = run_in(&dir, &["check", "--deny-warnings", "r.nurture"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (code, stdout, stderr) = run_in(&dir, &["test", "r.nurture"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    // A helper with parameters and a private fn are not scripts.
    let hidden = SCORED.replace("script tier_of", "script hidden");
    let dir = folder(
        "rhai-import-private",
        &[("scoring.rhai", SCORING_RHAI), ("r.nurture", &hidden)],
    );
    let (code, stdout, _) = run_in(&dir, &["check", "r.nurture"]);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("E0212"), "{stdout}");
}

#[test]
fn problems_in_a_rhai_file_point_into_it() {
    let bad = "fn ok() { 1 }\n\nfn broken() {\n    nope(3)\n}\nlet x = 1;\n";
    let syntax = "fn ok() {\n  let = 3;\n}\n";
    let dir = folder(
        "rhai-problems",
        &[
            ("bad.rhai", bad),
            ("syntax.rhai", syntax),
            (
                "r.nurture",
                "import \"bad.rhai\"\nimport \"missing.rhai\"\nstages Lead\n\
                 rule r: when script ok then move to Lead\n",
            ),
            ("s.nurture", "import \"syntax.rhai\"\nstages Lead\n"),
        ],
    );
    let (code, stdout, _) = run_in(&dir, &["check", "r.nurture"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("E0004"), "a missing .rhai file: {stdout}");
    assert!(
        stdout.contains("bad.rhai:4:5"),
        "unknown fn at 4:5: {stdout}"
    );
    assert!(stdout.contains("E0702"), "{stdout}");
    assert!(
        stdout.contains("bad.rhai:6:1") && stdout.contains("holds only `fn` definitions"),
        "a top-level statement: {stdout}"
    );
    let (code, stdout, _) = run_in(&dir, &["check", "s.nurture"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("E0701") && stdout.contains("syntax.rhai:2:7"),
        "{stdout}"
    );
}

/// `nurture test` fails a test whose run hits a script failure, naming the
/// script, the rule, the contact (the test) and the limit; the failed `set`
/// step does nothing.
#[test]
fn nurture_test_fails_on_a_script_failure() {
    let rules = "stages Lead, MQL\nfield tier: text\n\
        script spin: number ```\nlet n = 0; loop { n += 1; }\n```\n\
        rule score:\n  on purchase\n  then set points to script spin, add tag \"scored\"\n\
        test \"spinning\" {\n  given contact points 3\n  events\n    \
        2025-01-02T10:00:00Z purchase amount 5\n  expect points 3\n  expect tag \"scored\"\n}\n";
    let dir = folder("test-script-failure", &[("r.nurture", rules)]);
    let (code, stdout, stderr) = run_in(&dir, &["test", "r.nurture"]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("script `spin` in rule `score` for contact `spinning`"),
        "{stdout}"
    );
    assert!(stdout.contains("limit `operations`"), "{stdout}");
    // The expectations themselves held: the step was skipped, the next ran.
    assert!(!stdout.contains("expect points 3"), "{stdout}");
    assert!(!stdout.contains("expect tag"), "{stdout}");
}

/// `nurture explain` shows a script clause's result and a value script's
/// value.
#[test]
fn explain_shows_script_results_and_values() {
    let dir = folder(
        "explain-scripts",
        &[
            ("scoring.rhai", SCORING_RHAI),
            ("r.nurture", SCORED),
            (
                "events.jsonl",
                "{\"contact_id\":\"c1\",\"type\":\"purchase\",\"at\":\"2025-01-02T00:00:00Z\",\"properties\":{\"amount\":5}}\n\
                 {\"contact_id\":\"c1\",\"type\":\"purchase\",\"at\":\"2025-01-03T00:00:00Z\",\"properties\":{\"amount\":5}}\n",
            ),
        ],
    );
    let (code, stdout, stderr) = run_in(
        &dir,
        &[
            "explain",
            "r.nurture",
            "--events",
            "events.jsonl",
            "--contact",
            "c1",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("points >= script rfm_score"), "{stdout}");
    assert!(stdout.contains("script rfm_score gave 7"), "{stdout}");
}

/// The BANT and threshold examples of docs/language.md section 11, with the
/// declarations they need: they check clean and grade a lead.
const DOCS_BANT: &str = r#"stages Lead, SQL
field budget: number
field job_role: text
field purchase_timeline: text
field country: text
form demo_request
field bant: text

script bant_grade: text ```
let score = 0;
let budget = field("budget");
if budget != () && budget >= 10000.0 { score += 1; }
if field("job_role") in ["CEO", "CTO", "VP", "Director"] { score += 1; }
if count("form.submitted", 90, #{form: "demo_request"}) > 0 { score += 1; }
if field("purchase_timeline") == "this_quarter" { score += 1; }
if score >= 4 { "A" } else if score >= 2 { "B" } else { "C" }
```

rule grade_lead: on submitted form demo_request then set bant to script bant_grade
rule hot_lead: when script bant_grade = "A" and (stage is not set or stage < SQL) then move to SQL

script rfm_threshold: number ```
if field("country") == "GB" { 18 } else { 20 }
```

rule champion: when points >= script rfm_threshold then add tag "champion"

test "bant" {
  given contact budget 20000, job_role "CEO", purchase_timeline "this_quarter"
  events
    2025-01-02T10:00:00Z submitted form demo_request
  expect stage SQL
  expect fired grade_lead
}
"#;

#[test]
fn the_bant_example_of_the_docs_grades_a_lead() {
    let dir = folder("docs-bant", &[("bant.nurture", DOCS_BANT)]);
    let (code, stdout, stderr) = run_in(&dir, &["check", "--deny-warnings", "bant.nurture"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (code, stdout, stderr) = run_in(&dir, &["test", "bant.nurture"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}
