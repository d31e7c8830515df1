// SPDX-License-Identifier: GPL-2.0
//! An inode handed to `evict_inode`, `write_inode` or writeback may have no reference left:
//! `ihold()` on it would resurrect an inode being freed. `Inode` is not `AlwaysRefCounted`,
//! so no `ARef` can be made from a borrow; `try_get` (`igrab()`) refuses a dying inode.
//! expect: E0277

use kernel::fs::{
    inode::{Inode, InodeRef},
    sb::FileSystem,
};

/// What `evict_inode` may do.
pub fn keep<T: FileSystem>(inode: &Inode<T>) -> Option<InodeRef<T>> {
    inode.try_get()
}

/// A reference taken regardless.
pub fn misuse<T: FileSystem>(inode: &Inode<T>) -> kernel::sync::aref::ARef<Inode<T>> { kernel::sync::aref::ARef::from(inode) } // MISUSE
