// SPDX-License-Identifier: GPL-2.0

//! Direct I/O through iomap (`iomap_dio_rw()`), with bounce buffering and completions in
//! process context.
//!
//! A file system calls [`rw`] from its `read_iter`/`write_iter` with its mapping
//! ([`super::Operations`]), its direct-I/O hooks ([`DioOperations`]) and [`DioFlags`]. With
//! [`DioFlags::BOUNCE`] iomap copies the data through kernel pages (`bio_iov_iter_bounce()`),
//! so a device that checksums the data sees pages nobody can change; a bounced read is copied
//! back to the caller only when it completes (`bio_iov_iter_unbounce()`), which must not happen
//! in interrupt context. The seed patch leaves that to the file system; here [`rw`] does it
//! for every file system: the bios of a bounced read always complete on the super block's
//! direct-I/O workqueue, where [`DioOperations::complete_in_task`] ends them. Other bios
//! get there with [`DioBio::submit_completing_in_task`].
//!
//! C header: [`include/linux/iomap.h`](srctree/include/linux/iomap.h)

use super::{DioFlags, Operations};
use crate::{
    bindings,
    block::bio::{Bio, BounceIter, Operation},
    error::Result,
    fs::{
        inode::Inode,
        regular::{Done, Iocb},
        sb::FileSystem,
    },
    prelude::*,
    types::ForeignOwnable,
    workqueue::{impl_has_work, new_work, Queue, Work, WorkItem},
};
use core::{
    marker::PhantomData,
    mem::ManuallyDrop,
    ptr::NonNull,
    sync::atomic::{AtomicPtr, Ordering::Acquire},
};

/// What a finished direct I/O covered, as iomap reports it to [`DioOperations::end_io`]
/// (`IOMAP_DIO_UNWRITTEN`, `IOMAP_DIO_COW`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndFlags(u32);

impl EndFlags {
    /// The I/O wrote into unwritten extents, which must now be converted.
    pub const UNWRITTEN: Self = Self(bindings::IOMAP_DIO_UNWRITTEN);
    /// The I/O wrote into copy-on-write extents.
    pub const COW: Self = Self(bindings::IOMAP_DIO_COW);

    /// Returns whether every flag of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

/// A file system's hooks into iomap direct I/O: `struct iomap_dio_ops`.
///
/// Implementing [`DioOperations::submit_io`] makes iomap allocate its bios from
/// `iomap_ioend_bioset`, whose private area carries what
/// [`DioBio::submit_completing_in_task`] needs.
#[vtable]
pub trait DioOperations: 'static {
    /// The file system the inodes belong to.
    type FileSystem: FileSystem;

