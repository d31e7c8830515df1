// SPDX-License-Identifier: GPL-2.0

//! Round trips of every on-disk structure and detection of each kind of corruption.

use bouncefs_format::*;

fn sb() -> Superblock {
    let mut sb = Superblock::new_geometry(100_000, 1000).unwrap();
    sb.mkfs_time = 1_700_000_000;
    sb.uuid = [7; 16];
    sb.set_label(b"test").unwrap();
    sb.free_blocks = 1234;
    sb.free_inodes = 99;
    sb
}

fn block() -> Vec<u8> {
    vec![0u8; BLOCK_SIZE]
}

fn file_inode(sb: &Superblock) -> Inode {
    let mut i = Inode::empty();
    i.mode = (S_IFREG | 0o644) as u16;
    i.nlink = 1;
    i.uid = 1000;
    i.gid = 100;
    i.size = 3 * 4096 + 17;
    i.blocks = 4;
    i.atime_sec = -5;
    i.mtime_sec = 1_700_000_000;
    i.ctime_sec = 1_700_000_001;
    i.atime_nsec = 999_999_999;
    i.generation = 42;
    i.extent_count = 2;
    i.extents[0] = Extent::new(0, 3, sb.data_start);
    i.extents[1] = Extent::new(10, 1, sb.data_start + 10).with_unwritten(true);
    i
}

fn encode_inode(i: &Inode) -> Vec<u8> {
    let mut raw = vec![0u8; INODE_SIZE];
    i.encode(&mut raw, crc32c);
    raw
}

#[test]
fn crc32c_check_value() {
    assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    assert_eq!(crc32c(b""), 0);
    assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
}

#[test]
fn constants() {
    assert_eq!(BITMAP_BITS_PER_BLOCK, 32704);
    assert_eq!(INODES_PER_BLOCK, 16);
    assert_eq!(MAX_EXTENTS, 263);
    assert_eq!(16 + INDIRECT_EXTENTS * EXTENT_SIZE, 4080);
    assert_eq!(DIRENTS_PER_BLOCK * DIRENT_SIZE, 3840);
    assert_eq!(6 + NAME_MAX, DIRENT_SIZE);
    assert_eq!(INDIRECT_MAGIC.to_le_bytes(), *b"BTEX");
    assert_eq!(DIR_MAGIC.to_le_bytes(), *b"BDIR");
}

#[test]
fn geometry() {
    let sb = Superblock::new_geometry(100_000, 1000).unwrap();
    assert_eq!(sb.bitmap_start, 1);
    assert_eq!(sb.bitmap_blocks, 4);
    assert_eq!(sb.inode_table_start, 5);
    assert_eq!(sb.inode_count, 1008);
    assert_eq!(sb.inode_table_blocks, 63);
    assert_eq!(sb.data_start, 68);
    assert_eq!(sb.data_blocks(), 100_000 - 68);
    assert!(sb.fits_device(100_000 * 4096));
    assert!(!sb.fits_device(100_000 * 4096 - 1));
    // Exactly one bitmap block, and two.
    assert_eq!(
        Superblock::new_geometry(32704, 16).unwrap().bitmap_blocks,
        1
    );
    assert_eq!(
        Superblock::new_geometry(32705, 16).unwrap().bitmap_blocks,
        2
    );
    // The smallest file system: superblock, bitmap, inode table, one data block.
    assert_eq!(Superblock::new_geometry(4, 16).unwrap().data_start, 3);
    assert_eq!(
        Superblock::new_geometry(3, 16),
        Err(FormatError::BadGeometry)
    );
    assert_eq!(
        Superblock::new_geometry(100, 10_000),
        Err(FormatError::BadGeometry)
    );
    assert_eq!(Superblock::new_geometry(100, 0).unwrap().inode_count, 16);
    assert_eq!(
        Superblock::new_geometry(u64::MAX, u32::MAX),
        Err(FormatError::BadGeometry)
    );
}

