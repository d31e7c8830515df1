// SPDX-License-Identifier: GPL-2.0

//! The command line, parsed by hand as e2fsck does (flags may be grouped: `-fy`).

/// Usage, printed with an error.
pub(crate) const USAGE: &str = "usage: fsck.bouncefs [-n] [-y | -p | -a] [-f] [-v] [-V] device";

/// How much may be repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Mode {
    /// `-n` (or no option): open read-only, repair nothing.
    No,
    /// `-p` or `-a`: repair what is safe without asking (derived data: bitmap, counts).
    Preen,
    /// `-y`: also repair by clearing invalid directory entries.
    Yes,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Args {
    /// What may be repaired.
    pub(crate) mode: Mode,
    /// `-v`: say what each pass does.
    pub(crate) verbose: bool,
    /// The device or image file.
    pub(crate) device: String,
}

/// Parses the arguments (without the program name); `Ok(None)` for `-V`.
pub(crate) fn parse(argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let (mut no, mut preen, mut yes, mut verbose) = (false, false, false, false);
    let mut device = None;
    for arg in argv {
        if let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) {
            for flag in flags.chars() {
                match flag {
                    'n' => no = true,
                    'p' | 'a' => preen = true,
                    'y' => yes = true,
                    // Checks are always complete; -f is accepted for fsck(8) callers.
                    'f' => {}
                    'v' => verbose = true,
                    'V' => return Ok(None),
                    _ => return Err(format!("invalid option -- '{flag}'")),
                }
            }
        } else if device.is_some() {
            return Err(format!("only one device can be checked ('{arg}')"));
        } else {
            device = Some(arg);
        }
    }
    if u8::from(no) + u8::from(preen) + u8::from(yes) > 1 {
        return Err("only one of the options -n, -p/-a and -y may be given".into());
    }
    let mode = if yes {
        Mode::Yes
    } else if preen {
        Mode::Preen
    } else {
        Mode::No
    };
    Ok(Some(Args {
        mode,
        verbose,
        device: device.ok_or("no device given")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Option<Args>, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn modes() {
        assert_eq!(p(&["img"]).unwrap().unwrap().mode, Mode::No);
        assert_eq!(p(&["-n", "img"]).unwrap().unwrap().mode, Mode::No);
        assert_eq!(p(&["-p", "img"]).unwrap().unwrap().mode, Mode::Preen);
        assert_eq!(p(&["-a", "img"]).unwrap().unwrap().mode, Mode::Preen);
        let a = p(&["-fyv", "img"]).unwrap().unwrap();
        assert_eq!(
            (a.mode, a.verbose, a.device.as_str()),
            (Mode::Yes, true, "img")
        );
        assert_eq!(p(&["-V"]), Ok(None));
    }

    #[test]
    fn errors() {
        for bad in [
            &[][..],
            &["-n", "-y", "img"],
            &["-p", "-y", "img"],
            &["-x", "img"],
            &["a", "b"],
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
    }
}
