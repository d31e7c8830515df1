// SPDX-License-Identifier: GPL-2.0

//! bouncefs-dio-check: direct-I/O integrity and coherency scenarios.
//!
//! ```text
//! bouncefs-dio-check DIR [--lbs BYTES] [--seed N] [--verify] [SCENARIO...]
//! bouncefs-dio-check --list
//! ```
//!
//! Runs the named scenarios (default: all, see `--list`) with their files in DIR, which
//! must be on the file system under test. `--lbs` is the device's logical block size (the
//! `O_DIRECT` alignment, default 512). The seed makes every run's data and file identities
//! different: it is random unless `--seed` gives it, and printed first (`seed N`), so that
//! a failure can be replayed with `--seed N`. `--verify` does no I/O of its own but checks
//! the files a finished run with the same `--seed` and `--lbs` left in DIR (e.g. after a
//! remount). Prints one line per scenario, `NAME: ok` or `NAME: FAIL` with the first
//! difference found, and exits 1 if any failed, 2 on bad usage.

use bouncefs_diocheck::scenarios::{find, Ctx, ALL};
use std::{io::Read, path::PathBuf, process::ExitCode, time::Instant};

const USAGE: &str =
    "usage: bouncefs-dio-check DIR [--lbs BYTES] [--seed N] [--verify] [SCENARIO...] | --list";

struct Args {
    ctx: Ctx,
    names: Vec<String>,
    verify: bool,
}

/// A seed no earlier run used, in practice: from the kernel's random pool, or else from
/// the clock and the process id.
fn random_seed() -> u64 {
    let mut bytes = [0; 8];
    let from_pool = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if from_pool.is_ok() {
        return u64::from_le_bytes(bytes);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut lbs = 512;
    let mut seed = None;
    let mut verify = false;
    let mut names = Vec::new();
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{flag} needs a value"))?;
            v.parse().map_err(|_| format!("{flag}: bad number '{v}'"))
        };
        match arg.as_str() {
            "--lbs" => lbs = usize::try_from(number("--lbs")?).map_err(|e| e.to_string())?,
            "--seed" => seed = Some(number("--seed")?),
            "--verify" => verify = true,
            "--list" => {
                for s in ALL {
                    println!("{}", s.name);
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
        if find(n).is_none() {
            return Err(format!("unknown scenario '{n}' (see --list)"));
        }
    }
    let dir = dir.ok_or("no DIR given")?;
    let seed = seed.unwrap_or_else(random_seed);
    Ok(Args {
        ctx: Ctx { dir, lbs, seed },
        names,
        verify,
    })
}

fn main() -> ExitCode {
    let Args { ctx, names, verify } = match parse() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bouncefs-dio-check: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    println!("seed {} (replay with --seed {})", ctx.seed, ctx.seed);
    let mut failed = 0;
    for s in ALL {
        if !names.is_empty() && !names.iter().any(|n| n == s.name) {
            continue;
        }
        let start = Instant::now();
        let result = if verify {
            (s.verify)(&ctx)
        } else {
            (s.run)(&ctx)
        };
        let secs = start.elapsed().as_secs_f64();
        let name = s.name;
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
