//! The semantics decisions of section 4 of the product brief, one group of tests per
//! decision, each with hand-worked expected results.
//!
//! Every test goes through the real pipeline: rules text → `check_source`
//! → `data::load_str` → `sim::simulate_contact` for every contact. The
//! harness at the top turns outcomes into readable lines such as
//!
//! ```text
//! 2025-01-05T10:00:00Z welcome send email welcome sent
//! 2025-01-15T21:30:00Z late send email hello delayed (quiet hours) until 2025-01-16T07:00:00Z
//! ```
//!
//! All instants in expectations are UTC (RFC 3339 with `Z`); comments give
//! the local time where the campaign has a time zone.
//!
//! None is ignored: each states the behaviour the product brief asks for,
//! and a bug in the interpreter fails it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use nurture::base::time::rfc3339;
use nurture::base::value::Instant;
use nurture::data::{self, Dataset, LoadOptions, Schema};
use nurture::driver::check_source;
use nurture::ir::Program;
use nurture::sim::calendar;
use nurture::sim::run::describe;
use nurture::sim::{simulate_contact, ContactOutcome, RunPlan, Status, TraceEntry};
use std::collections::BTreeMap;
use std::path::Path;

// ------------------------------------------------------------------ harness

const DAY: i64 = 86_400;

/// An RFC 3339 instant.
fn t(text: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("bad instant {text:?} in a test: {e}"))
        .timestamp()
}

/// Checks rules text; panics with the rendered diagnostics on errors.
fn program(rules: &str) -> Program {
    let checked = check_source(Path::new("test.nurture"), "test.nurture", rules.to_string());
    match checked.program {
        Some(program) => program,
        None => panic!(
            "the rules do not check:\n{}",
            nurture::diagnostics::render::human(&checked.sources, &checked.diagnostics, false)
        ),
    }
}

/// A finished dry run of a small population.
struct Sim {
    program: Program,
    dataset: Dataset,
    outcomes: BTreeMap<String, ContactOutcome>,
}

/// Runs rules over contacts and events (CSV text) from `from` to `to`
/// (RFC 3339) with daily ticks.
fn simulate(rules: &str, contacts: &str, events: &str, from: &str, to: &str) -> Sim {
    simulate_with_tick(rules, contacts, events, from, to, DAY)
}

