// SPDX-License-Identifier: GPL-2.0

//! Free-space and inode allocation, from bitmaps kept in memory.
//!
//! The block bitmap is read (and checked) at mount and written back, block by block, when it
//! changed: at `sync_fs`, `fsync` and unmount. Which inodes are free is learned at mount from
//! the inode table (a free inode is all zeroes).

use crate::{disk, format};
use kernel::{block::bdev::BlockDevice, new_mutex, prelude::*, sync::Mutex};

struct State {
    /// One bit per block of the file system, 1 = used.
    blocks: KVec<u8>,
    /// Which bitmap blocks changed since they were last written.
    dirty: KVec<bool>,
    free_blocks: u64,
    /// One bit per inode (index `ino - 1`), 1 = used.
    inodes: KVec<u8>,
    free_inodes: u32,
    /// Where the next block search starts.
    next_block: u64,
}

fn bit(map: &[u8], n: u64) -> bool {
    map.get((n / 8) as usize)
        .is_some_and(|b| b & (1 << (n % 8)) != 0)
}

fn set_bit(map: &mut [u8], n: u64, value: bool) {
    if let Some(b) = map.get_mut((n / 8) as usize) {
        if value {
            *b |= 1 << (n % 8);
        } else {
            *b &= !(1 << (n % 8));
        }
    }
}

/// The allocator of one mount.
pub(crate) struct Allocator {
    state: Pin<KBox<Mutex<State>>>,
    total_blocks: u64,
    data_start: u64,
    inode_count: u32,
}

impl Allocator {
    /// Reads the block bitmap and scans the inode table of the file system `sb` describes.
    pub(crate) fn load(bdev: &BlockDevice, sb: &format::Superblock) -> Result<Self> {
        let bits_per_block = format::BITMAP_BITS_PER_BLOCK as u64;
        let bytes = sb.total_blocks.div_ceil(8) as usize;
        let mut blocks = KVec::from_elem(0u8, bytes, GFP_KERNEL)?;
        let mut dirty = KVec::with_capacity(sb.bitmap_blocks as usize, GFP_KERNEL)?;
        for k in 0..sb.bitmap_blocks {
            let buf = disk::read_block(bdev, sb.bitmap_start + k)?;
            format::bitmap_block_check(&buf, k as u32, disk::crc32c)
                .map_err(|e| disk::corrupt(bdev, format_args!("bitmap block {}", k), e))?;
            let first = k * bits_per_block;
            for n in first..(first + bits_per_block).min(sb.total_blocks) {
                if bit(&buf, n - first) {
                    set_bit(&mut blocks, n, true);
                }
            }
            dirty.push(false, GFP_KERNEL)?;
        }
        let mut free_blocks = 0;
        for n in 0..sb.total_blocks {
            let used = bit(&blocks, n);
            if n < sb.data_start && !used {
                pr_err!(
                    "{}: bitmap: metadata block {} is marked free\n",
                    bdev.name(),
                    n
                );
                return Err(kernel::error::fs_code::EUCLEAN);
            }
            if !used {
                free_blocks += 1;
            }
        }

        let mut inodes = KVec::from_elem(0u8, (sb.inode_count as usize).div_ceil(8), GFP_KERNEL)?;
        let mut free_inodes = 0;
        let mut b = 0;
        while b < sb.inode_table_blocks {
            let count = (sb.inode_table_blocks - b).min(disk::READ_AHEAD_BLOCKS);
            let buf = disk::read_blocks(bdev, sb.inode_table_start + b, count)?;
            let first = b * format::INODES_PER_BLOCK as u64;
            for (i, raw) in buf.chunks(format::INODE_SIZE).enumerate() {
                if raw.iter().any(|&x| x != 0) {
                    set_bit(&mut inodes, first + i as u64, true);
                } else {
                    free_inodes += 1;
                }
            }
            b += count;
        }
        Ok(Self {
            state: KBox::pin_init(
                new_mutex!(State {
                    blocks,
                    dirty,
                    free_blocks,
                    inodes,
                    free_inodes,
                    next_block: sb.data_start,
                }),
                GFP_KERNEL,
            )?,
            total_blocks: sb.total_blocks,
            data_start: sb.data_start,
            inode_count: sb.inode_count,
        })
    }

    /// Returns the free block and inode counts.
    pub(crate) fn free_counts(&self) -> (u64, u32) {
        let state = self.state.lock();
        (state.free_blocks, state.free_inodes)
    }

