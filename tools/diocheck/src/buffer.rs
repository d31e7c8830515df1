// SPDX-License-Identifier: GPL-2.0

//! Page-aligned buffers, as `O_DIRECT` wants them.

use std::{
    alloc::{alloc_zeroed, dealloc, handle_alloc_error, Layout},
    ops::{Deref, DerefMut},
    ptr::NonNull,
};

const ALIGN: usize = 4096;

/// A zeroed, 4096-byte aligned heap buffer of a fixed length.
pub struct Aligned {
    ptr: NonNull<u8>,
    len: usize,
    layout: Layout,
}

// SAFETY: `Aligned` owns its allocation exclusively, like a `Box<[u8]>`.
unsafe impl Send for Aligned {}

impl Aligned {
    /// A zeroed buffer of `len` bytes.
    pub fn new(len: usize) -> Self {
        // At least one page, so that even an empty buffer is a valid allocation.
        let layout = match Layout::from_size_align(len.max(ALIGN), ALIGN) {
            Ok(layout) => layout,
            Err(_) => handle_alloc_error(Layout::new::<u8>()),
        };
        // SAFETY: The layout's size is non-zero.
        let ptr = unsafe { alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(ptr) else {
            handle_alloc_error(layout)
        };
        Self { ptr, len, layout }
    }

    /// A buffer holding a copy of `data`.
    pub fn from_slice(data: &[u8]) -> Self {
        let mut b = Self::new(data.len());
        b.copy_from_slice(data);
        b
    }
}

impl Deref for Aligned {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `len` bytes of the zero-initialised allocation, borrowed with `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for Aligned {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: As in `deref`, and borrowed mutably with `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Aligned {
    fn drop(&mut self) {
        // SAFETY: Allocated in `new` with this layout.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::Aligned;

    #[test]
    fn page_aligned_and_zeroed() {
        for len in [0, 1, 512, 4096, 65536 + 512] {
            let b = Aligned::new(len);
            assert_eq!(b.len(), len);
            assert_eq!(b.as_ptr() as usize % 4096, 0);
            assert!(b.iter().all(|&x| x == 0));
        }
        assert_eq!(&*Aligned::from_slice(b"abc"), b"abc");
    }
}
