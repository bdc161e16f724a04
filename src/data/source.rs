//! Opening inputs (files, standard input, gzip, strings), telling CSV from
//! JSON, and cutting an input into batches of records that are converted in
//! parallel.
//!
//! Every input is streamed, CSV, JSON lines and JSON arrays alike, with two
//! limits enforced while reading ([`Limits`]): no record may be longer than
//! `max_record` bytes, and a stream whose size is not known in advance (a
//! gzip file once inflated, standard input) may not give more than
//! `max_inflated` bytes. Memory is then bounded by a few blocks in flight
//! plus the dataset itself, whatever the file holds.
//!
//! Determinism: records are parsed in file order and every batch carries its
//! sequence number; results are put back in that order before anything
//! depends on it, so the thread count never changes the output.

use super::codes::{D012, D013, D014};
use super::csvsplit::{self, BlockError, Blocks};
use super::jsonsplit::{ArrayElements, ArrayError};
use super::LoadError;
use crate::base::fsio::{self, OpenError};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc;

/// JSON array elements per batch handed to a worker.
const BATCH: usize = 8192;
/// Bytes per block handed to a worker (whole records; a block grows to hold
/// a record that is longer, up to the record limit).
const BLOCK: usize = 2 << 20;

/// What a data input may hold. The defaults are documented in
/// `docs/data.md`; `simulate`, `explain` and `segments` take flags to raise
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest record in bytes: a CSV record (quoted line ends
    /// included), a JSON line, a JSON array element.
    pub max_record: u64,
    /// The most bytes a gzip file may inflate to, or standard input may
    /// give.
    pub max_inflated: u64,
}

impl Limits {
    /// 1 MiB per record: a contact or event row of real exports is a few
    /// hundred bytes; a record without a line end is stopped there.
    pub const DEFAULT_MAX_RECORD: u64 = 1 << 20;
    /// 1 GiB inflated: about 15 million event rows, more than the
    /// 1,000,000-contact benchmark (10 million events, about 470 MB as
    /// CSV). Loaded, that many events take a few GB of memory, which is as
    /// far as a file of a few MB should take a run unasked.
    pub const DEFAULT_MAX_INFLATED: u64 = 1 << 30;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record: Limits::DEFAULT_MAX_RECORD,
            max_inflated: Limits::DEFAULT_MAX_INFLATED,
        }
    }
}

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

/// One input: a name used in messages, its format, its bytes and its
/// limits.
pub struct Input {
    pub name: String,
    pub format: Format,
    pub reader: Box<dyn BufRead + Send>,
    pub limits: Limits,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// The error a [`Capped`] reader gives past its limit; told apart from
/// other read errors by [`read_error`].
#[derive(Debug)]
struct OverLimit {
    limit: u64,
}

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "more than {} bytes", self.limit)
    }
}

impl std::error::Error for OverLimit {}

/// A reader that fails once it has given more than `limit` bytes.
struct Capped<R> {
    inner: R,
    limit: u64,
    given: u64,
}

impl<R> Capped<R> {
    fn new(inner: R, limits: Limits) -> Self {
        Capped {
            inner,
            limit: limits.max_inflated,
            given: 0,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.given = self.given.saturating_add(n as u64);
        if self.given > self.limit {
            return Err(std::io::Error::other(OverLimit { limit: self.limit }));
        }
        Ok(n)
    }
}

/// A file-level problem with a code, for the limits and the file kinds.
pub(crate) fn coded(
    code: crate::diagnostics::Code,
    file: &str,
    line: Option<u64>,
    message: String,
) -> LoadError {
    LoadError::Input {
        code,
        file: file.to_string(),
        line,
        message,
    }
}

/// A read error in words: the inflated-size limit (`D014`) or the
/// operating system's reason.
fn read_error(name: &str, error: std::io::Error) -> LoadError {
    match error.get_ref().and_then(|e| e.downcast_ref::<OverLimit>()) {
        Some(over) => coded(
            D014,
            name,
            None,
            format!(
                "the input gives more than {} bytes (gzip-compressed data once inflated, or standard input); raise the limit with --max-inflated-size if the file is genuine",
                over.limit
            ),
        ),
        None => LoadError::Io {
            path: name.to_string(),
            source: error,
        },
    }
}

/// An error from opening a user-named data file.
pub(crate) fn open_error(error: OpenError) -> LoadError {
    match error {
        OpenError::NotRegular { path, kind } => {
            let message = format!("`{path}` is {kind}, not a regular file; data is read only from regular files (or from standard input, given as `-`)");
            coded(D012, &path, None, message)
        }
        OpenError::Io { path, source } => LoadError::Io { path, source },
        OpenError::TooLarge { path, limit } => coded(
            D014,
            &path,
            None,
            format!("`{path}` is larger than {limit} bytes"),
        ),
    }
}

impl Input {
    /// Opens a regular file (never a FIFO or device: those are refused,
    /// `D012`). Gzip-compressed files (recognised by their magic bytes,
    /// whatever the name) are decompressed on the fly, up to
    /// `limits.max_inflated` bytes.
    pub fn open(path: &Path, limits: Limits) -> Result<Input, LoadError> {
        let name = path.display().to_string();
        let file = fsio::open_regular(path, &name).map_err(open_error)?;
        Input::start(name, Format::from_path(path), file, limits, false)
    }

