//! The shortcut of `nurture diff` (docs/diff.md, "Cost") agrees with
//! running every contact under both versions: for edits of every kind to
//! the B2B example over generated contacts, `diff --format json` and
//! `diff --run-twice --format json` give the same report, but for how many
//! contacts ran once. Some edits take the shortcut for most contacts, some
//! cannot take it at all; both kinds are here, and the test checks that
//! each took the path it should.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// One edit of examples/b2b_lifecycle.nurture: replace `from` by `to`
/// (which must occur), and whether the shortcut may be taken.
struct Edit {
    name: &'static str,
    from: &'static str,
    to: &'static str,
    shortcut: bool,
}

const EDITS: &[Edit] = &[
    Edit {
        name: "a threshold",
        from: "(points >= 40 or submitted form webinar)",
        to: "(points >= 30 or submitted form webinar)",
        shortcut: true,
    },
    Edit {
        name: "another threshold",
        from: "    and points >= 60\n",
        to: "    and points >= 45\n",
        shortcut: true,
    },
    Edit {
        name: "an event rule's points",
        from: "on clicked email then add 3 points",
        to: "on clicked email then add 5 points",
        shortcut: true,
    },
    Edit {
        name: "a wait",
        from: "       wait 7 days,\n",
        to: "       wait 3 days,\n",
        shortcut: true,
    },
    Edit {
        name: "an exit",
        from: "  exit when stage >= SQL\n",
        to: "  exit when stage >= Customer\n",
        shortcut: true,
    },
    Edit {
        name: "a repeat",
        from: "  repeat every 180 days\n",
        to: "  repeat every 60 days\n",
        shortcut: true,
    },
    Edit {
        name: "a removed rule",
        from: "rule advocate:\n  on event referral\n  then move to Ambassador, add tag \"advocate\"\n",
        to: "",
        shortcut: true,
    },
    Edit {
        name: "a new rule",
        from: "# --- nurture and win-back",
        to: "rule big_spender:\n  when points >= 50 and stage >= Customer\n  then add tag \"big\", send email onboarding\n\n# --- nurture and win-back",
        shortcut: true,
    },
    Edit {
        name: "a priority",
        from: "rule demo_request priority 10:",
        to: "rule demo_request:",
        shortcut: true,
    },
    Edit {
        name: "a rename",
        from: "rule repeat_buyer:",
        to: "rule loyal_on_second_purchase:",
        shortcut: true,
    },
    Edit {
        name: "a comment",
        from: "# --- nurture and win-back",
        to: "# --- nurture, and then win-back",
        shortcut: true,
    },
    Edit {
        name: "two rules in another order",
        from: "rule onboarding:\n  when stage is Customer\n  then send email onboarding, remove tag \"hot\"\n\nrule repeat_buyer:\n  when stage >= Customer and purchased 2 times in last 365 days\n  then move to Loyal\n",
        to: "rule repeat_buyer:\n  when stage >= Customer and purchased 2 times in last 365 days\n  then move to Loyal\n\nrule onboarding:\n  when stage is Customer\n  then send email onboarding, remove tag \"hot\"\n",
        shortcut: false,
    },
    Edit {
        name: "a stage added",
        from: "stages Subscriber, Lead, MQL, SQL, Customer, Loyal, Ambassador",
        to: "stages Subscriber, Lead, MQL, SQL, Opportunity, Customer, Loyal, Ambassador",
        shortcut: false,
    },
];

fn generated_data(dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    let run = common::nurture(&[
        "generate",
        "--contacts",
        "1500",
        "--seed",
        "11",
        "--quiet",
        "--out",
        data.to_str().unwrap(),
    ]);
    run.assert_clean_exit("generate");
    (data.join("contacts.csv"), data.join("events.csv"))
}

fn diff_json(
    dir: &Path,
    before: &Path,
    after: &Path,
    data: &(PathBuf, PathBuf),
    extra: &[&str],
) -> Value {
    let mut args = vec![
        "diff",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
        "--contacts",
        data.0.to_str().unwrap(),
        "--events",
        data.1.to_str().unwrap(),
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let run = common::nurture_in(dir, &args);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    run.json()
}

#[test]
fn the_shortcut_gives_the_report_of_running_twice() {
    let dir = common::scratch("diff_shortcut");
    common::copy_dir(&common::root().join("examples"), &dir.join("examples"));
    let data = generated_data(&dir);
    let before = dir.join("examples/b2b_lifecycle.nurture");
    let text = std::fs::read_to_string(&before).unwrap();
    let mut changed_somewhere = false;
    for edit in EDITS {
        assert!(
            text.contains(edit.from),
            "{}: `{}` is not in the example",
            edit.name,
            edit.from
        );
        let after = dir.join("examples/after.nurture");
        std::fs::write(&after, text.replacen(edit.from, edit.to, 1)).unwrap();
        let mut quick = diff_json(&dir, &before, &after, &data, &[]);
        let mut twice = diff_json(&dir, &before, &after, &data, &["--run-twice"]);
        let contacts = quick["contacts"].as_u64().unwrap();
        let once = quick["contacts_run_once"].as_u64().unwrap();
        assert_eq!(twice["contacts_run_once"], 0, "{}", edit.name);
        quick.as_object_mut().unwrap().remove("contacts_run_once");
        twice.as_object_mut().unwrap().remove("contacts_run_once");
        assert_eq!(
            quick, twice,
            "{}: the shortcut changed the report",
            edit.name
        );
        let changed = quick["changed"]["contacts"].as_u64().unwrap();
        changed_somewhere |= changed > 0;
        if edit.shortcut {
            // A contact that runs once has the same story in both versions.
            assert!(
                once + changed <= contacts,
                "{}: {once} run once, {changed} changed",
                edit.name
            );
            assert!(once > 0, "{}: no contact took the shortcut", edit.name);
        } else {
            assert_eq!(once, 0, "{}: the shortcut was taken", edit.name);
        }
        eprintln!(
            "{}: {contacts} contacts, {changed} changed, {once} run once",
            edit.name
        );
    }
    assert!(
        changed_somewhere,
        "no edit changed any contact: the data exercises nothing"
    );
}
