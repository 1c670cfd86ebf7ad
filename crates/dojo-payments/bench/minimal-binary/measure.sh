#!/usr/bin/env bash
# Release build time (clean, one after the other in one run) and stripped
# size of the same minimal binary (create a payment intent, read it back) on
# the SDK and on bare reqwest + serde, and their ratios. Then runs both
# against the emulator to show that they do the same thing.
#
#   crates/dojo-payments/bench/minimal-binary/measure.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
declare -A seconds bytes
for which in bare sdk; do
  target="$out/target-$which"
  # Dependencies resolved and downloaded first, so that only building is timed.
  (cd "$here/$which" && cargo fetch -q)
  seconds[$which]=$( { /usr/bin/time -f %e cargo build -q --release \
      --manifest-path "$here/$which/Cargo.toml" --target-dir "$target" 2>&1 >/dev/null; } | tail -1)
  cp "$target/release/minimal-$which" "$out/$which"
  strip "$out/$which"
  bytes[$which]=$(stat -c %s "$out/$which")
  printf '%-4s release build %6.1f s   stripped %9d bytes\n' "$which" "${seconds[$which]}" "${bytes[$which]}"
done
python3 - "${seconds[sdk]}" "${seconds[bare]}" "${bytes[sdk]}" "${bytes[bare]}" <<'PY'
import sys
s_sdk, s_bare, b_sdk, b_bare = map(float, sys.argv[1:])
print(f"sdk / bare: build {s_sdk / s_bare:.2f}x   stripped size {b_sdk / b_bare:.2f}x")
PY
# Both against the emulator (built from this checkout).
cargo build -q -p dojo-payments-emulator --manifest-path "$here/../../../../Cargo.toml"
emulator="$here/../../../../target/debug/dojo-payments-emulator"
"$emulator" > "$out/emulator.log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$out"' EXIT
for _ in $(seq 50); do grep -q 'api host' "$out/emulator.log" && break; sleep 0.1; done
url=$(sed -n 's/^  api host: *//p' "$out/emulator.log")
for which in bare sdk; do
  printf '%-4s ran: ' "$which"
  DOJO_API_KEY=sk_sandbox_minimal_binary DOJO_API_URL="$url" "$out/$which"
done
