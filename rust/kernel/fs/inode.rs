// SPDX-License-Identifier: GPL-2.0

//! Inodes: their file-system-private data, their attributes and their operations.
//!
//! Every inode of a [`FileSystem`] `T` is allocated by this module together with a
//! `T::InodeData` (`alloc_inode`/`free_inode`), so the file system reaches its own state from
//! any [`Inode<T>`] without a lookup. Inodes come from [`SuperBlock::iget`]: a cached one, or a
//! [`NewInode`] that the file system fills from the device with [`NewInode::init`]. Namespace
//! operations (lookup, create, link, rename...) and attribute changes are the [`Operations`]
//! trait, turned into a static `inode_operations` table by [`Ops::new`].
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h)

use crate::{
    bindings,
    error::{
        from_result,
        fs_code::{ENAMETOOLONG, EOPNOTSUPP},
        to_result, Result,
    },
    fs::{
        address_space,
        dentry::DEntry,
        dir, regular,
        sb::{FileSystem, SuperBlock},
    },
    prelude::*,
    str::CStrExt,
    sync::atomic::{ordering::Relaxed, Atomic},
    types::{NotThreadSafe, Opaque},
};
use core::{cell::UnsafeCell, marker::PhantomData, mem::MaybeUninit, ptr::NonNull};

/// An inode of the file system `T`.
///
/// # Invariants
///
/// The wrapped `struct inode` is valid for the lifetime of every reference, was allocated by
/// this module's `alloc_inode` inside an `InodeWithData<T>`, and its `T::InodeData` is
/// initialised (only [`NewInode`] refers to inodes whose data is not). An [`InodeRef<T>`]
/// holds one of its references (`ihold()`/`iput()`).
///
/// `Inode<T>` is not `AlwaysRefCounted`: the VFS hands file systems inodes whose reference
/// count may be zero (`evict_inode`, `write_inode`, and writeback reaching
/// [`iomap::Operations::begin`](crate::iomap::Operations::begin)), where `ihold()` on a
/// `&Inode` would resurrect an inode being freed. [`Inode::try_get`] is the safe way from a
/// borrow to a reference.
#[repr(transparent)]
pub struct Inode<T: FileSystem>(Opaque<bindings::inode>, PhantomData<T>);

// SAFETY: Inodes are reference counted and used from any thread; the accessors below read
// fields the VFS keeps stable or read them as the VFS itself does, and `T::InodeData` is
// `Send + Sync`.
unsafe impl<T: FileSystem> Send for Inode<T> {}
// SAFETY: See `Send`.
unsafe impl<T: FileSystem> Sync for Inode<T> {}

/// An owned reference to an inode of `T` (`ihold()`/`iput()`): what `lookup`, `create`,
/// `iget` and `root` return.
///
/// One is made only where a reference is known to be held: by `iget` and
/// [`NewInode::init`], by cloning another (the count is then at least one), or by
/// [`Inode::try_get`] (`igrab()`, which refuses an inode being freed). Dropping it may sleep
/// (the last `iput()` evicts).
///
/// # Invariants
///
/// `0` points at a valid, initialised inode of `T` on which this value owns one reference.
pub struct InodeRef<T: FileSystem>(NonNull<Inode<T>>);

// SAFETY: A reference may be taken and dropped on any thread (`ihold()`/`iput()` are
// atomic), and `Inode<T>` is `Send + Sync`.
unsafe impl<T: FileSystem> Send for InodeRef<T> {}
// SAFETY: See `Send`; `&InodeRef` only gives `&Inode`.
unsafe impl<T: FileSystem> Sync for InodeRef<T> {}

impl<T: FileSystem> InodeRef<T> {
    /// Takes over a reference.
    ///
    /// # Safety
    ///
    /// `raw` is a valid, initialised inode of `T`, and the caller owns a reference to it,
    /// which it passes on.
    pub(crate) unsafe fn from_raw(raw: NonNull<bindings::inode>) -> Self {
        // INVARIANT: The caller passes on its reference to an initialised inode of `T`.
        Self(raw.cast())
    }

    /// Gives up the reference to C, which now owns it (`d_instantiate()`, `d_splice_alias()`,
    /// `d_make_root()`).
    pub(crate) fn into_raw(self) -> *mut bindings::inode {
        let this = core::mem::ManuallyDrop::new(self);
        this.as_raw()
    }
}

impl<T: FileSystem> core::ops::Deref for InodeRef<T> {
    type Target = Inode<T>;

    fn deref(&self) -> &Inode<T> {
        // SAFETY: By the type invariant the inode is alive while we hold our reference.
        unsafe { self.0.as_ref() }
    }
}

impl<T: FileSystem> Clone for InodeRef<T> {
    fn clone(&self) -> Self {
        // SAFETY: We own a reference, so the count is at least one and `ihold()` is allowed.
        unsafe { bindings::ihold(self.as_raw()) };
        // INVARIANT: The reference just taken is the new value's.
        Self(self.0)
    }
}

impl<T: FileSystem> Drop for InodeRef<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own one reference; it is given up once, here.
        unsafe { bindings::iput(self.as_raw()) };
    }
}

/// A point in time as an inode stores it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Nanoseconds, below one billion.
    pub nsec: u32,
}

