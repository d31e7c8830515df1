// SPDX-License-Identifier: GPL-2.0

//! File mapping for block-based file systems (iomap), and its direct I/O.
//!
//! A file system describes where a range of a file lives with a [`Map`]; iomap does the
//! buffered, direct and mapping-query I/O from there. Direct I/O is tuned with [`DioFlags`]:
//! [`DioFlags::BOUNCE`] makes iomap copy through kernel bounce buffers so that devices that
//! checksum the data see stable pages (see [`crate::block::bio`]).
//!
//! C header: [`include/linux/iomap.h`](srctree/include/linux/iomap.h)

use crate::{
    bindings,
    block::bdev::BlockDevice,
    error::{from_result, to_result, Result},
    fs::{
        inode::{non_negative, Inode, InvalidateGuard},
        regular::Iocb,
        sb::FileSystem,
    },
    iov::IovIterSource,
    prelude::*,
};
use core::marker::PhantomData;

pub mod dio;

/// What a [`Map`] describes (`IOMAP_HOLE`, `IOMAP_MAPPED`...).
///
/// `IOMAP_INLINE` has no variant: iomap copies an inline mapping to or from
/// `iomap->inline_data`, a kernel pointer [`Map`] cannot carry, so a map of that type could
/// only send iomap to NULL plus an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Type {
    /// No blocks allocated: reads return zeroes, writes must allocate.
    Hole = bindings::IOMAP_HOLE as u16,
    /// Blocks reserved by delayed allocation, not yet at a disk address.
    Delalloc = bindings::IOMAP_DELALLOC as u16,
    /// Blocks allocated at the map's disk address.
    Mapped = bindings::IOMAP_MAPPED as u16,
    /// Blocks allocated but not written: reads return zeroes, writes convert them on completion.
    Unwritten = bindings::IOMAP_UNWRITTEN as u16,
}

impl Type {
    /// Decodes a `struct iomap`'s `type` field.
    pub fn from_raw(raw: u16) -> Option<Self> {
        [Self::Hole, Self::Delalloc, Self::Mapped, Self::Unwritten]
            .into_iter()
            .find(|t| *t as u16 == raw)
    }
}