    /// Called once the whole I/O of `size` bytes at `pos` finished (or failed with `status`):
    /// update the size after an extending write, convert unwritten extents. An error returned
    /// here fails the I/O; iomap's own error is never dropped.
    ///
    /// iomap calls it for reads too, and a read that crosses EOF reports the whole blocks it
    /// read, past EOF included: a file system that updates the size here must give reads
    /// tables without `end_io` (one `DioOperations` type for reads, one for writes, as XFS
    /// has `xfs_dio_read_ops`-less reads and `xfs_dio_write_ops`).
    ///
    /// # Context
    ///
    /// For a synchronous I/O it runs in the submitting task. For an asynchronous one (aio,
    /// io_uring) iomap runs it **in the last bio's completion, in hard or soft interrupt
    /// context**, for reads and for writes it sees no completion work in (overwrites of
    /// written blocks inside EOF, no cached pages to invalidate, no sync needed); it must
    /// not sleep, take a mutex or allocate with `GFP_KERNEL` there. iomap moves it to the
    /// super block's direct-I/O workqueue (process context) for failed I/O, writes into
    /// [`EndFlags::UNWRITTEN`] or copy-on-write extents, writes past EOF and `O_DSYNC` writes:
    /// work that sleeps belongs behind those conditions, as XFS's
    /// `xfs_dio_write_end_io()` does. `CONFIG_DEBUG_ATOMIC_SLEEP` reports a violation.
    fn end_io(
        _inode: &Inode<Self::FileSystem>,
        _pos: i64,
        _size: usize,
        _status: Result,
        _flags: EndFlags,
    ) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Submits one bio of the I/O, built by iomap for `file_offset`; call
    /// [`DioBio::submit`] or [`DioBio::submit_completing_in_task`]. A bio dropped without
    /// being submitted fails with `EIO`. The bios of a bounced read complete in a worker
    /// whichever is called, and with or without this hook.
    fn submit_io(_bio: DioBio<Self>, _file_offset: i64) {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Runs in process context for every bio submitted with
    /// [`DioBio::submit_completing_in_task`], once the device finished it. The default ends
    /// it right away ([`CompletedDioBio::end`]); a file system may trace or count first.
    fn complete_in_task(bio: CompletedDioBio<Self>) {
        bio.end();
    }
}

/// Direct I/O without file system hooks (`iomap_dio_rw()` with NULL `dops`).
pub struct NoHooks<T>(PhantomData<T>);

#[vtable]
impl<T: FileSystem> DioOperations for NoHooks<T> {
    type FileSystem = T;
}

/// The static `iomap_dio_ops` table of `D` and its trampolines.
struct Tables<D: ?Sized>(PhantomData<D>);

impl<D: DioOperations + ?Sized> Tables<D> {
    const OPS: bindings::iomap_dio_ops = bindings::iomap_dio_ops {
        end_io: if D::HAS_END_IO {
            Some(Self::end_io)
        } else {
            None
        },
        submit_io: if D::HAS_SUBMIT_IO {
            Some(Self::submit_io)
        } else {
            None
        },
        bio_set: if D::HAS_SUBMIT_IO {
            // Only the address of the bio set is taken; iomap owns it.
            &raw mut bindings::iomap_ioend_bioset
        } else {
            core::ptr::null_mut()
        },
    };

    /// The table of a bounced read: whatever `D` implements, every bio goes through
    /// [`Self::submit_io_bounced_read`], so that none completes in interrupt context.
    const BOUNCED_READ_OPS: bindings::iomap_dio_ops = bindings::iomap_dio_ops {
        end_io: if D::HAS_END_IO {
            Some(Self::end_io)
        } else {
            None
        },
        submit_io: Some(Self::submit_io_bounced_read),
        // Only the address of the bio set is taken; iomap owns it.
        bio_set: &raw mut bindings::iomap_ioend_bioset,
    };

    /// Returns the table for a direct I/O with `flags` in the direction `operation`, or
    /// NULL when `D` has no hook and none is needed, as iomap expects.
    ///
    /// A bounced read copies the data back to the caller in `bio_iov_iter_unbounce()`,
    /// which may sleep; iomap calls it from the bio's completion, which runs in interrupt
    /// context unless the file system moves it (the seed patch leaves that duty to it). Here
    /// the abstraction does it itself, for every `D`: no file system can get it wrong.
    fn ops(flags: DioFlags, operation: Operation) -> *const bindings::iomap_dio_ops {
        if flags.contains(DioFlags::BOUNCE) && operation == Operation::Read {
            &Self::BOUNCED_READ_OPS
        } else if D::HAS_END_IO || D::HAS_SUBMIT_IO {
            &Self::OPS
        } else {
            core::ptr::null()
        }
    }

