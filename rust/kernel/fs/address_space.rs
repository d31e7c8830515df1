// SPDX-License-Identifier: GPL-2.0

//! Page-cache operations (`struct address_space_operations`) served by iomap.
//!
//! A file system whose mapping is an [`iomap::Operations`] gets its whole buffered I/O from
//! [`Ops::new`]: reads and readahead, dirtying, writeback (one ioend per contiguous mapped
//! range, submitted by iomap), invalidation, migration and `FIBMAP`. Writeback maps with
//! [`iomap::IterFlags::WRITE`] and [`iomap::IterFlags::OVERWRITE_ONLY`]: the file system must
//! return [`iomap::Type::Mapped`] for dirty ranges (blocks are allocated when the page is
//! dirtied, not at writeback), and can tell writeback's calls from a write's by that flag.
//!
//! C header: [`include/linux/iomap.h`](srctree/include/linux/iomap.h)

use crate::{
    bindings,
    error::Result,
    fs::{inode::Inode, sb::FileSystem},
    iomap::{self, IterFlags, Type},
    prelude::*,
};
use core::marker::PhantomData;

/// A static `address_space_operations` table for a file system whose mapping is `M`.
pub struct Ops<T: FileSystem> {
    pub(crate) table: bindings::address_space_operations,
    _p: PhantomData<T>,
}

// SAFETY: The table holds function pointers only; it is never written.
unsafe impl<T: FileSystem> Sync for Ops<T> {}

impl<T: FileSystem> Ops<T> {
    /// Builds the table for the mapping `M`.
    pub const fn new<M: iomap::Operations<FileSystem = T> + ?Sized>() -> Self {
        Self {
            table: bindings::address_space_operations {
                read_folio: Some(Tables::<M>::read_folio),
                readahead: Some(Tables::<M>::readahead),
                writepages: Some(Tables::<M>::writepages),
                dirty_folio: Some(bindings::iomap_dirty_folio),
                bmap: Some(Tables::<M>::bmap),
                invalidate_folio: Some(bindings::iomap_invalidate_folio),
                release_folio: Some(bindings::iomap_release_folio),
                migrate_folio: Some(bindings::filemap_migrate_folio),
                is_partially_uptodate: Some(bindings::iomap_is_partially_uptodate),
                error_remove_folio: Some(bindings::generic_error_remove_folio),
                // SAFETY: All-zero is a valid `address_space_operations` (every entry NULL).
                ..unsafe { core::mem::zeroed() }
            },
            _p: PhantomData,
        }
    }
}

struct Tables<M: ?Sized>(PhantomData<M>);

impl<M: iomap::Operations + ?Sized> Tables<M> {
    const WRITEBACK_OPS: bindings::iomap_writeback_ops = bindings::iomap_writeback_ops {
        writeback_range: Some(Self::writeback_range),
        writeback_submit: Some(bindings::iomap_ioend_writeback_submit),
    };

    /// # Safety
    ///
    /// Called by the page cache with a locked folio of an inode of `M`'s file system.
    unsafe extern "C" fn read_folio(
        _file: *mut bindings::file,
        folio: *mut bindings::folio,
    ) -> c_int {
        let mut ctx = bindings::iomap_read_folio_ctx {
            // Only the address of iomap's bio read operations is taken.
            ops: &raw const bindings::iomap_bio_read_ops,
            cur_folio: folio,
            // SAFETY: All-zero is valid for the remaining fields (NULL, 0).
            ..unsafe { core::mem::zeroed() }
        };
        // SAFETY: `ctx` is valid for the call; iomap unlocks the folio.
        unsafe { bindings::iomap_read_folio(iomap::ops::<M>(), &mut ctx, core::ptr::null_mut()) };
        0
    }

    /// # Safety
    ///
    /// Called by the page cache with a readahead request on an inode of `M`'s file system.
    unsafe extern "C" fn readahead(rac: *mut bindings::readahead_control) {
        let mut ctx = bindings::iomap_read_folio_ctx {
            // Only the address of iomap's bio read operations is taken.
            ops: &raw const bindings::iomap_bio_read_ops,
            rac,
            // SAFETY: All-zero is valid for the remaining fields (NULL, 0).
            ..unsafe { core::mem::zeroed() }
        };
        // SAFETY: `ctx` is valid for the call.
        unsafe { bindings::iomap_readahead(iomap::ops::<M>(), &mut ctx, core::ptr::null_mut()) };
    }

    /// # Safety
    ///
    /// Called by writeback with a mapping of an inode of `M`'s file system.
    unsafe extern "C" fn writepages(
        mapping: *mut bindings::address_space,
        wbc: *mut bindings::writeback_control,
    ) -> c_int {
        let mut wpc = bindings::iomap_writepage_ctx {
            // SAFETY: The mapping is valid and belongs to its host inode.
            inode: unsafe { (*mapping).host },
            wbc,
            ops: &Self::WRITEBACK_OPS,
            // SAFETY: All-zero is valid for the remaining fields (an empty map, no context).
            ..unsafe { core::mem::zeroed() }
        };
        // SAFETY: `wpc` is valid for the call.
        unsafe { bindings::iomap_writepages(&mut wpc) }
    }

    /// # Safety
    ///
    /// Called by iomap writeback with a valid context and a locked folio being written back.
    unsafe extern "C" fn writeback_range(
        wpc: *mut bindings::iomap_writepage_ctx,
        folio: *mut bindings::folio,
        pos: u64,
        len: c_uint,
        end_pos: u64,
    ) -> isize {
        // SAFETY: The context is valid for the call and exclusively iomap's, lent to us.
        let wpc_ref = unsafe { &mut *wpc };
        // SAFETY: Writeback only runs on initialised inodes of `M`'s file system.
        let inode = unsafe { Inode::<M::FileSystem>::from_raw(wpc_ref.inode) };
        let result = (|| -> Result {
            let pos = i64::try_from(pos).map_err(|_| EIO)?;
            // Mapped again for every range, never from the map cached in the context: blocks
            // can be freed while a writeback pass runs (a hole punched, a short write's
            // blocks given back) and given to another file, and a cached map would send
            // a page dirtied after that to them. XFS checks a sequence number instead.
            let length = i64::try_from(end_pos).map_err(|_| EIO)? - pos;
            let flags = IterFlags::WRITE | IterFlags::OVERWRITE_ONLY;
            let map = M::begin(inode, pos, length, flags)?;
            // Only allocated, written blocks can take dirty data; anything else, or a map
            // that does not cover `pos` (iomap would write outside the extent), is refused.
            if map.kind != Type::Mapped || !map.covers(pos) {
                return Err(EIO);
            }
            map.fill(&mut wpc_ref.iomap, inode.super_block().bdev());
            Ok(())
        })();
        if let Err(e) = result {
            return e.to_errno() as isize;
        }
        // SAFETY: The context now maps `pos`; the folio is locked under writeback.
        unsafe { bindings::iomap_add_to_ioend(wpc, folio, pos as i64, end_pos as i64, len) }
    }

    /// # Safety
    ///
    /// Called for `FIBMAP` with a mapping of an inode of `M`'s file system.
    unsafe extern "C" fn bmap(
        mapping: *mut bindings::address_space,
        block: bindings::sector_t,
    ) -> bindings::sector_t {
        // SAFETY: The mapping is valid; the ops table is static.
        unsafe { bindings::iomap_bmap(mapping, block, iomap::ops::<M>()) }
    }
}
