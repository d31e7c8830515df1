// SPDX-License-Identifier: GPL-2.0

//! Directory files: `readdir` and `fsync` on a directory.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h)

use crate::{
    bindings,
    error::{from_result, Result},
    fs::{inode::Inode, sb::FileSystem},
    prelude::*,
};
use core::marker::PhantomData;

/// The file type of a directory entry, as `readdir` reports it (`DT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum EntryType {
    /// A FIFO.
    Fifo = bindings::DT_FIFO,
    /// A character device.
    Chr = bindings::DT_CHR,
    /// A directory.
    Dir = bindings::DT_DIR,
    /// A block device.
    Blk = bindings::DT_BLK,
    /// A regular file.
    Reg = bindings::DT_REG,
    /// A symbolic link.
    Lnk = bindings::DT_LNK,
    /// A socket.
    Sock = bindings::DT_SOCK,
    /// Unknown: the caller has to `stat` the entry.
    Unknown = bindings::DT_UNKNOWN,
}

/// Where `readdir` puts entries (`struct dir_context`), with the position it resumes from.
///
/// Positions are the file system's own: 0 and 1 are `.` and `..`, which
/// [`Emitter::emit_dots`] produces; the file system numbers its entries from 2 on.
///
/// # Invariants
///
/// `ctx` and `file` are the valid arguments of the current `iterate_shared` call.
pub struct Emitter<'a> {
    ctx: &'a mut bindings::dir_context,
    file: *mut bindings::file,
}

impl Emitter<'_> {
    /// Returns the position to continue from.
    pub fn pos(&self) -> i64 {
        self.ctx.pos
    }

    /// Sets the position the next call continues from.
    pub fn set_pos(&mut self, pos: i64) {
        self.ctx.pos = pos;
    }

    /// Emits `.` and `..` if the position is before them; returns `false` when the caller's
    /// buffer is full.
    pub fn emit_dots(&mut self) -> bool {
        // SAFETY: By the type invariant both are valid for the call.
        unsafe { bindings::dir_emit_dots(self.file, self.ctx) }
    }

    /// Emits one entry; returns `false` when the caller's buffer is full (stop and keep the
    /// position at this entry).
    pub fn emit(&mut self, name: &[u8], ino: u64, kind: EntryType) -> bool {
        let Ok(len) = c_int::try_from(name.len()) else {
            return false;
        };
        // SAFETY: By the type invariant `ctx` is valid; `name` has `len` bytes.
        unsafe { bindings::dir_emit(self.ctx, name.as_ptr().cast(), len, ino, kind as u32) }
    }
}

/// The operations of directory files (`struct file_operations` for directories).
#[vtable]
pub trait Operations {
    /// The file system the directories belong to.
    type FileSystem: FileSystem;

    /// Emits the entries of `dir` from `emitter`'s position on (`iterate_shared`; the
    /// directory's lock is held shared).
    fn read_dir(dir: &Inode<Self::FileSystem>, emitter: &mut Emitter<'_>) -> Result;

    /// Makes the directory durable (`fsync(2)` on it).
    fn fsync(_dir: &Inode<Self::FileSystem>) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// A static `file_operations` table for directories of the implementation `U`.
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
                llseek: Some(bindings::generic_file_llseek),
                read: Some(bindings::generic_read_dir),
                iterate_shared: Some(Tables::<U>::iterate_shared),
                fsync: if U::HAS_FSYNC {
                    Some(Tables::<U>::fsync)
                } else {
                    None
                },
                // SAFETY: All-zero is a valid `file_operations` (every entry NULL).
                ..unsafe { core::mem::zeroed() }
            },
            _p: PhantomData,
        }
    }
}

struct Tables<U: ?Sized>(PhantomData<U>);

impl<U: Operations + ?Sized> Tables<U> {
    /// # Safety
    ///
    /// Called by the VFS with an open directory of `U`'s file system.
    unsafe extern "C" fn iterate_shared(
        file: *mut bindings::file,
        ctx: *mut bindings::dir_context,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The file is open on an initialised directory inode of `U`.
            let dir = unsafe { Inode::from_raw(bindings::file_inode(file)) };
            // SAFETY: `ctx` is valid and exclusively ours for the call.
            let ctx = unsafe { &mut *ctx };
            let mut emitter = Emitter { ctx, file };
            U::read_dir(dir, &mut emitter)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the VFS with an open directory of `U`'s file system.
    unsafe extern "C" fn fsync(
        file: *mut bindings::file,
        _start: bindings::loff_t,
        _end: bindings::loff_t,
        _datasync: c_int,
    ) -> c_int {
        // SAFETY: The file is open on an initialised directory inode of `U`.
        let dir = unsafe { Inode::from_raw(bindings::file_inode(file)) };
        from_result(|| U::fsync(dir).map(|()| 0))
    }
}