    /// Standard input, asked for as `-`: any format, gzip too, at most
    /// `limits.max_inflated` bytes (it has no size known in advance).
    pub fn stdin(limits: Limits) -> Result<Input, LoadError> {
        Input::start(
            "-".to_string(),
            Format::Auto,
            std::io::stdin(),
            limits,
            true,
        )
    }

    fn start(
        name: String,
        format: Format,
        source: impl Read + Send + 'static,
        limits: Limits,
        cap_plain: bool,
    ) -> Result<Input, LoadError> {
        let mut buf = BufReader::with_capacity(1 << 20, source);
        let head = buf.fill_buf().map_err(|e| read_error(&name, e))?;
        let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                Capped::new(flate2::bufread::MultiGzDecoder::new(buf), limits),
            ))
        } else if cap_plain {
            Box::new(BufReader::with_capacity(1 << 20, Capped::new(buf, limits)))
        } else {
            Box::new(buf)
        };
        Ok(Input {
            name,
            format,
            reader,
            limits,
        })
    }

    /// An input held in memory (tests, generated data).
    pub fn from_bytes(name: &str, format: Format, bytes: impl Into<Vec<u8>>) -> Input {
        Input {
            name: name.to_string(),
            format,
            reader: Box::new(std::io::Cursor::new(bytes.into())),
            limits: Limits::default(),
        }
    }

    /// Any reader.
    pub fn from_reader(name: &str, format: Format, reader: impl Read + Send + 'static) -> Input {
        Input {
            name: name.to_string(),
            format,
            reader: Box::new(BufReader::with_capacity(1 << 20, reader)),
            limits: Limits::default(),
        }
    }

    /// The same input with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Input {
        self.limits = limits;
        self
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
    let head = input.reader.fill_buf().map_err(|e| read_error(&name, e))?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        input.reader.consume(3);
    }
    let head = input.reader.fill_buf().map_err(|e| read_error(&name, e))?;
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

/// One piece of work for the converters, cut by the reading thread.
enum Work {
    /// Whole CSV records, and the line of the first byte.
    Csv(Vec<u8>, u64),
    /// Whole JSON lines, and the line of the first byte.
    JsonLines(Vec<u8>, u64),
    /// JSON array elements: their bytes, and each one's line and range.
    JsonElements(Vec<u8>, Vec<(u64, Range<usize>)>),
}

impl Work {
    fn convert<C: Converter>(&self, converter: &C) -> C::Out {
        match self {
            Work::Csv(bytes, line) => converter.csv(bytes, *line),
            Work::JsonLines(bytes, line) => converter.json(&split_json_lines(bytes, *line)),
            Work::JsonElements(bytes, ranges) => {
                let records: Vec<JsonRecord<'_>> = ranges
                    .iter()
                    .map(|(line, range)| JsonRecord {
                        line: *line,
                        bytes: bytes.get(range.clone()).unwrap_or_default(),
                    })
                    .collect();
                converter.json(&records)
            }
        }
    }
}

