// SPDX-License-Identifier: GPL-2.0

//! fsck.bouncefs: checks a bouncefs file system, and repairs what it safely can.
//!
//! ```text
//! fsck.bouncefs [-n] [-y | -p | -a] [-f] [-v] device
//! ```
//!
//! Exit status as fsck(8), or-ed together: 0 no errors, 1 errors corrected, 4 errors left
//! uncorrected, 8 operational error, 16 usage error.

mod args;
mod check;
mod report;

use std::process::ExitCode;

/// Exit codes of fsck(8).
pub(crate) mod exit {
    /// No errors.
    pub(crate) const OK: u8 = 0;
    /// File system errors corrected.
    pub(crate) const CORRECTED: u8 = 1;
    /// File system errors left uncorrected.
    pub(crate) const UNCORRECTED: u8 = 4;
    /// Operational error (I/O, not a bouncefs file system).
    pub(crate) const OPERATIONAL: u8 = 8;
    /// Usage or syntax error.
    pub(crate) const USAGE: u8 = 16;
}

fn main() -> ExitCode {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("fsck.bouncefs {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::from(exit::OK);
        }
        Err(e) => {
            eprintln!("fsck.bouncefs: {e}\n{}", args::USAGE);
            return ExitCode::from(exit::USAGE);
        }
    };
    match check::run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("fsck.bouncefs: {e}");
            ExitCode::from(exit::OPERATIONAL)
        }
    }
}