    /// # Safety
    ///
    /// Called by iomap with the kiocb of a finished direct I/O on a file of `D`'s file system.
    unsafe extern "C" fn end_io(
        iocb: *mut bindings::kiocb,
        size: isize,
        error: c_int,
        flags: c_uint,
    ) -> c_int {
        // SAFETY: The kiocb and its file are valid until iomap completes it, after this.
        let (inode, pos) = unsafe {
            (
                Inode::<D::FileSystem>::from_raw(bindings::file_inode((*iocb).ki_filp)),
                (*iocb).ki_pos,
            )
        };
        let status = crate::error::to_result(error);
        // A negative size comes only with an error; the hook sees 0 bytes then.
        let size = usize::try_from(size).unwrap_or(0);
        let hooked = D::end_io(inode, pos, size, status, EndFlags(flags));
        // iomap's own error wins: the hook's can only fail an I/O that succeeded.
        match (status, hooked) {
            (Err(_), _) | (Ok(()), Ok(())) => error,
            (Ok(()), Err(e)) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by iomap with a new bio from `iomap_ioend_bioset` for an inode of `D`'s file
    /// system.
    unsafe extern "C" fn submit_io(
        iter: *const bindings::iomap_iter,
        bio: *mut bindings::bio,
        file_offset: bindings::loff_t,
    ) {
        // SAFETY: Forwarded from iomap: a new bio of this direct I/O, from the ioend bio set
        // (the table names it), which is not a bounced read (`ops`).
        let bio = unsafe { DioBio::new(iter, bio, file_offset, false) };
        D::submit_io(bio, file_offset);
    }

    /// `submit_io` of a bounced read ([`Self::BOUNCED_READ_OPS`]): `D`'s hook if it has one,
    /// with a bio that completes in a worker whichever way it is submitted; otherwise the
    /// bio is submitted to complete in a worker right away.
    ///
    /// # Safety
    ///
    /// As [`Self::submit_io`].
    unsafe extern "C" fn submit_io_bounced_read(
        iter: *const bindings::iomap_iter,
        bio: *mut bindings::bio,
        file_offset: bindings::loff_t,
    ) {
        // SAFETY: Forwarded from iomap: a new bio of a bounced read, from the ioend bio set.
        let bio = unsafe { DioBio::new(iter, bio, file_offset, true) };
        if D::HAS_SUBMIT_IO {
            D::submit_io(bio, file_offset);
        } else {
            bio.submit_completing_in_task();
        }
    }
}

/// A bio iomap built for a direct I/O of `D`, which must be submitted.
///
/// It is not a [`Bio`]: iomap owns the bio's pages and completion, so it can be neither
/// bounced nor kept (a `&Bio` could be turned into an `ARef<Bio>` and outlive the I/O, or be
/// bounced again after iomap unpinned its pages). Its accessors only read.
///
/// # Invariants
///
/// `bio` is a bio iomap handed to `submit_io`, allocated from `iomap_ioend_bioset`, not yet
/// submitted, and owned by us; `inode` is the (initialised, `D`'s file system) inode it
/// belongs to, kept alive by the direct I/O in progress. If `bounced_read`, the bio is a read
/// of a direct I/O with [`DioFlags::BOUNCE`].
pub struct DioBio<D: DioOperations + ?Sized> {
    bio: NonNull<bindings::bio>,
    inode: *mut bindings::inode,
    file_offset: i64,
    bounced_read: bool,
    _p: PhantomData<D>,
}

impl<D: DioOperations + ?Sized> DioBio<D> {
    /// # Safety
    ///
    /// `iter` and `bio` are what iomap passed to `submit_io` for a direct I/O of `D`, with
    /// `D`'s table naming `iomap_ioend_bioset`; `bounced_read` is true if the I/O is a read
    /// with [`DioFlags::BOUNCE`].
    unsafe fn new(
        iter: *const bindings::iomap_iter,
        bio: *mut bindings::bio,
        file_offset: i64,
        bounced_read: bool,
    ) -> Self {
        // INVARIANT: iomap hands over a new, unsubmitted bio from the bio set of the table
        // (`iomap_ioend_bioset`) for an initialised inode of `D`'s file system, which the
        // direct I/O in progress keeps alive; the caller vouches for `bounced_read`.
        Self {
            // SAFETY: iomap passes a valid bio and iterator.
            bio: unsafe { NonNull::new_unchecked(bio) },
            // SAFETY: As above.
            inode: unsafe { (*iter).inode },
            file_offset,
            bounced_read,
            _p: PhantomData,
        }
    }

    /// The bio, for the read-only accessors below; never handed out (see the type's
    /// documentation).
    fn bio(&self) -> &Bio {
        // SAFETY: By the type invariant the bio is valid and ours until submitted.
        unsafe { Bio::from_raw(self.bio.as_ptr()) }
    }

    /// Returns the bio's operation.
    pub fn operation(&self) -> Operation {
        self.bio().operation()
    }

    /// Returns the first sector (512 bytes) the bio addresses.
    pub fn sector(&self) -> u64 {
        self.bio().sector()
    }

    /// Returns the bytes the bio transfers.
    pub fn size(&self) -> u32 {
        self.bio().size()
    }

    /// Returns whether the bio is a read of a direct I/O with [`DioFlags::BOUNCE`], which
    /// completes in a worker however it is submitted.
    pub fn is_bounced_read(&self) -> bool {
        self.bounced_read
    }

    /// Returns the inode the I/O is for.
    pub fn inode(&self) -> &Inode<D::FileSystem> {
        // SAFETY: By the type invariant the inode is valid and initialised.
        unsafe { Inode::from_raw(self.inode) }
    }

    /// Returns the file offset of the bio's first byte.
    pub fn file_offset(&self) -> i64 {
        self.file_offset
    }

    /// Submits the bio with iomap's own completion (`submit_bio()`), which may run in
    /// interrupt context; a bounced read ([`DioBio::is_bounced_read`]) is submitted with
    /// [`DioBio::submit_completing_in_task`] instead, since its completion sleeps.
    pub fn submit(self) {
        if self.bounced_read {
            return self.submit_completing_in_task();
        }
        let this = ManuallyDrop::new(self);
        // SAFETY: By the type invariant the bio is ours and ready; it is submitted once.
        unsafe { bindings::submit_bio(this.bio.as_ptr()) };
    }

    /// Submits the bio so that its completion runs in process context, on the super block's
    /// direct-I/O workqueue (`s_dio_done_wq`): there [`DioOperations::complete_in_task`] gets
    /// it and iomap finishes it, copying a bounced read back into the caller's pages.
    ///
    /// If the work item cannot be allocated the bio fails with `ENOMEM` instead.
    pub fn submit_completing_in_task(self) {
        let this = ManuallyDrop::new(self);
        let bio = this.bio.as_ptr();
        // SAFETY: By the type invariant the inode and its super block are valid.
        let sb = unsafe { (*this.inode).i_sb };
        // The super block's direct-I/O queue, created by the first such I/O; the VFS destroys
        // it only at unmount, after every I/O of the super block completed.
        // `sb_init_dio_done_wq()` allocates a workqueue on every call and destroys it again
        // when one exists, so it is called only while there is none, as iomap does (calling
        // it per bio cost a workqueue creation and destruction per read: `make bench`'s
        // profile found it).
        // An atomic load, as C's `READ_ONCE()`; acquire pairs with the `cmpxchg` (once, NULL
        // to the queue) that published it. The field is pointer-aligned.
        // SAFETY: The super block is alive while its inode has direct I/O in flight.
        let existing = unsafe { AtomicPtr::from_ptr(&raw mut (*sb).s_dio_done_wq) }.load(Acquire);
        // SAFETY: As above.
        let queue_ready = !existing.is_null() || unsafe { bindings::sb_init_dio_done_wq(sb) } == 0;
        let work = KBox::pin_init(
            pin_init!(TaskCompletion::<D> {
                work <- new_work!("iomap::dio::TaskCompletion"),
                bio: this.bio,
                inode: this.inode,
                file_offset: this.file_offset,
                size: this.size(),
                _p: PhantomData,
            }),
            GFP_KERNEL,
        );
        let work = match work {
            Ok(work) if queue_ready => work,
            _ => {
                // SAFETY: The bio is ours and not submitted: end it with an error through
                // iomap's completion, in process context.
                unsafe {
                    (*bio).bi_status = bindings::BLK_STS_RESOURCE as bindings::blk_status_t;
                    bindings::bio_endio(bio);
                }
                return;
            }
        };
        // The bio comes from `iomap_ioend_bioset` (type invariant), so it is the `io_bio` of
        // an ioend whose `io_private` nobody else uses for direct I/O.
        // SAFETY: As above; the completion takes the work item back exactly once.
        unsafe {
            let ioend = crate::container_of!(bio, bindings::iomap_ioend, io_bio);
            (*ioend).io_private = work.into_foreign().cast();
            (*bio).bi_end_io = Some(end_bio_in_task::<D>);
            bindings::submit_bio(bio);
        }
    }
}

impl<D: DioOperations + ?Sized> Drop for DioBio<D> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the bio is ours and was not submitted: end it with
        // `EIO` through iomap's completion so the I/O finishes instead of hanging.
        unsafe { bindings::bio_io_error(self.bio.as_ptr()) };
    }
}

/// The work item that carries a completed bio to process context.
#[pin_data]
struct TaskCompletion<D: DioOperations + ?Sized> {
    #[pin]
    work: Work<TaskCompletion<D>>,
    bio: NonNull<bindings::bio>,
    inode: *mut bindings::inode,
    file_offset: i64,
    size: u32,
    _p: PhantomData<D>,
}

// SAFETY: The bio and inode pointers are handed from the submitter to the completion, one
// owner at a time; the block layer and the VFS allow that on any CPU.
unsafe impl<D: DioOperations + ?Sized> Send for TaskCompletion<D> {}
// SAFETY: Shared references give no access to the pointers' targets.
unsafe impl<D: DioOperations + ?Sized> Sync for TaskCompletion<D> {}

impl_has_work! {
    impl{D: DioOperations + ?Sized} HasWork<TaskCompletion<D>> for TaskCompletion<D> { self.work }
}

impl<D: DioOperations + ?Sized> WorkItem for TaskCompletion<D> {
    type Pointer = Pin<KBox<TaskCompletion<D>>>;

