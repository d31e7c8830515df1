// SPDX-License-Identifier: GPL-2.0

//! Making an empty file system: the layout and writing it.
//!
//! An empty bouncefs has the superblock, the bitmap, a zeroed inode table and the root
//! directory (inode 1) with one empty directory block, the first data block.

use crate::{Device, Error, Result};
use bouncefs_format::{
    self as format, crc32c, Extent, Inode, Superblock, BITMAP_BITS_PER_BLOCK, BLOCK_SIZE,
    INODES_PER_BLOCK, ROOT_INO, S_IFDIR,
};

/// The smallest file system: superblock, bitmap, one inode-table block, the root directory's
/// block and one more data block.
pub const MIN_BLOCKS: u64 = 5;

/// What to make.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Blocks of the file system.
    pub total_blocks: u64,
    /// Inodes wanted (rounded up to a multiple of 16); `None`: one per 4 blocks.
    pub inodes: Option<u32>,
    /// Label (at most 32 bytes, no NUL).
    pub label: Vec<u8>,
    /// UUID.
    pub uuid: [u8; 16],
    /// Creation time, seconds since the epoch (also the root directory's times).
    pub time: u64,
}

/// The default inode count of a file system of `total_blocks`: one per 4 blocks, a
/// multiple of 16, at least 16, at most what leaves room for the root directory's block and
/// one more data block.
pub fn default_inodes(total_blocks: u64) -> u32 {
    let per_block = INODES_PER_BLOCK as u64;
    let wanted = (total_blocks / 4).div_ceil(per_block).max(1);
    let bitmap_blocks = total_blocks.div_ceil(BITMAP_BITS_PER_BLOCK as u64);
    // Superblock, bitmap, two data blocks: the rest may be inode table.
    let room = total_blocks.saturating_sub(3 + bitmap_blocks).max(1);
    let table_blocks = wanted.min(room).min(u64::from(u32::MAX) / per_block);
    u32::try_from(table_blocks * per_block).unwrap_or(u32::MAX - 15)
}

/// Computes the superblock of a new file system: geometry, identity, free counts and a
/// clean state.
pub fn layout(options: &Options) -> Result<Superblock> {
    let total = options.total_blocks;
    if total < MIN_BLOCKS {
        return Err(Error::new(format!(
            "{total} blocks are too few: a file system needs at least {MIN_BLOCKS} blocks of {BLOCK_SIZE} bytes"
        )));
    }
    let inodes = options.inodes.unwrap_or_else(|| default_inodes(total));
    let mut sb = Superblock::new_geometry(total, inodes)
        .ok()
        .filter(|sb| sb.data_start + 2 <= total)
        .ok_or_else(|| {
            Error::new(format!(
                "{inodes} inodes do not fit in {total} blocks (the inode table, the root directory and one data block must fit)"
            ))
        })?;
    sb.set_label(&options.label)
        .map_err(|_| Error::new("the label must be at most 32 bytes and contain no NUL"))?;
    sb.uuid = options.uuid;
    sb.mkfs_time = options.time;
    sb.state = format::STATE_CLEAN;
    // Everything below data_start and the root directory's block are used.
    sb.free_blocks = total - sb.data_start - 1;
    sb.free_inodes = sb.inode_count - 1;
    Ok(sb)
}

/// The root directory's inode as mkfs writes it.
pub fn root_inode(sb: &Superblock, time: u64) -> Inode {
    let time = i64::try_from(time).unwrap_or(i64::MAX);
    let mut root = Inode::empty();
    root.mode = u16::try_from(S_IFDIR | 0o755).unwrap_or_default();
    root.nlink = 2;
    root.size = BLOCK_SIZE as u64;
    root.blocks = 1;
    root.atime_sec = time;
    root.mtime_sec = time;
    root.ctime_sec = time;
    root.extent_count = 1;
    root.parent = ROOT_INO;
    root.extents[0] = Extent::new(0, 1, sb.data_start);
    root
}

/// Writes the empty file system `sb` (from [`layout`]) to `dev`, superblock last, and
/// syncs. The root directory gets the superblock's `mkfs_time` as its times.
pub fn write(dev: &Device, sb: &Superblock) -> Result<()> {
    if !sb.fits_device(dev.size()) {
        return Err(Error::new(format!(
            "{}: {} blocks do not fit in {} bytes",
            dev.name(),
            sb.total_blocks,
            dev.size()
        )));
    }
    let root_block = sb.data_start;
    let zero = vec![0u8; BLOCK_SIZE];
    // Make any old superblock unrecognisable first: a failure half-way leaves no
    // file system rather than a damaged one.
    dev.write_block(0, &zero)?;

    let bits = BITMAP_BITS_PER_BLOCK as u64;
    for k in 0..sb.bitmap_blocks {
        let mut buf = vec![0u8; BLOCK_SIZE];
        let first = k * bits;
        let used_end = (root_block + 1).min(first + bits);
        for nr in first..used_end.max(first) {
            format::bitmap_set(&mut buf, usize::try_from(nr - first).unwrap_or(0), true);
        }
        let index = u32::try_from(k).map_err(|_| Error::new("too many bitmap blocks"))?;
        format::bitmap_block_seal(&mut buf, index, crc32c);
        dev.write_block(sb.bitmap_start + k, &buf)?;
    }

    // The inode table in writes of up to 1 MiB: one system call per 4 KiB block cost
    // seconds per mkfs in the test VM.
    const CHUNK_BLOCKS: u64 = 256;
    let (root_table_block, offset) = format::inode_location(ROOT_INO, sb)?;
    let root_offset = usize::try_from(offset).unwrap_or(0);
    let mut b = 0;
    while b < sb.inode_table_blocks {
        let first = sb.inode_table_start + b;
        let count = (sb.inode_table_blocks - b).min(CHUNK_BLOCKS);
        let mut buf = vec![0u8; count as usize * BLOCK_SIZE];
        if (first..first + count).contains(&root_table_block) {
            let at = (root_table_block - first) as usize * BLOCK_SIZE + root_offset;
            root_inode(sb, sb.mkfs_time).encode(&mut buf[at..], crc32c);
        }
        dev.write_blocks(first, &buf)?;
        b += count;
    }

    let mut dir = vec![0u8; BLOCK_SIZE];
    format::dir_block_init(&mut dir, ROOT_INO, 0, crc32c);
    dev.write_block(root_block, &dir)?;

    dev.sync()?;
    let mut buf = vec![0u8; BLOCK_SIZE];
    sb.encode(&mut buf, crc32c);
    dev.write_block(0, &buf)?;
    dev.sync()
}

/// Creates an image file of `total_blocks` at `path` with an empty file system (default
/// inode count, no label, the current time): the tests' starting point.
pub fn make_image(path: impl AsRef<std::path::Path>, total_blocks: u64) -> Result<Device> {
    let dev = Device::create_image(path, total_blocks)?;
    let sb = layout(&Options {
        total_blocks,
        time: crate::now(),
        ..Options::default()
    })?;
    write(&dev, &sb)?;
    Ok(dev)
}