#[test]
fn superblock_round_trip() {
    let sb = sb();
    let mut b = block();
    sb.encode(&mut b, crc32c);
    assert_eq!(&b[..8], b"BOUNCEFS");
    assert!(b[152..252].iter().all(|&x| x == 0));
    assert!(b[256..].iter().all(|&x| x == 0));
    let back = Superblock::decode(&b, crc32c).unwrap();
    assert_eq!(back, sb);
    assert_eq!(back.label(), b"test");
    // The superblock alone (256 bytes) decodes too.
    assert_eq!(Superblock::decode(&b[..256], crc32c).unwrap(), sb);
    assert_eq!(
        Superblock::decode(&b[..255], crc32c),
        Err(FormatError::Short)
    );
}

#[test]
fn superblock_any_flipped_byte_is_detected() {
    let mut b = block();
    sb().encode(&mut b, crc32c);
    for at in 0..256 {
        let mut c = b.clone();
        c[at] ^= 0x40;
        let err = Superblock::decode(&c, crc32c).unwrap_err();
        let want = match at {
            0..=7 => FormatError::BadMagic,
            8..=11 => FormatError::BadVersion,
            _ => FormatError::BadChecksum,
        };
        assert_eq!(err, want, "byte {at}");
    }
}

fn resealed(sb: &Superblock) -> Result<Superblock, FormatError> {
    let mut b = block();
    sb.encode(&mut b, crc32c);
    Superblock::decode(&b, crc32c)
}

#[test]
fn superblock_field_checks() {
    let good = sb();
    let mut s = good.clone();
    s.features_incompat = 1;
    assert_eq!(resealed(&s), Err(FormatError::UnknownFeatures));
    let mut s = good.clone();
    s.features_compat = 1;
    assert!(resealed(&s).is_ok());
    let mut s = good.clone();
    s.state = 3;
    assert_eq!(resealed(&s), Err(FormatError::BadState));
    s.state = STATE_DIRTY;
    assert!(resealed(&s).is_ok());

    type Mutation = fn(&mut Superblock);
    let geometry: [Mutation; 10] = [
        |s| s.total_blocks = s.data_start,
        |s| s.total_blocks = 1_000_000,
        |s| s.bitmap_start = 2,
        |s| s.bitmap_blocks += 1,
        |s| s.inode_table_start += 1,
        |s| s.inode_count += 16,
        |s| s.inode_table_blocks = 0,
        |s| s.data_start -= 1,
        |s| s.root_ino = 2,
        |s| s.inode_table_blocks = u64::MAX,
    ];
    for (i, mutate) in geometry.iter().enumerate() {
        let mut s = good.clone();
        mutate(&mut s);
        assert_eq!(resealed(&s), Err(FormatError::BadGeometry), "mutation {i}");
    }

    let mut b = block();
    good.encode(&mut b, crc32c);
    b[20] = 0;
    b[21] = 2; // block size 512
    let crc = crc32c(&b[..252]);
    b[252..256].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        Superblock::decode(&b, crc32c),
        Err(FormatError::BadBlockSize)
    );
}

#[test]
fn label() {
    let mut s = sb();
    assert!(s.set_label(&[b'x'; 32]).is_ok());
    assert_eq!(s.label(), &[b'x'; 32]);
    assert!(s.set_label(&[b'x'; 33]).is_err());
    assert!(s.set_label(b"a\0b").is_err());
    s.set_label(b"").unwrap();
    assert_eq!(s.label(), b"");
}

