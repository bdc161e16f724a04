//! Stable codes for problems found in data rows (`D001`…), entries of the
//! diagnostic code registry like every other code.
//!
//! Every bad row produces one [`RowProblem`](super::RowProblem) carrying one of
//! these codes (`D001`–`D011`); problems with a whole input that have a code
//! of their own (`D012`…) end the load with [`LoadError::Input`](super::LoadError::Input). Codes are never renumbered or reused; new ones are appended.

use crate::diagnostics::codes::{CodeInfo, Kind};
use crate::diagnostics::{Code, Severity};

macro_rules! data_codes {
    ($( $(#[doc = $doc:literal])* $name:ident = $code:literal, $summary:literal; )*) => {
        $(
            $(#[doc = $doc])*
            pub const $name: Code = Code::new(&CodeInfo {
                code: $code,
                title: $code,
                severity: Severity::Error,
                summary: $summary,
                description: $summary,
                kind: Kind::Data,
            });
        )*
        /// All codes with their descriptions, in order.
        pub static CODES: &[Code] = &[ $( $name, )* ];
    };
}

data_codes! {
    /// Malformed record: CSV with the wrong number of fields, text that is not
    /// valid UTF-8, a JSON line that does not parse or is not an object.
    D001 = "D001", "malformed record: bad CSV/JSON syntax, wrong number of fields, not UTF-8, or a JSON record that is not an object";
    /// A required value is empty or absent (`id`, `contact_id`, `type`, `at`).
    D002 = "D002", "a required value is missing: `id`, `contact_id`, `type` or `at` is empty or absent";
    /// A value does not fit the declared type of its field or event property.
    D003 = "D003", "a value does not fit the declared type of its field or event property";
    /// `stage` names a stage the rules do not declare.
    D004 = "D004", "`stage` is not one of the declared stages";
    /// `type` names an event type that is neither built in nor declared.
    D005 = "D005", "`type` is not a built-in or declared event type";
    /// An event's `contact_id` is not the id of any contact.
    D006 = "D006", "the event's `contact_id` is not the id of any contact";
    /// A contact id appears a second time in the contacts file.
    D007 = "D007", "duplicate contact id: the first row with this id is kept";
    /// A timestamp (`at`, `created_at`) is not RFC 3339 or a bare date.
    D008 = "D008", "a timestamp (`at`, `created_at`) is not RFC 3339 or a bare YYYY-MM-DD date";
    /// `points` is not a whole number.
    D009 = "D009", "`points` is not a whole number";
    /// The event belongs to a contact whose own row was rejected.
    D010 = "D010", "the event's contact was itself rejected, so the event is rejected too";
    /// A row grouped into an event (mapping `group_by`) names a different contact
    /// than the group's first row.
    D011 = "D011", "a row grouped into one event (mapping `group_by`) names a different contact than the group's first row";
    /// A data file (contacts, events, mapping) is not a regular file: a named
    /// pipe, a device, a directory, a socket.
    D012 = "D012", "a data file (contacts, events, mapping) is not a regular file: a named pipe, a device, a directory";
    /// A record is longer than the record limit (`--max-record-size`).
    D013 = "D013", "a record (CSV row, JSON line, JSON array element) is longer than --max-record-size";
    /// A gzip file inflates to more than the limit, or standard input gives more
    /// (`--max-inflated-size`).
    D014 = "D014", "a gzip file inflates to more than --max-inflated-size, or standard input gives more";
    /// A mapping file is larger than the mapping limit.
    D015 = "D015", "the mapping file is larger than 16 MiB";
    /// Standard input (`-`) is named for both contacts and events.
    D016 = "D016", "standard input (`-`) is named for both --contacts and --events";
    /// A mapping file is not valid: not JSON, an unknown key, a bad option,
    /// a date format that is not valid or gives no whole date.
    D017 = "D017", "the mapping file is not valid: not JSON, an unknown key, a bad option or date format";
    /// A mapping does not fit the rules: a value mapped to an undeclared
    /// stage or event type, or to a value its column cannot hold; an event
    /// type that is not declared.
    D018 = "D018", "the mapping does not fit the rules: a value mapped to an undeclared stage or event type or to a value its column cannot hold, or an undeclared event type";
}

/// The description of a code, if it is one of ours.
pub fn describe(code: &str) -> Option<&'static str> {
    CODES
        .iter()
        .find(|c| c.as_str() == code)
        .map(|c| c.info().summary)
}