/// Declares a typed set of C flag bits.
macro_rules! flag_set {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) {
            $( $(#[$fmeta:meta])* $flag:ident = $value:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name($repr);

        impl $name {
            $( $(#[$fmeta])* pub const $flag: Self = Self($value as $repr); )*

            /// Every flag the set has a name for.
            pub const ALL: Self = Self(0 $( | $value as $repr )*);

            /// The empty set.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// Builds a set from the C bits; bits without a name here are dropped, so that
            /// only flags this abstraction knows to be safe reach C.
            pub const fn from_raw(raw: $repr) -> Self {
                Self(raw & Self::ALL.0)
            }

            /// Returns the C bits.
            pub const fn as_raw(self) -> $repr {
                self.0
            }

            /// Returns whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Returns the union of `self` and `other`.
            pub const fn with(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// Returns `self` with the flags of `other` set if `on`, unchanged otherwise.
            pub const fn with_if(self, on: bool, other: Self) -> Self {
                if on { self.with(other) } else { self }
            }
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                self.with(rhs)
            }
        }
    };
}

flag_set! {
    /// Why iomap asks for a mapping: the `flags` argument of `iomap_begin`/`iomap_end`.
    IterFlags(u32) {
        /// Writing: blocks must be allocated.
        WRITE = bindings::IOMAP_WRITE;
        /// Zeroing: holes may be skipped.
        ZERO = bindings::IOMAP_ZERO;
        /// Reporting extents (fiemap, seek hole/data): allocate nothing.
        REPORT = bindings::IOMAP_REPORT;
        /// Mapping for a page fault.
        FAULT = bindings::IOMAP_FAULT;
        /// Direct I/O.
        DIRECT = bindings::IOMAP_DIRECT;
        /// The caller cannot block: return `EAGAIN` instead.
        NOWAIT = bindings::IOMAP_NOWAIT;
        /// Only pure overwrites of allocated, written blocks are allowed.
        OVERWRITE_ONLY = bindings::IOMAP_OVERWRITE_ONLY;
        /// Unsharing a range.
        UNSHARE = bindings::IOMAP_UNSHARE;
        /// Torn-write protection requested.
        ATOMIC = bindings::IOMAP_ATOMIC;
        /// Uncached buffered I/O.
        DONTCACHE = bindings::IOMAP_DONTCACHE;
    }
}

flag_set! {
    /// Properties of a mapping: the `flags` field of `struct iomap` (`IOMAP_F_*`).
    ///
    /// Only flags that need nothing more than a [`Map`] carries: `IOMAP_F_SHARED` needs a
    /// source map for copy-on-write, `IOMAP_F_BUFFER_HEAD` buffer heads, `IOMAP_F_XATTR`,
    /// `IOMAP_F_ANON_WRITE` and the private flags file-system state iomap would call back
    /// into, and `IOMAP_F_STALE` is iomap's own; none of them can be set.
    MapFlags(u16) {
        /// The blocks were allocated by this `iomap_begin`: iomap zeroes around partial writes.
        NEW = bindings::IOMAP_F_NEW;
        /// The inode has metadata not yet on disk that `fdatasync` must write.
        DIRTY = bindings::IOMAP_F_DIRTY;
        /// The mapping merged several extents.
        MERGED = bindings::IOMAP_F_MERGED;
        /// Writes into this mapping can change the file size: iomap tells `iomap_end`.
        SIZE_CHANGED = bindings::IOMAP_F_SIZE_CHANGED;
    }
}

flag_set! {
    /// How `iomap_dio_rw()` does a direct I/O (`IOMAP_DIO_*`).
    DioFlags(u32) {
        /// Wait for completion even for an asynchronous kiocb.
        FORCE_WAIT = bindings::IOMAP_DIO_FORCE_WAIT;
        /// Fail with `EAGAIN` unless the I/O is a pure overwrite.
        OVERWRITE_ONLY = bindings::IOMAP_DIO_OVERWRITE_ONLY;
        /// Return a short I/O instead of failing it when a fault stops it part way.
        PARTIAL = bindings::IOMAP_DIO_PARTIAL;
        /// The I/O is aligned to file system blocks, not just device blocks.
        FSBLOCK_ALIGNED = bindings::IOMAP_DIO_FSBLOCK_ALIGNED;
        /// Copy through kernel bounce buffers instead of zero-copy: the device sees stable data
        /// even if the caller changes its buffer. The file system must then complete reads in
        /// process context (a `submit_io` that routes completions to a workqueue).
        BOUNCE = bindings::IOMAP_DIO_BOUNCE;
    }
}

/// `IOMAP_NULL_ADDR`: the disk address of a mapping that has none (holes, delalloc).
pub const NULL_ADDR: u64 = u64::MAX;

/// A mapping of a range of a file, as a file system's `begin` returns it (`struct iomap`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Map {
    /// What the range is.
    pub kind: Type,
    /// File offset of the range, in bytes.
    pub offset: i64,
    /// Length of the range, in bytes.
    pub length: u64,
    /// Disk address of the range in bytes ([`NULL_ADDR`] for holes and delalloc).
    pub addr: u64,
    /// Properties of the mapping.
    pub flags: MapFlags,
}

impl Map {
    /// A hole of `length` bytes at file offset `offset`.
    pub fn hole(offset: i64, length: u64) -> Self {
        Self {
            kind: Type::Hole,
            offset,
            length,
            addr: NULL_ADDR,
            flags: MapFlags::empty(),
        }
    }

    /// `length` bytes at file offset `offset` stored at disk byte address `addr`, of type
    /// [`Type::Mapped`] or [`Type::Unwritten`].
    pub fn blocks(kind: Type, offset: i64, length: u64, addr: u64) -> Self {
        Self {
            kind,
            offset,
            length,
            addr,
            flags: MapFlags::empty(),
        }
    }

    /// Returns whether the map covers the byte at file offset `pos`: what iomap needs of the
    /// map a file system returns for `pos`, or it loops, warns, or does I/O outside the extent.
    pub fn covers(&self, pos: i64) -> bool {
        self.offset <= pos && pos < self.offset.saturating_add_unsigned(self.length)
    }

    /// Returns the map with `flags` added.
    pub fn with_flags(mut self, flags: MapFlags) -> Self {
        self.flags = self.flags.with(flags);
        self
    }

    /// Writes the map into a C `struct iomap` for I/O on `bdev`.
    pub fn fill(&self, iomap: &mut bindings::iomap, bdev: &BlockDevice) {
        self.fill_extent(iomap);
        iomap.bdev = bdev.as_raw();
    }

    /// Writes everything but the block device into a C `struct iomap`.
    fn fill_extent(&self, iomap: &mut bindings::iomap) {
        iomap.type_ = self.kind as u16;
        iomap.offset = self.offset;
        iomap.length = self.length;
        iomap.addr = self.addr;
        iomap.flags = self.flags.as_raw();
    }

    /// Reads a map back from a C `struct iomap` (as iomap passes it to `end`); `None` if its
    /// type is unknown.
    pub fn from_raw(iomap: &bindings::iomap) -> Option<Self> {
        Some(Self {
            kind: Type::from_raw(iomap.type_)?,
            offset: iomap.offset,
            length: iomap.length,
            addr: iomap.addr,
            flags: MapFlags::from_raw(iomap.flags),
        })
    }
}

/// How a file system maps file ranges to its blocks: `struct iomap_ops`.
///
/// One implementation serves buffered reads and writes, writeback, page faults, direct I/O,
/// fiemap and seek hole/data; iomap tells them apart by [`IterFlags`].
#[vtable]
pub trait Operations {
    /// The file system the inodes belong to.
    type FileSystem: FileSystem;

    /// Maps the range starting at `pos` (up to `length` bytes) of `inode` and returns a
    /// [`Map`] that starts at or before `pos` and covers at least one byte of it. With
    /// [`IterFlags::WRITE`] holes must be allocated (and marked [`MapFlags::NEW`]).
    fn begin(
        inode: &Inode<Self::FileSystem>,
        pos: i64,
        length: i64,
        flags: IterFlags,
    ) -> Result<Map>;

    /// Called after the I/O on `map`: `written` of the `length` bytes from `pos` were done;
    /// release what `begin` reserved beyond that.
    fn end(
        _inode: &Inode<Self::FileSystem>,
        _pos: i64,
        _length: i64,
        _written: isize,
        _flags: IterFlags,
        _map: &Map,
    ) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Frees the blocks of `offset..offset + length` (whole blocks) that a write allocated
    /// but never filled, for [`release_unfilled`].
    ///
    /// # Context
    ///
    /// Called with a folio of `inode` locked and the mapping's invalidate lock held
    /// exclusively: it must not lock folios of the inode, wait for its page cache or take
    /// the invalidate lock. It cannot fail (iomap's `iomap_punch_t` returns nothing): when
    /// the blocks cannot be freed, they must be made to read as zeroes some other way.
    ///
    /// iomap calls it for every range without *dirty* folios, clean ones included, which
    /// may hold data written back already or be under writeback: it must free only blocks
    /// that nothing but the write could have reached (XFS: delalloc extents only; bouncefs:
    /// blocks still marked fresh, which a page fault unmarks).
    fn punch(_inode: &Inode<Self::FileSystem>, _offset: i64, _length: i64) {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Releases what a buffered write allocated beyond the bytes it copied
/// (`iomap_write_delalloc_release()`), for a file system's [`Operations::end`]: `pos`,
/// `length`, `written` and `map` are what `end` was given.
///
/// A write allocates blocks for its whole range in `begin`, then copies from user memory;
/// when the copy stops early (a fault on the source buffer, a fatal signal), the blocks it
/// never reached stay mapped and would show whatever they held before, another file's old
/// data. This walks the page cache from the first block the write did not reach to the
/// end of the map and calls [`Operations::punch`] for every range that holds no dirty data
/// (a page fault may have dirtied part of it meanwhile; that part keeps its blocks).
///
/// `invalidate` must be `inode`'s invalidate lock, held exclusively (iomap asserts it and
/// page faults would otherwise dirty folios while blocks go): `EINVAL` otherwise. The
/// caller holds the inode lock as for the write, and no folio lock of the inode (the walk
/// locks folios: a deadlock, not UB, as with any lock taken twice).
pub fn release_unfilled<M: Operations + ?Sized>(
    invalidate: &InvalidateGuard<'_, M::FileSystem>,
    pos: i64,
    length: i64,
    written: isize,
    map: &Map,
) -> Result {
    if !M::HAS_PUNCH {
        build_error!("release_unfilled needs Operations::punch");
    }
    if !invalidate.is_exclusive() {
        return Err(EINVAL);
    }
    let inode = invalidate.inode();
    // SAFETY: The inode is valid; `i_blkbits` is set before the inode is in use and fixed.
    let bits = unsafe { (*inode.as_raw()).i_blkbits };
    // `i_blocksize()`; a shift past `i64` gives 0, which `unfilled_range` refuses.
    let block = 1i64.checked_shl(u32::from(bits)).unwrap_or(0);
    let Some((start, end)) = unfilled_range(pos, length, written, block, map)? else {
        return Ok(());
    };
    // SAFETY: All-zero is a valid `struct iomap` (no mapping, NULL pointers).
    let mut raw: bindings::iomap = unsafe { core::mem::zeroed() };
    map.fill(&mut raw, inode.super_block().bdev());
    // The inode's invalidate lock is held exclusively (checked above, by the guard's
    // invariant); `raw` lives across the call; the punch callback is `M`'s trampoline for
    // this inode's file system.
    let punch: bindings::iomap_punch_t = Some(Tables::<M>::punch);
    let inode_raw = inode.as_raw();
    let flags = IterFlags::WRITE.as_raw();
    // SAFETY: A valid inode with its invalidate lock held exclusively (above).
    unsafe {
        bindings::iomap_write_delalloc_release(inode_raw, start, end, flags, &mut raw, punch)
    };
    Ok(())
}

/// The whole blocks of `map` that a write of `length` bytes from `pos`, of which `written`
/// were copied, allocated but never reached, as a byte range; `None` if there are none.
/// The first block is the one after the last byte written, or the write's first block if
/// nothing was (`iomap_last_written_block()`). `EINVAL` for negative values or a block
/// size that is not a positive number.
fn unfilled_range(
    pos: i64,
    length: i64,
    written: isize,
    block: i64,
    map: &Map,
) -> Result<Option<(i64, i64)>> {
    // Offsets as `u64` once known not to be negative; a result past `i64::MAX` is refused.
    let unsigned = |v: i64| u64::try_from(v).map_err(|_| EINVAL);
    let offset = |v: Option<u64>| v.and_then(|v| i64::try_from(v).ok()).ok_or(EINVAL);
    let (pos, length, block) = (unsigned(pos)?, unsigned(length)?, unsigned(block)?);
    let written = u64::try_from(written).map_err(|_| EINVAL)?;
    if block == 0 {
        return Err(EINVAL);
    }
    let start = if written == 0 {
        offset(Some(pos - pos % block))?
    } else {
        offset(
            pos.checked_add(written)
                .and_then(|e| e.checked_next_multiple_of(block)),
        )?
    };
    let end = offset(
        pos.checked_add(length)
            .and_then(|e| e.checked_next_multiple_of(block)),
    )?
    .min(map.offset.saturating_add_unsigned(map.length));
    let start = start.max(map.offset);
    Ok((start < end).then_some((start, end)))
}

/// The static `iomap_ops` table of `M`, and its trampolines (which only convert).
pub(crate) struct Tables<M: ?Sized>(PhantomData<M>);

impl<M: Operations + ?Sized> Tables<M> {
    pub(crate) const OPS: bindings::iomap_ops = bindings::iomap_ops {
        iomap_begin: Some(Self::begin),
        iomap_end: if M::HAS_END { Some(Self::end) } else { None },
        iomap_next: None,
    };

    /// # Safety
    ///
    /// Called by iomap with an initialised inode of `M`'s file system and a map to fill.
    unsafe extern "C" fn begin(
        inode: *mut bindings::inode,
        pos: bindings::loff_t,
        length: bindings::loff_t,
        flags: c_uint,
        iomap: *mut bindings::iomap,
        _srcmap: *mut bindings::iomap,
    ) -> c_int {
        from_result(|| {
            // SAFETY: iomap passes an initialised inode of `M`'s file system.
            let inode = unsafe { Inode::<M::FileSystem>::from_raw(inode) };
            let map = M::begin(inode, pos, length, IterFlags::from_raw(flags))?;
            if !map.covers(pos) {
                return Err(EIO);
            }
            // SAFETY: `iomap` is valid for writes for the call.
            map.fill(unsafe { &mut *iomap }, inode.super_block().bdev());
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by iomap with the inode and map of a finished `begin`.
    unsafe extern "C" fn end(
        inode: *mut bindings::inode,
        pos: bindings::loff_t,
        length: bindings::loff_t,
        written: isize,
        flags: c_uint,
        iomap: *mut bindings::iomap,
    ) -> c_int {
        from_result(|| {
            // SAFETY: iomap passes an initialised inode of `M`'s file system.
            let inode = unsafe { Inode::<M::FileSystem>::from_raw(inode) };
            // SAFETY: `iomap` is the valid map `begin` filled.
            let map = Map::from_raw(unsafe { &*iomap }).ok_or(EIO)?;
            M::end(
                inode,
                pos,
                length,
                written,
                IterFlags::from_raw(flags),
                &map,
            )?;
            Ok(0)
        })
    }
}

impl<M: Operations + ?Sized> Tables<M> {
    /// # Safety
    ///
    /// Called by `iomap_write_delalloc_release()` from [`release_unfilled`], with the inode
    /// that was passed to it, which is valid for the call.
    unsafe extern "C" fn punch(
        inode: *mut bindings::inode,
        offset: bindings::loff_t,
        length: bindings::loff_t,
        _iomap: *mut bindings::iomap,
    ) {
        // SAFETY: The inode of `release_unfilled`'s guard, alive for the call.
        let inode = unsafe { Inode::<M::FileSystem>::from_raw(inode) };
        M::punch(inode, offset, length);
    }
}

/// The `iomap_ops` table of `M`.
pub(crate) fn ops<M: Operations + ?Sized>() -> &'static bindings::iomap_ops {
    &Tables::<M>::OPS
}

/// Writes `from` into the page cache at the iocb's position through `M`
/// (`iomap_file_buffered_write()`); returns the bytes copied and advances the position. The
/// caller holds the inode lock and did the write checks ([`Iocb::write_checks`]).
pub fn buffered_write<M: Operations + ?Sized>(
    iocb: &mut Iocb<'_, M::FileSystem>,
    from: &mut IovIterSource<'_>,
) -> Result<usize> {
    // SAFETY: Both are valid for the call; the ops table is static.
    let ret = unsafe {
        bindings::iomap_file_buffered_write(
            iocb.as_raw(),
            from.as_raw(),
            ops::<M>(),
            core::ptr::null(),
            core::ptr::null_mut(),
        )
    };
    to_result_size(ret)
}

/// Zeroes `len` bytes of `inode` from `pos` in the page cache (`iomap_zero_range()`).
/// `EINVAL` for a negative position or length, or a range past the largest offset.
pub fn zero_range<M: Operations + ?Sized>(
    inode: &Inode<M::FileSystem>,
    pos: i64,
    len: i64,
) -> Result {
    non_negative(pos)?
        .checked_add(non_negative(len)?)
        .ok_or(EINVAL)?;
    // SAFETY: The inode is valid; the ops table is static.
    to_result(unsafe {
        bindings::iomap_zero_range(
            inode.as_raw(),
            pos,
            len,
            core::ptr::null_mut(),
            ops::<M>(),
            core::ptr::null(),
            core::ptr::null_mut(),
        )
    })
}

/// Zeroes the rest of the block that contains `pos` (`iomap_truncate_page()`), as a
/// truncate to `pos` needs so that growing the file again reads zeroes. `EINVAL` for a
/// negative position.
pub fn truncate_page<M: Operations + ?Sized>(inode: &Inode<M::FileSystem>, pos: i64) -> Result {
    non_negative(pos)?;
    // SAFETY: The inode is valid; the ops table is static.
    to_result(unsafe {
        bindings::iomap_truncate_page(
            inode.as_raw(),
            pos,
            core::ptr::null_mut(),
            ops::<M>(),
            core::ptr::null(),
            core::ptr::null_mut(),
        )
    })
}

/// Returns the offset of the next hole at or after `offset` (`iomap_seek_hole()`).
pub fn seek_hole<M: Operations + ?Sized>(inode: &Inode<M::FileSystem>, offset: i64) -> Result<i64> {
    // SAFETY: The inode is valid; the ops table is static.
    let ret = unsafe { bindings::iomap_seek_hole(inode.as_raw(), offset, ops::<M>()) };
    to_result_loff(ret)
}

/// Returns the offset of the next data at or after `offset` (`iomap_seek_data()`); `ENXIO`
/// past the last.
pub fn seek_data<M: Operations + ?Sized>(inode: &Inode<M::FileSystem>, offset: i64) -> Result<i64> {
    // SAFETY: The inode is valid; the ops table is static.
    let ret = unsafe { bindings::iomap_seek_data(inode.as_raw(), offset, ops::<M>()) };
    to_result_loff(ret)
}

fn to_result_loff(ret: i64) -> Result<i64> {
    if ret < 0 {
        // Negative returns are errnos, which fit an `i32`.
        Err(Error::from_errno(ret as i32))
    } else {
        Ok(ret)
    }
}

/// Converts a C `ssize_t` result (a byte count or a negative errno).
pub(crate) fn to_result_size(ret: isize) -> Result<usize> {
    if ret < 0 {
        // Negative returns are errnos, which fit an `i32`.
        Err(Error::from_errno(ret as i32))
    } else {
        Ok(ret as usize)
    }
}

/// A `FS_IOC_FIEMAP` request (`struct fiemap_extent_info`).
#[repr(transparent)]
pub struct FiemapInfo(crate::types::Opaque<bindings::fiemap_extent_info>);

impl FiemapInfo {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid request, exclusively ours for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::fiemap_extent_info) -> &'a mut Self {
        // SAFETY: Transparent wrapper; the caller guarantees validity and exclusivity.
        unsafe { &mut *ptr.cast() }
    }
}

/// Answers a fiemap request for `len` bytes from `start` through `M` (`iomap_fiemap()`).
pub fn fiemap<M: Operations + ?Sized>(
    inode: &Inode<M::FileSystem>,
    info: &mut FiemapInfo,
    start: u64,
    len: u64,
) -> Result {
    // SAFETY: The inode and request are valid; the ops table is static.
    to_result(unsafe {
        bindings::iomap_fiemap(inode.as_raw(), info.0.get(), start, len, ops::<M>())
    })
}

#[macros::kunit_tests(rust_iomap)]
mod tests {
    use super::*;

    #[test]
    fn unfilled_range_starts_after_the_last_byte_written() {
        let map = Map::blocks(Type::Mapped, 0, 65536, 8192);
        // A 64 KiB write that copied one page: blocks 1..16 were never reached.
        assert_eq!(
            unfilled_range(0, 65536, 4096, 4096, &map),
            Ok(Some((4096, 65536)))
        );
        // A byte into the second block keeps that block.
        assert_eq!(
            unfilled_range(0, 65536, 4097, 4096, &map),
            Ok(Some((8192, 65536)))
        );
        // Nothing copied: from the write's first block, even from inside it.
        assert_eq!(
            unfilled_range(100, 8000, 0, 4096, &map),
            Ok(Some((0, 8192)))
        );
        // Everything copied: nothing to release.
        assert_eq!(unfilled_range(0, 65536, 65536, 4096, &map), Ok(None));
    }

    #[test]
    fn unfilled_range_stays_inside_the_map() {
        // The map starts at block 2 and ends at block 4 while the write asked for more.
        let map = Map::blocks(Type::Mapped, 8192, 8192, 0);
        assert_eq!(
            unfilled_range(4096, 65536, 0, 4096, &map),
            Ok(Some((8192, 16384)))
        );
        assert_eq!(unfilled_range(4096, 65536, 20000, 4096, &map), Ok(None));
    }

    #[test]
    fn unfilled_range_refuses_bad_values() {
        let map = Map::blocks(Type::Mapped, 0, 65536, 0);
        assert_eq!(unfilled_range(-1, 4096, 0, 4096, &map), Err(EINVAL));
        assert_eq!(unfilled_range(0, -1, 0, 4096, &map), Err(EINVAL));
        assert_eq!(unfilled_range(0, 4096, -1, 4096, &map), Err(EINVAL));
        assert_eq!(unfilled_range(0, 4096, 0, 0, &map), Err(EINVAL));
        assert_eq!(unfilled_range(i64::MAX, 4096, 1, 4096, &map), Err(EINVAL));
    }

    #[test]
    fn dio_flags_match_the_c_constants() {
        assert_eq!(DioFlags::FORCE_WAIT.as_raw(), 1 << 0);
        assert_eq!(DioFlags::OVERWRITE_ONLY.as_raw(), 1 << 1);
        assert_eq!(DioFlags::PARTIAL.as_raw(), 1 << 2);
        assert_eq!(DioFlags::FSBLOCK_ALIGNED.as_raw(), 1 << 3);
        // The flag of the seed patch: "#define IOMAP_DIO_BOUNCE (1 << 4)". The values are
        // the header's, written out: comparing a flag with the binding it is defined as
        // would test nothing.
        assert_eq!(DioFlags::BOUNCE.as_raw(), 1 << 4);
    }

    #[test]
    fn iter_and_map_flags_match_the_c_constants() {
        assert_eq!(IterFlags::WRITE.as_raw(), 1 << 0);
        assert_eq!(IterFlags::ZERO.as_raw(), 1 << 1);
        assert_eq!(IterFlags::REPORT.as_raw(), 1 << 2);
        assert_eq!(IterFlags::FAULT.as_raw(), 1 << 3);
        assert_eq!(IterFlags::DIRECT.as_raw(), 1 << 4);
        assert_eq!(IterFlags::NOWAIT.as_raw(), 1 << 5);
        assert_eq!(IterFlags::OVERWRITE_ONLY.as_raw(), 1 << 6);
        assert_eq!(MapFlags::NEW.as_raw(), 1 << 0);
        assert_eq!(MapFlags::DIRTY.as_raw(), 1 << 1);
    }

    #[test]
    fn flag_sets_compose() {
        let f = DioFlags::empty()
            .with_if(true, DioFlags::BOUNCE)
            .with_if(false, DioFlags::PARTIAL);
        assert!(f.contains(DioFlags::BOUNCE));
        assert!(!f.contains(DioFlags::PARTIAL));
        assert_eq!((DioFlags::BOUNCE | DioFlags::FORCE_WAIT).as_raw(), 0b1_0001);
        assert!(
            IterFlags::from_raw(bindings::IOMAP_WRITE | bindings::IOMAP_DIRECT)
                .contains(IterFlags::DIRECT)
        );
    }

    #[test]
    fn types_round_trip() {
        // include/linux/iomap.h: IOMAP_HOLE 0, IOMAP_DELALLOC 1, IOMAP_MAPPED 2,
        // IOMAP_UNWRITTEN 3, IOMAP_INLINE 4.
        for (raw, t) in [
            (0, Type::Hole),
            (1, Type::Delalloc),
            (2, Type::Mapped),
            (3, Type::Unwritten),
        ] {
            assert_eq!(Type::from_raw(raw), Some(t));
        }
        // An inline map has no variant: a `struct iomap` of that type does not decode.
        assert_eq!(Type::from_raw(4), None);
        assert_eq!(Type::from_raw(99), None);
    }

    #[test]
    fn maps_must_cover_pos() {
        // What `begin` and writeback refuse: iomap would loop, warn, or write outside the
        // extent with a map that ends at or before `pos`, or starts after it.
        let map = Map::blocks(Type::Mapped, 8192, 4096, 1 << 20);
        assert!(map.covers(8192) && map.covers(12287));
        assert!(!map.covers(8191) && !map.covers(12288));
        assert!(!Map::hole(0, 0).covers(0));
        // An extent that would run past the largest offset does not wrap around.
        assert!(Map::hole(i64::MAX - 1, u64::MAX).covers(i64::MAX - 1));
        assert!(!Map::hole(i64::MAX - 1, u64::MAX).covers(0));
    }

    #[test]
    fn negative_offsets_and_sizes_are_refused() {
        // `set_size`, `truncate_*`, `zero_range` and `truncate_page` check with this before
        // a `loff_t` reaches C.
        assert_eq!(non_negative(-1), Err(EINVAL));
        assert_eq!(non_negative(i64::MIN), Err(EINVAL));
        assert_eq!(non_negative(0), Ok(0));
        assert_eq!(non_negative(i64::MAX), Ok(i64::MAX));
    }

    #[test]
    fn unnamed_flag_bits_are_dropped() {
        // IOMAP_F_SHARED (bit 2), IOMAP_F_BUFFER_HEAD (bit 4) and IOMAP_F_STALE have no name
        // here: a map cannot carry them, even from raw bits.
        assert_eq!(MapFlags::from_raw(1 << 2), MapFlags::empty());
        assert_eq!(MapFlags::from_raw(1 << 4), MapFlags::empty());
        assert_eq!(
            MapFlags::from_raw(u16::MAX),
            MapFlags::NEW | MapFlags::DIRTY | MapFlags::MERGED | MapFlags::SIZE_CHANGED
        );
    }

    #[test]
    fn maps_fill_struct_iomap() {
        // SAFETY: All-zero is a valid `struct iomap`.
        let mut raw: bindings::iomap = unsafe { core::mem::zeroed() };
        let map = Map::blocks(Type::Unwritten, 8192, 4096, 1 << 20).with_flags(MapFlags::NEW);
        map.fill_extent(&mut raw);
        assert_eq!(Map::from_raw(&raw), Some(map));
        assert_eq!(raw.type_, 3);
        assert_eq!((raw.offset, raw.length, raw.addr), (8192, 4096, 1 << 20));
        // A hole has no disk address: IOMAP_NULL_ADDR, "-1ULL" in the header.
        Map::hole(0, 4096).fill_extent(&mut raw);
        assert_eq!((raw.type_, raw.addr), (0, !0u64));
    }
}
