//! Byte spans in source files: what every node, diagnostic and symbol points at.

/// Index of a file in a source map. Here, not in `diagnostics`, so that the
/// IR (which records the file of each rule and segment) needs only `base`.
pub type FileId = usize;

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The span a syntax or IR node was read from. Every `NodeSpan` equals
/// every other and hashes as nothing, so that nodes deriving `PartialEq`
/// and `Hash` compare by structure alone: the formatter's re-parse check,
/// the checker's query dedup and the `shadowed-rule` lint all ask "is this
/// the same rule/condition?", never "at the same place?". Where the place
/// matters (diagnostics, symbols, explanations) read it with
/// [`NodeSpan::span`] or `*`, which give the plain [`Span`].
#[derive(Clone, Copy, Default, serde::Serialize)]
#[serde(transparent)]
pub struct NodeSpan(Span);

impl NodeSpan {
    pub const fn new(span: Span) -> Self {
        NodeSpan(span)
    }

    pub const fn span(self) -> Span {
        self.0
    }
}

impl PartialEq for NodeSpan {
    fn eq(&self, _: &NodeSpan) -> bool {
        true
    }
}

impl Eq for NodeSpan {}

impl std::hash::Hash for NodeSpan {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// Shown as the span it holds, so debug output reads the same as before.
impl std::fmt::Debug for NodeSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::ops::Deref for NodeSpan {
    type Target = Span;
    fn deref(&self) -> &Span {
        &self.0
    }
}

impl From<Span> for NodeSpan {
    fn from(span: Span) -> Self {
        NodeSpan(span)
    }
}

impl From<NodeSpan> for Span {
    fn from(span: NodeSpan) -> Self {
        span.0
    }
}

impl From<NodeSpan> for miette::SourceSpan {
    fn from(span: NodeSpan) -> Self {
        span.0.into()
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new(span.start.into(), span.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, RandomState};

    #[test]
    fn node_spans_are_ignored_by_equality_and_hashing() {
        let a = NodeSpan::new(Span::new(1, 4));
        let b = NodeSpan::new(Span::new(10, 40));
        assert_eq!(a, b);
        let hasher = RandomState::new();
        assert_eq!(hasher.hash_one(a), hasher.hash_one(b));
        assert_eq!(*a, Span::new(1, 4));
        assert_ne!(a.span(), b.span());
        assert_eq!(format!("{a:?}"), format!("{:?}", Span::new(1, 4)));
    }
}
