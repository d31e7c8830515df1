// SPDX-License-Identifier: GPL-2.0
//! `bouncefs-tests`: the in-guest test runner. Usage:
//!
//! ```text
//! bouncefs-tests [--log-dir DIR] [--only "NAME..."] [--kunit-required SUITE,...] TESTS_DIR
//! ```
//!
//! Runs the built-in checks (`boot`: a clean boot log; `kunit`: every KUnit suite the kernel
//! ran) and then every script of TESTS_DIR in file-name order; prints one line per test and
//! `N passed, N failed`; exits 1 if anything failed, 2 on bad usage.

use bouncefs_testsuite::kmsg::Kmsg;
use bouncefs_testsuite::runner::{self, Outcome};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

struct Options {
    log_dir: PathBuf,
    only: Option<Vec<String>>,
    kunit_required: Vec<String>,
    tests_dir: PathBuf,
}

fn usage(why: &str) -> ExitCode {
    eprintln!("bouncefs-tests: {why}");
    eprintln!("usage: bouncefs-tests [--log-dir DIR] [--only \"NAME...\"] [--kunit-required SUITE,...] TESTS_DIR");
    ExitCode::from(2)
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut log_dir = PathBuf::from("/tmp/bouncefs-tests");
    let mut only = None;
    let mut kunit_required = Vec::new();
    let mut tests_dir = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--log-dir" => log_dir = PathBuf::from(value("--log-dir")?),
            "--only" => {
                let names: Vec<String> = value("--only")?
                    .split_whitespace()
                    .map(String::from)
                    .collect();
                only = (!names.is_empty()).then_some(names);
            }
            "--kunit-required" => {
                kunit_required = value("--kunit-required")?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            }
            a if a.starts_with('-') => return Err(format!("unknown option {a}")),
            a => tests_dir = Some(PathBuf::from(a)),
        }
    }
    Ok(Options {
        log_dir,
        only,
        kunit_required,
        tests_dir: tests_dir.ok_or("no TESTS_DIR given")?,
    })
}

fn report(outcome: &Outcome, passed: &mut usize, failed: &mut usize) {
    println!("{}", outcome.line());
    for line in &outcome.details {
        println!("        {line}");
    }
    if outcome.failure.is_some() {
        *failed += 1;
    } else {
        *passed += 1;
    }
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(opts) => opts,
        Err(why) => return usage(&why),
    };
    let selected = |name: &str| {
        opts.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|n| n == name))
    };
    let (mut passed, mut failed) = (0, 0);

    if let Err(e) = std::fs::create_dir_all(&opts.log_dir) {
        eprintln!(
            "bouncefs-tests: cannot create {}: {e}",
            opts.log_dir.display()
        );
        return ExitCode::from(2);
    }
    let scripts = match runner::scripts(&opts.tests_dir) {
        Ok(scripts) => scripts,
        Err(e) => return usage(&format!("cannot list {}: {e}", opts.tests_dir.display())),
    };
    // A name that matches nothing is a failure, not an empty green run.
    if let Some(only) = &opts.only {
        for name in only {
            if name != "boot" && name != "kunit" && !scripts.iter().any(|s| &s.name == name) {
                let outcome = Outcome {
                    name: name.clone(),
                    failure: Some("no such test".into()),
                    elapsed: Default::default(),
                    details: vec![],
                };
                report(&outcome, &mut passed, &mut failed);
            }
        }
    }

    let mut kmsg = match Kmsg::open() {
        Ok(kmsg) => kmsg,
        Err(e) => {
            eprintln!("bouncefs-tests: cannot open /dev/kmsg: {e}");
            println!("{passed} passed, {} failed", failed + 1);
            return ExitCode::FAILURE;
        }
    };
    // Read the boot log even when `boot` is not selected, so that it is not charged to the
    // first test.
    let boot = runner::check_boot(&mut kmsg, &opts.log_dir);
    if selected("boot") {
        report(&boot, &mut passed, &mut failed);
    }
    if selected("kunit") {
        let required: Vec<&str> = opts.kunit_required.iter().map(String::as_str).collect();
        for outcome in runner::check_kunit(Path::new(runner::KUNIT_DEBUGFS), &required) {
            report(&outcome, &mut passed, &mut failed);
        }
    }
    for script in scripts.iter().filter(|s| selected(&s.name)) {
        let outcome = runner::run_script(script, &opts.log_dir, &mut kmsg);
        report(&outcome, &mut passed, &mut failed);
    }

    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