impl<T: FileSystem> Inode<T> {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a valid, initialised inode of `T`'s type that stays valid for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: `Inode` is a transparent wrapper; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    /// Returns the raw pointer to the `struct inode`.
    pub fn as_raw(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// Returns the file system's data of this inode.
    pub fn data(&self) -> &T::InodeData {
        // SAFETY: By the type invariant the inode lives in an `InodeWithData<T>` whose data
        // is initialised; it is dropped only when the inode is freed.
        unsafe {
            (*InodeWithData::<T>::from_inode(self.as_raw()))
                .data
                .assume_init_ref()
        }
    }

    /// Returns the super block the inode belongs to.
    pub fn super_block(&self) -> &SuperBlock<T> {
        // SAFETY: By the type invariant the inode is valid; its super block outlives it and
        // is of `T`'s type.
        unsafe { SuperBlock::from_raw((*self.as_raw()).i_sb) }
    }

    /// Takes a reference to the inode (`igrab()`), or `None` if it is being freed: the
    /// inodes of `evict_inode`, `write_inode` and writeback may have no reference left.
    pub fn try_get(&self) -> Option<InodeRef<T>> {
        // SAFETY: By the type invariant the inode is valid; `igrab()` takes a reference only
        // if the inode is not being freed, under its `i_lock`.
        let raw = NonNull::new(unsafe { bindings::igrab(self.as_raw()) })?;
        // SAFETY: `igrab()` returned this initialised inode of `T` with a new reference.
        Some(unsafe { InodeRef::from_raw(raw) })
    }

    /// Returns the inode number.
    pub fn ino(&self) -> u64 {
        // SAFETY: By the type invariant the inode is valid; `i_ino` does not change.
        unsafe { (*self.as_raw()).i_ino }
    }

    /// Returns the mode (file type and permissions).
    pub fn mode(&self) -> u16 {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { (*self.as_raw()).i_mode }
    }

    /// Returns whether the inode is a directory.
    pub fn is_dir(&self) -> bool {
        u32::from(self.mode()) & bindings::S_IFMT == bindings::S_IFDIR
    }

    /// Returns the link count.
    pub fn nlink(&self) -> u32 {
        // SAFETY: By the type invariant the inode is valid; the VFS reads `i_nlink` unlocked.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).__bindgen_anon_1.i_nlink) }
    }

    /// Returns the owner in the initial user namespace.
    pub fn uid(&self) -> u32 {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::i_uid_read(self.as_raw()) }
    }

