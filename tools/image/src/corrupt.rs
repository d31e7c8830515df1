// SPDX-License-Identifier: GPL-2.0

//! Named corruptions of a bouncefs image, and a sample tree to corrupt.
//!
//! Each corruption changes one thing the way a bug or a bad disk would, and says what
//! fsck.bouncefs should report ([`Applied::expect`] is a substring of its output) and
//! whether `fsck.bouncefs -y` can repair it. Objects are found in the tree: the first
//! regular file, the first file with an indirect extent block, the first subdirectory
//! (breadth first from the root, in directory order), or the path given.

use crate::{fs::Entry, Error, Fs, Result};
use bouncefs_format::{
    self as format, crc32c, Extent, Inode, DT_SOCK, INODE_SIZE, ROOT_INO, STATE_DIRTY, S_IFCHR,
    S_IFDIR, S_IFIFO, S_IFREG,
};

/// What a corruption did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// What was changed, for the log.
    pub what: String,
    /// A substring of what fsck.bouncefs reports about it.
    pub expect: String,
    /// Whether `fsck.bouncefs -y` repairs it completely (exit 1, then a clean check).
    pub repairable: bool,
}

/// The corruptions: name and description.
pub const CORRUPTIONS: &[(&str, &str)] = &[
    (
        "superblock",
        "flip a byte of the superblock (checksum mismatch)",
    ),
    (
        "superblock-geometry",
        "a wrong inode count in a resealed superblock",
    ),
    (
        "dirty",
        "the superblock says the file system was not unmounted cleanly",
    ),
    (
        "free-counts",
        "a wrong free block count hint in the superblock",
    ),
    (
        "bitmap-crc",
        "flip a byte of bitmap block 0 (checksum mismatch)",
    ),
    (
        "bitmap-leak",
        "mark a free data block used (a leaked block)",
    ),
    ("bitmap-unmarked", "mark a block of a file free"),
    (
        "inode-crc",
        "flip a byte of a file's inode (checksum mismatch)",
    ),
    ("inode-field", "set an unknown inode flag (valid checksum)"),
    (
        "extent-range",
        "point a file's extent into the inode table (valid checksum)",
    ),
    (
        "extent-overlap",
        "point a file's extent at the root directory's block (valid checksum)",
    ),
    (
        "extent-order",
        "swap the first two extents of a fragmented file (valid checksum)",
    ),
    ("indirect-crc", "flip a byte of an indirect extent block"),
    (
        "dirent-free",
        "free a file's inode, leaving its directory entry",
    ),
    (
        "dirent-name",
        "put a '/' in a name (valid directory block checksum)",
    ),
    ("dirent-type", "a wrong file type in a directory entry"),
    ("dir-crc", "flip a byte of the root directory's block"),
    ("nlink", "one link too many on a file"),
    ("dir-nlink", "one link too many on the root directory"),
    (
        "orphan",
        "unlink a file and set its link count to 0 (freeable orphan)",
    ),
    (
        "orphan-linked",
        "remove a file's entry, keeping its link count (lost file)",
    ),
    ("blocks", "a wrong block count in a file's inode"),
    ("parent", "a wrong parent in a subdirectory's inode"),
    (
        "dir-hardlink",
        "a second entry for a subdirectory (a directory hard link)",
    ),
];

