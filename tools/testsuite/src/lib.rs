// SPDX-License-Identifier: GPL-2.0
//! The in-guest test runner of bouncefs.
//!
//! Runs each test, collects what the kernel logged meanwhile, fails the test on any splat, and
//! prints one line per test and a final `N passed, N failed` line. See
//! Documentation/testing.rst.

pub mod health;
pub mod kmsg;
pub mod ktap;
pub mod report;
pub mod runner;
pub mod xfstests;