    fn run(this: Pin<KBox<TaskCompletion<D>>>) {
        let bio = CompletedDioBio::<D> {
            bio: this.bio,
            inode: this.inode,
            file_offset: this.file_offset,
            size: this.size,
            _p: PhantomData,
        };
        drop(this);
        D::complete_in_task(bio);
    }
}

/// `bi_end_io` of bios submitted with [`DioBio::submit_completing_in_task`]; may run in
/// interrupt context, so it only queues the work item.
///
/// # Safety
///
/// Called by the block layer once for such a bio.
unsafe extern "C" fn end_bio_in_task<D: DioOperations + ?Sized>(bio: *mut bindings::bio) {
    // SAFETY: The bio is the `io_bio` of an ioend whose `io_private` holds the work item
    // stored at submission; it is taken back once, here.
    let (work, sb) = unsafe {
        let ioend = crate::container_of!(bio, bindings::iomap_ioend, io_bio);
        let work = <Pin<KBox<TaskCompletion<D>>>>::from_foreign((*ioend).io_private.cast());
        (*ioend).io_private = core::ptr::null_mut();
        let sb = (*work.inode).i_sb;
        (work, sb)
    };
    // SAFETY: The queue was created at submission and lives until the super block is shut
    // down, which waits for this I/O (the file is open while it is in flight).
    let queue = unsafe { Queue::from_raw((*sb).s_dio_done_wq) };
    queue.enqueue(work);
}

/// A direct-I/O bio the device has finished, in process context; [`CompletedDioBio::end`]
/// hands it to iomap.
///
/// # Invariants
///
/// `bio` is a completed direct-I/O bio of `D` that iomap has not yet been told about, owned
/// by us; `inode` is its inode, alive until the bio is ended.
pub struct CompletedDioBio<D: DioOperations + ?Sized> {
    bio: NonNull<bindings::bio>,
    inode: *mut bindings::inode,
    file_offset: i64,
    size: u32,
    _p: PhantomData<D>,
}

// SAFETY: Ownership of a completed bio may move between threads in process context.
unsafe impl<D: DioOperations + ?Sized> Send for CompletedDioBio<D> {}

impl<D: DioOperations + ?Sized> CompletedDioBio<D> {
    /// The bio, for the read-only accessors below; never handed out.
    fn bio(&self) -> &Bio {
        // SAFETY: By the type invariant the bio is valid until ended, and the device is done
        // with it.
        unsafe { Bio::from_raw(self.bio.as_ptr()) }
    }

