// SPDX-License-Identifier: GPL-2.0

//! Inodes: reading and writing them, their extent lists, allocation and freeing of their
//! blocks.

use crate::{dir, disk, file, format, mount, BounceFs, Counters};
use kernel::{
    error::fs_code::EUCLEAN,
    fs::{
        inode::{self, Cached, Inode, InodeRef, Kind, NewInode, Params, Timespec},
        sb::SuperBlock,
    },
    new_mutex,
    prelude::*,
    sync::Mutex,
};

/// A run of blocks of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Extent {
    /// First file block.
    pub(crate) file_block: u32,
    /// Number of blocks.
    pub(crate) len: u32,
    /// First disk block.
    pub(crate) disk_block: u64,
    /// Not written: reads as zeroes.
    pub(crate) unwritten: bool,
    /// Unwritten and zeroed on the device (preallocated): may be marked written as a whole.
    pub(crate) zeroed: bool,
    /// In memory only: allocated by a buffered write whose copy has not finished. Reads
    /// see zeroes (the blocks hold stale data), and what the copy never reaches is freed
    /// again (`file::Mapping::end`); a page fault that maps it, or the end of the write,
    /// clears it.
    pub(crate) fresh: bool,
}

impl Extent {
    /// Whether `next` continues this extent in the file and on disk, in the same state, and
    /// both fit in one extent.
    fn continued_by(&self, next: &Extent) -> bool {
        self.end() == u64::from(next.file_block)
            && (self.unwritten, self.zeroed, self.fresh)
                == (next.unwritten, next.zeroed, next.fresh)
            && self.disk_block + u64::from(self.len) == next.disk_block
            && self
                .len
                .checked_add(next.len)
                .is_some_and(|l| l <= format::EXTENT_MAX_LEN)
    }

    fn end(&self) -> u64 {
        u64::from(self.file_block) + u64::from(self.len)
    }
}

/// What bouncefs keeps of an inode beyond `struct inode`.
pub(crate) struct InodeState {
    /// Extents sorted by file block, not overlapping.
    pub(crate) extents: KVec<Extent>,
    /// The indirect extent block, 0 if none.
    pub(crate) indirect: u64,
    /// Directories: the parent's inode number.
    pub(crate) parent: u32,
}

impl InodeState {
    /// Returns the extent containing file block `block`.
    pub(crate) fn find(&self, block: u64) -> Option<Extent> {
        self.extents
            .iter()
            .find(|e| u64::from(e.file_block) <= block && block < e.end())
            .copied()
    }

    /// Returns the first file block of the first extent after `block`.
    pub(crate) fn next_start(&self, block: u64) -> Option<u64> {
        self.extents
            .iter()
            .map(|e| u64::from(e.file_block))
            .find(|&start| start > block)
    }

    /// Returns the number of 4 KiB blocks owned (data and indirect).
    pub(crate) fn owned_blocks(&self) -> u64 {
        self.extents.iter().map(|e| u64::from(e.len)).sum::<u64>() + u64::from(self.indirect != 0)
    }
}

/// The per-inode data of bouncefs.
#[pin_data]
pub(crate) struct InodeData {
    #[pin]
    pub(crate) state: Mutex<InodeState>,
}

impl InodeData {
    pub(crate) fn new(state: InodeState) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            state <- new_mutex!(state),
        })
    }
}

/// Returns inode `ino`, from the cache or the device.
pub(crate) fn iget(sb: &SuperBlock<BounceFs>, ino: u64) -> Result<InodeRef<BounceFs>> {
    match sb.iget(ino)? {
        Cached::Existing(inode) => Ok(inode),
        Cached::New(new) => read(sb, new),
    }
}

/// Where inode `ino` lives: the block and the byte offset in it.
fn location(sb: &SuperBlock<BounceFs>, ino: u64) -> Result<(u64, usize)> {
    let mount = mount(sb)?;
    let ino = u32::try_from(ino).map_err(|_| EUCLEAN)?;
    format::inode_location(ino, &mount.geometry)
        .map(|(block, offset)| (block, offset as usize))
        .map_err(|e| disk::corrupt(sb.bdev(), format_args!("inode {}", ino), e))
}

