// SPDX-License-Identifier: GPL-2.0

//! Directory entries.
//!
//! C header: [`include/linux/dcache.h`](srctree/include/linux/dcache.h)

use crate::{
    bindings,
    fs::{inode::Inode, sb::FileSystem},
    types::Opaque,
};
use core::marker::PhantomData;

/// A directory entry of the file system `T`, as the VFS passes it to inode operations.
///
/// # Invariants
///
/// The wrapped `struct dentry` is valid for the lifetime of every reference, its name does not
/// change while the reference exists (the VFS holds the parent's lock or the rename lock), and
/// its inode, if any, is an initialised inode of `T`.
#[repr(transparent)]
pub struct DEntry<T: FileSystem>(Opaque<bindings::dentry>, PhantomData<T>);

impl<T: FileSystem> DEntry<T> {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a valid dentry of `T`'s file system whose name is stable for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::dentry) -> &'a Self {
        // SAFETY: `DEntry` is a transparent wrapper; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    /// Returns the raw pointer to the `struct dentry`.
    pub fn as_raw(&self) -> *mut bindings::dentry {
        self.0.get()
    }

    /// Returns the name (one path component, never empty, without `/` or NUL).
    pub fn name(&self) -> &[u8] {
        // SAFETY: By the type invariant the dentry and its name are valid and stable; `len`
        // bytes live at `name`.
        unsafe {
            let qstr = &(*self.as_raw()).__bindgen_anon_1.d_name;
            core::slice::from_raw_parts(
                qstr.name,
                qstr.__bindgen_anon_1.__bindgen_anon_1.len as usize,
            )
        }
    }

    /// Returns the inode, `None` for a negative dentry.
    pub fn inode(&self) -> Option<&Inode<T>> {
        // SAFETY: By the type invariant the dentry is valid.
        let inode = unsafe { (*self.as_raw()).d_inode };
        if inode.is_null() {
            None
        } else {
            // SAFETY: By the type invariant a positive dentry's inode is an initialised inode
            // of `T`, pinned by the dentry.
            Some(unsafe { Inode::from_raw(inode) })
        }
    }
}
