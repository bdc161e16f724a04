//! `nurture generate`: synthetic contacts and events.

use super::dry_run::Exit;
use super::{output, usage_error, EXIT_OK};
use crate::generate::{generate_to_dir, GenerateOptions};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// How many contacts to generate
    #[arg(long)]
    contacts: u64,
    /// Directory to write contacts.csv and events.csv into (created if missing)
    #[arg(long)]
    out: PathBuf,
    /// Seed: the same seed gives the same files
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// First day of the period (a date)
    #[arg(long, default_value = "2025-01-01")]
    start: String,
    /// Length of the period in days
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// How busy contacts are: the default 10 gives about 10 events per
    /// contact over 365 days. Not proportional: every contact has a few
    /// sign-up events whatever the value (5 gives about 8, 20 about 15, 80
    /// about 40), and shorter periods give fewer
    #[arg(long, default_value_t = 10.0)]
    events_per_contact: f64,
}

pub fn run(args: &GenerateArgs) -> i32 {
    let start = match crate::check::values::parse_date(&args.start) {
        Ok(date) => crate::base::time::start_of_day(date, chrono_tz::UTC),
        Err(e) => return usage_error(&format!("--start: {e}")),
    };
    if args.days == 0 {
        return usage_error("--days must be at least 1");
    }
    if !(args.events_per_contact.is_finite() && args.events_per_contact >= 0.0) {
        return usage_error("--events-per-contact must be a number of zero or more");
    }
    let options = GenerateOptions {
        contacts: args.contacts,
        seed: args.seed,
        start,
        days: args.days,
        events_per_contact: args.events_per_contact,
    };
    match generate_to_dir(&options, &args.out) {
        Ok(summary) => {
            noteln!(
                "wrote {} contacts and {} events to {}",
                crate::base::number::thousands(summary.contacts),
                crate::base::number::thousands(summary.events),
                args.out.display()
            );
            for (event_type, count) in &summary.by_type {
                noteln!(
                    "  {event_type:<18} {}",
                    crate::base::number::thousands(*count)
                );
            }
            EXIT_OK
        }
        Err(e) => {
            let Exit(code) = output::file_failed(&format!("to {}", args.out.display()), &e);
            code
        }
    }
}