#[test]
fn bitmap_blocks() {
    let sb = Superblock::new_geometry(40_000, 64).unwrap();
    assert_eq!(sb.bitmap_blocks, 2);
    assert_eq!(bitmap_locate(0), (0, 0));
    assert_eq!(bitmap_locate(32703), (0, 32703));
    assert_eq!(bitmap_locate(32704), (1, 0));
    let mut b0 = block();
    for nr in 0..sb.data_start {
        let (k, bit) = bitmap_locate(nr);
        assert_eq!(k, 0);
        bitmap_set(&mut b0, bit, true);
    }
    assert_eq!(b0[0], 0x7f);
    assert!(bitmap_test(&b0, 5));
    assert!(!bitmap_test(&b0, usize::try_from(sb.data_start).unwrap()));
    assert!(!bitmap_test(&b0, BITMAP_BITS_PER_BLOCK));
    bitmap_set(&mut b0, BITMAP_BITS_PER_BLOCK, true); // ignored: that is the tail
    assert_eq!(b0[4088], 0);
    bitmap_block_seal(&mut b0, 0, crc32c);
    bitmap_block_check(&b0, 0, crc32c).unwrap();
    bitmap_block_check_bits(&b0, 0, &sb).unwrap();
    assert_eq!(
        bitmap_block_check(&b0, 1, crc32c),
        Err(FormatError::BadBitmap)
    );
    for at in [0, 100, 4087, 4088, 4091, 4092, 4095] {
        let mut c = b0.clone();
        c[at] ^= 1;
        assert_eq!(
            bitmap_block_check(&c, 0, crc32c),
            Err(FormatError::BadChecksum),
            "byte {at}"
        );
    }
    // A metadata block marked free.
    let mut c = b0.clone();
    bitmap_set(&mut c, 1, false);
    assert_eq!(
        bitmap_block_check_bits(&c, 0, &sb),
        Err(FormatError::BadBitmap)
    );
    // The second block: bits past total_blocks must be clear.
    let mut b1 = block();
    let last = usize::try_from(40_000 - 32704 - 1).unwrap();
    bitmap_set(&mut b1, last, true);
    bitmap_block_check_bits(&b1, 1, &sb).unwrap();
    bitmap_set(&mut b1, last + 1, true);
    assert_eq!(
        bitmap_block_check_bits(&b1, 1, &sb),
        Err(FormatError::BadBitmap)
    );
}

#[test]
fn extent_accessors() {
    let e = Extent::new(5, 3, 100);
    assert_eq!((e.len(), e.unwritten(), e.file_end()), (3, false, 8));
    assert_eq!(e.disk_end(), Some(103));
    let u = e.with_unwritten(true);
    assert_eq!((u.len(), u.unwritten()), (3, true));
    assert_eq!(u.raw_len, 3 | EXTENT_UNWRITTEN);
    assert_eq!(u.with_unwritten(false), e);
    assert_eq!(Extent::new(0, u32::MAX, 0).len(), EXTENT_MAX_LEN);
    let z = e.with_zeroed(true);
    assert_eq!((z.len(), z.unwritten(), z.zeroed()), (3, true, true));
    assert_eq!(z.raw_len, 3 | EXTENT_UNWRITTEN | EXTENT_ZEROED);
    assert_eq!(z.with_zeroed(false), u);
    assert_eq!(z.with_unwritten(false), e);
    assert!(!u.zeroed());
    let mut raw = [0u8; 20];
    u.encode(&mut raw, 4);
    assert_eq!(Extent::decode(&raw, 4).unwrap(), u);
    assert_eq!(Extent::decode(&raw, 5), Err(FormatError::Short));
    assert_eq!(Extent::new(0, 1, u64::MAX).disk_end(), None);
}

