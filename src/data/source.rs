//! Opening inputs (files, gzip, strings), telling CSV from JSON, and cutting
//! a file into batches of records that are converted in parallel.
//!
//! Determinism: records are parsed in file order and every batch carries its
//! sequence number; results are put back in that order before anything
//! depends on it, so the thread count never changes the output.

use super::csvsplit::{self, Blocks};
use super::LoadError;
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc;

/// JSON records per batch handed to a worker.
const BATCH: usize = 8192;
/// Bytes of CSV per block handed to a worker (whole records; a block grows
/// to hold a record that is longer).
const CSV_BLOCK: usize = 2 << 20;

/// The layout of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header line (RFC 4180 quoting).
    Csv,
    /// A JSON array of objects, or JSON lines (one object per line): told
    /// apart by the first non-space character.
    Json,
    /// Decide from the first non-space character: `[` JSON array, `{` JSON
    /// lines, anything else CSV.
    Auto,
}

impl Format {
    /// From the file name: `.csv` → CSV, `.json`/`.jsonl`/`.ndjson` → JSON,
    /// anything else → [`Format::Auto`]. A trailing `.gz` is looked through.
    pub fn from_path(path: &Path) -> Format {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("csv") => Format::Csv,
            Some("json" | "jsonl" | "ndjson") => Format::Json,
            _ => Format::Auto,
        }
    }
}

/// One input: a name used in messages, its format, and its bytes.
pub struct Input {
    pub name: String,
    pub format: Format,
    pub reader: Box<dyn BufRead + Send>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// Opens a file. Gzip-compressed files (recognised by their magic
    /// bytes, whatever the name) are decompressed on the fly.
    pub fn open(path: &Path) -> Result<Input, LoadError> {
        let name = path.display().to_string();
        let io_err = |source| LoadError::Io {
            path: name.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let mut buf = BufReader::with_capacity(1 << 20, file);
        let head = buf.fill_buf().map_err(io_err)?;
        let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(buf),
            ))
        } else {
            Box::new(buf)
        };
        Ok(Input {
            name,
            format: Format::from_path(path),
            reader,
        })
    }

    /// An input held in memory (tests, stdin already read).
    pub fn from_bytes(name: &str, format: Format, bytes: impl Into<Vec<u8>>) -> Input {
        Input {
            name: name.to_string(),
            format,
            reader: Box::new(std::io::Cursor::new(bytes.into())),
        }
    }

    /// Any reader.
    pub fn from_reader(name: &str, format: Format, reader: impl Read + Send + 'static) -> Input {
        Input {
            name: name.to_string(),
            format,
            reader: Box::new(BufReader::with_capacity(1 << 20, reader)),
        }
    }
}

/// The concrete layout after sniffing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    Csv,
    JsonArray,
    JsonLines,
}

/// Skips a UTF-8 byte-order mark and decides the layout.
fn sniff(input: &mut Input) -> Result<Layout, LoadError> {
    let name = input.name.clone();
    let io_err = |source| LoadError::Io {
        path: name.clone(),
        source,
    };
    let head = input.reader.fill_buf().map_err(io_err)?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        input.reader.consume(3);
    }
    let head = input.reader.fill_buf().map_err(io_err)?;
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    Ok(match (input.format, first) {
        (Format::Csv, _) => Layout::Csv,
        (Format::Json, Some(b'[')) | (Format::Auto, Some(b'[')) => Layout::JsonArray,
        (Format::Json, _) | (Format::Auto, Some(b'{')) => Layout::JsonLines,
        (Format::Auto, _) => Layout::Csv,
    })
}

/// A record of a JSON input: the line it starts on and its bytes.
pub(crate) struct JsonRecord<'a> {
    pub line: u64,
    pub bytes: &'a [u8],
}

