//! Stable codes for problems found in data rows (`D001`…).
//!
//! Every bad row produces one [`RowProblem`](super::RowProblem) carrying one of
//! these codes (`D001`–`D011`); problems with a whole input that have a code
//! of their own (`D012`…) end the load with [`LoadError::Input`](super::LoadError::Input). Codes are never renumbered or reused; new ones are appended.

/// A problem code with a one-line description, as listed in `docs/diagnostics.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProblemCode {
    pub code: &'static str,
    pub summary: &'static str,
}

/// Malformed record: CSV with the wrong number of fields, text that is not
/// valid UTF-8, a JSON line that does not parse or is not an object.
pub const D001: &str = "D001";
/// A required value is empty or absent (`id`, `contact_id`, `type`, `at`).
pub const D002: &str = "D002";
/// A value does not fit the declared type of its field or event property.
pub const D003: &str = "D003";
/// `stage` names a stage the rules do not declare.
pub const D004: &str = "D004";
/// `type` names an event type that is neither built in nor declared.
pub const D005: &str = "D005";
/// An event's `contact_id` is not the id of any contact.
pub const D006: &str = "D006";
/// A contact id appears a second time in the contacts file.
pub const D007: &str = "D007";
/// A timestamp (`at`, `created_at`) is not RFC 3339 or a bare date.
pub const D008: &str = "D008";
/// `points` is not a whole number.
pub const D009: &str = "D009";
/// The event belongs to a contact whose own row was rejected.
pub const D010: &str = "D010";
/// A row grouped into an event (mapping `group_by`) names a different contact
/// than the group's first row.
pub const D011: &str = "D011";

/// A data file (contacts, events, mapping) is not a regular file: a named
/// pipe, a device, a directory, a socket.
pub const D012: &str = "D012";
/// A record is longer than the record limit (`--max-record-size`).
pub const D013: &str = "D013";
/// A gzip file inflates to more than the limit, or standard input gives more
/// (`--max-inflated-size`).
pub const D014: &str = "D014";
/// A mapping file is larger than the mapping limit.
pub const D015: &str = "D015";
/// Standard input (`-`) is named for both contacts and events.
pub const D016: &str = "D016";

/// All codes with their descriptions, in order.
pub const PROBLEM_CODES: &[ProblemCode] = &[
    ProblemCode { code: D001, summary: "malformed record: bad CSV/JSON syntax, wrong number of fields, not UTF-8, or a JSON record that is not an object" },
    ProblemCode { code: D002, summary: "a required value is missing: `id`, `contact_id`, `type` or `at` is empty or absent" },
    ProblemCode { code: D003, summary: "a value does not fit the declared type of its field or event property" },
    ProblemCode { code: D004, summary: "`stage` is not one of the declared stages" },
    ProblemCode { code: D005, summary: "`type` is not a built-in or declared event type" },
    ProblemCode { code: D006, summary: "the event's `contact_id` is not the id of any contact" },
    ProblemCode { code: D007, summary: "duplicate contact id: the first row with this id is kept" },
    ProblemCode { code: D008, summary: "a timestamp (`at`, `created_at`) is not RFC 3339 or a bare YYYY-MM-DD date" },
    ProblemCode { code: D009, summary: "`points` is not a whole number" },
    ProblemCode { code: D010, summary: "the event's contact was itself rejected, so the event is rejected too" },
    ProblemCode { code: D011, summary: "a row grouped into one event (mapping `group_by`) names a different contact than the group's first row" },
    ProblemCode { code: D012, summary: "a data file (contacts, events, mapping) is not a regular file: a named pipe, a device, a directory" },
    ProblemCode { code: D013, summary: "a record (CSV row, JSON line, JSON array element) is longer than --max-record-size" },
    ProblemCode { code: D014, summary: "a gzip file inflates to more than --max-inflated-size, or standard input gives more" },
    ProblemCode { code: D015, summary: "the mapping file is larger than 16 MiB" },
    ProblemCode { code: D016, summary: "standard input (`-`) is named for both --contacts and --events" },
];

/// The description of a code, if it is one of ours.
pub fn describe(code: &str) -> Option<&'static str> {
    PROBLEM_CODES
        .iter()
        .find(|c| c.code == code)
        .map(|c| c.summary)
}