#[test]
fn extent_checks() {
    let sb = sb();
    let d = sb.data_start;
    assert!(Extent::new(0, 1, d).check(&sb).is_ok());
    assert!(Extent::new(0, 1, sb.total_blocks - 1).check(&sb).is_ok());
    let bad = [
        Extent::new(0, 0, d),
        Extent::new(0, 1, d - 1),
        Extent::new(0, 1, 0),
        Extent::new(0, 2, sb.total_blocks - 1),
        Extent::new(0, 1, sb.total_blocks),
        Extent::new(0, 1, u64::MAX),
        Extent::new(u32::MAX, 1, d),
        Extent::new(0, 0, d).with_unwritten(true),
        Extent {
            raw_len: 1 | EXTENT_ZEROED,
            ..Extent::new(0, 1, d)
        },
    ];
    for e in bad {
        assert_eq!(e.check(&sb), Err(FormatError::BadExtent), "{e:?}");
    }
    // The last addressable file block.
    assert!(Extent::new(u32::MAX - 1, 1, d).check(&sb).is_ok());

    let a = Extent::new(0, 4, d);
    let b = Extent::new(4, 4, d + 10);
    let c = Extent::new(7, 1, d + 20);
    assert!(check_extents(&[a, b], None, &sb).is_ok());
    assert_eq!(
        check_extents(&[b, a], None, &sb),
        Err(FormatError::BadExtentOrder)
    );
    assert_eq!(
        check_extents(&[a, b, c], None, &sb),
        Err(FormatError::BadExtentOrder)
    );
    assert_eq!(
        check_extents(&[a, a], None, &sb),
        Err(FormatError::BadExtentOrder)
    );
    // Across the inline/indirect boundary.
    assert!(check_extents(&[b], Some(&a), &sb).is_ok());
    assert_eq!(
        check_extents(&[c], Some(&b), &sb),
        Err(FormatError::BadExtentOrder)
    );
    let inline: Vec<Extent> = (0..9)
        .map(|i| Extent::new(i * 2, 1, d + 100 + u64::from(i)))
        .collect();
    assert!(check_extent_list(&inline, &[Extent::new(17, 1, d)], &sb).is_ok());
    assert_eq!(
        check_extent_list(&inline, &[Extent::new(16, 1, d)], &sb),
        Err(FormatError::BadExtentOrder)
    );
    assert_eq!(
        check_extent_list(&inline[..8], &[Extent::new(17, 1, d)], &sb),
        Err(FormatError::BadExtentCount)
    );
}

#[test]
fn inode_round_trip() {
    let sb = sb();
    let i = file_inode(&sb);
    let raw = encode_inode(&i);
    assert_eq!(
        Inode::decode(&raw, 2, &sb, crc32c).unwrap(),
        Some(i.clone())
    );
    assert!(raw[96 + 32..252].iter().all(|&b| b == 0));
    // A free inode.
    assert_eq!(Inode::decode(&[0u8; 256], 2, &sb, crc32c), Ok(None));
    let mut free = [0u8; 256];
    free[100] = 1;
    assert_eq!(
        Inode::decode(&free, 2, &sb, crc32c),
        Err(FormatError::BadFreeInode)
    );
    assert_eq!(
        Inode::decode(&raw[..255], 2, &sb, crc32c),
        Err(FormatError::Short)
    );
    assert_eq!(
        Inode::decode(&raw, 0, &sb, crc32c),
        Err(FormatError::BadInodeNumber)
    );
    assert_eq!(
        Inode::decode(&raw, sb.inode_count + 1, &sb, crc32c),
        Err(FormatError::BadInodeNumber)
    );
    assert!(Inode::decode(&raw, sb.inode_count, &sb, crc32c).is_ok());
    assert_eq!(i.kind(), S_IFREG);
    assert_eq!(i.indirect_count(), 0);
}

#[test]
fn inode_any_flipped_byte_is_detected() {
    let sb = sb();
    let raw = encode_inode(&file_inode(&sb));
    for at in 0..256 {
        let mut c = raw.clone();
        c[at] ^= 0x10;
        let r = Inode::decode(&c, 2, &sb, crc32c);
        assert_eq!(r, Err(FormatError::BadChecksum), "byte {at}");
    }
}

fn reencoded(i: &Inode, ino: u32, sb: &Superblock) -> Result<Option<Inode>, FormatError> {
    Inode::decode(&encode_inode(i), ino, sb, crc32c)
}

