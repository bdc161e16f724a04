//! One contact evaluated against 100 rules at one instant (the product brief
//! section 8: under 10 µs).
//!
//! Run with `cargo bench --bench eval`. A `harness = false` bench on
//! `std::time`: it builds a program of 100 condition rules of the shapes the
//! examples use (stage tests, behaviour counts with windows, aggregates,
//! field tests, segments), one contact with 40 events, and times evaluating
//! every rule's condition at one instant, median of many batches.
//!
//! Two programs: the shapes as rules are usually written, where several
//! rules ask the same question with different thresholds (`opened 3 emails
//! in last 30 days`, `opened 5 …`), which an evaluation answers once; and a
//! worst case where every clause has its own window, so no answer is shared.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nurture::data::{self, Dataset, LoadOptions, Schema};
use nurture::eval::{Clock, ContactState, Context, EventView};
use nurture::ir::{Program, Trigger};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

const RULES: usize = 100;
const BATCH: usize = 2_000;
const BATCHES: usize = 31;

fn rules_text(all_different: bool) -> String {
    let mut text = String::from(
        "stages Subscriber, Lead, MQL, SQL, Customer\n\
         field country: text\nfield company_size: number\n\
         email welcome, nurture, offer\npage pricing = \"/pricing*\"\nform demo\n\
         segment engaged = opened 3 emails in last 30 days or clicked any email in last 14 days\n",
    );
    let shapes = [
        "stage is Lead and opened {n} emails in last 30 days",
        "visited pricing {n} times in last 60 days and not submitted form demo",
        "total purchase amount in last 365 days >= {n}00",
        "country in [\"PL\", \"DE\"] and company_size > {n}",
        "in segment engaged and points >= {n}",
        "stage >= MQL and no purchase in last {n}0 days",
        "last purchase more than {n} days ago or clicked email offer",
        "opened email welcome at least {n} times and stage < SQL",
    ];
    for i in 0..RULES {
        let mut shape = shapes[i % shapes.len()].replace("{n}", &(1 + i % 7).to_string());
        if all_different {
            // A window no other clause uses, in days: 400 + i.
            shape = shape
                .replace("30 days", &format!("{} days", 400 + i))
                .replace("60 days", &format!("{} days", 400 + i))
                .replace("365 days", &format!("{} days", 400 + i))
                .replace(
                    " times and stage",
                    &format!(" times in last {} days and stage", 400 + i),
                )
                .replace(
                    "clicked email offer",
                    &format!("clicked email offer in last {} days", 400 + i),
                )
                .replace(
                    "submitted form demo",
                    &format!("submitted form demo in last {} days", 400 + i),
                )
                .replace("more than", &format!("in last {} days more than", 400 + i));
        }
        let _ = write!(text, "rule r{i}:\n  when {shape}\n  then add 1 point\n");
    }
    text.push_str("on opened email then send email nurture\n");
    text
}

fn events_csv() -> String {
    let mut csv = String::from("contact_id,type,at,email,url,amount\n");
    for day in 0..40 {
        let (kind, email, url, amount) = match day % 4 {
            0 => ("email.opened", "welcome", "", ""),
            1 => ("email.clicked", "offer", "", ""),
            2 => ("page.visited", "", "/pricing/team", ""),
            _ => ("purchase", "", "", "120"),
        };
        let _ = writeln!(
            csv,
            "c1,{kind},2025-0{}-{:02}T10:00:00Z,{email},{url},{amount}",
            1 + day / 28,
            1 + day % 28
        );
    }
    csv
}

fn main() {
    measure("rules as usually written", rules_text(false));
    measure("every clause a different question", rules_text(true));
    script_against_builtin();
}

/// The checked program and the bench contact (c1, 40 events) loaded for it.
fn load(rules: String) -> (Program, Dataset) {
    let checked = nurture::driver::check_source(Path::new("eval.nurture"), "eval.nurture", rules);
    let program = checked
        .program
        .unwrap_or_else(|| panic!("the bench program checks: {:#?}", checked.diagnostics));
    let schema = Schema::from(&program);
    let dataset = data::load_str(
        &schema,
        Some("id,country,company_size,stage,points\nc1,PL,40,Lead,12\n"),
        &events_csv(),
        &LoadOptions::default(),
    )
    .expect("the bench data loads");
    (program, dataset)
}

/// Seconds per call of `evaluate` on the bench contact a day after its
/// last event, one sample per batch of calls, sorted.
fn timed(program: &Program, dataset: &Dataset, mut evaluate: impl FnMut(&Context)) -> Vec<f64> {
    let events = dataset.events_of(0);
    let state = ContactState::from_contact(program, &dataset.contacts[0]);
    let mut view = EventView::new(events, program.event_types.len());
    let now = events.last().map(|e| e.at).unwrap_or_default() + 86_400;
    view.apply_history_before(now + 1);
    let mut samples = Vec::with_capacity(BATCHES);
    for _ in 0..BATCHES {
        let start = Instant::now();
        for _ in 0..BATCH {
            let context = Context::new(
                program,
                Clock::new(now, program.settings.timezone),
                &state,
                &view,
                None,
            );
            evaluate(&context);
        }
        samples.push(start.elapsed().as_secs_f64() / BATCH as f64);
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    samples
}

/// Issue 5's cost figure: the same segment written in the language and as
/// a rhai script, evaluated for the bench contact (same answer), and the
/// ratio of their medians (must stay below 50).
fn script_against_builtin() {
    let rules = "stages Subscriber, Lead, MQL, SQL, Customer\n\
        field country: text\nfield company_size: number\n\
        segment builtin = points >= 10 and purchased at least 2 times in the last 180 days \
        and total purchase amount in the last 365 days >= 100\n\
        script scripted ```\n\
        points() >= 10 && count(\"purchase\", 180) >= 2 && sum(\"purchase\", \"amount\", 365) >= 100.0\n\
        ```\n\
        segment by_script = script scripted\n";
    let (program, dataset) = load(rules.to_string());
    let median = |segment: usize| -> (f64, bool) {
        let mut holds = false;
        let samples = timed(&program, &dataset, |context| {
            holds = context.in_segment(nurture::ir::SegmentId::new(segment));
        });
        (samples[BATCHES / 2], holds)
    };
    let (builtin, a) = median(0);
    let (scripted, b) = median(1);
    assert_eq!(a, b, "the script and the built-in condition disagree");
    println!(
        "eval (scripted predicate): built-in {:.0} ns, script {:.0} ns, ratio {:.1}× (target < 50×; both {})",
        builtin * 1e9,
        scripted * 1e9,
        scripted / builtin,
        if a { "hold" } else { "do not hold" }
    );
}

fn measure(label: &str, rules: String) {
    let (program, dataset) = load(rules);
    let conditions: Vec<_> = program
        .rules
        .iter()
        .filter_map(|rule| match &rule.trigger {
            Trigger::Condition(condition) => Some(condition),
            Trigger::Event(_) => None,
        })
        .collect();
    assert_eq!(conditions.len(), RULES);
    let mut holding = 0;
    let samples = timed(&program, &dataset, |context| {
        holding = conditions.iter().filter(|c| context.holds(c)).count();
    });
    println!(
        "eval ({label}): one contact ({} events) × {RULES} rules at one instant: median {:.2} µs, min {:.2} µs, max {:.2} µs ({} of {RULES} conditions hold; {BATCHES} batches of {BATCH})",
        dataset.events_of(0).len(),
        samples[BATCHES / 2] * 1e6,
        samples[0] * 1e6,
        samples[BATCHES - 1] * 1e6,
        holding,
    );
}