/// What a converter does with batches of records. Implementations are
/// shared between worker threads, so they take `&self` and return their
/// results (never mutate shared state).
pub(crate) trait Converter: Sync {
    type Out: Send;
    /// A block of whole CSV records (never the header); `first_line` is
    /// the line number of its first byte.
    fn csv(&self, block: &[u8], first_line: u64) -> Self::Out;
    /// JSON records, in file order.
    fn json(&self, records: &[JsonRecord<'_>]) -> Self::Out;
}

/// What the converter is built from, once the header is known.
pub(crate) enum Header {
    Csv(Vec<String>),
    Json,
}

/// Reads an input and converts it batch by batch in parallel; `consume`
/// gets the outputs in file order, on the calling thread, while later
/// batches are still being converted (so finished batches are freed early).
/// After `consume` fails, the remaining outputs are dropped and its error is
/// returned.
pub(crate) fn run<C: Converter>(
    mut input: Input,
    make: impl FnOnce(Header) -> Result<C, LoadError>,
    consume: impl FnMut(C::Out) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    match sniff(&mut input)? {
        Layout::Csv => run_csv(input, make, consume),
        layout => {
            let name = input.name.clone();
            let mut bytes = Vec::new();
            input
                .reader
                .read_to_end(&mut bytes)
                .map_err(|source| LoadError::Io {
                    path: name.clone(),
                    source,
                })?;
            let records = if layout == Layout::JsonArray {
                split_json_array(&bytes).map_err(|message| LoadError::Format {
                    file: name.clone(),
                    message,
                })?
            } else {
                split_json_lines(&bytes)
            };
            let converter = make(Header::Json)?;
            let outs: Vec<C::Out> = records
                .par_chunks(BATCH)
                .map(|chunk| converter.json(chunk))
                .collect();
            outs.into_iter().try_for_each(consume)
        }
    }
}

fn run_csv<C: Converter>(
    input: Input,
    make: impl FnOnce(Header) -> Result<C, LoadError>,
    mut consume: impl FnMut(C::Out) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let name = input.name.clone();
    let io_err = |source| LoadError::Io {
        path: name.clone(),
        source,
    };
    let empty = || LoadError::Format {
        file: name.clone(),
        message: "the file is empty: a CSV file needs a header line".to_string(),
    };
    let mut blocks = Blocks::new(input.reader, CSV_BLOCK);
    let first = blocks.next_block().map_err(io_err)?.ok_or_else(empty)?;
    let (header, header_end, mut line) = csvsplit::header(&first).ok_or_else(empty)?;
    let header: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let converter = make(Header::Csv(header))?;
    let first = first.get(header_end..).unwrap_or_default().to_vec();

    // One thread cuts the input into blocks of whole records (cheap: it
    // only looks at quotes and line ends); the rayon pool parses and
    // converts them; this thread puts the results back in order (blocks
    // carry their sequence number) and hands them to `consume`.
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<u8>, u64)>(4);
    let (out_tx, out_rx) = mpsc::channel::<(usize, C::Out)>();
    let thread_failed = || LoadError::Format {
        file: name.clone(),
        message: "a CSV reader thread failed".to_string(),
    };
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || -> std::io::Result<()> {
            let mut seq = 0;
            let mut block = Some(first);
            while let Some(b) = block {
                let lines = csvsplit::count_lines(&b);
                if !b.is_empty() {
                    if tx.send((seq, b, line)).is_err() {
                        return Ok(());
                    }
                    seq += 1;
                }
                line += lines;
                block = blocks.next_block()?;
            }
            Ok(())
        });
        let converter = &converter;
        let workers = scope.spawn(move || {
            rx.into_iter()
                .par_bridge()
                .for_each_with(out_tx, |out, (seq, block, first_line)| {
                    // The receiver only goes away after a panic.
                    let _ = out.send((seq, converter.csv(&block, first_line)));
                });
        });
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0usize;
        let mut failed = None;
        for (seq, out) in out_rx {
            pending.insert(seq, out);
            while let Some(out) = pending.remove(&next) {
                next += 1;
                if failed.is_none() {
                    if let Err(e) = consume(out) {
                        failed = Some(e);
                    }
                }
            }
        }
        workers.join().map_err(|_| thread_failed())?;
        let produced = producer.join().map_err(|_| thread_failed())?;
        if let Some(e) = failed {
            return Err(e);
        }
        produced.map_err(io_err)
    })
}

/// Every non-blank line is one record.
fn split_json_lines(bytes: &[u8]) -> Vec<JsonRecord<'_>> {
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i as u64 + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.push(JsonRecord { line, bytes: raw });
    }
    out
}