    /// Allocates up to `max` contiguous blocks, starting the search at `goal` if it is in the
    /// data area; returns the first block and the count. `ENOSPC` if the device is full.
    pub(crate) fn allocate(&self, goal: u64, max: u32) -> Result<(u64, u32)> {
        let mut state = self.state.lock();
        if state.free_blocks == 0 || max == 0 {
            return Err(ENOSPC);
        }
        let span = self.total_blocks - self.data_start;
        let start = if (self.data_start..self.total_blocks).contains(&goal) {
            goal
        } else {
            state.next_block
        };
        let mut found = None;
        for i in 0..span {
            let n = self.data_start + (start - self.data_start + i) % span;
            if !bit(&state.blocks, n) {
                found = Some(n);
                break;
            }
        }
        let first = found.ok_or(ENOSPC)?;
        let mut count = 0u32;
        while count < max
            && first + u64::from(count) < self.total_blocks
            && !bit(&state.blocks, first + u64::from(count))
        {
            count += 1;
        }
        for n in first..first + u64::from(count) {
            set_bit(&mut state.blocks, n, true);
            Self::mark_dirty(&mut state, n);
        }
        state.free_blocks -= u64::from(count);
        state.next_block = first + u64::from(count);
        Ok((first, count))
    }

    /// Frees `count` blocks from `first`; blocks already free are reported, not counted twice.
    pub(crate) fn free(&self, first: u64, count: u64) {
        let mut state = self.state.lock();
        for n in first..first.saturating_add(count) {
            if n < self.data_start || n >= self.total_blocks || !bit(&state.blocks, n) {
                pr_err!(
                    "bouncefs: freeing block {} that is not an allocated data block\n",
                    n
                );
                continue;
            }
            set_bit(&mut state.blocks, n, false);
            Self::mark_dirty(&mut state, n);
            state.free_blocks += 1;
        }
    }

    fn mark_dirty(state: &mut State, block: u64) {
        if let Some(d) = state
            .dirty
            .get_mut((block / format::BITMAP_BITS_PER_BLOCK as u64) as usize)
        {
            *d = true;
        }
    }

    /// Returns whether every block of `first..first + count` is marked used.
    pub(crate) fn all_used(&self, first: u64, count: u64) -> bool {
        let state = self.state.lock();
        (first..first.saturating_add(count)).all(|n| n < self.total_blocks && bit(&state.blocks, n))
    }

    /// Allocates an inode number; `ENOSPC` if the inode table is full.
    pub(crate) fn allocate_inode(&self) -> Result<u32> {
        let mut state = self.state.lock();
        for index in 0..u64::from(self.inode_count) {
            if !bit(&state.inodes, index) {
                set_bit(&mut state.inodes, index, true);
                state.free_inodes -= 1;
                return Ok(index as u32 + 1);
            }
        }
        Err(ENOSPC)
    }

    /// Frees inode number `ino`.
    pub(crate) fn free_inode(&self, ino: u32) {
        let mut state = self.state.lock();
        let index = u64::from(ino.saturating_sub(1));
        if ino == 0 || ino > self.inode_count || !bit(&state.inodes, index) {
            pr_err!("bouncefs: freeing inode {} that is not in use\n", ino);
            return;
        }
        set_bit(&mut state.inodes, index, false);
        state.free_inodes += 1;
    }

    /// Writes the changed bitmap blocks back.
    pub(crate) fn write_back(&self, bdev: &BlockDevice, sb: &format::Superblock) -> Result {
        let mut state = self.state.lock();
        let bits_per_block = format::BITMAP_BITS_PER_BLOCK as u64;
        for k in 0..sb.bitmap_blocks {
            if !state.dirty.get(k as usize).copied().unwrap_or(false) {
                continue;
            }
            let mut buf = KVec::from_elem(0u8, disk::BLOCK_BYTES, GFP_KERNEL)?;
            let first = k * bits_per_block;
            for n in first..(first + bits_per_block).min(sb.total_blocks) {
                if bit(&state.blocks, n) {
                    set_bit(&mut buf, n - first, true);
                }
            }
            format::bitmap_block_seal(&mut buf, k as u32, disk::crc32c);
            disk::write_block(bdev, sb.bitmap_start + k, &buf)?;
            if let Some(d) = state.dirty.get_mut(k as usize) {
                *d = false;
            }
        }
        Ok(())
    }
}
