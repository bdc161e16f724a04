//! The bottom layer: what every other module may use and which uses no other
//! module of the crate (see docs/architecture.md).

pub mod fsio;
pub mod number;
pub mod project;
pub mod span;
pub mod time;
pub mod value;
pub mod vocab;
