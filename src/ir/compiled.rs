//! The compiled artefacts of a program: regular expressions and rhai
//! scripts. Conditions refer to them by id ([`RegexId`], [`ScriptId`]), so
//! the conditions and steps stay plain data that compares, hashes and
//! serialises, while the compiled forms are built once by the checker and
//! shared by every contact and thread.

use super::{IdVec, RegexId, ScriptId};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Compiled {
    /// One per distinct pattern: the checker compiles a pattern written
    /// twice once, so equal `matches` tests have equal ids.
    pub regexes: IdVec<RegexId, regex::Regex>,
    /// By script id, parallel to `Program::scripts`. A script that did not
    /// compile keeps an empty slot so the ids stay aligned (the program
    /// then has errors and never runs).
    pub scripts: IdVec<ScriptId, Arc<rhai::AST>>,
}

impl Compiled {
    /// The pattern of regex `id` as written, for explanations.
    pub fn pattern(&self, id: RegexId) -> &str {
        self.regexes.get(id).map_or("", regex::Regex::as_str)
    }
}
