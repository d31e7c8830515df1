// SPDX-License-Identifier: GPL-2.0
//! A mapping cannot be of type inline: `Map` has no inline data pointer, and iomap would
//! copy to or from NULL plus an offset.
//! expect: E0599

use kernel::iomap::{Map, Type};

/// Maps 4 KiB at offset 0.
pub fn map() -> Map {
    Map::blocks(Type::Mapped, 0, 4096, 0)
}

/// Maps 4 KiB at offset 0 as inline data.
pub fn misuse() -> Map { Map::blocks(Type::Inline, 0, 4096, 0) } // MISUSE
