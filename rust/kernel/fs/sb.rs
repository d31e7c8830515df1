// SPDX-License-Identifier: GPL-2.0

//! File system types on block devices, their mount options and super blocks.
//!
//! A file system implements [`FileSystem`] and registers it with a [`Registration`] held by its
//! module. Mounting goes through the fs_context API: every mount option reaches
//! [`FileSystem::parse_param`], then `get_tree_bdev()` opens the device and calls
//! [`FileSystem::fill_super`] and [`FileSystem::root`] for a new super block. The per-mount
//! data [`FileSystem::fill_super`] returns lives in `s_fs_info` until the super block is
//! killed.
//!
//! A remount (`mount -o remount`, `fsconfig(FSCONFIG_CMD_RECONFIGURE)`) parses its options with
//! the same [`FileSystem::parse_param`] and then reaches [`FileSystem::reconfigure`] with a
//! [`Remount`] saying how the read-only state changes. The abstraction writes everything back
//! (`sync_filesystem()`) before a file system goes read-only: the VFS leaves that to the file
//! system, and after it nothing writes back a read-only super block, not even unmount.
//!
//! C headers: [`include/linux/fs.h`](srctree/include/linux/fs.h),
//! [`include/linux/fs_context.h`](srctree/include/linux/fs_context.h),
//! [`include/linux/fs/super_types.h`](srctree/include/linux/fs/super_types.h)

use crate::{
    bindings,
    block::bdev::BlockDevice,
    error::{from_result, to_result, Result},
    fs::inode::{self, Inode, InodeRef, NewInode},
    prelude::*,
    str::CStrExt,
    types::{ForeignOwnable, Opaque},
    ThisModule,
};
use core::{marker::PhantomData, ptr::NonNull};

/// One mount option: `key` or `key=value`.
pub struct Param<'a> {
    /// The option's name.
    pub key: &'a CStr,
    /// Its value, `None` for a flag (`ro`, `noatime`...).
    pub value: Option<&'a CStr>,
}

/// What `statfs(2)` reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    /// Block size in bytes.
    pub block_size: u32,
    /// Blocks in the file system.
    pub blocks: u64,
    /// Free blocks.
    pub free_blocks: u64,
    /// Inodes in the file system.
    pub files: u64,
    /// Free inodes.
    pub free_files: u64,
    /// Longest file name.
    pub name_len: u32,
}

/// How a remount changes whether the file system is read-only.
///
/// Derived the way `reconfigure_super()` decides it: from the `SB_RDONLY` bit of the new flags,
/// if the remount sets or clears it at all (`sb_flags_mask`), and the current state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remount {
    /// Read-write to read-only. Before [`FileSystem::reconfigure`] is called, the abstraction has
    /// run `sync_filesystem()`: dirty pages and inodes are written back
    /// ([`FileSystem::write_inode`]) and [`FileSystem::sync_fs`] has run, without and with
    /// `wait`. No file is open for writing and no new write can start (the VFS refused the
    /// remount with `EBUSY` otherwise, unless it is forced).
    ReadOnly,
    /// Read-only to read-write. The device is not read-only (`EACCES` otherwise, before
    /// [`FileSystem::reconfigure`] is called). No write can start until the remount is done.
    ReadWrite,
    /// The read-only state stays as it is (a remount that changes other options only).
    Unchanged,
}

impl Remount {
    /// Derives the change from the fs_context's `sb_flags` and `sb_flags_mask` and whether the
    /// super block is read-only now.
    fn new(sb_flags: u32, sb_flags_mask: u32, read_only: bool) -> Self {
        let rdonly = bindings::SB_RDONLY as u32;
        if sb_flags_mask & rdonly == 0 {
            return Self::Unchanged;
        }
        match (sb_flags & rdonly != 0, read_only) {
            (true, false) => Self::ReadOnly,
            (false, true) => Self::ReadWrite,
            _ => Self::Unchanged,
        }
    }
}

