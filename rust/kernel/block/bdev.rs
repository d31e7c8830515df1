// SPDX-License-Identifier: GPL-2.0

//! Block devices as their users (file systems, samples) see them.
//!
//! [`BlockDevice`] is a borrowed view of an open `struct block_device`: what a file system reads
//! to decide how it does I/O (logical block size, size, whether the data must stay stable while
//! the device computes protection information). [`OpenBlockDevice`] owns an open device.
//!
//! C headers: [`include/linux/blkdev.h`](srctree/include/linux/blkdev.h),
//! [`include/linux/blk-integrity.h`](srctree/include/linux/blk-integrity.h)

use crate::{
    bindings,
    block::SECTOR_SHIFT,
    error::{from_err_ptr, to_result, Result},
    fmt,
    prelude::*,
    str::CStrExt,
    types::Opaque,
};
use core::ptr::NonNull;

/// A block device.
///
/// Only ever used by reference: whoever hands out a `&BlockDevice` keeps the device open for
/// the reference's lifetime (an [`OpenBlockDevice`], a mounted super block).
///
/// # Invariants
///
/// The wrapped `struct block_device` is open, so it and its `bd_disk` are valid, for the
/// lifetime of every reference to a `BlockDevice`.
#[repr(transparent)]
pub struct BlockDevice(Opaque<bindings::block_device>);

// SAFETY: The block layer serialises changes to a `struct block_device`; the queries below read
// limits and names that are safe to read from any thread while the device is open.
unsafe impl Sync for BlockDevice {}

