// SPDX-License-Identifier: GPL-2.0

//! The image builder writes what it says, and bouncefs-corrupt works as a command.

use bouncefs_format::{crc32c, IndirectBlock, Superblock, ROOT_INO, S_IFCHR};
use bouncefs_image::{corrupt, mkfs, Device, Fs};
use std::{
    path::PathBuf,
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
};

struct Image(PathBuf);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn image(tag: &str) -> Image {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let img = Image(std::env::temp_dir().join(format!(
        "bouncefs-image-test-{}-{n}-{tag}.img",
        std::process::id()
    )));
    mkfs::make_image(&img.0, 2048).unwrap();
    img
}

fn read_file(fs: &Fs, ino: u32) -> Vec<u8> {
    let inode = fs.get(ino).unwrap();
    let extents = fs.extents(ino, &inode).unwrap();
    let mut out = Vec::new();
    for i in 0..inode.size.div_ceil(4096) {
        let block = Fs::map(&extents, u32::try_from(i).unwrap()).unwrap();
        out.extend(fs.device().read_block(block).unwrap());
    }
    out.truncate(usize::try_from(inode.size).unwrap());
    out
}

#[test]
fn the_sample_tree_reads_back() {
    let img = image("tree");
    let mut fs = Fs::open(Device::open(&img.0, true).unwrap()).unwrap();
    corrupt::sample_tree(&mut fs).unwrap();
    let hello = fs.resolve("/hello").unwrap();
    assert_eq!(read_file(&fs, hello), b"hello, bouncefs\n");
    assert_eq!(fs.get(hello).unwrap().nlink, 2);
    assert_eq!(fs.resolve("dir/sub/hard").unwrap(), hello);
    let frag = fs.resolve("/fragmented").unwrap();
    let inode = fs.get(frag).unwrap();
    assert_eq!((inode.extent_count, inode.blocks), (12, 13));
    let raw = fs.device().read_block(inode.indirect).unwrap();
    let sb = fs.superblock().clone();
    assert_eq!(
        IndirectBlock::decode(&raw, frag, 3, &sb, crc32c)
            .unwrap()
            .extents()
            .len(),
        3
    );
    let data = read_file(&fs, frag);
    assert!(data
        .chunks(4096)
        .enumerate()
        .all(|(i, c)| c.iter().all(|&b| usize::from(b) == i)));
    let dir = fs.resolve("/dir").unwrap();
    let d = fs.get(dir).unwrap();
    assert_eq!((d.size, d.nlink, d.parent), (8192, 3, ROOT_INO));
    assert_eq!(fs.entries(dir).unwrap().len(), 21);
    let f = fs.resolve("/dir/file-19").unwrap();
    let expect = "file 19\n".repeat(19 * 300);
    assert_eq!(read_file(&fs, f), expect.as_bytes());
    let link = fs.resolve("/dir/sub/link").unwrap();
    assert_eq!(read_file(&fs, link), b"../../hello");
    let null = fs.get(fs.resolve("/null").unwrap()).unwrap();
    assert_eq!((null.kind(), null.rdev), (S_IFCHR, 0x103));
    assert_eq!(fs.get(ROOT_INO).unwrap().nlink, 3);
    assert!(fs.mkdir(ROOT_INO, "dir").is_err());
    // The free counts are written with the bitmap.
    fs.close().unwrap();
    let sb = Superblock::decode(&std::fs::read(&img.0).unwrap()[..4096], crc32c).unwrap();
    let fs = Fs::open(Device::open(&img.0, true).unwrap()).unwrap();
    assert_eq!((sb.free_blocks, sb.free_inodes), fs.free_counts().unwrap());
}

#[test]
fn the_corrupt_command() {
    let exe = env!("CARGO_BIN_EXE_bouncefs-corrupt");
    let out = Command::new(exe).arg("-l").output().unwrap();
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    assert_eq!(list.lines().count(), corrupt::CORRUPTIONS.len());
    let img = image("command");
    let path = img.0.to_str().unwrap();
    assert!(Command::new(exe)
        .args([path, "tree"])
        .status()
        .unwrap()
        .success());
    let out = Command::new(exe)
        .args([path, "nlink", "/dir/file-03"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("expect: inode ") && text.contains("repairable: yes"),
        "{text}"
    );
    let out = Command::new(exe)
        .args([path, "parent", "/hello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        Command::new(exe)
            .args([path, "no-such"])
            .status()
            .unwrap()
            .code(),
        Some(2)
    );
    assert_eq!(Command::new(exe).status().unwrap().code(), Some(2));
}
