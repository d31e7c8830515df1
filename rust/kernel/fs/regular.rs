// SPDX-License-Identifier: GPL-2.0

//! Regular files: their `file_operations`, and the I/O control block `read_iter`/`write_iter`
//! get.
//!
//! A file system implements [`Operations`] (read, write, fsync, fallocate) and names its
//! iomap mapping as [`Operations::Map`]; the table [`Ops::new`] builds adds what iomap
//! provides from that mapping: `mmap` with `page_mkwrite`, `SEEK_HOLE`/`SEEK_DATA`, splice.
//! Opening a file allows `O_DIRECT` (`FMODE_CAN_ODIRECT`).
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h)

use crate::{
    bindings,
    error::{from_result, to_result, Result},
    fs::{
        inode::{non_negative, Inode, InodeRef},
        sb::FileSystem,
    },
    iomap,
    iov::{IovIterDest, IovIterSource},
    prelude::*,
};
use core::{marker::PhantomData, ptr::NonNull};

/// The open file an [`Operations::fsync`] call syncs.
///
/// # Invariants
///
/// `file` is an open regular file of `T`'s file system, valid for `'a` (the `fsync` call).
pub struct SyncFile<'a, T: FileSystem> {
    file: *mut bindings::file,
    _p: PhantomData<(&'a bindings::file, T)>,
}

impl<'a, T: FileSystem> SyncFile<'a, T> {
    /// # Safety
    ///
    /// `file` must be an open regular file of `T`'s file system, valid for `'a`.
    unsafe fn from_raw(file: *mut bindings::file) -> Self {
        // INVARIANT: The caller's promise.
        Self {
            file,
            _p: PhantomData,
        }
    }

    /// Returns the inode of the file.
    pub fn inode(&self) -> &'a Inode<T> {
        // SAFETY: By the type invariant the file is open on an initialised inode of `T`,
        // which the open file pins for `'a`.
        unsafe { Inode::from_raw(bindings::file_inode(self.file)) }
    }

    /// Writes the dirty pages of `start..=end` back, waits for them, and returns any
    /// writeback error of the mapping that this open file has not reported yet
    /// (`file_write_and_wait_range()`). Errors are tracked per open file (errseq): each one
    /// reaches every descriptor that was open when it happened, whichever syncs first, and
    /// once. `EINVAL` for a negative offset.
    pub fn write_and_wait_range(&self, start: i64, end: i64) -> Result {
        non_negative(start)?;
        non_negative(end)?;
        // SAFETY: By the type invariant the file is valid; C serialises its error cursor
        // (`f_wb_err`) under the file's `f_lock`.
        to_result(unsafe { bindings::file_write_and_wait_range(self.file, start, end) })
    }

    /// Returns the directory that holds the file's name now (its dentry's parent, after
    /// any rename): what a sync of a new file must also make durable when the name is not
    /// yet on disk. `None` if the dentry has no parent (a disconnected one, as
    /// `open_by_handle_at()` makes, is its own parent) or that has no inode any more.
    pub fn parent(&self) -> Option<InodeRef<T>> {
        // `f_path` shares a union with `__f_path`, the same `struct path` made writable for
        // the VFS's own use. The open file pins its dentry; `dget_parent()` returns a
        // reference to the parent, valid until the `dput()` below.
        // SAFETY: By the type invariant the file is valid.
        let dentry = unsafe { (*self.file).__bindgen_anon_1.f_path.dentry };
        // SAFETY: `dentry` is valid while the file is open (above).
        let parent = unsafe { bindings::dget_parent(dentry) };
        // SAFETY: `parent` is valid (above).
        let inode = NonNull::new(unsafe { (*parent).d_inode }).filter(|_| parent != dentry);
        if let Some(inode) = inode {
            // Another dentry's parent on `T`'s super block is a directory with an
            // initialised inode of `T`, alive while the parent's reference is held.
            // SAFETY: `inode` is valid and in use (the parent holds it): `ihold()` may
            // take a reference for the `InodeRef` below.
            unsafe { bindings::ihold(inode.as_ptr()) };
        }
        // SAFETY: Drops the reference `dget_parent()` returned.
        unsafe { bindings::dput(parent) };
        // SAFETY: `inode` is an initialised inode of `T` whose reference `ihold()` took.
        inode.map(|inode| unsafe { InodeRef::from_raw(inode) })
    }
}