fn timespec(sec: i64, nsec: u32) -> Timespec {
    Timespec { sec, nsec }
}

/// Reads the new inode `new` from the device and sets it up.
pub(crate) fn read(
    sb: &SuperBlock<BounceFs>,
    new: NewInode<BounceFs>,
) -> Result<InodeRef<BounceFs>> {
    let ino = new.ino();
    let bdev = sb.bdev();
    let mount = mount(sb)?;
    let (block, offset) = location(sb, ino)?;
    let buf = disk::read_block(bdev, block)?;
    let raw = buf
        .get(offset..offset + format::INODE_SIZE)
        .ok_or(EUCLEAN)?;
    let Some(d) = format::Inode::decode(raw, ino as u32, &mount.geometry, disk::crc32c)
        .map_err(|e| disk::corrupt(bdev, format_args!("inode {}", ino), e))?
    else {
        pr_err!(
            "{}: inode {}: referenced but not in use\n",
            bdev.name(),
            ino
        );
        return Err(EUCLEAN);
    };

    let mut extents = KVec::with_capacity(d.extent_count as usize, GFP_KERNEL)?;
    for e in d.inline_extents() {
        extents.push(extent_from_disk(e), GFP_KERNEL)?;
    }
    if d.indirect != 0 {
        let ibuf = disk::read_block(bdev, d.indirect)?;
        // Checked and decoded in place: a 4 KiB format::IndirectBlock on the stack overflowed
        // the kernel's 16 KiB stack under path lookup (generic/113, without KASAN's larger
        // stacks).
        let count = d.extent_count - format::INLINE_EXTENTS as u32;
        format::check_indirect(
            &ibuf,
            ino as u32,
            count,
            d.inline_extents().last(),
            &mount.geometry,
            disk::crc32c,
        )
        .map_err(|e| {
            disk::corrupt(
                bdev,
                format_args!("inode {}: indirect extent block {}", ino, d.indirect),
                e,
            )
        })?;
        for e in format::indirect_extents(&ibuf, count) {
            extents.push(extent_from_disk(&e), GFP_KERNEL)?;
        }
    }
    // Blocks another object may own are not followed: what an inode owns must be in use.
    let runs = extents.iter().map(|e| (e.disk_block, u64::from(e.len)));
    let indirect = core::iter::once((d.indirect, 1)).filter(|_| d.indirect != 0);
    let owned_free =
        Iterator::chain(runs, indirect).find(|&(first, count)| !mount.alloc.all_used(first, count));
    if let Some((first, count)) = owned_free {
        pr_err!(
            "{}: inode {}: blocks {}..{} are free in the bitmap\n",
            bdev.name(),
            ino,
            first,
            first + count
        );
        return Err(EUCLEAN);
    }
    let min_links = if d.is_dir() { 2 } else { 1 };
    if d.nlink < min_links {
        pr_err!(
            "{}: inode {}: link count {} is too low\n",
            bdev.name(),
            ino,
            d.nlink
        );
        return Err(EUCLEAN);
    }
    for pair in extents.windows(2) {
        if let [a, b] = pair {
            if a.end() > u64::from(b.file_block) {
                pr_err!("{}: inode {}: extents overlap\n", bdev.name(), ino);
                return Err(EUCLEAN);
            }
        }
    }

    let mode = d.mode;
    let target = if u32::from(mode) & format::S_IFMT == format::S_IFLNK {
        let first = extents.first().copied().ok_or(EUCLEAN)?;
        let len = usize::try_from(d.size).map_err(|_| EUCLEAN)?;
        if len == 0 || len >= disk::BLOCK_BYTES || first.file_block != 0 {
            pr_err!("{}: inode {}: bad symbolic link\n", bdev.name(), ino);
            return Err(EUCLEAN);
        }
        let mut target = disk::read_block(bdev, first.disk_block)?;
        target.truncate(len);
        Some(target)
    } else {
        None
    };
    let kind = kind_of(mode, d.rdev, target)?;
    let size = i64::try_from(d.size).map_err(|_| EUCLEAN)?;
    new.init(
        Params {
            kind,
            mode,
            nlink: d.nlink,
            uid: d.uid,
            gid: d.gid,
            size,
            sectors: d.blocks.saturating_mul(8),
            atime: timespec(d.atime_sec, d.atime_nsec),
            mtime: timespec(d.mtime_sec, d.mtime_nsec),
            ctime: timespec(d.ctime_sec, d.ctime_nsec),
            generation: d.generation,
        },
        InodeData::new(InodeState {
            extents,
            indirect: d.indirect,
            parent: d.parent,
        }),
    )
}

