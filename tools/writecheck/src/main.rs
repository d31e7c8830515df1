// SPDX-License-Identifier: GPL-2.0

//! bouncefs-write-check: write-path scenarios that must neither expose the stale contents
//! of freed blocks nor lose data.
//!
//! ```text
//! bouncefs-write-check DIR [--fail-writes CMD --heal CMD] SCENARIO...
//! bouncefs-write-check --list
//! ```
//!
//! Runs each named scenario with its files in DIR, which must be on the file system under
//! test and have a few MiB free. Prints one line per scenario, `NAME: ok (...)` or
//! `NAME: FAIL ...` with what was found, and exits 1 if any failed, 2 on bad usage.
//! `--fail-writes` and `--heal` are shell commands that make the device under DIR fail
//! every write and work again (a dm table swap), for the scenarios that need a writeback
//! error.
//!
//! The stale-data scenarios first leave a marker in free blocks: a file full of
//! [`MARKER`] fills the file system up to `ENOSPC` and is synced and deleted, so that
//! wherever the allocator looks next, the free blocks hold the marker. Any marker a read
//! returns afterwards is another file's old data.

mod sys;

use std::{
    fs::{File, OpenOptions},
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
    process::ExitCode,
};

const USAGE: &str = "usage: bouncefs-write-check DIR SCENARIO... | --list";

/// What the freed blocks hold: 16 bytes no scenario writes.
const MARKER: &[u8; 16] = b"STALE-BLOCK-DATA";
/// The marker is written in pieces of this size until the file system is full.
const MARKER_CHUNK: usize = 1 << 20;
/// `ENOSPC`.
const ENOSPC: i32 = 28;
/// `EIO`.
const EIO: i32 = 5;
const PAGE: usize = 4096;

/// What a scenario gets: the directory and the commands of `--fail-writes` and `--heal`.
struct Ctx {
    dir: PathBuf,
    fail_writes: Option<String>,
    heal: Option<String>,
}

type Scenario = fn(&Ctx) -> Result<String, String>;

/// Every scenario, by name, with what it shows.
const ALL: &[(&str, Scenario, &str)] = &[
    (
        "short-write-inside",
        short_write_inside,
        "a buffered write cut short by an unmapped source page, inside the file, exposes no freed block",
    ),
    (
        "short-write-past-eof",
        short_write_past_eof,
        "a buffered write cut short past EOF, then a truncate up, exposes no freed block",
    ),
    (
        "writeback-error-every-fd",
        writeback_error_every_fd,
        "a writeback error reaches the fsync of every descriptor open when it happened, once each",
    ),
];

fn at(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
}

/// Leaves [`MARKER`] in every free block of DIR's file system: it must be small (a few
/// MiB) for the fill to be quick.
fn leave_marker(dir: &Path) -> Result<(), String> {
    let path = dir.join("marker");
    let file = File::create(&path).map_err(|e| at(&path, e))?;
    let data = MARKER.repeat(MARKER_CHUNK / MARKER.len());
    let mut pos = 0;
    loop {
        match file.write_at(&data, pos) {
            Ok(0) => break,
            Ok(n) => pos += n as u64,
            Err(e) if e.raw_os_error() == Some(ENOSPC) => break,
            Err(e) => return Err(at(&path, e)),
        }
    }
    if pos == 0 {
        return Err(at(&path, "no room for the marker"));
    }
    file.sync_all().map_err(|e| at(&path, e))?;
    drop(file);
    std::fs::remove_file(&path).map_err(|e| at(&path, e))?;
    // The freed blocks must be free on the device too before the next allocation.
    sys::sync_file_system(dir).map_err(|e| at(dir, e))
}

/// Creates `name` in `dir`, empty.
fn create(dir: &Path, name: &str) -> Result<(File, PathBuf), String> {
    let path = dir.join(name);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(|e| at(&path, e))?;
    Ok((file, path))
}

/// Writes `len` bytes at `pos` from a buffer of which only the first page is readable: the
/// copy faults on the second page and the write comes back short. Returns the bytes
/// written.
fn short_write(file: &File, path: &Path, pos: u64, len: usize) -> Result<usize, String> {
    let buf = sys::Mapping::anonymous(len).map_err(|e| at(path, e))?;
    buf.fill(0x5a);
    buf.protect_none(PAGE..len).map_err(|e| at(path, e))?;
    // SAFETY: The first page of the mapping is readable; the kernel, not this process,
    // touches the protected rest and reports the fault as a short write.
    let n = file
        .write_at(unsafe { buf.as_slice() }, pos)
        .map_err(|e| at(path, format_args!("the short write failed: {e}")))?;
    if n == 0 || n >= len {
        return Err(at(
            path,
            format_args!("wrote {n} of {len} bytes: the write was to come back short"),
        ));
    }
    Ok(n)
}

/// Reads the whole of `file` from the device (the page cache dropped first) and checks
/// that it holds no marker.
fn expect_no_marker(file: &File, path: &Path) -> Result<(), String> {
    file.sync_all().map_err(|e| at(path, e))?;
    sys::drop_cache(file).map_err(|e| at(path, e))?;
    let size = file.metadata().map_err(|e| at(path, e))?.len() as usize;
    let mut data = vec![0; size];
    file.read_exact_at(&mut data, 0).map_err(|e| at(path, e))?;
    match data.windows(MARKER.len()).position(|w| w == MARKER) {
        Some(offset) => Err(at(
            path,
            format_args!("bytes {offset}.. hold the old data of a deleted file"),
        )),
        None => Ok(()),
    }
}

