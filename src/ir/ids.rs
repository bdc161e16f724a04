//! Typed indices into the tables of a [`Program`](super::Program).
//!
//! Each table has its own id type, so a field id cannot look up a stage:
//! that is a compile error, not a wrong answer at run time. The tables
//! themselves are [`IdVec`]s, which look up by their own id type only.

use serde::Serialize;
use std::fmt;
use std::marker::PhantomData;

/// An index into one table of the program.
pub trait Id: Copy + Eq + Ord + std::hash::Hash + fmt::Debug {
    fn new(index: usize) -> Self;
    fn index(self) -> usize;
}

/// A bare position is an id of a table that has no id type of its own
/// (pages, forms, assets): lookups written once for both kinds stay one.
impl Id for usize {
    fn new(index: usize) -> Self {
        index
    }
    fn index(self) -> usize {
        self
    }
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
        #[serde(transparent)]
        pub struct $name(usize);

        impl $name {
            /// The id of the table entry at `index`.
            #[inline]
            pub const fn new(index: usize) -> Self {
                $name(index)
            }

            /// The position in the table; for side tables kept in step
            /// with this one (per-contact state, counts by id).
            pub const fn index(self) -> usize {
                self.0
            }
        }

        impl Id for $name {
            #[inline]
            fn new(index: usize) -> Self {
                $name(index)
            }
            #[inline]
            fn index(self) -> usize {
                self.0
            }
        }

        // The bare number, as the `usize` aliases these replaced printed.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
    )*};
}

ids! {
    /// A stage, by funnel position (lowest first).
    StageId;
    /// A declared contact field.
    FieldId;
    /// An event type: built-ins first, then declared ones.
    EventTypeId;
    /// A property of one event type.
    PropertyId;
    /// A segment, in declaration order.
    SegmentId;
    /// A static list.
    ListId;
    /// An e-mail or an SMS message (each channel has its own table).
    MessageId;
    /// A rule, in file order.
    RuleId;
    /// A `script` block.
    ScriptId;
    /// A question asked of the events; clauses asking the same one share it.
    QueryId;
    /// A `matches` pattern, compiled once into the program's side table.
    RegexId;
}

/// A table looked up by its own id type `I`.
///
/// It reads as a slice (`len`, `iter`, `is_empty`), but `get` takes an `I`,
/// never a bare position: the slice's own `get` is shadowed.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdVec<I, T> {
    items: Vec<T>,
    #[serde(skip)]
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IdVec<I, T> {
    pub const fn new() -> Self {
        IdVec {
            items: Vec::new(),
            id: PhantomData,
        }
    }

    /// The entry with this id.
    #[inline]
    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }

    #[inline]
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.items.get_mut(id.index())
    }

    /// Adds an entry; its id is the [`next_id`](Self::next_id) before.
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }

    /// The id the next [`push`](Self::push) will return.
    pub fn next_id(&self) -> I {
        I::new(self.items.len())
    }

    /// Every id, in table order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        (0..self.items.len()).map(I::new)
    }

    /// Every entry with its id, in table order.
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator {
        self.items
            .iter()
            .enumerate()
            .map(|(index, item)| (I::new(index), item))
    }

    /// The id of the first entry for which `pred` holds.
    pub fn position(&self, pred: impl FnMut(&T) -> bool) -> Option<I> {
        self.items.iter().position(pred).map(I::new)
    }

    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    pub fn into_vec(self) -> Vec<T> {
        self.items
    }
}

impl<I: Id> IdVec<I, String> {
    /// The name with this id, `?` for an id the table does not have (the
    /// checker resolved every id of a program, so it does not show).
    pub fn name(&self, id: I) -> &str {
        self.get(id).map_or("?", String::as_str)
    }
}

impl<I, T> Default for IdVec<I, T> {
    fn default() -> Self {
        IdVec {
            items: Vec::new(),
            id: PhantomData,
        }
    }
}

impl<I, T: fmt::Debug> fmt::Debug for IdVec<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

impl<I, T> std::ops::Deref for IdVec<I, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<I, T> From<Vec<T>> for IdVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IdVec {
            items,
            id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Vec::from_iter(iter).into()
    }
}

impl<'a, I, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<I, T> IntoIterator for IdVec<I, T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_read_by_its_own_id_type() {
        let mut stages: IdVec<StageId, &str> = IdVec::new();
        let lead = stages.next_id();
        stages.push("Lead");
        let mql = stages.next_id();
        stages.push("MQL");
        assert_eq!(stages.get(mql), Some(&"MQL"));
        assert_eq!(stages.get(lead), Some(&"Lead"));
        assert_eq!(stages.get(StageId::new(2)), None);
        assert_eq!(stages.position(|s| *s == "MQL"), Some(mql));
        assert_eq!(stages.ids().collect::<Vec<_>>(), vec![lead, mql]);
        assert_eq!(format!("{:?}", mql), "1");
    }
}