/// The operations of an inode of `mode`; symbolic links come with their target.
fn kind_of(mode: u16, rdev: u32, target: Option<KVec<u8>>) -> Result<Kind<BounceFs>> {
    Ok(match u32::from(mode) & format::S_IFMT {
        format::S_IFREG => Kind::Regular {
            inode_ops: &file::INODE_OPS,
            file_ops: &file::FILE_OPS,
            aops: &file::AOPS,
        },
        format::S_IFDIR => Kind::Directory {
            inode_ops: &dir::INODE_OPS,
            file_ops: &dir::DIR_OPS,
        },
        format::S_IFLNK => Kind::Symlink {
            inode_ops: &file::SPECIAL_INODE_OPS,
            target: target.ok_or(EINVAL)?,
        },
        _ => Kind::Special {
            inode_ops: &file::SPECIAL_INODE_OPS,
            rdev,
        },
    })
}

fn extent_from_disk(e: &format::Extent) -> Extent {
    Extent {
        file_block: e.file_block,
        len: e.len(),
        disk_block: e.disk_block,
        unwritten: e.unwritten(),
        zeroed: e.zeroed(),
        fresh: false,
    }
}

fn extent_to_disk(e: &Extent) -> format::Extent {
    format::Extent::new(e.file_block, e.len, e.disk_block)
        .with_unwritten(e.unwritten)
        .with_zeroed(e.zeroed)
}

/// Writes `inode` to the inode table (and its indirect extent block).
pub(crate) fn write(inode: &Inode<BounceFs>, _sync: bool) -> Result {
    let sb = inode.super_block();
    let bdev = sb.bdev();
    let ino = inode.ino();
    let [atime, mtime, ctime] = inode.times();
    let state = inode.data().state.lock();
    let mut d = format::Inode::empty();
    d.mode = inode.mode();
    d.nlink = inode.nlink();
    d.uid = inode.uid();
    d.gid = inode.gid();
    d.size = u64::try_from(inode.size()).map_err(|_| EINVAL)?;
    d.blocks = state.owned_blocks();
    d.atime_sec = atime.sec;
    d.atime_nsec = atime.nsec;
    d.mtime_sec = mtime.sec;
    d.mtime_nsec = mtime.nsec;
    d.ctime_sec = ctime.sec;
    d.ctime_nsec = ctime.nsec;
    d.generation = inode.generation();
    d.extent_count = state.extents.len() as u32;
    d.indirect = state.indirect;
    d.parent = state.parent;
    d.rdev = inode.rdev();
    for (slot, e) in d.extents.iter_mut().zip(state.extents.iter()) {
        *slot = extent_to_disk(e);
    }
    if state.extents.len() > format::INLINE_EXTENTS {
        let mut buf = KVec::from_elem(0u8, disk::BLOCK_BYTES, GFP_KERNEL)?;
        let indirect = state.extents.iter().skip(format::INLINE_EXTENTS);
        format::encode_indirect(
            &mut buf,
            ino as u32,
            indirect.map(extent_to_disk),
            disk::crc32c,
        )
        .map_err(|_| EFBIG)?;
        disk::write_block(bdev, state.indirect, &buf)?;
    }
    drop(state);
    write_raw(sb, ino, Some(&d))
}

