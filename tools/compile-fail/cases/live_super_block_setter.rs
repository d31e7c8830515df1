// SPDX-License-Identifier: GPL-2.0
//! The size limit of a live super block cannot change: the VFS reads it without a lock.
//! Only the `NewSuperBlock` that `fill_super` gets has the setters.
//! expect: E0599

use kernel::fs::sb::{FileSystem, NewSuperBlock};

/// What `fill_super` may do.
pub fn fill<T: FileSystem>(sb: &NewSuperBlock<T>) {
    sb.set_max_bytes(1 << 40);
}

/// The same on a mounted file system.
pub fn misuse<T: FileSystem>(sb: &kernel::fs::sb::SuperBlock<T>) { sb.set_max_bytes(1 << 40); } // MISUSE
