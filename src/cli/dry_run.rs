//! What `simulate` and `explain` share: loading the rules and the data,
//! and working out the period to run.

use super::paths::display;
use super::EXIT_USAGE;
use crate::base::number::counted;
use crate::base::value::Instant;
use crate::check::{values, Checked};
use crate::data::{self, Dataset, LoadError, LoadOptions, Mapping, Schema};
use crate::diagnostics::{render, SourceMap};
use crate::driver;
use crate::ir::Program;
use crate::report::{DataCounts, RowCounts};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

/// The data flags both commands take.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Contacts: CSV with a header, a JSON array or JSON lines; `-` reads
    /// standard input [default: derived from the events, one contact per contact_id]
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    /// Events: CSV, JSON lines or a JSON array (gzip-compressed files are read
    /// too); `-` reads standard input (not together with `--contacts -`)
    // Required, but optional for `segments` (which turns `required` off).
    #[arg(long, required = true)]
    pub events: Option<PathBuf>,
    /// A column mapping for real exports (see docs/data.md)
    #[arg(long = "map", value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Go on past bad rows, counting them, instead of stopping
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// The longest record (CSV row, JSON line or array element) read, in bytes;
    /// K, M and G mean KiB, MiB and GiB
    #[arg(long, value_name = "SIZE", default_value = "1M", value_parser = parse_size)]
    pub max_record_size: u64,
    /// The most bytes a gzip file may inflate to, or standard input may give;
    /// K, M and G mean KiB, MiB and GiB
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_inflated_size: u64,
}

/// The run flags `simulate` and `diff` take: the period, the tick and the
/// run limits.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Start of the run: a date (00:00 campaign time) or RFC 3339 [default: first event]
    #[arg(long)]
    pub from: Option<String>,
    /// End of the run: a date (through the end of that day) or RFC 3339 [default: last event]
    #[arg(long)]
    pub to: Option<String>,
    /// How often time-based conditions are re-evaluated: a duration as in the rules, e.g. `1 day`, `6 hours`
    #[arg(long, default_value = "1 day")]
    pub tick: String,
    /// The most evaluation ticks the period may hold (E0801 beyond it)
    #[arg(long, value_name = "N", default_value_t = crate::sim::run::DEFAULT_MAX_TICKS)]
    pub max_ticks: u64,
    /// The most rule firings, and the most actions, one contact may have in the run (E0802 beyond it)
    #[arg(long, value_name = "N", default_value_t = crate::sim::DEFAULT_MAX_RECORDS)]
    pub max_actions_per_contact: u64,
}

impl RunArgs {
    /// The run period (`--from`, `--to`, else the span of the events), or
    /// the error printed and exit 2.
    pub fn period(&self, dataset: &Dataset, tz: chrono_tz::Tz) -> Result<(Instant, Instant), Exit> {
        period(dataset, self.from.as_deref(), self.to.as_deref(), tz)
            .map_err(|e| Exit(super::usage_error(&e)))
    }

    pub fn limits(&self) -> crate::sim::limits::Limits {
        crate::sim::limits::Limits {
            max_ticks: self.max_ticks,
            max_records: self.max_actions_per_contact,
        }
    }
}

/// A size in bytes: `1048576`, or a whole number with `K`, `M` or `G`
/// (powers of 1024; `KiB`, `MiB`, `GiB` and a `B` are accepted too).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (amount, unit) = text.split_at(digits);
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size such as `1048576`, `64K` or `2G`"
            ))
        }
    };
    let amount: u64 = amount
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as `1048576`, `64K` or `2G`"))?;
    match amount.checked_mul(scale) {
        Some(bytes) if bytes > 0 => Ok(bytes),
        Some(_) => Err("a size must be more than 0 bytes".to_string()),
        None => Err(format!("`{text}` is too large")),
    }
}

/// A failure that ends the command with its exit code (messages already printed).
pub struct Exit(pub i32);