/// Writes inode `ino`'s slot in the inode table: `d`, or zeroes for a freed inode.
fn write_raw(sb: &SuperBlock<BounceFs>, ino: u64, d: Option<&format::Inode>) -> Result {
    let mount = mount(sb)?;
    let bdev = sb.bdev();
    let (block, offset) = location(sb, ino)?;
    let _itable = mount.itable.lock();
    let mut buf = disk::read_block(bdev, block)?;
    let slot = buf
        .get_mut(offset..offset + format::INODE_SIZE)
        .ok_or(EINVAL)?;
    match d {
        Some(d) => d.encode(slot, disk::crc32c),
        None => slot.fill(0),
    }
    disk::write_block(bdev, block, &buf)
}

/// Frees the blocks and the inode of an inode without links, when it is evicted.
pub(crate) fn evict(inode: &Inode<BounceFs>) {
    if inode.nlink() != 0 {
        return;
    }
    let sb = inode.super_block();
    let Ok(mount) = mount(sb) else { return };
    {
        let mut state = inode.data().state.lock();
        free_from(mount, &mut state, 0);
        if state.indirect != 0 {
            mount.alloc.free(state.indirect, 1);
            state.indirect = 0;
        }
    }
    if let Err(e) = write_raw(sb, inode.ino(), None) {
        pr_err!(
            "{}: inode {}: could not free it: {:?}\n",
            sb.bdev().name(),
            inode.ino(),
            e
        );
        return;
    }
    mount.alloc.free_inode(inode.ino() as u32);
}

/// Frees every block of the file from file block `from` on.
pub(crate) fn free_from(mount: &crate::Mount, state: &mut InodeState, from: u64) {
    let mut kept = 0;
    for i in 0..state.extents.len() {
        let Some(mut e) = state.extents.get(i).copied() else {
            break;
        };
        if e.end() <= from {
            if let Some(slot) = state.extents.get_mut(kept) {
                *slot = e;
            }
            kept += 1;
            continue;
        }
        let keep_len = from.saturating_sub(u64::from(e.file_block)) as u32;
        mount.alloc.free(
            e.disk_block + u64::from(keep_len),
            u64::from(e.len - keep_len),
        );
        if keep_len > 0 {
            e.len = keep_len;
            if let Some(slot) = state.extents.get_mut(kept) {
                *slot = e;
            }
            kept += 1;
        }
    }
    state.extents.truncate(kept);
    if state.extents.len() <= format::INLINE_EXTENTS && state.indirect != 0 {
        mount.alloc.free(state.indirect, 1);
        state.indirect = 0;
    }
}

/// Makes `extents` the inode's extent list, with the indirect block it needs or without
/// the one it no longer needs. `ENOSPC`, with nothing changed, past the bound of the list
/// or when the indirect block cannot be allocated.
fn set_extents(inode: &Inode<BounceFs>, state: &mut InodeState, extents: KVec<Extent>) -> Result {
    if extents.len() > format::MAX_EXTENTS {
        return Err(ENOSPC);
    }
    let mount = mount(inode.super_block())?;
    if extents.len() > format::INLINE_EXTENTS && state.indirect == 0 {
        let goal = extents.first().map_or(0, |e| e.disk_block);
        state.indirect = mount.alloc.allocate(goal, 1)?.0;
    } else if extents.len() <= format::INLINE_EXTENTS && state.indirect != 0 {
        mount.alloc.free(state.indirect, 1);
        state.indirect = 0;
    }
    state.extents = extents;
    inode.set_sectors(state.owned_blocks() * 8);
    Ok(())
}

/// How [`remove`] treats the file blocks after the range.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removal {
    /// They stay where they are: the range becomes a hole (`FALLOC_FL_PUNCH_HOLE`).
    Punch,
    /// They move down by the length of the range (`FALLOC_FL_COLLAPSE_RANGE`).
    Collapse,
}

