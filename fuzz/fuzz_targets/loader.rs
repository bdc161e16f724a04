//! Fuzzes the data loader (`nurture::data`) on arbitrary bytes: CSV, JSON
//! arrays, JSON lines, gzip, and column mappings.
//!
//! Input layout: one flag byte, then up to three parts cut at 0xFF bytes:
//! the events file, the contacts file, the mapping (JSON). Flag bits:
//! 0-1 events format and 2-3 contacts format (0 CSV, 1 JSON, else sniffed),
//! 4 contacts present, 5 mapping present, 6 events read through a file (so
//! gzip is recognised and inflated, as for `--events`), 7 skip bad rows.
//!
//! Asserts: no panic; for every outcome that carries a report, read = used +
//! rejected per file, skipped rows are rejected rows, the stored problems
//! are at most the counted ones and the per-code counts add up; a dataset's
//! events are grouped by contact in time order and point at real contacts
//! and event types; bad rows are an error unless they are skipped.

#![no_main]

#[path = "../common/program.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use nurture::data::{
    self, Format, Input, Limits, LoadError, LoadOptions, LoadReport, Mapping, Schema,
};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    // 0xFF is never part of UTF-8 text, so seeds built from real files keep
    // their text whole.
    let parts: Vec<&[u8]> = rest.split(|&b| b == 0xFF).collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or_default();
    let format = |bits: u8| match bits & 3 {
        0 => Format::Csv,
        1 => Format::Json,
        _ => Format::Auto,
    };
    let mapping = if flags & 0x20 != 0 {
        let Ok(text) = std::str::from_utf8(part(2)) else {
            return;
        };
        match Mapping::from_json(text) {
            Ok(mapping) => Some(mapping),
            Err(message) => {
                assert!(!message.is_empty());
                return;
            }
        }
    } else {
        None
    };
    let schema = Schema::from(common::program());
    let contacts =
        (flags & 0x10 != 0).then(|| Input::from_bytes("contacts", format(flags >> 2), part(1)));
    let events = if flags & 0x40 != 0 {
        // Through a real file, as `--events` opens it (gzip by magic bytes).
        let path = std::env::temp_dir().join(format!("nurture-fuzz-events-{}", std::process::id()));
        if std::fs::write(&path, part(0)).is_err() {
            return;
        }
        match Input::open(&path, limits()) {
            Ok(mut input) => {
                input.format = format(flags);
                input
            }
            Err(_) => return,
        }
    } else {
        Input::from_bytes("events", format(flags), part(0))
    };
    let options = LoadOptions {
        skip_bad_rows: flags & 0x80 != 0,
        mapping,
        limits: limits(),
    };
    match data::load_inputs(&schema, contacts, events, &options) {
        Ok(dataset) => {
            check_report(&dataset.report);
            assert!(options.skip_bad_rows || !dataset.report.has_bad_rows());
            assert_eq!(dataset.report.contact_count, dataset.contacts.len() as u64);
            assert_eq!(dataset.report.event_count, dataset.events.len() as u64);
            assert_eq!(dataset.contact_event_ranges.len(), dataset.contacts.len());
            for contact in &dataset.contacts {
                assert_eq!(contact.fields.len(), schema.fields.len());
                assert!(contact.stage.is_none_or(|s| s < schema.stages.len()));
            }
            for pair in dataset.events.windows(2) {
                assert!((pair[0].contact, pair[0].at) <= (pair[1].contact, pair[1].at));
            }
            for event in &dataset.events {
                assert!((event.contact as usize) < dataset.contacts.len());
                let ty = &schema.event_types[usize::from(event.event_type)];
                assert_eq!(event.properties.len(), ty.properties.len());
            }
            for (index, range) in dataset.contact_event_ranges.iter().enumerate() {
                assert!(dataset.events[range.clone()]
                    .iter()
                    .all(|e| e.contact as usize == index));
            }
        }
        Err(LoadError::BadRows(report)) => {
            assert!(!options.skip_bad_rows);
            assert!(report.has_bad_rows());
            check_report(&report);
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});

fn check_report(report: &LoadReport) {
    for counts in [report.contacts, report.events] {
        assert_eq!(counts.read, counts.used + counts.rejected, "{report:?}");
        assert!(counts.skipped <= counts.rejected, "{report:?}");
    }
    assert!(report.problems.len() as u64 <= report.problem_count);
    assert!(report.problems.len() <= data::MAX_STORED_PROBLEMS);
    assert_eq!(
        report.problems_by_code.values().sum::<u64>(),
        report.problem_count
    );
    let bad = report.contacts.bad() + report.events.bad();
    assert_eq!(bad, report.problem_count, "{report:?}");
}

/// Limits small enough for fuzzed inputs to reach them (a record of 4 KiB,
/// 1 MiB inflated), so the limit paths are fuzzed too.
fn limits() -> Limits {
    Limits {
        max_record: 4 << 10,
        max_inflated: 1 << 20,
    }
}
