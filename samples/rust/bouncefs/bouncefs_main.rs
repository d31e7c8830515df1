// SPDX-License-Identifier: GPL-2.0

//! bouncefs: a small read-write block file system in Rust whose direct I/O bounces through
//! kernel pages on devices that need stable pages (`IOMAP_DIO_BOUNCE`).
//!
//! At mount it asks the device whether data must stay unchanged while it is written
//! (`bdev_stable_writes()`, true for integrity profiles with a checksum) and logs the
//! decision. Then every `O_DIRECT` read and write of the mount carries
//! [`DioFlags::BOUNCE`](kernel::iomap::DioFlags::BOUNCE), and bounced reads complete in process
//! context on the super block's direct-I/O workqueue, where iomap copies the data back to the
//! caller. `bounce=always|never` forces either path.
//!
//! The on-disk format (4 KiB blocks, CRC32C on all metadata) is `tools/format/src/format.rs`,
//! shared with `mkfs.bouncefs` and `fsck.bouncefs`. Per-mount counters are in debugfs:
//! `/sys/kernel/debug/bouncefs-<dev>/counters`.

use kernel::{
    block::bdev::BlockDevice,
    debugfs,
    fs::{
        inode::{Inode, InodeRef},
        sb::{self, FileSystem, NewSuperBlock, Param, Remount, Stat, SuperBlock},
    },
    prelude::*,
    str::CString,
    sync::{atomic::Atomic, atomic::Relaxed, Arc},
};

mod alloc;
mod dir;
mod disk;
mod file;
mod inode;
mod trace;

#[allow(dead_code, unreachable_pub, missing_docs, clippy::all)]
#[path = "../../../tools/format/src/format.rs"]
mod format;

module! {
    type: BounceFsModule,
    name: "bouncefs",
    authors: ["bouncefs developers"],
    description: "A read-write file system whose direct I/O bounces on devices that need stable pages",
    license: "GPL",
}

#[pin_data]
struct BounceFsModule {
    #[pin]
    _fs: sb::Registration,
}

impl kernel::InPlaceModule for BounceFsModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _fs <- sb::Registration::new::<BounceFs>(module),
        })
    }
}

/// The `bounce=` mount option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Bounce {
    /// Bounce exactly when the device needs stable pages.
    #[default]
    Auto,
    /// Always bounce.
    Always,
    /// Never bounce, even if the device needs stable pages (for tests and measurements).
    Never,
}

impl Bounce {
    fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Always => "always",
            Self::Never => "never",
        }
    }
}

/// Mount options: `None` for an option not given.
#[derive(Default)]
pub(crate) struct Options {
    bounce: Option<Bounce>,
}

/// What the direct-I/O path did on one mount, readable in debugfs.
pub(crate) struct Counters {
    pub(crate) bounced_read_bytes: Atomic<u64>,
    pub(crate) bounced_write_bytes: Atomic<u64>,
    pub(crate) zero_copy_read_bytes: Atomic<u64>,
    pub(crate) zero_copy_write_bytes: Atomic<u64>,
    pub(crate) bounced_read_bios: Atomic<u64>,
    pub(crate) bounced_write_bios: Atomic<u64>,
    pub(crate) zero_copy_bios: Atomic<u64>,
    pub(crate) completions_in_task: Atomic<u64>,
    /// Direct writes iomap sent back to the page cache (`ENOTBLK`: mapped pages in range).
    pub(crate) direct_write_fallbacks: Atomic<u64>,
    /// Preallocated extents marked written whole because splitting them would have
    /// overflowed a full extent list.
    pub(crate) whole_extent_conversions: Atomic<u64>,
    /// Blocks freed by punching holes (`FALLOC_FL_PUNCH_HOLE`).
    pub(crate) punched_blocks: Atomic<u64>,
    /// Blocks a buffered write allocated but never filled (its copy stopped short), freed.
    pub(crate) unfilled_blocks_released: Atomic<u64>,
}

impl Counters {
    fn new() -> Self {
        Self {
            bounced_read_bytes: Atomic::new(0),
            bounced_write_bytes: Atomic::new(0),
            zero_copy_read_bytes: Atomic::new(0),
            zero_copy_write_bytes: Atomic::new(0),
            bounced_read_bios: Atomic::new(0),
            bounced_write_bios: Atomic::new(0),
            zero_copy_bios: Atomic::new(0),
            completions_in_task: Atomic::new(0),
            direct_write_fallbacks: Atomic::new(0),
            whole_extent_conversions: Atomic::new(0),
            punched_blocks: Atomic::new(0),
            unfilled_blocks_released: Atomic::new(0),
        }
    }

    pub(crate) fn add(counter: &Atomic<u64>, value: u64) {
        counter.fetch_add(value, Relaxed);
    }
}

