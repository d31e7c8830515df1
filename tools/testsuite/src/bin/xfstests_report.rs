// SPDX-License-Identifier: GPL-2.0
//! `bouncefs-xfstests-report`: the table of an xfstests run (tools/scripts/xfstests.sh).
//!
//! ```text
//! bouncefs-xfstests-report --tests FILE --results FSTYP=DIR... [--record FILE] [--rst FILE]
//!     [--date D] [--source S] [--commit C] [--disks TEXT] [--vms TEXT]
//! ```
//!
//! FILE lists the selected tests, one a line; each DIR is that file system's `RESULT_BASE`.
//! With `--record`, the run's verdicts are added to that record of earlier runs (written
//! back), and the report covers them all: tests this run did not reach keep the verdict of
//! the latest run that gave one. Prints the report and writes it into the reST file. Exits 1
//! when the first file system (bouncefs) has a failure, 2 on bad usage or a bad record.

use bouncefs_testsuite::xfstests::{self, Record, RunInfo, Status};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut tests_file = None;
    let mut results = Vec::new();
    let mut rst: Option<PathBuf> = None;
    let mut record_path: Option<PathBuf> = None;
    let mut commit = String::from("unknown");
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
            "--record" => record_path = Some(PathBuf::from(value)),
            "--commit" => commit = value,
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
        eprintln!("usage: bouncefs-xfstests-report --tests FILE --results FSTYP=DIR... [--record FILE] [--rst FILE] [--date D] [--source S] [--commit C] [--disks TEXT] [--vms TEXT]");
        return ExitCode::from(2);
    };
    let tests: Vec<String> = match std::fs::read_to_string(&tests_file) {
        Ok(t) => t.split_whitespace().map(String::from).collect(),
        Err(e) => {
            eprintln!("bouncefs-xfstests-report: {tests_file}: {e}");
            return ExitCode::from(2);
        }
    };
    let this_run: Vec<_> = results
        .iter()
        .map(|(fs, dir)| xfstests::load(fs, Path::new(dir), &tests))
        .collect();
    let info = RunInfo {
        kernel: this_run
            .iter()
            .find_map(|r| r.kernel.clone())
            .unwrap_or_else(|| "unknown".into()),
        runtime: this_run
            .iter()
            .map(|r| (r.fstyp.clone(), r.runtime))
            .collect(),
        date,
        source,
        commit,
        disks,
        vms,
    };
    let (all, runs) = match &record_path {
        None => (this_run, vec![info]),
        Some(path) => {
            let mut record = match std::fs::read_to_string(path) {
                Ok(text) => match Record::parse(&text) {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("bouncefs-xfstests-report: {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Record::default(),
                Err(e) => {
                    eprintln!("bouncefs-xfstests-report: {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            };
            record.add(info, &this_run);
            if let Err(e) = std::fs::write(path, record.to_text()) {
                eprintln!("bouncefs-xfstests-report: {}: {e}", path.display());
                return ExitCode::from(2);
            }
            (record.results(&tests), record.runs)
        }
    };
    let text = xfstests::render(&all, &tests, &runs);
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
    let Some(first) = all.first() else {
        return ExitCode::SUCCESS;
    };
    if first.status.values().any(|s| matches!(s, Status::Fail(_))) {
        eprintln!("bouncefs-xfstests-report: {} has failures", first.fstyp);
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
