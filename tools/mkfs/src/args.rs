// SPDX-License-Identifier: GPL-2.0

//! The command line, parsed by hand as mke2fs does: options first or mixed with the
//! operands, `-L label` or `-Llabel`.

/// Usage, printed with an error.
pub(crate) const USAGE: &str =
    "usage: mkfs.bouncefs [-L label] [-N inodes] [-f] [-n] [-q] [-V] device [blocks]";

/// What the command line asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Args {
    /// `-L`: the label (at most 32 bytes).
    pub(crate) label: Option<String>,
    /// `-N`: the number of inodes wanted.
    pub(crate) inodes: Option<u32>,
    /// `-f`: overwrite an existing file system.
    pub(crate) force: bool,
    /// `-n`: print what would be done, write nothing.
    pub(crate) dry_run: bool,
    /// `-q`: print nothing but errors.
    pub(crate) quiet: bool,
    /// The device or image file.
    pub(crate) device: String,
    /// The size in 4096-byte blocks (default: the whole device).
    pub(crate) blocks: Option<u64>,
}

/// Parses the arguments (without the program name); `Ok(None)` for `-V`.
pub(crate) fn parse(argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args::default();
    let mut operands = Vec::new();
    let mut argv = argv.peekable();
    let mut options_done = false;
    while let Some(arg) = argv.next() {
        if options_done || !arg.starts_with('-') || arg == "-" {
            operands.push(arg);
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        // Flags may be grouped (-fq); -L and -N take the rest or the next argument.
        let mut flags = arg[1..].chars();
        while let Some(flag) = flags.next() {
            match flag {
                'f' => args.force = true,
                'n' => args.dry_run = true,
                'q' => args.quiet = true,
                'V' => return Ok(None),
                'L' | 'N' => {
                    let rest: String = flags.by_ref().collect();
                    let value = if rest.is_empty() {
                        argv.next().ok_or(format!("option -{flag} needs a value"))?
                    } else {
                        rest
                    };
                    if flag == 'L' {
                        if value.len() > 32 || value.contains('\0') {
                            return Err(format!("label '{value}' is longer than 32 bytes"));
                        }
                        args.label = Some(value);
                    } else {
                        let n = value
                            .parse::<u32>()
                            .ok()
                            .filter(|&n| n > 0)
                            .ok_or(format!("bad inode count '{value}'"))?;
                        args.inodes = Some(n);
                    }
                }
                _ => return Err(format!("invalid option -- '{flag}'")),
            }
        }
    }
    let mut operands = operands.into_iter();
    args.device = operands.next().ok_or("no device given")?;
    if let Some(blocks) = operands.next() {
        args.blocks = Some(
            blocks
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or(format!("bad block count '{blocks}'"))?,
        );
    }
    if let Some(extra) = operands.next() {
        return Err(format!("unexpected argument '{extra}'"));
    }
    Ok(Some(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Option<Args>, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn options_and_operands() {
        let a = p(&["-L", "root", "-N64", "-fq", "/dev/vdb", "1000"])
            .unwrap()
            .unwrap();
        assert_eq!(a.label.as_deref(), Some("root"));
        assert_eq!(a.inodes, Some(64));
        assert!(a.force && a.quiet && !a.dry_run);
        assert_eq!((a.device.as_str(), a.blocks), ("/dev/vdb", Some(1000)));
        let a = p(&["img", "-n", "-Lx"]).unwrap().unwrap();
        assert!(a.dry_run);
        assert_eq!(a.label.as_deref(), Some("x"));
        assert_eq!(p(&["-V"]), Ok(None));
        assert_eq!(
            p(&["--", "-odd-name"]).unwrap().unwrap().device,
            "-odd-name"
        );
    }

    #[test]
    fn errors() {
        for bad in [
            &[][..],
            &["-x", "img"],
            &["-L"],
            &["-N", "0", "img"],
            &["-N", "many", "img"],
            &["img", "0"],
            &["img", "12", "extra"],
            &["-L", "a-label-that-is-longer-than-32-bytes", "img"],
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
    }
}
