// SPDX-License-Identifier: GPL-2.0

//! Block I/O requests (`struct bio`) and the bounce-buffer helpers of direct I/O.
//!
//! Devices that compute a checksum or parity over the data (T10/NVMe protection information)
//! need the data to stay unchanged while the I/O is in flight. Zero-copy direct I/O maps the
//! caller's pages into the bio, so the caller could change them; `bio_iov_iter_bounce()`
//! instead copies through kernel pages ("bounce buffers"), and `bio_iov_iter_unbounce()` copies
//! read data back and frees them. [`Bounced`] pairs the two so that neither can be forgotten
//! nor done twice.
//!
//! C headers: [`include/linux/bio.h`](srctree/include/linux/bio.h),
//! [`include/linux/blk_types.h`](srctree/include/linux/blk_types.h)

use crate::{
    alloc::Flags,
    bindings,
    block::bdev::BlockDevice,
    error::{to_result, Result},
    iov::{IovIterDest, IovIterSource},
    prelude::*,
    sync::aref::{ARef, AlwaysRefCounted},
    types::Opaque,
};
use core::{marker::PhantomData, mem::MaybeUninit, ptr::NonNull};

/// The most segments one bio can have (`BIO_MAX_VECS`).
pub const MAX_VECS: u16 = bindings::BIO_MAX_VECS as u16;

/// The operation of a bio (`REQ_OP_*`), without its flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `REQ_OP_READ`: data flows from the device into memory.
    Read,
    /// `REQ_OP_WRITE`: data flows from memory to the device.
    Write,
    /// Any other operation (flush, discard, zone management...), as its `REQ_OP_*` value.
    Other(u32),
}

impl Operation {
    /// Returns the `REQ_OP_*` value.
    pub fn as_raw(self) -> bindings::blk_opf_t {
        match self {
            Self::Read => bindings::req_op_REQ_OP_READ,
            Self::Write => bindings::req_op_REQ_OP_WRITE,
            Self::Other(op) => op,
        }
    }

    /// Decodes the operation part of `opf` (a bio's `bi_opf`).
    pub fn from_opf(opf: bindings::blk_opf_t) -> Self {
        match opf & bindings::REQ_OP_MASK {
            bindings::req_op_REQ_OP_READ => Self::Read,
            bindings::req_op_REQ_OP_WRITE => Self::Write,
            op => Self::Other(op),
        }
    }

    /// Returns whether data flows to the device (`op_is_write()`: odd operations write).
    pub fn is_write(self) -> bool {
        self.as_raw() & 1 != 0
    }
}

/// A block I/O request.
///
/// # Invariants
///
/// The wrapped `struct bio` is valid for the lifetime of every reference; an [`ARef<Bio>`]
/// holds one of its references (`bio_get()`/`bio_put()`).
#[repr(transparent)]
pub struct Bio(Opaque<bindings::bio>);

// SAFETY: A bio's reference count is atomic and the block layer may complete a bio on any CPU;
// the accessors below only read fields that are stable while the caller holds the bio.
unsafe impl Send for Bio {}
// SAFETY: See `Send`; shared references only read.
unsafe impl Sync for Bio {}

