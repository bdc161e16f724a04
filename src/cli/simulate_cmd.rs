//! `nurture simulate`: the dry run.

use super::dry_run::{self, DataArgs, Exit, RunArgs};
use super::{output, script_failures, usage_error, EXIT_USAGE};
use crate::data::{Contact, Dataset};
use crate::ir::Program;
use crate::report;
use crate::sim::limits::{Command, RunStop};
use crate::sim::run::{self, OutcomeSink, Population, RunConfig};
use crate::sim::{simulate_contact, ContactOutcome, RunPlan};
use clap::ValueEnum;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The rules file to run
    rules: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    run: RunArgs,
    #[arg(long, value_enum, default_value_t = SimulateFormat::Human)]
    format: SimulateFormat,
    /// Write every action as a JSON line to this file
    #[arg(long, value_name = "FILE")]
    outbox: Option<PathBuf>,
    /// Also show one contact's story, step by step
    #[arg(long, value_name = "CONTACT_ID")]
    timeline: Option<String>,
    /// Break the funnel down by a contact field, e.g. `channel`
    #[arg(long, value_name = "FIELD")]
    by: Option<String>,
    /// Worker threads [default: one per core]; the output is the same for any number
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SimulateFormat {
    Human,
    Json,
}

pub fn run(args: &SimulateArgs) -> i32 {
    match simulate(args) {
        Ok(code) | Err(Exit(code)) => code,
    }
}

fn simulate(args: &SimulateArgs) -> Result<i32, Exit> {
    let (program, _) = dry_run::load_program(&args.rules)?;
    let tz = program.settings.timezone;
    let tick_seconds =
        dry_run::parse_duration(&args.run.tick).map_err(|e| Exit(usage_error(&e)))?;
    let by_field = match &args.by {
        Some(name) => Some(field_index(&program, name).map_err(|e| Exit(usage_error(&e)))?),
        None => None,
    };
    let dataset = dry_run::load_data(&program, &args.data)?;
    let timeline_contact = match &args.timeline {
        Some(id) => Some(contact_index(&dataset, id).map_err(|e| Exit(usage_error(&e)))?),
        None => None,
    };
    let (from, to) = args.run.period(&dataset, tz)?;
    let config = RunConfig {
        from,
        to,
        tick_seconds,
        by_field: by_field.map(crate::ir::FieldId::new),
    };
    let limits = args.run.limits();
    // Before the outbox is created or anything runs.
    let ticks = crate::sim::calendar::plan_ticks(from, to, tick_seconds, tz, limits.max_ticks)
        .map_err(|too_many| stop(&program, &RunStop::TooManyTicks(too_many)))?;
    let population = Population::of(&dataset);
    let mut outbox = match &args.outbox {
        Some(path) => Some(OutboxWriter::create(&program, path)?),
        None => None,
    };
    let progress = progress_bar(dataset.contacts.len());
    let summary = in_pool(args.threads, || {
        let sink: &mut dyn OutcomeSink = match &mut outbox {
            Some(writer) => writer,
            None => &mut (),
        };
        run::run_limited(&program, &population, &config, limits, sink, &mut |done| {
            progress.set_position(done as u64)
        })
    })?;
    progress.finish_and_clear();
    if let Some(why) = &summary.stopped {
        return Err(stop(&program, why));
    }
    if let Some(writer) = outbox {
        writer.finish()?;
    }
    let counts = dry_run::data_counts(&dataset.report);
    let timeline = timeline_contact.and_then(|index| {
        // The same limits as the run, which this contact passed.
        let plan = RunPlan::new(&program, from, to, &ticks).with_max_records(limits.max_records);
        let contact = dataset.contacts.get(index)?;
        let events = dataset.events_of(index);
        let outcome = simulate_contact(&plan, contact, events, true);
        Some(report::timeline::render(
            &program, contact, events, &outcome,
        ))
    });
    let text = match args.format {
        SimulateFormat::Human => {
            let mut text = report::human::summary(&program, &summary, &counts, args.by.as_deref());
            if let Some(timeline) = &timeline {
                text.push('\n');
                text.push_str(timeline);
            }
            text
        }
        SimulateFormat::Json => {
            let mut json = report::json::summary(&program, &summary, &counts, args.by.as_deref());
            if let (Some(timeline), Some(object)) = (&timeline, json.as_object_mut()) {
                let lines: Vec<&str> = timeline.lines().collect();
                object.insert("timeline".into(), serde_json::json!(lines));
            }
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            )
        }
    };
    output::print(&text)?;
    // A failed script counted as false: the numbers above are not what the
    // rules mean, so the run fails, naming the failures.
    Ok(script_failures(&summary.script_errors))
}

/// Prints a run-limit error; the run exits 2 (it could not run as asked).
fn stop(program: &Program, why: &RunStop) -> Exit {
    super::output::error_text(&why.message(program, Command::Simulate).render());
    Exit(EXIT_USAGE)
}

fn field_index(program: &Program, name: &str) -> Result<usize, String> {
    program
        .fields
        .iter()
        .position(|f| f.name == name)
        .ok_or_else(|| {
            let names = program.fields.iter().map(|f| f.name.as_str());
            let hint = crate::diagnostics::did_you_mean(name, names)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            format!("--by: the rules declare no field `{name}`{hint}")
        })
}

pub(super) fn contact_index(dataset: &Dataset, id: &str) -> Result<usize, String> {
    dataset
        .contacts
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| format!("there is no contact with id `{id}` in the data"))
}

/// Runs `work` on a pool of the given size, or the global pool.
pub(super) fn in_pool<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T, Exit> {
    match threads {
        None => Ok(work()),
        Some(0) => Err(Exit(usage_error("--threads must be at least 1"))),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(work))
            .map_err(|e| Exit(usage_error(&format!("cannot start {n} threads: {e}")))),
    }
}

/// A progress bar on a terminal for long runs; hidden otherwise.
pub(super) fn progress_bar(contacts: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() || contacts < 20_000 || super::output::quiet() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(contacts as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "simulating {bar:40} {pos}/{len} contacts ({eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

struct OutboxWriter<'p> {
    program: &'p Program,
    path: String,
    out: BufWriter<File>,
    error: Option<std::io::Error>,
}

impl<'p> OutboxWriter<'p> {
    fn create(program: &'p Program, path: &std::path::Path) -> Result<Self, Exit> {
        let file = File::create(path)
            .map_err(|e| output::file_failed(&format!("the outbox `{}`", path.display()), &e))?;
        Ok(OutboxWriter {
            program,
            path: path.display().to_string(),
            out: BufWriter::new(file),
            error: None,
        })
    }

    /// Flushes the outbox. A reader that went away (an outbox that is a
    /// pipe, `--outbox /dev/stdout | head`) ends it quietly, as for standard
    /// output; any other failure is E0811.
    fn finish(mut self) -> Result<(), Exit> {
        let error = match self.error.take() {
            Some(error) => Some(error),
            None => self.out.flush().err(),
        };
        match error {
            None => Ok(()),
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Some(e) => Err(output::file_failed(
                &format!("the outbox `{}`", self.path),
                &e,
            )),
        }
    }
}

impl OutcomeSink for OutboxWriter<'_> {
    fn contact(&mut self, _: usize, contact: &Contact, outcome: &ContactOutcome) {
        if self.error.is_some() {
            return;
        }
        for record in &outcome.actions {
            let line = report::outbox::line(self.program, &contact.id, record);
            if let Err(e) = writeln!(self.out, "{line}") {
                self.error = Some(e);
                return;
            }
        }
    }
}
