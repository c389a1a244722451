//! Replays every input the fuzzers kept (`fuzz/kept/<target>/`) and every
//! input that once crashed a parser (`fuzz/regressions/<target>/`, each file
//! named after what it broke) through the same entry points the fuzz
//! targets call, so `cargo test` guards what fuzzing found without a
//! nightly toolchain. A target without any kept input is a failure: the
//! replay would otherwise pass by testing nothing.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for kind in ["kept", "regressions"] {
        for path in inputs(&root.join(kind).join(target)) {
            let data = std::fs::read(&path).expect("a kept input is readable");
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(
                outcome.is_ok(),
                "{target}: {} makes the parser panic",
                path.display()
            );
            count += 1;
        }
    }
    count
}

#[test]
fn every_kept_fuzz_input_is_read_without_a_panic() {
    let mut empty = Vec::new();
    for (target, run) in harness::TARGETS {
        let replayed = replay(target, *run);
        eprintln!("{target}: {replayed} inputs");
        if replayed == 0 {
            empty.push(*target);
        }
    }
    assert!(empty.is_empty(), "targets without a kept input: {empty:?}");
}

#[test]
fn the_targets_match_the_fuzz_crate() {
    // Each target in the harness has its fuzz binary, and no binary is orphaned.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut binaries: Vec<String> = inputs(&dir)
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    binaries.sort();
    let mut targets: Vec<String> = harness::TARGETS
        .iter()
        .map(|(t, _)| t.to_string())
        .collect();
    targets.sort();
    assert_eq!(binaries, targets);
}
