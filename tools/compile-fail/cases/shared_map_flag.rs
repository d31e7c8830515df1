// SPDX-License-Identifier: GPL-2.0
//! A mapping cannot carry `IOMAP_F_SHARED`: copy-on-write needs a source map the
//! abstraction does not have (and `MapFlags::from_raw` drops bits without a name).
//! expect: E0599

use kernel::iomap::{Map, MapFlags, Type};

/// A mapping of newly allocated blocks.
pub fn map() -> Map {
    Map::blocks(Type::Mapped, 0, 4096, 0).with_flags(MapFlags::NEW)
}

/// The same, claimed shared.
pub fn misuse() -> Map { map().with_flags(MapFlags::SHARED) } // MISUSE