// SAFETY: `bio_get()`/`bio_put()` keep the bio alive while the count is non-zero.
unsafe impl AlwaysRefCounted for Bio {
    fn inc_ref(&self) {
        // SAFETY: By the type invariant the bio is valid.
        unsafe { bindings::bio_get(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it owns.
        unsafe { bindings::bio_put(obj.cast().as_ptr()) };
    }
}

impl Bio {
    /// Allocates a bio with room for `nr_vecs` segments from the file system bio set
    /// (`bio_alloc()`), for `operation` on `bdev` (`None`: no device yet).
    pub fn alloc(
        bdev: Option<&BlockDevice>,
        nr_vecs: u16,
        operation: Operation,
        flags: Flags,
    ) -> Result<ARef<Self>> {
        if nr_vecs > MAX_VECS {
            return Err(EINVAL);
        }
        let bdev = bdev.map_or(core::ptr::null_mut(), BlockDevice::as_raw);
        // SAFETY: `bdev` is NULL or an open device; `fs_bio_set` is initialised at boot.
        let bio = unsafe {
            bindings::bio_alloc_bioset(
                bdev,
                nr_vecs,
                operation.as_raw(),
                flags.as_raw(),
                &raw mut bindings::fs_bio_set,
            )
        };
        let bio = NonNull::new(bio).ok_or(ENOMEM)?;
        // SAFETY: A newly allocated bio comes with one reference, which we now own.
        Ok(unsafe { ARef::from_raw(bio.cast()) })
    }

    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a valid `struct bio` that stays valid for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::bio) -> &'a Self {
        // SAFETY: `Bio` is a transparent wrapper of `struct bio`; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    /// Returns the raw pointer to the `struct bio`.
    pub fn as_raw(&self) -> *mut bindings::bio {
        self.0.get()
    }

    fn raw(&self) -> &bindings::bio {
        // SAFETY: By the type invariant the bio is valid; fields are read, not written.
        unsafe { &*self.as_raw() }
    }

    /// Returns the bio's operation.
    pub fn operation(&self) -> Operation {
        Operation::from_opf(self.raw().bi_opf)
    }

    /// Returns the first sector (512 bytes) the bio addresses on its device.
    pub fn sector(&self) -> u64 {
        self.raw().bi_iter.bi_sector
    }

    /// Returns the number of bytes the bio transfers.
    pub fn size(&self) -> u32 {
        self.raw().bi_iter.bi_size
    }

    /// Returns the number of segments in use (`bi_vcnt`).
    pub fn segments(&self) -> u16 {
        self.raw().bi_vcnt
    }

    /// Returns the number of segments the bio has room for (`bi_max_vecs`).
    pub fn max_segments(&self) -> u16 {
        self.raw().bi_max_vecs
    }

    /// Returns the bio's completion status (`bi_status`) as a result: the errno the block
    /// layer maps it to (`EILSEQ` for a protection-information mismatch, `EIO`...).
    pub fn status(&self) -> Result {
        // SAFETY: `blk_status_to_errno` accepts any status value.
        to_result(unsafe { bindings::blk_status_to_errno(self.raw().bi_status) })
    }

    /// Returns how many segments a bio needs to bounce the next part of `iter`
    /// (`bio_iov_bounce_nr_vecs()`): for reads, one more than the caller's segments, for the
    /// bounce buffer itself. The direction follows from the iterator's type.
    pub fn bounce_nr_vecs<I: BounceIter>(iter: &mut I) -> u16 {
        let raw = iter.as_raw_iter();
        // SAFETY: `raw` is the valid iterator of a live `IovIterSource`/`IovIterDest`.
        unsafe { bindings::bio_iov_bounce_nr_vecs(raw, I::OPERATION.as_raw()) }
    }

    /// Checks what `bio_iov_iter_bounce()` would otherwise `WARN` about.
    fn check_bounceable(&self, operation: Operation) -> Result {
        let raw = self.raw();
        let cloned = u32::from(raw.bi_flags) & (1 << bindings::BIO_CLONED) != 0;
        if self.operation() != operation || cloned || raw.bi_iter.bi_size != 0 {
            return Err(EINVAL);
        }
        if raw.bi_vcnt >= raw.bi_max_vecs || (operation == Operation::Read && raw.bi_max_vecs < 2) {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Bounces up to `maxlen` bytes of `src` into a write bio (`bio_iov_iter_bounce()`): kernel
    /// pages are allocated (in units of at least `minsize` bytes, which must be a power of two
    /// and is the alignment the device needs) and the data is copied into them, so later
    /// changes to the caller's buffer cannot reach the device. `src` advances by exactly
    /// [`Bio::size`] bytes.
    ///
    /// Fails with `EINVAL` unless the bio is an empty, uncloned write bio, `src` has data,
    /// `maxlen` is not 0 and `minsize` is a power of two; with `EFAULT` if the source cannot be
    /// read (nothing is consumed then); with `ENOMEM`.
    pub fn bounce_write<'data>(
        this: ARef<Self>,
        src: &mut IovIterSource<'data>,
        maxlen: usize,
        minsize: usize,
    ) -> Result<Bounced<'data, ToDevice>> {
        // SAFETY: `src` is valid for reads for `'data`.
        unsafe { Self::bounce(this, src, maxlen, minsize) }
    }

    /// Prepares a read bio that lands in a bounce buffer and is copied to up to `maxlen` bytes
    /// of `dst` by [`Bounced::unbounce`]. The pages of `dst` are held (pinned when user memory)
    /// until then, which the `'data` lifetime of the result expresses. `dst` advances by
    /// exactly [`Bio::size`] bytes.
    ///
    /// Fails with `EINVAL` unless the bio is an empty, uncloned read bio with at least two
    /// segments, `dst` has room, `maxlen` is not 0 and `minsize` is a power of two; with
    /// `ENOMEM`.
    pub fn bounce_read<'data>(
        this: ARef<Self>,
        dst: &mut IovIterDest<'data>,
        maxlen: usize,
        minsize: usize,
    ) -> Result<Bounced<'data, FromDevice>> {
        // SAFETY: `dst` is valid for writes for `'data`.
        unsafe { Self::bounce(this, dst, maxlen, minsize) }
    }

    /// Checks the bio and calls `bio_iov_iter_bounce()` in the iterator's direction.
    ///
    /// # Safety
    ///
    /// The memory `iter` describes must stay valid, for reads if it is a source and for
    /// writes if it is a destination, for `'data`.
    unsafe fn bounce<'data, I: BounceIter>(
        this: ARef<Self>,
        iter: &mut I,
        maxlen: usize,
        minsize: usize,
    ) -> Result<Bounced<'data, I::Direction>> {
        this.check_bounceable(I::OPERATION)?;
        // Nothing to bounce would reach the page allocator as a request of order
        // `get_order(0)` (52 on x86-64), which it refuses with a warning.
        if !minsize.is_power_of_two() || maxlen == 0 || iter.remaining() == 0 {
            return Err(EINVAL);
        }
        let raw = iter.as_raw_iter();
        // Pages of user memory a read fills are dirtied by the copy back.
        let mark_dirty = if I::OPERATION == Operation::Read {
            // SAFETY: `raw` is a valid iterator.
            unsafe { bindings::user_backed_iter(raw) }
        } else {
            false
        };
        // SAFETY: The bio is an empty, uncloned bio in the iterator's direction that we hold;
        // the caller guarantees the iterator's memory for `'data`, which the result carries.
        to_result(unsafe { bindings::bio_iov_iter_bounce(this.as_raw(), raw, maxlen, minsize) })?;
        // INVARIANT: `bio_iov_iter_bounce()` succeeded on the bio, in the direction of `I`; the
        // caller guarantees the memory for `'data`.
        Ok(Bounced {
            bio: this,
            mark_dirty,
            _data: PhantomData,
        })
    }
}