/// Checks the rules file; on errors prints the diagnostics and exits 2,
/// since a dry run cannot run rules that do not check. The sources come
/// back too, so explanations can quote the rules.
pub fn load_program(path: &Path) -> Result<(Program, SourceMap), Exit> {
    let name = display(path);
    match driver::check_file(path, &name) {
        Ok(checked) => program_of(checked, &name),
        Err(error) => {
            errln!("error: {error}");
            Err(Exit(EXIT_USAGE))
        }
    }
}

/// The program of a check, or its errors printed and exit 2.
pub fn program_of(checked: Checked, name: &str) -> Result<(Program, SourceMap), Exit> {
    match checked.program {
        Some(program) => Ok((program, checked.sources)),
        None => {
            let color = super::output::color_stderr();
            let errors = checked.errors();
            super::output::error_text(&render::human(&checked.sources, &errors, color));
            errln!(
                "error: `{name}` has {}; fix them (see `nurture check {name}`) before a dry run",
                counted(errors.len() as u64, "error", "errors")
            );
            Err(Exit(EXIT_USAGE))
        }
    }
}

/// Loads contacts and events, printing every bad row; bad rows end the
/// run with exit 2 unless `--skip-bad-rows`.
///
/// The dataset is never freed: every command exits right after using it,
/// and handing ten million events back to the allocator one at a time
/// took about a second on one core at the end of a large run.
pub fn load_data(program: &Program, args: &DataArgs) -> Result<ManuallyDrop<Dataset>, Exit> {
    load_data_for(&Schema::from(program), args)
}

/// [`load_data`] for a schema.
pub fn load_data_for(schema: &Schema, args: &DataArgs) -> Result<ManuallyDrop<Dataset>, Exit> {
    let mapping = match &args.mapping {
        Some(path) => Some(Mapping::from_file(path).map_err(|e| {
            errln!("error: {e}");
            Exit(EXIT_USAGE)
        })?),
        None => None,
    };
    let options = LoadOptions {
        skip_bad_rows: args.skip_bad_rows,
        mapping,
        limits: data::Limits {
            max_record: args.max_record_size,
            max_inflated: args.max_inflated_size,
        },
    };
    let loaded = match (&args.events, &args.contacts) {
        (Some(events), contacts) => data::load_paths(schema, contacts.as_deref(), events, &options),
        (None, Some(contacts)) => data::load_contacts_only(schema, contacts, &options),
        (None, None) => {
            errln!("error: give --contacts, --events or both");
            return Err(Exit(EXIT_USAGE));
        }
    };
    match loaded {
        Ok(dataset) => {
            print_problems(&dataset.report, "warning");
            Ok(ManuallyDrop::new(dataset))
        }
        Err(LoadError::BadRows(report)) => {
            print_problems(&report, "error");
            errln!(
                "error: {}; nothing was run. Fix them, or rerun with --skip-bad-rows to leave them out",
                counted(report.problem_count, "bad row", "bad rows")
            );
            Err(Exit(EXIT_USAGE))
        }
        Err(error) => {
            errln!("error: {error}");
            Err(Exit(EXIT_USAGE))
        }
    }
}

fn print_problems(report: &data::LoadReport, level: &str) {
    for problem in &report.problems {
        errln!("{level}: {problem}");
    }
    let unshown = report
        .problem_count
        .saturating_sub(report.problems.len() as u64);
    if unshown > 0 {
        errln!(
            "{level}: … and {}",
            counted(unshown, "more bad row", "more bad rows")
        );
    }
    for note in &report.notes {
        noteln!("note: {note}");
    }
    let unshown = report.note_count.saturating_sub(report.notes.len() as u64);
    if unshown > 0 {
        noteln!(
            "note: … and {} like these",
            counted(unshown, "more note", "more notes")
        );
    }
    // Each skip reason is a line too, and a mapping may have many: the
    // same cap as notes, then one line for the rest.
    let cap = data::MAX_STORED_NOTES;
    for skipped in report.skipped.iter().take(cap) {
        noteln!(
            "note: {}: {} left out by the mapping: {}",
            skipped.file,
            counted(skipped.count, "row", "rows"),
            skipped.reason
        );
    }
    if let Some(rest) = report.skipped.get(cap..).filter(|r| !r.is_empty()) {
        let rows: u64 = rest.iter().map(|s| s.count).sum();
        noteln!(
            "note: … and {} left out by the mapping for {}",
            counted(rows, "more row", "more rows"),
            counted(rest.len() as u64, "more reason", "more reasons")
        );
    }
}

