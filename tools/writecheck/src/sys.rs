// SPDX-License-Identifier: GPL-2.0

//! The few system calls `std` does not wrap, called through the C library `std` links.

use std::{
    ffi::{c_int, c_long, c_void},
    fs::File,
    io,
    ops::Range,
    os::fd::AsRawFd,
    path::Path,
    ptr::NonNull,
};

const PROT_NONE: c_int = 0;
const PROT_READ: c_int = 1;
const PROT_WRITE: c_int = 2;
const MAP_PRIVATE: c_int = 2;
const MAP_ANONYMOUS: c_int = 0x20;
const POSIX_FADV_DONTNEED: c_int = 4;

extern "C" {
    fn mmap(
        addr: *mut c_void,
        len: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        offset: c_long,
    ) -> *mut c_void;
    fn mprotect(addr: *mut c_void, len: usize, prot: c_int) -> c_int;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
    fn posix_fadvise(fd: c_int, offset: c_long, len: c_long, advice: c_int) -> c_int;
    fn syncfs(fd: c_int) -> c_int;
}

/// An anonymous private mapping, unmapped when dropped.
///
/// # Invariants
///
/// `ptr` is the start of a mapping of `len` bytes this value owns.
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

impl Mapping {
    /// Maps `len` bytes of zeroes, readable and writable.
    pub fn anonymous(len: usize) -> io::Result<Self> {
        // SAFETY: A new anonymous mapping touches no existing memory.
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr as isize == -1 {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(ptr.cast()).ok_or_else(|| io::Error::from(io::ErrorKind::Other))?;
        // INVARIANT: `mmap` returned a new mapping of `len` bytes.
        Ok(Self { ptr, len })
    }

    /// Sets every byte to `byte`; the whole mapping must still be writable.
    pub fn fill(&self, byte: u8) {
        // SAFETY: By the type invariant the mapping is `len` bytes, readable and writable
        // until `protect_none` is called, which callers do after filling.
        unsafe { self.ptr.as_ptr().write_bytes(byte, self.len) };
    }

    /// Makes `pages` (byte offsets, page aligned) inaccessible.
    pub fn protect_none(&self, pages: Range<usize>) -> io::Result<()> {
        if pages.start > pages.end || pages.end > self.len {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        }
        // SAFETY: The range lies inside the mapping this value owns.
        let ret = unsafe {
            mprotect(
                self.ptr.as_ptr().add(pages.start).cast(),
                pages.len(),
                PROT_NONE,
            )
        };
        if ret != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The mapping as a slice, to hand to a system call.
    ///
    /// # Safety
    ///
    /// Parts made inaccessible by [`Mapping::protect_none`] must not be read by this
    /// process: only the kernel may touch them (and fail with `EFAULT`).
    pub unsafe fn as_slice(&self) -> &[u8] {
        // SAFETY: By the type invariant the mapping is `len` bytes; the caller reads only
        // its accessible parts.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the mapping is ours; nothing borrows it any more.
        unsafe { munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// Drops the clean page cache of `file`, so that the next read comes from the device.
pub fn drop_cache(file: &File) -> io::Result<()> {
    // SAFETY: Plain system call on a valid descriptor.
    match unsafe { posix_fadvise(file.as_raw_fd(), 0, 0, POSIX_FADV_DONTNEED) } {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}

/// `syncfs(2)` on the file system of directory `dir`.
pub fn sync_file_system(dir: &Path) -> io::Result<()> {
    let dir = File::open(dir)?;
    // SAFETY: Plain system call on a valid descriptor.
    if unsafe { syncfs(dir.as_raw_fd()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
