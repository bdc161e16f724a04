//! The campaign file on docs/cheatsheet.md checks clean (warnings denied)
//! and passes its own test, as the page promises.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::nurture_in;

#[test]
fn the_cheat_sheet_file_checks_clean_and_passes_its_test() {
    let doc = std::fs::read_to_string(common::root().join("docs/cheatsheet.md")).unwrap();
    let start = doc.find("```nurture\n").expect("a nurture block") + 11;
    let file = &doc[start..start + doc[start..].find("```").unwrap()];
    let dir = common::scratch("docs-cheatsheet");
    std::fs::write(dir.join("cheatsheet.nurture"), file).unwrap();
    let check = nurture_in(&dir, &["check", "--deny-warnings", "cheatsheet.nurture"]);
    assert_eq!(check.code(), Some(0), "{}\n{}", check.stdout, check.stderr);
    let test = nurture_in(&dir, &["test", "cheatsheet.nurture"]);
    assert_eq!(test.code(), Some(0), "{}\n{}", test.stdout, test.stderr);
    assert!(
        test.stdout.contains("1 passed, 0 failed"),
        "{}",
        test.stdout
    );
}
