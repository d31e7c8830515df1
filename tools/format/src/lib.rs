// SPDX-License-Identifier: GPL-2.0

//! The on-disk format of bouncefs for the userspace tools.
//!
//! All of it lives in `format.rs`, which the kernel module includes as well, so the parser the
//! kernel trusts is the one the tools and their tests exercise.

#![no_std]
#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    rust_2018_idioms,
    clippy::cast_lossless,
    clippy::as_underscore
)]

#[path = "format.rs"]
mod format;

pub use format::*;
