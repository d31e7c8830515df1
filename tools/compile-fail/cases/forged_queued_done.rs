// SPDX-License-Identifier: GPL-2.0
//! A file system cannot claim that an iocb was queued (a synchronous one would hit the
//! `BUG_ON` in the VFS): only `dio::rw` makes a queued `Done`.
//! expect: E0624

use kernel::{
    fs::{
        regular::{Done, Iocb},
        sb::FileSystem,
    },
    prelude::*,
};

/// Ends a call with no bytes, from its own iocb.
pub fn nothing<'a, T: FileSystem>(iocb: Iocb<'a, T>) -> Result<Done<'a>> {
    iocb.done(0)
}

/// Makes a queued `Done` out of nothing.
pub fn misuse<'a>() -> Done<'a> { Done::queued() } // MISUSE