    /// Returns the group in the initial user namespace.
    pub fn gid(&self) -> u32 {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::i_gid_read(self.as_raw()) }
    }

    /// Returns the device number of a device special file (`new_encode_dev()` form).
    pub fn rdev(&self) -> u32 {
        // SAFETY: By the type invariant the inode is valid; `i_rdev` is set once.
        let dev = unsafe { (*self.as_raw()).i_rdev };
        // Same encoding as `new_encode_dev()`: 12 bits of major, 20 of minor, split.
        let (major, minor) = (dev >> 20, dev & 0xf_ffff);
        (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
    }

    /// Returns the file size (`i_size_read()`).
    pub fn size(&self) -> i64 {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::i_size_read(self.as_raw()) }
    }

    /// Sets the file size (`i_size_write()`); the caller holds the inode lock or otherwise
    /// serialises size changes, as the VFS requires. `EINVAL` for a negative size.
    pub fn set_size(&self, size: i64) -> Result {
        let size = non_negative(size)?;
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::i_size_write(self.as_raw(), size) };
        Ok(())
    }

    /// Returns the number of 512-byte sectors allocated (`i_blocks`).
    pub fn sectors(&self) -> u64 {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { (*self.as_raw()).i_blocks }
    }

    /// Sets the number of 512-byte sectors allocated, which `stat(2)` reports.
    ///
    /// `stat(2)` reads the field without a lock while this may run, so it is stored
    /// atomically (a plain store on every architecture, but not a data race).
    pub fn set_sectors(&self, sectors: u64) {
        // Every other writer (the file system, serialised by its own locks) also stores it whole.
        // SAFETY: The inode is valid (type invariant); `i_blocks` is an aligned `u64`.
        let field = unsafe { Atomic::from_ptr(&raw mut (*self.as_raw()).i_blocks) };
        field.store(sectors, Relaxed);
    }

    /// Returns the generation number.
    pub fn generation(&self) -> u32 {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { (*self.as_raw()).i_generation }
    }

    /// Returns the access, modification and change times.
    pub fn times(&self) -> [Timespec; 3] {
        let raw = self.as_raw();
        // SAFETY: By the type invariant the inode is valid; timestamps are read unlocked by
        // the VFS as well.
        unsafe {
            [
                Timespec {
                    sec: (*raw).i_atime_sec,
                    nsec: (*raw).i_atime_nsec,
                },
                Timespec {
                    sec: (*raw).i_mtime_sec,
                    nsec: (*raw).i_mtime_nsec,
                },
                Timespec {
                    sec: (*raw).i_ctime_sec,
                    nsec: (*raw).i_ctime_nsec,
                },
            ]
        }
    }

    /// Sets the change and modification times to now (`inode_set_mtime_to_ts(inode,
    /// inode_set_ctime_current(inode))`).
    ///
    /// The modification time is stored atomically, field by field, as `stat(2)` reads it
    /// without a lock (C's `inode_set_mtime_to_ts()` does plain stores the same way).
    pub fn touch_mtime_ctime(&self) {
        let raw = self.as_raw();
        // SAFETY: By the type invariant the inode is valid.
        let now = unsafe { bindings::inode_set_ctime_current(raw) };
        // SAFETY: The fields are naturally aligned integers of a valid inode.
        let (sec, nsec) = unsafe {
            (
                Atomic::from_ptr(&raw mut (*raw).i_mtime_sec),
                Atomic::from_ptr(&raw mut (*raw).i_mtime_nsec),
            )
        };
        sec.store(now.tv_sec, Relaxed);
        // `tv_nsec` is below 10^9 and fits.
        nsec.store(now.tv_nsec as u32, Relaxed);
    }

    /// Sets the access, modification and change times to now (`simple_inode_init_ts()`),
    /// as a new inode needs.
    pub fn touch_all_times(&self) {
        // SAFETY: By the type invariant the inode is valid; like `touch_mtime_ctime`, C's
        // plain stores race only with unlocked readers of the timestamps (`stat(2)`).
        unsafe { bindings::simple_inode_init_ts(self.as_raw()) };
    }

    /// Sets the change time to now.
    pub fn touch_ctime(&self) {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::inode_set_ctime_current(self.as_raw()) };
    }

    /// Sets the link count (`set_nlink()`).
    pub fn set_nlink(&self, nlink: u32) {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::set_nlink(self.as_raw(), nlink) };
    }

    /// Adds one link (`inc_nlink()`).
    pub fn inc_nlink(&self) {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::inc_nlink(self.as_raw()) };
    }

    /// Removes one link (`drop_nlink()`); an inode whose count reaches zero is evicted when
    /// its last user goes away.
    pub fn drop_nlink(&self) {
        if self.nlink() > 0 {
            // SAFETY: By the type invariant the inode is valid and has a link to drop.
            unsafe { bindings::drop_nlink(self.as_raw()) };
        }
    }

    /// Marks the inode dirty so that writeback calls [`FileSystem::write_inode`].
    pub fn mark_dirty(&self) {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::mark_inode_dirty(self.as_raw()) };
    }

    /// Writes the inode's dirty pages back and waits for them in the byte range
    /// `start..=end` (`filemap_write_and_wait_range()`).
    pub fn write_and_wait_range(&self, start: i64, end: i64) -> Result {
        // SAFETY: By the type invariant the inode and its mapping are valid.
        to_result(unsafe {
            bindings::filemap_write_and_wait_range((*self.as_raw()).i_mapping, start, end)
        })
    }

    /// Writes the inode itself back and waits for it (`sync_inode_metadata()`).
    pub fn sync_metadata(&self) -> Result {
        // SAFETY: By the type invariant the inode is valid.
        to_result(unsafe { bindings::sync_inode_metadata(self.as_raw(), 1) })
    }

    /// Waits for in-flight direct I/O of the inode (`inode_dio_wait()`).
    pub fn dio_wait(&self) {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::inode_dio_wait(self.as_raw()) };
    }

    /// Sets the size to `size` and drops the page cache beyond it (`truncate_setsize()`);
    /// the caller holds the inode lock and the mapping's invalidate lock. `EINVAL` for a
    /// negative size.
    pub fn truncate_setsize(&self, size: i64) -> Result {
        let size = non_negative(size)?;
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::truncate_setsize(self.as_raw(), size) };
        Ok(())
    }

    /// Drops the page cache of the byte range `start..=end` (`truncate_pagecache_range()`),
    /// waiting for writeback of its pages and unmapping them from every process; parts of
    /// folios that straddle either end are zeroed in memory. The caller holds the inode lock
    /// and the mapping's invalidate lock, and wrote dirty pages of the range back first.
    /// `EINVAL` unless `0 <= start <= end`.
    pub fn truncate_pagecache_range(&self, start: i64, end: i64) -> Result {
        if non_negative(start)? > end {
            return Err(EINVAL);
        }
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::truncate_pagecache_range(self.as_raw(), start, end) };
        Ok(())
    }

    /// Drops the page cache from byte `from` to the end (`truncate_pagecache()`), as a
    /// truncation to `from` would, without changing the size; the caller holds the inode
    /// lock and the mapping's invalidate lock, and wrote dirty pages back first. `EINVAL`
    /// for a negative offset.
    pub fn truncate_pagecache(&self, from: i64) -> Result {
        let from = non_negative(from)?;
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::truncate_pagecache(self.as_raw(), from) };
        Ok(())
    }

    /// Returns whether the page cache of the inode asks for stable pages during writeback
    /// (`mapping_stable_writes()`), which is how the VFS propagates a device's need.
    pub fn mapping_stable_writes(&self) -> bool {
        // SAFETY: By the type invariant the inode and its mapping are valid.
        unsafe { bindings::mapping_stable_writes((*self.as_raw()).i_mapping) }
    }

    /// Takes the inode lock (`i_rwsem`) exclusively.
    pub fn lock(&self) -> LockGuard<'_, T> {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::inode_lock(self.as_raw()) };
        // INVARIANT: The current task took `i_rwsem` exclusively just above.
        LockGuard(self, true, NotThreadSafe)
    }

    /// Takes the inode lock (`i_rwsem`) shared.
    pub fn lock_shared(&self) -> LockGuard<'_, T> {
        // SAFETY: By the type invariant the inode is valid.
        unsafe { bindings::inode_lock_shared(self.as_raw()) };
        // INVARIANT: The current task took `i_rwsem` shared just above.
        LockGuard(self, false, NotThreadSafe)
    }

    /// Takes the inode lock exclusively without sleeping; `EAGAIN` if it is held.
    pub fn try_lock(&self) -> Result<LockGuard<'_, T>> {
        // SAFETY: By the type invariant the inode is valid.
        match unsafe { bindings::inode_trylock(self.as_raw()) } {
            0 => Err(EAGAIN),
            _ => {
                // INVARIANT: The current task took `i_rwsem` exclusively: the trylock succeeded.
                Ok(LockGuard(self, true, NotThreadSafe))
            }
        }
    }

    /// Takes the inode lock shared without sleeping; `EAGAIN` if it is held exclusively.
    pub fn try_lock_shared(&self) -> Result<LockGuard<'_, T>> {
        // SAFETY: By the type invariant the inode is valid.
        match unsafe { bindings::inode_trylock_shared(self.as_raw()) } {
            0 => Err(EAGAIN),
            _ => {
                // INVARIANT: The current task took `i_rwsem` shared: the trylock succeeded.
                Ok(LockGuard(self, false, NotThreadSafe))
            }
        }
    }

    /// Takes the mapping's invalidate lock exclusively, which keeps page faults from
    /// instantiating pages while blocks are freed.
    pub fn invalidate_lock(&self) -> InvalidateGuard<'_, T> {
        // SAFETY: By the type invariant the inode and its mapping are valid.
        unsafe { bindings::filemap_invalidate_lock((*self.as_raw()).i_mapping) };
        // INVARIANT: The current task took `invalidate_lock` exclusively just above.
        InvalidateGuard(self, true, NotThreadSafe)
    }

    /// Takes the mapping's invalidate lock shared (page faults, reads).
    pub fn invalidate_lock_shared(&self) -> InvalidateGuard<'_, T> {
        // SAFETY: By the type invariant the inode and its mapping are valid.
        unsafe { bindings::filemap_invalidate_lock_shared((*self.as_raw()).i_mapping) };
        // INVARIANT: The current task took `invalidate_lock` shared just above.
        InvalidateGuard(self, false, NotThreadSafe)
    }
}

