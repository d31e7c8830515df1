// SPDX-License-Identifier: GPL-2.0

//! The scenarios against the host's own file system (the one holding the build's target
//! directory): a correct file system must pass all of them, so a failure there is a bug in
//! the scenarios, not in a file system. The other tests break files on purpose, on disk,
//! and show that the scenarios' own verification refuses each kind of bad data, naming
//! its offset.

use bouncefs_diocheck::{
    history::History,
    pattern::Pattern,
    scenarios::{self, Ctx, ALL},
    sys,
};
use std::{os::unix::fs::FileExt, path::PathBuf, process::Command};

const LBS: usize = 4096;
const SEED: u64 = 42;

fn ctx(name: &str) -> Ctx {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    Ctx {
        dir,
        lbs: LBS,
        seed: SEED,
    }
}

/// Overwrites bytes of a scenario's file on disk, behind the scenario's back.
fn put(ctx: &Ctx, name: &str, pos: u64, bytes: &[u8]) {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(ctx.path(name))
        .expect("open for corruption");
    file.write_all_at(bytes, pos).expect("corrupt");
    file.sync_all().expect("sync");
}

/// Runs `name`, checks its own verification passes, then returns that verification.
fn run(ctx: &Ctx, name: &str) -> fn(&Ctx) -> Result<String, String> {
    let s = scenarios::find(name).expect("scenario");
    (s.run)(ctx).unwrap_or_else(|e| panic!("{name}: {e}"));
    (s.verify)(ctx).unwrap_or_else(|e| panic!("{name} verify: {e}"));
    s.verify
}

fn fails_with(result: Result<String, String>, parts: &[&str]) -> String {
    let err = result.expect_err("the verification passed a broken file");
    for part in parts {
        assert!(err.contains(part), "'{part}' not in: {err}");
    }
    err
}

#[test]
fn every_scenario_passes_on_a_correct_file_system() {
    let ctx = ctx("dio-check");
    for s in ALL {
        if let Err(e) = (s.run)(&ctx) {
            panic!("{}: {e}", s.name);
        }
    }
    // And each one's verification, on all the files the runs left together.
    for s in ALL {
        if let Err(e) = (s.verify)(&ctx) {
            panic!("{} verify: {e}", s.name);
        }
    }
}

// round-trip's first write: version 1 at 3 logical blocks, one block long; its second:
// version 2 at 3 + 1 + 1 blocks.
const FIRST: u64 = 3 * LBS as u64;
const SECOND: u64 = 5 * LBS as u64;

#[test]
fn a_corrupted_byte_in_the_file_is_reported_with_its_offset() {
    let ctx = ctx("dio-check-corrupt");
    let verify = run(&ctx, "round-trip");
    let at = FIRST + 100;
    let mut byte = [0];
    std::fs::File::open(ctx.path("round-trip"))
        .and_then(|f| f.read_exact_at(&mut byte, at))
        .expect("read");
    put(&ctx, "round-trip", at, &[byte[0] ^ 0xff]);
    fails_with(
        verify(&ctx),
        &[&format!(
            "at file offset {FIRST}: byte at {at} differs from version 1"
        )],
    );
}

#[test]
fn another_files_data_at_the_same_offset_and_version_is_refused() {
    let ctx = ctx("dio-check-other-file");
    let verify = run(&ctx, "round-trip");
    // What "extending" (or a deleted file that had the block before) would have written
    // there: the same version at the same offset, only of another file.
    let other = Pattern::new(SEED, "extending").data(1, FIRST, 512);
    put(&ctx, "round-trip", FIRST, &other);
    fails_with(
        verify(&ctx),
        &[&format!(
            "at file offset {FIRST}: holds data of another file"
        )],
    );
}

#[test]
fn data_of_an_earlier_run_is_refused() {
    let earlier = ctx("dio-check-earlier-run");
    run(&earlier, "round-trip");
    let now = Ctx {
        seed: SEED + 1,
        ..ctx("dio-check-earlier-run")
    };
    fails_with(
        scenarios::round_trip_verify(&now),
        &[&format!(
            "at file offset {FIRST}: holds data of another file"
        )],
    );
}

#[test]
fn data_of_another_offset_is_refused() {
    let ctx = ctx("dio-check-other-offset");
    let verify = run(&ctx, "round-trip");
    let own = ctx.pattern("round-trip").data(1, FIRST, 512);
    put(&ctx, "round-trip", FIRST + 512, &own);
    fails_with(
        verify(&ctx),
        &[&format!(
            "at file offset {}: holds the data of offset {FIRST}",
            FIRST + 512
        )],
    );
}

#[test]
fn an_older_version_is_refused() {
    let ctx = ctx("dio-check-older");
    let verify = run(&ctx, "round-trip");
    let older = ctx.pattern("round-trip").data(1, SECOND, 512);
    put(&ctx, "round-trip", SECOND, &older);
    fails_with(
        verify(&ctx),
        &[&format!(
            "at file offset {SECOND}: version 1 of this offset, older than the expected version 2"
        )],
    );
}

#[test]
fn a_concurrent_scenarios_check_refuses_another_files_data() {
    let ctx = ctx("dio-check-concurrent");
    let verify = run(&ctx, "concurrent-overlapping");
    // Version 1 is valid at every offset of this file; of another file it is not.
    let other = Pattern::new(SEED, "concurrent-disjoint").data(1, 65536, 512);
    put(&ctx, "concurrent-overlapping", 65536, &other);
    fails_with(verify(&ctx), &["offset 65536: holds data of another file"]);
}