    /// Returns the bio's operation.
    pub fn operation(&self) -> Operation {
        self.bio().operation()
    }

    /// Returns the bio's completion status: the errno the block layer maps it to
    /// (`EILSEQ` for a protection-information mismatch, `EIO`...).
    pub fn status(&self) -> Result {
        self.bio().status()
    }

    /// Returns the inode the I/O is for.
    pub fn inode(&self) -> &Inode<D::FileSystem> {
        // SAFETY: By the type invariant the inode is valid until the bio is ended.
        unsafe { Inode::from_raw(self.inode) }
    }

    /// Returns the file offset of the bio's first byte.
    pub fn file_offset(&self) -> i64 {
        self.file_offset
    }

    /// Returns the bytes the bio carried when it was submitted (a completed bio's own size
    /// has been consumed by the block layer).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Ends the bio through iomap (`iomap_dio_bio_end_io()`): a bounced read is copied back
    /// into the caller's pages (only if it succeeded), the bounce pages are freed, and the
    /// last bio completes the whole I/O. Sleeps; process context only.
    pub fn end(self) {
        let this = ManuallyDrop::new(self);
        crate::task::might_sleep();
        // SAFETY: By the type invariant the bio is completed and iomap was not told yet.
        unsafe { bindings::iomap_dio_bio_end_io(this.bio.as_ptr()) };
    }
}

impl<D: DioOperations + ?Sized> Drop for CompletedDioBio<D> {
    fn drop(&mut self) {
        // SAFETY: As in `end`: a completed bio that was not ended yet.
        unsafe { bindings::iomap_dio_bio_end_io(self.bio.as_ptr()) };
    }
}

/// How a direct I/O ended, as [`rw`] reports it.
pub enum Outcome<'a, T: FileSystem> {
    /// It completed with this many bytes; the iocb is still the caller's.
    Done(usize, Iocb<'a, T>),
    /// An asynchronous iocb was queued (`-EIOCBQUEUED`): it completes (and may be freed)
    /// without the caller. The iocb is gone; what the call returns is this [`Done`], the
    /// only way to report a queued iocb to the VFS.
    Queued(Done<'a>),
    /// Nothing was done and the caller should do the I/O through the page cache instead
    /// (`-ENOTBLK`): before a write, iomap could not invalidate the cached pages of the
    /// range, because a program has them mapped and busy. XFS and ext4 then write through
    /// the page cache; [`Outcome::into_result`] turns it into `ENOTBLK` for a caller that
    /// does not fall back.
    FallBack(Iocb<'a, T>),
}

impl<'a, T: FileSystem> Outcome<'a, T> {
    /// What `read_iter`/`write_iter` return for this outcome.
    pub fn into_result(self) -> Result<Done<'a>> {
        match self {
            Self::Done(bytes, iocb) => iocb.done(bytes),
            Self::Queued(done) => Ok(done),
            Self::FallBack(_) => Err(ENOTBLK),
        }
    }
}

/// Does the direct I/O of `iocb` on `iter` (`iomap_dio_rw()`): a read if `iter` is an
/// [`crate::iov::IovIterDest`], a write if it is an [`crate::iov::IovIterSource`]. The caller
/// holds the inode lock as its file system requires and checked alignment; misaligned I/O
/// fails with `EINVAL` in iomap as well.
///
/// The iocb is consumed: an asynchronous one may complete and be freed before this returns,
/// which [`Outcome::Queued`] reports.
pub fn rw<'a, M, D, I>(
    iocb: Iocb<'a, M::FileSystem>,
    iter: &mut I,
    flags: DioFlags,
) -> Result<Outcome<'a, M::FileSystem>>
where
    M: Operations + ?Sized,
    D: DioOperations<FileSystem = M::FileSystem> + ?Sized,
    I: BounceIter,
{
    // SAFETY: The iocb and iterator are valid for the call; the tables are static.
    let ret = unsafe {
        bindings::iomap_dio_rw(
            iocb.as_raw(),
            iter.as_raw_iter(),
            super::ops::<M>(),
            Tables::<D>::ops(flags, I::OPERATION),
            flags.as_raw(),
            core::ptr::null_mut(),
            0,
        )
    };
    if ret == -(bindings::EIOCBQUEUED as isize) {
        // SAFETY: `iomap_dio_rw()` queued the iocb of this call, which `iocb` (consumed,
        // never used again) stood for.
        return Ok(Outcome::Queued(unsafe { Done::queued() }));
    }
    if ret == -(bindings::ENOTBLK as isize) {
        return Ok(Outcome::FallBack(iocb));
    }
    Ok(Outcome::Done(super::to_result_size(ret)?, iocb))
}
