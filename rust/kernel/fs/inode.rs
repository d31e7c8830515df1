// SPDX-License-Identifier: GPL-2.0

//! Inodes.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h)

use crate::{
    bindings,
    error::Result,
    prelude::*,
    sync::aref::{ARef, AlwaysRefCounted},
    types::Opaque,
};
use core::ptr::NonNull;

/// An inode.
///
/// # Invariants
///
/// The wrapped `struct inode` is valid for the lifetime of every reference; an
/// [`ARef<Inode>`] holds one of its references (`ihold()`/`iput()`).
#[repr(transparent)]
pub struct Inode(Opaque<bindings::inode>);

// SAFETY: Inodes are reference counted and used from any thread; the accessors below read
// fields the VFS keeps stable or reads them as the VFS itself does.
unsafe impl Send for Inode {}
// SAFETY: See `Send`.
unsafe impl Sync for Inode {}

// SAFETY: `ihold()`/`iput()` keep the inode alive while the count is non-zero.
unsafe impl AlwaysRefCounted for Inode {
    fn inc_ref(&self) {
        // SAFETY: By the type invariant the inode is valid and referenced.
        unsafe { bindings::ihold(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it owns.
        unsafe { bindings::iput(obj.cast().as_ptr()) };
    }
}

impl Inode {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a valid inode that stays valid for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: `Inode` is a transparent wrapper; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    /// Returns the raw pointer to the `struct inode`.
    pub fn as_raw(&self) -> *mut bindings::inode {
        self.0.get()
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
}

/// What a new inode is, which decides its operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A directory with no entries but `.` and `..`, served by the VFS's simple directory
    /// operations (`simple_dir_operations`).
    EmptyDir,
}

/// The attributes of a new inode.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// What the inode is.
    pub kind: Kind,
    /// Permission bits (`0o755`...).
    pub permissions: u16,
    /// The inode number.
    pub ino: u64,
    /// The link count.
    pub nlink: u32,
}

/// A newly allocated inode that is not yet visible to anyone else (`new_inode()`).
///
/// # Invariants
///
/// `0` holds the only reference to an inode returned by `new_inode()` and not yet
/// initialised by [`NewInode::init`].
pub struct NewInode(ARef<Inode>);

impl NewInode {
    /// Allocates an inode of the super block `sb`.
    ///
    /// # Safety
    ///
    /// `sb` must be a valid super block that is being set up or is alive.
    pub(crate) unsafe fn new(sb: *mut bindings::super_block) -> Result<Self> {
        // SAFETY: The caller guarantees `sb` is valid.
        let inode = NonNull::new(unsafe { bindings::new_inode(sb) }).ok_or(ENOMEM)?;
        // SAFETY: `new_inode` returns an inode with one reference, which we now own.
        Ok(Self(unsafe { ARef::from_raw(inode.cast()) }))
    }

    /// Sets the inode up from `params` and returns it.
    pub fn init(self, params: Params) -> ARef<Inode> {
        let raw = self.0.as_raw();
        let type_bits = match params.kind {
            Kind::EmptyDir => bindings::S_IFDIR,
        };
        // SAFETY: By the type invariant nobody else can see the inode yet, so we may write its
        // fields; the operation tables are static.
        unsafe {
            (*raw).i_ino = params.ino;
            (*raw).i_mode = (type_bits as u16) | (params.permissions & 0o7777);
            bindings::set_nlink(raw, params.nlink);
            bindings::simple_inode_init_ts(raw);
            match params.kind {
                Kind::EmptyDir => {
                    (*raw).i_op = &bindings::simple_dir_inode_operations;
                    (*raw).__bindgen_anon_3.i_fop = &bindings::simple_dir_operations;
                }
            }
        }
        self.0
    }
}
