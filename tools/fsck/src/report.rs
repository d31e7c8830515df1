// SPDX-License-Identifier: GPL-2.0

//! Problems found: printed as they are found, counted as fixed or left.

use crate::args::Mode;

/// Which repair mode fixes a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fix {
    /// Fixed by -p, -a and -y: derived data (bitmap, counts, parent fields, state).
    Preen,
    /// Fixed by -y only: clearing invalid directory entries.
    Yes,
    /// Never fixed by fsck.bouncefs.
    Never,
}

/// The problems of one run.
pub(crate) struct Report {
    mode: Mode,
    /// Problems that will be fixed.
    pub(crate) fixed: usize,
    /// Problems left as they are.
    pub(crate) left: usize,
}

impl Report {
    pub(crate) fn new(mode: Mode) -> Self {
        Self {
            mode,
            fixed: 0,
            left: 0,
        }
    }

    /// Whether a problem of class `fix` would be fixed in this run.
    pub(crate) fn will_fix(&self, fix: Fix) -> bool {
        match fix {
            Fix::Preen => self.mode >= Mode::Preen,
            Fix::Yes => self.mode == Mode::Yes,
            Fix::Never => false,
        }
    }

    /// Reports a problem; returns whether the caller is to fix it.
    pub(crate) fn problem(&mut self, message: impl AsRef<str>, fix: Fix) -> bool {
        let will = self.will_fix(fix);
        let suffix = match (will, fix, self.mode) {
            (true, _, _) => ": fixed",
            (false, Fix::Never, Mode::No) => "",
            (false, Fix::Never, _) => ": cannot be fixed",
            (false, Fix::Yes, Mode::Preen) => ": not fixed (run with -y)",
            (false, _, _) => "",
        };
        println!("{}{suffix}", message.as_ref());
        if will {
            self.fixed += 1;
        } else {
            self.left += 1;
        }
        will
    }

    /// Total problems.
    pub(crate) fn total(&self) -> usize {
        self.fixed + self.left
    }
}
