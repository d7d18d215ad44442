//! Links libolstate_sim (the simulator's control API) from OLSTATE_LIB_DIR,
//! the folder olstate itself loads it from, with an rpath to it.
fn main() {
    println!("cargo:rerun-if-env-changed=OLSTATE_LIB_DIR");
    let dir =
        std::env::var("OLSTATE_LIB_DIR").expect("set OLSTATE_LIB_DIR to the build's shim folder");
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
}