/// Frees file blocks `first..last`, splitting the extents that cross either end; returns
/// how many blocks were freed. `ENOSPC`, with nothing changed, when a split would take the
/// extent list past its bound. The caller dropped the page cache of the range (of
/// everything after it too, for a collapse) and waited for the direct I/O in flight.
pub(crate) fn remove(
    inode: &Inode<BounceFs>,
    state: &mut InodeState,
    first: u64,
    last: u64,
    how: Removal,
) -> Result<u64> {
    let shift = if how == Removal::Collapse {
        last - first
    } else {
        0
    };
    let mut kept = KVec::with_capacity(state.extents.len() + 1, GFP_KERNEL)?;
    let mut freed = KVec::new();
    for e in state.extents.iter().copied() {
        let (start, end) = (u64::from(e.file_block), e.end());
        if end <= first {
            push_merged(&mut kept, e)?;
            continue;
        }
        if start >= last {
            let file_block = (start - shift) as u32;
            push_merged(&mut kept, Extent { file_block, ..e })?;
            continue;
        }
        let (lo, hi) = (start.max(first), end.min(last));
        if start < lo {
            let len = (lo - start) as u32;
            push_merged(&mut kept, Extent { len, ..e })?;
        }
        freed.push((e.disk_block + (lo - start), hi - lo), GFP_KERNEL)?;
        if hi < end {
            let tail = Extent {
                file_block: (hi - shift) as u32,
                len: (end - hi) as u32,
                disk_block: e.disk_block + (hi - start),
                ..e
            };
            push_merged(&mut kept, tail)?;
        }
    }
    if freed.is_empty() && shift == 0 {
        return Ok(0);
    }
    set_extents(inode, state, kept)?;
    let mount = mount(inode.super_block())?;
    let mut total = 0;
    for (disk_block, count) in freed {
        mount.alloc.free(disk_block, count);
        total += count;
    }
    Ok(total)
}

/// Writes zeroes to the blocks backing file blocks `first..last` on the device.
pub(crate) fn zero_blocks(
    inode: &Inode<BounceFs>,
    state: &InodeState,
    first: u64,
    last: u64,
) -> Result {
    let bs = u64::from(disk::BLOCK_SIZE);
    for e in state.extents.iter() {
        let (lo, hi) = (u64::from(e.file_block).max(first), e.end().min(last));
        if lo < hi {
            let disk_block = e.disk_block + (lo - u64::from(e.file_block));
            inode
                .super_block()
                .bdev()
                .zero_out(disk_block * bs, (hi - lo) * bs)?;
        }
    }
    Ok(())
}

/// Moves the file blocks from `first` on up by `count` blocks, splitting the extent that
/// crosses `first`: the gap reads as a hole (`FALLOC_FL_INSERT_RANGE`). `EFBIG` when a
/// block would move past the largest file block, `ENOSPC` when the split does not fit;
/// nothing changed in either case.
pub(crate) fn insert_gap(
    inode: &Inode<BounceFs>,
    state: &mut InodeState,
    first: u64,
    count: u64,
) -> Result {
    if state
        .extents
        .last()
        .is_some_and(|e| e.end() + count > u64::from(u32::MAX))
    {
        return Err(EFBIG);
    }
    let mut moved = KVec::with_capacity(state.extents.len() + 1, GFP_KERNEL)?;
    for e in state.extents.iter().copied() {
        let (start, end) = (u64::from(e.file_block), e.end());
        if end <= first {
            moved.push(e, GFP_KERNEL)?;
            continue;
        }
        if start < first {
            let len = (first - start) as u32;
            moved.push(Extent { len, ..e }, GFP_KERNEL)?;
        }
        let from = start.max(first);
        let part = Extent {
            file_block: (from + count) as u32,
            len: (end - from) as u32,
            disk_block: e.disk_block + (from - start),
            ..e
        };
        moved.push(part, GFP_KERNEL)?;
    }
    set_extents(inode, state, moved)
}

