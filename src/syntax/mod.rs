//! Source text to AST. pest is used only inside this module.

pub mod ast;
mod grammar;
