// SPDX-License-Identifier: GPL-2.0

//! Regular files: one iomap mapping for buffered, mmap and direct I/O, and the direct-I/O
//! path that bounces on devices that need stable pages.

use crate::{
    disk,
    inode::{self, Removal},
    mount, trace, BounceFs, Counters,
};
use kernel::{
    bindings,
    error::fs_code::{EOPNOTSUPP, EUCLEAN},
    fs::{
        address_space,
        inode::{self as vfs_inode, Inode},
        regular::{self, Done, Iocb, SyncFile},
    },
    iomap::{
        self,
        dio::{self, CompletedDioBio, DioBio, DioOperations, EndFlags, Outcome},
        DioFlags, IterFlags, Map, MapFlags, Type,
    },
    iov::{IovIterDest, IovIterSource},
    prelude::*,
};

pub(crate) static INODE_OPS: vfs_inode::Ops<BounceFs> = vfs_inode::Ops::new::<FileInode>();
pub(crate) static SPECIAL_INODE_OPS: vfs_inode::Ops<BounceFs> =
    vfs_inode::Ops::new::<SpecialInode>();
pub(crate) static FILE_OPS: regular::Ops<BounceFs> = regular::Ops::new::<File>();
pub(crate) static AOPS: address_space::Ops<BounceFs> = address_space::Ops::new::<Mapping>();

const BS: u64 = disk::BLOCK_SIZE as u64;

/// The mapping of file ranges to blocks, for every kind of I/O.
pub(crate) struct Mapping;

#[vtable]
impl iomap::Operations for Mapping {
    type FileSystem = BounceFs;

    fn begin(inode: &Inode<BounceFs>, pos: i64, length: i64, flags: IterFlags) -> Result<Map> {
        let pos = u64::try_from(pos).map_err(|_| EINVAL)?;
        let length = u64::try_from(length.max(1)).map_err(|_| EINVAL)?;
        let first = pos / BS;
        let count = (pos + length).div_ceil(BS) - first;
        let mut state = inode.data().state.lock();
        let direct_write = flags.contains(IterFlags::WRITE) && flags.contains(IterFlags::DIRECT);
        if let Some(e) = state.find(first) {
            let e = if e.unwritten && flags.contains(IterFlags::WRITE) && !direct_write {
                // Cached data must not sit next to stale blocks: zero, then convert. Direct
                // writes convert at completion instead (`DioWrite::end_io`).
                inode::convert_unwritten(inode, &mut state, e)?
            } else if e.fresh && flags.contains(IterFlags::FAULT) {
                // A store through a mapping races a buffered write's copy: its page will
                // be dirty, and these blocks must not be given back at the write's end.
                inode::clear_fresh(&mut state, first, first + 1)?;
                state.find(first).ok_or(EUCLEAN)?
            } else {
                e
            };
            let skip = first - u64::from(e.file_block);
            // Blocks a buffered write is still copying into hold stale data: reads see
            // zeroes there, and find the written part in the page cache.
            let kind = if e.unwritten || (e.fresh && !flags.contains(IterFlags::WRITE)) {
                Type::Unwritten
            } else {
                Type::Mapped
            };
            let (offset, len) = ((first * BS) as i64, (u64::from(e.len) - skip) * BS);
            // Without a journal nothing says when an extent or size reached stable storage
            // (`write_inode` does not flush), so a FUA write alone never makes an O_DSYNC
            // direct write durable: iomap must sync.
            return Ok(Map::blocks(kind, offset, len, (e.disk_block + skip) * BS)
                .with_flags(MapFlags::empty().with_if(direct_write, MapFlags::DIRTY)));
        }
        let hole = state
            .next_start(first)
            .map_or(count, |next| (next - first).min(count));
        if !flags.contains(IterFlags::WRITE) || flags.contains(IterFlags::ZERO) {
            return Ok(Map::hole((first * BS) as i64, hole * BS));
        }
        // Writeback asks so (`address_space`): a dirty page always has its blocks.
        if flags.contains(IterFlags::OVERWRITE_ONLY) {
            return Err(EAGAIN);
        }
        if flags.contains(IterFlags::NOWAIT) {
            return Err(EAGAIN);
        }
        // A direct write allocates unwritten blocks: until it completes (and for ever if it
        // fails) they read as zeroes, never as the stale data of a freed block.
        // A buffered write marks its blocks fresh until it ends (`end`); a page fault
        // dirties the whole folio it allocates for.
        let (new, kind) = if direct_write {
            (inode::NewBlocks::Unwritten, Type::Unwritten)
        } else if flags.contains(IterFlags::FAULT) {
            (inode::NewBlocks::Stale, Type::Mapped)
        } else {
            (inode::NewBlocks::Fresh, Type::Mapped)
        };
        let e = inode::allocate(inode, &mut state, first, hole, new)?;
        drop(state);
        inode.mark_dirty();
        // New blocks: their extent is not on disk yet (for O_DSYNC direct writes; iomap's
        // buffered path ignores it).
        Ok(Map::blocks(
            kind,
            (first * BS) as i64,
            u64::from(e.len) * BS,
            e.disk_block * BS,
        )
        .with_flags(MapFlags::NEW.with_if(direct_write, MapFlags::DIRTY)))
    }

