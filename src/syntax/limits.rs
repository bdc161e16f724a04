//! The limits that keep parsing bounded on any input.

use std::num::NonZeroUsize;
use std::sync::Once;

/// Files above this size are refused before parsing. Real campaigns are a
/// few hundred kilobytes; the limit leaves room for generated files.
pub(crate) const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// The deepest nesting of brackets, and the longest run of `not`s, accepted.
pub(crate) const MAX_NESTING: usize = 64;

/// The deepest nesting of conditions and steps the AST walk accepts. The
/// pre-scan bounds brackets and `not`s; this also bounds `if … end` branches,
/// which need no brackets, and mixtures of all three.
pub(crate) const MAX_TREE_DEPTH: usize = 3 * MAX_NESTING;

/// pest's budget of rule calls for one parse. Real rules need about 4 calls
/// per byte and dense conditions about 10; this allows 32 per byte of the
/// largest accepted file, so it only trips on input that makes pest
/// backtrack far more than the grammar should, and then within seconds.
const CALL_LIMIT: usize = 32 * MAX_INPUT_BYTES;

static SET_CALL_LIMIT: Once = Once::new();

/// pest's call limit is process-wide; it is set once, on the first parse.
pub(crate) fn install_call_limit() {
    SET_CALL_LIMIT.call_once(|| pest::set_call_limit(NonZeroUsize::new(CALL_LIMIT)));
}

/// The stack of the thread that parses. Deep nesting within the limits
/// above needs a few megabytes in debug builds; this leaves a wide margin,
/// and only the pages actually used are ever committed.
pub(crate) const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;
