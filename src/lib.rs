//! Nurture: a declarative rules language for marketing-automation campaigns.
//!
//! The pipeline is: [`syntax`] (text → AST) → [`check`] (AST → resolved
//! program, with [`diagnostics`]) → evaluation and simulation.

pub mod check;
pub mod diagnostics;
pub mod syntax;
pub mod value;
pub mod cli;
pub mod data;
pub mod eval;
pub mod sim;
pub mod report;