pub fn data_counts(report: &data::LoadReport) -> DataCounts {
    let counts = |c: data::RowCounts| RowCounts {
        read: c.read,
        used: c.used,
        rejected: c.rejected,
    };
    DataCounts {
        contacts: counts(report.contacts),
        events: counts(report.events),
    }
}

/// `2025-01-01` (00:00 campaign time; as an end, the end of that day) or
/// RFC 3339.
pub fn parse_instant(text: &str, tz: chrono_tz::Tz, end_of_day: bool) -> Result<Instant, String> {
    if let Ok(date) = values::parse_date(text) {
        let start = values::start_of_day(date, tz);
        if end_of_day {
            let next = date.succ_opt().map(|d| values::start_of_day(d, tz));
            return Ok(next.map_or(start + 86_399, |n| n - 1));
        }
        return Ok(start);
    }
    values::parse_datetime(text).map_err(|_| {
        format!("`{text}` is not a date (2025-01-31) or a date and time (2025-01-31T09:00:00Z)")
    })
}

/// A `--tick` length, written as a duration in the rules is (`1 day`,
/// `6 hours`) and read by the rules' own reader, so a form the rules
/// refuse (`6h`) is refused here with the same words and fix.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let duration = crate::syntax::parse_duration_text(text).map_err(|error| {
        let help = error
            .help
            .map(|h| format!("\n  help: {h}"))
            .unwrap_or_default();
        format!("--tick: {} ({}){help}", error.message, error.code)
    })?;
    crate::check::values::positive_seconds(&duration).map_err(|why| {
        format!(
            "--tick: `{}`: {why} ({})",
            text.trim(),
            crate::diagnostics::codes::BAD_DURATION
        )
    })
}

/// The run period: the flags where given, else the span of the events.
pub fn period(
    dataset: &Dataset,
    from: Option<&str>,
    to: Option<&str>,
    tz: chrono_tz::Tz,
) -> Result<(Instant, Instant), String> {
    let first = dataset.events.iter().map(|e| e.at).min();
    let last = dataset.events.iter().map(|e| e.at).max();
    let from = match from {
        Some(text) => parse_instant(text, tz, false)?,
        None => first.ok_or("there are no events to take the period from; give --from and --to")?,
    };
    let to = match to {
        Some(text) => parse_instant(text, tz, true)?,
        None => last.ok_or("there are no events to take the period from; give --from and --to")?,
    };
    if to < from {
        return Err(format!(
            "the period ends ({}) before it starts ({})",
            crate::base::time::local(to, tz),
            crate::base::time::local(from, tz)
        ));
    }
    Ok((from, to))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_as_in_the_rules() {
        assert_eq!(parse_duration("1 day").unwrap(), 86_400);
        assert_eq!(parse_duration("6 hours").unwrap(), 21_600);
        assert_eq!(parse_duration("2 weeks").unwrap(), 14 * 86_400);
        assert!(parse_duration("6h")
            .unwrap_err()
            .contains("write `6 hours`"));
        assert!(parse_duration("0 days").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("99999999999999999999 days").is_err());
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        assert_eq!(parse_size("64K").unwrap(), 64 << 10);
        assert_eq!(parse_size("1M").unwrap(), 1 << 20);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("3 mb").unwrap(), 3 << 20);
        assert!(parse_size("0").is_err());
        assert!(parse_size("1T").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn a_bare_end_date_covers_the_whole_day() {
        let tz = chrono_tz::UTC;
        assert_eq!(parse_instant("1970-01-01", tz, false).unwrap(), 0);
        assert_eq!(parse_instant("1970-01-01", tz, true).unwrap(), 86_399);
        assert!(parse_instant("yesterday", tz, false).is_err());
    }
}