impl core::fmt::Debug for Counters {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let rows: [(&str, &Atomic<u64>); 12] = [
            ("bounced_read_bytes", &self.bounced_read_bytes),
            ("bounced_write_bytes", &self.bounced_write_bytes),
            ("zero_copy_read_bytes", &self.zero_copy_read_bytes),
            ("zero_copy_write_bytes", &self.zero_copy_write_bytes),
            ("bounced_read_bios", &self.bounced_read_bios),
            ("bounced_write_bios", &self.bounced_write_bios),
            ("zero_copy_bios", &self.zero_copy_bios),
            ("completions_in_task", &self.completions_in_task),
            ("direct_write_fallbacks", &self.direct_write_fallbacks),
            ("whole_extent_conversions", &self.whole_extent_conversions),
            ("punched_blocks", &self.punched_blocks),
            ("unfilled_blocks_released", &self.unfilled_blocks_released),
        ];
        for (name, value) in rows {
            writeln!(f, "{} {}", name, value.load(Relaxed))?;
        }
        Ok(())
    }
}

/// Per-mount state.
#[pin_data]
pub(crate) struct Mount {
    /// The super block as read at mount (geometry), with the free counts kept current.
    pub(crate) geometry: format::Superblock,
    /// Block and inode allocation.
    pub(crate) alloc: alloc::Allocator,
    /// Serialises read-modify-write of inode table blocks.
    #[pin]
    pub(crate) itable: kernel::sync::Mutex<()>,
    /// Whether direct I/O bounces.
    pub(crate) bounce: bool,
    /// The `bounce=` option of the mount; a remount cannot change it.
    bounce_option: Bounce,
    /// Counters, shared with the debugfs file.
    pub(crate) counters: Arc<Counters>,
    _debugfs: Option<Pin<KBox<debugfs::File<Arc<Counters>>>>>,
    _debugfs_dir: debugfs::Dir,
}

pub(crate) struct BounceFs;

#[vtable]
impl FileSystem for BounceFs {
    const NAME: &'static CStr = c"bouncefs";
    const MAGIC: u32 = 0x424f_4e43;
    type Options = Options;
    type Data = Pin<KBox<Mount>>;
    type InodeData = inode::InodeData;

    fn parse_param(options: &mut Options, param: &Param<'_>) -> Result {
        if param.key.to_bytes() != b"bounce" {
            return Err(ENOPARAM);
        }
        options.bounce = Some(match param.value.map(CStr::to_bytes) {
            Some(b"auto") => Bounce::Auto,
            Some(b"always") => Bounce::Always,
            Some(b"never") => Bounce::Never,
            _ => {
                pr_err!("bounce= takes auto, always or never\n");
                return Err(EINVAL);
            }
        });
        Ok(())
    }

    fn fill_super(sb: &NewSuperBlock<Self>, options: Options) -> Result<Pin<KBox<Mount>>> {
        let bdev = sb.bdev();
        if sb.set_block_size(disk::BLOCK_SIZE).is_err() {
            pr_err!(
                "{}: logical block size {} does not divide the 4096-byte file system block\n",
                bdev.name(),
                bdev.logical_block_size()
            );
            return Err(EINVAL);
        }
        sb.set_max_bytes(disk::MAX_FILE_SIZE);
        sb.set_time_granularity(1);

        // Metadata I/O bypasses the block device's page cache: see what mkfs, fsck and
        // others wrote through /dev before the mount.
        bdev.sync_page_cache()?;
        let geometry = disk::read_superblock(bdev)?;
        if geometry.state != format::STATE_CLEAN {
            // Without a journal (Documentation/journal.rst) nothing repairs what a crash
            // left half written: say so, as ext2 does.
            pr_warn!(
                "{}: not unmounted cleanly: metadata may be inconsistent, run fsck.bouncefs\n",
                bdev.name()
            );
        }
        let alloc = alloc::Allocator::load(bdev, &geometry)?;

        let needs_stable = bdev.stable_writes();
        let bounce_option = options.bounce.unwrap_or_default();
        let bounce = match bounce_option {
            Bounce::Auto => needs_stable,
            Bounce::Always => true,
            Bounce::Never => false,
        };
        let profile = match bdev.integrity_profile() {
            Some(name) => name.to_str().map_err(|_| EINVAL)?,
            None => "none",
        };
        pr_info!(
            "{}: integrity {}, stable pages {}, direct I/O {} (bounce={})\n",
            bdev.name(),
            profile,
            if needs_stable {
                "required"
            } else {
                "not required"
            },
            if bounce { "bounced" } else { "zero-copy" },
            bounce_option.name()
        );
        if needs_stable && !bounce {
            pr_warn!(
                "{}: bounce=never on a device that needs stable pages: direct I/O can fail its integrity checks\n",
                bdev.name()
            );
        }

        let counters = Arc::new(Counters::new(), GFP_KERNEL)?;
        let dir_name = CString::try_from_fmt(fmt!("bouncefs-{}", bdev.name()))?;
        let debugfs_dir = debugfs::Dir::new(&dir_name);
        let file = KBox::pin_init(
            debugfs_dir.read_only_file(c"counters", counters.clone()),
            GFP_KERNEL,
        )
        .ok();

        let mount = KBox::pin_init(
            try_pin_init!(Mount {
                geometry,
                alloc,
                itable <- kernel::new_mutex!(()),
                bounce,
                bounce_option,
                counters,
                _debugfs: file,
                _debugfs_dir: debugfs_dir,
            }),
            GFP_KERNEL,
        )?;
        if !sb.is_read_only() {
            mark_dirty(bdev, &mount)?;
        }
        Ok(mount)
    }