impl BlockDevice {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a `struct block_device` that stays open for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::block_device) -> &'a Self {
        // SAFETY: `BlockDevice` is a transparent wrapper of `struct block_device`, and the caller
        // guarantees the device stays open (so valid) for `'a`, which is the type invariant.
        unsafe { &*ptr.cast() }
    }

    /// Returns the raw pointer to the `struct block_device`.
    pub fn as_raw(&self) -> *mut bindings::block_device {
        self.0.get()
    }

    /// Returns the logical block size in bytes: the smallest unit the device can address, and
    /// so the alignment direct I/O must have.
    pub fn logical_block_size(&self) -> u32 {
        // SAFETY: By the type invariant the device is open.
        unsafe { bindings::bdev_logical_block_size(self.as_raw()) }
    }

    /// Returns the size of the device in 512-byte sectors.
    pub fn nr_sectors(&self) -> u64 {
        // SAFETY: By the type invariant the device is open.
        unsafe { bindings::bdev_nr_sectors(self.as_raw()) }
    }

    /// Returns the size of the device in bytes.
    pub fn size(&self) -> u64 {
        self.nr_sectors() << SECTOR_SHIFT
    }

    /// Returns whether the device needs the data to stay unchanged while it is written
    /// (`bdev_stable_writes()`): true for devices that compute a checksum over the data for
    /// integrity protection and for devices that declare `BLK_FEAT_STABLE_WRITES`.
    ///
    /// A file system must then not let user pages change under in-flight direct I/O, which is
    /// what `IOMAP_DIO_BOUNCE` is for.
    pub fn stable_writes(&self) -> bool {
        // SAFETY: By the type invariant the device is open.
        unsafe { bindings::bdev_stable_writes(self.as_raw()) }
    }

    /// Returns whether the device's integrity profile carries a checksum of the data
    /// (`bdev_has_integrity_csum()`).
    pub fn has_integrity_csum(&self) -> bool {
        // SAFETY: By the type invariant the device is open.
        unsafe { bindings::bdev_has_integrity_csum(self.as_raw()) }
    }

    /// Returns the name of the device's integrity profile, such as `T10-DIF-TYPE1-CRC`, or
    /// `None` if the device carries no protection information.
    pub fn integrity_profile(&self) -> Option<&'static CStr> {
        // SAFETY: By the type invariant the device is open, so `bd_disk` is valid.
        let bi = unsafe { bindings::blk_get_integrity((*self.as_raw()).bd_disk) };
        if bi.is_null() {
            return None;
        }
        // SAFETY: `bi` is the disk's valid integrity description.
        let name = unsafe { bindings::blk_integrity_profile_name(bi) };
        // SAFETY: `blk_integrity_profile_name` returns a static NUL-terminated string.
        Some(unsafe { CStr::from_char_ptr(name) })
    }

    /// Reads `buf.len()` bytes at byte offset `pos` of the device, synchronously
    /// (`bdev_rw_virt()`): how a file system reads its own metadata. `pos` and the length must
    /// be multiples of the logical block size and the range must lie on the device (`EINVAL`
    /// otherwise); an I/O error comes back as the block layer's errno (`EIO`, `EILSEQ`...).
    pub fn read_at(&self, pos: u64, buf: &mut KVec<u8>) -> Result {
        let (data, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `KVec` memory is kmalloc memory, valid for writes of its length.
        unsafe { self.rw_virt(pos, data, len, bindings::req_op_REQ_OP_READ) }
    }

    /// Writes `buf` at byte offset `pos` of the device and waits for it (`bdev_rw_virt()`),
    /// with the same rules as [`BlockDevice::read_at`]. The data reaches the device's write
    /// cache, not necessarily stable storage.
    pub fn write_at(&self, pos: u64, buf: &KVec<u8>) -> Result {
        let (data, len) = (buf.as_ptr().cast_mut(), buf.len());
        // SAFETY: `KVec` memory is kmalloc memory, valid for reads of its length, which is
        // all a write does with it.
        unsafe { self.rw_virt(pos, data, len, bindings::req_op_REQ_OP_WRITE) }
    }

    /// Writes the device's dirty page-cache pages and waits (`sync_blockdev()`). A file system
    /// that reads its metadata with bios, bypassing that cache, calls it at mount so it sees
    /// what programs wrote through the block device node before (as XFS does).
    pub fn sync_page_cache(&self) -> Result {
        // SAFETY: By the type invariant the device is open.
        to_result(unsafe { bindings::sync_blockdev(self.as_raw()) })
    }

    /// Flushes the device's volatile write cache (`blkdev_issue_flush()`): what was written
    /// before is on stable storage when this returns.
    pub fn flush(&self) -> Result {
        // SAFETY: By the type invariant the device is open.
        to_result(unsafe { bindings::blkdev_issue_flush(self.as_raw()) })
    }

    /// Writes zeroes to `len` bytes at byte offset `pos` and waits (`blkdev_issue_zeroout()`),
    /// with the range rules of [`BlockDevice::read_at`].
    pub fn zero_out(&self, pos: u64, len: u64) -> Result {
        let count = usize::try_from(len).map_err(|_| EINVAL)?;
        self.check_range(pos, count)?;
        // SAFETY: By the type invariant the device is open; the range was checked.
        to_result(unsafe {
            bindings::blkdev_issue_zeroout(
                self.as_raw(),
                pos >> 9,
                len >> 9,
                bindings::GFP_KERNEL,
                0,
            )
        })
    }

    /// Checks the range and does the synchronous I/O.
    ///
    /// # Safety
    ///
    /// `data` must be kmalloc (direct-map) memory valid for `len` bytes for the duration of the
    /// call: for writes when `op` reads from the device, for reads otherwise.
    unsafe fn rw_virt(&self, pos: u64, data: *mut u8, len: usize, op: bindings::req_op) -> Result {
        self.check_range(pos, len)?;
        // SAFETY: The device is open (type invariant); the caller vouches for `data`.
        to_result(unsafe {
            bindings::bdev_rw_virt(self.as_raw(), pos >> SECTOR_SHIFT, data.cast(), len, op)
        })
    }

    fn check_range(&self, pos: u64, len: usize) -> Result {
        let block = u64::from(self.logical_block_size());
        let len = u64::try_from(len).map_err(|_| EINVAL)?;
        let end = pos.checked_add(len).ok_or(EINVAL)?;
        if len == 0 || len > u64::from(u32::MAX) || pos % block != 0 || len % block != 0 {
            return Err(EINVAL);
        }
        if end > self.size() {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Returns the partition number, 0 for the whole disk.
    pub fn partno(&self) -> u8 {
        // SAFETY: By the type invariant the device is open.
        unsafe { bindings::bdev_partno(self.as_raw()) }
    }

    /// Returns an object that formats the device's name as the kernel's `%pg` does
    /// (`sda`, `sda1`, `nvme0n1p2`).
    pub fn name(&self) -> Name<'_> {
        Name(self)
    }

    fn disk_name(&self) -> &[u8] {
        // SAFETY: By the type invariant the device is open, so `bd_disk` is valid, and
        // `disk_name` is a NUL-terminated array set when the disk was added.
        let name = unsafe { &(*(*self.as_raw()).bd_disk).disk_name };
        // SAFETY: `c_char` and `u8` have the same layout.
        let bytes: &[u8] = unsafe { core::slice::from_raw_parts(name.as_ptr().cast(), name.len()) };
        let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        &bytes[..len]
    }
}

/// The name of a [`BlockDevice`], for formatting.
pub struct Name<'a>(&'a BlockDevice);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let disk = self.0.disk_name();
        for &b in disk {
            core::fmt::Write::write_char(f, char::from(b))?;
        }
        match self.0.partno() {
            0 => Ok(()),
            // Like C's `disk_name()`: `nvme0n1` + `p2`, but `sda` + `2`.
            n if disk.last().is_some_and(u8::is_ascii_digit) => write!(f, "p{n}"),
            n => write!(f, "{n}"),
        }
    }
}