#[test]
fn inode_field_checks() {
    let sb = sb();
    let good = file_inode(&sb);
    let d = sb.data_start;
    type Mutation = fn(&mut Inode, u64);
    let cases: [(Mutation, FormatError); 17] = [
        (|i, _| i.mode = 0o170644, FormatError::BadInodeType),
        (|i, _| i.mode = 0o644, FormatError::BadInodeType),
        (
            |i, _| i.atime_nsec = 1_000_000_000,
            FormatError::BadTimestamp,
        ),
        (|i, _| i.mtime_nsec = u32::MAX, FormatError::BadTimestamp),
        (
            |i, _| i.ctime_nsec = 1_000_000_000,
            FormatError::BadTimestamp,
        ),
        (|i, _| i.flags = 1, FormatError::BadInode),
        (|i, _| i.size = u64::MAX, FormatError::BadInode),
        (|i, _| i.extent_count = 264, FormatError::BadExtentCount),
        (|i, _| i.extent_count = 10, FormatError::BadIndirect),
        (|i, d| i.indirect = d + 50, FormatError::BadIndirect),
        (
            |i, _| i.extents[1] = Extent::new(1, 1, 5),
            FormatError::BadExtent,
        ),
        (
            |i, d| i.extents[1] = Extent::new(2, 1, d + 5),
            FormatError::BadExtentOrder,
        ),
        (
            |i, d| i.extents[1] = Extent::new(0, 1, d + 5),
            FormatError::BadExtentOrder,
        ),
        (
            |i, d| i.extents[1] = Extent::new(0, 0, d + 5),
            FormatError::BadExtent,
        ),
        (
            |i, d| i.extents[5] = Extent::new(100, 1, d),
            FormatError::BadExtent,
        ),
        (
            |i, _| i.mode = (S_IFLNK | 0o777) as u16,
            FormatError::BadInode,
        ),
        (
            |i, _| i.mode = (S_IFDIR | 0o755) as u16,
            FormatError::BadInode,
        ),
    ];
    for (n, (mutate, want)) in cases.iter().enumerate() {
        let mut i = good.clone();
        mutate(&mut i, d);
        // Unused inline slots are never written by encode; check them through raw bytes.
        let mut raw = encode_inode(&i);
        if n == 14 {
            Extent::new(100, 1, d).encode(&mut raw, 96 + 5 * 16);
            let crc = crc32c(&raw[..252]);
            raw[252..].copy_from_slice(&crc.to_le_bytes());
        }
        assert_eq!(Inode::decode(&raw, 2, &sb, crc32c), Err(*want), "case {n}");
    }
    // Reserved bytes, with a valid checksum.
    for at in [2, 3, 240, 251] {
        let mut raw = encode_inode(&good);
        raw[at] = 1;
        let crc = crc32c(&raw[..252]);
        raw[252..].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(
            Inode::decode(&raw, 2, &sb, crc32c),
            Err(FormatError::BadInode),
            "byte {at}"
        );
    }
    // Directories and the root.
    let mut dir = Inode::empty();
    dir.mode = (S_IFDIR | 0o755) as u16;
    dir.nlink = 2;
    dir.size = 4096;
    dir.blocks = 1;
    dir.parent = 1;
    dir.extent_count = 1;
    dir.extents[0] = Extent::new(0, 1, d);
    assert!(reencoded(&dir, 1, &sb).unwrap().is_some());
    assert!(reencoded(&dir, 7, &sb).unwrap().is_some());
    let mut d2 = dir.clone();
    d2.parent = 7;
    assert_eq!(reencoded(&d2, 1, &sb), Err(FormatError::BadInode));
    assert!(reencoded(&d2, 8, &sb).is_ok());
    d2.parent = sb.inode_count + 1;
    assert_eq!(reencoded(&d2, 8, &sb), Err(FormatError::BadInode));
    d2.parent = 1;
    d2.size = 100;
    assert_eq!(reencoded(&d2, 8, &sb), Err(FormatError::BadInode));
    assert_eq!(reencoded(&good, 1, &sb), Err(FormatError::BadInode));
    // Symbolic links: 1..=4095 bytes.
    let mut l = good.clone();
    l.mode = (S_IFLNK | 0o777) as u16;
    l.extent_count = 1;
    l.extents[1] = Extent::default();
    for (size, ok) in [(0, false), (1, true), (4095, true), (4096, false)] {
        l.size = size;
        assert_eq!(reencoded(&l, 3, &sb).is_ok(), ok, "size {size}");
    }
    // Devices and the other types.
    for kind in [S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK] {
        let mut s = Inode::empty();
        s.mode = (kind | 0o600) as u16;
        s.rdev = 0x0801;
        assert_eq!(reencoded(&s, 4, &sb).unwrap(), Some(s));
    }
}

