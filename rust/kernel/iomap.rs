// SPDX-License-Identifier: GPL-2.0

//! File mapping for block-based file systems (iomap), and its direct I/O.
//!
//! A file system describes where a range of a file lives with a [`Map`]; iomap does the
//! buffered, direct and mapping-query I/O from there. Direct I/O is tuned with [`DioFlags`]:
//! [`DioFlags::BOUNCE`] makes iomap copy through kernel bounce buffers so that devices that
//! checksum the data see stable pages (see [`crate::block::bio`]).
//!
//! C header: [`include/linux/iomap.h`](srctree/include/linux/iomap.h)

use crate::{bindings, block::bdev::BlockDevice};

/// What a [`Map`] describes (`IOMAP_HOLE`, `IOMAP_MAPPED`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Type {
    /// No blocks allocated: reads return zeroes, writes must allocate.
    Hole = bindings::IOMAP_HOLE as u16,
    /// Blocks reserved by delayed allocation, not yet at a disk address.
    Delalloc = bindings::IOMAP_DELALLOC as u16,
    /// Blocks allocated at the map's disk address.
    Mapped = bindings::IOMAP_MAPPED as u16,
    /// Blocks allocated but not written: reads return zeroes, writes convert them on completion.
    Unwritten = bindings::IOMAP_UNWRITTEN as u16,
    /// Data stored inline in the inode.
    Inline = bindings::IOMAP_INLINE as u16,
}

impl Type {
    /// Decodes a `struct iomap`'s `type` field.
    pub fn from_raw(raw: u16) -> Option<Self> {
        [
            Self::Hole,
            Self::Delalloc,
            Self::Mapped,
            Self::Unwritten,
            Self::Inline,
        ]
        .into_iter()
        .find(|t| *t as u16 == raw)
    }
}