/// An I/O vector that can be bounced: [`IovIterSource`] for writes, [`IovIterDest`] for reads.
pub trait BounceIter: private::Sealed {
    /// The bio operation that moves data in this iterator's direction.
    const OPERATION: Operation;
    /// [`ToDevice`] or [`FromDevice`]: what the bounce buffer holds.
    type Direction: private::Sealed;
    /// Returns the raw iterator.
    fn as_raw_iter(&mut self) -> *mut bindings::iov_iter;
    /// Returns the bytes left in the iterator.
    fn remaining(&self) -> usize;
}

/// The bounce buffer of a write: a copy of the caller's data, initialised.
pub struct ToDevice;
/// The bounce buffer of a read: memory the device fills, uninitialised until it has.
pub struct FromDevice;

mod private {
    pub trait Sealed {}
    impl Sealed for crate::iov::IovIterSource<'_> {}
    impl Sealed for crate::iov::IovIterDest<'_> {}
    impl Sealed for super::ToDevice {}
    impl Sealed for super::FromDevice {}
}

impl BounceIter for IovIterSource<'_> {
    const OPERATION: Operation = Operation::Write;
    type Direction = ToDevice;
    fn as_raw_iter(&mut self) -> *mut bindings::iov_iter {
        self.as_raw()
    }
    fn remaining(&self) -> usize {
        self.len()
    }
}