/// An I/O control block (`struct kiocb`) for a regular file of `T`: the position and flags
/// of one `read_iter`/`write_iter` call.
///
/// # Invariants
///
/// `raw` is a valid kiocb on an open regular file of `T`'s file system, usable for `'a` (the
/// duration of the `read_iter`/`write_iter` call).
pub struct Iocb<'a, T: FileSystem> {
    raw: *mut bindings::kiocb,
    _p: PhantomData<(&'a mut bindings::kiocb, T)>,
}

impl<'a, T: FileSystem> Iocb<'a, T> {
    /// Creates the handle.
    ///
    /// # Safety
    ///
    /// `raw` must be a valid kiocb on an open regular file of `T`'s file system, usable for
    /// `'a`, and not used by anyone else meanwhile.
    pub unsafe fn from_raw(raw: *mut bindings::kiocb) -> Self {
        Self {
            raw,
            _p: PhantomData,
        }
    }

    /// Returns the raw pointer to the `struct kiocb`.
    pub fn as_raw(&self) -> *mut bindings::kiocb {
        self.raw
    }

    /// Returns the inode of the file.
    pub fn inode(&self) -> &'a Inode<T> {
        // SAFETY: By the type invariant the file is open on an initialised inode of `T`,
        // which the open file pins for `'a`.
        unsafe { Inode::from_raw(bindings::file_inode((*self.raw).ki_filp)) }
    }

    /// Returns the file position of the I/O.
    pub fn pos(&self) -> i64 {
        // SAFETY: By the type invariant the kiocb is valid.
        unsafe { (*self.raw).ki_pos }
    }

    /// Sets the file position (after a buffered read or write).
    pub fn set_pos(&mut self, pos: i64) {
        // SAFETY: By the type invariant the kiocb is valid and ours.
        unsafe { (*self.raw).ki_pos = pos };
    }

    fn flags(&self) -> c_int {
        // SAFETY: By the type invariant the kiocb is valid.
        unsafe { (*self.raw).ki_flags }
    }

    /// Returns whether this is direct I/O (`O_DIRECT`, `IOCB_DIRECT`).
    pub fn is_direct(&self) -> bool {
        self.flags() & bindings::IOCB_DIRECT as c_int != 0
    }

    /// Returns whether the caller must not block (`RWF_NOWAIT`, `IOCB_NOWAIT`): return
    /// `EAGAIN` instead of sleeping.
    pub fn is_nowait(&self) -> bool {
        self.flags() & bindings::IOCB_NOWAIT != 0
    }

    /// Returns whether the I/O is asynchronous (AIO, io_uring): its completion may be
    /// reported after `read_iter`/`write_iter` return.
    pub fn is_async(&self) -> bool {
        // SAFETY: By the type invariant the kiocb is valid.
        unsafe { (*self.raw).ki_complete.is_some() }
    }

    /// Checks a write against limits, `O_APPEND` (which moves the position) and
    /// `RLIMIT_FSIZE`, and shortens `from` if needed (`generic_write_checks()`); returns the
    /// bytes left to write, 0 for nothing. Call with the inode locked.
    pub fn write_checks(&mut self, from: &mut IovIterSource<'_>) -> Result<usize> {
        // SAFETY: Both are valid for the call.
        let ret = unsafe { bindings::generic_write_checks(self.raw, from.as_raw()) };
        iomap::to_result_size(ret)
    }

    /// Removes set-user-ID bits and updates the times before a write (`file_modified()`).
    pub fn file_modified(&self) -> Result {
        // SAFETY: By the type invariant the kiocb and its file are valid.
        to_result(unsafe { bindings::file_modified((*self.raw).ki_filp) })
    }

    /// Updates the access time (`file_accessed()`).
    pub fn file_accessed(&self) {
        // SAFETY: By the type invariant the kiocb and its file are valid.
        unsafe { bindings::file_accessed((*self.raw).ki_filp) };
    }

    /// Makes `written` bytes just written durable if the file or call asks for it (`O_SYNC`,
    /// `O_DSYNC`, `RWF_SYNC`: `generic_write_sync()`), and ends the call with them.
    pub fn write_sync(self, written: usize) -> Result<Done<'a>> {
        let count = isize::try_from(written).map_err(|_| EOVERFLOW)?;
        // SAFETY: By the type invariant the kiocb is valid and ours.
        let ret = unsafe { bindings::generic_write_sync(self.raw, count) };
        self.done(iomap::to_result_size(ret)?)
    }

    /// Reads through the page cache (`filemap_read()`), which iomap fills through the file's
    /// address-space operations; advances the position. Also right for an `IOCB_DIRECT`
    /// iocb that a file system serves buffered: `generic_file_read_iter()` would hand that
    /// to `a_ops->direct_IO`, which iomap file systems do not have (a call through NULL).
    pub fn buffered_read(&mut self, to: &mut IovIterDest<'_>) -> Result<usize> {
        // SAFETY: Both are valid for the call; `filemap_read` only reads the page cache.
        let ret = unsafe { bindings::filemap_read(self.raw, to.as_raw(), 0) };
        iomap::to_result_size(ret)
    }

    /// Ends the call with `bytes` read or written, consuming the iocb: only an iocb the
    /// file system still owns can report bytes, so an iocb that direct I/O queued
    /// ([`iomap::dio::Outcome::Queued`]) cannot also be reported done. `EOVERFLOW` if
    /// `bytes` does not fit the `ssize_t` the VFS gets (it would read as an error code).
    pub fn done(self, bytes: usize) -> Result<Done<'a>> {
        let ret = isize::try_from(bytes).map_err(|_| EOVERFLOW)?;
        // INVARIANT: The count of a call whose iocb is consumed here, never to be queued.
        Ok(Done {
            ret,
            _p: PhantomData,
        })
    }
}