/// What newly allocated blocks hold until data is written to them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NewBlocks {
    /// Whatever was on the device: the caller fills every block before anyone can read it
    /// (directory and symlink blocks, and a page fault, which dirties the whole folio).
    Stale,
    /// Whatever was on the device, for a buffered write that copies into them next:
    /// recorded [`Extent::fresh`] until the write ends.
    Fresh,
    /// Zeroed on the device now and recorded unwritten (preallocation): fiemap reports
    /// them unwritten, reads need no I/O, and [`mark_written`] may mark a whole extent of
    /// them written rather than split it when the extent list is full.
    Zeroed,
    /// Recorded unwritten, reading as zeroes until [`mark_written`] (direct writes: until
    /// they complete, and for ever if they fail).
    Unwritten,
}

/// Allocates blocks for file blocks `first..first + count` (a hole) and records them;
/// returns the new extent, which may be shorter than asked.
pub(crate) fn allocate(
    inode: &Inode<BounceFs>,
    state: &mut InodeState,
    first: u64,
    count: u64,
    new: NewBlocks,
) -> Result<Extent> {
    let sb = inode.super_block();
    let mount = mount(sb)?;
    let file_block = u32::try_from(first).map_err(|_| EFBIG)?;
    let max = u32::try_from(count.min(u64::from(u32::MAX - file_block)).min(1 << 20))
        .map_err(|_| EFBIG)?;
    let goal = state
        .extents
        .iter()
        .rev()
        .find(|e| e.end() <= first)
        .map_or(0, |e| e.disk_block + u64::from(e.len));
    if state.extents.len() >= format::MAX_EXTENTS {
        return Err(ENOSPC);
    }
    let need_indirect = state.extents.len() >= format::INLINE_EXTENTS && state.indirect == 0;
    if need_indirect {
        state.indirect = mount.alloc.allocate(goal, 1)?.0;
    }
    let (disk_block, len) = match mount.alloc.allocate(goal, max) {
        Ok(run) => run,
        Err(e) => {
            if need_indirect {
                mount.alloc.free(state.indirect, 1);
                state.indirect = 0;
            }
            return Err(e);
        }
    };
    let extent = Extent {
        file_block,
        len,
        disk_block,
        unwritten: matches!(new, NewBlocks::Zeroed | NewBlocks::Unwritten),
        zeroed: new == NewBlocks::Zeroed,
        fresh: new == NewBlocks::Fresh,
    };
    let bs = u64::from(disk::BLOCK_SIZE);
    let recorded = if new == NewBlocks::Zeroed {
        sb.bdev().zero_out(disk_block * bs, u64::from(len) * bs)
    } else {
        Ok(())
    }
    .and_then(|()| insert(state, extent));
    if let Err(e) = recorded {
        // Nothing may stay allocated for an extent the list lacks, nor an indirect block
        // for a list that still fits the inode.
        mount.alloc.free(disk_block, u64::from(len));
        if need_indirect {
            mount.alloc.free(state.indirect, 1);
            state.indirect = 0;
        }
        return Err(e);
    }
    inode.set_sectors(state.owned_blocks() * 8);
    Ok(extent)
}

/// Marks file blocks `first..last` written where they are unwritten, once direct I/O put
/// data in every one of them (iomap zeroed the parts of partial blocks it did not write).
/// The rest of a partly covered unwritten extent stays unwritten; neighbours that become
/// contiguous are merged, so a file written in many small direct writes does not run out
/// of extents. When the split would overflow the bounded extent list (direct writes
/// scattered over a large preallocation), preallocated extents are marked written whole
/// instead: their other blocks hold zeroes or data of writes in flight, never stale data.
pub(crate) fn mark_written(
    inode: &Inode<BounceFs>,
    state: &mut InodeState,
    first: u64,
    last: u64,
) -> Result {
    if !state
        .extents
        .iter()
        .any(|e| e.unwritten && e.end() > first && u64::from(e.file_block) < last)
    {
        return Ok(());
    }
    let mut rebuilt = written_split(&state.extents, first, last, false)?;
    if rebuilt.len() > format::MAX_EXTENTS {
        rebuilt = written_split(&state.extents, first, last, true)?;
        if rebuilt.len() > format::MAX_EXTENTS {
            return Err(ENOSPC);
        }
        Counters::add(
            &mount(inode.super_block())?
                .counters
                .whole_extent_conversions,
            1,
        );
    }
    set_extents(inode, state, rebuilt)?;
    inode.mark_dirty();
    Ok(())
}