const MIB: u64 = 1 << 20;

/// A file holding version 1 over 4 MiB, and its history.
fn truncate_file(ctx: &Ctx, name: &str) -> (std::fs::File, PathBuf, Pattern, History) {
    let path = ctx.path(name);
    let _ = std::fs::remove_file(&path);
    let file = sys::open(&path, true).expect("create");
    let p = ctx.pattern(name);
    let data = bouncefs_diocheck::buffer::Aligned::from_slice(&p.data(1, 0, 4 * MIB as usize));
    file.write_all_at(&data, 0).expect("write");
    (file, path, p, History::new(4 * MIB, 1))
}

#[test]
fn truncate_race_refuses_old_data_reappearing_after_a_truncate() {
    let ctx = ctx("dio-check-truncate");
    let (file, path, p, history) = truncate_file(&ctx, "truncate-sim");
    // Truncate to 1 MiB and extend back to 4 MiB: 1..4 MiB must now read as zeroes.
    for len in [MIB, 4 * MIB] {
        history.truncate(len);
        file.set_len(len).expect("truncate");
    }
    history
        .verify_file(&file, &path, &p)
        .expect("correct file refused");
    // A file system that lost the truncate (or handed the freed block back with its old
    // data) would show the old version 1 at 2 MiB again.
    put(&ctx, "truncate-sim", 2 * MIB, &p.data(1, 2 * MIB, 65536));
    fails_with(
        history.verify_file(&file, &path, &p).map(|s| s.to_string()),
        &[
            "offset 2097152: version 1",
            "the truncate to 1048576",
            "old data reappearing after a truncate",
        ],
    );
}

#[test]
fn truncate_race_accepts_a_write_racing_the_truncate_but_not_older_data() {
    let ctx = ctx("dio-check-truncate-racing");
    let (file, path, p, history) = truncate_file(&ctx, "truncate-sim");
    // A write to 2 MiB overlapping a truncate to 1 MiB: both orders are correct.
    let write = history.begin_write(2 * MIB, 65536, 2);
    history.truncate(MIB);
    history.end(write);
    file.set_len(MIB).expect("truncate");
    let data = bouncefs_diocheck::buffer::Aligned::from_slice(&p.data(2, 2 * MIB, 65536));
    file.write_all_at(&data, 2 * MIB).expect("write");
    history
        .verify_file(&file, &path, &p)
        .expect("write after the truncate refused");
    file.set_len(MIB).expect("truncate");
    file.set_len(2 * MIB + 65536).expect("extend");
    history
        .verify_file(&file, &path, &p)
        .expect("write before the truncate refused");
    // But version 1 from before both must not come back.
    put(&ctx, "truncate-sim", 2 * MIB, &p.data(1, 2 * MIB, 512));
    fails_with(
        history.verify_file(&file, &path, &p).map(|s| s.to_string()),
        &["offset 2097152: version 1", "old data reappearing"],
    );
}

#[test]
fn truncate_race_refuses_a_stale_overwritten_version_and_another_files_data() {
    let ctx = ctx("dio-check-truncate-stale");
    let (file, path, p, history) = truncate_file(&ctx, "truncate-sim");
    history.write(MIB, 65536, 2);
    let data = bouncefs_diocheck::buffer::Aligned::from_slice(&p.data(2, MIB, 65536));
    file.write_all_at(&data, MIB).expect("write");
    history
        .verify_file(&file, &path, &p)
        .expect("correct file refused");
    put(&ctx, "truncate-sim", MIB, &p.data(1, MIB, 512));
    fails_with(
        history.verify_file(&file, &path, &p).map(|s| s.to_string()),
        &["offset 1048576: version 1", "stale data after an overwrite"],
    );
    let other = Pattern::new(SEED, "truncate-race").data(2, MIB, 512);
    put(&ctx, "truncate-sim", MIB, &other);
    fails_with(
        history.verify_file(&file, &path, &p).map(|s| s.to_string()),
        &["offset 1048576: holds data of another file"],
    );
}

#[test]
fn the_command_prints_its_random_seed_and_replays_with_it() {
    let ctx = ctx("dio-check-command");
    let exe = env!("CARGO_BIN_EXE_bouncefs-dio-check");
    let list = Command::new(exe).arg("--list").output().expect("--list");
    let list = String::from_utf8_lossy(&list.stdout);
    for s in ALL {
        assert!(list.lines().any(|l| l == s.name), "{} not listed", s.name);
    }
    let out = Command::new(exe)
        .arg(&ctx.dir)
        .args(["--lbs", "4096", "round-trip", "append"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let seed: u64 = stdout
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("seed "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no seed line first: {stdout}"));
    assert!(
        stdout.contains("\nround-trip: ok ") && stdout.contains("\nappend: ok "),
        "{stdout}"
    );
    // The files are verified with the printed seed, and refused with any other.
    let verify = |seed: u64| {
        Command::new(exe)
            .arg(&ctx.dir)
            .args(["--lbs", "4096", "--seed", &seed.to_string(), "--verify"])
            .args(["round-trip", "append"])
            .output()
            .expect("verify")
    };
    let ok = verify(seed);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let bad = verify(seed.wrapping_add(1));
    let bad_out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{bad_out}");
    assert!(
        bad_out.contains("round-trip: FAIL") && bad_out.contains("another file"),
        "{bad_out}"
    );
}