/// Returns `value` if it is a valid file offset or size (not negative), `EINVAL` otherwise: C
/// takes them as `loff_t` and a negative one is no size at all.
pub(crate) fn non_negative(value: i64) -> Result<i64> {
    if value < 0 {
        Err(EINVAL)
    } else {
        Ok(value)
    }
}

/// The inode lock, held until dropped.
///
/// Not [`Send`]: an rwsem is released by the task that took it (lockdep and the rwsem's
/// owner tracking rely on it), so the guard cannot move to another thread.
///
/// # Invariants
///
/// The inode's `i_rwsem` is held by the current task, exclusively if `1` is true.
pub struct LockGuard<'a, T: FileSystem>(&'a Inode<T>, bool, NotThreadSafe);

impl<T: FileSystem> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold the lock in the recorded mode.
        unsafe {
            if self.1 {
                bindings::inode_unlock(self.0.as_raw());
            } else {
                bindings::inode_unlock_shared(self.0.as_raw());
            }
        }
    }
}

/// The mapping's invalidate lock, held until dropped.
///
/// Not [`Send`], as [`LockGuard`]: the task that took the rwsem releases it.
///
/// # Invariants
///
/// The inode mapping's `invalidate_lock` is held by the current task, exclusively if `1` is
/// true.
pub struct InvalidateGuard<'a, T: FileSystem>(&'a Inode<T>, bool, NotThreadSafe);

impl<'a, T: FileSystem> InvalidateGuard<'a, T> {
    /// The inode whose mapping's lock is held.
    pub(crate) fn inode(&self) -> &'a Inode<T> {
        self.0
    }

    /// Whether the lock is held exclusively.
    pub(crate) fn is_exclusive(&self) -> bool {
        self.1
    }
}

impl<T: FileSystem> Drop for InvalidateGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold the lock in the recorded mode.
        unsafe {
            let mapping = (*self.0.as_raw()).i_mapping;
            if self.1 {
                bindings::filemap_invalidate_unlock(mapping);
            } else {
                bindings::filemap_invalidate_unlock_shared(mapping);
            }
        }
    }
}

/// The result of [`SuperBlock::iget`].
pub enum Cached<T: FileSystem> {
    /// The inode was in memory.
    Existing(InodeRef<T>),
    /// The inode is new: read it from the device and call [`NewInode::init`]; dropping it
    /// instead fails every waiter (`iget_failed()`).
    New(NewInode<T>),
}

/// What an inode is, which decides its operations.
pub enum Kind<T: FileSystem> {
    /// A regular file: its I/O goes through `file_ops` and the page cache through `aops`.
    Regular {
        /// Inode operations (`setattr`, `fiemap`...).
        inode_ops: &'static Ops<T>,
        /// File operations.
        file_ops: &'static regular::Ops<T>,
        /// Page-cache operations.
        aops: &'static address_space::Ops<T>,
    },
    /// A directory.
    Directory {
        /// Namespace operations.
        inode_ops: &'static Ops<T>,
        /// `readdir` and friends.
        file_ops: &'static dir::Ops<T>,
    },
    /// A symbolic link to `target`, which the inode keeps and frees (`simple_get_link()`).
    Symlink {
        /// Inode operations (`setattr`...).
        inode_ops: &'static Ops<T>,
        /// The target, without a terminating NUL.
        target: KVec<u8>,
    },
    /// A device special file, FIFO or socket (`init_special_inode()`); the type comes from
    /// the mode.
    Special {
        /// Inode operations (`setattr`...).
        inode_ops: &'static Ops<T>,
        /// The device number in `new_encode_dev()` form (0 for FIFOs and sockets).
        rdev: u32,
    },
}

/// The attributes of an inode read from the device.
pub struct Params<T: FileSystem> {
    /// What the inode is.
    pub kind: Kind<T>,
    /// File type and permission bits (`S_IFREG | 0o644`...).
    pub mode: u16,
    /// The link count.
    pub nlink: u32,
    /// Owner, in the initial user namespace.
    pub uid: u32,
    /// Group, in the initial user namespace.
    pub gid: u32,
    /// Size in bytes.
    pub size: i64,
    /// Allocated 512-byte sectors.
    pub sectors: u64,
    /// Access time.
    pub atime: Timespec,
    /// Modification time.
    pub mtime: Timespec,
    /// Change time.
    pub ctime: Timespec,
    /// Generation number.
    pub generation: u32,
}

/// The caller's identity for an inode being created, which decides its owner and group
/// (`inode_init_owner()`: fsuid, fsgid or the set-group-ID directory's group).
pub struct Creator<'a, T: FileSystem> {
    idmap: *mut bindings::mnt_idmap,
    dir: &'a Inode<T>,
}

impl<'a, T: FileSystem> Creator<'a, T> {
    /// Returns the directory the inode is created in.
    pub fn dir(&self) -> &'a Inode<T> {
        self.dir
    }
}

/// An inode returned new by `iget_locked()`, locked (`I_NEW`) and invisible to others until
/// [`NewInode::init`] unlocks it.
///
/// # Invariants
///
/// `0` is a referenced inode of `T`'s type in state `I_NEW` whose data is not initialised;
/// we own that reference.
pub struct NewInode<T: FileSystem>(NonNull<bindings::inode>, PhantomData<T>);

impl<T: FileSystem> NewInode<T> {
    /// Takes over a new inode.
    ///
    /// # Safety
    ///
    /// `inode` must be an inode of `T`'s type just returned by `iget_locked()` in state
    /// `I_NEW`, whose reference the caller passes on.
    pub(crate) unsafe fn from_locked(inode: NonNull<bindings::inode>) -> Self {
        Self(inode, PhantomData)
    }

    /// Returns the inode number.
    pub fn ino(&self) -> u64 {
        // SAFETY: By the type invariant the inode is valid; `i_ino` is set by `iget_locked`.
        unsafe { (*self.0.as_ptr()).i_ino }
    }

