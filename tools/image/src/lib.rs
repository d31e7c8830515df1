// SPDX-License-Identifier: GPL-2.0

//! bouncefs images from userspace, shared by mkfs.bouncefs, fsck.bouncefs, bouncefs-corrupt
//! and the tests.
//!
//! - [`Device`]: a block device or an image file, read and written block by block.
//! - [`mkfs`]: the layout of a new file system and writing it.
//! - [`Fs`]: an existing file system opened for building a tree in it (directories,
//!   files, fragmented files with indirect extent blocks, symbolic links, device nodes, hard
//!   links), the way the tests and the in-guest scripts set up realistic images.
//! - [`corrupt`]: named corruptions of an image, each with what fsck.bouncefs should say.
//! - [`testing`]: temporary images and running a tool, for the tools' tests.
//!
//! The on-disk format itself is the `bouncefs-format` crate, the same code the kernel
//! module uses.

#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms)]

pub mod corrupt;
mod device;
mod fs;
pub mod mkfs;
pub mod testing;

pub use device::Device;
pub use fs::Fs;

use bouncefs_format::FormatError;
use std::fmt;

/// An error with a message naming the object (`"inode 5: checksum mismatch"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl Error {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        Self(e.describe().to_string())
    }
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