    /// A buffered write allocates its whole range in `begin` and may copy less (a fault on
    /// the caller's buffer, a signal): the blocks it never reached would show their old
    /// contents, another file's data, inside the file or after a truncate up. They are
    /// freed here, as XFS punches out its delalloc blocks.
    fn end(
        inode: &Inode<BounceFs>,
        pos: i64,
        length: i64,
        written: isize,
        flags: IterFlags,
        map: &Map,
    ) -> Result {
        // Direct writes allocate unwritten blocks (zeroes until they complete); a page
        // fault maps a whole folio, and holds the invalidate lock shared already; zeroing
        // allocates nothing.
        let buffered_write = flags.contains(IterFlags::WRITE)
            && !flags.contains(IterFlags::DIRECT)
            && !flags.contains(IterFlags::FAULT)
            && !flags.contains(IterFlags::ZERO);
        if !buffered_write || !map.flags.contains(MapFlags::NEW) {
            return Ok(());
        }
        if (written as i64) < length {
            let invalidate = inode.invalidate_lock();
            iomap::release_unfilled::<Mapping>(&invalidate, pos, length, written, map)?;
        }
        // What is left holds the write's data in the page cache (or a racing store's).
        let first = map.offset as u64 / BS;
        let mut state = inode.data().state.lock();
        inode::clear_fresh(&mut state, first, first + map.length.div_ceil(BS))
    }

    /// Frees the fresh blocks of the range: iomap calls this for every range without
    /// dirty pages, and blocks a page fault mapped (no longer fresh) may hold a store that
    /// was written back already, or be under writeback now.
    fn punch(inode: &Inode<BounceFs>, offset: i64, length: i64) {
        let (first, last) = (
            offset as u64 / BS,
            (offset as u64).saturating_add(length as u64).div_ceil(BS),
        );
        let mut state = inode.data().state.lock();
        let mut freed = 0;
        while let Some((lo, hi)) = inode::first_fresh_run(&state, first, last) {
            match inode::remove(inode, &mut state, lo, hi, Removal::Punch) {
                Ok(n) => freed += n,
                // A split the full extent list cannot take (or no memory): the blocks
                // stay, zeroed, so that they read as what the write left them, nothing.
                Err(e) => {
                    let zeroed = inode::zero_blocks(inode, &state, lo, hi)
                        .and_then(|()| inode::clear_fresh(&mut state, lo, hi));
                    pr_warn!(
                        "{}: inode {}: could not free blocks {}..{} of a short write ({:?}); zeroing them: {:?}\n",
                        inode.super_block().bdev().name(),
                        inode.ino(),
                        lo,
                        hi,
                        e,
                        zeroed
                    );
                    if zeroed.is_err() {
                        break;
                    }
                }
            }
        }
        drop(state);
        if freed > 0 {
            inode.mark_dirty();
            if let Ok(mount) = mount(inode.super_block()) {
                Counters::add(&mount.counters.unfilled_blocks_released, freed);
            }
        }
    }
}

/// The hooks of direct reads: bounce accounting and the in-task completion of bounced reads.
///
/// No `end_io`: iomap reports a read crossing EOF with the whole blocks it read, and a size
/// update there would grow the file (found by bouncefs-dio-check's `across-eof`).
pub(crate) struct DioRead;

#[vtable]
impl DioOperations for DioRead {
    type FileSystem = BounceFs;

    fn submit_io(bio: DioBio<Self>, _file_offset: i64) {
        submit(bio);
    }

