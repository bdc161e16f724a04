//! Cutting a JSON array into its elements while reading it, so that an
//! array of any length is loaded in bounded memory (a batch of elements at a
//! time, like CSV blocks) and no element may be longer than the record
//! limit.
//!
//! Only the structure is read here: strings (with their escapes) and
//! nesting, enough to find where each element ends. Each element is parsed
//! by itself later, so an element that is not valid JSON is a bad row
//! (`D001`), like a JSON line that does not parse; a broken structure (no
//! closing `]`, a missing `,`, text after the array) is a problem with the
//! whole file.

use std::io::BufRead;
use std::ops::Range;

/// Elements of a JSON array, read a batch at a time.
pub(crate) struct ArrayElements<R> {
    reader: R,
    scan: Scan,
}

/// Where the reading is (kept apart from the reader, which lends out its
/// buffer while the bytes are looked at).
struct Scan {
    max_record: usize,
    /// Elements per batch, and bytes after which a batch is handed out.
    batch: usize,
    batch_bytes: usize,
    state: State,
    /// The line the reader is on.
    line: u64,
    /// The element being read: nesting depth, in a string, after a `\`.
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Where the element being read started: offset in the batch, line.
    start: usize,
    start_line: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the opening `[`.
    Open,
    /// Where an element may start (`first`: right after `[`, where `]` may
    /// close an empty array).
    Before { first: bool },
    /// Inside a string, array or object element.
    Nested,
    /// Inside a bare element (number, `true`, `null`, …).
    Bare,
    /// After an element: `,` or `]` must follow.
    After,
    /// After the closing `]`: only white space may follow.
    Closed,
}

/// One batch of elements: their bytes, and per element its first line and
/// its range in `bytes`.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub bytes: Vec<u8>,
    pub records: Vec<(u64, Range<usize>)>,
}

/// Why reading the array stopped.
#[derive(Debug)]
pub(crate) enum ArrayError {
    Io(std::io::Error),
    /// An element longer than the limit starts on this line.
    TooLong {
        line: u64,
    },
    /// The structure is broken; the message says where.
    Malformed(String),
}

fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

impl<R: BufRead> ArrayElements<R> {
    pub(crate) fn new(reader: R, max_record: usize, batch: usize, batch_bytes: usize) -> Self {
        ArrayElements {
            reader,
            scan: Scan {
                max_record,
                batch: batch.max(1),
                batch_bytes,
                state: State::Open,
                line: 1,
                depth: 0,
                in_string: false,
                escaped: false,
                start: 0,
                start_line: 1,
            },
        }
    }

    /// The next batch of elements, or `None` after the closing `]`.
    pub(crate) fn next_batch(&mut self) -> Result<Option<Batch>, ArrayError> {
        let mut out = Batch::default();
        let reader = &mut self.reader;
        let s = &mut self.scan;
        loop {
            let chunk = reader.fill_buf().map_err(ArrayError::Io)?;
            if chunk.is_empty() {
                return match s.state {
                    State::Closed if out.records.is_empty() => Ok(None),
                    State::Closed => Ok(Some(out)),
                    State::Open => Err(ArrayError::Malformed("expected a JSON array".to_string())),
                    State::Bare => {
                        // A bare element may end the input, but an array
                        // cannot end there.
                        Err(s.ends_early())
                    }
                    _ => Err(s.ends_early()),
                };
            }
            let mut used = 0;
            let mut full = false;
            for &b in chunk {
                if s.state == State::Bare && !is_bare(b) {
                    s.finish_element(&mut out);
                    s.state = State::After;
                }
                used += 1;
                if b == b'\n' {
                    s.line += 1;
                }
                match s.state {
                    State::Open => match b {
                        b'[' => s.state = State::Before { first: true },
                        _ if b.is_ascii_whitespace() => {}
                        _ => {
                            return Err(ArrayError::Malformed("expected a JSON array".to_string()))
                        }
                    },
                    State::Before { first } => match b {
                        _ if b.is_ascii_whitespace() => {}
                        b']' if first => s.state = State::Closed,
                        b']' | b',' => {
                            return Err(s.malformed("expected an element"));
                        }
                        _ => {
                            s.start = out.bytes.len();
                            s.start_line = s.line;
                            out.bytes.push(b);
                            s.in_string = b == b'"';
                            s.escaped = false;
                            s.depth = u32::from(matches!(b, b'[' | b'{'));
                            s.state = if s.in_string || s.depth > 0 {
                                State::Nested
                            } else {
                                State::Bare
                            };
                        }
                    },
                    State::Nested => {
                        out.bytes.push(b);
                        if s.in_string {
                            if s.escaped {
                                s.escaped = false;
                            } else if b == b'\\' {
                                s.escaped = true;
                            } else if b == b'"' {
                                s.in_string = false;
                            }
                        } else {
                            match b {
                                b'"' => s.in_string = true,
                                b'[' | b'{' => s.depth += 1,
                                b']' | b'}' => s.depth = s.depth.saturating_sub(1),
                                _ => {}
                            }
                        }
                        if !s.in_string && s.depth == 0 {
                            s.finish_element(&mut out);
                            s.state = State::After;
                        }
                    }
                    State::Bare => out.bytes.push(b),
                    State::After => match b {
                        _ if b.is_ascii_whitespace() => {}
                        b',' => s.state = State::Before { first: false },
                        b']' => s.state = State::Closed,
                        _ => {
                            return Err(s.malformed("expected `,` or `]` after an element"));
                        }
                    },
                    State::Closed => {
                        if !b.is_ascii_whitespace() {
                            return Err(ArrayError::Malformed(format!(
                                "unexpected text after the JSON array at line {}",
                                s.line
                            )));
                        }
                    }
                }
                if matches!(s.state, State::Nested | State::Bare)
                    && out.bytes.len() - s.start > s.max_record
                {
                    return Err(ArrayError::TooLong { line: s.start_line });
                }
                if s.state == State::After
                    && (out.records.len() >= s.batch || out.bytes.len() >= s.batch_bytes)
                {
                    full = true;
                    break;
                }
            }
            reader.consume(used);
            if full {
                return Ok(Some(out));
            }
        }
    }
}

