// SPDX-License-Identifier: GPL-2.0

//! The few system calls `std` does not wrap: positional vectored I/O (also with
//! `RWF_NOWAIT`), `fallocate`, `fstatfs` and shared mappings, called through the C library
//! `std` already links.

use std::{
    ffi::{c_int, c_long, c_void},
    fs::{File, OpenOptions},
    io::{self, IoSlice, IoSliceMut},
    os::{fd::AsRawFd, unix::fs::OpenOptionsExt},
    path::Path,
    ptr::NonNull,
};

/// `O_DIRECT` on x86-64 (the project's VM); other architectures use other values.
pub const O_DIRECT: i32 = 0o40000;
/// `FALLOC_FL_KEEP_SIZE`.
pub const FALLOC_FL_KEEP_SIZE: i32 = 1;
/// `RWF_NOWAIT`: fail with `EAGAIN` rather than block.
pub const RWF_NOWAIT: i32 = 8;
/// `EAGAIN`.
pub const EAGAIN: i32 = 11;
/// `EINVAL`.
pub const EINVAL: i32 = 22;
/// `EOPNOTSUPP`.
pub const EOPNOTSUPP: i32 = 95;

const PROT_READ: c_int = 1;
const PROT_WRITE: c_int = 2;
const MAP_SHARED: c_int = 1;

extern "C" {
    fn pwritev(fd: c_int, iov: *const IoSlice<'_>, iovcnt: c_int, offset: c_long) -> isize;
    fn preadv(fd: c_int, iov: *const IoSliceMut<'_>, iovcnt: c_int, offset: c_long) -> isize;
    fn pwritev2(
        fd: c_int,
        iov: *const IoSlice<'_>,
        iovcnt: c_int,
        offset: c_long,
        flags: c_int,
    ) -> isize;
    fn preadv2(
        fd: c_int,
        iov: *const IoSliceMut<'_>,
        iovcnt: c_int,
        offset: c_long,
        flags: c_int,
    ) -> isize;
    fn fallocate(fd: c_int, mode: c_int, offset: c_long, len: c_long) -> c_int;
    fn fstatfs(fd: c_int, buf: *mut StatFs) -> c_int;
    fn mmap(
        addr: *mut c_void,
        len: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        offset: c_long,
    ) -> *mut c_void;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
}

fn offset(pos: u64) -> io::Result<c_long> {
    c_long::try_from(pos).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

fn count(n: usize) -> io::Result<c_int> {
    c_int::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// Opens `path` for reading and writing, with `O_DIRECT` when `direct`.
pub fn open(path: &Path, direct: bool) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(if direct { O_DIRECT } else { 0 })
        .open(path)
}

/// Opens an existing file for reading and writing, with `O_DIRECT` when `direct`: what
/// verifying a finished run uses, so that a missing file is an error, not an empty one.
pub fn open_existing(path: &Path, direct: bool) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(if direct { O_DIRECT } else { 0 })
        .open(path)
}

/// Opens an existing file for `O_DIRECT` appends (`O_APPEND`) and reads.
pub fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .custom_flags(O_DIRECT)
        .open(path)
}

/// `pwritev(2)`: the bytes written.
pub fn write_vectored_at(file: &File, bufs: &[IoSlice<'_>], pos: u64) -> io::Result<usize> {
    // SAFETY: `IoSlice` is ABI compatible with `struct iovec`, and every slice is valid for
    // reading for the duration of the call.
    let n = unsafe {
        pwritev(
            file.as_raw_fd(),
            bufs.as_ptr(),
            count(bufs.len())?,
            offset(pos)?,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// `preadv(2)`: the bytes read.
pub fn read_vectored_at(file: &File, bufs: &mut [IoSliceMut<'_>], pos: u64) -> io::Result<usize> {
    // SAFETY: `IoSliceMut` is ABI compatible with `struct iovec`, and every slice is valid
    // for writing and not otherwise borrowed for the duration of the call.
    let n = unsafe {
        preadv(
            file.as_raw_fd(),
            bufs.as_mut_ptr(),
            count(bufs.len())?,
            offset(pos)?,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// `pwritev2(2)` with `flags` (`RWF_*`): the bytes written.
pub fn write_vectored_at_flags(
    file: &File,
    bufs: &[IoSlice<'_>],
    pos: u64,
    flags: i32,
) -> io::Result<usize> {
    // SAFETY: As in `write_vectored_at`.
    let n = unsafe {
        pwritev2(
            file.as_raw_fd(),
            bufs.as_ptr(),
            count(bufs.len())?,
            offset(pos)?,
            flags,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// `preadv2(2)` with `flags` (`RWF_*`): the bytes read.
pub fn read_vectored_at_flags(
    file: &File,
    bufs: &mut [IoSliceMut<'_>],
    pos: u64,
    flags: i32,
) -> io::Result<usize> {
    // SAFETY: As in `read_vectored_at`.
    let n = unsafe {
        preadv2(
            file.as_raw_fd(),
            bufs.as_mut_ptr(),
            count(bufs.len())?,
            offset(pos)?,
            flags,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// `struct statfs` on x86-64 (120 bytes); only `f_type`, the first field, is used.
#[repr(C)]
struct StatFs {
    f_type: i64,
    _rest: [u64; 14],
}

/// The magic number of the file system holding `file` (`statfs.f_type`).
pub fn fs_type(file: &File) -> io::Result<u64> {
    let mut buf = StatFs {
        f_type: 0,
        _rest: [0; 14],
    };
    // SAFETY: `buf` is a writable `struct statfs` for the duration of the call.
    if unsafe { fstatfs(file.as_raw_fd(), &mut buf) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(buf.f_type as u64)
}

/// `fallocate(2)`.
pub fn allocate(file: &File, mode: i32, pos: u64, len: u64) -> io::Result<()> {
    // SAFETY: Plain system call on a valid descriptor; no memory is passed.
    let r = unsafe { fallocate(file.as_raw_fd(), mode, offset(pos)?, offset(len)?) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A shared, writable mapping of a file range.
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

impl Mapping {
    /// Maps `len` bytes of `file` from offset 0.
    pub fn new(file: &File, len: usize) -> io::Result<Self> {
        // SAFETY: A new mapping chosen by the kernel; it aliases no Rust object.
        let p = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                PROT_READ | PROT_WRITE,
                MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        // MAP_FAILED is (void *)-1.
        if p as isize == -1 {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast()).ok_or_else(io::Error::last_os_error)?;
        Ok(Self { ptr, len })
    }

    /// Stores `data` at `at` through the mapping.
    pub fn store(&self, at: usize, data: &[u8]) {
        assert!(at + data.len() <= self.len, "store outside the mapping");
        // SAFETY: In bounds (checked above); the mapping is ours and the file is not
        // truncated while it exists, so the pages are there.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.as_ptr().add(at), data.len())
        };
    }

    /// The mapped bytes, for use as the buffer of a system call.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: As in `store`; other processes do not write to the scenarios' files.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The mapped bytes, writable, for use as the buffer of a system call.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: As in `as_slice`, and borrowed mutably with `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Loads `len` bytes at `at` through the mapping.
    pub fn load(&self, at: usize, len: usize) -> Vec<u8> {
        assert!(at + len <= self.len, "load outside the mapping");
        let mut out = vec![0; len];
        // SAFETY: As in `store`.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(at), out.as_mut_ptr(), len) };
        out
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: Mapped in `new` with this length; nothing borrows it any more.
        unsafe { munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