    fn complete_in_task(bio: CompletedDioBio<Self>) {
        let sb = bio.inode().super_block();
        let error = bio.status().err().map_or(0, |e| e.to_errno());
        trace::dio_read_complete(
            sb.dev(),
            bio.inode().ino(),
            bio.file_offset(),
            bio.size(),
            error,
        );
        if let Ok(mount) = mount(sb) {
            Counters::add(&mount.counters.completions_in_task, 1);
        }
        bio.end();
    }
}

/// The hooks of direct writes: unwritten conversion and size updates at completion, bounce
/// accounting.
pub(crate) struct DioWrite;

#[vtable]
impl DioOperations for DioWrite {
    type FileSystem = BounceFs;

    fn end_io(
        inode: &Inode<BounceFs>,
        pos: i64,
        size: usize,
        status: Result,
        flags: EndFlags,
    ) -> Result {
        if status.is_err() || size == 0 {
            // Blocks allocated for a failed write stay unwritten: they read as zeroes.
            return Ok(());
        }
        let end = pos.saturating_add(size as i64);
        if flags.contains(EndFlags::UNWRITTEN) {
            let mut state = inode.data().state.lock();
            inode::mark_written(
                inode,
                &mut state,
                pos as u64 / BS,
                (end as u64).div_ceil(BS),
            )?;
        }
        if end > inode.size() {
            inode.set_size(end)?;
            inode.mark_dirty();
        }
        Ok(())
    }

    fn submit_io(bio: DioBio<Self>, _file_offset: i64) {
        submit(bio);
    }
}

/// Submits a direct-I/O bio, counted and traced. A bounced read completes in a worker (the
/// copy back to the caller's pages must not run in interrupt context) without asking: the
/// kernel crate routes every bounced read there (`DioBio::is_bounced_read`), and the
/// bouncefs test checks that each one reached `complete_in_task`.
fn submit<D: DioOperations<FileSystem = BounceFs>>(bio: DioBio<D>) {
    let sb = bio.inode().super_block();
    let Ok(mount) = mount(sb) else {
        return; // Dropping the bio fails it.
    };
    let counters = &mount.counters;
    let size = u64::from(bio.size());
    let is_write = bio.operation().is_write();
    trace::dio_submit(
        sb.dev(),
        bio.inode().ino(),
        bio.file_offset(),
        bio.size(),
        is_write,
        mount.bounce,
    );
    if !mount.bounce {
        Counters::add(&counters.zero_copy_bios, 1);
        if is_write {
            Counters::add(&counters.zero_copy_write_bytes, size);
        } else {
            Counters::add(&counters.zero_copy_read_bytes, size);
        }
        bio.submit();
    } else if is_write {
        Counters::add(&counters.bounced_write_bios, 1);
        Counters::add(&counters.bounced_write_bytes, size);
        bio.submit();
    } else {
        Counters::add(&counters.bounced_read_bios, 1);
        Counters::add(&counters.bounced_read_bytes, size);
        bio.submit();
    }
}

/// Direct-I/O flags of a mount.
fn dio_flags(inode: &Inode<BounceFs>) -> Result<DioFlags> {
    let mount = mount(inode.super_block())?;
    Ok(DioFlags::empty().with_if(mount.bounce, DioFlags::BOUNCE))
}

/// Direct I/O must be aligned to the device's logical block size, in position, length and
/// memory.
fn check_alignment(
    inode: &Inode<BounceFs>,
    pos: i64,
    len: usize,
    iter: *const bindings::iov_iter,
) -> Result {
    let mask = u64::from(inode.super_block().bdev().logical_block_size()) - 1;
    // SAFETY: The iterator is valid for the call.
    let memory = u64::from(unsafe { bindings::iov_iter_alignment(iter) } as u32);
    if (pos as u64 | len as u64 | memory) & mask != 0 {
        return Err(EINVAL);
    }
    Ok(())
}

/// Regular-file operations.
pub(crate) struct File;

#[vtable]
impl regular::Operations for File {
    type FileSystem = BounceFs;
    type Map = Mapping;