    /// Sets the inode up from `params` and `data`, unlocks it and returns it.
    pub fn init(
        self,
        params: Params<T>,
        data: impl PinInit<T::InodeData, Error>,
    ) -> Result<InodeRef<T>> {
        self.init_inner(params, data, None)
    }

    /// Like [`NewInode::init`], for an inode being created by `creator`: the owner, group
    /// and set-group-ID bit come from the caller and the directory (`inode_init_owner()`);
    /// `params.uid`/`params.gid` are ignored, the final values are readable on the result.
    pub fn init_created(
        self,
        creator: &Creator<'_, T>,
        params: Params<T>,
        data: impl PinInit<T::InodeData, Error>,
    ) -> Result<InodeRef<T>> {
        self.init_inner(params, data, Some(creator))
    }

    fn init_inner(
        self,
        params: Params<T>,
        data: impl PinInit<T::InodeData, Error>,
        creator: Option<&Creator<'_, T>>,
    ) -> Result<InodeRef<T>> {
        let raw = self.0.as_ptr();
        // Everything fallible comes before the data is initialised, so that a failure leaves
        // an inode that `iget_failed()` can drop without running any of `T`'s code.
        let link = match &params.kind {
            Kind::Symlink { target, .. } => {
                if target.is_empty() || target.contains(&0) {
                    return Err(EINVAL);
                }
                let len = c_int::try_from(target.len()).map_err(|_| ENAMETOOLONG)?;
                let mut link = KVec::with_capacity(target.len() + 1, GFP_KERNEL)?;
                link.extend_from_slice(target, GFP_KERNEL)?;
                link.push(0, GFP_KERNEL)?;
                Some((link, len))
            }
            _ => None,
        };
        // SAFETY: By the type invariant the inode lives in an `InodeWithData<T>` made by
        // `alloc_inode`.
        let outer = unsafe { InodeWithData::<T>::from_inode(raw) };
        // SAFETY: The data is not initialised yet (type invariant) and the allocation is
        // pinned until `free_inode`; on error the slot stays uninitialised.
        unsafe { data.__pinned_init((*outer).data.as_mut_ptr())? };

        // SAFETY: By the type invariant nobody else can use the inode until it is unlocked
        // below, so we may write its fields and the allocation's; the tables are static.
        unsafe {
            (*outer).initialised = true;
            (*raw).i_mode = params.mode;
            if let Some(creator) = creator {
                bindings::inode_init_owner(creator.idmap, raw, creator.dir.as_raw(), params.mode);
            } else {
                bindings::i_uid_write(raw, params.uid);
                bindings::i_gid_write(raw, params.gid);
            }
            bindings::set_nlink(raw, params.nlink);
            bindings::i_size_write(raw, params.size);
            (*raw).i_blocks = params.sectors;
            (*raw).i_generation = params.generation;
            (*raw).i_atime_sec = params.atime.sec;
            (*raw).i_atime_nsec = params.atime.nsec;
            (*raw).i_mtime_sec = params.mtime.sec;
            (*raw).i_mtime_nsec = params.mtime.nsec;
            (*raw).i_ctime_sec = params.ctime.sec;
            (*raw).i_ctime_nsec = params.ctime.nsec;
            match params.kind {
                Kind::Regular {
                    inode_ops,
                    file_ops,
                    aops,
                } => {
                    (*raw).i_op = &inode_ops.table;
                    (*raw).__bindgen_anon_3.i_fop = &file_ops.table;
                    (*(*raw).i_mapping).a_ops = &aops.table;
                }
                Kind::Directory {
                    inode_ops,
                    file_ops,
                } => {
                    (*raw).i_op = &inode_ops.table;
                    (*raw).__bindgen_anon_3.i_fop = &file_ops.table;
                }
                Kind::Symlink { inode_ops, .. } => {
                    (*raw).i_op = &inode_ops.symlink_table;
                    if let Some((link, len)) = link {
                        let slot = &mut *(*outer).link.get();
                        let link = slot.insert(link);
                        // The VFS follows the cached link without calling back into `T`.
                        bindings::inode_set_cached_link(raw, link.as_mut_ptr().cast(), len);
                    }
                }
                Kind::Special { inode_ops, rdev } => {
                    (*raw).i_op = &inode_ops.table;
                    bindings::init_special_inode(raw, (*raw).i_mode, decode_dev(rdev));
                }
            }
            bindings::unlock_new_inode(raw);
        }
        let inode = self.0;
        core::mem::forget(self);
        // SAFETY: The inode is initialised and unlocked; we pass our reference on.
        Ok(unsafe { InodeRef::from_raw(inode) })
    }
}

/// Decodes a `new_encode_dev()` device number into a `dev_t` (`new_decode_dev()`).
fn decode_dev(dev: u32) -> bindings::dev_t {
    let major = (dev & 0xf_ff00) >> 8;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xf_ff00);
    (major << 20) | minor
}

impl<T: FileSystem> Drop for NewInode<T> {
    fn drop(&mut self) {
        // `iget_failed()` marks the inode bad, wakes waiters and drops our reference. Its data
        // was never initialised, so no operation of `T` runs on it.
        // SAFETY: By the type invariant we own a reference to an `I_NEW` inode.
        unsafe { bindings::iget_failed(self.0.as_ptr()) };
    }
}

/// The allocation behind every inode of `T`.
///
/// # Invariants
///
/// `data` is initialised iff `initialised` is true; `link` holds the symlink target that
/// `inode.i_link` points into, if any.
#[repr(C)]
struct InodeWithData<T: FileSystem> {
    data: MaybeUninit<T::InodeData>,
    initialised: bool,
    link: UnsafeCell<Option<KVec<u8>>>,
    inode: Opaque<bindings::inode>,
}

impl<T: FileSystem> InodeWithData<T> {
    /// # Safety
    ///
    /// `inode` must be the `inode` field of an `InodeWithData<T>`.
    unsafe fn from_inode(inode: *mut bindings::inode) -> *mut Self {
        // SAFETY: The caller guarantees `inode` is the `inode` field of this type.
        unsafe { crate::container_of!(Opaque::cast_from(inode), Self, inode) }.cast_mut()
    }
}

