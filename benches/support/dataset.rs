//! The shared benchmark dataset (`payments-dataset.sh`), found beside the project: the
//! project's folder and the shared folder are siblings. `WARROOM_BENCH_DATASET` names
//! another copy of the script.

use std::path::PathBuf;

pub fn script() -> PathBuf {
    std::env::var_os("WARROOM_BENCH_DATASET").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("shared")
                .join("bench")
                .join("payments-dataset.sh")
        },
        PathBuf::from,
    )
}
