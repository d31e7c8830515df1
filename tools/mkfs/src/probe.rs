// SPDX-License-Identifier: GPL-2.0

//! What is already on the device, and a new UUID.

use bouncefs_format::MAGIC;
use bouncefs_image::Device;
use std::{fs::File, io::Read};

/// The name of a file system already on `dev`, if it has one mkfs recognises: bouncefs
/// (magic at byte 0), XFS ("XFSB" at byte 0) or ext2/3/4 (0xEF53 at byte 1080).
pub(crate) fn existing_fs(dev: &Device) -> Option<&'static str> {
    let mut head = [0u8; 2048];
    let len = usize::try_from(dev.size()).map_or(head.len(), |n| n.min(head.len()));
    dev.read_at(&mut head[..len], 0).ok()?;
    if head[..8] == MAGIC {
        Some("bouncefs")
    } else if &head[..4] == b"XFSB" {
        Some("xfs")
    } else if head[1080..1082] == [0x53, 0xef] {
        Some("ext2/ext3/ext4")
    } else {
        None
    }
}

/// A random (version 4) UUID from /dev/urandom, or one made of the time if it cannot be read.
pub(crate) fn uuid(now: u64) -> [u8; 16] {
    let mut id = [0u8; 16];
    if File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut id))
        .is_err()
    {
        id[..8].copy_from_slice(&now.to_le_bytes());
        id[8..12].copy_from_slice(&std::process::id().to_le_bytes());
    }
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    id
}

/// The usual text form of a UUID.
pub(crate) fn uuid_string(id: &[u8; 16]) -> String {
    let hex: Vec<String> = id.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex[..4].concat(),
        hex[4..6].concat(),
        hex[6..8].concat(),
        hex[8..10].concat(),
        hex[10..].concat()
    )
}