/// `extents` with file blocks `first..last` written, unwritten extents split around them,
/// or, with `whole_zeroed`, zeroed ones marked written as a whole.
fn written_split(
    extents: &[Extent],
    first: u64,
    last: u64,
    whole_zeroed: bool,
) -> Result<KVec<Extent>> {
    let mut rebuilt = KVec::with_capacity(extents.len() + 2, GFP_KERNEL)?;
    for e in extents.iter().copied() {
        let (start, end) = (u64::from(e.file_block), e.end());
        if !e.unwritten || end <= first || start >= last {
            push_merged(&mut rebuilt, e)?;
            continue;
        }
        let (lo, hi) = if whole_zeroed && e.zeroed {
            (start, end)
        } else {
            (start.max(first), end.min(last))
        };
        for (from, to, unwritten) in [(start, lo, true), (lo, hi, false), (hi, end, true)] {
            if from < to {
                push_merged(
                    &mut rebuilt,
                    Extent {
                        file_block: from as u32,
                        len: (to - from) as u32,
                        disk_block: e.disk_block + (from - start),
                        unwritten,
                        zeroed: unwritten && e.zeroed,
                        fresh: false,
                    },
                )?;
            }
        }
    }
    Ok(rebuilt)
}

/// Appends `e` to `list`, merged into the last extent when it continues it on disk and in
/// the file with the same state.
fn push_merged(list: &mut KVec<Extent>, e: Extent) -> Result {
    if let Some(prev) = list.last_mut() {
        if prev.continued_by(&e) {
            prev.len += e.len;
            return Ok(());
        }
    }
    list.push(e, GFP_KERNEL)?;
    Ok(())
}

/// The first run of fresh blocks in file blocks `first..last`, as file blocks.
pub(crate) fn first_fresh_run(state: &InodeState, first: u64, last: u64) -> Option<(u64, u64)> {
    state
        .extents
        .iter()
        .filter(|e| e.fresh)
        .map(|e| (u64::from(e.file_block).max(first), e.end().min(last)))
        .find(|(lo, hi)| lo < hi)
}

/// Clears [`Extent::fresh`] on the extents that overlap file blocks `first..last` and merges
/// them with their neighbours, as they were kept apart only by that flag.
pub(crate) fn clear_fresh(state: &mut InodeState, first: u64, last: u64) -> Result {
    let overlaps = |e: &Extent| e.fresh && e.end() > first && u64::from(e.file_block) < last;
    if !state.extents.iter().any(overlaps) {
        return Ok(());
    }
    let mut rebuilt = KVec::with_capacity(state.extents.len(), GFP_KERNEL)?;
    for e in state.extents.iter().copied() {
        let fresh = e.fresh && !overlaps(&e);
        push_merged(&mut rebuilt, Extent { fresh, ..e })?;
    }
    state.extents = rebuilt;
    Ok(())
}

/// Marks the unwritten extent `e` written, zeroing its blocks on the device first unless
/// preallocation did.
pub(crate) fn convert_unwritten(
    inode: &Inode<BounceFs>,
    state: &mut InodeState,
    e: Extent,
) -> Result<Extent> {
    if !e.zeroed {
        let bs = u64::from(disk::BLOCK_SIZE);
        inode
            .super_block()
            .bdev()
            .zero_out(e.disk_block * bs, u64::from(e.len) * bs)?;
    }
    let slot = state.extents.iter_mut().find(|x| **x == e).ok_or(EUCLEAN)?;
    slot.unwritten = false;
    slot.zeroed = false;
    inode.mark_dirty();
    Ok(*slot)
}

