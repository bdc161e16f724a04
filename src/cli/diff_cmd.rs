//! `nurture diff`: what a campaign change does to every contact.

use super::dry_run::{self, DataArgs, Exit, RunArgs};
use super::git_sources::{GitError, GitSources};
use super::paths::display;
use super::simulate_cmd::{in_pool, progress_bar};
use super::{output, usage_error, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::data::Schema;
use crate::diagnostics::SourceMap;
use crate::diff::{self, render, DiffConfig, DiffStop, Version};
use crate::ir::Program;
use crate::lint::LintConfig;
use crate::sim::limits::Command;
use crate::sim::run::Population;
use clap::ValueEnum;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The campaign before the change: a rules file, or `REV:PATH` read from git (`main:campaigns/b2b.nurture`)
    before: String,
    /// The campaign after the change: a rules file, or `REV:PATH`
    after: String,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    run: RunArgs,
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Exit with 1 when the change changes anything (a contact's story or a rule)
    #[arg(long)]
    fail_on_change: bool,
    /// Worker threads [default: one per core]; the output is the same for any number
    #[arg(long)]
    threads: Option<usize>,
    /// Run every contact under both versions, also those the change cannot touch (slower; the same report but for `contacts_run_once`)
    #[arg(long)]
    run_twice: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DiffFormat {
    Human,
    Json,
    Markdown,
    Github,
}

pub fn run(args: &DiffArgs) -> i32 {
    match diff_versions(args) {
        Ok(code) | Err(Exit(code)) => code,
    }
}

/// A version as given: the label, and its checked program.
fn load_version(written: &str) -> Result<(Program, SourceMap), Exit> {
    let path = Path::new(written);
    // A file on disk wins; otherwise `REV:PATH`.
    if path.exists() {
        return dry_run::load_program(path);
    }
    let Some((rev, inside)) = written
        .split_once(':')
        .filter(|(r, p)| !r.is_empty() && !p.is_empty())
    else {
        // Not `REV:PATH`: the read error of a missing file.
        return dry_run::load_program(path);
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let git = GitSources::open(rev, &cwd).map_err(|e| git_failed(&e))?;
    let file = git.locate(inside, &cwd);
    use crate::check::loader::SourceProvider;
    if !git.exists(&file) {
        return Err(git_failed(&git.missing(rev, inside)));
    }
    let name = display(Path::new(inside));
    let text = git.read(&file, &name).map_err(|e| {
        errln!("error[{}]: {e}", e.code());
        Exit(EXIT_USAGE)
    })?;
    let checked = crate::driver::check_source_in(&git, &file, &name, text, &LintConfig::default());
    dry_run::program_of(checked, written)
}

fn git_failed(error: &GitError) -> Exit {
    output::coded_failure(error.code, &error.message, &error.help)
}

fn diff_versions(args: &DiffArgs) -> Result<i32, Exit> {
    let (before, before_sources) = load_version(&args.before)?;
    let (after, after_sources) = load_version(&args.after)?;
    let tz = after.settings.timezone;
    let tick_seconds =
        dry_run::parse_duration(&args.run.tick).map_err(|e| Exit(usage_error(&e)))?;
    // The data is read once; a second time only when the versions declare
    // other fields, event types, stages or time zone.
    let before_schema = Schema::from(&before);
    let after_schema = Schema::from(&after);
    let before_data = dry_run::load_data_for(&before_schema, &args.data)?;
    let after_data = if after_schema == before_schema {
        None
    } else {
        Some(dry_run::load_data_for(&after_schema, &args.data)?)
    };
    let after_ref = after_data.as_deref().unwrap_or(&before_data);
    let (from, to) = args.run.period(&before_data, tz)?;
    let config = DiffConfig {
        from,
        to,
        tick_seconds,
        limits: args.run.limits(),
        run_twice: args.run_twice,
    };
    let before_population = Population::of(&before_data);
    let after_population = Population::of(after_ref);
    let before_version = Version {
        program: &before,
        sources: &before_sources,
        population: &before_population,
        label: &args.before,
    };
    let after_version = Version {
        program: &after,
        sources: &after_sources,
        population: &after_population,
        label: &args.after,
    };
    let progress = progress_bar(before_data.contacts.len());
    let result = in_pool(args.threads, || {
        let mut diff = diff::diff(&before_version, &after_version, &config, &mut |done| {
            progress.set_position(done as u64)
        })?;
        let sampled: Vec<String> = diff.sampled().into_iter().map(str::to_string).collect();
        let ids: Vec<&str> = sampled.iter().map(String::as_str).collect();
        diff.partings = diff::parting::partings(&before_version, &after_version, &config, &ids);
        Ok(diff)
    })?;
    progress.finish_and_clear();
    let diff = result.map_err(|stop| match stop {
        DiffStop::Run { after: is_after, stop } => {
            let program = if is_after { &after } else { &before };
            output::error_text(&stop.message(program, Command::Simulate).render());
            Exit(EXIT_USAGE)
        }
        DiffStop::Contacts { before, after } => Exit(usage_error(&format!(
            "the two versions read the data into different contacts ({before} and {after}): a field's type changed and some rows fit only one; run with --skip-bad-rows off to see them"
        ))),
    })?;
    let text = match args.format {
        DiffFormat::Human => render::human(&diff),
        DiffFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&render::json(&diff)).unwrap_or_default()
        ),
        DiffFormat::Markdown => render::markdown(&diff),
        DiffFormat::Github => render::github(&diff),
    };
    output::print(&text)?;
    Ok(if args.fail_on_change && diff.any_change() {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    })
}
