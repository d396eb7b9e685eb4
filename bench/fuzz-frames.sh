#!/usr/bin/env bash
# Fuzzes the network frame decoder with libFuzzer for a bounded time (default 60 s).
# cargo fuzz needs nightly features; RUSTC_BOOTSTRAP lets the stable toolchain build it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
# The seeds stay as committed; what the fuzzer learns goes under target/.
mkdir -p target/corpus
cp corpus/frame_decoder/* target/corpus/
RUSTC_BOOTSTRAP=1 cargo fuzz run frame_decoder target/corpus -- \
  -max_total_time="$seconds" -max_len=70000 -print_final_stats=1