    fn read_iter<'a>(mut iocb: Iocb<'a, BounceFs>, to: &mut IovIterDest<'_>) -> Result<Done<'a>> {
        if !iocb.is_direct() {
            let n = iocb.buffered_read(to)?;
            return iocb.done(n);
        }
        if to.is_empty() {
            return iocb.done(0);
        }
        let inode = iocb.inode();
        check_alignment(inode, iocb.pos(), to.len(), to.as_raw())?;
        let flags = dio_flags(inode)?;
        let _lock = if iocb.is_nowait() {
            inode.try_lock_shared()?
        } else {
            inode.lock_shared()
        };
        iocb.file_accessed();
        dio::rw::<Mapping, DioRead, _>(iocb, to, flags)?.into_result()
    }

    fn write_iter<'a>(
        mut iocb: Iocb<'a, BounceFs>,
        from: &mut IovIterSource<'_>,
    ) -> Result<Done<'a>> {
        let inode = iocb.inode();
        let lock = if iocb.is_nowait() {
            inode.try_lock()?
        } else {
            inode.lock()
        };
        let count = iocb.write_checks(from)?;
        if count == 0 {
            return iocb.done(0);
        }
        iocb.file_modified()?;
        let written = if iocb.is_direct() {
            check_alignment(inode, iocb.pos(), count, from.as_raw())?;
            let end = iocb.pos().saturating_add(count as i64);
            let extending = end > inode.size();
            // iomap zeroes the rest of a block a write covers in part when the block is
            // unwritten, and blocks stay unwritten until their write completes: a
            // sub-block write racing another write of the same block would zero that
            // write's data (xfstests' generic/240). As on XFS and ext4, such writes wait
            // for all direct I/O in flight and run alone, under the lock.
            let sub_block = (iocb.pos() as u64 | end as u64) % BS != 0;
            // Both wait (for the direct I/O in flight, or for this write's completion to
            // grow the file): a NOWAIT caller retries from a context that may, as on ext4.
            if (sub_block || extending) && iocb.is_nowait() {
                return Err(EAGAIN);
            }
            if sub_block {
                inode.dio_wait();
            }
            // The size changes at completion: wait for it under the lock when it grows.
            let flags = dio_flags(inode)?.with_if(extending || sub_block, DioFlags::FORCE_WAIT);
            match dio::rw::<Mapping, DioWrite, _>(iocb, from, flags)? {
                Outcome::Done(n, done_iocb) => {
                    iocb = done_iocb;
                    n
                }
                Outcome::Queued(queued) => return Ok(queued),
                // Pages of the range are mapped and busy (mmap racing O_DIRECT, as in
                // xfstests' generic/095): write through the page cache, as XFS does, and
                // write it back before returning, as O_DIRECT promises the data is on the
                // device. Writeback keeps the pages stable while they are under I/O.
                Outcome::FallBack(fallback_iocb) => {
                    iocb = fallback_iocb;
                    let pos = iocb.pos();
                    let n = iomap::buffered_write::<Mapping>(&mut iocb, from)?;
                    if n > 0 {
                        inode.write_and_wait_range(pos, pos.saturating_add(n as i64) - 1)?;
                    }
                    let mount = mount(inode.super_block())?;
                    Counters::add(&mount.counters.direct_write_fallbacks, 1);
                    n
                }
            }
        } else {
            iomap::buffered_write::<Mapping>(&mut iocb, from)?
        };
        drop(lock);
        iocb.write_sync(written)
    }

    fn fsync(file: &SyncFile<'_, BounceFs>, start: i64, end: i64, _datasync: bool) -> Result {
        let inode = file.inode();
        // Per open file: an error another descriptor's sync saw still reaches this one.
        file.write_and_wait_range(start, end)?;
        inode.sync_metadata()?;
        // Directory blocks are written as they change, but a directory's growth (a new
        // block in its extents, its size) only with its inode: a new name there would be
        // lost with it. As ext4 without a journal does for new inodes, write the
        // directory's inode too (a no-op when it is clean).
        if let Some(parent) = file.parent() {
            parent.sync_metadata()?;
        }
        let sb = inode.super_block();
        let mount = mount(sb)?;
        mount.alloc.write_back(sb.bdev(), &mount.geometry)?;
        sb.bdev().flush()
    }

    fn fallocate(inode: &Inode<BounceFs>, mode: i32, offset: i64, len: i64) -> Result {
        const KEEP_SIZE: i32 = bindings::FALLOC_FL_KEEP_SIZE as i32;
        // The VFS lets a hole be punched only together with KEEP_SIZE.
        const PUNCH_HOLE: i32 =
            (bindings::FALLOC_FL_PUNCH_HOLE | bindings::FALLOC_FL_KEEP_SIZE) as i32;
        const ZERO_RANGE: i32 = bindings::FALLOC_FL_ZERO_RANGE as i32;
        const ZERO_RANGE_KEEP_SIZE: i32 = ZERO_RANGE | KEEP_SIZE;
        const COLLAPSE_RANGE: i32 = bindings::FALLOC_FL_COLLAPSE_RANGE as i32;
        const INSERT_RANGE: i32 = bindings::FALLOC_FL_INSERT_RANGE as i32;
        if offset < 0 || len <= 0 {
            return Err(EINVAL);
        }
        let end = offset.checked_add(len).ok_or(EFBIG)?;
        if !matches!(
            mode,
            0 | KEEP_SIZE
                | PUNCH_HOLE
                | ZERO_RANGE
                | ZERO_RANGE_KEEP_SIZE
                | COLLAPSE_RANGE
                | INSERT_RANGE
        ) {
            return Err(EOPNOTSUPP);
        }
        let _lock = inode.lock();
        if mode == 0 || mode == KEEP_SIZE {
            return preallocate(inode, offset, end, mode == 0);
        }
        // The rest changes or moves blocks: no page faults, no direct I/O in flight.
        let _invalidate = inode.invalidate_lock();
        inode.dio_wait();
        match mode {
            PUNCH_HOLE => punch_hole(inode, offset, end),
            // As on XFS: a hole, then unwritten blocks over it.
            ZERO_RANGE | ZERO_RANGE_KEEP_SIZE => {
                punch_hole(inode, offset, end)?;
                preallocate(inode, offset, end, mode == ZERO_RANGE)
            }
            _ => shift_range(inode, offset, len, mode == INSERT_RANGE),
        }
    }
}