fn simulate_with_tick(
    rules: &str,
    contacts: &str,
    events: &str,
    from: &str,
    to: &str,
    tick_seconds: i64,
) -> Sim {
    let program = program(rules);
    let dataset = data::load_str(
        &Schema::from(&program),
        Some(contacts),
        events,
        &LoadOptions::default(),
    )
    .unwrap_or_else(|e| match e.report() {
        Some(report) => panic!(
            "bad rows in test data:\n{}",
            report
                .problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
        None => panic!("test data does not load: {e}"),
    });
    let (from, to) = (t(from), t(to));
    let ticks = calendar::ticks(from, to, tick_seconds, program.settings.timezone);
    let plan = RunPlan::new(&program, from, to, &ticks);
    let mut outcomes = BTreeMap::new();
    for (index, contact) in dataset.contacts.iter().enumerate() {
        let outcome = simulate_contact(&plan, contact, dataset.events_of(index), true);
        outcomes.insert(contact.id.clone(), outcome);
    }
    drop(plan);
    Sim {
        program,
        dataset,
        outcomes,
    }
}

impl Sim {
    fn outcome(&self, id: &str) -> &ContactOutcome {
        self.outcomes
            .get(id)
            .unwrap_or_else(|| panic!("no contact {id:?} in the run"))
    }

    fn rule_id(&self, name: &str) -> usize {
        self.program
            .rules
            .iter()
            .position(|r| r.name == name)
            .unwrap_or_else(|| panic!("no rule {name:?}"))
    }

    /// Every action of a contact: `AT RULE KIND [TARGET] STATUS [(REASON)]
    /// [until DELIVER_AT]`.
    fn actions(&self, id: &str) -> Vec<String> {
        self.outcome(id)
            .actions
            .iter()
            .map(|record| {
                let key = describe(&self.program, &record.action);
                let mut parts = vec![
                    rfc3339(record.at),
                    self.program.rules[record.rule.index()].name.clone(),
                    key.kind.to_string(),
                ];
                if !key.target.is_empty() {
                    parts.push(key.target);
                }
                parts.push(record.status.as_str().to_string());
                if let Some(reason) = record.reason {
                    parts.push(format!("({})", reason.as_str()));
                }
                if record.status == Status::Delayed {
                    if let Some(at) = record.deliver_at {
                        parts.push(format!("until {}", rfc3339(at)));
                    }
                }
                parts.join(" ")
            })
            .collect()
    }

    /// Only the sends, same format as [`Sim::actions`].
    fn sends(&self, id: &str) -> Vec<String> {
        self.actions(id)
            .into_iter()
            .filter(|a| a.contains(" send email ") || a.contains(" send sms "))
            .collect()
    }

    /// Stage moves: `AT FROM -> TO (RULE)`, `-` for no stage.
    fn transitions(&self, id: &str) -> Vec<String> {
        let stage = |s: Option<nurture::ir::StageId>| {
            s.map_or("-".to_string(), |s| self.program.stages[s.index()].clone())
        };
        self.outcome(id)
            .transitions
            .iter()
            .map(|tr| {
                format!(
                    "{} {} -> {} ({})",
                    rfc3339(tr.at),
                    stage(tr.from),
                    stage(Some(nurture::ir::StageId::new(tr.to.index()))),
                    self.program.rules[tr.rule.index()].name
                )
            })
            .collect()
    }

    /// When a rule fired for a contact, from the trace.
    fn fired_at(&self, id: &str, rule: &str) -> Vec<String> {
        let rule = self.rule_id(rule);
        self.trace(id)
            .iter()
            .filter_map(|entry| match entry {
                TraceEntry::RuleFired { at, rule: r } if *r == nurture::ir::RuleId::new(rule) => {
                    Some(rfc3339(*at))
                }
                _ => None,
            })
            .collect()
    }

    fn fired(&self, id: &str, rule: &str) -> u32 {
        self.outcome(id).fired[self.rule_id(rule)]
    }

    fn trace(&self, id: &str) -> &[TraceEntry] {
        self.outcome(id).trace.as_deref().unwrap_or(&[])
    }

    fn final_stage(&self, id: &str) -> Option<&str> {
        self.outcome(id)
            .final_stage
            .map(|s| self.program.stages[s.index()].as_str())
    }

    fn final_points(&self, id: &str) -> i64 {
        self.outcome(id).final_points
    }

    /// Points decay steps from the trace: `AT FROM -> TO`.
    fn decays(&self, id: &str) -> Vec<String> {
        self.trace(id)
            .iter()
            .filter_map(|entry| match entry {
                TraceEntry::Decayed { at, from, to } => {
                    Some(format!("{} {from} -> {to}", rfc3339(*at)))
                }
                _ => None,
            })
            .collect()
    }

    /// Waits, resumes and exits of sequences: `AT RULE waits until T`,
    /// `AT RULE resumed`, `AT RULE exited`, `AT RULE stopped`.
    fn sequence_story(&self, id: &str) -> Vec<String> {
        let name = |r: &nurture::ir::RuleId| self.program.rules[r.index()].name.clone();
        self.trace(id)
            .iter()
            .filter_map(|entry| match entry {
                TraceEntry::Waiting { at, rule, until } => Some(format!(
                    "{} {} waits until {}",
                    rfc3339(*at),
                    name(rule),
                    rfc3339(*until)
                )),
                TraceEntry::Resumed { at, rule } => {
                    Some(format!("{} {} resumed", rfc3339(*at), name(rule)))
                }
                TraceEntry::Exited { at, rule } => {
                    Some(format!("{} {} exited", rfc3339(*at), name(rule)))
                }
                TraceEntry::Stopped { at, rule } => {
                    Some(format!("{} {} stopped", rfc3339(*at), name(rule)))
                }
                _ => None,
            })
            .collect()
    }
}

/// Compares line lists and prints both in full on a mismatch.
#[track_caller]
fn same(actual: Vec<String>, expected: &[&str]) {
    let expected: Vec<String> = expected.iter().map(|s| (*s).to_string()).collect();
    assert!(
        actual == expected,
        "\nactual:\n  {}\nexpected:\n  {}\n",
        actual.join("\n  "),
        expected.join("\n  ")
    );
}

#[test]
fn the_harness_loads_checks_and_formats() {
    let sim = simulate(
        "stages Subscriber, Lead
         email welcome
         rule welcome_rule: on submitted any form then send email welcome, move to Lead",
        "id,stage\nc1,Subscriber\n",
        "contact_id,type,at,form\nc1,form.submitted,2025-01-05T10:00:00Z,signup\n",
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    assert_eq!(sim.dataset.contacts.len(), 1);
    same(
        sim.actions("c1"),
        &[
            "2025-01-05T10:00:00Z welcome_rule send email welcome sent",
            "2025-01-05T10:00:00Z welcome_rule move to Lead done",
        ],
    );
    same(
        sim.transitions("c1"),
        &["2025-01-05T10:00:00Z Subscriber -> Lead (welcome_rule)"],
    );
    assert_eq!(sim.final_stage("c1"), Some("Lead"));
}

// ------------------------------------------------------- windows (t − N, t]

/// `in last 30 days` at t covers (t − 30 days, t]. Each contact has one
/// open and a page visit that makes an evaluation instant at exactly
/// 2025-01-31T12:00:00Z; t − 30 days = 2025-01-01T12:00:00Z.
#[test]
fn a_window_is_open_at_its_start_and_closed_at_now() {
    let rules = "
        stages Subscriber
        page blog = \"/blog*\"
        rule recent_reader:
          when visited blog and opened any email in last 30 days
          then add tag \"recent\"
    ";
    let contacts = "id\nexactly_30_days\none_second_later\nsame_instant\n";
    let events = "contact_id,type,at,email,url
exactly_30_days,email.opened,2025-01-01T12:00:00Z,news,
exactly_30_days,page.visited,2025-01-31T12:00:00Z,,/blog/a
one_second_later,email.opened,2025-01-01T12:00:01Z,news,
one_second_later,page.visited,2025-01-31T12:00:00Z,,/blog/a
same_instant,page.visited,2025-01-31T12:00:00Z,,/blog/a
same_instant,email.opened,2025-01-31T12:00:00Z,news,
";
    let sim = simulate(
        rules,
        contacts,
        events,
        "2025-01-01T00:00:00Z",
        "2025-03-01T00:00:00Z",
    );
    // 12:00:00 on Jan 1 is exactly 30 days before the visit: OUT. At every
    // later instant it is even further out, so the rule never fires.
    same(sim.fired_at("exactly_30_days", "recent_reader"), &[]);
    // 12:00:01 is one second inside (t − 30 days, t]: IN at the visit.
    same(
        sim.fired_at("one_second_later", "recent_reader"),
        &["2025-01-31T12:00:00Z"],
    );
    // An event at t itself is inside the window (closed at now); the visit
    // comes first in the file, so the rule fires when the open is applied.
    same(
        sim.fired_at("same_instant", "recent_reader"),
        &["2025-01-31T12:00:00Z"],
    );
}

/// `no purchase in last 90 days` becomes true at a daily tick because the
/// purchase drops out of the window; the rule must fire at that tick.
#[test]
fn a_rule_fires_on_the_tick_at_which_an_event_drops_out_of_the_window() {
    let rules = "
        stages Subscriber, Customer
        campaign \"w\" { timezone \"Europe/Warsaw\" }
        email winback
        rule winback:
          when stage >= Customer and no purchase in last 90 days
          then send email winback
    ";
    let contacts = "id,stage\nbuyer,Customer\nlate_buyer,Customer\n";
    let events = "contact_id,type,at,amount
buyer,purchase,2025-01-10T15:00:00Z,100
late_buyer,purchase,2025-01-10T23:30:00Z,100
";
    let sim = simulate(
        rules,
        contacts,
        events,
        "2025-01-01T00:00:00+01:00",
        "2025-06-01T00:00:00+02:00",
    );
    // Without a purchase yet, "no purchase in the last 90 days" holds, so
    // the plain rule fires at the first tick, 2024-12-31T23:00Z (Jan 1
    // 00:00 CET), before the purchase.
    same(
        sim.sends("buyer"),
        &["2024-12-31T23:00:00Z winback send email winback sent"],
    );
    // With `purchased and …` the rule waits for the purchase to drop out.
    // Ticks are at 00:00 Warsaw; from April on that is 22:00Z the day before.
    let rules_with_history = rules.replace(
        "when stage >= Customer and no purchase in last 90 days",
        "when stage >= Customer and purchased and no purchase in last 90 days",
    );
    let sim = simulate(
        &rules_with_history,
        contacts,
        events,
        "2025-01-01T00:00:00+01:00",
        "2025-06-01T00:00:00+02:00",
    );
    // buyer: purchase 2025-01-10T15:00Z; + 90 × 24 h = 2025-04-10T15:00Z.
    //   tick 2025-04-09T22:00Z (Apr 10 00:00 CEST): t − 90 d = 2025-01-09T22:00Z,
    //     purchase inside → no.
    //   tick 2025-04-10T22:00Z (Apr 11 00:00 CEST): t − 90 d = 2025-01-10T22:00Z,
    //     purchase (15:00Z) is out → fires.
    same(
        sim.sends("buyer"),
        &["2025-04-10T22:00:00Z winback send email winback sent"],
    );
    // late_buyer: purchase 2025-01-10T23:30Z (Jan 11 00:30 CET);
    // + 90 d = 2025-04-10T23:30Z.
    //   tick 2025-04-10T22:00Z: t − 90 d = 2025-01-10T22:00Z < 23:30Z → in → no.
    //   tick 2025-04-11T22:00Z (Apr 12 00:00 CEST): t − 90 d = 2025-01-11T22:00Z → out → fires.
    same(
        sim.sends("late_buyer"),
        &["2025-04-11T22:00:00Z winback send email winback sent"],
    );
}

// ------------------------------------------- condition rules and event rules

/// A condition rule fires at the first instant its condition holds and
/// never again; an event rule fires once per matching event.
#[test]
fn condition_rules_fire_once_on_entry_and_event_rules_once_per_event() {
    let rules = "
        stages Subscriber
        email welcome, promo
        rule opener: when opened any email then add 1 point
        rule per_open: on opened email then add 10 points
        rule per_welcome_open: on opened email welcome then add 100 points
    ";
    let events = "contact_id,type,at,email
c1,email.opened,2025-01-02T08:00:00Z,welcome
c1,email.opened,2025-01-05T08:00:00Z,promo
c1,email.opened,2025-01-09T08:00:00Z,welcome
twice,email.opened,2025-01-03T08:00:00Z,promo
twice,email.opened,2025-01-03T08:00:00Z,promo
";
    let sim = simulate(
        rules,
        "id\nc1\ntwice\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-02-01T00:00:00Z",
    );
    // `opener` holds from the first open on and fires only then.
    same(sim.fired_at("c1", "opener"), &["2025-01-02T08:00:00Z"]);
    // `per_open` fires for each of the three opens, `per_welcome_open` for
    // the two opens of `welcome`.
    same(
        sim.fired_at("c1", "per_open"),
        &[
            "2025-01-02T08:00:00Z",
            "2025-01-05T08:00:00Z",
            "2025-01-09T08:00:00Z",
        ],
    );
    same(
        sim.fired_at("c1", "per_welcome_open"),
        &["2025-01-02T08:00:00Z", "2025-01-09T08:00:00Z"],
    );
    // 1 + 3 × 10 + 2 × 100
    assert_eq!(sim.final_points("c1"), 231);
    // Two identical events at one instant are two events: the event rule
    // fires for each, the condition rule once (at the first).
    same(
        sim.fired_at("twice", "per_open"),
        &["2025-01-03T08:00:00Z", "2025-01-03T08:00:00Z"],
    );
    same(sim.fired_at("twice", "opener"), &["2025-01-03T08:00:00Z"]);
    assert_eq!(sim.final_points("twice"), 21);
}

/// `repeat every 10 days`: fires again only once 10 days have passed since
/// it last fired AND the condition holds at that later instant.
#[test]
fn repeat_every_fires_again_after_the_period_when_the_condition_holds_again() {
    let rules = "
        stages Subscriber
        page pricing = \"/pricing*\"
        rule nudge:
          when visited pricing in last 3 days
          then add 1 point
          repeat every 10 days
    ";
    // Visits (UTC, 12:00): Jan 1, Jan 5, Jan 12, Jan 14, Jan 30.
    let events = "contact_id,type,at,url
c1,page.visited,2025-01-01T12:00:00Z,/pricing
c1,page.visited,2025-01-05T12:00:00Z,/pricing
c1,page.visited,2025-01-12T12:00:00Z,/pricing
c1,page.visited,2025-01-14T12:00:00Z,/pricing
c1,page.visited,2025-01-30T12:00:00Z,/pricing
";
    let sim = simulate(
        rules,
        "id\nc1\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-02-15T00:00:00Z",
    );
    // Jan 1 12:00 visit: fires; may fire again from Jan 11 12:00.
    // Jan 5 12:00 visit: holds, but only 4 days passed → no.
    // Jan 11 12:00 … Jan 12 00:00 tick: eligible, but the last visit
    //   (Jan 5 12:00) is not in (Jan 9 00:00, Jan 12 00:00] → no.
    // Jan 12 12:00 visit: eligible and holds → fires; again from Jan 22 12:00.
    // Jan 14 12:00 visit: too early. Ticks Jan 23 … Jan 30: no visit in
    //   the last 3 days → no.
    // Jan 30 12:00 visit: fires.
    same(
        sim.fired_at("c1", "nudge"),
        &[
            "2025-01-01T12:00:00Z",
            "2025-01-12T12:00:00Z",
            "2025-01-30T12:00:00Z",
        ],
    );
    assert_eq!(sim.final_points("c1"), 3);
}

/// A condition that stays true refires at the first evaluation instant at
/// which exactly D has passed ("once D has passed" includes D itself).
#[test]
fn repeat_every_with_a_condition_that_stays_true_fires_every_period() {
    let rules = "
        stages Subscriber, Customer
        rule check_in:
          when stage is Customer
          then add 1 point
          repeat every 10 days
    ";
    let sim = simulate(
        rules,
        "id,stage\nc1,Customer\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-02-05T00:00:00Z",
    );
    // Daily ticks at 00:00Z; fires at the first tick (= from) and then at
    // every tick exactly 10 days later.
    same(
        sim.fired_at("c1", "check_in"),
        &[
            "2025-01-01T00:00:00Z",
            "2025-01-11T00:00:00Z",
            "2025-01-21T00:00:00Z",
            "2025-01-31T00:00:00Z",
        ],
    );
}

// ------------------------------------------------------ order within an instant

/// Rules run in file order and each sees what the earlier ones did.
#[test]
fn rules_run_in_file_order_and_see_the_effects_of_earlier_rules() {
    let rules = "
        stages Subscriber, Lead, MQL
        page pricing = \"/pricing*\"
        rule score: on visited pricing then add 10 points
        rule tag_ten: when points >= 10 then add tag \"ten\"
        rule to_lead: when has tag \"ten\" then move to Lead
        rule lead_bonus: when stage is Lead then add 5 points
        rule to_mql: when points >= 15 then move to MQL
    ";
    let sim = simulate(
        rules,
        "id,stage\nc1,Subscriber\n",
        "contact_id,type,at,url\nc1,page.visited,2025-01-03T09:00:00Z,/pricing\n",
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    // One pass at 09:00: points 10 → tag → Lead → +5 = 15 → MQL.
    same(
        sim.actions("c1"),
        &[
            "2025-01-03T09:00:00Z score add points 10 done",
            "2025-01-03T09:00:00Z tag_ten add tag ten done",
            "2025-01-03T09:00:00Z to_lead move to Lead done",
            "2025-01-03T09:00:00Z lead_bonus add points 5 done",
            "2025-01-03T09:00:00Z to_mql move to MQL done",
        ],
    );
    same(
        sim.transitions("c1"),
        &[
            "2025-01-03T09:00:00Z Subscriber -> Lead (to_lead)",
            "2025-01-03T09:00:00Z Lead -> MQL (to_mql)",
        ],
    );
    assert_eq!(sim.final_points("c1"), 15);
}

/// A rule earlier in the file whose condition becomes true because of a
/// later rule fires in the next pass, at the same instant.
#[test]
fn an_earlier_rule_enabled_by_a_later_one_fires_in_the_next_pass() {
    let rules = "
        stages Subscriber, Lead
        rule welcome_lead: when stage is Lead then add tag \"lead\"
        rule promote: when points >= 10 then move to Lead
    ";
    let sim = simulate(
        rules,
        "id,stage,points\nc1,Subscriber,10\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-03T00:00:00Z",
    );
    // Pass 1 at the first tick: welcome_lead (Subscriber) no; promote yes.
    // Pass 2: welcome_lead yes — same instant.
    same(
        sim.actions("c1"),
        &[
            "2025-01-01T00:00:00Z promote move to Lead done",
            "2025-01-01T00:00:00Z welcome_lead add tag lead done",
        ],
    );
}

/// Two rules that keep enabling each other: each fires at most once per
/// instant, so every instant ends.
#[test]
fn rules_that_enable_each_other_fire_once_per_instant_and_end() {
    let rules = "
        stages Subscriber
        rule ping:
          when not has tag \"a\"
          then add tag \"a\", remove tag \"b\", add 1 point
          repeat every 1 hour
        rule pong:
          when has tag \"a\"
          then remove tag \"a\", add tag \"b\", add 100 points
          repeat every 1 hour
    ";
    let sim = simulate(
        rules,
        "id\nc1\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-03T00:00:00Z",
    );
    // Ticks Jan 1, 2, 3 at 00:00Z. At each: ping (no tag a) fires, pong
    // (tag a) fires and removes a, which enables ping again — but ping has
    // fired at this instant already. 3 instants × (1 + 100) points.
    same(
        sim.fired_at("c1", "ping"),
        &[
            "2025-01-01T00:00:00Z",
            "2025-01-02T00:00:00Z",
            "2025-01-03T00:00:00Z",
        ],
    );
    assert_eq!(sim.fired("c1", "pong"), 3);
    assert_eq!(sim.final_points("c1"), 303);
}

/// Priority runs first; equal priorities keep file order. Two rules moving
/// to different stages at one instant: the higher priority wins, the other
/// move is skipped as not forward.
#[test]
fn higher_priority_rules_run_first() {
    let rules = "
        stages Subscriber, Lead, MQL
        rule to_lead: when points >= 0 then move to Lead
        rule to_mql priority 10: when points >= 0 then move to MQL
        rule tag_first: when points >= 0 then add tag \"first\"
    ";
    let sim = simulate(
        rules,
        "id,stage\nc1,Subscriber\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-02T00:00:00Z",
    );
    same(
        sim.actions("c1"),
        &[
            "2025-01-01T00:00:00Z to_mql move to MQL done",
            "2025-01-01T00:00:00Z to_lead move to Lead skipped (stage already reached or passed)",
            "2025-01-01T00:00:00Z tag_first add tag first done",
        ],
    );
    assert_eq!(sim.final_stage("c1"), Some("MQL"));
}

/// Section 4: "`check` warns about such pairs where it can see them": the
/// `conflicting-stage-moves` lint, run as users run it (`nurture check`,
/// which parses, checks and lints), at the second of the two moves.
#[test]
fn check_warns_about_rules_that_move_to_different_stages_at_one_instant() {
    let dir = common::scratch("semantics-conflicting-moves");
    std::fs::write(
        dir.join("test.nurture"),
        "stages Subscriber, Lead, MQL
form demo
rule a: on submitted form demo then move to Lead
rule b: on submitted form demo then move to MQL
",
    )
    .unwrap();
    let run = common::nurture_in(&dir, &["check", "--format", "json", "test.nurture"]);
    assert_eq!(run.code(), Some(0), "warnings only: {}", run.stderr);
    let report = run.json();
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(0), Some(1))
    );
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "conflicting-stage-moves");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(37))
    );
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("`a`") && message.contains("`b`"),
        "{message}"
    );
}

