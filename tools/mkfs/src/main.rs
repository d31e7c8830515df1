// SPDX-License-Identifier: GPL-2.0

//! mkfs.bouncefs: writes an empty bouncefs file system to a block device or an image file.
//!
//! ```text
//! mkfs.bouncefs [-L label] [-N inodes] [-f] [-n] [-q] [-V] device [blocks]
//! ```
//!
//! Exit status: 0 on success, 1 on any error or bad usage (with a message on stderr), as
//! mke2fs.

mod args;
mod probe;

use args::Args;
use bouncefs_format::BLOCK_SIZE;
use bouncefs_image::{mkfs, Device};
use std::process::ExitCode;

const BS: u64 = BLOCK_SIZE as u64;

fn run(args: &Args) -> Result<(), String> {
    let dev = Device::open(&args.device, !args.dry_run).map_err(|e| e.to_string())?;
    let name = dev.name();
    if let Some(lbs) = dev.logical_block_size().map_err(|e| e.to_string())? {
        if lbs == 0 || BS % lbs != 0 {
            return Err(format!(
                "{name}: the logical block size {lbs} does not divide the file system block size {BS}"
            ));
        }
    }
    let device_blocks = dev.blocks();
    let total = args.blocks.unwrap_or(device_blocks);
    if total > device_blocks {
        return Err(format!(
            "{name}: {total} blocks asked for, the device has only {device_blocks} ({} bytes)",
            dev.size()
        ));
    }
    let time = bouncefs_image::now();
    let options = mkfs::Options {
        total_blocks: total,
        inodes: args.inodes,
        label: args.label.clone().unwrap_or_default().into_bytes(),
        uuid: probe::uuid(time),
        time,
    };
    let sb = mkfs::layout(&options).map_err(|e| format!("{name}: {e}"))?;
    if let Some(found) = probe::existing_fs(&dev) {
        if !args.force && !args.dry_run {
            return Err(format!(
                "{name} contains a {found} file system; use -f to overwrite it"
            ));
        }
        if !args.quiet {
            println!("{name}: overwriting a {found} file system");
        }
    }
    if !args.quiet {
        let data = sb.total_blocks - sb.data_start;
        println!(
            "meta-data={name:<20} bsize={BS:<6} blocks={}, imaxpct={}",
            sb.total_blocks,
            (sb.inode_table_blocks * 100).div_ceil(sb.total_blocks)
        );
        println!(
            "         ={:<20} bitmap=blocks {}..{} ({} blocks)",
            "",
            sb.bitmap_start,
            sb.bitmap_start + sb.bitmap_blocks,
            sb.bitmap_blocks
        );
        println!(
            "         ={:<20} inodes={} (table blocks {}..{}), isize=256",
            "", sb.inode_count, sb.inode_table_start, sb.data_start
        );
        println!(
            "data     ={:<20} blocks {}..{} ({data} blocks, {} MiB), free={}",
            "",
            sb.data_start,
            sb.total_blocks,
            data * BS >> 20,
            sb.free_blocks
        );
        println!(
            "label    ={:<20} uuid={}",
            String::from_utf8_lossy(sb.label()),
            probe::uuid_string(&sb.uuid)
        );
    }
    if args.dry_run {
        if !args.quiet {
            println!("{name}: not written (-n)");
        }
        return Ok(());
    }
    mkfs::write(&dev, &sb).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match args::parse(std::env::args().skip(1)) {
        Ok(None) => {
            println!("mkfs.bouncefs {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Some(args)) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mkfs.bouncefs: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("mkfs.bouncefs: {e}\n{}", args::USAGE);
            ExitCode::FAILURE
        }
    }
}
