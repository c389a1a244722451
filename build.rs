//! Rebuilds the crate when `patterns/` changes: the rule bundle is compiled
//! into the binary with `include_dir!`, which tracks the files it saw but not
//! files added later.

fn main() {
    println!("cargo:rerun-if-changed=patterns");
}
