//! The fixed rules program shared by the `loader` and `simulate` targets,
//! checked once per process.

use nurture::check::ir::Program;
use std::path::Path;
use std::sync::OnceLock;

const SOURCE: &str = include_str!("../programs/simulate.nurture");

pub fn program() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let checked = nurture::driver::check_source(
            Path::new("fuzz/programs/simulate.nurture"),
            "simulate.nurture",
            SOURCE.to_string(),
        );
        match checked.program {
            Some(program) => program,
            None => panic!("the fuzz program does not check: {:?}", checked.diagnostics),
        }
    })
}