/// How a `read_iter`/`write_iter` call ended: bytes done (made by [`Iocb::done`] or
/// [`Iocb::write_sync`] from the call's own iocb) or queued for later completion (made only
/// by [`iomap::dio::Outcome::into_result`] when `iomap_dio_rw()` queued the iocb). The
/// VFS gets its return value from this and nothing else, so a file system cannot report
/// bytes for an iocb that completes later (aio would complete it twice) nor report it
/// queued when it was not (a synchronous read or write would `BUG()`).
///
/// # Invariants
///
/// `ret` is a byte count (`>= 0`) of a call whose iocb was consumed without being queued, or
/// `-EIOCBQUEUED` for an iocb `iomap_dio_rw()` queued, in the call of lifetime `'a`.
pub struct Done<'a> {
    ret: isize,
    _p: PhantomData<&'a mut bindings::kiocb>,
}

impl<'a> Done<'a> {
    /// The iocb was queued by `iomap_dio_rw()`.
    ///
    /// # Safety
    ///
    /// `iomap_dio_rw()` returned `-EIOCBQUEUED` for the iocb of the call of lifetime `'a`.
    pub(crate) unsafe fn queued() -> Self {
        // INVARIANT: The caller guarantees the iocb was queued.
        Self {
            ret: -(bindings::EIOCBQUEUED as isize),
            _p: PhantomData,
        }
    }

    /// Returns the bytes done, or `None` if the iocb was queued.
    pub fn bytes(&self) -> Option<usize> {
        usize::try_from(self.ret).ok()
    }
}

/// What the trampolines return to the VFS for `read_iter`/`write_iter`. An error of
/// `EIOCBQUEUED` did not come from [`Done`] and so is a lie about the iocb: it becomes `EIO`.
fn iter_ret(result: Result<Done<'_>>, what: &str) -> isize {
    match result {
        Ok(done) => done.ret,
        Err(e) if e == EIOCBQUEUED => {
            crate::pr_err!(
                "{what}: EIOCBQUEUED returned as an error, not as Done; failing with EIO\n"
            );
            EIO.to_errno() as isize
        }
        Err(e) => e.to_errno() as isize,
    }
}

/// The operations of regular files (`struct file_operations`).
#[vtable]
pub trait Operations {
    /// The file system the files belong to.
    type FileSystem: FileSystem;
    /// The file system's mapping, for page faults and `SEEK_HOLE`/`SEEK_DATA`.
    type Map: iomap::Operations<FileSystem = Self::FileSystem>;

