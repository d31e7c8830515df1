// SPDX-License-Identifier: GPL-2.0

//! What the tools' tests share: temporary image files and running a tool.

use std::{
    io,
    path::{Path, PathBuf},
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
};

/// An image file in the temporary directory, with a name unique to the process and the call,
/// removed when dropped.
pub struct TempImage(PathBuf);

impl TempImage {
    /// A new path tagged `tag`; the file is not created.
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        Self(std::env::temp_dir().join(format!(
            "bouncefs-test-{}-{n}-{tag}.img",
            std::process::id()
        )))
    }

    /// A zeroed file of `bytes`.
    pub fn zeroed(tag: &str, bytes: usize) -> io::Result<Self> {
        let image = Self::new(tag);
        std::fs::write(&image.0, vec![0u8; bytes])?;
        Ok(image)
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The path as a command-line argument (temporary paths are UTF-8 here).
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }

    /// The whole file.
    pub fn bytes(&self) -> io::Result<Vec<u8>> {
        std::fs::read(&self.0)
    }
}

impl Drop for TempImage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `program` with `args`; returns its exit code (-1 if killed by a signal) and its
/// standard output followed by its standard error.
pub fn run(program: &str, args: &[&str]) -> io::Result<(i32, String)> {
    let out = Command::new(program).args(args).output()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Ok((out.status.code().unwrap_or(-1), text))
}
