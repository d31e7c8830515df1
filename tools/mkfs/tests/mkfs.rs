// SPDX-License-Identifier: GPL-2.0

//! mkfs.bouncefs as a command: what it writes, and what it refuses.

use bouncefs_format::{crc32c, Superblock, ROOT_INO};
use bouncefs_image::{corrupt, testing, testing::TempImage as Image, Device, Fs};

const MKFS: &str = env!("CARGO_BIN_EXE_mkfs-bouncefs");

/// A zeroed file of `bytes`.
fn file(tag: &str, bytes: usize) -> Image {
    Image::zeroed(tag, bytes).unwrap()
}

fn mkfs(args: &[&str]) -> (i32, String) {
    testing::run(MKFS, args).unwrap()
}

fn superblock(img: &Image) -> Superblock {
    let bytes = std::fs::read(img.path()).unwrap();
    Superblock::decode(&bytes[..4096], crc32c).unwrap()
}

#[test]
fn makes_a_file_system_that_can_be_built_on() {
    let img = file("basic", 8 << 20);
    let (code, out) = mkfs(&["-L", "data", img.as_str()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("blocks=2048"), "{out}");
    let sb = superblock(&img);
    assert_eq!(sb.total_blocks, 2048);
    assert_eq!(sb.inode_count, 512);
    assert_eq!(sb.label(), b"data");
    assert_eq!(sb.state, bouncefs_format::STATE_CLEAN);
    assert_eq!(sb.free_blocks, 2048 - sb.data_start - 1);
    assert_eq!(sb.free_inodes, 511);
    assert_ne!(sb.uuid, [0; 16]);
    let mut fs = Fs::open(Device::open(img.path(), true).unwrap()).unwrap();
    let root = fs.get(ROOT_INO).unwrap();
    assert_eq!(
        (root.nlink, root.size, root.parent, root.mode),
        (2, 4096, 1, 0o040755)
    );
    assert!(fs.entries(ROOT_INO).unwrap().is_empty());
    assert_eq!(fs.free_counts().unwrap(), (sb.free_blocks, sb.free_inodes));
    corrupt::sample_tree(&mut fs).unwrap();
    assert!(fs.resolve("/dir/sub/deeper").is_ok());
}

#[test]
fn options() {
    let img = file("options", 8 << 20);
    let (code, out) = mkfs(&["-q", "-N", "100", img.as_str(), "1000"]);
    assert_eq!((code, out.as_str()), (0, ""));
    let sb = superblock(&img);
    assert_eq!((sb.total_blocks, sb.inode_count), (1000, 112));
    // -n writes nothing.
    let dry = file("dry", 1 << 20);
    let (code, out) = mkfs(&["-n", dry.as_str()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("not written"), "{out}");
    assert!(std::fs::read(dry.path()).unwrap().iter().all(|&b| b == 0));
    let (code, out) = mkfs(&["-V"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("mkfs.bouncefs "), "{out}");
}

#[test]
fn refuses_an_existing_file_system_without_f() {
    let img = file("existing", 1 << 20);
    assert_eq!(mkfs(&["-q", img.as_str()]).0, 0);
    let (code, out) = mkfs(&["-q", img.as_str()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("contains a bouncefs file system; use -f"),
        "{out}"
    );
    assert_eq!(mkfs(&["-q", "-f", img.as_str()]).0, 0);

    let mut xfs = vec![0u8; 1 << 20];
    xfs[..4].copy_from_slice(b"XFSB");
    std::fs::write(img.path(), &xfs).unwrap();
    let (code, out) = mkfs(&["-q", img.as_str()]);
    assert!(code == 1 && out.contains("xfs"), "{out}");

    let mut ext4 = vec![0u8; 1 << 20];
    ext4[1080..1082].copy_from_slice(&0xEF53u16.to_le_bytes());
    std::fs::write(img.path(), &ext4).unwrap();
    let (code, out) = mkfs(&["-q", img.as_str()]);
    assert!(code == 1 && out.contains("ext2/ext3/ext4"), "{out}");
    assert_eq!(mkfs(&["-q", "-f", img.as_str()]).0, 0);
    assert_eq!(superblock(&img).total_blocks, 256);
}

#[test]
fn refuses_bad_usage_and_impossible_sizes() {
    let img = file("usage", 1 << 20);
    for args in [
        &[][..],
        &["-x", img.as_str()],
        &["-L"],
        &["-N", "zero", img.as_str()],
        &[img.as_str(), "many"],
        &[img.as_str(), "1", "2"],
    ] {
        let (code, out) = mkfs(args);
        assert_eq!(code, 1, "{args:?}: {out}");
        assert!(out.contains("usage:"), "{args:?}: {out}");
    }
    let (code, out) = mkfs(&[img.as_str(), "257"]);
    assert_eq!(code, 1);
    assert!(out.contains("the device has only 256"), "{out}");
    let small = file("small", 4 * 4096);
    let (code, out) = mkfs(&[small.as_str()]);
    assert_eq!(code, 1);
    assert!(out.contains("too few"), "{out}");
    let (code, out) = mkfs(&["-N", "100000", img.as_str()]);
    assert_eq!(code, 1);
    assert!(out.contains("do not fit"), "{out}");
    assert_eq!(mkfs(&["/nonexistent/image"]).0, 1);
}
