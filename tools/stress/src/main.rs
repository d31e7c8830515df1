// SPDX-License-Identifier: GPL-2.0

//! bouncefs-race: the race `IOMAP_DIO_BOUNCE` exists for.
//!
//! ```text
//! bouncefs-race write|read FILE [--size BYTES] [--requests N] [--mutators M] [--slots S]
//! ```
//!
//! One thread issues `O_DIRECT` writes (or reads) of `--size` bytes from one buffer, cycling
//! over `--slots` positions of FILE, while `--mutators` threads keep changing that buffer.
//! On a device that checksums the data (T10/NVMe protection information), zero-copy direct
//! I/O lets the data change after the checksum was computed (writes) or before it was
//! verified (reads): the request fails with EIO (or EILSEQ). Bounced direct I/O never does.
//!
//! Prints one line: `requests N errors E (EIO a, EILSEQ b, other c)` and exits 0; exit 1
//! on a usage or set-up error. The test decides what the counts must be.

use std::{
    alloc::{alloc_zeroed, dealloc, Layout},
    fs::{File, OpenOptions},
    os::unix::fs::{FileExt, OpenOptionsExt},
    process::ExitCode,
    sync::atomic::{AtomicBool, Ordering},
    thread,
};

/// `O_DIRECT` on Linux (x86-64, arm64 differs; the project's VM is x86-64).
const O_DIRECT: i32 = 0o40000;
const EIO: i32 = 5;
const EILSEQ: i32 = 84;

struct Args {
    write: bool,
    path: String,
    size: usize,
    requests: u64,
    mutators: usize,
    slots: u64,
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mode = argv.next().ok_or("no mode")?;
    let write = match mode.as_str() {
        "write" => true,
        "read" => false,
        m => return Err(format!("unknown mode '{m}'")),
    };
    let path = argv.next().ok_or("no file")?;
    let mut args = Args {
        write,
        path,
        size: 65536,
        requests: 2000,
        mutators: 1,
        slots: 64,
    };
    while let Some(flag) = argv.next() {
        let value = argv.next().ok_or(format!("{flag} needs a value"))?;
        let number: u64 = value.parse().map_err(|_| format!("bad number '{value}'"))?;
        match flag.as_str() {
            "--size" => args.size = usize::try_from(number).map_err(|_| "size too large")?,
            "--requests" => args.requests = number,
            "--mutators" => args.mutators = usize::try_from(number).map_err(|_| "too many")?,
            "--slots" => args.slots = number.max(1),
            f => return Err(format!("unknown option '{f}'")),
        }
    }
    if args.size == 0 || args.size % 4096 != 0 {
        return Err("--size must be a positive multiple of 4096".into());
    }
    Ok(args)
}

/// A page-aligned buffer that the mutator threads change while the kernel uses it.
struct Buffer {
    ptr: *mut u8,
    layout: Layout,
}

// SAFETY: The buffer is shared on purpose: the mutators write it with volatile stores, and
// only the kernel (through the system calls) reads it; no Rust code reads it concurrently.
unsafe impl Sync for Buffer {}

impl Buffer {
    fn new(size: usize) -> Result<Self, String> {
        let layout = Layout::from_size_align(size, 4096).map_err(|e| e.to_string())?;
        // SAFETY: The layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            return Err("out of memory".into());
        }
        Ok(Self { ptr, layout })
    }

    /// Changes every 512th byte once: enough to break any sector's checksum.
    fn scribble(&self, round: u8) {
        for offset in (0..self.layout.size()).step_by(512) {
            // SAFETY: `offset` is inside the allocation; the store is volatile so it is not
            // elided, and it races with the kernel's use of the buffer by design.
            unsafe { self.ptr.add(offset).write_volatile(round) };
        }
    }

    /// The buffer as the system calls take it.
    ///
    /// # Safety
    ///
    /// The caller must not read the slice in Rust: other threads change it concurrently.
    unsafe fn as_mut_slice(&self) -> &mut [u8] {
        // SAFETY: Valid for `size` bytes; see the function's contract for the aliasing.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.layout.size()) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: Allocated with this layout in `new`.
        unsafe { dealloc(self.ptr, self.layout) };
    }
}

fn run(args: &Args) -> Result<String, String> {
    let file: File = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(O_DIRECT)
        .open(&args.path)
        .map_err(|e| format!("{}: {e}", args.path))?;
    let buf = Buffer::new(args.size)?;
    let size = args.size as u64;
    if !args.write {
        // Lay the file out first, without racing.
        for slot in 0..args.slots {
            // SAFETY: No mutator runs yet; the slice is only passed to the kernel.
            let data = unsafe { buf.as_mut_slice() };
            file.write_all_at(data, slot * size)
                .map_err(|e| format!("{}: {e}", args.path))?;
        }
    }
    let stop = AtomicBool::new(false);
    let (mut eio, mut eilseq, mut other) = (0u64, 0u64, 0u64);
    thread::scope(|s| {
        for m in 0..args.mutators {
            let (buf, stop) = (&buf, &stop);
            s.spawn(move || {
                let mut round = m as u8;
                while !stop.load(Ordering::Relaxed) {
                    round = round.wrapping_add(1);
                    buf.scribble(round);
                }
            });
        }
        for i in 0..args.requests {
            let pos = (i % args.slots) * size;
            // SAFETY: Rust never reads the slice; the kernel does, racing with the mutators
            // by design.
            let data = unsafe { buf.as_mut_slice() };
            let result = if args.write {
                file.write_at(data, pos).map(|_| ())
            } else {
                file.read_at(data, pos).map(|_| ())
            };
            if let Err(e) = result {
                match e.raw_os_error() {
                    Some(EIO) => eio += 1,
                    Some(EILSEQ) => eilseq += 1,
                    _ => other += 1,
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    Ok(format!(
        "requests {} errors {} (EIO {eio}, EILSEQ {eilseq}, other {other})",
        args.requests,
        eio + eilseq + other
    ))
}

fn main() -> ExitCode {
    let usage = "usage: bouncefs-race write|read FILE [--size BYTES] [--requests N] [--mutators M] [--slots S]";
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("bouncefs-race: {e}\n{usage}");
            return ExitCode::FAILURE;
        }
    };
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bouncefs-race: {e}");
            ExitCode::FAILURE
        }
    }
}