// ------------------------------------------------------------ stages forward

#[test]
fn stages_move_forward_only_and_back_only_with_move_back() {
    let rules = "
        stages Subscriber, Lead, MQL, SQL
        form demo, reset, restart
        rule up: on submitted form demo then move to SQL
        rule lower: on submitted form demo then move to Lead
        rule same_stage: on submitted form demo then move to SQL
        rule back: on submitted form reset then move back to Lead
        rule back_up: on submitted form reset then move back to MQL
        rule back_same: on submitted form reset then move back to Lead
        rule forward_again: on submitted form restart then move to MQL
    ";
    let events = "contact_id,type,at,form
c1,form.submitted,2025-01-02T10:00:00Z,demo
c1,form.submitted,2025-01-03T10:00:00Z,reset
c1,form.submitted,2025-01-04T10:00:00Z,restart
";
    let sim = simulate(
        rules,
        "id,stage\nc1,Subscriber\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    same(
        sim.actions("c1"),
        &[
            "2025-01-02T10:00:00Z up move to SQL done",
            "2025-01-02T10:00:00Z lower move to Lead skipped (stage already reached or passed)",
            "2025-01-02T10:00:00Z same_stage move to SQL skipped (stage already reached or passed)",
            "2025-01-03T10:00:00Z back move back to Lead done",
            "2025-01-03T10:00:00Z back_up move back to MQL skipped (move back to a stage that is not lower)",
            "2025-01-03T10:00:00Z back_same move back to Lead skipped (move back to a stage that is not lower)",
            "2025-01-04T10:00:00Z forward_again move to MQL done",
        ],
    );
    // Seconds in the previous stage are known only from the first move on
    // (the contacts file has no created_at): 1 day SQL, 1 day Lead.
    same(
        sim.transitions("c1"),
        &[
            "2025-01-02T10:00:00Z Subscriber -> SQL (up)",
            "2025-01-03T10:00:00Z SQL -> Lead (back)",
            "2025-01-04T10:00:00Z Lead -> MQL (forward_again)",
        ],
    );
    let secs: Vec<Option<i64>> = sim
        .outcome("c1")
        .transitions
        .iter()
        .map(|tr| tr.seconds_in_from)
        .collect();
    assert_eq!(secs, vec![None, Some(DAY), Some(DAY)]);
}

// -------------------------------------------------------------------- waits