/// Allocates the holes of `offset..end`, growing the file to `end` if `grow`; the caller
/// holds the inode lock.
fn preallocate(inode: &Inode<BounceFs>, offset: i64, end: i64, grow: bool) -> Result {
    if end > disk::MAX_FILE_SIZE {
        return Err(EFBIG);
    }
    let mut block = offset as u64 / BS;
    let last = (end as u64).div_ceil(BS);
    while block < last {
        let mut state = inode.data().state.lock();
        if let Some(e) = state.find(block) {
            block = u64::from(e.file_block) + u64::from(e.len);
            continue;
        }
        let hole = state.next_start(block).unwrap_or(last).min(last) - block;
        // Unwritten, as on XFS (fiemap reports them so: xfstests' generic/094), and
        // zeroed now: the extent list is bounded (`format::MAX_EXTENTS`), and when
        // direct writes scattered over a large preallocation would split it past the
        // bound, `inode::mark_written` marks it written whole, safe only on zeroes.
        let e = inode::allocate(inode, &mut state, block, hole, inode::NewBlocks::Zeroed)?;
        block += u64::from(e.len);
    }
    if grow && end > inode.size() {
        inode.set_size(end)?;
    }
    inode.touch_ctime();
    inode.mark_dirty();
    Ok(())
}

/// Makes `offset..end` read as zeroes and frees the blocks wholly inside it; the size stays.
/// The caller holds the inode lock and the invalidate lock (no page faults) and drained the
/// direct I/O in flight.
///
/// The order is XFS's: the dirty pages of the whole blocks are written back and their page
/// cache dropped before the blocks are freed, so neither a late write nor a cached page can
/// reach a block after another file got it (xfstests' generic/300 races this). Partial
/// blocks at either end are zeroed last: a punch that fails with `ENOSPC` (a full extent
/// list) has changed nothing.
fn punch_hole(inode: &Inode<BounceFs>, offset: i64, end: i64) -> Result {
    let end = end.min(disk::MAX_FILE_SIZE);
    if offset >= end {
        return Ok(());
    }
    let (start_block, end_block) = ((offset as u64).div_ceil(BS), end as u64 / BS);
    if start_block < end_block {
        let (head, tail) = ((start_block * BS) as i64, (end_block * BS) as i64);
        inode.write_and_wait_range(head, tail - 1)?;
        inode.truncate_pagecache_range(head, tail - 1)?;
        let mut state = inode.data().state.lock();
        let freed = inode::remove(inode, &mut state, start_block, end_block, Removal::Punch)?;
        drop(state);
        let mount = mount(inode.super_block())?;
        Counters::add(&mount.counters.punched_blocks, freed);
    }
    // Partial blocks keep their blocks and get zeroes through the page cache (iomap writes
    // them only where blocks hold data). Not past EOF: blocks there hold nothing a read can
    // see, and zeroing through the page cache would grow the file.
    let zero = |from: i64, to: i64| -> Result {
        let to = to.min(inode.size());
        if from < to {
            iomap::zero_range::<Mapping>(inode, from, to - from)?;
        }
        Ok(())
    };
    if start_block > end_block {
        zero(offset, end)?;
    } else {
        zero(offset, (start_block * BS) as i64)?;
        zero((end_block * BS) as i64, end)?;
    }
    inode.touch_mtime_ctime();
    inode.mark_dirty();
    Ok(())
}