/// Cuts a JSON array into its elements without building them.
fn split_json_array(bytes: &[u8]) -> Result<Vec<JsonRecord<'_>>, String> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut line = 1u64;
    let mut counted = 0usize; // newlines counted up to here
    let skip_ws = |pos: &mut usize| {
        while bytes.get(*pos).is_some_and(u8::is_ascii_whitespace) {
            *pos += 1;
        }
    };
    let line_at = |pos: usize, line: &mut u64, counted: &mut usize| {
        *line += bytes[*counted..pos].iter().filter(|b| **b == b'\n').count() as u64;
        *counted = pos;
        *line
    };
    skip_ws(&mut pos);
    if bytes.get(pos) != Some(&b'[') {
        return Err("expected a JSON array".to_string());
    }
    pos += 1;
    skip_ws(&mut pos);
    if bytes.get(pos) == Some(&b']') {
        pos += 1;
    } else {
        loop {
            skip_ws(&mut pos);
            let start = pos;
            let start_line = line_at(start, &mut line, &mut counted);
            let mut stream = serde_json::Deserializer::from_slice(&bytes[start..])
                .into_iter::<serde::de::IgnoredAny>();
            match stream.next() {
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    return Err(format!(
                        "the JSON array is malformed at line {}: {e}",
                        start_line + e.line() as u64 - 1
                    ))
                }
                None => {
                    return Err(format!(
                        "the JSON array ends early (after line {start_line})"
                    ))
                }
            }
            pos = start + stream.byte_offset();
            out.push(JsonRecord {
                line: start_line,
                bytes: &bytes[start..pos],
            });
            skip_ws(&mut pos);
            match bytes.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => {
                    pos += 1;
                    break;
                }
                _ => {
                    let l = line_at(pos.min(bytes.len()), &mut line, &mut counted);
                    return Err(format!(
                        "the JSON array is malformed at line {l}: expected `,` or `]` after an element"
                    ));
                }
            }
        }
    }
    skip_ws(&mut pos);
    if pos < bytes.len() {
        let l = line_at(pos, &mut line, &mut counted);
        return Err(format!("unexpected text after the JSON array at line {l}"));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn format_from_path() {
        assert_eq!(Format::from_path(Path::new("a/b.CSV")), Format::Csv);
        assert_eq!(Format::from_path(Path::new("b.csv.gz")), Format::Csv);
        assert_eq!(Format::from_path(Path::new("b.ndjson")), Format::Json);
        assert_eq!(Format::from_path(Path::new("b.jsonl.gz")), Format::Json);
        assert_eq!(Format::from_path(Path::new("b.txt")), Format::Auto);
        assert_eq!(Format::from_path(Path::new("b")), Format::Auto);
    }

    #[test]
    fn sniffing() {
        let layout = |f, s: &str| sniff(&mut Input::from_bytes("x", f, s)).unwrap();
        assert_eq!(layout(Format::Auto, "  [ {} ]"), Layout::JsonArray);
        assert_eq!(layout(Format::Auto, "\n{\"a\":1}"), Layout::JsonLines);
        assert_eq!(layout(Format::Auto, "id,a\n"), Layout::Csv);
        assert_eq!(layout(Format::Auto, "\u{feff}[]"), Layout::JsonArray);
        assert_eq!(layout(Format::Json, ""), Layout::JsonLines);
        assert_eq!(layout(Format::Csv, "[1]"), Layout::Csv);
    }

    #[test]
    fn json_array_elements_and_lines() {
        let text = b"[\n {\"a\": 1},\n\n {\"a\": \"x,]\"} ,{}\n]\n";
        let recs = split_json_array(text).unwrap();
        let lines: Vec<u64> = recs.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4, 4]);
        assert_eq!(recs[1].bytes, b"{\"a\": \"x,]\"}");
        assert!(split_json_array(b"[]").unwrap().is_empty());
        assert!(split_json_array(b"[{}").is_err());
        assert!(split_json_array(b"[{} {}]").is_err());
        assert!(split_json_array(b"[{}] x").is_err());
        assert!(split_json_array(b"[{\"a\": }]").is_err());
        assert!(split_json_array(b"[1, 2]").is_ok());
    }

    #[test]
    fn json_lines_skip_blank_lines() {
        let recs = split_json_lines(b"{}\n\n  \r\n{\"a\":1}\r\n");
        let lines: Vec<u64> = recs.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 4]);
    }
}
