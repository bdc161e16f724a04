use crate::syntax::parse;

#[test]
fn scratch() {
    let fixture = include_str!("../testdata/b2b_lifecycle.nurture");
    match parse(fixture) {
        Ok(f) => println!("OK {} items", f.items.len()),
        Err(e) => println!("{e:#?}"),
    }
    for src in std::fs::read_to_string("/tmp/bad.txt").unwrap().split("\n---\n") {
        match parse(src) {
            Ok(_) => println!("{src:?}\n   => OK"),
            Err(e) => for e in e { println!("{src:?}\n   => {} {} {:?} [{}] help={:?}", e.code, e.message, e.span, &src[e.span.start..e.span.end], e.help) },
        }
    }
}

#[test]
fn scratch_positives() {
    use crate::syntax::grammar::{NurtureGrammar, Rule};
    use pest::Parser;
    for src in ["rulle a: if x = 1 then stop", "stages A\nrulle a: if x = 1 then stop", "rule a: when x = 1 then stop\nsegmnt"] {
        if let Err(e) = NurtureGrammar::parse(Rule::file, src) { println!("{src:?} {:?} {:?}", e.variant, e.location); }
    }
}