fn indirect_inode(sb: &Superblock, n: u32) -> (Inode, IndirectBlock) {
    let d = sb.data_start;
    let mut i = file_inode(sb);
    i.extent_count = n;
    i.indirect = d + 1000;
    i.extents = [Extent::default(); INLINE_EXTENTS];
    let mut ind = IndirectBlock::new(5);
    for k in 0..n {
        let e = Extent::new(k * 3, 2, d + u64::from(k) * 2);
        if k < 9 {
            i.extents[k as usize] = e;
        } else {
            ind.push(e).unwrap();
        }
    }
    i.blocks = u64::from(n) * 2 + 1;
    (i, ind)
}

#[test]
fn indirect_round_trip() {
    let sb = sb();
    for n in [10, 100, 263] {
        let (i, ind) = indirect_inode(&sb, n);
        let back = reencoded(&i, 5, &sb).unwrap().unwrap();
        assert_eq!(back, i);
        assert_eq!(back.indirect_count(), n - 9);
        let mut b = block();
        ind.encode(&mut b, crc32c);
        let got = IndirectBlock::decode(&b, 5, n - 9, &sb, crc32c).unwrap();
        assert_eq!(got, ind);
        assert_eq!(got.owner(), 5);
        check_extents(got.extents(), back.inline_extents().last(), &sb).unwrap();
        check_extent_list(back.inline_extents(), got.extents(), &sb).unwrap();
    }
    let (_, mut full) = indirect_inode(&sb, 263);
    assert_eq!(
        full.push(Extent::new(1000, 1, sb.data_start)),
        Err(FormatError::BadExtentCount)
    );
}

#[test]
fn indirect_corruption() {
    let sb = sb();
    let (_, ind) = indirect_inode(&sb, 20);
    let mut b = block();
    ind.encode(&mut b, crc32c);
    for at in (0..4096).step_by(97).chain([4095]) {
        let mut c = b.clone();
        c[at] ^= 4;
        assert_eq!(
            IndirectBlock::decode(&c, 5, 11, &sb, crc32c),
            Err(FormatError::BadChecksum),
            "byte {at}"
        );
    }
    assert_eq!(
        IndirectBlock::decode(&b, 6, 11, &sb, crc32c),
        Err(FormatError::BadIndirect)
    );
    assert_eq!(
        IndirectBlock::decode(&b, 5, 12, &sb, crc32c),
        Err(FormatError::BadExtentCount)
    );
    assert_eq!(
        IndirectBlock::decode(&b, 5, 0, &sb, crc32c),
        Err(FormatError::BadExtentCount)
    );
    assert_eq!(
        IndirectBlock::decode(&b, 5, 255, &sb, crc32c),
        Err(FormatError::BadExtentCount)
    );
    let reseal = |c: &mut Vec<u8>| {
        let crc = crc32c(&c[..4092]);
        c[4092..].copy_from_slice(&crc.to_le_bytes());
    };
    for (at, want) in [
        (0, FormatError::BadIndirect),
        (12, FormatError::BadIndirect),
        (4080, FormatError::BadIndirect),
        (16 + 11 * 16, FormatError::BadIndirect), // an unused slot
        (16 + 4, FormatError::BadExtent),         // the first extent's length set to 0
    ] {
        let mut c = b.clone();
        if at == 20 {
            c[20..24].copy_from_slice(&0u32.to_le_bytes());
        } else {
            c[at] ^= 1;
        }
        reseal(&mut c);
        assert_eq!(
            IndirectBlock::decode(&c, 5, 11, &sb, crc32c),
            Err(want),
            "byte {at}"
        );
    }
    // Overlap inside the indirect block, with a valid checksum.
    let mut bad = IndirectBlock::new(5);
    bad.push(Extent::new(100, 5, sb.data_start)).unwrap();
    bad.push(Extent::new(104, 1, sb.data_start + 9)).unwrap();
    bad.encode(&mut b, crc32c);
    assert_eq!(
        IndirectBlock::decode(&b, 5, 2, &sb, crc32c),
        Err(FormatError::BadExtentOrder)
    );
}