impl BounceIter for IovIterDest<'_> {
    const OPERATION: Operation = Operation::Read;
    type Direction = FromDevice;
    fn as_raw_iter(&mut self) -> *mut bindings::iov_iter {
        self.as_raw()
    }
    fn remaining(&self) -> usize {
        self.len()
    }
}

/// A bio whose data goes through bounce buffers, set up by [`Bio::bounce_write`]
/// (`D` = [`ToDevice`]) or [`Bio::bounce_read`] (`D` = [`FromDevice`]).
///
/// [`Bounced::unbounce`] finishes it: for reads it copies the data into the caller's memory
/// (unless the I/O failed), then frees the bounce buffers and releases the caller's pages.
/// Dropping it without unbouncing releases everything without copying, as after an error.
///
/// # Invariants
///
/// `bio` was set up by a successful `bio_iov_iter_bounce()` in the direction `D` and has not
/// been unbounced; for reads it references memory valid for `'data`.
pub struct Bounced<'data, D> {
    bio: ARef<Bio>,
    mark_dirty: bool,
    _data: PhantomData<(&'data mut [u8], D)>,
}

impl<D> Bounced<'_, D> {
    /// Returns the bio, for example to set its sector and submit it.
    pub fn bio(&self) -> &Bio {
        &self.bio
    }

    /// Calls `f` with the address and length of each of the first `count` segments.
    fn for_each_segment(&mut self, count: u16, mut f: impl FnMut(*mut u8, usize)) {
        let raw = self.bio.as_raw();
        for i in 0..usize::from(count.min(self.bio.segments())) {
            // SAFETY: `i < bi_vcnt`: an initialised entry of the bio's vector, which nobody
            // else changes while the bio is set up and ours (type invariant).
            let (addr, len) = unsafe {
                let bvec = (*raw).bi_io_vec.add(i);
                (
                    bindings::bvec_virt(bvec).cast::<u8>(),
                    (*bvec).bv_len as usize,
                )
            };
            f(addr, len);
        }
    }

    /// Finishes the bounce (`bio_iov_iter_unbounce()`) and returns the bio. With
    /// `succeeded == false` (the I/O failed) a read copies nothing into the caller's memory.
    pub fn unbounce(self, succeeded: bool) -> ARef<Bio> {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: By the type invariant the bio is set up and not yet unbounced; `this` is not
        // dropped, so it is unbounced once.
        unsafe {
            bindings::bio_iov_iter_unbounce(
                this.bio.as_raw(),
                !succeeded,
                this.mark_dirty && succeeded,
            )
        };
        // SAFETY: `this.bio` is read once and `this` is never used or dropped again.
        unsafe { core::ptr::read(&this.bio) }
    }
}

impl Bounced<'_, ToDevice> {
    /// Calls `f` on each bounce buffer segment in order: the stable copy of the data the
    /// write will send, for example to checksum it, or in tests to look at it.
    pub fn for_each_bounce_segment(&mut self, mut f: impl FnMut(&mut [u8])) {
        let count = self.bio.segments();
        self.for_each_segment(count, |addr, len| {
            // Every segment of a bounced write is a bounce folio from
            // `folio_alloc_greedy(GFP_KERNEL)` (direct map) that `bio_iov_iter_bounce()` filled.
            // SAFETY: `len` initialised bytes at `addr`, ours alone while we hold `&mut self`.
            let segment = unsafe { core::slice::from_raw_parts_mut(addr, len) };
            f(segment)
        });
    }
}

