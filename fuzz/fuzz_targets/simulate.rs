//! Fuzzes the simulator (`nurture::sim`): the fixed program of
//! `fuzz/programs/simulate.nurture` (waits, sends, caps, quiet hours,
//! points, decay, segments, repeats, exits) over fuzzed events, with the
//! contacts derived from them, through the data loader as `simulate` does.
//!
//! Input layout: the events file (CSV, JSON or JSON lines, sniffed). The
//! run covers a fixed quarter with a daily tick, so the time a run takes is
//! bounded by the input, not by dates the fuzzer writes.
//!
//! Asserts: no panic; every contact is counted once in the funnel at the
//! start and at the end; rule and segment tallies have one entry per rule
//! and segment and never count more contacts than there are; the human and
//! JSON reports and the outbox lines render (one line per action).

#![no_main]

#[path = "../common/program.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use nurture::data::Contact;
use nurture::data::{self, Format, Input, LoadOptions, Schema};
use nurture::ir::Program;
use nurture::report::{self, DataCounts, RowCounts};
use nurture::sim::run::{self, OutcomeSink, Population, RunConfig};
use nurture::sim::ContactOutcome;

/// Renders every action as `--outbox` would, and counts the contacts.
struct Outbox<'p> {
    program: &'p Program,
    contacts: usize,
}

impl OutcomeSink for Outbox<'_> {
    fn contact(&mut self, index: usize, contact: &Contact, outcome: &ContactOutcome) {
        assert_eq!(index, self.contacts, "contacts reach the sink in order");
        self.contacts += 1;
        for record in &outcome.actions {
            let line = report::outbox::line(self.program, &contact.id, record);
            assert!(!line.contains('\n'), "an outbox record is one line: {line}");
        }
    }
}

/// 2025-01-01T00:00:00Z and 2025-04-01T00:00:00Z.
const FROM: i64 = 1_735_689_600;
const TO: i64 = 1_743_465_600;

fuzz_target!(|data: &[u8]| {
    let program = common::program();
    let schema = Schema::of_program(program);
    let options = LoadOptions {
        skip_bad_rows: true,
        ..LoadOptions::default()
    };
    let events = Input::from_bytes("events", Format::Auto, data);
    let Ok(dataset) = data::load_inputs(&schema, None, events, &options) else {
        return;
    };
    let config = RunConfig {
        from: FROM,
        to: TO,
        tick_seconds: 86_400,
        by_field: None,
    };
    let population = Population {
        contacts: &dataset.contacts,
        events: &dataset.events,
        ranges: &dataset.contact_event_ranges,
    };
    let mut outbox = Outbox {
        program,
        contacts: 0,
    };
    let summary = run::run(program, &population, &config, &mut outbox, &mut |_| {});
    assert_eq!(outbox.contacts, dataset.contacts.len());
    let contacts = dataset.contacts.len() as u64;
    let funnel = &summary.funnel;
    assert_eq!(funnel.contacts, contacts);
    assert_eq!(funnel.stages.len(), program.stages.len());
    let at_start: u64 = funnel.stages.iter().map(|s| s.at_start).sum();
    let at_end: u64 = funnel.stages.iter().map(|s| s.at_end).sum();
    assert_eq!(at_start + funnel.no_stage_at_start, contacts);
    assert_eq!(at_end + funnel.no_stage_at_end, contacts);
    for stage in &funnel.stages {
        assert!(stage.entered <= contacts && stage.reached <= contacts);
    }
    assert_eq!(summary.rules.len(), program.rules.len());
    assert!(summary
        .rules
        .iter()
        .all(|&(fired, for_contacts)| for_contacts <= contacts && for_contacts <= fired));
    assert_eq!(summary.segments_at_end.len(), program.segments.len());
    assert!(summary.segments_at_end.iter().all(|&n| n <= contacts));
    let counts = |c: data::RowCounts| RowCounts {
        read: c.read,
        used: c.used,
        rejected: c.rejected,
    };
    let data_counts = DataCounts {
        contacts: counts(dataset.report.contacts),
        events: counts(dataset.report.events),
    };
    let _ = report::human::summary(program, &summary, &data_counts, None);
    let _ = report::json::summary(program, &summary, &data_counts, None);
});