#[test]
fn inode_location_math() {
    let sb = sb();
    assert_eq!(inode_location(1, &sb), Ok((sb.inode_table_start, 0)));
    assert_eq!(
        inode_location(16, &sb),
        Ok((sb.inode_table_start, 15 * 256))
    );
    assert_eq!(inode_location(17, &sb), Ok((sb.inode_table_start + 1, 0)));
    let last = inode_location(sb.inode_count, &sb).unwrap();
    assert_eq!(last, (sb.data_start - 1, 15 * 256));
    assert_eq!(inode_location(0, &sb), Err(FormatError::BadInodeNumber));
    assert_eq!(
        inode_location(sb.inode_count + 1, &sb),
        Err(FormatError::BadInodeNumber)
    );
}

#[test]
fn dir_blocks() {
    let mut b = block();
    dir_block_init(&mut b, 9, 3, crc32c);
    dir_block_check(&b, 9, 3, crc32c).unwrap();
    assert_eq!(&b[3840..3844], b"BDIR");
    for slot in 0..DIRENTS_PER_BLOCK {
        assert_eq!(Dirent::decode(&b, slot), Ok(None));
    }
    assert_eq!(Dirent::decode(&b, 15), Err(FormatError::BadDirent));
    let names: [&[u8]; 3] = [b"a", b"hello world", &[b'n'; 250]];
    for (slot, name) in names.iter().enumerate() {
        Dirent::new(20 + slot as u32, DT_REG, name)
            .unwrap()
            .encode(&mut b, slot * 7);
    }
    Dirent::new(1, DT_DIR, b"x").unwrap().encode(&mut b, 99); // ignored
    dir_block_seal(&mut b, 9, 3, crc32c);
    dir_block_check(&b, 9, 3, crc32c).unwrap();
    for (slot, name) in names.iter().enumerate() {
        let e = Dirent::decode(&b, slot * 7).unwrap().unwrap();
        assert_eq!(
            (e.ino, e.file_type, e.name()),
            (20 + slot as u32, DT_REG, *name)
        );
    }
    assert_eq!(
        dir_block_check(&b, 8, 3, crc32c),
        Err(FormatError::BadDirBlock)
    );
    assert_eq!(
        dir_block_check(&b, 9, 2, crc32c),
        Err(FormatError::BadDirBlock)
    );
    for at in [0, 300, 3839, 3840, 3900, 4091, 4092] {
        let mut c = b.clone();
        c[at] ^= 0x80;
        assert_eq!(
            dir_block_check(&c, 9, 3, crc32c),
            Err(FormatError::BadChecksum),
            "byte {at}"
        );
    }
    // Reserved tail bytes, with a valid checksum.
    let mut c = b.clone();
    c[4000] = 1;
    let crc = crc32c(&c[..4092]);
    c[4092..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        dir_block_check(&c, 9, 3, crc32c),
        Err(FormatError::BadDirBlock)
    );
    Dirent::clear(&mut b, 7);
    assert_eq!(Dirent::decode(&b, 7), Ok(None));
}

