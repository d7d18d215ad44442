//! The C library is linked by olstate-sys. Cargo gives an rpath only to the
//! targets of the package that asks for it, so this crate adds one for its
//! own tests, examples and doctests from the folder olstate-sys found
//! (`DEP_OLSTATE_LIB_DIR`): they run without `LD_LIBRARY_PATH`. A binary of
//! yours does the same in its build script (README, "Add it to your project").
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_OLSTATE_LIB_DIR");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if let (Ok(dir), false) = (std::env::var("DEP_OLSTATE_LIB_DIR"), target_os == "windows") {
        // Every linked target of this package: tests, examples, doctests.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
