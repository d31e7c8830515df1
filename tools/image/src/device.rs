// SPDX-License-Identifier: GPL-2.0

//! A block device or an image file, read and written in file system blocks.

use crate::{Error, Result};
use bouncefs_format::BLOCK_SIZE;
use std::{
    fs::{File, OpenOptions},
    io::{Seek, SeekFrom},
    os::unix::fs::{FileExt, FileTypeExt, MetadataExt},
    path::{Path, PathBuf},
};

const BS: u64 = BLOCK_SIZE as u64;

/// A block device or a regular file holding a file system.
#[derive(Debug)]
pub struct Device {
    file: File,
    path: PathBuf,
    bytes: u64,
    writable: bool,
}

impl Device {
    /// Opens `path` for reading, and for writing if `writable`.
    pub fn open(path: impl AsRef<Path>, writable: bool) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut file = OpenOptions::new()
            .read(true)
            .write(writable)
            .open(&path)
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        // The size of a block device too: its length is only known by seeking.
        let bytes = file
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        Ok(Self {
            file,
            path,
            bytes,
            writable,
        })
    }

    /// Creates (or truncates) an image file of `blocks` blocks and opens it for writing.
    pub fn create_image(path: impl AsRef<Path>, blocks: u64) -> Result<Self> {
        let path = path.as_ref();
        let file =
            File::create(path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        let bytes = blocks
            .checked_mul(BS)
            .ok_or_else(|| Error::new("image size overflows"))?;
        file.set_len(bytes)
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        drop(file);
        Self::open(path, true)
    }

    /// The path it was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path for messages.
    pub fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// Whether it was opened for writing.
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.bytes
    }

    /// Whole file system blocks it holds.
    pub fn blocks(&self) -> u64 {
        self.bytes / BS
    }

    /// Whether it is a block device.
    pub fn is_block_device(&self) -> bool {
        self.file
            .metadata()
            .is_ok_and(|m| m.file_type().is_block_device())
    }

    /// The logical block size of a block device (from sysfs), `None` for a regular file.
    pub fn logical_block_size(&self) -> Result<Option<u64>> {
        let meta = self.file.metadata()?;
        if !meta.file_type().is_block_device() {
            return Ok(None);
        }
        let rdev = meta.rdev();
        // glibc's gnu_dev_major/gnu_dev_minor.
        let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
        let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
        let dir = PathBuf::from(format!("/sys/dev/block/{major}:{minor}"));
        // A partition has no queue/ of its own: its disk's is one directory up.
        let candidates = [
            dir.join("queue/logical_block_size"),
            dir.join("../queue/logical_block_size"),
        ];
        for path in &candidates {
            if let Ok(text) = std::fs::read_to_string(path) {
                return text.trim().parse().map(Some).map_err(|_| {
                    Error::new(format!(
                        "{}: unexpected content '{}'",
                        path.display(),
                        text.trim()
                    ))
                });
            }
        }
        Err(Error::new(format!(
            "{}: cannot read the logical block size of {major}:{minor} from {}",
            self.name(),
            dir.display()
        )))
    }

    /// Reads `buf.len()` bytes at byte `offset`.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| Error::new(format!("{}: reading at byte {offset}: {e}", self.name())))
    }

    /// Reads block `block`.
    pub fn read_block(&self, block: u64) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; BLOCK_SIZE];
        let offset = block
            .checked_mul(BS)
            .ok_or_else(|| Error::new(format!("block {block} is beyond any device")))?;
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|e| Error::new(format!("{}: reading block {block}: {e}", self.name())))?;
        Ok(buf)
    }

    /// Writes block `block` (`buf` is one block).
    pub fn write_block(&self, block: u64, buf: &[u8]) -> Result<()> {
        if buf.len() != BLOCK_SIZE {
            return Err(Error::new(format!(
                "writing block {block}: {} bytes is not a block",
                buf.len()
            )));
        }
        self.write_blocks(block, buf)
    }

    /// Writes `buf` (whole blocks) at block `block`, in one system call.
    pub fn write_blocks(&self, block: u64, buf: &[u8]) -> Result<()> {
        if buf.len() % BLOCK_SIZE != 0 {
            return Err(Error::new(format!(
                "writing at block {block}: {} bytes are not whole blocks",
                buf.len()
            )));
        }
        let offset = block
            .checked_mul(BS)
            .ok_or_else(|| Error::new(format!("block {block} is beyond any device")))?;
        self.file
            .write_all_at(buf, offset)
            .map_err(|e| Error::new(format!("{}: writing at block {block}: {e}", self.name())))
    }

    /// Flushes everything written to stable storage.
    pub fn sync(&self) -> Result<()> {
        self.file
            .sync_all()
            .map_err(|e| Error::new(format!("{}: fsync: {e}", self.name())))
    }
}
