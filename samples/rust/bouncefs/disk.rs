// SPDX-License-Identifier: GPL-2.0

//! Block I/O of metadata and the glue to the shared on-disk format.
//!
//! Metadata goes through `bdev_rw_virt()` synchronously, block by block; file data goes
//! through iomap. Every block read is checked by the format code before anything in it is
//! used, and a failed check becomes `EUCLEAN` with a dmesg line naming the object.

use crate::{alloc::Allocator, format};
use kernel::{bindings, block::bdev::BlockDevice, error::fs_code::EUCLEAN, prelude::*};

/// The file system block size.
pub(crate) const BLOCK_SIZE: u32 = format::BLOCK_SIZE as u32;
/// `BLOCK_SIZE` as a byte count.
pub(crate) const BLOCK_BYTES: usize = format::BLOCK_SIZE;
/// Largest file: extents address blocks with 32 bits.
pub(crate) const MAX_FILE_SIZE: i64 = (u32::MAX as i64) * (BLOCK_SIZE as i64);

/// CRC32C through the kernel's implementation, in the format's convention (standard CRC-32C).
pub(crate) fn crc32c(data: &[u8]) -> u32 {
    // SAFETY: `data` is valid for reads of its length for the call.
    !unsafe { bindings::crc32c(!0, data.as_ptr().cast(), data.len()) }
}

/// Reports a corrupt on-disk object and returns the error the caller gets.
pub(crate) fn corrupt(
    bdev: &BlockDevice,
    what: core::fmt::Arguments<'_>,
    error: format::FormatError,
) -> Error {
    pr_err!("{}: {}: {}\n", bdev.name(), what, error.describe());
    EUCLEAN
}

/// Reads block `block` of the device. A failure is logged with the block and the errno,
/// as a metadata I/O error must be visible even when the caller only sees `EIO`.
pub(crate) fn read_block(bdev: &BlockDevice, block: u64) -> Result<KVec<u8>> {
    let mut buf = KVec::from_elem(0u8, BLOCK_BYTES, GFP_KERNEL)?;
    bdev.read_at(block_offset(block)?, &mut buf)
        .map_err(|e| io_error(bdev, "reading", block, e))?;
    Ok(buf)
}

/// Blocks one [`read_blocks`] I/O reads at most: 64 KiB, an order-4 allocation.
pub(crate) const READ_AHEAD_BLOCKS: u64 = 16;

/// Reads `count` (at most [`READ_AHEAD_BLOCKS`]) consecutive blocks from `first` in one I/O,
/// for metadata read whole at mount: one synchronous request per 4 KiB block made reading
/// the inode table of a 512 MiB file system take 10 s under emulation. Logs a failure as
/// [`read_block`] does.
pub(crate) fn read_blocks(bdev: &BlockDevice, first: u64, count: u64) -> Result<KVec<u8>> {
    if count == 0 || count > READ_AHEAD_BLOCKS {
        return Err(EINVAL);
    }
    let mut buf = KVec::from_elem(0u8, count as usize * BLOCK_BYTES, GFP_KERNEL)?;
    bdev.read_at(block_offset(first)?, &mut buf)
        .map_err(|e| io_error(bdev, "reading", first, e))?;
    Ok(buf)
}

/// Writes block `block` of the device, logging a failure as [`read_block`] does.
pub(crate) fn write_block(bdev: &BlockDevice, block: u64, buf: &KVec<u8>) -> Result {
    bdev.write_at(block_offset(block)?, buf)
        .map_err(|e| io_error(bdev, "writing", block, e))
}

fn block_offset(block: u64) -> Result<u64> {
    block.checked_mul(u64::from(BLOCK_SIZE)).ok_or(EINVAL)
}

fn io_error(bdev: &BlockDevice, doing: &str, block: u64, error: Error) -> Error {
    pr_err!(
        "{}: metadata I/O error {} block {}: {:?}\n",
        bdev.name(),
        doing,
        block,
        error
    );
    error
}

/// Reads and checks the super block, and that the file system fits the device.
pub(crate) fn read_superblock(bdev: &BlockDevice) -> Result<format::Superblock> {
    let buf = read_block(bdev, 0)?;
    let sb = format::Superblock::decode(&buf, crc32c)
        .map_err(|e| corrupt(bdev, format_args!("superblock"), e))?;
    if !sb.fits_device(bdev.size()) {
        pr_err!(
            "{}: superblock: the file system has {} blocks, the device only {}\n",
            bdev.name(),
            sb.total_blocks,
            bdev.size() / u64::from(BLOCK_SIZE)
        );
        return Err(EUCLEAN);
    }
    Ok(sb)
}

/// Writes the super block with the current free counts and `state`.
pub(crate) fn write_superblock(
    bdev: &BlockDevice,
    geometry: &format::Superblock,
    alloc: &Allocator,
    state: u32,
) -> Result {
    let mut sb = geometry.clone();
    let (free_blocks, free_inodes) = alloc.free_counts();
    sb.free_blocks = free_blocks;
    sb.free_inodes = free_inodes;
    sb.state = state;
    let mut buf = KVec::from_elem(0u8, BLOCK_BYTES, GFP_KERNEL)?;
    sb.encode(&mut buf, crc32c);
    write_block(bdev, 0, &buf)
}
