// SPDX-License-Identifier: GPL-2.0
//! The bounce buffer of a read has not been written by anyone yet: it is handed out as
//! `MaybeUninit<u8>`, never as initialised bytes.
//! expect: E0631

use core::mem::MaybeUninit;
use kernel::block::bio::{Bounced, FromDevice};

/// Fills the buffer as a device would.
pub fn fill(bounced: &mut Bounced<'_, FromDevice>) {
    bounced.for_each_bounce_segment(|seg: &mut [MaybeUninit<u8>]| {
        seg.iter_mut().for_each(|b| {
            b.write(0);
        })
    });
}

/// Reads the buffer before the device wrote it.
pub fn misuse(bounced: &mut Bounced<'_, FromDevice>) { bounced.for_each_bounce_segment(|seg: &mut [u8]| kernel::pr_info!("{}\n", seg[0])); } // MISUSE