    /// Reads at the iocb's position into `to` (`read_iter`); buffered or direct. Ends with
    /// [`Iocb::done`] or a queued direct I/O's [`iomap::dio::Outcome::into_result`].
    fn read_iter<'a>(
        iocb: Iocb<'a, Self::FileSystem>,
        to: &mut IovIterDest<'_>,
    ) -> Result<Done<'a>>;

    /// Writes `from` at the iocb's position (`write_iter`); buffered or direct. Ends with
    /// [`Iocb::done`], [`Iocb::write_sync`] or a queued direct I/O's
    /// [`iomap::dio::Outcome::into_result`].
    fn write_iter<'a>(
        iocb: Iocb<'a, Self::FileSystem>,
        from: &mut IovIterSource<'_>,
    ) -> Result<Done<'a>>;

    /// Makes the byte range `start..=end` of `file` durable, with the metadata needed to read
    /// it back (all metadata unless `datasync`). Write back with
    /// [`SyncFile::write_and_wait_range`], so that a writeback error reaches every open file
    /// that should see it.
    fn fsync(
        _file: &SyncFile<'_, Self::FileSystem>,
        _start: i64,
        _end: i64,
        _datasync: bool,
    ) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Allocates or deallocates space (`fallocate(2)` with its `mode` flags); `EOPNOTSUPP`
    /// for modes the file system does not support.
    fn fallocate(_inode: &Inode<Self::FileSystem>, _mode: i32, _offset: i64, _len: i64) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// A static `file_operations` table for regular files of the implementation `U`.
pub struct Ops<T: FileSystem> {
    pub(crate) table: bindings::file_operations,
    _p: PhantomData<T>,
}

// SAFETY: The table holds function pointers and a NULL owner; it is never written.
unsafe impl<T: FileSystem> Sync for Ops<T> {}

impl<T: FileSystem> Ops<T> {
    /// Builds the table of `U`.
    pub const fn new<U: Operations<FileSystem = T> + ?Sized>() -> Self {
        Self {
            table: bindings::file_operations {
                fop_flags: bindings::FOP_BUFFER_RASYNC,
                llseek: Some(Tables::<U>::llseek),
                read_iter: Some(Tables::<U>::read_iter),
                write_iter: Some(Tables::<U>::write_iter),
                open: Some(Tables::<U>::open),
                mmap_prepare: Some(Tables::<U>::mmap_prepare),
                fsync: if U::HAS_FSYNC {
                    Some(Tables::<U>::fsync)
                } else {
                    None
                },
                fallocate: if U::HAS_FALLOCATE {
                    Some(Tables::<U>::fallocate)
                } else {
                    None
                },
                splice_read: Some(bindings::filemap_splice_read),
                splice_write: Some(bindings::iter_file_splice_write),
                // SAFETY: All-zero is a valid `file_operations` (every entry NULL).
                ..unsafe { core::mem::zeroed() }
            },
            _p: PhantomData,
        }
    }
}

struct Tables<U: ?Sized>(PhantomData<U>);

impl<U: Operations + ?Sized> Tables<U> {
    const VM_OPS: bindings::vm_operations_struct = bindings::vm_operations_struct {
        fault: Some(bindings::filemap_fault),
        map_pages: Some(bindings::filemap_map_pages),
        page_mkwrite: Some(Self::page_mkwrite),
        // SAFETY: All-zero is a valid `vm_operations_struct` (every entry NULL).
        ..unsafe { core::mem::zeroed() }
    };