/// Inserts `new` (which overlaps nothing) into the sorted extent list, merging it with the
/// previous extent when both are contiguous.
fn insert(state: &mut InodeState, new: Extent) -> Result {
    let at = state
        .extents
        .iter()
        .position(|e| e.file_block > new.file_block)
        .unwrap_or(state.extents.len());
    if at > 0 {
        if let Some(prev) = state.extents.get_mut(at - 1) {
            if prev.continued_by(&new) {
                prev.len += new.len;
                return Ok(());
            }
        }
    }
    state.extents.insert_within_capacity(at, new).or_else(|_| {
        state.extents.reserve(1, GFP_KERNEL)?;
        state
            .extents
            .insert_within_capacity(at, new)
            .map_err(|_| ENOMEM)
    })?;
    Ok(())
}

/// Creates the on-disk and in-memory inode of a new file of `mode` for `creator`.
pub(crate) fn create(
    creator: &inode::Creator<'_, BounceFs>,
    mode: u16,
    rdev: u32,
    symlink: Option<&[u8]>,
) -> Result<InodeRef<BounceFs>> {
    let dir = creator.dir();
    let sb = dir.super_block();
    let mount = mount(sb)?;
    let ino = mount.alloc.allocate_inode()?;
    let new = match sb.iget(u64::from(ino)) {
        Ok(Cached::New(new)) => new,
        Ok(Cached::Existing(_)) => {
            pr_err!(
                "{}: inode {}: free on disk but in use in memory\n",
                sb.bdev().name(),
                ino
            );
            return Err(EUCLEAN);
        }
        Err(e) => {
            mount.alloc.free_inode(ino);
            return Err(e);
        }
    };
    let is_dir = u32::from(mode) & format::S_IFMT == format::S_IFDIR;
    let target = match symlink {
        Some(target) => {
            let mut copy = KVec::new();
            copy.extend_from_slice(target, GFP_KERNEL)?;
            Some(copy)
        }
        None => None,
    };
    let kind = match kind_of(mode, rdev, target) {
        Ok(kind) => kind,
        Err(e) => {
            mount.alloc.free_inode(ino);
            return Err(e);
        }
    };
    let now = Timespec::default();
    let inode = new.init_created(
        creator,
        Params {
            kind,
            mode,
            nlink: if is_dir { 2 } else { 1 },
            uid: 0,
            gid: 0,
            size: 0,
            sectors: 0,
            atime: now,
            mtime: now,
            ctime: now,
            generation: 0,
        },
        InodeData::new(InodeState {
            extents: KVec::new(),
            indirect: 0,
            parent: if is_dir { dir.ino() as u32 } else { 0 },
        }),
    );
    let inode = match inode {
        Ok(inode) => inode,
        Err(e) => {
            mount.alloc.free_inode(ino);
            return Err(e);
        }
    };
    inode.touch_all_times();
    // From here a failure drops the only link, and eviction frees blocks and inode.
    let setup = (|| -> Result {
        if is_dir {
            dir::init_block(&inode, dir.ino() as u32)?;
        } else if let Some(target) = symlink {
            let mut state = inode.data().state.lock();
            let extent = allocate(&inode, &mut state, 0, 1, NewBlocks::Stale)?;
            let mut buf = KVec::from_elem(0u8, disk::BLOCK_BYTES, GFP_KERNEL)?;
            buf.get_mut(..target.len())
                .ok_or(ENAMETOOLONG_ERR)?
                .copy_from_slice(target);
            disk::write_block(sb.bdev(), extent.disk_block, &buf)?;
            inode.set_size(target.len() as i64)?;
        }
        write(&inode, true)
    })();
    if let Err(e) = setup {
        inode.set_nlink(0);
        return Err(e);
    }
    Ok(inode)
}

const ENAMETOOLONG_ERR: Error = kernel::error::fs_code::ENAMETOOLONG;
