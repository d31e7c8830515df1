// SPDX-License-Identifier: GPL-2.0
//! A direct I/O that iomap queued cannot be reported as bytes done: the iocb went into
//! `dio::rw`, and only an iocb the file system still owns can say `done`.
//! expect: E0382

use kernel::{
    fs::regular::{Done, Iocb},
    iomap::{
        self,
        dio::{self, DioOperations},
        DioFlags,
    },
    iov::IovIterDest,
    prelude::*,
};

/// A direct read that turns a queued outcome into a byte count.
pub fn misuse<'a, M, D>(iocb: Iocb<'a, M::FileSystem>, to: &mut IovIterDest<'_>) -> Result<Done<'a>>
where
    M: iomap::Operations,
    D: DioOperations<FileSystem = M::FileSystem>,
{
    match dio::rw::<M, D, _>(iocb, to, DioFlags::empty())? {
        dio::Outcome::Queued(_) => iocb.done(0), // MISUSE
        outcome => outcome.into_result(),
    }
}