/// The `super_operations` entries that manage inode memory; the trampolines only convert.
pub(crate) struct Tables<T: FileSystem>(PhantomData<T>);

impl<T: FileSystem> Tables<T> {
    /// # Safety
    ///
    /// Called by the VFS with a valid super block of `T`'s type.
    pub(crate) unsafe extern "C" fn alloc_inode(
        _sb: *mut bindings::super_block,
    ) -> *mut bindings::inode {
        let Ok(outer) = KBox::new(
            InodeWithData::<T> {
                data: MaybeUninit::uninit(),
                initialised: false,
                link: UnsafeCell::new(None),
                inode: Opaque::uninit(),
            },
            GFP_KERNEL,
        ) else {
            return core::ptr::null_mut();
        };
        let outer = KBox::into_raw(outer);
        // SAFETY: `outer` is a valid new allocation; the inode in it is set up once, as a
        // slab constructor would, before the VFS initialises it (`inode_init_always()`).
        unsafe {
            let inode = Opaque::cast_into(&raw const (*outer).inode);
            bindings::inode_init_once(inode);
            inode
        }
    }

    /// # Safety
    ///
    /// Called by the VFS (after an RCU grace period) with an inode from `alloc_inode` that
    /// nobody uses any more.
    pub(crate) unsafe extern "C" fn free_inode(inode: *mut bindings::inode) {
        // SAFETY: Every inode of `T` lives in an `InodeWithData<T>` made by `alloc_inode`.
        let outer = unsafe { KBox::from_raw(InodeWithData::<T>::from_inode(inode)) };
        let mut outer = outer;
        if outer.initialised {
            // SAFETY: By the type invariant of `InodeWithData` the data is initialised; it is
            // dropped once, here.
            unsafe { outer.data.assume_init_drop() };
        }
    }

    /// # Safety
    ///
    /// Called by the VFS with an inode of `T` being evicted.
    pub(crate) unsafe extern "C" fn evict_inode(inode: *mut bindings::inode) {
        // SAFETY: The inode is valid; its pages go before the file system frees its blocks.
        unsafe { bindings::truncate_inode_pages_final(&raw mut (*inode).i_data) };
        // SAFETY: Every inode of `T` lives in an `InodeWithData<T>`.
        let outer = unsafe { InodeWithData::<T>::from_inode(inode) };
        // SAFETY: `initialised` is only written while the inode is new and locked.
        if T::HAS_EVICT_INODE && unsafe { (*outer).initialised } {
            // SAFETY: The inode is initialised and valid for the call.
            T::evict_inode(unsafe { Inode::from_raw(inode) });
        }
        // SAFETY: The inode is valid and its pages are gone.
        unsafe { bindings::clear_inode(inode) };
    }

    /// # Safety
    ///
    /// Called by writeback with an initialised inode of `T` and a valid control structure.
    pub(crate) unsafe extern "C" fn write_inode(
        inode: *mut bindings::inode,
        wbc: *mut bindings::writeback_control,
    ) -> c_int {
        // SAFETY: `wbc` is valid for the call.
        let sync = unsafe { (*wbc).sync_mode } == bindings::writeback_sync_modes_WB_SYNC_ALL;
        // SAFETY: The VFS only writes back initialised inodes, valid for the call.
        let inode = unsafe { Inode::<T>::from_raw(inode) };
        from_result(|| T::write_inode(inode, sync).map(|()| 0))
    }
}

/// The attribute changes of a `setattr` call (`struct iattr`), already checked for
/// permission by `setattr_prepare()`.
pub struct Attr<'a>(&'a bindings::iattr);

impl Attr<'_> {
    /// The new size, if the call changes it (`truncate(2)`, `O_TRUNC`).
    pub fn size(&self) -> Option<i64> {
        (self.0.ia_valid & bindings::ATTR_SIZE != 0).then_some(self.0.ia_size)
    }
}

/// Namespace and attribute operations of inodes (`struct inode_operations`).
///
/// The VFS holds the locks it documents in `Documentation/filesystems/locking.rst`: the
/// directory's `i_rwsem` exclusively for every change of its entries (shared for lookup),
/// both directories' for rename, the inode's for `setattr`.
#[vtable]
pub trait Operations {
    /// The file system the inodes belong to.
    type FileSystem: FileSystem;

