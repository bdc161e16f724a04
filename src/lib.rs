//! Nurture: a declarative rules language for marketing-automation campaigns.

pub mod syntax;
pub mod value;
