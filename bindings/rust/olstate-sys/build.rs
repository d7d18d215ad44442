//! Links the olstate C library (and, with the `sim` feature, the simulator
//! `olstate_sim` next to it).
//!
//! 1. `OLSTATE_LIB_DIR` (a folder holding `libolstate.so` / `olstate.dll` +
//!    import library / `libolstate.dylib`): for a library in a folder of
//!    your own, or a meson build tree.
//! 2. otherwise `pkg-config olstate` (the `pkg-config` program, run through
//!    `std::process`; no build dependency), for an installed olstate.
//! 3. otherwise the build stops with an error naming both.
//!
//! Either way the library's folder is published as `DEP_OLSTATE_LIB_DIR` to
//! the build scripts of crates that depend on this one (`links = "olstate"`).
//! Cargo applies link arguments such as an rpath only to the package whose
//! build script emits them, so the rpath emitted here reaches this crate's
//! own tests; a binary elsewhere that must find a library outside the
//! system's folders adds the rpath in its own build script from
//! `DEP_OLSTATE_LIB_DIR` (the crate README's recipe).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OLSTATE_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_LIBDIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG");
    if env::var_os("CARGO_FEATURE_SIM").is_some() {
        // Found in the same folder as libolstate: the file olstate loads.
        println!("cargo:rustc-link-lib=dylib=olstate_sim");
    }

    // docs.rs builds documentation only, on machines without olstate.
    if env::var_os("DOCS_RS").is_some() {
        return;
    }

    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();

    if let Some(dir) = env::var_os("OLSTATE_LIB_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        let dir = dir.canonicalize().unwrap_or(dir);
        if !has_library(&dir, &target_os) {
            println!(
                "cargo:warning=OLSTATE_LIB_DIR={} holds no olstate library; linking will fail",
                dir.display()
            );
        }
        link_dir(&dir, &target_os);
        println!("cargo:rustc-link-lib=dylib=olstate");
        return;
    }

    match probe_pkg_config() {
        Ok(dirs) => {
            for dir in dirs {
                link_dir(&dir, &target_os);
            }
        }
        Err(why) => {
            eprintln!(
                "error: the olstate C library was not found.\n\
                 \n\
                 Either set OLSTATE_LIB_DIR to the folder that holds libolstate \
                 (for a meson build tree: <builddir>/shim), or install olstate so \
                 that `pkg-config olstate` finds its olstate.pc (set \
                 PKG_CONFIG_PATH for a non-standard prefix; meson's \
                 <builddir>/meson-uninstalled folder also works).\n\
                 \n\
                 pkg-config said: {why}"
            );
            std::process::exit(1);
        }
    }
}

fn has_library(dir: &Path, target_os: &str) -> bool {
    let names: &[&str] = match target_os {
        "windows" => &["olstate.lib", "olstate.dll.a", "libolstate.dll.a", "olstate.dll"],
        "macos" | "ios" => &["libolstate.dylib"],
        _ => &["libolstate.so"],
    };
    names.iter().any(|n| dir.join(n).exists())
}

fn link_dir(dir: &Path, target_os: &str) {
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:lib_dir={}", dir.display());
    // Windows has no rpath: the DLL must be next to the executable or on PATH.
    if target_os != "windows" {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
}

/// Runs `pkg-config --libs olstate` and emits its `-L`/`-l` flags; returns
/// the library folders.
fn probe_pkg_config() -> Result<Vec<PathBuf>, String> {
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(&program)
        .args(["--libs", "olstate"])
        .output()
        .map_err(|e| format!("could not run `{program}`: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let flags = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut dirs = Vec::new();
    let mut linked = false;
    for flag in flags.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            dirs.push(PathBuf::from(dir));
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={lib}");
            linked |= lib == "olstate";
        }
    }
    if !linked {
        println!("cargo:rustc-link-lib=dylib=olstate");
    }
    if dirs.is_empty() {
        // Installed in a default linker path: still tell dependents where.
        if let Ok(o) = Command::new(&program).args(["--variable=libdir", "olstate"]).output() {
            let d = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if o.status.success() && !d.is_empty() {
                println!("cargo:lib_dir={d}");
            }
        }
    }
    Ok(dirs)
}
