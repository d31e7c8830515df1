// SPDX-License-Identifier: GPL-2.0
//! A bio iomap built for a direct I/O is not a `Bio`: as one it could be bounced again
//! (after iomap unpinned its pages) or kept past the I/O as an `ARef<Bio>`. `DioBio`
//! reads its fields through a `&Bio` it keeps private.
//! expect: E0624

use kernel::iomap::dio::{DioBio, DioOperations};

/// Submits the bio, having looked at it.
pub fn submit<D: DioOperations>(bio: DioBio<D>) -> u32 {
    let size = bio.size();
    bio.submit();
    size
}

/// Keeps a reference to the bio.
pub fn misuse<D: DioOperations>(bio: &DioBio<D>) -> kernel::sync::aref::ARef<kernel::block::bio::Bio> { kernel::sync::aref::ARef::from(bio.bio()) } // MISUSE