/// How a block device is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Read,
    /// Read and write.
    ReadWrite,
}

/// A block device opened by this kernel user, closed when dropped.
///
/// Opened without a holder, so it is shared: use it to inspect a device, not to own it (a
/// file system gets its device from its super block instead).
///
/// # Invariants
///
/// `file` is a block device file returned by `bdev_file_open_by_path` that this object holds a
/// reference on.
pub struct OpenBlockDevice {
    file: NonNull<bindings::file>,
}

// SAFETY: The reference on the file may be dropped from any thread (`bdev_fput` only needs
// process context, which `Drop` of a kernel object has).
unsafe impl Send for OpenBlockDevice {}
// SAFETY: `&OpenBlockDevice` only gives out `&BlockDevice`, which is `Sync`.
unsafe impl Sync for OpenBlockDevice {}

impl OpenBlockDevice {
    /// Opens the block device at `path` (`bdev_file_open_by_path()`).
    pub fn open_by_path(path: &CStr, access: Access) -> Result<Self> {
        let mode = match access {
            Access::Read => bindings::BLK_OPEN_READ,
            Access::ReadWrite => bindings::BLK_OPEN_READ | bindings::BLK_OPEN_WRITE,
        };
        // SAFETY: `path` is NUL-terminated; without `BLK_OPEN_EXCL` the holder and its
        // operations may be NULL.
        let file = from_err_ptr(unsafe {
            bindings::bdev_file_open_by_path(
                path.as_char_ptr(),
                mode,
                core::ptr::null_mut(),
                core::ptr::null(),
            )
        })?;
        // INVARIANT: `file` is a valid bdev file we hold a reference on (not an error pointer).
        Ok(Self {
            file: NonNull::new(file).ok_or(EINVAL)?,
        })
    }

    /// Returns the opened block device.
    pub fn bdev(&self) -> &BlockDevice {
        // SAFETY: By the type invariant `file` is an open bdev file.
        let bdev = unsafe { bindings::file_bdev(self.file.as_ptr()) };
        // SAFETY: The device stays open as long as `self` holds the file.
        unsafe { BlockDevice::from_raw(bdev) }
    }
}

impl Drop for OpenBlockDevice {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold a reference on the bdev file; it is released
        // once, here.
        unsafe { bindings::bdev_fput(self.file.as_ptr()) };
    }
}
