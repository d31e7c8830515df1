// SPDX-License-Identifier: GPL-2.0
//! An inode lock guard cannot move to another thread: the task that took an rwsem must
//! release it (lockdep, owner tracking).
//! expect: E0277

use kernel::fs::{inode::Inode, sb::FileSystem};

/// What `thread::spawn` and work items require of what they take.
pub fn to_another_thread<T: Send>(_value: T) {}

/// Takes the inode lock and tries to hand the guard over.
pub fn misuse<T: FileSystem>(inode: &Inode<T>) {
    let _guard = inode.lock();
    to_another_thread(_guard); // MISUSE
}
