//! The resource limits of the sandbox, set explicitly so that debug and
//! release builds stop a script at the same point.

/// The sandbox limits. Documented in docs/language.md section 11.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub operations: u64,
    pub call_depth: usize,
    pub expr_depth: usize,
    pub function_expr_depth: usize,
    pub string_size: usize,
    pub array_size: usize,
    pub map_size: usize,
    pub variables: usize,
    /// Events the contact API may walk in one evaluation, over all its
    /// calls. rhai counts a host call as one operation, so the host that
    /// walks the events charges them against this budget.
    pub event_visits: u64,
}

pub const LIMITS: Limits = Limits {
    operations: 100_000,
    call_depth: 32,
    expr_depth: 64,
    function_expr_depth: 32,
    string_size: 10_000,
    array_size: 1_000,
    map_size: 1_000,
    variables: 256,
    event_visits: 1_000_000,
};