impl Bounced<'_, FromDevice> {
    /// Calls `f` on the bounce buffer: the space the device fills, which
    /// [`Bounced::unbounce`] copies to the caller. Nothing initialised it, so it is
    /// [`MaybeUninit`]; in tests a stand-in for the device writes it.
    pub fn for_each_bounce_segment(&mut self, mut f: impl FnMut(&mut [MaybeUninit<u8>])) {
        // For reads the bounce buffer is segment 0 alone; the others are the caller's pages.
        self.for_each_segment(1, |addr, len| {
            // Segment 0 of a bounced read is its bounce folio, in the direct map
            // (`folio_alloc_greedy(GFP_KERNEL)`); `MaybeUninit` claims nothing of its contents.
            // SAFETY: `len` bytes at `addr`, ours alone while we hold `&mut self`.
            let segment = unsafe { core::slice::from_raw_parts_mut(addr.cast(), len) };
            f(segment)
        });
    }
}

impl<D> Drop for Bounced<'_, D> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the bio is set up and not yet unbounced; as an error,
        // nothing is copied.
        unsafe { bindings::bio_iov_iter_unbounce(self.bio.as_raw(), true, false) };
    }
}

#[macros::kunit_tests(rust_bio_bounce)]
mod tests {
    use super::*;
    use crate::alloc::flags::GFP_KERNEL;

    const LEN: usize = 3 * 4096 + 1024;

    /// A kvec-backed iterator over `buf`, in direction `dir` (`ITER_SOURCE`/`ITER_DEST`).
    fn kvec_iter(buf: &mut [u8], kvec: &mut bindings::kvec, dir: u32) -> bindings::iov_iter {
        kvec.iov_base = buf.as_mut_ptr().cast();
        kvec.iov_len = buf.len();
        // SAFETY: All-zero is a valid `iov_iter` (an empty one), initialised right below.
        let mut iter: bindings::iov_iter = unsafe { core::mem::zeroed() };
        // SAFETY: `kvec` describes `buf`, which outlives the iterator in every test.
        unsafe { bindings::iov_iter_kvec(&mut iter, dir, kvec, 1, buf.len()) };
        iter
    }

    fn pattern(len: usize, seed: u8) -> Result<KVec<u8>> {
        let mut v = KVec::with_capacity(len, GFP_KERNEL)?;
        for i in 0..len {
            v.push((i as u8).wrapping_mul(31).wrapping_add(seed), GFP_KERNEL)?;
        }
        Ok(v)
    }

    #[test]
    fn write_bounce_copies_and_advances() -> Result {
        let mut data = pattern(LEN, 7)?;
        let expected = pattern(LEN, 7)?;
        // SAFETY: All-zero is a valid `kvec`.
        let mut kvec: bindings::kvec = unsafe { core::mem::zeroed() };
        let mut raw_iter = kvec_iter(&mut data, &mut kvec, bindings::ITER_SOURCE);
        // SAFETY: A valid source iterator over `data`, used only through this reference.
        let src = unsafe { IovIterSource::from_raw(&mut raw_iter) };
        let nr_vecs = Bio::bounce_nr_vecs(src);
        let bio = Bio::alloc(None, nr_vecs, Operation::Write, GFP_KERNEL)?;
        let mut bounced = Bio::bounce_write(bio, src, LEN, 512)?;
        let size = bounced.bio().size() as usize;
        assert_eq!(size, LEN);
        assert_eq!(src.len(), LEN - size);
        assert!(bounced.bio().segments() <= nr_vecs);

        // Changing the caller's buffer now must not change what the device would see.
        data.iter_mut().for_each(|b| *b = !*b);
        let mut seen = KVec::new();
        let mut copy_result = Ok(());
        bounced.for_each_bounce_segment(|seg| {
            if copy_result.is_ok() {
                copy_result = seen.extend_from_slice(seg, GFP_KERNEL);
            }
        });
        copy_result?;
        assert_eq!(&seen[..], &expected[..size]);
        bounced.unbounce(true);
        Ok(())
    }