/// A file system type whose instances live on a block device.
#[vtable]
pub trait FileSystem: Sized + 'static {
    /// The name `mount -t` and `/proc/filesystems` know it by.
    const NAME: &'static CStr;
    /// The magic number `statfs(2)` reports (`f_type`).
    const MAGIC: u32;
    /// The mount options, collected by [`FileSystem::parse_param`].
    type Options: Default + Send;
    /// Per-mount data, kept in the super block.
    type Data: ForeignOwnable + Send + Sync;
    /// Per-inode data, kept in the same allocation as the `struct inode` and dropped when the
    /// inode is freed: from an RCU callback (`free_inode`), in softirq context. Its `Drop`
    /// must not sleep, take a mutex or do I/O; what needs that belongs in
    /// [`FileSystem::evict_inode`], which runs in process context.
    type InodeData: Send + Sync;

    /// Takes one mount option. Return `ENOPARAM` for keys the file system does not know:
    /// the VFS then handles its own (`source`) and reports the others as unknown.
    fn parse_param(options: &mut Self::Options, param: &Param<'_>) -> Result;

    /// Reads the file system from the device of the new super block `sb` and returns the
    /// per-mount data. An error fails the mount.
    fn fill_super(sb: &NewSuperBlock<Self>, options: Self::Options) -> Result<Self::Data>;

    /// Returns the root directory's inode; called after [`FileSystem::fill_super`].
    fn root(sb: &SuperBlock<Self>) -> Result<InodeRef<Self>>;

    /// Reports the file system's usage (`statfs(2)`).
    fn statfs(_sb: &SuperBlock<Self>) -> Result<Stat> {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Writes the in-memory inode back to the device (`write_inode`); `sync` asks to wait
    /// until it is on the device (`WB_SYNC_ALL` writeback, `fsync`). The inode may have no
    /// reference left (writeback of a closed file): [`Inode::try_get`] refuses then.
    fn write_inode(_inode: &Inode<Self>, _sync: bool) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Called when the last reference to an inode is dropped and the VFS evicts it, after its
    /// page cache is gone: an inode without links frees its blocks here. Its reference
    /// count is zero: [`Inode::try_get`] returns `None`.
    fn evict_inode(_inode: &Inode<Self>) {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Writes everything of the file system back (`sync_fs`, `syncfs(2)`, unmount); `wait`
    /// asks to wait for it to reach the device.
    fn sync_fs(_sb: &SuperBlock<Self>, _wait: bool) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Called at unmount after every inode is evicted and before the per-mount data is
    /// dropped: the last chance to write the super block back. It is called for a read-only
    /// super block too, which the VFS does not write back at unmount: a file system that went
    /// read-only by a remount did its final writes in [`FileSystem::reconfigure`].
    fn put_super(_sb: &SuperBlock<Self>) {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Called on a remount of `sb` with the options given for it, parsed by
    /// [`FileSystem::parse_param`] into a fresh `Options::default()` (options not given have
    /// their default, not the current value), and how the read-only state changes.
    ///
    /// An error fails the remount and the read-only state stays, except on a forced remount
    /// (the emergency read-only remount, `SysRq-U`): the VFS then warns and goes read-only
    /// anyway. Refuse an option that cannot change (`EINVAL`) only if it differs from the
    /// current value, as `mount(8)` may pass the options of the mount again. While this runs,
    /// `s_umount` is held for writing and [`SuperBlock::is_read_only`] still reports the old
    /// state; the VFS switches it after a successful return.
    ///
    /// For [`Remount::ReadOnly`] everything was written back before this is called (see
    /// there): what remains is what unmount would do, such as marking the file system clean
    /// on the device. For [`Remount::ReadWrite`], do what a read-write mount does before
    /// anything is written, such as marking it dirty.
    ///
    /// A file system that does not implement it still gets the write-back before going
    /// read-only; the options of its remounts are ignored.
    fn reconfigure(_sb: &SuperBlock<Self>, _options: Self::Options, _remount: Remount) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// A super block of the file system `T`.
///
/// # Invariants
///
/// The wrapped `struct super_block` is valid and belongs to `T`'s file system type for the
/// lifetime of every reference; once [`FileSystem::fill_super`] returned, its `s_fs_info` holds
/// a `T::Data` made by `into_foreign`.
#[repr(transparent)]
pub struct SuperBlock<T: FileSystem>(Opaque<bindings::super_block>, PhantomData<T>);

impl<T: FileSystem> SuperBlock<T> {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point at a valid super block of `T`'s type that stays valid for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::super_block) -> &'a Self {
        // SAFETY: `SuperBlock` is a transparent wrapper; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    /// Returns the raw pointer to the `struct super_block`.
    pub fn as_raw(&self) -> *mut bindings::super_block {
        self.0.get()
    }

    /// Returns the block device the file system lives on.
    pub fn bdev(&self) -> &BlockDevice {
        // SAFETY: A block-device super block keeps `s_bdev` open while it exists.
        unsafe { BlockDevice::from_raw((*self.as_raw()).s_bdev) }
    }

    /// Returns the file system block size in bytes.
    pub fn block_size(&self) -> u32 {
        // SAFETY: The super block is valid; the block size is fixed once filled.
        unsafe { (*self.as_raw()).s_blocksize as u32 }
    }

    /// Returns whether the file system is mounted read-only. During
    /// [`FileSystem::reconfigure`] it reports the state before the remount.
    pub fn is_read_only(&self) -> bool {
        // SAFETY: The super block is valid.
        unsafe { (*self.as_raw()).s_flags & bindings::SB_RDONLY != 0 }
    }

    /// Returns the per-mount data, or `None` while [`FileSystem::fill_super`] runs.
    pub fn data(&self) -> Option<<T::Data as ForeignOwnable>::Borrowed<'_>> {
        // SAFETY: The super block is valid.
        let ptr = unsafe { (*self.as_raw()).s_fs_info };
        if ptr.is_null() {
            return None;
        }
        // SAFETY: By the type invariant a non-NULL `s_fs_info` is a `T::Data` from
        // `into_foreign`, freed only when the super block dies, after this borrow.
        Some(unsafe { T::Data::borrow(ptr) })
    }

    /// Returns the device number of the file system (`s_dev`), as `stat(2)` reports it.
    pub fn dev(&self) -> u32 {
        // SAFETY: The super block is valid; `s_dev` is set before it is filled.
        unsafe { (*self.as_raw()).s_dev }
    }

    /// Returns whether the mapping of new inodes asks for stable pages during writeback: the
    /// VFS sets this when the device needs stable writes (`SB_I_STABLE_WRITES`).
    pub fn stable_writes(&self) -> bool {
        // SAFETY: The super block is valid; the flag is set before the file system fills it.
        unsafe { (*self.as_raw()).s_iflags & bindings::SB_I_STABLE_WRITES as usize != 0 }
    }

    /// Returns the inode `ino`: the cached one if it is in memory, or a [`NewInode`] the
    /// caller must read from the device and initialise (`iget_locked()`). Other lookups of the
    /// same number wait until it is initialised or fails.
    pub fn iget(&self, ino: u64) -> Result<inode::Cached<T>> {
        // SAFETY: The super block is valid and alive (mounted or being filled).
        let raw = unsafe { bindings::iget_locked(self.as_raw(), ino) };
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        // SAFETY: `iget_locked` returned a referenced inode of this super block.
        let is_new = unsafe { bindings::inode_is_new(raw.as_ptr()) };
        if is_new {
            // SAFETY: A new inode from `iget_locked` is locked (`I_NEW`), referenced once by
            // us, and nobody can use it before it is unlocked.
            Ok(inode::Cached::New(unsafe { NewInode::from_locked(raw) }))
        } else {
            // SAFETY: An inode that is not new is initialised by whoever created it, and
            // `iget_locked` gave us a reference to it.
            Ok(inode::Cached::Existing(unsafe { InodeRef::from_raw(raw) }))
        }
    }
}

/// A super block while [`FileSystem::fill_super`] fills it: what only then may be set.
///
/// The VFS reads the block size, the size limit and the time granularity of a live super
/// block without a lock, so setting them later would race with those readers. Only the
/// `fill_super` trampoline makes a `NewSuperBlock`; everything else a [`SuperBlock`] offers
/// is reached through [`Deref`](core::ops::Deref).
///
/// # Invariants
///
/// The super block is being filled: it is not yet visible to anyone but the mount that
/// creates it (`SB_BORN` is not set).
#[repr(transparent)]
pub struct NewSuperBlock<T: FileSystem>(SuperBlock<T>);

impl<T: FileSystem> core::ops::Deref for NewSuperBlock<T> {
    type Target = SuperBlock<T>;

    fn deref(&self) -> &SuperBlock<T> {
        &self.0
    }
}

impl<T: FileSystem> NewSuperBlock<T> {
    /// Sets the file system block size (`sb_set_blocksize()`); fails with `EINVAL` if the
    /// device cannot do it (smaller than its logical block size, larger than supported).
    pub fn set_block_size(&self, size: u32) -> Result {
        let size = c_int::try_from(size).map_err(|_| EINVAL)?;
        // SAFETY: The super block is valid and being filled (type invariant): nobody else
        // reads its block size yet.
        match unsafe { bindings::sb_set_blocksize(self.as_raw(), size) } {
            0 => Err(EINVAL),
            _ => Ok(()),
        }
    }

    /// Sets the largest file size the file system supports (`s_maxbytes`).
    pub fn set_max_bytes(&self, max: i64) {
        // SAFETY: The super block is valid and being filled (type invariant): nobody else
        // reads the limit yet.
        unsafe { (*self.as_raw()).s_maxbytes = max };
    }

    /// Sets the granularity of the timestamps the file system stores, in nanoseconds
    /// (`s_time_gran`).
    pub fn set_time_granularity(&self, nanoseconds: u32) {
        // SAFETY: The super block is valid and being filled (type invariant): nobody else
        // reads the granularity yet.
        unsafe { (*self.as_raw()).s_time_gran = nanoseconds };
    }
}

/// The registration of a file system type, undone when dropped.
///
/// # Invariants
///
/// `fs` is registered with the VFS from initialisation to drop.
#[pin_data(PinnedDrop)]
pub struct Registration {
    #[pin]
    fs: Opaque<bindings::file_system_type>,
}

// SAFETY: The registration only holds a C structure the VFS uses under its own locks; it
// can be dropped on any thread.
unsafe impl Send for Registration {}
// SAFETY: `&Registration` gives no access to anything.
unsafe impl Sync for Registration {}

impl Registration {
    /// Registers `T` for `module` (`register_filesystem()`).
    pub fn new<T: FileSystem>(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            fs <- Opaque::try_ffi_init(|ptr: *mut bindings::file_system_type| {
                // SAFETY: `ptr` is valid for writes; all-zero is a valid, empty type, filled
                // right below before it is registered.
                unsafe { ptr.write(pin_init::zeroed()) };
                // SAFETY: Initialised just above and not yet shared.
                let fs = unsafe { &mut *ptr };
                fs.owner = module.as_ptr();
                fs.name = T::NAME.as_char_ptr();
                fs.fs_flags = bindings::FS_REQUIRES_DEV as c_int;
                fs.init_fs_context = Some(Tables::<T>::init_fs_context);
                fs.kill_sb = Some(Tables::<T>::kill_sb);
                // SAFETY: `fs` is fully set up and pinned inside `Self` until drop, which
                // unregisters it.
                to_result(unsafe { bindings::register_filesystem(ptr) })
            }),
        })
    }
}

#[pinned_drop]
impl PinnedDrop for Registration {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant `fs` is registered.
        unsafe { bindings::unregister_filesystem(self.fs.get()) };
        // The VFS frees inodes after an RCU grace period (`i_callback()` calls `free_inode`,
        // which is this module's code, and drops `T::InodeData`): an unmount right before the
        // module goes leaves such callbacks queued. Wait for them, as C file systems do in
        // their exit function, so none runs after the module's text is freed.
        // SAFETY: Process context (module exit or a failed init); no lock is held.
        unsafe { bindings::rcu_barrier() };
    }
}

/// The C operation tables of `T` and the trampolines in them; they only convert arguments.
struct Tables<T: FileSystem>(PhantomData<T>);

impl<T: FileSystem> Tables<T> {
    const CONTEXT_OPS: bindings::fs_context_operations = bindings::fs_context_operations {
        free: Some(Self::free_fc),
        parse_param: Some(Self::parse_param),
        get_tree: Some(Self::get_tree),
        // Set also without `T::reconfigure`: going read-only must write everything back.
        reconfigure: Some(Self::reconfigure),
        ..pin_init::zeroed()
    };

    const SUPER_OPS: bindings::super_operations = bindings::super_operations {
        alloc_inode: Some(inode::Tables::<T>::alloc_inode),
        free_inode: Some(inode::Tables::<T>::free_inode),
        evict_inode: Some(inode::Tables::<T>::evict_inode),
        write_inode: if T::HAS_WRITE_INODE {
            Some(inode::Tables::<T>::write_inode)
        } else {
            None
        },
        statfs: if T::HAS_STATFS {
            Some(Self::statfs)
        } else {
            None
        },
        sync_fs: if T::HAS_SYNC_FS {
            Some(Self::sync_fs)
        } else {
            None
        },
        put_super: if T::HAS_PUT_SUPER {
            Some(Self::put_super)
        } else {
            None
        },
        ..pin_init::zeroed()
    };

    /// # Safety
    ///
    /// Called by the VFS with a new, valid fs_context of `T`'s type.
    unsafe extern "C" fn init_fs_context(fc: *mut bindings::fs_context) -> c_int {
        from_result(|| {
            let options = KBox::new(T::Options::default(), GFP_KERNEL)?;
            // SAFETY: `fc` is valid and ours to set up; `free_fc` releases the options.
            unsafe {
                (*fc).fs_private = options.into_foreign();
                (*fc).ops = &Self::CONTEXT_OPS;
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the VFS with an fs_context set up by `init_fs_context`.
    unsafe extern "C" fn free_fc(fc: *mut bindings::fs_context) {
        // SAFETY: `fc` is valid; `fs_private` is NULL or the options `init_fs_context` stored.
        let private = unsafe { (*fc).fs_private };
        if !private.is_null() {
            // SAFETY: Made by `into_foreign` in `init_fs_context`; released once, here.
            drop(unsafe { KBox::<T::Options>::from_foreign(private) });
        }
    }

    /// # Safety
    ///
    /// Called by the VFS with an fs_context set up by `init_fs_context` and a valid parameter.
    unsafe extern "C" fn parse_param(
        fc: *mut bindings::fs_context,
        param: *mut bindings::fs_parameter,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `param` is valid for the call; its key is a NUL-terminated string.
            let key = unsafe { CStr::from_char_ptr((*param).key) };
            // SAFETY: `param` is valid; `type_` tells which member of the union is set.
            let value = match unsafe { (*param).type_() } {
                bindings::fs_value_type_fs_value_is_flag => None,
                // SAFETY: A string parameter carries a NUL-terminated string.
                bindings::fs_value_type_fs_value_is_string => {
                    // SAFETY: A string parameter carries a NUL-terminated string.
                    let value = unsafe { CStr::from_char_ptr((*param).__bindgen_anon_1.string) };
                    Some(value)
                }
                _ => return Err(EINVAL),
            };
            // SAFETY: `fs_private` holds the options `init_fs_context` stored; the VFS
            // serialises calls on one fs_context.
            let options = unsafe { KBox::<T::Options>::borrow_mut((*fc).fs_private) };
            T::parse_param(options, &Param { key, value })?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the VFS with an fs_context set up by `init_fs_context`.
    unsafe extern "C" fn get_tree(fc: *mut bindings::fs_context) -> c_int {
        // SAFETY: `fc` is valid; `fill_super` matches what `get_tree_bdev` expects.
        unsafe { bindings::get_tree_bdev(fc, Some(Self::fill_super)) }
    }

    /// # Safety
    ///
    /// Called by `reconfigure_super()` with an fs_context for reconfiguration set up by
    /// `init_fs_context`, its parameters parsed, and `s_umount` of its super block held for
    /// writing.
    unsafe extern "C" fn reconfigure(fc: *mut bindings::fs_context) -> c_int {
        from_result(|| {
            // A context for reconfiguration holds a reference to the root dentry of the
            // mounted file system (`fc->root`) and an active reference to its super block, so
            // both stay alive during the call.
            // SAFETY: `fc` is valid for the call, and `fc->root` is alive (above).
            let sb_ptr = unsafe { (*(*fc).root).d_sb };
            // The context was made for the super block's `s_type`, whose `init_fs_context`
            // installed this table, and only `T`'s registration installs it. A mounted super
            // block went through `fill_super`.
            // SAFETY: `sb_ptr` is alive (above) and of `T`'s type (just said).
            let sb = unsafe { SuperBlock::<T>::from_raw(sb_ptr) };
            // SAFETY: `fc` is valid; the VFS serialises calls on one fs_context.
            let (flags, mask) = unsafe { ((*fc).sb_flags, (*fc).sb_flags_mask) };
            // `SB_RDONLY` cannot change meanwhile: `reconfigure_super()` changes it with
            // `s_umount` held for writing, as it is now.
            let remount = Remount::new(flags, mask, sb.is_read_only());
            match remount {
                Remount::ReadOnly => {
                    // It is still read-write, so this writes everything back; the VFS does
                    // not, and skips read-only super blocks from then on.
                    // SAFETY: The super block is alive and `s_umount` is held for writing.
                    to_result(unsafe { bindings::sync_filesystem(sb_ptr) })?;
                }
                Remount::ReadWrite => {
                    // `reconfigure_super()` checked this before; checking again here keeps the
                    // promise of `Remount::ReadWrite` without relying on that.
                    // SAFETY: A mounted block-device super block keeps `s_bdev` open.
                    let device_read_only = unsafe { bindings::bdev_read_only((*sb_ptr).s_bdev) };
                    if device_read_only {
                        return Err(EACCES);
                    }
                }
                Remount::Unchanged => {}
            }
            if T::HAS_RECONFIGURE {
                // SAFETY: `fs_private` holds the options `init_fs_context` stored and
                // `parse_param` filled; the VFS serialises calls on one fs_context.
                let options = unsafe { KBox::<T::Options>::borrow_mut((*fc).fs_private) };
                T::reconfigure(sb, core::mem::take(options), remount)?;
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by `get_tree_bdev` with a new super block of `T`'s type on an open device.
    unsafe extern "C" fn fill_super(
        sb_ptr: *mut bindings::super_block,
        fc: *mut bindings::fs_context,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `fs_private` holds the options `init_fs_context` stored.
            let options = unsafe { KBox::<T::Options>::borrow_mut((*fc).fs_private) };
            let options = core::mem::take(options);
            // SAFETY: The super block is valid, of `T`'s type, and being filled by us.
            unsafe {
                (*sb_ptr).s_magic = T::MAGIC as usize;
                (*sb_ptr).s_op = &Self::SUPER_OPS;
            }
            // SAFETY: The super block stays valid for the call.
            let sb = unsafe { SuperBlock::<T>::from_raw(sb_ptr) };
            // INVARIANT: `get_tree_bdev` calls this for a new super block, before `SB_BORN`.
            // SAFETY: `NewSuperBlock` is a transparent wrapper of `SuperBlock`.
            let new_sb = unsafe { &*core::ptr::from_ref(sb).cast::<NewSuperBlock<T>>() };
            let data = T::fill_super(new_sb, options)?;
            // SAFETY: From here `kill_sb` releases the data, also when the rest fails.
            unsafe { (*sb_ptr).s_fs_info = data.into_foreign() };
            let root = T::root(sb)?;
            // SAFETY: `d_make_root` takes over our reference to the inode, even on failure.
            let dentry = unsafe { bindings::d_make_root(root.into_raw()) };
            if dentry.is_null() {
                return Err(ENOMEM);
            }
            // SAFETY: The super block is being filled by us.
            unsafe { (*sb_ptr).s_root = dentry };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the VFS with a super block of `T`'s type that is going away.
    unsafe extern "C" fn kill_sb(sb: *mut bindings::super_block) {
        // SAFETY: `sb` is valid; read before the super block is torn down.
        let data = unsafe { (*sb).s_fs_info };
        // SAFETY: `sb` is a block-device super block set up by `get_tree_bdev`.
        unsafe { bindings::kill_block_super(sb) };
        if !data.is_null() {
            // SAFETY: Stored by `fill_super` with `into_foreign`; nothing uses it any more.
            drop(unsafe { T::Data::from_foreign(data) });
        }
    }

    /// # Safety
    ///
    /// Called by the VFS with a dentry of a mounted `T` file system.
    unsafe extern "C" fn statfs(
        dentry: *mut bindings::dentry,
        buf: *mut bindings::kstatfs,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `dentry` is valid and its super block is alive and of `T`'s type.
            let sb = unsafe { SuperBlock::<T>::from_raw((*dentry).d_sb) };
            let stat = T::statfs(sb)?;
            // SAFETY: `buf` is valid for writes for the call.
            let buf = unsafe { &mut *buf };
            buf.f_type = T::MAGIC as isize;
            buf.f_bsize = stat.block_size as isize;
            buf.f_frsize = stat.block_size as isize;
            buf.f_blocks = stat.blocks;
            buf.f_bfree = stat.free_blocks;
            buf.f_bavail = stat.free_blocks;
            buf.f_files = stat.files;
            buf.f_ffree = stat.free_files;
            buf.f_namelen = stat.name_len as isize;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the VFS with a live super block of `T`'s type.
    unsafe extern "C" fn sync_fs(sb: *mut bindings::super_block, wait: c_int) -> c_int {
        // SAFETY: The super block is valid for the call and of `T`'s type.
        let sb = unsafe { SuperBlock::<T>::from_raw(sb) };
        from_result(|| T::sync_fs(sb, wait != 0).map(|()| 0))
    }

    /// # Safety
    ///
    /// Called by the VFS with a super block of `T`'s type that is being shut down.
    unsafe extern "C" fn put_super(sb: *mut bindings::super_block) {
        // SAFETY: The super block is valid for the call and of `T`'s type.
        T::put_super(unsafe { SuperBlock::<T>::from_raw(sb) });
    }
}

#[macros::kunit_tests(rust_fs_sb)]
mod tests {
    use super::*;

    const RDONLY: u32 = 1; // include/linux/fs.h: SB_RDONLY BIT(0)

    #[test]
    fn remount_follows_reconfigure_super() {
        // mount -o remount,ro of a read-write mount: goes read-only (sync first).
        assert_eq!(Remount::new(RDONLY, RDONLY, false), Remount::ReadOnly);
        // mount -o remount,rw of a read-only mount.
        assert_eq!(Remount::new(0, RDONLY, true), Remount::ReadWrite);
        // Asking for the state it has already changes nothing.
        assert_eq!(Remount::new(RDONLY, RDONLY, true), Remount::Unchanged);
        assert_eq!(Remount::new(0, RDONLY, false), Remount::Unchanged);
        // A remount whose mask leaves SB_RDONLY out never changes it, whatever the flags say.
        assert_eq!(Remount::new(RDONLY, 0, false), Remount::Unchanged);
        assert_eq!(Remount::new(0, 0, true), Remount::Unchanged);
        // Other flags (SB_NOSUID BIT(1)) do not count.
        assert_eq!(Remount::new(2, 2, false), Remount::Unchanged);
        assert_eq!(
            Remount::new(RDONLY | 2, RDONLY | 2, false),
            Remount::ReadOnly
        );
    }
}
