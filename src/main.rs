//! The `nurture` command-line tool.

fn main() {
    std::process::exit(nurture::cli::run());
}
