//! Nurture: a declarative rules language for marketing-automation campaigns.
//!
//! The pipeline is: [`syntax`] (text → AST) → [`check`] (AST → resolved
//! program, with [`diagnostics`]) → [`eval`] (one contact at one instant)
//! → [`sim`] (dry runs over [`data`]) → [`report`].

// No `unsafe` anywhere but the one block in `sandbox::contact`, which is
// allowed there with the reasons it is sound.
#![deny(unsafe_code)]
// No index or string slice that can panic on bad input, as Cedar does:
// library code uses `get`, iterators or fixed-size arrays; the few places
// where an index is kept carry a local `allow` saying why it is in range.
// Tests may index (a panic there is a failed test).
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice))]

pub mod base;
pub mod check;
pub mod cli;
pub mod data;
pub mod database;
pub mod diagnostics;
pub mod diff;
pub mod driver;
pub mod eval;
pub mod fmt;
pub mod generate;
pub mod ir;
pub mod lint;
pub mod report;
pub mod sandbox;
pub mod sim;
pub mod sql;
pub mod syntax;
pub mod testing;