    #[test]
    fn read_unbounce_copies_only_on_success() -> Result {
        for succeeded in [true, false] {
            let mut data = KVec::from_elem(0u8, LEN, GFP_KERNEL)?;
            // SAFETY: All-zero is a valid `kvec`.
            let mut kvec: bindings::kvec = unsafe { core::mem::zeroed() };
            let mut raw_iter = kvec_iter(&mut data, &mut kvec, bindings::ITER_DEST);
            // SAFETY: A valid destination iterator over `data`, used only through this reference.
            let dst = unsafe { IovIterDest::from_raw(&mut raw_iter) };
            let nr_vecs = Bio::bounce_nr_vecs(dst);
            let bio = Bio::alloc(None, nr_vecs, Operation::Read, GFP_KERNEL)?;
            let mut bounced = Bio::bounce_read(bio, dst, LEN, 512)?;
            let size = bounced.bio().size() as usize;
            assert_eq!(size, LEN);
            assert_eq!(dst.len(), 0);
            // Segment 0 is the bounce buffer, the rest are the caller's pages.
            assert!(bounced.bio().segments() < nr_vecs);

            // Stand in for the device: fill the bounce buffer.
            let device = pattern(size, 3)?;
            let mut off = 0;
            bounced.for_each_bounce_segment(|seg| {
                for (to, from) in seg.iter_mut().zip(&device[off..]) {
                    to.write(*from);
                }
                off += seg.len();
            });
            assert_eq!(off, size);
            // Nothing reaches the caller before unbounce.
            assert!(data.iter().all(|&b| b == 0));

            bounced.unbounce(succeeded);
            if succeeded {
                assert_eq!(&data[..], &device[..]);
            } else {
                // A failed read copies nothing.
                assert!(data.iter().all(|&b| b == 0));
            }
        }
        Ok(())
    }

    #[test]
    fn nr_vecs_bound_what_bouncing_uses() -> Result {
        // Many small kvecs: a read needs one segment per page of the caller plus the buffer.
        let mut bufs = KVec::new();
        for _ in 0..8 {
            bufs.push(KVec::from_elem(0u8, 512, GFP_KERNEL)?, GFP_KERNEL)?;
        }
        let mut kvecs = KVec::new();
        for b in bufs.iter_mut() {
            kvecs.push(
                bindings::kvec {
                    iov_base: b.as_mut_ptr().cast(),
                    iov_len: b.len(),
                },
                GFP_KERNEL,
            )?;
        }
        for op in [Operation::Read, Operation::Write] {
            // SAFETY: All-zero is a valid `iov_iter`, initialised right below.
            let mut raw_iter: bindings::iov_iter = unsafe { core::mem::zeroed() };
            let dir = if op.is_write() {
                bindings::ITER_SOURCE
            } else {
                bindings::ITER_DEST
            };
            // SAFETY: `kvecs` describe the live buffers of `bufs`.
            unsafe {
                bindings::iov_iter_kvec(&mut raw_iter, dir, kvecs.as_ptr(), kvecs.len(), 8 * 512)
            };
            // (segments the bio has room for, segments used, bytes), bounce dropped.
            let (nr_vecs, used, size) = if op.is_write() {
                // SAFETY: A valid source iterator, used only through this reference.
                let src = unsafe { IovIterSource::from_raw(&mut raw_iter) };
                let nr_vecs = Bio::bounce_nr_vecs(src);
                let bio = Bio::alloc(None, nr_vecs, op, GFP_KERNEL)?;
                let bounced = Bio::bounce_write(bio, src, usize::MAX, 512)?;
                (nr_vecs, bounced.bio().segments(), bounced.bio().size())
            } else {
                // SAFETY: A valid destination iterator, used only through this reference.
                let dst = unsafe { IovIterDest::from_raw(&mut raw_iter) };
                let nr_vecs = Bio::bounce_nr_vecs(dst);
                let bio = Bio::alloc(None, nr_vecs, op, GFP_KERNEL)?;
                let bounced = Bio::bounce_read(bio, dst, usize::MAX, 512)?;
                (nr_vecs, bounced.bio().segments(), bounced.bio().size())
            };
            assert!(used <= nr_vecs);
            assert_eq!(size, 8 * 512);
            if op == Operation::Read {
                // One segment for the buffer, and the caller's pages after it.
                assert_eq!(nr_vecs, 8 + 1);
            }
        }
        Ok(())
    }