/// A limit as a `usize` (a limit past the address space is no limit).
fn as_len(limit: u64) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
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
    let layout = sniff(&mut input)?;
    let name = input.name.clone();
    let max_record = as_len(input.limits.max_record);
    let too_long = |line: u64| {
        coded(
            D013,
            &name,
            Some(line),
            format!(
                "the record starting on this line is longer than {max_record} bytes; a row this long is most likely a file without line ends or with an unterminated quote (raise the limit with --max-record-size if it is genuine)"
            ),
        )
    };
    let block_error = |e: BlockError| match e {
        BlockError::Io(e) => read_error(&name, e),
        BlockError::TooLong { line } => too_long(line),
    };
    match layout {
        Layout::Csv => {
            let mut blocks = Blocks::new(input.reader, BLOCK, max_record, true);
            let empty = || LoadError::Format {
                file: name.clone(),
                message: "the file is empty: a CSV file needs a header line".to_string(),
            };
            let first = blocks
                .next_block()
                .map_err(block_error)?
                .ok_or_else(empty)?;
            let (header, header_end, line) = csvsplit::header(&first.bytes).ok_or_else(empty)?;
            let header: Vec<String> = header
                .iter()
                .map(|h| String::from_utf8_lossy(h).trim().to_string())
                .collect();
            let converter = make(Header::Csv(header))?;
            let rest = first.bytes.get(header_end..).unwrap_or_default().to_vec();
            let mut first = Some(Work::Csv(rest, line));
            pipeline(
                || match first.take() {
                    Some(work) => Ok(Some(work)),
                    None => Ok(blocks
                        .next_block()
                        .map_err(block_error)?
                        .map(|b| Work::Csv(b.bytes, b.first_line))),
                },
                &converter,
                consume,
            )
        }
        Layout::JsonLines => {
            let mut blocks = Blocks::new(input.reader, BLOCK, max_record, false);
            let converter = make(Header::Json)?;
            pipeline(
                || {
                    Ok(blocks
                        .next_block()
                        .map_err(block_error)?
                        .map(|b| Work::JsonLines(b.bytes, b.first_line)))
                },
                &converter,
                consume,
            )
        }
        Layout::JsonArray => {
            let mut elements = ArrayElements::new(input.reader, max_record, BATCH, BLOCK);
            let converter = make(Header::Json)?;
            pipeline(
                || match elements.next_batch() {
                    Ok(batch) => Ok(batch.map(|b| Work::JsonElements(b.bytes, b.records))),
                    Err(ArrayError::Io(e)) => Err(read_error(&name, e)),
                    Err(ArrayError::TooLong { line }) => Err(too_long(line)),
                    Err(ArrayError::Malformed(message)) => Err(LoadError::Format {
                        file: name.clone(),
                        message,
                    }),
                },
                &converter,
                consume,
            )
        }
    }
}

/// One thread reads the input and cuts it into pieces of whole records
/// (cheap: it only looks at quotes, line ends and nesting); the rayon pool
/// converts them; this thread puts the results back in order (pieces carry
/// their sequence number) and hands them to `consume`. At most a few pieces
/// wait between the reader and the converters.
fn pipeline<C: Converter>(
    mut next: impl FnMut() -> Result<Option<Work>, LoadError> + Send,
    converter: &C,
    mut consume: impl FnMut(C::Out) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let (tx, rx) = mpsc::sync_channel::<(usize, Work)>(4);
    let (out_tx, out_rx) = mpsc::channel::<(usize, C::Out)>();
    let thread_failed = || LoadError::Format {
        file: "(input)".to_string(),
        message: "a reader thread failed".to_string(),
    };
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || -> Result<(), LoadError> {
            let mut seq = 0;
            while let Some(work) = next()? {
                if tx.send((seq, work)).is_err() {
                    return Ok(());
                }
                seq += 1;
            }
            Ok(())
        });
        let workers = scope.spawn(move || {
            rx.into_iter()
                .par_bridge()
                .for_each_with(out_tx, |out, (seq, work)| {
                    // The receiver only goes away after a panic.
                    let _ = out.send((seq, work.convert(converter)));
                });
        });
        let mut pending = std::collections::BTreeMap::new();
        let mut next_seq = 0usize;
        let mut failed = None;
        for (seq, out) in out_rx {
            pending.insert(seq, out);
            while let Some(out) = pending.remove(&next_seq) {
                next_seq += 1;
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
        produced
    })
}

/// Every non-blank line of a block of JSON lines is one record.
fn split_json_lines(bytes: &[u8], first_line: u64) -> Vec<JsonRecord<'_>> {
    let mut out = Vec::new();
    for (line, raw) in (first_line..).zip(bytes.split(|b| *b == b'\n')) {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.push(JsonRecord { line, bytes: raw });
    }
    out
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
    fn json_lines_skip_blank_lines() {
        let recs = split_json_lines(b"{}\n\n  \r\n{\"a\":1}\r\n", 1);
        let lines: Vec<u64> = recs.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 4]);
    }
}
