// SPDX-License-Identifier: GPL-2.0

//! fsck.bouncefs against real images: clean ones, then every named corruption of
//! bouncefs-image, checked read-only (-n), repaired (-y), and checked again.

use bouncefs_image::{corrupt, mkfs, testing, testing::TempImage as Image, Device, Fs};

const FSCK: &str = env!("CARGO_BIN_EXE_fsck-bouncefs");

fn temp(tag: &str) -> Image {
    Image::new(tag)
}

/// A fresh file system of 4096 blocks (16 MiB), with the sample tree if `tree`.
fn image(tag: &str, tree: bool) -> Image {
    let img = temp(tag);
    mkfs::make_image(img.path(), 4096).unwrap();
    if tree {
        let mut fs = Fs::open(Device::open(img.path(), true).unwrap()).unwrap();
        corrupt::sample_tree(&mut fs).unwrap();
        fs.close().unwrap();
    }
    img
}

/// Runs fsck.bouncefs; returns the exit code and stdout + stderr.
fn fsck(args: &[&str]) -> (i32, String) {
    testing::run(FSCK, args).unwrap()
}

fn apply(img: &Image, name: &str) -> corrupt::Applied {
    let mut fs = Fs::open(Device::open(img.path(), true).unwrap()).unwrap();
    corrupt::apply(&mut fs, name, None).unwrap()
}

#[test]
fn fresh_images_are_clean() {
    for tree in [false, true] {
        let img = image("fresh", tree);
        for mode in ["-n", "-p", "-y", "-fv"] {
            let (code, out) = fsck(&[mode, img.as_str()]);
            assert_eq!(code, 0, "{mode}: {out}");
            assert!(out.contains(": clean"), "{out}");
        }
        if !tree {
            let (_, out) = fsck(&["-n", img.as_str()]);
            assert!(out.contains("1/1024 inodes, "), "{out}");
        }
    }
}

#[test]
fn every_corruption_is_reported_and_repaired_as_announced() {
    for (name, _) in corrupt::CORRUPTIONS {
        let img = image(name, true);
        let applied = apply(&img, name);
        let before = img.bytes().unwrap();

        let (code, out) = fsck(&["-n", img.as_str()]);
        assert_eq!(code, 4, "{name}: fsck -n: {out}");
        assert!(
            out.contains(&applied.expect),
            "{name}: expected '{}' in:\n{out}",
            applied.expect
        );
        assert!(
            img.bytes().unwrap() == before,
            "{name}: fsck -n wrote to the image"
        );

        let (code, out) = fsck(&["-y", img.as_str()]);
        if applied.repairable {
            assert_eq!(code, 1, "{name}: fsck -y: {out}");
            assert!(out.contains(": fixed"), "{name}: {out}");
            let (code, out) = fsck(&["-n", img.as_str()]);
            assert_eq!(code, 0, "{name}: fsck -n after the repair: {out}");
        } else {
            assert_eq!(code & 4, 4, "{name}: fsck -y: {out}");
            let (code, _) = fsck(&["-n", img.as_str()]);
            assert_eq!(code, 4, "{name}: fsck -n after -y");
        }
    }
}

#[test]
fn preen_repairs_derived_data_only() {
    // A wrong link count is preen-safe.
    let img = image("preen-nlink", true);
    apply(&img, "nlink");
    assert_eq!(fsck(&["-p", img.as_str()]).0, 1);
    assert_eq!(fsck(&["-n", img.as_str()]).0, 0);
    // Clearing a directory entry needs -y.
    let img = image("preen-dirent", true);
    let applied = apply(&img, "dirent-free");
    let (code, out) = fsck(&["-a", img.as_str()]);
    assert_eq!(code, 5, "{out}");
    assert!(
        out.contains(&format!("{}: not fixed (run with -y)", applied.expect))
            || out.contains("not fixed (run with -y)"),
        "{out}"
    );
    assert_eq!(fsck(&["-y", img.as_str()]).0, 1);
    assert_eq!(fsck(&["-n", img.as_str()]).0, 0);
}

#[test]
fn overlapping_extents_name_both_inodes() {
    let img = image("overlap", true);
    let applied = apply(&img, "extent-overlap");
    let (code, out) = fsck(&["-n", img.as_str()]);
    assert_eq!(code, 4);
    assert!(out.contains(&applied.expect), "{out}");
    assert!(out.contains("is marked used but owned by nobody"), "{out}");
}

#[test]
fn a_dirty_file_system_is_marked_clean_after_a_repair() {
    let img = image("dirty", false);
    apply(&img, "dirty");
    let (code, out) = fsck(&["-p", img.as_str()]);
    assert_eq!(code, 1, "{out}");
    let sb =
        bouncefs_format::Superblock::decode(&img.bytes().unwrap()[..4096], bouncefs_format::crc32c)
            .unwrap();
    assert_eq!(sb.state, bouncefs_format::STATE_CLEAN);
    // With problems left, it stays dirty.
    let img = image("dirty-left", true);
    apply(&img, "dirty");
    apply(&img, "inode-crc");
    let (code, out) = fsck(&["-y", img.as_str()]);
    assert_eq!(code, 4, "{out}");
    let sb =
        bouncefs_format::Superblock::decode(&img.bytes().unwrap()[..4096], bouncefs_format::crc32c)
            .unwrap();
    assert_eq!(sb.state, bouncefs_format::STATE_DIRTY);
}

#[test]
fn usage_and_operational_errors() {
    assert_eq!(fsck(&[]).0, 16);
    assert_eq!(fsck(&["-n", "-y", "x"]).0, 16);
    assert_eq!(fsck(&["-z", "x"]).0, 16);
    assert_eq!(fsck(&["a", "b"]).0, 16);
    let (code, out) = fsck(&["-V"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("fsck.bouncefs "), "{out}");
    let missing = temp("missing");
    assert_eq!(fsck(&["-n", missing.as_str()]).0, 8);
    let zero = temp("zero");
    std::fs::write(zero.path(), vec![0u8; 65536]).unwrap();
    let (code, out) = fsck(&["-n", zero.as_str()]);
    assert_eq!(code, 8);
    assert!(out.contains("not a bouncefs file system"), "{out}");
}

#[test]
fn a_truncated_device_is_reported() {
    let img = image("truncated", false);
    std::fs::OpenOptions::new()
        .write(true)
        .open(img.path())
        .unwrap()
        .set_len(4095 * 4096)
        .unwrap();
    let (code, out) = fsck(&["-n", img.as_str()]);
    assert_eq!(code, 4);
    assert!(
        out.contains("the file system has 4096 blocks, the device only 4095"),
        "{out}"
    );
}