/// Declares a typed set of C flag bits.
macro_rules! flag_set {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) {
            $( $(#[$fmeta:meta])* $flag:ident = $value:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name($repr);

        impl $name {
            $( $(#[$fmeta])* pub const $flag: Self = Self($value as $repr); )*

            /// The empty set.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// Builds a set from the C bits; bits without a name here are kept.
            pub const fn from_raw(raw: $repr) -> Self {
                Self(raw)
            }

            /// Returns the C bits.
            pub const fn as_raw(self) -> $repr {
                self.0
            }

            /// Returns whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Returns the union of `self` and `other`.
            pub const fn with(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// Returns `self` with the flags of `other` set if `on`, unchanged otherwise.
            pub const fn with_if(self, on: bool, other: Self) -> Self {
                if on { self.with(other) } else { self }
            }
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                self.with(rhs)
            }
        }
    };
}

flag_set! {
    /// Why iomap asks for a mapping: the `flags` argument of `iomap_begin`/`iomap_end`.
    IterFlags(u32) {
        /// Writing: blocks must be allocated.
        WRITE = bindings::IOMAP_WRITE;
        /// Zeroing: holes may be skipped.
        ZERO = bindings::IOMAP_ZERO;
        /// Reporting extents (fiemap, seek hole/data): allocate nothing.
        REPORT = bindings::IOMAP_REPORT;
        /// Mapping for a page fault.
        FAULT = bindings::IOMAP_FAULT;
        /// Direct I/O.
        DIRECT = bindings::IOMAP_DIRECT;
        /// The caller cannot block: return `EAGAIN` instead.
        NOWAIT = bindings::IOMAP_NOWAIT;
        /// Only pure overwrites of allocated, written blocks are allowed.
        OVERWRITE_ONLY = bindings::IOMAP_OVERWRITE_ONLY;
        /// Unsharing a range.
        UNSHARE = bindings::IOMAP_UNSHARE;
        /// Torn-write protection requested.
        ATOMIC = bindings::IOMAP_ATOMIC;
        /// Uncached buffered I/O.
        DONTCACHE = bindings::IOMAP_DONTCACHE;
    }
}

flag_set! {
    /// Properties of a mapping: the `flags` field of `struct iomap` (`IOMAP_F_*`).
    MapFlags(u16) {
        /// The blocks were allocated by this `iomap_begin`: iomap zeroes around partial writes.
        NEW = bindings::IOMAP_F_NEW;
        /// The inode has metadata not yet on disk that `fdatasync` must write.
        DIRTY = bindings::IOMAP_F_DIRTY;
        /// The blocks are shared with another file.
        SHARED = bindings::IOMAP_F_SHARED;
        /// The mapping merged several extents.
        MERGED = bindings::IOMAP_F_MERGED;
        /// Writes into this mapping can change the file size: iomap tells `iomap_end`.
        SIZE_CHANGED = bindings::IOMAP_F_SIZE_CHANGED;
        /// The mapping is stale and must be looked up again.
        STALE = bindings::IOMAP_F_STALE;
    }
}

flag_set! {
    /// How `iomap_dio_rw()` does a direct I/O (`IOMAP_DIO_*`).
    DioFlags(u32) {
        /// Wait for completion even for an asynchronous kiocb.
        FORCE_WAIT = bindings::IOMAP_DIO_FORCE_WAIT;
        /// Fail with `EAGAIN` unless the I/O is a pure overwrite.
        OVERWRITE_ONLY = bindings::IOMAP_DIO_OVERWRITE_ONLY;
        /// Return a short I/O instead of failing it when a fault stops it part way.
        PARTIAL = bindings::IOMAP_DIO_PARTIAL;
        /// The I/O is aligned to file system blocks, not just device blocks.
        FSBLOCK_ALIGNED = bindings::IOMAP_DIO_FSBLOCK_ALIGNED;
        /// Copy through kernel bounce buffers instead of zero-copy: the device sees stable data
        /// even if the caller changes its buffer. The file system must then complete reads in
        /// process context (a `submit_io` that routes completions to a workqueue).
        BOUNCE = bindings::IOMAP_DIO_BOUNCE;
    }
}

/// `IOMAP_NULL_ADDR`: the disk address of a mapping that has none (holes, delalloc).
pub const NULL_ADDR: u64 = u64::MAX;

/// A mapping of a range of a file, as a file system's `begin` returns it (`struct iomap`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Map {
    /// What the range is.
    pub kind: Type,
    /// File offset of the range, in bytes.
    pub offset: i64,
    /// Length of the range, in bytes.
    pub length: u64,
    /// Disk address of the range in bytes ([`NULL_ADDR`] for holes and delalloc).
    pub addr: u64,
    /// Properties of the mapping.
    pub flags: MapFlags,
}

impl Map {
    /// A hole of `length` bytes at file offset `offset`.
    pub fn hole(offset: i64, length: u64) -> Self {
        Self {
            kind: Type::Hole,
            offset,
            length,
            addr: NULL_ADDR,
            flags: MapFlags::empty(),
        }
    }

    /// `length` bytes at file offset `offset` stored at disk byte address `addr`, of type
    /// [`Type::Mapped`] or [`Type::Unwritten`].
    pub fn blocks(kind: Type, offset: i64, length: u64, addr: u64) -> Self {
        Self {
            kind,
            offset,
            length,
            addr,
            flags: MapFlags::empty(),
        }
    }

    /// Returns the map with `flags` added.
    pub fn with_flags(mut self, flags: MapFlags) -> Self {
        self.flags = self.flags.with(flags);
        self
    }

    /// Writes the map into a C `struct iomap` for I/O on `bdev`.
    pub fn fill(&self, iomap: &mut bindings::iomap, bdev: &BlockDevice) {
        self.fill_extent(iomap);
        iomap.bdev = bdev.as_raw();
    }

    /// Writes everything but the block device into a C `struct iomap`.
    fn fill_extent(&self, iomap: &mut bindings::iomap) {
        iomap.type_ = self.kind as u16;
        iomap.offset = self.offset;
        iomap.length = self.length;
        iomap.addr = self.addr;
        iomap.flags = self.flags.as_raw();
    }

    /// Reads a map back from a C `struct iomap` (as iomap passes it to `end`); `None` if its
    /// type is unknown.
    pub fn from_raw(iomap: &bindings::iomap) -> Option<Self> {
        Some(Self {
            kind: Type::from_raw(iomap.type_)?,
            offset: iomap.offset,
            length: iomap.length,
            addr: iomap.addr,
            flags: MapFlags::from_raw(iomap.flags),
        })
    }
}

#[macros::kunit_tests(rust_iomap)]
mod tests {
    use super::*;

    #[test]
    fn dio_flags_match_the_c_constants() {
        assert_eq!(DioFlags::FORCE_WAIT.as_raw(), 1 << 0);
        assert_eq!(DioFlags::OVERWRITE_ONLY.as_raw(), 1 << 1);
        assert_eq!(DioFlags::PARTIAL.as_raw(), 1 << 2);
        assert_eq!(DioFlags::FSBLOCK_ALIGNED.as_raw(), 1 << 3);
        // The flag of the seed patch: "#define IOMAP_DIO_BOUNCE (1 << 4)".
        assert_eq!(DioFlags::BOUNCE.as_raw(), 1 << 4);
        assert_eq!(DioFlags::BOUNCE.as_raw(), bindings::IOMAP_DIO_BOUNCE);
    }

    #[test]
    fn iter_and_map_flags_match_the_c_constants() {
        assert_eq!(IterFlags::WRITE.as_raw(), 1 << 0);
        assert_eq!(IterFlags::ZERO.as_raw(), 1 << 1);
        assert_eq!(IterFlags::REPORT.as_raw(), 1 << 2);
        assert_eq!(IterFlags::FAULT.as_raw(), 1 << 3);
        assert_eq!(IterFlags::DIRECT.as_raw(), 1 << 4);
        assert_eq!(IterFlags::NOWAIT.as_raw(), 1 << 5);
        assert_eq!(IterFlags::OVERWRITE_ONLY.as_raw(), 1 << 6);
        assert_eq!(MapFlags::NEW.as_raw(), 1 << 0);
        assert_eq!(MapFlags::DIRTY.as_raw(), 1 << 1);
        assert_eq!(NULL_ADDR, u64::MAX);
    }

    #[test]
    fn flag_sets_compose() {
        let f = DioFlags::empty()
            .with_if(true, DioFlags::BOUNCE)
            .with_if(false, DioFlags::PARTIAL);
        assert!(f.contains(DioFlags::BOUNCE));
        assert!(!f.contains(DioFlags::PARTIAL));
        assert_eq!((DioFlags::BOUNCE | DioFlags::FORCE_WAIT).as_raw(), 0b1_0001);
        assert!(
            IterFlags::from_raw(bindings::IOMAP_WRITE | bindings::IOMAP_DIRECT)
                .contains(IterFlags::DIRECT)
        );
    }

    #[test]
    fn types_round_trip() {
        for t in [
            Type::Hole,
            Type::Delalloc,
            Type::Mapped,
            Type::Unwritten,
            Type::Inline,
        ] {
            assert_eq!(Type::from_raw(t as u16), Some(t));
        }
        assert_eq!(Type::Mapped as u32, bindings::IOMAP_MAPPED);
        assert_eq!(Type::from_raw(99), None);
    }

    #[test]
    fn maps_fill_struct_iomap() {
        // SAFETY: All-zero is a valid `struct iomap`.
        let mut raw: bindings::iomap = unsafe { core::mem::zeroed() };
        let map = Map::blocks(Type::Unwritten, 8192, 4096, 1 << 20).with_flags(MapFlags::NEW);
        map.fill_extent(&mut raw);
        assert_eq!(Map::from_raw(&raw), Some(map));
        assert_eq!(u32::from(raw.type_), bindings::IOMAP_UNWRITTEN);
        assert_eq!(Map::hole(0, 4096).addr, NULL_ADDR);
    }
}