    /// # Safety
    ///
    /// Called by the VFS for an inode of `U`'s file system and a file being opened.
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: The file is being opened by us; iomap serves `O_DIRECT`.
        unsafe { (*file).f_mode |= bindings::FMODE_CAN_ODIRECT };
        // SAFETY: Forwarded from the VFS.
        unsafe { bindings::generic_file_open(inode, file) }
    }

    /// # Safety
    ///
    /// Called by the VFS with a kiocb on a regular file of `U`'s file system.
    unsafe extern "C" fn read_iter(
        iocb: *mut bindings::kiocb,
        to: *mut bindings::iov_iter,
    ) -> isize {
        // SAFETY: The VFS passes a valid kiocb and destination iterator for the call.
        let (iocb, to) = unsafe { (Iocb::from_raw(iocb), IovIterDest::from_raw(to)) };
        iter_ret(U::read_iter(iocb, to), "read_iter")
    }

    /// # Safety
    ///
    /// Called by the VFS with a kiocb on a regular file of `U`'s file system.
    unsafe extern "C" fn write_iter(
        iocb: *mut bindings::kiocb,
        from: *mut bindings::iov_iter,
    ) -> isize {
        // SAFETY: The VFS passes a valid kiocb and source iterator for the call.
        let (iocb, from) = unsafe { (Iocb::from_raw(iocb), IovIterSource::from_raw(from)) };
        iter_ret(U::write_iter(iocb, from), "write_iter")
    }

    /// # Safety
    ///
    /// Called by the VFS with an open regular file of `U`'s file system.
    unsafe extern "C" fn llseek(
        file: *mut bindings::file,
        offset: bindings::loff_t,
        whence: c_int,
    ) -> bindings::loff_t {
        // SAFETY: The file is open on an initialised inode of `U`.
        let inode = unsafe { Inode::<U::FileSystem>::from_raw(bindings::file_inode(file)) };
        let found = match whence as u32 {
            bindings::SEEK_HOLE => {
                let _lock = inode.lock_shared();
                iomap::seek_hole::<U::Map>(inode, offset)
            }
            bindings::SEEK_DATA => {
                let _lock = inode.lock_shared();
                iomap::seek_data::<U::Map>(inode, offset)
            }
            // SAFETY: Forwarded from the VFS.
            _ => return unsafe { bindings::generic_file_llseek(file, offset, whence) },
        };
        match found {
            // SAFETY: The file is valid; this sets `f_pos` as `llseek` must.
            Ok(pos) => unsafe {
                bindings::vfs_setpos(file, pos, (*(*inode.as_raw()).i_sb).s_maxbytes)
            },
            Err(e) => e.to_errno().into(),
        }
    }

    /// # Safety
    ///
    /// Called by the VFS when a regular file of `U`'s file system is mapped.
    unsafe extern "C" fn mmap_prepare(desc: *mut bindings::vm_area_desc) -> c_int {
        // SAFETY: `desc` is valid; this sets the generic page-cache mapping up.
        let ret = unsafe { bindings::generic_file_mmap_prepare(desc) };
        if ret == 0 {
            // SAFETY: `desc` is valid and ours to complete; the table is static.
            unsafe { (*desc).vm_ops = &Self::VM_OPS };
        }
        ret
    }

    /// # Safety
    ///
    /// Called by the MM for a write fault on a shared mapping of a file of `U`'s file system.
    unsafe extern "C" fn page_mkwrite(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
        // SAFETY: The fault's VMA maps an open file of `U`'s file system.
        let file = unsafe { (*(*vmf).__bindgen_anon_1.vma).vm_file };
        // SAFETY: As above; the inode is initialised and pinned by the file.
        let inode = unsafe { Inode::<U::FileSystem>::from_raw(bindings::file_inode(file)) };
        let sb = inode.super_block().as_raw();
        // SAFETY: Freeze protection for the fault, as every `page_mkwrite` takes it.
        unsafe { bindings::sb_start_pagefault(sb) };
        // SAFETY: The file is valid.
        unsafe { bindings::file_update_time(file) };
        let ret = {
            let _invalidate = inode.invalidate_lock_shared();
            // SAFETY: `vmf` is valid; the ops table is static.
            unsafe {
                bindings::iomap_page_mkwrite(vmf, iomap::ops::<U::Map>(), core::ptr::null_mut())
            }
        };
        // SAFETY: Paired with `sb_start_pagefault` above.
        unsafe { bindings::sb_end_pagefault(sb) };
        ret
    }

    /// # Safety
    ///
    /// Called by the VFS with an open regular file of `U`'s file system.
    unsafe extern "C" fn fsync(
        file: *mut bindings::file,
        start: bindings::loff_t,
        end: bindings::loff_t,
        datasync: c_int,
    ) -> c_int {
        // SAFETY: The VFS holds the open file for the call, on an initialised inode of `U`.
        let file = unsafe { SyncFile::from_raw(file) };
        from_result(|| U::fsync(&file, start, end, datasync != 0).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the VFS with an open regular file of `U`'s file system.
    unsafe extern "C" fn fallocate(
        file: *mut bindings::file,
        mode: c_int,
        offset: bindings::loff_t,
        len: bindings::loff_t,
    ) -> c_long {
        // SAFETY: The file is open on an initialised inode of `U`.
        let inode = unsafe { Inode::from_raw(bindings::file_inode(file)) };
        match U::fallocate(inode, mode, offset, len) {
            Ok(()) => 0,
            Err(e) => e.to_errno() as c_long,
        }
    }
}
