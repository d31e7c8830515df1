// SPDX-License-Identifier: GPL-2.0

//! bouncefs-corrupt: applies a named corruption to a bouncefs image, for testing
//! fsck.bouncefs and the kernel's checks.
//!
//! ```text
//! bouncefs-corrupt IMAGE CORRUPTION [PATH]   apply CORRUPTION (to PATH, if given)
//! bouncefs-corrupt IMAGE tree                build the sample tree in IMAGE
//! bouncefs-corrupt -l                        list the corruptions
//! ```
//!
//! It prints what it changed, then `expect: TEXT` (what fsck.bouncefs reports) and
//! `repairable: yes|no` (whether `fsck.bouncefs -y` repairs it). Exit status 0 on success,
//! 1 on an error, 2 on bad usage.

use bouncefs_image::{corrupt, Device, Fs};
use std::process::ExitCode;

const USAGE: &str = "usage: bouncefs-corrupt IMAGE CORRUPTION [PATH] | IMAGE tree | -l";

fn run(image: &str, name: &str, path: Option<&str>) -> bouncefs_image::Result<()> {
    let mut fs = Fs::open(Device::open(image, true)?)?;
    if name == "tree" {
        corrupt::sample_tree(&mut fs)?;
        fs.close()?;
        println!("{image}: sample tree written");
        return Ok(());
    }
    let applied = corrupt::apply(&mut fs, name, path)?;
    // On stable storage before anyone reads the device, also with bios that bypass the page
    // cache.
    fs.device().sync()?;
    drop(fs);
    println!("{image}: {}", applied.what);
    println!("expect: {}", applied.expect);
    println!(
        "repairable: {}",
        if applied.repairable { "yes" } else { "no" }
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (image, name, path) = match args.as_slice() {
        [l] if l == "-l" => {
            for (name, help) in corrupt::CORRUPTIONS {
                println!("{name:20} {help}");
            }
            return ExitCode::SUCCESS;
        }
        [image, name] => (image, name, None),
        [image, name, path] => (image, name, Some(path.as_str())),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if name != "tree" && !corrupt::CORRUPTIONS.iter().any(|(n, _)| n == name) {
        eprintln!("bouncefs-corrupt: unknown corruption '{name}' (-l lists them)\n{USAGE}");
        return ExitCode::from(2);
    }
    match run(image, name, path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bouncefs-corrupt: {image}: {e}");
            ExitCode::FAILURE
        }
    }
}
