#!/usr/bin/env bash
# Idle CPU of the real console: `warroom demo --solo` in tmux at 200x60, nobody typing,
# timers ticking each second. Prints the share of one core used over 10 s (aim < 1%).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/warroom
dir=$(mktemp -d)
sock=warroom-idle-$$
tmux -L "$sock" new-session -d -s idle -x 200 -y 60 "$bin --log-file $dir/w.log demo --solo --dir $dir/demo"
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$dir"' EXIT
sleep 3
pid=$(pgrep -n -f "^$bin --log-file $dir/w.log")
echo "pid $pid: $(cat /proc/$pid/comm)"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); sleep 10; t1=$(ticks)
awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "idle CPU over 10 s: %.2f%% of one core (%d ticks at %d Hz; aim < 1%%)\n", (b - a) / hz / 10 * 100, b - a, hz }'