/// `ftruncate(1 MiB)`, then a 64 KiB write at 0 that stops after its first page.
fn short_write_inside(ctx: &Ctx) -> Result<String, String> {
    let dir = &ctx.dir;
    leave_marker(dir)?;
    let (file, path) = create(dir, "short-inside")?;
    file.set_len(1 << 20).map_err(|e| at(&path, e))?;
    let n = short_write(&file, &path, 0, 64 << 10)?;
    expect_no_marker(&file, &path)?;
    Ok(format!("wrote {n} of 65536 bytes, 1 MiB read back"))
}

/// A 64 KiB write at 0 of an empty file that stops after its first page, then
/// `ftruncate(1 MiB)`.
fn short_write_past_eof(ctx: &Ctx) -> Result<String, String> {
    let dir = &ctx.dir;
    leave_marker(dir)?;
    let (file, path) = create(dir, "short-past-eof")?;
    let n = short_write(&file, &path, 0, 64 << 10)?;
    let size = file.metadata().map_err(|e| at(&path, e))?.len();
    if size != n as u64 {
        return Err(at(
            &path,
            format_args!("size {size} after writing {n} bytes"),
        ));
    }
    file.set_len(1 << 20).map_err(|e| at(&path, e))?;
    expect_no_marker(&file, &path)?;
    Ok(format!(
        "wrote {n} of 65536 bytes, grew to 1 MiB, read back"
    ))
}

/// Runs `command` with `sh -c`; an error unless it succeeds.
fn shell(command: &str) -> Result<(), String> {
    let status = std::process::Command::new("sh")
        .args(["-c", command])
        .status()
        .map_err(|e| format!("{command}: {e}"))?;
    if !status.success() {
        return Err(format!("{command}: {status}"));
    }
    Ok(())
}

/// Two descriptors of one file; 64 KiB written through the first, not yet written back;
/// the device fails writes; `fsync` of the second must fail with `EIO`. The device works
/// again; the first's `fsync` must fail with `EIO` too (the error happened while it was
/// open), once: its next one succeeds. A file system that syncs with
/// `filemap_write_and_wait_range()` lets the second descriptor consume the error, and the
/// writer's own `fsync` returns 0 for data that is gone. (The writer syncs after the
/// device healed so that only the data's error can fail it, not a metadata write.)
fn writeback_error_every_fd(ctx: &Ctx) -> Result<String, String> {
    let (Some(fail_writes), Some(heal)) = (&ctx.fail_writes, &ctx.heal) else {
        return Err("needs --fail-writes and --heal".into());
    };
    let (writer, path) = create(&ctx.dir, "wb-error")?;
    writer.sync_all().map_err(|e| at(&path, e))?;
    let other = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| at(&path, e))?;
    writer
        .write_all_at(&[0x77; 64 << 10], 0)
        .map_err(|e| at(&path, e))?;
    shell(fail_writes)?;
    let seen = |file: &File, who: &str| -> Result<(), String> {
        match file.sync_all() {
            Err(e) if e.raw_os_error() == Some(EIO) => Ok(()),
            Err(e) => Err(at(&path, format_args!("{who}'s fsync: {e}, not EIO"))),
            Ok(()) => Err(at(
                &path,
                format_args!("{who}'s fsync succeeded after the device failed its writes"),
            )),
        }
    };
    let result = seen(&other, "the second descriptor");
    shell(heal)?;
    result?;
    seen(&writer, "the writer")?;
    // Once the device works again, metadata can be written: nothing is left to report.
    writer.sync_all().map_err(|e| {
        at(
            &path,
            format_args!(
                "the writer's fsync after the device healed: {e}; the error was reported already"
            ),
        )
    })?;
    Ok("EIO on both descriptors, then success".into())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--list") {
        for (name, _, what) in ALL {
            println!("{name}: {what}");
        }
        return ExitCode::SUCCESS;
    }
    let Some((dir, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let mut ctx = Ctx {
        dir: PathBuf::from(dir),
        fail_writes: None,
        heal: None,
    };
    let mut names = Vec::new();
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        let slot = match arg.as_str() {
            "--fail-writes" => &mut ctx.fail_writes,
            "--heal" => &mut ctx.heal,
            _ => {
                names.push(arg);
                continue;
            }
        };
        let Some(command) = rest.next() else {
            eprintln!("{arg} needs a command\n{USAGE}");
            return ExitCode::from(2);
        };
        *slot = Some(command.clone());
    }
    if names.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut chosen = Vec::new();
    for name in names {
        match ALL.iter().find(|(n, _, _)| n == name) {
            Some(scenario) => chosen.push(scenario),
            None => {
                eprintln!("bouncefs-write-check: no scenario {name} (see --list)");
                return ExitCode::from(2);
            }
        }
    }
    let mut failed = 0;
    for (name, run, _) in chosen {
        match run(&ctx) {
            Ok(what) => println!("{name}: ok ({what})"),
            Err(e) => {
                println!("{name}: FAIL {e}");
                failed += 1;
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
