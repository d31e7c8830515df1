// SPDX-License-Identifier: GPL-2.0

//! bouncefs-dio-check: direct-I/O integrity and coherency scenarios.
//!
//! ```text
//! bouncefs-dio-check DIR [--lbs BYTES] [--seed N] [SCENARIO...]
//! ```
//!
//! Runs the named scenarios (default: all, see `--list`) with their files in DIR, which
//! must be on the file system under test. `--lbs` is the device's logical block size (the
//! `O_DIRECT` alignment, default 512). Prints one line per scenario, `ok` or `FAIL` with the
//! first difference found, and exits 1 if any failed, 2 on bad usage.

use bouncefs_diocheck::scenarios::{Ctx, ALL};
use std::{path::PathBuf, process::ExitCode, time::Instant};

const USAGE: &str = "usage: bouncefs-dio-check DIR [--lbs BYTES] [--seed N] [SCENARIO...] | --list";

fn parse() -> Result<(Ctx, Vec<String>), String> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut lbs = 512;
    let mut seed = 0x006f_756e_6365_6673;
    let mut names = Vec::new();
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{flag} needs a value"))?;
            v.parse().map_err(|_| format!("{flag}: bad number '{v}'"))
        };
        match arg.as_str() {
            "--lbs" => lbs = usize::try_from(number("--lbs")?).map_err(|e| e.to_string())?,
            "--seed" => seed = number("--seed")?,
            "--list" => {
                for (name, _) in ALL {
                    println!("{name}");
                }
                std::process::exit(0);
            }
            a if a.starts_with('-') => return Err(format!("unknown option {a}")),
            a if dir.is_none() => dir = Some(PathBuf::from(a)),
            a => names.push(a.to_string()),
        }
    }
    if !lbs.is_power_of_two() || !(512..=4096).contains(&lbs) {
        return Err(format!(
            "--lbs {lbs}: must be a power of two from 512 to 4096"
        ));
    }
    for n in &names {
        if !ALL.iter().any(|(name, _)| name == n) {
            return Err(format!("unknown scenario '{n}' (see --list)"));
        }
    }
    let dir = dir.ok_or("no DIR given")?;
    Ok((Ctx { dir, lbs, seed }, names))
}

fn main() -> ExitCode {
    let (ctx, names) = match parse() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bouncefs-dio-check: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut failed = 0;
    for (name, scenario) in ALL {
        if !names.is_empty() && !names.iter().any(|n| n == name) {
            continue;
        }
        let start = Instant::now();
        let result = scenario(&ctx);
        let secs = start.elapsed().as_secs_f64();
        match result {
            Ok(summary) => println!("{name}: ok ({secs:.1}s) {summary}"),
            Err(why) => {
                failed += 1;
                println!("{name}: FAIL ({secs:.1}s) {why}");
            }
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
