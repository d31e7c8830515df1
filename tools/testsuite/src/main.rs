// SPDX-License-Identifier: GPL-2.0
//! `bouncefs-tests`: the in-guest test runner. Usage:
//!
//! ```text
//! bouncefs-tests [--log-dir DIR] [--only "NAME..."] [--kunit-required SUITE,...] [--no-kunit]
//!                [--vm NAME --claim-dir DIR] [--report FILE] TESTS_DIR
//! bouncefs-tests --merge [--only "NAME..."] TESTS_DIR VM=REPORT...
//! ```
//!
//! Runs the built-in checks (`boot`: a clean boot log; `kunit`: every KUnit suite the kernel
//! ran) and then every script of TESTS_DIR in file-name order; prints one line per test and
//! `N passed, N failed` (and writes the same to `--report`); exits 1 if anything failed, 2 on
//! bad usage.
//!
//! Several VMs can share one suite: each runs with `--vm NAME` and the same `--claim-dir`
//! (a directory all of them see), takes the scripts costliest first (`# cost:` in a script's
//! header) and runs those no other VM has claimed. `--merge` then turns their reports into
//! one, in file-name order, with a failure for any selected test no VM ran.

use bouncefs_testsuite::kmsg::{Kmsg, LogReader};
use bouncefs_testsuite::report;
use bouncefs_testsuite::runner::{self, Outcome};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: bouncefs-tests [--log-dir DIR] [--only \"NAME...\"] [--kunit-required SUITE,...] [--no-kunit] [--vm NAME --claim-dir DIR] [--report FILE] TESTS_DIR
       bouncefs-tests --merge [--only \"NAME...\"] TESTS_DIR VM=REPORT...";

#[derive(Default)]
struct Options {
    log_dir: PathBuf,
    only: Option<Vec<String>>,
    kunit_required: Vec<String>,
    kunit: bool,
    vm: Option<String>,
    claim_dir: Option<PathBuf>,
    report: Option<PathBuf>,
    merge: bool,
    tests_dir: Option<PathBuf>,
    /// `--merge`: the reports, as (VM name, file).
    reports: Vec<(String, PathBuf)>,
}

fn usage(why: &str) -> ExitCode {
    eprintln!("bouncefs-tests: {why}");
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut opts = Options {
        log_dir: PathBuf::from("/tmp/bouncefs-tests"),
        kunit: true,
        ..Default::default()
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--log-dir" => opts.log_dir = PathBuf::from(value("--log-dir")?),
            "--only" => {
                let names: Vec<String> = value("--only")?
                    .split_whitespace()
                    .map(String::from)
                    .collect();
                opts.only = (!names.is_empty()).then_some(names);
            }
            "--kunit-required" => {
                opts.kunit_required = value("--kunit-required")?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            }
            "--no-kunit" => opts.kunit = false,
            "--vm" => opts.vm = Some(value("--vm")?),
            "--claim-dir" => opts.claim_dir = Some(PathBuf::from(value("--claim-dir")?)),
            "--report" => opts.report = Some(PathBuf::from(value("--report")?)),
            "--merge" => opts.merge = true,
            a if a.starts_with('-') => return Err(format!("unknown option {a}")),
            a if opts.tests_dir.is_none() => opts.tests_dir = Some(PathBuf::from(a)),
            a if opts.merge => match a.split_once('=') {
                Some((vm, file)) if !vm.is_empty() => {
                    opts.reports.push((vm.to_string(), PathBuf::from(file)))
                }
                _ => return Err(format!("'{a}' is not VM=REPORT")),
            },
            a => return Err(format!("unexpected argument '{a}'")),
        }
    }
    if opts.tests_dir.is_none() {
        return Err("no TESTS_DIR given".into());
    }
    if opts.claim_dir.is_some() != opts.vm.is_some() {
        return Err("--vm and --claim-dir go together".into());
    }
    if opts.merge && opts.reports.is_empty() {
        return Err("--merge needs at least one VM=REPORT".into());
    }
    Ok(opts)
}

/// Prints results to stdout and to the report file, and counts them.
struct Printer {
    report: Option<std::fs::File>,
    passed: usize,
    failed: usize,
}

impl Printer {
    fn line(&mut self, line: &str) {
        println!("{line}");
        if let Some(file) = &mut self.report {
            // The console has the line too; a report that cannot be written shows up as a
            // missing summary when the reports are merged.
            let _ = writeln!(file, "{line}");
        }
    }

    fn outcome(&mut self, outcome: &Outcome) {
        self.line(&outcome.line());
        for line in &outcome.details {
            self.line(&format!("        {line}"));
        }
        if outcome.failure.is_some() {
            self.failed += 1;
        } else {
            self.passed += 1;
        }
    }

    fn lines(&mut self, lines: &[String], passed: bool) {
        for line in lines {
            self.line(line);
        }
        if passed {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }

    fn finish(mut self) -> ExitCode {
        let summary = format!("{} passed, {} failed", self.passed, self.failed);
        self.line(&summary);
        if self.failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

fn selected(only: &Option<Vec<String>>, name: &str) -> bool {
    only.as_ref()
        .is_none_or(|only| only.iter().any(|n| n == name))
}

/// A name given to --only that matches nothing is a failure, not an empty green run.
fn unknown_names(only: &Option<Vec<String>>, scripts: &[runner::Script]) -> Vec<Outcome> {
    only.iter()
        .flatten()
        .filter(|name| *name != "boot" && *name != "kunit")
        .filter(|name| !scripts.iter().any(|s| &s.name == *name))
        .map(|name| Outcome {
            name: name.clone(),
            failure: Some("no such test".into()),
            elapsed: Default::default(),
            details: vec![],
        })
        .collect()
}

fn merge(opts: &Options, tests_dir: &Path, scripts: &[runner::Script]) -> ExitCode {
    let mut printer = Printer {
        report: None,
        passed: 0,
        failed: 0,
    };
    let reports: Vec<(String, Option<report::Report>)> = opts
        .reports
        .iter()
        .map(|(vm, path)| {
            let parsed = std::fs::read_to_string(path)
                .ok()
                .map(|text| report::parse(&text));
            (vm.clone(), parsed)
        })
        .collect();
    let order: Vec<String> = scripts
        .iter()
        .filter(|s| selected(&opts.only, &s.name))
        .map(|s| s.name.clone())
        .collect();
    if reports.iter().all(|(_, r)| r.is_none()) {
        eprintln!(
            "bouncefs-tests: no report of any VM (tests of {})",
            tests_dir.display()
        );
    }
    for block in report::merge(&reports, &order) {
        printer.lines(&block.lines, block.passed);
    }
    printer.finish()
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(opts) => opts,
        Err(why) => return usage(&why),
    };
    let Some(tests_dir) = opts.tests_dir.clone() else {
        return usage("no TESTS_DIR given");
    };
    let mut scripts = match runner::scripts(&tests_dir) {
        Ok(scripts) => scripts,
        Err(e) => return usage(&format!("cannot list {}: {e}", tests_dir.display())),
    };
    if opts.merge {
        return merge(&opts, &tests_dir, &scripts);
    }

    if let Err(e) = std::fs::create_dir_all(&opts.log_dir) {
        eprintln!(
            "bouncefs-tests: cannot create {}: {e}",
            opts.log_dir.display()
        );
        return ExitCode::from(2);
    }
    let report = match &opts.report {
        None => None,
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Some(file),
            Err(e) => return usage(&format!("cannot create {}: {e}", path.display())),
        },
    };
    let mut printer = Printer {
        report,
        passed: 0,
        failed: 0,
    };
    for outcome in unknown_names(&opts.only, &scripts) {
        printer.outcome(&outcome);
    }

    let mut kmsg = match Kmsg::open() {
        Ok(kmsg) => kmsg,
        Err(e) => {
            printer.outcome(&Outcome {
                name: "kmsg".into(),
                failure: Some(format!("cannot open /dev/kmsg: {e}")),
                elapsed: Default::default(),
                details: vec![],
            });
            return printer.finish();
        }
    };
    let mut kmsg = LogReader::from_boot(&mut kmsg);
    // Read the boot log even when `boot` is not selected, so that it is not charged to the
    // first test.
    let boot_name = opts
        .vm
        .as_ref()
        .map_or("boot".to_string(), |vm| format!("boot/{vm}"));
    let boot = runner::check_boot(&mut kmsg, &opts.log_dir, &boot_name);
    if selected(&opts.only, "boot") {
        printer.outcome(&boot);
    }
    if opts.kunit && selected(&opts.only, "kunit") {
        let required: Vec<&str> = opts.kunit_required.iter().map(String::as_str).collect();
        for outcome in runner::check_kunit(Path::new(runner::KUNIT_DEBUGFS), &required) {
            printer.outcome(&outcome);
        }
    }
    if opts.claim_dir.is_some() {
        // Costliest first; the sort is stable, so equal costs keep the file order.
        scripts.sort_by_key(|s| std::cmp::Reverse(s.cost));
    }
    for script in scripts.iter().filter(|s| selected(&opts.only, &s.name)) {
        if let Some(dir) = &opts.claim_dir {
            let vm = opts.vm.as_deref().unwrap_or_default();
            match runner::claim(dir, &script.name, vm) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    printer.outcome(&Outcome {
                        name: script.name.clone(),
                        failure: Some(format!("cannot claim it in {}: {e}", dir.display())),
                        elapsed: Default::default(),
                        details: vec![],
                    });
                    continue;
                }
            }
        }
        let outcome = runner::run_script(script, &opts.log_dir, &mut kmsg);
        printer.outcome(&outcome);
    }
    printer.finish()
}