/// Steps after `wait 7 days` run 7 days later unless `exit when` holds;
/// `unless` skips one step; `since` counts from when the rule fired.
#[test]
fn waits_resume_later_unless_the_exit_condition_holds() {
    let rules = "
        stages Subscriber, MQL, SQL
        email first, second, third
        form demo
        rule drip:
          when stage is MQL
          then send email first,
               wait 7 days,
               send email second unless opened any email since,
               wait 7 days,
               send email third
          exit when stage >= SQL
        rule demo: on submitted form demo then move to SQL
    ";
    let contacts = "id,stage\nquiet,MQL\nconverts,MQL\nopens,MQL\nopened_before,MQL\n";
    let events = "contact_id,type,at,email,form
converts,form.submitted,2025-01-10T12:00:00Z,,demo
opens,email.opened,2025-01-03T08:00:00Z,first,
opened_before,email.opened,2024-12-30T08:00:00Z,old,
";
    let sim = simulate(
        rules,
        contacts,
        events,
        "2025-01-01T00:00:00Z",
        "2025-02-01T00:00:00Z",
    );
    // quiet: fires at the first tick; +7 d; +7 d.
    same(
        sim.sends("quiet"),
        &[
            "2025-01-01T00:00:00Z drip send email first sent",
            "2025-01-08T00:00:00Z drip send email second sent",
            "2025-01-15T00:00:00Z drip send email third sent",
        ],
    );
    same(
        sim.sequence_story("quiet"),
        &[
            "2025-01-01T00:00:00Z drip waits until 2025-01-08T00:00:00Z",
            "2025-01-08T00:00:00Z drip resumed",
            "2025-01-08T00:00:00Z drip waits until 2025-01-15T00:00:00Z",
            "2025-01-15T00:00:00Z drip resumed",
        ],
    );
    // converts: SQL on Jan 10, so at the Jan 15 resume `exit when` holds.
    same(
        sim.actions("converts"),
        &[
            "2025-01-01T00:00:00Z drip send email first sent",
            "2025-01-08T00:00:00Z drip send email second sent",
            "2025-01-10T12:00:00Z demo move to SQL done",
        ],
    );
    same(
        sim.sequence_story("converts"),
        &[
            "2025-01-01T00:00:00Z drip waits until 2025-01-08T00:00:00Z",
            "2025-01-08T00:00:00Z drip resumed",
            "2025-01-08T00:00:00Z drip waits until 2025-01-15T00:00:00Z",
            "2025-01-15T00:00:00Z drip exited",
        ],
    );
    assert_eq!(sim.outcome("converts").pending_sequences, 0);
    // opens: an open on Jan 3 is after the rule fired (Jan 1), so `second`
    // is skipped by its `unless`; only that step: `third` still goes.
    same(
        sim.sends("opens"),
        &[
            "2025-01-01T00:00:00Z drip send email first sent",
            "2025-01-08T00:00:00Z drip send email second skipped (unless condition held)",
            "2025-01-15T00:00:00Z drip send email third sent",
        ],
    );
    // opened_before: the open (Dec 30) is before the rule fired, so `since`
    // does not count it.
    same(
        sim.sends("opened_before"),
        &[
            "2025-01-01T00:00:00Z drip send email first sent",
            "2025-01-08T00:00:00Z drip send email second sent",
            "2025-01-15T00:00:00Z drip send email third sent",
        ],
    );
}

/// A sequence still waiting when the run ends is counted as pending; its
/// later steps are not run.
#[test]
fn a_wait_past_the_end_of_the_run_leaves_the_sequence_pending() {
    let rules = "
        stages Subscriber, MQL
        email first, second
        rule drip: when stage is MQL then send email first, wait 7 days, send email second
    ";
    let sim = simulate(
        rules,
        "id,stage\nc1,MQL\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-07T23:59:59Z",
    );
    same(
        sim.sends("c1"),
        &["2025-01-01T00:00:00Z drip send email first sent"],
    );
    assert_eq!(sim.outcome("c1").pending_sequences, 1);
    // A resume exactly at `to` still runs.
    let sim = simulate(
        rules,
        "id,stage\nc1,MQL\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-08T00:00:00Z",
    );
    assert_eq!(sim.sends("c1").len(), 2);
    assert_eq!(sim.outcome("c1").pending_sequences, 0);
}

/// A wait inside a branch resumes inside the branch, and the sequence then
/// goes on with the steps after `end`.
#[test]
fn waits_inside_branches_resume_and_continue_with_the_outer_steps() {
    let rules = "
        stages Subscriber, MQL
        email vip_a, vip_b, gold, std_a, wrap_up
        rule onboarding:
          when stage is MQL
          then if has tag \"vip\" then
                 send email vip_a,
                 wait 2 days,
                 if has tag \"gold\" then send email gold, wait 1 day end,
                 send email vip_b
               else
                 send email std_a
               end,
               wait 1 day,
               send email wrap_up
    ";
    let contacts = "id,stage,tags\ngold,MQL,vip;gold\nvip,MQL,vip\nstd,MQL,\n";
    let sim = simulate(
        rules,
        contacts,
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-20T00:00:00Z",
    );
    // gold: Jan 1 vip_a; +2 d Jan 3 gold; +1 d Jan 4 vip_b; +1 d Jan 5 after.
    same(
        sim.sends("gold"),
        &[
            "2025-01-01T00:00:00Z onboarding send email vip_a sent",
            "2025-01-03T00:00:00Z onboarding send email gold sent",
            "2025-01-04T00:00:00Z onboarding send email vip_b sent",
            "2025-01-05T00:00:00Z onboarding send email wrap_up sent",
        ],
    );
    // vip: Jan 1 vip_a; Jan 3 (no gold) vip_b; +1 d Jan 4 after.
    same(
        sim.sends("vip"),
        &[
            "2025-01-01T00:00:00Z onboarding send email vip_a sent",
            "2025-01-03T00:00:00Z onboarding send email vip_b sent",
            "2025-01-04T00:00:00Z onboarding send email wrap_up sent",
        ],
    );
    // std: Jan 1 std_a; +1 d Jan 2 after.
    same(
        sim.sends("std"),
        &[
            "2025-01-01T00:00:00Z onboarding send email std_a sent",
            "2025-01-02T00:00:00Z onboarding send email wrap_up sent",
        ],
    );
    for id in ["gold", "vip", "std"] {
        assert_eq!(sim.outcome(id).pending_sequences, 0, "{id}");
    }
}

/// `stop` inside a branch ends the whole sequence, including the outer
/// steps after `end`.
#[test]
fn stop_ends_the_whole_sequence() {
    let rules = "
        stages Subscriber, MQL
        email a, b
        rule seq:
          when stage is MQL
          then send email a,
               wait 1 day,
               if has tag \"done\" then stop end,
               send email b
    ";
    let sim = simulate(
        rules,
        "id,stage,tags\nstops,MQL,done\ngoes,MQL,\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    same(
        sim.sends("stops"),
        &["2025-01-01T00:00:00Z seq send email a sent"],
    );
    same(
        sim.sequence_story("stops"),
        &[
            "2025-01-01T00:00:00Z seq waits until 2025-01-02T00:00:00Z",
            "2025-01-02T00:00:00Z seq resumed",
            "2025-01-02T00:00:00Z seq stopped",
        ],
    );
    same(
        sim.sends("goes"),
        &[
            "2025-01-01T00:00:00Z seq send email a sent",
            "2025-01-02T00:00:00Z seq send email b sent",
        ],
    );
}

// -------------------------------------------------------------- quiet hours

/// Quiet hours 21:00–08:00 Europe/Warsaw delay a send to 08:00 local.
#[test]
fn quiet_hours_delay_sends_to_their_end_in_the_campaign_time_zone() {
    let rules = "
        stages Subscriber
        campaign \"q\" {
          timezone \"Europe/Warsaw\"
          quiet hours 21:00 to 08:00
        }
        email hello
        form f
        rule greet: on submitted form f then send email hello
    ";
    let contacts = "id\nwinter\nsummer\nat_start\nat_end\nbefore_end\ndst\nautumn\n";
    let events = "contact_id,type,at,form
winter,form.submitted,2025-01-15T21:30:00Z,f
summer,form.submitted,2025-07-15T20:30:00Z,f
at_start,form.submitted,2025-01-20T20:00:00Z,f
at_end,form.submitted,2025-01-22T07:00:00Z,f
before_end,form.submitted,2025-01-22T06:59:00Z,f
dst,form.submitted,2025-03-29T21:30:00Z,f
autumn,form.submitted,2025-10-25T20:30:00Z,f
";
    let sim = simulate(
        rules,
        contacts,
        events,
        "2025-01-01T00:00:00Z",
        "2025-11-01T00:00:00Z",
    );
    // 21:30Z in January = 22:30 CET (UTC+1) → 08:00 CET next day = 07:00Z.
    same(
        sim.sends("winter"),
        &["2025-01-15T21:30:00Z greet send email hello delayed (quiet hours) until 2025-01-16T07:00:00Z"],
    );
    // 20:30Z in July = 22:30 CEST (UTC+2) → 08:00 CEST = 06:00Z.
    same(
        sim.sends("summer"),
        &["2025-07-15T20:30:00Z greet send email hello delayed (quiet hours) until 2025-07-16T06:00:00Z"],
    );
    // 21:00 local exactly is quiet.
    same(
        sim.sends("at_start"),
        &["2025-01-20T20:00:00Z greet send email hello delayed (quiet hours) until 2025-01-21T07:00:00Z"],
    );
    // 08:00 local exactly is not quiet; 07:59 is.
    same(
        sim.sends("at_end"),
        &["2025-01-22T07:00:00Z greet send email hello sent"],
    );
    same(
        sim.sends("before_end"),
        &["2025-01-22T06:59:00Z greet send email hello delayed (quiet hours) until 2025-01-22T07:00:00Z"],
    );
    // 22:30 CET on Sat Mar 29; the clocks go forward that night, so 08:00
    // on Sunday Mar 30 is CEST = 06:00Z (9½ h later, not 10½).
    same(
        sim.sends("dst"),
        &["2025-03-29T21:30:00Z greet send email hello delayed (quiet hours) until 2025-03-30T06:00:00Z"],
    );
    // 22:30 CEST on Sat Oct 25; the clocks go back that night, so 08:00 on
    // Sunday Oct 26 is CET = 07:00Z (10½ h later).
    same(
        sim.sends("autumn"),
        &["2025-10-25T20:30:00Z greet send email hello delayed (quiet hours) until 2025-10-26T07:00:00Z"],
    );
}

