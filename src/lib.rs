//! Nurture: a declarative rules language for marketing-automation campaigns.

pub mod data; pub mod generate;
pub mod syntax;
pub mod value;
