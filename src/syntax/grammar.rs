//! The pest parser generated from `grammar/nurture.pest`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/nurture.pest"]
pub(crate) struct NurtureGrammar;
