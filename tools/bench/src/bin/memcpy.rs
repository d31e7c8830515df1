// SPDX-License-Identifier: GPL-2.0

//! bouncefs-memcpy-bw: memory-copy bandwidth, the cost bouncing adds per byte.
//!
//! ```text
//! bouncefs-memcpy-bw [--reps N] [--total BYTES]
//! ```
//!
//! Copies `--total` bytes (default 64 MiB, larger than any cache) from one buffer to another
//! in chunks of 4 KiB (one bounce page), 128 KiB and 1 MiB (the benchmark's bio sizes) and
//! in one piece, `--reps` times each. Prints one line per run:
//! `memcpy chunk=BYTES total=BYTES rep=N bytes_per_sec=X`. The kernel's bounce copy is a
//! kernel memcpy; this measures the same memory system from user space.

use std::{hint::black_box, process::ExitCode, time::Instant};

const CHUNKS: [usize; 3] = [4096, 128 << 10, 1 << 20];

fn parse(mut argv: impl Iterator<Item = String>) -> Result<(u32, usize), String> {
    let (mut reps, mut total) = (5u32, 64usize << 20);
    while let Some(flag) = argv.next() {
        let value = argv.next().ok_or(format!("{flag} needs a value"))?;
        let bad = || format!("bad number '{value}'");
        match flag.as_str() {
            "--reps" => reps = value.parse().map_err(|_| bad())?,
            "--total" => total = value.parse().map_err(|_| bad())?,
            f => return Err(format!("unknown option '{f}'")),
        }
    }
    if reps == 0 || total < 1 << 20 || total % (1 << 20) != 0 {
        return Err("--reps must be > 0, --total a multiple of 1 MiB".into());
    }
    Ok((reps, total))
}

/// Seconds to copy `src` into `dst` in pieces of `chunk` bytes.
fn copy_time(src: &[u8], dst: &mut [u8], chunk: usize) -> f64 {
    let start = Instant::now();
    for (d, s) in dst.chunks_mut(chunk).zip(src.chunks(chunk)) {
        d.copy_from_slice(black_box(s));
    }
    black_box(&dst);
    start.elapsed().as_secs_f64()
}

fn main() -> ExitCode {
    let (reps, total) = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "bouncefs-memcpy-bw: {e}\nusage: bouncefs-memcpy-bw [--reps N] [--total BYTES]"
            );
            return ExitCode::FAILURE;
        }
    };
    // Both buffers touched first: page faults are not part of the copy.
    let src: Vec<u8> = (0..total).map(|i| i as u8).collect();
    let mut dst = vec![1u8; total];
    for chunk in CHUNKS.into_iter().chain([total]) {
        for rep in 1..=reps {
            let secs = copy_time(&src, &mut dst, chunk);
            let rate = total as f64 / secs;
            println!("memcpy chunk={chunk} total={total} rep={rep} bytes_per_sec={rate:.0}");
        }
    }
    if dst != src {
        eprintln!("bouncefs-memcpy-bw: the copy differs from its source");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
