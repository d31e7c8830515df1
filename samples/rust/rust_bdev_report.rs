// SPDX-License-Identifier: GPL-2.0

//! Reports how a block device wants direct I/O done, read through `kernel::block::bdev`.
//!
//! Write a block device's path to `/dev/bdev-report`; the module opens the device read-only and
//! logs one line with its logical block size, size, integrity profile, whether it needs stable
//! pages (and so `IOMAP_DIO_BOUNCE` for zero-copy direct I/O), and the CRC-32 of its first
//! 4 KiB, read with [`BlockDevice::read_at`]. Reading the same file descriptor back returns that
//! line.
//!
//! Writing `stamp PATH` instead opens the device read-write, writes a recognisable 4 KiB block
//! (a header line, then byte `i` = `i * 7 + 3`) over its last 4 KiB with
//! [`BlockDevice::write_at`] and reads it back. It destroys what was there: for scratch disks.
//!
//! ```sh
//! echo /dev/sda > /dev/bdev-report
//! # rust_bdev_report: sda: 512-byte logical blocks, 512 MiB, integrity T10-DIF-TYPE1-CRC, stable pages required, first 4 KiB crc32 c71c0011
//! ```

use kernel::{
    bindings,
    block::bdev::{Access, BlockDevice, OpenBlockDevice},
    fs::{File, Kiocb},
    iov::{IovIterDest, IovIterSource},
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    new_mutex,
    prelude::*,
    str::CString,
    sync::Mutex,
};

/// Longest path accepted, NUL included (the kernel's `PATH_MAX`).
const PATH_MAX: usize = 4096;
/// What `report` checksums and `stamp` writes.
const BLOCK: usize = 4096;
/// The first bytes of a stamp block.
const STAMP_HEADER: &[u8] = b"rust_bdev_report stamp\n";

module! {
    type: BdevReportModule,
    name: "rust_bdev_report",
    authors: ["bouncefs developers"],
    description: "Reports block devices' integrity profile and stable-pages needs",
    license: "GPL",
}

#[pin_data]
struct BdevReportModule {
    #[pin]
    _miscdev: MiscDeviceRegistration<BdevReport>,
}

impl kernel::InPlaceModule for BdevReportModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _miscdev <- MiscDeviceRegistration::register(MiscDeviceOptions {
                name: c"bdev-report",
            }),
        })
    }
}

/// One open file of `/dev/bdev-report`: the last report made through it.
#[pin_data]
struct BdevReport {
    #[pin]
    report: Mutex<KVec<u8>>,
}

#[vtable]
impl MiscDevice for BdevReport {
    type Ptr = Pin<KBox<Self>>;

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Pin<KBox<Self>>> {
        KBox::try_pin_init(
            try_pin_init!(BdevReport {
                report <- new_mutex!(KVec::new()),
            }),
            GFP_KERNEL,
        )
    }

    fn write_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let len = iov.len();
        if len == 0 || len >= PATH_MAX {
            return Err(EINVAL);
        }
        let mut path = KVec::with_capacity(len + 1, GFP_KERNEL)?;
        iov.copy_from_iter_vec(&mut path, GFP_KERNEL)?;
        // `echo` appends a newline; a path never ends in one.
        if path.last() == Some(&b'\n') {
            path.pop();
        }
        let stamping = path.starts_with(b"stamp ");
        let start = if stamping { b"stamp ".len() } else { 0 };
        if path.contains(&0) {
            return Err(EINVAL);
        }
        path.push(0, GFP_KERNEL)?;
        let path = CStr::from_bytes_with_nul(&path[start..]).map_err(|_| EINVAL)?;

        let line = if stamping {
            stamp(path)?
        } else {
            report(path)?
        };
        pr_info!("{}\n", line.to_str().map_err(|_| EINVAL)?);

        let me = kiocb.file();
        let mut stored = me.report.lock();
        stored.clear();
        stored.extend_from_slice(line.to_bytes(), GFP_KERNEL)?;
        stored.push(b'\n', GFP_KERNEL)?;
        *kiocb.ki_pos_mut() = 0;
        Ok(len)
    }

    fn read_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let me = kiocb.file();
        let stored = me.report.lock();
        iov.simple_read_from_buffer(kiocb.ki_pos_mut(), &stored)
    }
}

/// Opens the device at `path` read-only and describes it in one line.
fn report(path: &CStr) -> Result<CString> {
    let device = OpenBlockDevice::open_by_path(path, Access::Read)?;
    let bdev = device.bdev();
    let profile = match bdev.integrity_profile() {
        Some(name) => name.to_str().map_err(|_| EINVAL)?,
        None => "none",
    };
    let stable = if bdev.stable_writes() {
        "stable pages required"
    } else {
        "stable pages not required"
    };
    let mut first = KVec::from_elem(0u8, BLOCK, GFP_KERNEL)?;
    bdev.read_at(0, &mut first)?;
    CString::try_from_fmt(fmt!(
        "{}: {}-byte logical blocks, {} MiB, integrity {}, {}, first 4 KiB crc32 {:08x}",
        bdev.name(),
        bdev.logical_block_size(),
        bdev.size() >> 20,
        profile,
        stable,
        crc32(&first)
    ))
}

/// The CRC-32 (IEEE, as zlib computes it) of `data`.
fn crc32(data: &[u8]) -> u32 {
    // SAFETY: `data` is valid for reads of its length.
    !unsafe { bindings::crc32_le(!0, data.as_ptr().cast(), data.len()) }
}

/// Overwrites the last 4 KiB of the device at `path` with a stamp block and reads it back.
fn stamp(path: &CStr) -> Result<CString> {
    let device = OpenBlockDevice::open_by_path(path, Access::ReadWrite)?;
    let bdev: &BlockDevice = device.bdev();
    let blocks = bdev.size() / BLOCK as u64;
    let pos = blocks.checked_sub(1).ok_or(EINVAL)? * BLOCK as u64;
    let mut block = KVec::with_capacity(BLOCK, GFP_KERNEL)?;
    for i in 0..BLOCK {
        block.push((i as u8).wrapping_mul(7).wrapping_add(3), GFP_KERNEL)?;
    }
    block[..STAMP_HEADER.len()].copy_from_slice(STAMP_HEADER);
    bdev.write_at(pos, &block)?;
    let mut back = KVec::from_elem(0u8, BLOCK, GFP_KERNEL)?;
    bdev.read_at(pos, &mut back)?;
    if back[..] != block[..] {
        pr_err!("{}: the stamp read back differs\n", bdev.name());
        return Err(EIO);
    }
    CString::try_from_fmt(fmt!(
        "{}: stamped the last 4 KiB at byte {}, read back identical",
        bdev.name(),
        pos
    ))
}