    /// Looks `dentry`'s name up in `dir`; `None` if it does not exist (a negative dentry).
    fn lookup(
        _dir: &Inode<Self::FileSystem>,
        _dentry: &DEntry<Self::FileSystem>,
    ) -> Result<Option<InodeRef<Self::FileSystem>>> {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Creates a regular file, directory, device, FIFO or socket (the type is in `mode`,
    /// `rdev` in `new_encode_dev()` form for devices) named after `dentry` in `dir`, with
    /// the ownership `creator` gives ([`NewInode::init_created`]). Serves `create`, `mkdir`
    /// and `mknod`.
    fn create(
        _creator: &Creator<'_, Self::FileSystem>,
        _dentry: &DEntry<Self::FileSystem>,
        _mode: u16,
        _rdev: u32,
    ) -> Result<InodeRef<Self::FileSystem>> {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Creates a symbolic link to `target` named after `dentry`.
    fn symlink(
        _creator: &Creator<'_, Self::FileSystem>,
        _dentry: &DEntry<Self::FileSystem>,
        _target: &CStr,
    ) -> Result<InodeRef<Self::FileSystem>> {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Adds a name (`dentry` in `dir`) for the inode of `old`.
    fn link(
        _old: &DEntry<Self::FileSystem>,
        _dir: &Inode<Self::FileSystem>,
        _dentry: &DEntry<Self::FileSystem>,
    ) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Removes the name `dentry` (not a directory) from `dir`.
    fn unlink(_dir: &Inode<Self::FileSystem>, _dentry: &DEntry<Self::FileSystem>) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Removes the empty directory `dentry` from `dir`; `ENOTEMPTY` if it has entries.
    fn rmdir(_dir: &Inode<Self::FileSystem>, _dentry: &DEntry<Self::FileSystem>) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Renames `old` in `old_dir` to `new` in `new_dir`, replacing what `new` names if it
    /// exists; `flags` are the `RENAME_*` flags of `renameat2(2)`.
    fn rename(
        _old_dir: &Inode<Self::FileSystem>,
        _old: &DEntry<Self::FileSystem>,
        _new_dir: &Inode<Self::FileSystem>,
        _new: &DEntry<Self::FileSystem>,
        _flags: u32,
    ) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Changes the size of `inode` to the one in `attr` (the only change that needs the file
    /// system; mode, owner and times are copied by the VFS after this returns, and the inode
    /// is marked dirty).
    fn set_size(_inode: &Inode<Self::FileSystem>, _size: i64) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Reports the extents of `inode` (`FS_IOC_FIEMAP`); use [`crate::iomap::fiemap`].
    fn fiemap(
        _inode: &Inode<Self::FileSystem>,
        _info: &mut crate::iomap::FiemapInfo,
        _start: u64,
        _len: u64,
    ) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// A static `inode_operations` table for the implementation `U` of [`Operations`], with a
/// second one for symbolic links (which must also answer `get_link`).
pub struct Ops<T: FileSystem> {
    table: bindings::inode_operations,
    symlink_table: bindings::inode_operations,
    _p: PhantomData<T>,
}

// SAFETY: The tables only hold function pointers; they are never written after creation.
unsafe impl<T: FileSystem> Sync for Ops<T> {}

impl<T: FileSystem> Ops<T> {
    /// Builds the tables of `U`; only the operations `U` implements are set.
    pub const fn new<U: Operations<FileSystem = T> + ?Sized>() -> Self {
        let table = bindings::inode_operations {
            lookup: if U::HAS_LOOKUP {
                Some(OpsTables::<U>::lookup)
            } else {
                None
            },
            create: if U::HAS_CREATE {
                Some(OpsTables::<U>::create)
            } else {
                None
            },
            mkdir: if U::HAS_CREATE {
                Some(OpsTables::<U>::mkdir)
            } else {
                None
            },
            mknod: if U::HAS_CREATE {
                Some(OpsTables::<U>::mknod)
            } else {
                None
            },
            symlink: if U::HAS_SYMLINK {
                Some(OpsTables::<U>::symlink)
            } else {
                None
            },
            link: if U::HAS_LINK {
                Some(OpsTables::<U>::link)
            } else {
                None
            },
            unlink: if U::HAS_UNLINK {
                Some(OpsTables::<U>::unlink)
            } else {
                None
            },
            rmdir: if U::HAS_RMDIR {
                Some(OpsTables::<U>::rmdir)
            } else {
                None
            },
            rename: if U::HAS_RENAME {
                Some(OpsTables::<U>::rename)
            } else {
                None
            },
            setattr: Some(OpsTables::<U>::setattr),
            fiemap: if U::HAS_FIEMAP {
                Some(OpsTables::<U>::fiemap)
            } else {
                None
            },
            // SAFETY: All-zero is a valid `inode_operations` (every entry NULL).
            ..unsafe { core::mem::zeroed() }
        };
        let mut symlink_table = table;
        symlink_table.get_link = Some(bindings::simple_get_link);
        Self {
            table,
            symlink_table,
            _p: PhantomData,
        }
    }
}

/// The trampolines of [`Ops`]; they only convert arguments and results.
struct OpsTables<U: ?Sized>(PhantomData<U>);

impl<U: Operations + ?Sized> OpsTables<U> {
    /// Returns `inode` if it belongs to `dir`'s super block. An inode of another mount of the
    /// same type (kept from an earlier call) would put a foreign inode into this mount's
    /// dentry tree: it is dropped and the call fails with `EIO`.
    fn same_mount(
        dir: &Inode<U::FileSystem>,
        inode: InodeRef<U::FileSystem>,
    ) -> Result<InodeRef<U::FileSystem>> {
        if !core::ptr::eq(inode.super_block(), dir.super_block()) {
            crate::pr_err!(
                "inode {} of another mount returned in directory {}\n",
                inode.ino(),
                dir.ino()
            );
            return Err(EIO);
        }
        Ok(inode)
    }

    /// # Safety
    ///
    /// Called by the VFS with a directory of `U`'s file system and a dentry in it.
    unsafe extern "C" fn lookup(
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        _flags: c_uint,
    ) -> *mut bindings::dentry {
        // SAFETY: The VFS passes valid, initialised objects of `U`'s file system.
        let (dir_ref, dentry_ref) = unsafe { (Inode::from_raw(dir), DEntry::from_raw(dentry)) };
        let found = U::lookup(dir_ref, dentry_ref)
            .and_then(|inode| inode.map(|i| Self::same_mount(dir_ref, i)).transpose());
        match found {
            // SAFETY: `d_splice_alias` takes over the reference (or none for a negative
            // dentry) and returns a dentry or an error pointer.
            Ok(inode) => unsafe {
                bindings::d_splice_alias(
                    inode.map_or(core::ptr::null_mut(), InodeRef::into_raw),
                    dentry,
                )
            },
            Err(e) => e.to_ptr(),
        }
    }

    /// # Safety
    ///
    /// `idmap`, `dir` and `dentry` come from the VFS for a create in `dir`.
    unsafe fn do_create(
        idmap: *mut bindings::mnt_idmap,
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        mode: u16,
        rdev: u32,
    ) -> Result {
        // SAFETY: The VFS passes valid, initialised objects of `U`'s file system.
        let (dir_ref, dentry_ref) = unsafe { (Inode::from_raw(dir), DEntry::from_raw(dentry)) };
        let creator = Creator {
            idmap,
            dir: dir_ref,
        };
        let inode = Self::same_mount(dir_ref, U::create(&creator, dentry_ref, mode, rdev)?)?;
        // SAFETY: The dentry is negative and locked by the VFS; it takes our reference.
        unsafe { bindings::d_instantiate(dentry, inode.into_raw()) };
        Ok(())
    }

    /// # Safety
    ///
    /// Called by the VFS for `create`.
    unsafe extern "C" fn create(
        idmap: *mut bindings::mnt_idmap,
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        mode: bindings::umode_t,
        _excl: bool,
    ) -> c_int {
        let mode = mode | bindings::S_IFREG as u16;
        // SAFETY: Forwarded from the VFS.
        from_result(|| unsafe { Self::do_create(idmap, dir, dentry, mode, 0) }.map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the VFS for `mkdir`.
    unsafe extern "C" fn mkdir(
        idmap: *mut bindings::mnt_idmap,
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        mode: bindings::umode_t,
    ) -> *mut bindings::dentry {
        let mode = mode | bindings::S_IFDIR as u16;
        // SAFETY: Forwarded from the VFS.
        match unsafe { Self::do_create(idmap, dir, dentry, mode, 0) } {
            // NULL: the dentry passed in is the one now in use.
            Ok(()) => core::ptr::null_mut(),
            Err(e) => e.to_ptr(),
        }
    }

    /// # Safety
    ///
    /// Called by the VFS for `mknod`.
    unsafe extern "C" fn mknod(
        idmap: *mut bindings::mnt_idmap,
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        mode: bindings::umode_t,
        dev: bindings::dev_t,
    ) -> c_int {
        // `new_encode_dev()`.
        let (major, minor) = (dev >> 20, dev & 0xf_ffff);
        let rdev = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
        // SAFETY: Forwarded from the VFS.
        from_result(|| unsafe { Self::do_create(idmap, dir, dentry, mode, rdev) }.map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the VFS for `symlink` with a NUL-terminated target.
    unsafe extern "C" fn symlink(
        idmap: *mut bindings::mnt_idmap,
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
        target: *const c_char,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The VFS passes valid objects and a NUL-terminated target.
            let (dir_ref, dentry_ref, target) = unsafe {
                (
                    Inode::from_raw(dir),
                    DEntry::from_raw(dentry),
                    CStr::from_char_ptr(target),
                )
            };
            let creator = Creator {
                idmap,
                dir: dir_ref,
            };
            let inode = Self::same_mount(dir_ref, U::symlink(&creator, dentry_ref, target)?)?;
            // SAFETY: The dentry is negative and locked by the VFS; it takes our reference.
            unsafe { bindings::d_instantiate(dentry, inode.into_raw()) };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the VFS for `link`.
    unsafe extern "C" fn link(
        old: *mut bindings::dentry,
        dir: *mut bindings::inode,
        dentry: *mut bindings::dentry,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The VFS passes valid objects of `U`'s file system.
            let (old_ref, dir_ref, dentry_ref) = unsafe {
                (
                    DEntry::from_raw(old),
                    Inode::from_raw(dir),
                    DEntry::from_raw(dentry),
                )
            };
            U::link(old_ref, dir_ref, dentry_ref)?;
            // SAFETY: `old` is positive; the new dentry gets its own inode reference.
            unsafe {
                let inode = (*old).d_inode;
                bindings::ihold(inode);
                bindings::d_instantiate(dentry, inode);
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the VFS for `unlink`.
    unsafe extern "C" fn unlink(dir: *mut bindings::inode, dentry: *mut bindings::dentry) -> c_int {
        // SAFETY: The VFS passes valid objects of `U`'s file system.
        let (dir, dentry) = unsafe { (Inode::from_raw(dir), DEntry::from_raw(dentry)) };
        from_result(|| U::unlink(dir, dentry).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the VFS for `rmdir`.
    unsafe extern "C" fn rmdir(dir: *mut bindings::inode, dentry: *mut bindings::dentry) -> c_int {
        // SAFETY: The VFS passes valid objects of `U`'s file system.
        let (dir, dentry) = unsafe { (Inode::from_raw(dir), DEntry::from_raw(dentry)) };
        from_result(|| U::rmdir(dir, dentry).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the VFS for `rename`.
    unsafe extern "C" fn rename(
        _idmap: *mut bindings::mnt_idmap,
        old_dir: *mut bindings::inode,
        old: *mut bindings::dentry,
        new_dir: *mut bindings::inode,
        new: *mut bindings::dentry,
        flags: c_uint,
    ) -> c_int {
        // SAFETY: The VFS passes valid objects of `U`'s file system.
        let (old_dir, old, new_dir, new) = unsafe {
            (
                Inode::from_raw(old_dir),
                DEntry::from_raw(old),
                Inode::from_raw(new_dir),
                DEntry::from_raw(new),
            )
        };
        from_result(|| U::rename(old_dir, old, new_dir, new, flags).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the VFS for `setattr` with the inode locked.
    unsafe extern "C" fn setattr(
        idmap: *mut bindings::mnt_idmap,
        dentry: *mut bindings::dentry,
        iattr: *mut bindings::iattr,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The VFS passes valid objects; this checks permissions and limits.
            to_result(unsafe { bindings::setattr_prepare(idmap, dentry, iattr) })?;
            // SAFETY: `dentry` is positive, its inode of `U`'s file system.
            let inode = unsafe { Inode::<U::FileSystem>::from_raw((*dentry).d_inode) };
            // SAFETY: `iattr` is valid for the call.
            let attr = Attr(unsafe { &*iattr });
            if let Some(size) = attr.size() {
                if size != inode.size() {
                    if !U::HAS_SET_SIZE {
                        return Err(EOPNOTSUPP);
                    }
                    U::set_size(inode, size)?;
                }
            }
            // SAFETY: Checked by `setattr_prepare`; the inode is locked by the VFS.
            unsafe { bindings::setattr_copy(idmap, inode.as_raw(), iattr) };
            inode.mark_dirty();
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the VFS for `FS_IOC_FIEMAP` with a valid request.
    unsafe extern "C" fn fiemap(
        inode: *mut bindings::inode,
        info: *mut bindings::fiemap_extent_info,
        start: u64,
        len: u64,
    ) -> c_int {
        // SAFETY: The VFS passes valid objects of `U`'s file system.
        let (inode, info) = unsafe {
            (
                Inode::from_raw(inode),
                crate::iomap::FiemapInfo::from_raw(info),
            )
        };
        from_result(|| U::fiemap(inode, info, start, len).map(|()| 0))
    }
}
