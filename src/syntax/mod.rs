//! Source text to AST. pest is used only inside this module.

pub mod ast;
mod duration;
mod error;
mod grammar;
mod lexer;
mod limits;
mod lower;
mod messages;
mod parser;
mod prescan;
mod recover;
pub mod words;

pub use duration::parse_duration_text;
pub use error::{codes, Fix, SyntaxError};
pub use parser::{parse, parse_recovering, Parsed};

#[cfg(test)]
mod tests;
