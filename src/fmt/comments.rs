//! Putting comments back.
//!
//! A comment alone on its line goes on its own line before the output line
//! that holds the first node written after it in the source. A comment after
//! code goes at the end of the output line that holds the last node written
//! before it. A blank line before an item or an own-line comment is kept
//! (at most one).

use super::printer::{blank_line_before, Line, Out};
use crate::syntax::ast::Comment;

#[derive(Default)]
struct Placed {
    /// Own-line comments before the line: (blank line before it, text).
    before: Vec<(bool, String)>,
    trailing: Option<String>,
}

pub fn assemble(mut out: Out, comments: &[Comment], source: &str) -> String {
    out.starts.sort_unstable();
    out.ends.sort_unstable();
    let mut placed: Vec<Placed> = out.lines.iter().map(|_| Placed::default()).collect();
    let mut at_end: Vec<(bool, String)> = Vec::new();
    for comment in comments {
        let text = format!("#{}", comment.text.trim_end());
        let blank = blank_line_before(source, comment.span.start);
        let trailing_line = if own_line(source, comment.span.start) {
            None
        } else {
            last_end_before(&out.ends, comment.span.start)
        };
        if let Some(line) = trailing_line {
            if let Some(p) = placed.get_mut(line) {
                if p.trailing.is_none() {
                    p.trailing = Some(text);
                    continue;
                }
            }
            // A second comment for the same line is placed like a comment
            // on its own line, which is what it becomes.
        }
        let blank = blank && trailing_line.is_none();
        match first_start_after(&out.starts, comment.span.end) {
            Some(line) => match placed.get_mut(line) {
                Some(p) => p.before.push((blank, text)),
                None => at_end.push((blank, text)),
            },
            None => at_end.push((blank, text)),
        }
    }
    let mut lines: Vec<String> = Vec::new();
    for (line, p) in out.lines.iter().zip(placed) {
        let pad = " ".repeat(line.indent);
        for (blank, text) in p.before {
            blank_line(&mut lines, blank);
            lines.push(format!("{pad}{text}"));
        }
        blank_line(&mut lines, line.blank_before);
        lines.push(render(line, &pad, p.trailing));
    }
    for (blank, text) in at_end {
        blank_line(&mut lines, blank);
        lines.push(text);
    }
    if lines.is_empty() {
        return String::new();
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn render(line: &Line, pad: &str, trailing: Option<String>) -> String {
    match trailing {
        Some(comment) if line.text.is_empty() => format!("{pad}{comment}"),
        Some(comment) => format!("{pad}{}  {comment}", line.text),
        None => format!("{pad}{}", line.text),
    }
}

fn blank_line(lines: &mut Vec<String>, wanted: bool) {
    if wanted && lines.last().is_some_and(|l| !l.is_empty()) {
        lines.push(String::new());
    }
}

/// Nothing but blanks between the start of the line and `at`.
fn own_line(source: &str, at: usize) -> bool {
    let before = source.get(..at).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    before.get(line_start..).unwrap_or("").trim().is_empty()
}

/// The output line of the last node that ends at or before `at`.
fn last_end_before(ends: &[(usize, usize)], at: usize) -> Option<usize> {
    // Sorted by (end, line): the entry just before `at` is, of the nodes
    // ending last, the one printed last.
    let idx = ends.partition_point(|&(end, _)| end <= at);
    ends.get(idx.checked_sub(1)?).map(|&(_, line)| line)
}

/// The output line of the first node that starts at or after `at`.
fn first_start_after(starts: &[(usize, usize)], at: usize) -> Option<usize> {
    let idx = starts.partition_point(|&(start, _)| start < at);
    starts.get(idx).map(|&(_, line)| line)
}