    #[test]
    fn misuse_is_refused_not_warned() -> Result {
        let mut data = pattern(4096, 1)?;
        // SAFETY: All-zero is a valid `kvec`.
        let mut kvec: bindings::kvec = unsafe { core::mem::zeroed() };
        let mut raw_iter = kvec_iter(&mut data, &mut kvec, bindings::ITER_SOURCE);
        // SAFETY: A valid source iterator, used only through this reference.
        let src = unsafe { IovIterSource::from_raw(&mut raw_iter) };
        let read_bio = Bio::alloc(None, 4, Operation::Read, GFP_KERNEL)?;
        assert!(Bio::bounce_write(read_bio, src, 4096, 512).is_err());
        let write_bio = Bio::alloc(None, 4, Operation::Write, GFP_KERNEL)?;
        assert!(Bio::bounce_write(write_bio, src, 4096, 3).is_err());
        assert_eq!(src.len(), 4096);
        assert!(Bio::alloc(None, MAX_VECS + 1, Operation::Write, GFP_KERNEL).is_err());
        Ok(())
    }

    #[test]
    fn nothing_to_bounce_is_refused() -> Result {
        // Without the check these reach `folio_alloc(get_order(0))`: an order-52 request the
        // page allocator refuses with a WARN, which fails the suite as a splat.
        let mut data = pattern(4096, 1)?;
        // SAFETY: All-zero is a valid `kvec`.
        let mut kvec: bindings::kvec = unsafe { core::mem::zeroed() };
        let mut raw_iter = kvec_iter(&mut data, &mut kvec, bindings::ITER_SOURCE);
        // SAFETY: A valid source iterator, used only through this reference.
        let src = unsafe { IovIterSource::from_raw(&mut raw_iter) };
        let bio = Bio::alloc(None, 4, Operation::Write, GFP_KERNEL)?;
        assert_eq!(Bio::bounce_write(bio, src, 0, 512).err(), Some(EINVAL));
        assert_eq!(src.len(), 4096);

        let mut empty = KVec::<u8>::new();
        // SAFETY: All-zero is a valid `kvec`.
        let mut kvec: bindings::kvec = unsafe { core::mem::zeroed() };
        let mut raw_iter = kvec_iter(&mut empty, &mut kvec, bindings::ITER_DEST);
        // SAFETY: A valid (empty) destination iterator, used only through this reference.
        let dst = unsafe { IovIterDest::from_raw(&mut raw_iter) };
        let bio = Bio::alloc(None, 4, Operation::Read, GFP_KERNEL)?;
        assert_eq!(Bio::bounce_read(bio, dst, 4096, 512).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn operations_match_the_c_constants() {
        // include/linux/blk_types.h: REQ_OP_READ 0, REQ_OP_WRITE 1, REQ_OP_FLUSH 2; the
        // flags sit above the 8 operation bits. Written out: comparing `as_raw` with the
        // bindings it returns would test nothing.
        assert_eq!(Operation::Read.as_raw(), 0);
        assert_eq!(Operation::Write.as_raw(), 1);
        assert_eq!(
            Operation::from_opf(1 | bindings::REQ_SYNC),
            Operation::Write
        );
        assert_eq!(Operation::from_opf(bindings::REQ_SYNC), Operation::Read);
        assert_eq!(Operation::from_opf(2), Operation::Other(2));
        assert_eq!(
            Operation::from_opf(Operation::Other(2).as_raw()),
            Operation::Other(2)
        );
        assert!(Operation::Write.is_write() && !Operation::Read.is_write());
        assert!(!Operation::Other(2).is_write());
        // bio.h: BIO_MAX_VECS 256U.
        assert_eq!(MAX_VECS, 256);
    }
}