/// Builds the sample tree the corruptions act on, in the file system on `fs`:
///
/// ```text
/// /hello            "hello, bouncefs\n"
/// /fragmented       12 one-block extents (9 inline + 3 in an indirect block)
/// /dir/             20 files (two directory blocks)
/// /dir/sub/deeper/  nested directories
/// /dir/sub/link     symbolic link to ../../hello
/// /dir/sub/hard     hard link to /hello
/// /fifo, /null      a FIFO and a character device
/// ```
pub fn sample_tree(fs: &mut Fs) -> Result<()> {
    let hello = fs.create_file(ROOT_INO, "hello", b"hello, bouncefs\n")?;
    fs.create_fragmented(ROOT_INO, "fragmented", 12)?;
    let dir = fs.mkdir(ROOT_INO, "dir")?;
    for i in 0..20 {
        let data = format!("file {i}\n").repeat(i * 300);
        fs.create_file(dir, &format!("file-{i:02}"), data.as_bytes())?;
    }
    let sub = fs.mkdir(dir, "sub")?;
    fs.mkdir(sub, "deeper")?;
    fs.symlink(sub, "link", b"../../hello")?;
    fs.link(sub, "hard", hello)?;
    fs.mknod(ROOT_INO, "fifo", S_IFIFO | 0o644, 0)?;
    fs.mknod(ROOT_INO, "null", S_IFCHR | 0o666, (1 << 8) | 3)?;
    fs.flush()
}

/// Every entry of the tree, breadth first from the root, with its path.
pub fn walk(fs: &Fs) -> Result<Vec<(String, Entry)>> {
    let mut out = Vec::new();
    let mut queue = std::collections::VecDeque::from([(String::new(), ROOT_INO)]);
    while let Some((path, dir)) = queue.pop_front() {
        for e in fs.entries(dir)? {
            let p = format!("{path}/{}", String::from_utf8_lossy(e.dirent.name()));
            if e.dirent.file_type == format::DT_DIR {
                queue.push_back((p.clone(), e.dirent.ino));
            }
            out.push((p, e));
        }
    }
    Ok(out)
}

/// The entry of `path`, or the first entry whose inode satisfies `want`.
fn find(
    fs: &Fs,
    path: Option<&str>,
    what: &str,
    want: impl Fn(&Inode) -> bool,
) -> Result<(String, Entry, Inode)> {
    for (p, e) in walk(fs)? {
        if path.is_some_and(|path| path.trim_end_matches('/') != p) {
            continue;
        }
        let inode = fs.get(e.dirent.ino)?;
        if want(&inode) {
            return Ok((p, e, inode));
        }
        if path.is_some() {
            return Err(Error::new(format!("{p} is not {what}")));
        }
    }
    Err(Error::new(format!("no {what} found in the file system")))
}

fn file(fs: &Fs, path: Option<&str>) -> Result<(String, Entry, Inode)> {
    find(fs, path, "a regular file with data", |i| {
        i.kind() == S_IFREG && i.extent_count > 0 && i.nlink == 1
    })
}

fn applied(what: String, expect: String, repairable: bool) -> Result<Applied> {
    Ok(Applied {
        what,
        expect,
        repairable,
    })
}

/// Flips byte `at` of block `block`.
fn flip(fs: &Fs, block: u64, at: usize) -> Result<()> {
    let mut buf = fs.device().read_block(block)?;
    buf[at] ^= 0x5a;
    fs.device().write_block(block, &buf)
}

