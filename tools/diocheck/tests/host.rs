// SPDX-License-Identifier: GPL-2.0

//! The scenarios against the host's own file system (the one holding the build's target
//! directory): a correct file system must pass all of them, so a failure here is a bug in
//! the scenarios, not in a file system.

use bouncefs_diocheck::scenarios::{Ctx, ALL};
use std::path::PathBuf;

fn ctx(name: &str) -> Ctx {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    Ctx {
        dir,
        lbs: 4096,
        seed: 42,
    }
}

#[test]
fn every_scenario_passes_on_a_correct_file_system() {
    let ctx = ctx("dio-check");
    for (name, scenario) in ALL {
        if let Err(e) = scenario(&ctx) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn a_corrupted_block_is_reported_with_its_offset() {
    use std::os::unix::fs::FileExt;
    let ctx = ctx("dio-check-corrupt");
    // Run a scenario once to learn the file it writes, then check the verifier would
    // see a changed byte in it.
    bouncefs_diocheck::scenarios::round_trip(&ctx).expect("round trip");
    let path = ctx.dir.join("round-trip");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let mut sector = vec![0; 512];
    file.read_exact_at(&mut sector, 4096 * 3).unwrap();
    let offset = 4096 * 3;
    assert!(bouncefs_diocheck::pattern::classify(&sector, 42, offset).is_ok());
    sector[100] ^= 0xff;
    let err = bouncefs_diocheck::pattern::classify(&sector, 42, offset).unwrap_err();
    assert!(err.contains("byte differs"), "{err}");
}