#[test]
fn dirent_checks() {
    for name in [&b""[..], b".", b"..", b"a/b", b"a\0", &[b'x'; 251]] {
        assert_eq!(
            Dirent::new(5, DT_REG, name),
            Err(FormatError::BadName),
            "{name:?}"
        );
    }
    assert!(Dirent::new(5, DT_REG, b"...").is_ok());
    assert_eq!(Dirent::new(0, DT_REG, b"a"), Err(FormatError::BadDirent));
    assert_eq!(Dirent::new(5, 3, b"a"), Err(FormatError::BadDirent));

    let mut b = block();
    Dirent::new(5, DT_LNK, b"link").unwrap().encode(&mut b, 2);
    let raw = 2 * 256;
    type Mutation = fn(&mut [u8]);
    let cases: [(Mutation, FormatError); 8] = [
        (|r| r[4] = 0, FormatError::BadDirent), // the name's bytes follow an empty name
        (|r| r[4] = 251, FormatError::BadName),
        (|r| r[4] = 2, FormatError::BadDirent), // bytes after the name
        (|r| r[6] = b'/', FormatError::BadName),
        (|r| r[7] = 0, FormatError::BadName), // a NUL inside the name
        (|r| r[5] = 0, FormatError::BadDirent),
        (|r| r[255] = 1, FormatError::BadDirent),
        (|r| r[0..4].fill(0), FormatError::BadDirent), // a free slot that is not zero
    ];
    for (n, (mutate, want)) in cases.iter().enumerate() {
        let mut c = b.clone();
        mutate(&mut c[raw..raw + 256]);
        assert_eq!(Dirent::decode(&c, 2), Err(*want), "case {n}");
    }
    // "." and "..", stored by hand.
    let mut c = b.clone();
    c[raw + 4] = 2;
    c[raw + 6..raw + 10].copy_from_slice(b"..\0\0");
    assert_eq!(Dirent::decode(&c, 2), Err(FormatError::BadName));
}

#[test]
fn dtypes() {
    let pairs = [
        (S_IFREG, DT_REG),
        (S_IFDIR, DT_DIR),
        (S_IFLNK, DT_LNK),
        (S_IFCHR, DT_CHR),
        (S_IFBLK, DT_BLK),
        (S_IFIFO, DT_FIFO),
        (S_IFSOCK, DT_SOCK),
    ];
    for (mode, dt) in pairs {
        assert_eq!(mode_to_dtype((mode | 0o644) as u16), dt);
        assert!(dtype_valid(dt));
    }
    assert!(!dtype_valid(0));
    assert!(!dtype_valid(14));
}

#[test]
fn errors_describe() {
    assert_eq!(FormatError::BadChecksum.describe(), "checksum mismatch");
    assert_eq!(
        FormatError::BadExtentOrder.to_string(),
        "extents unsorted or overlapping"
    );
}

/// The kernel's stack-free path (check_indirect, indirect_extents, encode_indirect) reads
/// and writes the same blocks as IndirectBlock.
#[test]
fn indirect_in_place_matches_indirect_block() {
    let sb = sb();
    for n in [10, 100, 263] {
        let (i, ind) = indirect_inode(&sb, n);
        let mut a = block();
        ind.encode(&mut a, crc32c);
        let mut b = block();
        encode_indirect(&mut b, 5, ind.extents().iter().copied(), crc32c).unwrap();
        assert_eq!(a, b);
        check_indirect(&b, 5, n - 9, i.inline_extents().last(), &sb, crc32c).unwrap();
        let got: Vec<Extent> = indirect_extents(&b, n - 9).collect();
        assert_eq!(got, ind.extents());
        // The first indirect extent must start after the last inline one.
        let overlap = Extent::new(u32::MAX / 2, 1, sb.data_start);
        assert_eq!(
            check_indirect(&b, 5, n - 9, Some(&overlap), &sb, crc32c),
            Err(FormatError::BadExtentOrder)
        );
        assert_eq!(
            check_indirect(&b, 6, n - 9, None, &sb, crc32c),
            Err(FormatError::BadIndirect)
        );
    }
    let mut c = block();
    let too_many = (0..=INDIRECT_EXTENTS as u32).map(|k| Extent::new(k * 3, 2, sb.data_start));
    assert_eq!(
        encode_indirect(&mut c, 5, too_many, crc32c),
        Err(FormatError::BadExtentCount)
    );
    assert!(c.iter().all(|&x| x == 0));
}