/// Applies corruption `name` to the file system on `fs`; `path` chooses the object for the
/// corruptions of a file or a directory.
pub fn apply(fs: &mut Fs, name: &str, path: Option<&str>) -> Result<Applied> {
    fs.flush()?;
    let sb = fs.superblock().clone();
    match name {
        "superblock" => {
            flip(fs, 0, 130)?;
            applied(
                "flipped byte 130 of the superblock".into(),
                "superblock: checksum mismatch".into(),
                false,
            )
        }
        "superblock-geometry" => {
            fs.superblock_mut().inode_count += 16;
            fs.write_superblock()?;
            applied(
                format!("inode count {} in the superblock", sb.inode_count + 16),
                "superblock: inconsistent geometry".into(),
                false,
            )
        }
        "dirty" => {
            fs.superblock_mut().state = STATE_DIRTY;
            fs.write_superblock()?;
            applied(
                "superblock state dirty".into(),
                "was not cleanly unmounted".into(),
                true,
            )
        }
        "free-counts" => {
            fs.superblock_mut().free_blocks += 7;
            fs.write_superblock()?;
            applied(
                format!("free blocks hint {}", sb.free_blocks + 7),
                format!("superblock: free blocks count is {}", sb.free_blocks + 7),
                true,
            )
        }
        "bitmap-crc" => {
            flip(fs, sb.bitmap_start, 4000)?;
            applied(
                "flipped byte 4000 of bitmap block 0".into(),
                "bitmap block 0: checksum mismatch".into(),
                true,
            )
        }
        "bitmap-leak" => {
            let block = (sb.data_start..sb.total_blocks)
                .rev()
                .find(|&b| !fs.is_used(b))
                .ok_or_else(|| Error::new("no free block"))?;
            fs.set_used(block, true);
            fs.flush()?;
            applied(
                format!("marked free block {block} used"),
                format!("block {block} is marked used but owned by nobody"),
                true,
            )
        }
        "bitmap-unmarked" => {
            let (p, e, inode) = file(fs, path)?;
            let block = inode.extents[0].disk_block;
            fs.set_used(block, false);
            fs.flush()?;
            applied(
                format!("marked block {block} of {p} free"),
                format!(
                    "block {block} is used by inode {} but marked free",
                    e.dirent.ino
                ),
                true,
            )
        }
        "inode-crc" | "inode-field" | "extent-range" | "nlink" | "blocks" | "orphan" => {
            let (p, e, mut inode) = file(fs, path)?;
            let ino = e.dirent.ino;
            let (what, expect, repairable) = match name {
                "inode-crc" => {
                    let mut raw = fs.raw_inode(ino)?;
                    raw[20] ^= 0x5a;
                    fs.write_raw_inode(ino, &raw)?;
                    return applied(
                        format!("flipped byte 20 of inode {ino} ({p})"),
                        format!("inode {ino}: checksum mismatch"),
                        false,
                    );
                }
                "inode-field" => {
                    inode.flags = 1;
                    (
                        "flags 1".to_string(),
                        format!("inode {ino}: invalid inode field"),
                        false,
                    )
                }
                "extent-range" => {
                    inode.extents[0].disk_block = sb.inode_table_start;
                    (
                        format!("extent 0 at block {}", sb.inode_table_start),
                        format!(
                            "inode {ino}: extent empty, outside the data area or badly flagged"
                        ),
                        false,
                    )
                }
                "nlink" => {
                    inode.nlink += 1;
                    (
                        format!("link count {}", inode.nlink),
                        format!(
                            "inode {ino}: link count is {}, should be {}",
                            inode.nlink,
                            inode.nlink - 1
                        ),
                        true,
                    )
                }
                "blocks" => {
                    inode.blocks += 3;
                    (
                        format!("block count {}", inode.blocks),
                        format!(
                            "inode {ino}: block count is {}, should be {}",
                            inode.blocks,
                            inode.blocks - 3
                        ),
                        true,
                    )
                }
                _ => {
                    inode.nlink = 0;
                    fs.rewrite_entry(&e, None)?;
                    (
                        "link count 0 and no entry".to_string(),
                        format!("inode {ino}: orphan"),
                        true,
                    )
                }
            };
            fs.write_inode(ino, &inode)?;
            applied(format!("inode {ino} ({p}): {what}"), expect, repairable)
        }
        "extent-overlap" => {
            let (p, e, mut inode) = file(fs, path)?;
            let ino = e.dirent.ino;
            let root_block = sb.data_start;
            let first = inode.extents[0];
            inode.extents[0] = Extent::new(first.file_block, 1, root_block);
            inode.blocks = inode.blocks - u64::from(first.len()) + 1;
            fs.write_inode(ino, &inode)?;
            applied(
                format!("inode {ino} ({p}): extent 0 at block {root_block}"),
                format!("block {root_block} is used by inode 1 and inode {ino}"),
                false,
            )
        }
        "extent-order" | "indirect-crc" => {
            let (p, e, mut inode) = find(fs, path, "a file with an indirect extent block", |i| {
                i.indirect != 0
            })?;
            let ino = e.dirent.ino;
            if name == "indirect-crc" {
                flip(fs, inode.indirect, 100)?;
                return applied(
                    format!(
                        "flipped byte 100 of block {} (indirect, {p})",
                        inode.indirect
                    ),
                    format!(
                        "inode {ino}: indirect extent block {}: checksum mismatch",
                        inode.indirect
                    ),
                    false,
                );
            }
            inode.extents.swap(0, 1);
            fs.write_inode(ino, &inode)?;
            applied(
                format!("inode {ino} ({p}): extents 0 and 1 swapped"),
                format!("inode {ino}: extents unsorted or overlapping"),
                false,
            )
        }
        "dirent-free" | "orphan-linked" => {
            let (p, e, _) = file(fs, path)?;
            let ino = e.dirent.ino;
            if name == "orphan-linked" {
                fs.rewrite_entry(&e, None)?;
                return applied(
                    format!("removed the entry of {p} (inode {ino})"),
                    format!("inode {ino}: not referenced by any directory entry"),
                    false,
                );
            }
            fs.write_raw_inode(ino, &[0; INODE_SIZE])?;
            applied(
                format!("freed inode {ino}, leaving {p}"),
                format!("points to free inode {ino}"),
                true,
            )
        }
        "dirent-name" | "dirent-type" => {
            let (p, e, _) = file(fs, path)?;
            let mut buf = fs.device().read_block(e.block)?;
            let at = e.slot * format::DIRENT_SIZE;
            if name == "dirent-name" {
                buf[at + 6] = b'/';
            } else {
                buf[at + 5] = DT_SOCK;
            }
            format::dir_block_seal(&mut buf, e.dir, e.index, crc32c);
            fs.device().write_block(e.block, &buf)?;
            if name == "dirent-name" {
                return applied(
                    format!("a '/' in the name of {p}"),
                    "invalid name in directory entry".into(),
                    false,
                );
            }
            applied(
                format!("type socket in the entry of {p}"),
                format!("has file type {DT_SOCK}, inode {} is", e.dirent.ino),
                true,
            )
        }
        "dir-crc" => {
            flip(fs, sb.data_start, 10)?;
            applied(
                format!(
                    "flipped byte 10 of block {} (root directory)",
                    sb.data_start
                ),
                "directory 1 block 0: checksum mismatch".into(),
                false,
            )
        }
        "dir-nlink" => {
            let mut root = fs.get(ROOT_INO)?;
            root.nlink += 1;
            fs.write_inode(ROOT_INO, &root)?;
            applied(
                format!("root link count {}", root.nlink),
                format!(
                    "inode 1: link count is {}, should be {}",
                    root.nlink,
                    root.nlink - 1
                ),
                true,
            )
        }
        "parent" | "dir-hardlink" => {
            let (p, e, mut inode) = find(fs, path, "a directory", |i| i.kind() == S_IFDIR)?;
            let ino = e.dirent.ino;
            if name == "dir-hardlink" {
                let other = if e.dir == ROOT_INO { ino } else { ROOT_INO };
                fs.add_entry(other, b"dir-hardlink", ino, format::DT_DIR)?;
                fs.flush()?;
                return applied(
                    format!("an entry for {p} (inode {ino}) in directory {other}"),
                    format!("directory {ino} has more than one entry"),
                    true,
                );
            }
            inode.parent = ino;
            fs.write_inode(ino, &inode)?;
            applied(
                format!("parent of {p} (inode {ino}) set to {ino}"),
                format!("directory {ino}: parent is {ino}, should be {}", e.dir),
                true,
            )
        }
        _ => Err(Error::new(format!("unknown corruption '{name}'"))),
    }
}
