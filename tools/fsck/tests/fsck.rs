// SPDX-License-Identifier: GPL-2.0

//! fsck.bouncefs against real images: clean ones, then every named corruption of
//! bouncefs-image, checked read-only (-n), repaired (-y), and checked again.

use bouncefs_image::{corrupt, mkfs, Device, Fs};
use std::{
    path::PathBuf,
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
};

const FSCK: &str = env!("CARGO_BIN_EXE_fsck-bouncefs");

/// An image file removed when dropped.
struct Image(PathBuf);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Image {
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.0).unwrap()
    }
}

fn temp(tag: &str) -> Image {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    Image(std::env::temp_dir().join(format!(
        "bouncefs-fsck-test-{}-{n}-{tag}.img",
        std::process::id()
    )))
}

/// A fresh file system of 4096 blocks (16 MiB), with the sample tree if `tree`.
fn image(tag: &str, tree: bool) -> Image {
    let img = temp(tag);
    mkfs::make_image(&img.0, 4096).unwrap();
    if tree {
        let mut fs = Fs::open(Device::open(&img.0, true).unwrap()).unwrap();
        corrupt::sample_tree(&mut fs).unwrap();
        fs.close().unwrap();
    }
    img
}

/// Runs fsck.bouncefs; returns the exit code and stdout + stderr.
fn fsck(args: &[&str]) -> (i32, String) {
    let out = Command::new(FSCK).args(args).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap(), text)
}

fn apply(img: &Image, name: &str) -> corrupt::Applied {
    let mut fs = Fs::open(Device::open(&img.0, true).unwrap()).unwrap();
    corrupt::apply(&mut fs, name, None).unwrap()
}

#[test]
fn fresh_images_are_clean() {
    for tree in [false, true] {
        let img = image("fresh", tree);
        for mode in ["-n", "-p", "-y", "-fv"] {
            let (code, out) = fsck(&[mode, img.path()]);
            assert_eq!(code, 0, "{mode}: {out}");
            assert!(out.contains(": clean"), "{out}");
        }
        if !tree {
            let (_, out) = fsck(&["-n", img.path()]);
            assert!(out.contains("1/1024 inodes, "), "{out}");
        }
    }
}

#[test]
fn every_corruption_is_reported_and_repaired_as_announced() {
    for (name, _) in corrupt::CORRUPTIONS {
        let img = image(name, true);
        let applied = apply(&img, name);
        let before = img.bytes();

        let (code, out) = fsck(&["-n", img.path()]);
        assert_eq!(code, 4, "{name}: fsck -n: {out}");
        assert!(
            out.contains(&applied.expect),
            "{name}: expected '{}' in:\n{out}",
            applied.expect
        );
        assert!(img.bytes() == before, "{name}: fsck -n wrote to the image");

        let (code, out) = fsck(&["-y", img.path()]);
        if applied.repairable {
            assert_eq!(code, 1, "{name}: fsck -y: {out}");
            assert!(out.contains(": fixed"), "{name}: {out}");
            let (code, out) = fsck(&["-n", img.path()]);
            assert_eq!(code, 0, "{name}: fsck -n after the repair: {out}");
        } else {
            assert_eq!(code & 4, 4, "{name}: fsck -y: {out}");
            let (code, _) = fsck(&["-n", img.path()]);
            assert_eq!(code, 4, "{name}: fsck -n after -y");
        }
    }
}

#[test]
fn preen_repairs_derived_data_only() {
    // A wrong link count is preen-safe.
    let img = image("preen-nlink", true);
    apply(&img, "nlink");
    assert_eq!(fsck(&["-p", img.path()]).0, 1);
    assert_eq!(fsck(&["-n", img.path()]).0, 0);
    // Clearing a directory entry needs -y.
    let img = image("preen-dirent", true);
    let applied = apply(&img, "dirent-free");
    let (code, out) = fsck(&["-a", img.path()]);
    assert_eq!(code, 5, "{out}");
    assert!(
        out.contains(&format!("{}: not fixed (run with -y)", applied.expect))
            || out.contains("not fixed (run with -y)"),
        "{out}"
    );
    assert_eq!(fsck(&["-y", img.path()]).0, 1);
    assert_eq!(fsck(&["-n", img.path()]).0, 0);
}

#[test]
fn overlapping_extents_name_both_inodes() {
    let img = image("overlap", true);
    let applied = apply(&img, "extent-overlap");
    let (code, out) = fsck(&["-n", img.path()]);
    assert_eq!(code, 4);
    assert!(out.contains(&applied.expect), "{out}");
    assert!(out.contains("is marked used but owned by nobody"), "{out}");
}

#[test]
fn a_dirty_file_system_is_marked_clean_after_a_repair() {
    let img = image("dirty", false);
    apply(&img, "dirty");
    let (code, out) = fsck(&["-p", img.path()]);
    assert_eq!(code, 1, "{out}");
    let sb =
        bouncefs_format::Superblock::decode(&img.bytes()[..4096], bouncefs_format::crc32c).unwrap();
    assert_eq!(sb.state, bouncefs_format::STATE_CLEAN);
    // With problems left, it stays dirty.
    let img = image("dirty-left", true);
    apply(&img, "dirty");
    apply(&img, "inode-crc");
    let (code, out) = fsck(&["-y", img.path()]);
    assert_eq!(code, 4, "{out}");
    let sb =
        bouncefs_format::Superblock::decode(&img.bytes()[..4096], bouncefs_format::crc32c).unwrap();
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
    assert_eq!(fsck(&["-n", missing.path()]).0, 8);
    let zero = temp("zero");
    std::fs::write(&zero.0, vec![0u8; 65536]).unwrap();
    let (code, out) = fsck(&["-n", zero.path()]);
    assert_eq!(code, 8);
    assert!(out.contains("not a bouncefs file system"), "{out}");
}

#[test]
fn a_truncated_device_is_reported() {
    let img = image("truncated", false);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&img.0)
        .unwrap()
        .set_len(4095 * 4096)
        .unwrap();
    let (code, out) = fsck(&["-n", img.path()]);
    assert_eq!(code, 4);
    assert!(
        out.contains("the file system has 4096 blocks, the device only 4095"),
        "{out}"
    );
}
