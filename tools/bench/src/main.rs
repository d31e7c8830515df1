// SPDX-License-Identifier: GPL-2.0

//! bouncefs-bench-report: make bench's results table and plot data from fio's JSON.
//!
//! ```text
//! bouncefs-bench-report RESULTS_DIR --markdown FILE --plot-data FILE --plot-script FILE
//!     --png FILE [--png-link TEXT] [--date TEXT] [--kernel-kind TEXT] [--elapsed SECONDS]
//! ```
//!
//! RESULTS_DIR is what the guest wrote (`GROUP/CONFIG/repN.json`, `memcpy.txt`,
//! `kernel-release`, `cpus`, `mem-kib`, `fio-version`, `settings`, `profile.md`). Writes the
//! markdown document, the gnuplot data and the gnuplot script that renders the PNG; the
//! caller runs gnuplot. Exit 1 on anything it cannot read: a report from half the data
//! would look complete.

use bouncefs_bench::{load, memcpy_rates, report};
use std::{fs, path::Path, process::ExitCode};

struct Args {
    results: String,
    markdown: String,
    plot_data: String,
    plot_script: String,
    png: String,
    png_link: Option<String>,
    date: String,
    kernel_kind: String,
    elapsed: Option<u64>,
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let results = argv.next().ok_or("no results directory")?;
    let mut a = Args {
        results,
        markdown: String::new(),
        plot_data: String::new(),
        plot_script: String::new(),
        png: String::new(),
        png_link: None,
        date: String::from("unknown"),
        kernel_kind: String::from("unknown"),
        elapsed: None,
    };
    while let Some(flag) = argv.next() {
        let value = argv.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--markdown" => a.markdown = value,
            "--plot-data" => a.plot_data = value,
            "--plot-script" => a.plot_script = value,
            "--png" => a.png = value,
            "--png-link" => a.png_link = Some(value),
            "--date" => a.date = value,
            "--kernel-kind" => a.kernel_kind = value,
            "--elapsed" => {
                a.elapsed = Some(value.parse().map_err(|_| format!("bad number '{value}'"))?)
            }
            f => return Err(format!("unknown option '{f}'")),
        }
    }
    if a.markdown.is_empty()
        || a.plot_data.is_empty()
        || a.plot_script.is_empty()
        || a.png.is_empty()
    {
        return Err("--markdown, --plot-data, --plot-script and --png are required".into());
    }
    Ok(a)
}

/// A one-line file the guest wrote, or "unknown".
fn line(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

fn run(a: &Args) -> Result<(), String> {
    let dir = Path::new(&a.results);
    let runs = load(dir)?;
    if runs.is_empty() {
        return Err(format!("no fio results under {}", dir.display()));
    }
    let memcpy = fs::read_to_string(dir.join("memcpy.txt"))
        .map(|t| memcpy_rates(&t))
        .unwrap_or_default();
    let profile = fs::read_to_string(dir.join("profile.md")).ok();
    let mem_mib = line(dir, "mem-kib")
        .parse::<u64>()
        .map_or("unknown".into(), |k| (k / 1024).to_string());
    let meta = report::Meta {
        date: a.date.clone(),
        kernel: line(dir, "kernel-release"),
        kernel_kind: a.kernel_kind.clone(),
        vm: format!(
            "QEMU TCG (no KVM), {} vCPUs, {mem_mib} MiB visible to the guest, on a host with 2 cores shared with other work",
            line(dir, "cpus")
        ),
        fio: line(dir, "fio-version"),
        settings: line(dir, "settings"),
        elapsed_s: a.elapsed,
    };
    let png_link = a.png_link.clone().unwrap_or_else(|| a.png.clone());
    let md = report::markdown(&report::Inputs {
        runs: &runs,
        memcpy: &memcpy,
        profile: profile.as_deref(),
        meta,
        png: &png_link,
    });
    let write = |p: &str, t: &str| fs::write(p, t).map_err(|e| format!("{p}: {e}"));
    write(&a.markdown, &md)?;
    write(&a.plot_data, &report::plot_data(&runs))?;
    let subtitle = format!("{}, {}", line(dir, "kernel-release"), a.kernel_kind);
    write(
        &a.plot_script,
        &report::plot_script(&a.plot_data, &a.png, &subtitle),
    )?;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bouncefs-bench-report: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bouncefs-bench-report: {e}");
            ExitCode::FAILURE
        }
    }
}