    fn root(sb: &SuperBlock<Self>) -> Result<InodeRef<Self>> {
        let root = inode::iget(sb, u64::from(format::ROOT_INO))?;
        if !root.is_dir() {
            pr_err!(
                "{}: inode 1 (the root) is not a directory\n",
                sb.bdev().name()
            );
            return Err(kernel::error::fs_code::EUCLEAN);
        }
        Ok(root)
    }

    fn statfs(sb: &SuperBlock<Self>) -> Result<Stat> {
        let mount = mount(sb)?;
        let (free_blocks, free_inodes) = mount.alloc.free_counts();
        Ok(Stat {
            block_size: disk::BLOCK_SIZE,
            blocks: mount.geometry.total_blocks,
            free_blocks,
            files: u64::from(mount.geometry.inode_count),
            free_files: u64::from(free_inodes),
            name_len: format::NAME_MAX as u32,
        })
    }

    fn write_inode(inode: &Inode<Self>, sync: bool) -> Result {
        inode::write(inode, sync)
    }

    fn evict_inode(inode: &Inode<Self>) {
        inode::evict(inode);
    }

    fn sync_fs(sb: &SuperBlock<Self>, wait: bool) -> Result {
        if sb.is_read_only() {
            return Ok(());
        }
        let mount = mount(sb)?;
        mount.alloc.write_back(sb.bdev(), &mount.geometry)?;
        disk::write_superblock(
            sb.bdev(),
            &mount.geometry,
            &mount.alloc,
            format::STATE_DIRTY,
        )?;
        if wait {
            sb.bdev().flush()?;
        }
        Ok(())
    }

    fn put_super(sb: &SuperBlock<Self>) {
        // Read-only: mounted so (nothing was written, the state on the device is as it was)
        // or remounted so (`reconfigure` marked it clean and nothing was written since).
        if sb.is_read_only() {
            return;
        }
        let Ok(mount) = mount(sb) else { return };
        if let Err(e) = mark_clean(sb.bdev(), mount) {
            pr_err!(
                "{}: could not mark the file system clean at unmount: {:?}\n",
                sb.bdev().name(),
                e
            );
        }
    }

    fn reconfigure(sb: &SuperBlock<Self>, options: Options, remount: Remount) -> Result {
        let mount = mount(sb)?;
        let bdev = sb.bdev();
        // Direct I/O reads the bounce decision twice per request (its iomap flags, then each
        // bio's completion path): it must not change under I/O in flight. The same value is
        // accepted, as mount(8) may pass the mount's options again.
        if let Some(bounce) = options.bounce {
            if bounce != mount.bounce_option {
                pr_err!(
                    "{}: bounce= cannot change on remount (mounted with bounce={})\n",
                    bdev.name(),
                    mount.bounce_option.name()
                );
                return Err(EINVAL);
            }
        }
        match remount {
            // Everything was written back (`sync_filesystem()`); from now on nothing will be,
            // not even at unmount: finish as unmount does.
            Remount::ReadOnly => mark_clean(bdev, mount).inspect_err(|e| {
                pr_err!(
                    "{}: could not mark the file system clean on remount read-only: {:?}\n",
                    bdev.name(),
                    e
                );
                // The remount fails and the file system stays read-write (unless forced):
                // it must not stay marked clean. Best effort; this already failed once.
                if mark_dirty(bdev, mount).is_err() {
                    pr_err!(
                        "{}: could not mark the file system dirty again\n",
                        bdev.name()
                    );
                }
            }),
            // The device is writable (the abstraction checked); writes start after this.
            Remount::ReadWrite => mark_dirty(bdev, mount),
            Remount::Unchanged => Ok(()),
        }
    }
}

/// Marks the file system as in use on the device, as a read-write mount or remount does
/// before anything else is written, and flushes the mark to stable storage.
fn mark_dirty(bdev: &BlockDevice, mount: &Mount) -> Result {
    disk::write_superblock(bdev, &mount.geometry, &mount.alloc, format::STATE_DIRTY)?;
    bdev.flush()
}

/// Writes the changed bitmap blocks and the super block marked clean, then flushes: the last
/// writes of a read-write mount, at unmount or on a remount read-only.
fn mark_clean(bdev: &BlockDevice, mount: &Mount) -> Result {
    mount.alloc.write_back(bdev, &mount.geometry)?;
    disk::write_superblock(bdev, &mount.geometry, &mount.alloc, format::STATE_CLEAN)?;
    bdev.flush()
}

/// Returns the per-mount state of a mounted super block.
pub(crate) fn mount(sb: &SuperBlock<BounceFs>) -> Result<&Mount> {
    sb.data().map(|m| m.get_ref()).ok_or(EINVAL)
}