impl Scan {
    fn finish_element(&mut self, out: &mut Batch) {
        out.records
            .push((self.start_line, self.start..out.bytes.len()));
    }

    fn malformed(&self, what: &str) -> ArrayError {
        ArrayError::Malformed(format!(
            "the JSON array is malformed at line {}: {what}",
            self.line
        ))
    }

    fn ends_early(&self) -> ArrayError {
        ArrayError::Malformed(format!(
            "the JSON array ends early (after line {})",
            self.line
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn elements(text: &[u8], max: usize, batch: usize) -> Result<Vec<(u64, String)>, ArrayError> {
        // A small buffer, so that elements cross the reader's chunks.
        let reader = std::io::BufReader::with_capacity(3, text);
        let mut array = ArrayElements::new(reader, max, batch, 1 << 20);
        let mut out = Vec::new();
        while let Some(b) = array.next_batch()? {
            for (line, r) in b.records {
                out.push((line, String::from_utf8(b.bytes[r].to_vec()).unwrap()));
            }
        }
        Ok(out)
    }

    #[test]
    fn elements_and_their_lines() {
        let text = b"[\n {\"a\": 1},\n\n {\"a\": \"x,]\\\"}\"} ,{}\n, 12 ,\"s\"]\n";
        for batch in [1, 2, 100] {
            let got = elements(text, 1000, batch).unwrap();
            assert_eq!(
                got,
                vec![
                    (2, "{\"a\": 1}".to_string()),
                    (4, "{\"a\": \"x,]\\\"}\"}".to_string()),
                    (4, "{}".to_string()),
                    (5, "12".to_string()),
                    (5, "\"s\"".to_string()),
                ],
                "batch {batch}"
            );
        }
        assert!(elements(b" [ ] ", 10, 1).unwrap().is_empty());
    }

    #[test]
    fn broken_structure_is_an_error() {
        for bad in [
            &b"[{}"[..],
            b"[{} {}]",
            b"[{}] x",
            b"[{},]",
            b"[,{}]",
            b"[1",
            b"x",
            b"[{\"a\": \"}]",
        ] {
            assert!(
                matches!(elements(bad, 100, 10), Err(ArrayError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // The inside of an element is checked when it is parsed, not here.
        assert_eq!(elements(b"[{\"a\": }]", 100, 10).unwrap().len(), 1);
    }

    #[test]
    fn an_element_over_the_limit_stops_the_reading() {
        let got = elements(b"[{\"a\": 1},\n{\"b\": \"0123456789\"}]", 12, 10);
        assert!(
            matches!(got, Err(ArrayError::TooLong { line: 2 })),
            "{got:?}"
        );
        assert_eq!(elements(b"[\"0123456789\"]", 12, 10).unwrap().len(), 1);
        assert!(matches!(
            elements(b"[0123456789012]", 12, 10),
            Err(ArrayError::TooLong { line: 1 })
        ));
    }
}
