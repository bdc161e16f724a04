//! `nurture docs [CODE]`: a code's or a lint's documentation in the
//! terminal, like `rustc --explain` or `ruff rule`.
//!
//! The text is docs/diagnostics.md itself, built into the binary, so there
//! is one source: a code's section runs from its `## CODE` heading to the
//! next heading of level 1 or 2 (outside code blocks, where `# ` starts a
//! comment). The data codes (`D001`…) are documented as rows of one table,
//! and their row, with the paragraph before the table, is what is shown.

use super::{output, registry, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::codes::{Code, Kind};
use std::fmt::Write;

/// docs/diagnostics.md as it was when the binary was built.
const DIAGNOSTICS_MD: &str = include_str!("../../docs/diagnostics.md");

#[derive(Debug, clap::Args)]
pub struct DocsArgs {
    /// A code (`E0201`, `D004`) or a lint id (`unused-declaration`); without
    /// one, every code is listed
    code: Option<String>,
}

pub fn run(args: &DocsArgs) -> i32 {
    let registry = registry();
    let Some(wanted) = &args.code else {
        return output::print_then(&list(registry.iter()), EXIT_OK);
    };
    // Codes are written in capitals and lint ids in small letters; either
    // is found whatever case it is typed in.
    let found = registry
        .iter()
        .find(|code| code.as_str().eq_ignore_ascii_case(wanted));
    let Some(code) = found else {
        let mut message = format!("`{wanted}` is not a Nurture code or lint");
        match crate::diagnostics::did_you_mean(wanted, registry.iter().map(Code::as_str)) {
            Some(hint) => {
                let _ = write!(message, "\n  help: {hint}");
            }
            None => message.push_str("\n  help: `nurture docs` lists every code and lint"),
        }
        return super::usage_error(&message);
    };
    match section(DIAGNOSTICS_MD, code.as_str()) {
        Some(text) => output::print_then(&format!("{}\n", text.trim_end()), EXIT_OK),
        // A test keeps every code documented; a binary built from a tree
        // where one is not still says what it knows.
        None => {
            let info = code.info();
            output::print_then(&format!("{}: {}\n", info.code, info.summary), EXIT_USAGE)
        }
    }
}

/// One line per code: the code, what kind it is, and what triggers it.
fn list(codes: impl Iterator<Item = Code>) -> String {
    let mut out = String::new();
    for code in codes {
        let info = code.info();
        let kind = match info.kind {
            Kind::Lint { category, .. } => format!("{category} lint"),
            _ => info.severity.as_str().to_string(),
        };
        let _ = writeln!(out, "{:<26} {kind:<18} {}", info.code, info.summary);
    }
    out.push_str("\n`nurture docs CODE` shows one in full.\n");
    out
}

/// The documentation of `code` in `docs`: its `## CODE` section, or for a
/// code documented as a table row (`| D004 | … |`), the paragraph the
/// table follows, the table's head and that row.
pub fn section(docs: &str, code: &str) -> Option<String> {
    heading_section(docs, code)
        .map(str::to_string)
        .or_else(|| table_row(docs, code))
}

/// The text from `## CODE` to the next heading of level 1 or 2 (outside
/// code blocks, where `# ` starts a comment): the section of a code in
/// docs/diagnostics.md, which `tests/check_snapshots.rs` reads too.
pub fn heading_section<'d>(docs: &'d str, code: &str) -> Option<&'d str> {
    let heading = format!("\n## {code}\n");
    let start = docs.find(&heading)? + 1;
    let body = start + heading.len() - 1;
    let rest = docs.get(body..)?;
    // The fence that opened the code block we are in, if any: a block that
    // quotes a `script` (fenced with three backticks) is fenced with four,
    // and only the same fence closes it.
    let mut fence: Option<&str> = None;
    let mut length = 0;
    for line in rest.split_inclusive('\n') {
        let unticked = line.trim_start_matches('`');
        let ticks = line.get(..line.len() - unticked.len()).unwrap_or_default();
        if ticks.len() >= 3 {
            match fence {
                None => fence = Some(ticks),
                Some(open) if open == ticks && line.trim_end() == ticks => fence = None,
                Some(_) => {}
            }
        } else if fence.is_none() && (line.starts_with("# ") || line.starts_with("## ")) {
            break;
        }
        length += line.len();
    }
    docs.get(start..body + length)
}

/// `CODE` as the row of a table: the heading above the table, the
/// paragraph before it, the table's head and the row.
fn table_row(docs: &str, code: &str) -> Option<String> {
    let lines: Vec<&str> = docs.lines().collect();
    let prefix = format!("| {code} |");
    let row = lines.iter().position(|l| l.starts_with(&prefix))?;
    let head = (0..row)
        .rev()
        .find(|&i| lines.get(i).is_some_and(|l| !l.starts_with('|')))?
        + 1;
    let paragraph_start = (0..head.saturating_sub(1))
        .rev()
        .find(|&i| lines.get(i).is_some_and(|l| l.trim().is_empty()))
        .map_or(0, |i| i + 1);
    let heading = (0..head)
        .rev()
        .find_map(|i| lines.get(i).filter(|l| l.starts_with("# ")))?;
    let mut out = format!("{heading}: {code}\n\n");
    for line in lines.get(paragraph_start..head)? {
        out.push_str(line);
        out.push('\n');
    }
    for line in lines.get(head..(head + 2).min(row))? {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(lines.get(row)?);
    out.push('\n');
    Some(out)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    /// Every code the binary can report has documentation it can show.
    #[test]
    fn every_registered_code_has_a_section() {
        let missing: Vec<&str> = registry()
            .iter()
            .map(Code::as_str)
            .filter(|code| section(DIAGNOSTICS_MD, code).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "no section in docs/diagnostics.md for {missing:?}"
        );
    }

    #[test]
    fn a_section_ends_at_the_next_heading_not_at_a_comment_in_code() {
        let text = section(DIAGNOSTICS_MD, "E0201").expect("E0201");
        assert!(text.starts_with("## E0201\n"));
        assert!(text.contains("undefined-stage"));
        // The fixture's `# nurture: allow(…)` comment is inside the section.
        assert!(text.contains("# nurture: allow(unreachable-stage)"));
        assert!(!text.contains("## E0202"));
    }

    #[test]
    fn a_data_code_is_its_table_row_under_its_heading() {
        let text = section(DIAGNOSTICS_MD, "D004").expect("D004");
        assert!(text.starts_with("# Data loading: D004\n"), "{text}");
        assert!(text.contains("| D004 |"));
        assert!(text.contains("| code | what triggers it |"));
        assert!(!text.contains("| D005 |"));
    }
}
