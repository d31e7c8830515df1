// SPDX-License-Identifier: GPL-2.0
//! `bouncefs-xfstests-report`: the table of an xfstests run (tools/scripts/xfstests.sh).
//!
//! ```text
//! bouncefs-xfstests-report --tests FILE --results FSTYP=DIR... [--rst FILE] [--date D] [--source S] [--disks TEXT] [--vms TEXT]
//! ```
//!
//! FILE lists the selected tests, one a line; each DIR is that file system's `RESULT_BASE`.
//! Prints the report and writes it into the reST file. Exits 1 when the first file system
//! (bouncefs) has a failure, 2 on bad usage.

use bouncefs_testsuite::xfstests::{self, RunInfo, Status};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut tests_file = None;
    let mut results = Vec::new();
    let mut rst: Option<PathBuf> = None;
    let mut date = String::from("unknown date");
    let mut source = String::from("unknown");
    let mut disks = String::from("unknown disks");
    let mut vms = String::from("unknown VMs");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let Some(value) = args.next() else {
            eprintln!("bouncefs-xfstests-report: {arg} needs a value");
            return ExitCode::from(2);
        };
        match arg.as_str() {
            "--tests" => tests_file = Some(value),
            "--results" => match value.split_once('=') {
                Some((fs, dir)) => results.push((fs.to_string(), PathBuf::from(dir))),
                None => {
                    eprintln!("bouncefs-xfstests-report: --results wants FSTYP=DIR, not {value}");
                    return ExitCode::from(2);
                }
            },
            "--rst" => rst = Some(PathBuf::from(value)),
            "--date" => date = value,
            "--source" => source = value,
            "--disks" => disks = value,
            "--vms" => vms = value,
            _ => {
                eprintln!("bouncefs-xfstests-report: unknown option {arg}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(tests_file), false) = (tests_file, results.is_empty()) else {
        eprintln!("usage: bouncefs-xfstests-report --tests FILE --results FSTYP=DIR... [--rst FILE] [--date D] [--source S] [--disks TEXT] [--vms TEXT]");
        return ExitCode::from(2);
    };
    let tests: Vec<String> = match std::fs::read_to_string(&tests_file) {
        Ok(t) => t.split_whitespace().map(String::from).collect(),
        Err(e) => {
            eprintln!("bouncefs-xfstests-report: {tests_file}: {e}");
            return ExitCode::from(2);
        }
    };
    let all: Vec<_> = results
        .iter()
        .map(|(fs, dir)| xfstests::load(fs, Path::new(dir), &tests))
        .collect();
    let text = xfstests::render(
        &all,
        &tests,
        &RunInfo {
            date: &date,
            source: &source,
            disks: &disks,
            vms: &vms,
        },
    );
    println!("{text}");
    for r in &all {
        let [p, f, n, k, u] = xfstests::counts(r);
        println!(
            "xfstests {}: {p} passed, {f} failed, {n} not run, {k} killed by the time limit, {u} not reached, {} s",
            r.fstyp, r.runtime
        );
    }
    if let Some(path) = rst {
        let doc = format!(
            ".. SPDX-License-Identifier: GPL-2.0\n.. Written by bouncefs-xfstests-report \
             (make xfstests); included by xfstests.rst.\n\n{text}"
        );
        if let Err(e) = std::fs::write(&path, doc) {
            eprintln!("bouncefs-xfstests-report: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let failed = all[0].status.values().any(|s| matches!(s, Status::Fail(_)));
    if failed {
        eprintln!("bouncefs-xfstests-report: {} has failures", all[0].fstyp);
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