// ----------------------------------------------------------- frequency caps

const CAP_RULES: &str = "
    stages Subscriber
    campaign \"c\" { at most 1 email per 2 days }
    email one, two, three
    form f1, f2, f3
    rule r1: on submitted form f1 then send email one
    rule r2: on submitted form f2 then send email two
    rule r3: on submitted form f3 then send email three
";

/// `at most 1 email per 2 days` delays the second e-mail to exactly two
/// days after the first, and a third to two days after the second.
#[test]
fn a_frequency_cap_delays_to_exactly_the_period_after_the_last_send() {
    let events = "contact_id,type,at,form
c1,form.submitted,2025-01-01T10:00:00Z,f1
c1,form.submitted,2025-01-02T09:00:00Z,f2
c1,form.submitted,2025-01-02T12:00:00Z,f3
";
    let sim = simulate(
        CAP_RULES,
        "id\nc1\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    // one: Jan 1 10:00. two: decided Jan 2 09:00, the window (Dec 31 09:00,
    // Jan 2 09:00] holds `one` → Jan 1 10:00 + 2 d = Jan 3 10:00. three:
    // Jan 3 10:00 is taken by `two` → Jan 5 10:00.
    same(
        sim.sends("c1"),
        &[
            "2025-01-01T10:00:00Z r1 send email one sent",
            "2025-01-02T09:00:00Z r2 send email two delayed (frequency cap) until 2025-01-03T10:00:00Z",
            "2025-01-02T12:00:00Z r3 send email three delayed (frequency cap) until 2025-01-05T10:00:00Z",
        ],
    );
}

/// `… then drop`: the second e-mail is dropped, not delayed; a dropped
/// e-mail was never sent, so a later send of it goes out.
#[test]
fn a_frequency_cap_with_drop_drops_the_send() {
    let rules = CAP_RULES.replace("per 2 days }", "per 2 days then drop }");
    let events = "contact_id,type,at,form
c1,form.submitted,2025-01-01T10:00:00Z,f1
c1,form.submitted,2025-01-02T09:00:00Z,f2
c1,form.submitted,2025-01-03T10:00:00Z,f2
";
    let sim = simulate(
        &rules,
        "id\nc1\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    // Jan 3 10:00: the window (Jan 1 10:00, Jan 3 10:00] is empty → sent.
    same(
        sim.sends("c1"),
        &[
            "2025-01-01T10:00:00Z r1 send email one sent",
            "2025-01-02T09:00:00Z r2 send email two dropped (frequency cap)",
            "2025-01-03T10:00:00Z r2 send email two sent",
        ],
    );
    let dropped = &sim.outcome("c1").actions[1];
    assert_eq!(dropped.deliver_at, None);
}

/// Many e-mails decided at once under `at most 1 email per 1 day`: the k-th
/// must go out k − 1 days after the first, never two on one day.
#[test]
fn a_frequency_cap_holds_for_many_sends_at_one_instant() {
    let names: Vec<String> = (1..=18).map(|i| format!("e{i}")).collect();
    let steps: Vec<String> = names.iter().map(|n| format!("send email {n}")).collect();
    let rules = format!(
        "stages Subscriber
         campaign \"c\" {{ at most 1 email per 1 day }}
         email {}
         rule blast: when stage is Subscriber then {}",
        names.join(", "),
        steps.join(", ")
    );
    let sim = simulate(
        &rules,
        "id,stage\nc1,Subscriber\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-02T00:00:00Z",
    );
    let delivered: Vec<Instant> = sim
        .outcome("c1")
        .actions
        .iter()
        .filter_map(|a| a.deliver_at)
        .collect();
    let expected: Vec<Instant> = (0..18)
        .map(|k| t("2025-01-01T00:00:00Z") + k * DAY)
        .collect();
    assert_eq!(
        delivered.iter().map(|&i| rfc3339(i)).collect::<Vec<_>>(),
        expected.iter().map(|&i| rfc3339(i)).collect::<Vec<_>>()
    );
}

// ---------------------------------------------------- consent and once-only

#[test]
fn unsubscribed_and_do_not_contact_contacts_get_no_sends() {
    let rules = "
        stages Subscriber
        email news, direct
        form gdpr, optout
        rule newsletter: on visited any page then send email news again
        rule forget: on submitted form gdpr then mark do not contact
        rule opt_out: on submitted form optout then unsubscribe, send email direct
    ";
    let contacts = "id\nunsub\ndnc\nself\n";
    let events = "contact_id,type,at,url,form
unsub,page.visited,2025-01-01T10:00:00Z,/a,
unsub,unsubscribed,2025-01-02T10:00:00Z,,
unsub,page.visited,2025-01-03T10:00:00Z,/a,
dnc,page.visited,2025-01-01T10:00:00Z,/a,
dnc,form.submitted,2025-01-02T10:00:00Z,,gdpr
dnc,page.visited,2025-01-03T10:00:00Z,/a,
self,form.submitted,2025-01-02T10:00:00Z,,optout
";
    let sim = simulate(
        rules,
        contacts,
        events,
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    same(
        sim.actions("unsub"),
        &[
            "2025-01-01T10:00:00Z newsletter send email news sent",
            "2025-01-03T10:00:00Z newsletter send email news suppressed (contact unsubscribed)",
        ],
    );
    same(
        sim.actions("dnc"),
        &[
            "2025-01-01T10:00:00Z newsletter send email news sent",
            "2025-01-02T10:00:00Z forget mark do not contact done",
            "2025-01-03T10:00:00Z newsletter send email news suppressed (contact is do-not-contact)",
        ],
    );
    // `unsubscribe` takes effect for the very next step of the same rule.
    same(
        sim.actions("self"),
        &[
            "2025-01-02T10:00:00Z opt_out unsubscribe done",
            "2025-01-02T10:00:00Z opt_out send email direct suppressed (contact unsubscribed)",
        ],
    );
}

/// A send delayed by quiet hours must not go out if the contact
/// unsubscribes before the delivery instant.
#[test]
fn a_delayed_send_does_not_go_out_after_an_unsubscribe() {
    let rules = "
        stages Subscriber
        campaign \"q\" { timezone \"Europe/Warsaw\" quiet hours 21:00 to 08:00 }
        email hello
        form f
        rule greet: on submitted form f then send email hello
    ";
    // 21:30Z = 22:30 CET → delayed to 07:00Z; unsubscribed at 06:00Z (07:00 CET).
    let events = "contact_id,type,at,form
c1,form.submitted,2025-01-15T21:30:00Z,f
c1,unsubscribed,2025-01-16T06:00:00Z,
";
    let sim = simulate(
        rules,
        "id\nc1\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-01-20T00:00:00Z",
    );
    let unsubscribed_at = t("2025-01-16T06:00:00Z");
    let late: Vec<String> = sim
        .outcome("c1")
        .actions
        .iter()
        .filter(|a| a.deliver_at.is_some_and(|d| d >= unsubscribed_at))
        .map(|a| format!("{a:?}"))
        .collect();
    assert!(
        late.is_empty(),
        "sends delivered after the unsubscribe: {late:?}"
    );
}

/// An e-mail goes to a contact at most once unless the step says `again`.
#[test]
fn an_email_goes_at_most_once_unless_again() {
    let rules = "
        stages Subscriber
        email hello
        rule on_visit: on visited any page then send email hello
        rule on_form: on submitted any form then send email hello again
    ";
    let events = "contact_id,type,at,url,form
c1,page.visited,2025-01-01T10:00:00Z,/a,
c1,page.visited,2025-01-02T10:00:00Z,/a,
c1,form.submitted,2025-01-03T10:00:00Z,,f
c1,page.visited,2025-01-04T10:00:00Z,/a,
";
    let sim = simulate(
        rules,
        "id\nc1\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    same(
        sim.sends("c1"),
        &[
            "2025-01-01T10:00:00Z on_visit send email hello sent",
            "2025-01-02T10:00:00Z on_visit send email hello suppressed (already sent to this contact)",
            "2025-01-03T10:00:00Z on_form send email hello sent",
            "2025-01-04T10:00:00Z on_visit send email hello suppressed (already sent to this contact)",
        ],
    );
}

/// The data already shows `hello` sent to the contact (an `email.sent`
/// event before the run); the rules see it (`received email hello` holds),
/// so sending it again would be a second time.
#[test]
fn an_email_already_sent_in_the_data_is_not_sent_again() {
    let rules = "
        stages Subscriber
        email hello
        form f
        rule greet: on submitted form f then send email hello
    ";
    let events = "contact_id,type,at,email,form
c1,email.sent,2024-12-20T10:00:00Z,hello,
c1,form.submitted,2025-01-02T10:00:00Z,,f
";
    let sim = simulate(
        rules,
        "id\nc1\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    same(
        sim.sends("c1"),
        &["2025-01-02T10:00:00Z greet send email hello suppressed (already sent to this contact)"],
    );
}

/// An `email.sent` in the data one hour before a rule's send counts
/// towards `at most 1 email per 2 days`.
#[test]
fn frequency_caps_count_sends_in_the_data() {
    let rules = "
        stages Subscriber
        campaign \"c\" { at most 1 email per 2 days }
        email hello
        form f
        rule greet: on submitted form f then send email hello
    ";
    let events = "contact_id,type,at,email,form
c1,email.sent,2025-01-02T09:00:00Z,other,
c1,form.submitted,2025-01-02T10:00:00Z,,f
";
    let sim = simulate(
        rules,
        "id\nc1\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    same(
        sim.sends("c1"),
        &["2025-01-02T10:00:00Z greet send email hello delayed (frequency cap) until 2025-01-04T09:00:00Z"],
    );
}

// ------------------------------------------------------ correlated clauses

/// `opened email welcome 5 times` counts opens of that one e-mail;
/// `opened 5 emails` counts opens of any; `opened 5 different emails`
/// counts distinct e-mails.
#[test]
fn behaviour_counts_match_the_same_events() {
    let rules = "
        stages Subscriber
        email welcome, promo
        rule welcome5: when opened email welcome 5 times then add tag \"w\"
        rule any5: when opened 5 emails then add tag \"a\"
        rule distinct5: when opened 5 different emails then add tag \"d\"
        rule distinct2: when opened 2 different emails then add tag \"d2\"
    ";
    let mut events = String::from("contact_id,type,at,email\n");
    // same: welcome opened 5 times, Jan 1..5 at 10:00.
    for day in 1..=5 {
        events.push_str(&format!(
            "same,email.opened,2025-01-0{day}T10:00:00Z,welcome\n"
        ));
    }
    // mixed: welcome ×3 (Jan 1–3), promo ×2 (Jan 4–5).
    for (day, email) in [
        (1, "welcome"),
        (2, "welcome"),
        (3, "welcome"),
        (4, "promo"),
        (5, "promo"),
    ] {
        events.push_str(&format!(
            "mixed,email.opened,2025-01-0{day}T10:00:00Z,{email}\n"
        ));
    }
    // five: five different e-mails (the data may name e-mails the rules do
    // not declare), Jan 1..5.
    for day in 1..=5 {
        events.push_str(&format!(
            "five,email.opened,2025-01-0{day}T10:00:00Z,news{day}\n"
        ));
    }
    let sim = simulate(
        rules,
        "id\nsame\nmixed\nfive\n",
        &events,
        "2025-01-01T00:00:00Z",
        "2025-01-10T00:00:00Z",
    );
    same(sim.fired_at("same", "welcome5"), &["2025-01-05T10:00:00Z"]);
    same(sim.fired_at("same", "any5"), &["2025-01-05T10:00:00Z"]);
    same(sim.fired_at("same", "distinct5"), &[]);
    same(sim.fired_at("same", "distinct2"), &[]);

    same(sim.fired_at("mixed", "welcome5"), &[]);
    same(sim.fired_at("mixed", "any5"), &["2025-01-05T10:00:00Z"]);
    same(sim.fired_at("mixed", "distinct5"), &[]);
    same(
        sim.fired_at("mixed", "distinct2"),
        &["2025-01-04T10:00:00Z"],
    );

    same(sim.fired_at("five", "welcome5"), &[]);
    same(sim.fired_at("five", "any5"), &["2025-01-05T10:00:00Z"]);
    same(sim.fired_at("five", "distinct5"), &["2025-01-05T10:00:00Z"]);
    same(sim.fired_at("five", "distinct2"), &["2025-01-02T10:00:00Z"]);
}

/// `purchased 2 times where amount > 100 in last 30 days` counts purchases
/// that are over 100 AND in the window, together.
#[test]
fn a_where_filter_and_a_window_describe_the_same_events() {
    let rules = "
        stages Subscriber
        email promo, welcome
        rule big_buyer:
          when purchased 2 times where amount > 100 in last 30 days
          then add tag \"big\"
        rule pricing_click:
          when clicked email promo where url contains \"pricing\"
          then add tag \"pc\"
        rule big_order: on purchase where amount > 100 then add 1 point
    ";
    // split: 150 on Jan 1 (big, old by Feb 10), 50 on Jan 20 (recent,
    //   small), 200 on Feb 10. At Feb 10 12:00 the window is (Jan 11 12:00,
    //   Feb 10 12:00]: two purchases in it, two over 100 overall, but only
    //   ONE both → never fires.
    // both: 150 on Jan 15 and 200 on Feb 10, both big and in the window →
    //   fires at the Feb 10 purchase.
    // Clicks: `mixed_clicks` clicked promo on /blog and welcome on /pricing
    //   → no single click is a promo click on pricing → never fires.
    let events = "contact_id,type,at,amount,email,url
split,purchase,2025-01-01T12:00:00Z,150,,
split,purchase,2025-01-20T12:00:00Z,50,,
split,purchase,2025-02-10T12:00:00Z,200,,
both,purchase,2025-01-15T12:00:00Z,150,,
both,purchase,2025-02-10T12:00:00Z,200,,
mixed_clicks,email.clicked,2025-01-05T12:00:00Z,,promo,/blog/x
mixed_clicks,email.clicked,2025-01-06T12:00:00Z,,welcome,/pricing
promo_pricing,email.clicked,2025-01-06T12:00:00Z,,promo,/pricing?utm=1
";
    let sim = simulate(
        rules,
        "id\nsplit\nboth\nmixed_clicks\npromo_pricing\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-03-01T00:00:00Z",
    );
    same(sim.fired_at("split", "big_buyer"), &[]);
    same(sim.fired_at("both", "big_buyer"), &["2025-02-10T12:00:00Z"]);
    same(sim.fired_at("mixed_clicks", "pricing_click"), &[]);
    same(
        sim.fired_at("promo_pricing", "pricing_click"),
        &["2025-01-06T12:00:00Z"],
    );
    // Event rules with `where`: once per matching event only.
    same(
        sim.fired_at("split", "big_order"),
        &["2025-01-01T12:00:00Z", "2025-02-10T12:00:00Z"],
    );
    assert_eq!(sim.final_points("split"), 2);
}

// --------------------------------------------------------------- aggregates

#[test]
fn aggregates_over_purchases_with_windows() {
    let rules = "
        stages Subscriber
        rule total60: when total purchase amount in last 60 days >= 400 then add tag \"t\"
        rule avg_all: when average purchase amount > 150 then add tag \"a\"
        rule min_all: when min purchase amount < 60 then add tag \"m\"
        rule max30: when max purchase amount in last 30 days >= 300 then add tag \"x\"
        rule max30_low: when purchased and max purchase amount in last 30 days < 100 then add tag \"xl\"
        rule lapsed: when last purchase more than 90 days ago then add tag \"l\"
        rule first_old: when first purchase before 2025-01-11 then add tag \"f\"
        rule last_amount: when last purchase amount = 50 then add tag \"la\"
    ";
    // Purchases (UTC 12:00): Jan 10 100, Feb 10 300, Mar 1 50.
    let events = "contact_id,type,at,amount
c1,purchase,2025-01-10T12:00:00Z,100
c1,purchase,2025-02-10T12:00:00Z,300
c1,purchase,2025-03-01T12:00:00Z,50
";
    let sim = simulate(
        rules,
        "id\nc1\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-07-01T00:00:00Z",
    );
    // total in (Dec 12, Feb 10 12:00]: 100 + 300 = 400 at the Feb 10 purchase.
    same(sim.fired_at("c1", "total60"), &["2025-02-10T12:00:00Z"]);
    // average: 100 (Jan 10), then (100 + 300) / 2 = 200 > 150 on Feb 10.
    same(sim.fired_at("c1", "avg_all"), &["2025-02-10T12:00:00Z"]);
    // min: 100, 100, then 50 < 60 on Mar 1.
    same(sim.fired_at("c1", "min_all"), &["2025-03-01T12:00:00Z"]);
    // max in last 30 days: 300 from Feb 10.
    same(sim.fired_at("c1", "max30"), &["2025-02-10T12:00:00Z"]);
    // max in last 30 days < 100: at Mar 1 12:00 the window is (Jan 30 12:00,
    //   Mar 1 12:00] → max(300, 50) = 300. The 300 drops out at t with
    //   t − 30 d ≥ Feb 10 12:00, i.e. t ≥ Mar 12 12:00 → tick Mar 13 00:00:
    //   max(50) = 50 < 100 → fires.
    same(sim.fired_at("c1", "max30_low"), &["2025-03-13T00:00:00Z"]);
    // last purchase Mar 1 12:00; "more than 90 days ago" = strictly before
    //   t − 90 d ⇔ t > May 30 12:00 → first tick May 31 00:00.
    same(sim.fired_at("c1", "lapsed"), &["2025-05-31T00:00:00Z"]);
    // first purchase Jan 10 12:00 < 2025-01-11 00:00 (UTC campaign).
    same(sim.fired_at("c1", "first_old"), &["2025-01-10T12:00:00Z"]);
    // last purchase amount: 100, 300, then 50 on Mar 1.
    same(sim.fired_at("c1", "last_amount"), &["2025-03-01T12:00:00Z"]);
}

/// The total of no events is 0; the average (min, max, last) of no events
/// is unset, and an unset value passes only `is not set`.
#[test]
fn aggregates_of_nothing() {
    let rules = "
        stages Subscriber
        rule total_zero: when total purchase amount in last 7 days = 0 then add tag \"t\"
        rule avg_unset: when average purchase amount in last 7 days is not set then add tag \"u\"
        rule avg_low: when average purchase amount in last 7 days < 1000 then add tag \"a\"
        rule avg_not_low: when not (average purchase amount in last 7 days < 1000) then add tag \"n\"
        rule last_unset: when last purchase is not set then add tag \"ls\"
        rule last_old: when last purchase more than 1 day ago then add tag \"lo\"
    ";
    let sim = simulate(
        rules,
        "id\nnobody\n",
        "contact_id,type,at,amount\n",
        "2025-01-01T00:00:00Z",
        "2025-01-05T00:00:00Z",
    );
    same(
        sim.fired_at("nobody", "total_zero"),
        &["2025-01-01T00:00:00Z"],
    );
    same(
        sim.fired_at("nobody", "avg_unset"),
        &["2025-01-01T00:00:00Z"],
    );
    same(sim.fired_at("nobody", "avg_low"), &[]);
    // `not (unset < 1000)` is true: the comparison with nothing is false.
    same(
        sim.fired_at("nobody", "avg_not_low"),
        &["2025-01-01T00:00:00Z"],
    );
    same(
        sim.fired_at("nobody", "last_unset"),
        &["2025-01-01T00:00:00Z"],
    );
    same(sim.fired_at("nobody", "last_old"), &[]);
}

// ------------------------------------------------------------ time-zone edges

const WARSAW: &str = "campaign \"tz\" { timezone \"Europe/Warsaw\" }";

/// Ticks are at 00:00 Warsaw on the DST days too, so day-of-week and
/// birthday rules fire on the right local day.
#[test]
fn calendar_conditions_use_the_local_day_across_dst_changes() {
    let rules = format!(
        "stages Subscriber
         {WARSAW}
         field birthday: date
         rule sunday: when today is sunday then add 1 point repeat every 1 day
         rule birthday: when birthday is today then add tag \"bday\" repeat every 2 days
    "
    );
    let contacts = "id,birthday\nspring,1990-03-30\nautumn,1985-10-26\n";
    let sim = simulate(
        &rules,
        contacts,
        "contact_id,type,at\n",
        "2025-03-27T00:00:00+01:00",
        "2025-11-01T00:00:00+01:00",
    );
    let sundays = sim.fired_at("spring", "sunday");
    // Sun Mar 30 00:00 CET = Mar 29 23:00Z (the change is at 02:00 local);
    // Sun Apr 6 00:00 CEST = Apr 5 22:00Z; Sun Oct 26 00:00 CEST = Oct 25 22:00Z
    // (clocks go back at 03:00 that night); Sun Oct 19 00:00 CEST = Oct 18 22:00Z.
    assert_eq!(sundays[0], "2025-03-29T23:00:00Z");
    assert_eq!(sundays[1], "2025-04-05T22:00:00Z");
    assert!(sundays.contains(&"2025-10-18T22:00:00Z".to_string()));
    assert_eq!(
        sundays.last().map(String::as_str),
        Some("2025-10-25T22:00:00Z")
    );
    // Every Sunday from Mar 30 to Oct 26: 31 of them.
    assert_eq!(sundays.len(), 31);
    same(
        sim.fired_at("spring", "birthday"),
        &["2025-03-29T23:00:00Z"],
    );
    same(
        sim.fired_at("autumn", "birthday"),
        &["2025-10-25T22:00:00Z"],
    );
}

/// An event just after local midnight is on the local day, not the UTC day.
#[test]
fn today_at_an_event_is_the_local_day() {
    let rules = format!(
        "stages Subscriber
         {WARSAW}
         rule sunday_visit: on visited any page then add 1 point
         rule sunday: when visited any page and today is sunday then add tag \"s\"
    "
    );
    // 2025-03-29T23:30Z = Sun Mar 30 00:30 CET (UTC says Saturday).
    let sim = simulate(
        &rules,
        "id\nc1\nc2\n",
        "contact_id,type,at,url\nc1,page.visited,2025-03-29T23:30:00Z,/a\nc2,page.visited,2025-03-29T22:30:00Z,/a\n",
        "2025-03-27T00:00:00+01:00",
        "2025-03-30T12:00:00+02:00",
    );
    same(sim.fired_at("c1", "sunday"), &["2025-03-29T23:30:00Z"]);
    // c2 visited at 23:30 CET Saturday; the next tick is Sunday 00:00 CET.
    same(sim.fired_at("c2", "sunday"), &["2025-03-29T23:00:00Z"]);
}

/// `wait until 09:00` on a DST day lands at 09:00 local.
#[test]
fn wait_until_a_time_of_day_lands_on_local_time_on_dst_days() {
    let rules = format!(
        "stages Subscriber
         {WARSAW}
         email morning
         rule nine: when today is sunday then wait until 09:00, send email morning again repeat every 2 days
    "
    );
    let sim = simulate(
        &rules,
        "id\nc1\n",
        "contact_id,type,at\n",
        "2025-03-29T00:00:00+01:00",
        "2025-11-01T00:00:00+01:00",
    );
    let sends = sim.sends("c1");
    // Sun Mar 30: fired 00:00 CET (23:00Z), 09:00 CEST = 07:00Z.
    assert_eq!(
        sends[0],
        "2025-03-30T07:00:00Z nine send email morning sent"
    );
    // Sun Apr 6: 09:00 CEST = 07:00Z.
    assert_eq!(
        sends[1],
        "2025-04-06T07:00:00Z nine send email morning sent"
    );
    // Sun Oct 26: fired 00:00 CEST (Oct 25 22:00Z), 09:00 CET = 08:00Z.
    assert_eq!(
        sends.last().map(String::as_str),
        Some("2025-10-26T08:00:00Z nine send email morning sent")
    );
    same(
        sim.sequence_story("c1").into_iter().take(2).collect(),
        &[
            "2025-03-29T23:00:00Z nine waits until 2025-03-30T07:00:00Z",
            "2025-03-30T07:00:00Z nine resumed",
        ],
    );
}

/// A bare date in the data means 00:00 in the campaign time zone.
#[test]
fn a_bare_date_in_the_data_is_local_midnight() {
    let rules = format!(
        "stages Subscriber
         {WARSAW}
         rule bought: on purchase then add 1 point
    "
    );
    let events = "contact_id,type,at,amount
c1,purchase,2025-03-30,10
c1,purchase,2025-07-01,10
c1,purchase,2025-10-26,10
";
    let sim = simulate(
        &rules,
        "id\nc1\n",
        events,
        "2025-03-01T00:00:00+01:00",
        "2025-11-01T00:00:00+01:00",
    );
    // 00:00 CET = 23:00Z the day before (also on Mar 30: the change is at 02:00);
    // 00:00 CEST = 22:00Z the day before (also on Oct 26: the change is at 03:00).
    same(
        sim.fired_at("c1", "bought"),
        &[
            "2025-03-29T23:00:00Z",
            "2025-06-30T22:00:00Z",
            "2025-10-25T22:00:00Z",
        ],
    );
}

/// `repeat every 1 day` on daily rules: the spring DST day has 23 hours,
/// so the next local midnight comes 23 h after the previous one.
#[test]
fn repeat_every_day_fires_every_local_day_across_dst() {
    let rules = format!(
        "stages Subscriber
         {WARSAW}
         rule daily: when points >= 0 then add 1 point repeat every 1 day
    "
    );
    let sim = simulate(
        &rules,
        "id\nc1\n",
        "contact_id,type,at\n",
        "2025-03-29T00:00:00+01:00",
        "2025-04-01T00:00:00+02:00",
    );
    // Local midnights Mar 29, 30 (CET), Mar 31, Apr 1 (CEST).
    same(
        sim.fired_at("c1", "daily"),
        &[
            "2025-03-28T23:00:00Z",
            "2025-03-29T23:00:00Z",
            "2025-03-30T22:00:00Z",
            "2025-03-31T22:00:00Z",
        ],
    );
}

// -------------------------------------------------------------- points decay

#[test]
fn points_decay_by_a_percentage_per_period() {
    let rules = "
        stages Subscriber
        decay points by 10% every 30 days
        rule cooled: when points < 85 then add tag \"cool\"
    ";
    let sim = simulate(
        rules,
        "id,points\nc1,100\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-04-05T00:00:00Z",
    );
    // Periods count from the start of the run (Jan 1 00:00Z):
    // Jan 31 (30 d): 100 → 90; Mar 2 (60 d): 90 → 81; Apr 1 (90 d): 10%
    // of 81 is 8.1, rounded down to 8 taken → 73 (language.md section 5).
    same(
        sim.decays("c1"),
        &[
            "2025-01-31T00:00:00Z 100 -> 90",
            "2025-03-02T00:00:00Z 90 -> 81",
            "2025-04-01T00:00:00Z 81 -> 73",
        ],
    );
    // The rule sees decayed points at the same tick.
    same(sim.fired_at("c1", "cooled"), &["2025-03-02T00:00:00Z"]);
    assert_eq!(sim.final_points("c1"), 73);
}

#[test]
fn points_decay_by_an_amount_per_period_and_stop_at_zero() {
    let rules = "
        stages Subscriber
        decay points by 5 every 7 days
        page pricing = \"/pricing*\"
        rule score: on visited pricing then add 10 points
    ";
    let sim = simulate(
        rules,
        "id,points\nc1,12\nneg,-4\n",
        "contact_id,type,at,url\nc1,page.visited,2025-01-25T10:00:00Z,/pricing\n",
        "2025-01-01T00:00:00Z",
        "2025-02-05T00:00:00Z",
    );
    // Jan 8: 12 → 7; Jan 15: 7 → 2; Jan 22: 2 → 0 (not negative); Jan 25
    // +10 → 10; Jan 29: 10 → 5; Feb 5: 5 → 0.
    same(
        sim.decays("c1"),
        &[
            "2025-01-08T00:00:00Z 12 -> 7",
            "2025-01-15T00:00:00Z 7 -> 2",
            "2025-01-22T00:00:00Z 2 -> 0",
            "2025-01-29T00:00:00Z 10 -> 5",
            "2025-02-05T00:00:00Z 5 -> 0",
        ],
    );
    assert_eq!(sim.final_points("c1"), 0);
    // Negative points do not decay.
    same(sim.decays("neg"), &[]);
    assert_eq!(sim.final_points("neg"), -4);
}

/// Decay of a large point balance must not overflow (the product brief, section 7:
/// no panic on any data file).
#[test]
fn points_decay_does_not_overflow_on_large_balances() {
    let rules = "
        stages Subscriber
        decay points by 10% every 1 day
    ";
    let sim = simulate(
        rules,
        "id,points\nc1,9000000000000000000\n",
        "contact_id,type,at\n",
        "2025-01-01T00:00:00Z",
        "2025-01-02T00:00:00Z",
    );
    same(
        sim.decays("c1"),
        &["2025-01-02T00:00:00Z 9000000000000000000 -> 8100000000000000000"],
    );
}

// ---------------------------------------------------------------- segments

#[test]
fn segments_may_use_segments_and_rules_may_use_segments() {
    let rules = "
        stages Subscriber, Lead
        segment openers = opened 2 emails in last 30 days
        segment clickers = clicked any email
        segment engaged = in segment openers and in segment clickers
        rule engaged_lead: when in segment engaged then move to Lead
        rule not_engaged: when clicked any email and not in segment engaged then add tag \"cold\"
    ";
    let events = "contact_id,type,at,email
hot,email.opened,2025-01-02T10:00:00Z,a
hot,email.clicked,2025-01-03T10:00:00Z,a
hot,email.opened,2025-01-05T10:00:00Z,b
cold,email.opened,2025-01-02T10:00:00Z,a
cold,email.opened,2025-01-05T10:00:00Z,b
cold,email.clicked,2025-02-10T10:00:00Z,b
";
    let sim = simulate(
        rules,
        "id,stage\nhot,Subscriber\ncold,Subscriber\n",
        events,
        "2025-01-01T00:00:00Z",
        "2025-03-01T00:00:00Z",
    );
    // hot: second open on Jan 5 completes `openers`; it had clicked on Jan 3.
    same(
        sim.transitions("hot"),
        &["2025-01-05T10:00:00Z Subscriber -> Lead (engaged_lead)"],
    );
    // hot was not engaged at its click on Jan 3 (one open only).
    same(
        sim.fired_at("hot", "not_engaged"),
        &["2025-01-03T10:00:00Z"],
    );
    // cold: by the click on Feb 10 the opens (Jan 2, Jan 5) are out of
    // (Jan 11, Feb 10] → not engaged.
    same(sim.transitions("cold"), &[]);
    same(
        sim.fired_at("cold", "not_engaged"),
        &["2025-02-10T10:00:00Z"],
    );
}

#[test]
fn segments_may_not_use_each_other_in_a_cycle() {
    let checked = check_source(
        Path::new("test.nurture"),
        "test.nurture",
        "stages Subscriber
         segment a = in segment b
         segment b = in segment a
         rule r: when in segment a then add tag \"x\""
            .to_string(),
    );
    assert!(checked.program.is_none());
    assert!(checked
        .diagnostics
        .iter()
        .any(|d| d.code == nurture::diagnostics::codes::SEGMENT_CYCLE));
}

// --------------------------------------------------------- `--from` history

/// Events before `from` are visible to windows and counts but fire nothing;
/// an event exactly at `from` is part of the run.
#[test]
fn history_before_from_is_visible_but_fires_no_rules() {
    let rules = "
        stages Subscriber
        email news
        rule per_open: on opened email then add 1 point
        rule two_opens: when opened 2 emails in last 30 days then add tag \"two\"
        rule three_opens: when opened 3 emails in last 30 days then add tag \"three\"
        rule mailer: on visited any page then send email news
    ";
    let events = "contact_id,type,at,email,url
c1,email.opened,2025-01-20T10:00:00Z,a,
c1,email.opened,2025-01-25T10:00:00Z,b,
c1,email.opened,2025-02-03T10:00:00Z,c,
at_from,email.opened,2025-02-01T00:00:00Z,a,
gone,unsubscribed,2025-01-15T10:00:00Z,,
gone,page.visited,2025-02-02T10:00:00Z,,/x
";
    let sim = simulate(
        rules,
        "id\nc1\nat_from\ngone\n",
        events,
        "2025-02-01T00:00:00Z",
        "2025-02-10T00:00:00Z",
    );
    // The two January opens fire no `per_open`; the Feb 3 one does.
    same(sim.fired_at("c1", "per_open"), &["2025-02-03T10:00:00Z"]);
    assert_eq!(sim.final_points("c1"), 1);
    // `two_opens` already holds from history: it fires at the first
    // evaluation instant of the run, the Feb 1 00:00 tick.
    same(sim.fired_at("c1", "two_opens"), &["2025-02-01T00:00:00Z"]);
    // The Feb 3 open makes three in (Jan 4, Feb 3].
    same(sim.fired_at("c1", "three_opens"), &["2025-02-03T10:00:00Z"]);
    // An event at `from` exactly is in the run.
    same(
        sim.fired_at("at_from", "per_open"),
        &["2025-02-01T00:00:00Z"],
    );
    // History still changes state: an unsubscribe before `from` holds.
    same(
        sim.sends("gone"),
        &["2025-02-02T10:00:00Z mailer send email news suppressed (contact unsubscribed)"],
    );
}

// ------------------------------------------- caps and quiet hours, randomly

mod outbox_properties {
    use super::*;
    use nurture::base::vocab::{CapPolicy, Channel};
    use nurture::eval::ContactState;
    use nurture::ir::{FrequencyCap, QuietHours, Settings};
    use nurture::sim::sends::Outbox;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn state() -> ContactState {
        ContactState {
            stage: None,
            points: 0,
            tags: BTreeSet::new(),
            lists: BTreeSet::new(),
            fields: Vec::new(),
            unsubscribed: false,
            do_not_contact: false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Whatever the order and spacing of sends: no delivery before its
        /// decision, none in quiet hours, and never more than `limit`
        /// deliveries in any window (d − per, d].
        #[test]
        fn delayed_sends_respect_the_cap_and_quiet_hours(
            limit in 1u32..=3,
            per_hours in prop::sample::select(vec![1i64, 6, 24, 48]),
            quiet in prop::option::of((0u32..24, 0u32..24)),
            warsaw in any::<bool>(),
            gaps_minutes in prop::collection::vec(
                prop::sample::select(vec![0i64, 1, 30, 60, 240, 720, 1440, 2880]),
                1..=8,
            ),
        ) {
            let mut settings = Settings::default();
            if warsaw {
                settings.timezone = chrono_tz::Europe::Warsaw;
            }
            let quiet = quiet
                .filter(|(from, to)| from != to)
                .map(|(from, to)| QuietHours { from_minute: from * 60, to_minute: to * 60 });
            settings.quiet_hours = quiet;
            let per = per_hours * HOUR_SECONDS;
            settings.caps.push(FrequencyCap {
                channel: Channel::Email,
                limit,
                per_seconds: per,
                policy: CapPolicy::Delay,
            });
            let mut outbox = Outbox::default();
            // Around the spring DST change in Warsaw.
            let mut now = t("2025-03-28T18:00:00Z");
            let mut deliveries = Vec::new();
            for (message, gap) in gaps_minutes.iter().enumerate() {
                now += gap * 60;
                let decision = outbox.decide(&settings, &state(), Channel::Email, nurture::ir::MessageId::new(message), false, now);
                let at = decision.deliver_at.expect("delay policy always delivers");
                prop_assert!(at >= now);
                if let Some(quiet) = quiet {
                    prop_assert!(!quiet.contains(at, settings.timezone), "delivered in quiet hours at {}", rfc3339(at));
                }
                deliveries.push(at);
            }
            for &d in &deliveries {
                let in_window = deliveries.iter().filter(|&&x| x > d - per && x <= d).count();
                prop_assert!(
                    in_window <= limit as usize,
                    "{in_window} deliveries in the {per_hours} h up to {}: {:?}",
                    rfc3339(d),
                    deliveries.iter().map(|&x| rfc3339(x)).collect::<Vec<_>>()
                );
            }
        }
    }

    const HOUR_SECONDS: i64 = 3_600;
}