/// Removes `len` bytes at `offset` and moves the rest of the file down
/// (`FALLOC_FL_COLLAPSE_RANGE`), or, if `insert`, moves the rest up and leaves a hole of
/// `len` bytes there (`FALLOC_FL_INSERT_RANGE`). Both work in whole blocks, inside the
/// file; the caller holds the locks `punch_hole` needs. The page cache from `offset` on is
/// written back and dropped first: its pages would sit at the wrong offsets afterwards.
fn shift_range(inode: &Inode<BounceFs>, offset: i64, len: i64, insert: bool) -> Result {
    let size = inode.size();
    if (offset | len) as u64 % BS != 0 {
        return Err(EINVAL);
    }
    // Collapsing must leave something after the range; inserting must start inside the file.
    let new_size = if insert {
        if offset >= size {
            return Err(EINVAL);
        }
        size.checked_add(len)
            .filter(|&s| s <= disk::MAX_FILE_SIZE)
            .ok_or(EFBIG)?
    } else {
        if offset + len >= size {
            return Err(EINVAL);
        }
        size - len
    };
    inode.write_and_wait_range(offset, i64::MAX)?;
    inode.truncate_pagecache(offset)?;
    let (first, count) = (offset as u64 / BS, len as u64 / BS);
    let mut state = inode.data().state.lock();
    if insert {
        inode::insert_gap(inode, &mut state, first, count)?;
    } else {
        inode::remove(inode, &mut state, first, first + count, Removal::Collapse)?;
    }
    drop(state);
    inode.set_size(new_size)?;
    inode.touch_mtime_ctime();
    inode.mark_dirty();
    Ok(())
}

/// Truncation of a regular file: zero the tail of the last block, drop the page cache, free
/// the blocks.
fn set_size(inode: &Inode<BounceFs>, size: i64) -> Result {
    if size > disk::MAX_FILE_SIZE {
        return Err(EFBIG);
    }
    let old = inode.size();
    // Direct I/O in flight drains first (none can start: the VFS holds the inode lock): the
    // zeroing below reads the EOF block into the page cache, and an asynchronous direct
    // write landing there after that read would later be overwritten by the stale page.
    inode.dio_wait();
    if size < old {
        iomap::truncate_page::<Mapping>(inode, size)?;
    }
    let _invalidate = inode.invalidate_lock();
    inode.truncate_setsize(size)?;
    if size < old {
        let mount = mount(inode.super_block())?;
        let mut state = inode.data().state.lock();
        inode::free_from(mount, &mut state, (size as u64).div_ceil(BS));
        inode.set_sectors(state.owned_blocks() * 8);
    }
    inode.touch_mtime_ctime();
    Ok(())
}

/// Inode operations of regular files.
struct FileInode;

#[vtable]
impl vfs_inode::Operations for FileInode {
    type FileSystem = BounceFs;

    fn set_size(inode: &Inode<BounceFs>, size: i64) -> Result {
        set_size(inode, size)
    }

    fn fiemap(
        inode: &Inode<BounceFs>,
        info: &mut iomap::FiemapInfo,
        start: u64,
        len: u64,
    ) -> Result {
        let _lock = inode.lock_shared();
        iomap::fiemap::<Mapping>(inode, info, start, len)
    }
}

/// Inode operations of symbolic links and special files: attributes only.
struct SpecialInode;

#[vtable]
impl vfs_inode::Operations for SpecialInode {
    type FileSystem = BounceFs;
}
