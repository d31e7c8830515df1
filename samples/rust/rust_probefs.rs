// SPDX-License-Identifier: GPL-2.0

//! A file system that only probes its device, written on `kernel::fs::sb`.
//!
//! Mounting `probefs` on a block device decides, as bouncefs does, whether direct I/O on it
//! must bounce (the device needs stable pages) and logs that decision; `statfs` reports the
//! device's size in 4 KiB blocks; the root directory is empty. It exercises the VFS
//! abstractions end to end (registration, mount options, filling and killing a super block,
//! the root inode, statfs) before the real file system lands.
//!
//! ```sh
//! mount -t probefs -o bounce=auto /dev/sda /mnt
//! # rust_probefs: sda: integrity T10-DIF-TYPE1-CRC, stable pages required, direct I/O bounced (bounce=auto)
//! ```

use kernel::{
    fs::{
        dentry::DEntry,
        dir::{self, Emitter},
        inode::{self, Cached, Inode, InodeRef, Kind, Params, Timespec},
        sb::{self, FileSystem, NewSuperBlock, Param, Stat, SuperBlock},
    },
    prelude::*,
};

const BLOCK_SIZE: u32 = 4096;

module! {
    type: ProbeFsModule,
    name: "rust_probefs",
    authors: ["bouncefs developers"],
    description: "A file system that reports its device's stable-pages needs",
    license: "GPL",
}

#[pin_data]
struct ProbeFsModule {
    #[pin]
    _fs: sb::Registration,
}

impl kernel::InPlaceModule for ProbeFsModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _fs <- sb::Registration::new::<ProbeFs>(module),
        })
    }
}

/// The `bounce=` mount option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Bounce {
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

#[derive(Default)]
struct Options {
    bounce: Bounce,
}

struct ProbeFs;

#[vtable]
impl FileSystem for ProbeFs {
    const NAME: &'static CStr = c"probefs";
    const MAGIC: u32 = 0x7072_6f62;
    type Options = Options;
    type Data = ();
    type InodeData = ();

    fn parse_param(options: &mut Options, param: &Param<'_>) -> Result {
        if param.key.to_bytes() != b"bounce" {
            return Err(ENOPARAM);
        }
        options.bounce = match param.value.map(CStr::to_bytes) {
            Some(b"auto") => Bounce::Auto,
            Some(b"always") => Bounce::Always,
            Some(b"never") => Bounce::Never,
            _ => {
                pr_err!("bounce= takes auto, always or never\n");
                return Err(EINVAL);
            }
        };
        Ok(())
    }

    fn fill_super(sb: &NewSuperBlock<Self>, options: Options) -> Result {
        sb.set_block_size(BLOCK_SIZE)?;
        let bdev = sb.bdev();
        let needs_stable = bdev.stable_writes();
        let bounced = match options.bounce {
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
            if bounced { "bounced" } else { "zero-copy" },
            options.bounce.name()
        );
        if needs_stable && !bounced {
            pr_warn!(
                "{}: bounce=never on a device that needs stable pages: direct I/O can fail its integrity checks\n",
                bdev.name()
            );
        }
        Ok(())
    }

    fn root(sb: &SuperBlock<Self>) -> Result<InodeRef<Self>> {
        let new = match sb.iget(1)? {
            Cached::Existing(inode) => return Ok(inode),
            Cached::New(new) => new,
        };
        new.init(
            Params {
                kind: Kind::Directory {
                    inode_ops: &ROOT_INODE_OPS,
                    file_ops: &ROOT_DIR_OPS,
                },
                mode: 0o040755,
                nlink: 2,
                uid: 0,
                gid: 0,
                size: 0,
                sectors: 0,
                atime: Timespec::default(),
                mtime: Timespec::default(),
                ctime: Timespec::default(),
                generation: 0,
            },
            Ok::<(), Error>(()),
        )
    }

    fn statfs(sb: &SuperBlock<Self>) -> Result<Stat> {
        Ok(Stat {
            block_size: BLOCK_SIZE,
            blocks: sb.bdev().size() / u64::from(BLOCK_SIZE),
            free_blocks: 0,
            files: 1,
            free_files: 0,
            name_len: 255,
        })
    }
}

/// The root directory is empty: every lookup misses.
struct EmptyDir;

static ROOT_INODE_OPS: inode::Ops<ProbeFs> = inode::Ops::new::<EmptyDir>();
static ROOT_DIR_OPS: dir::Ops<ProbeFs> = dir::Ops::new::<EmptyDir>();

#[vtable]
impl inode::Operations for EmptyDir {
    type FileSystem = ProbeFs;

    fn lookup(
        _dir: &Inode<ProbeFs>,
        _dentry: &DEntry<ProbeFs>,
    ) -> Result<Option<InodeRef<ProbeFs>>> {
        Ok(None)
    }
}

#[vtable]
impl dir::Operations for EmptyDir {
    type FileSystem = ProbeFs;

    fn read_dir(_dir: &Inode<ProbeFs>, emitter: &mut Emitter<'_>) -> Result {
        emitter.emit_dots();
        Ok(())
    }
}
