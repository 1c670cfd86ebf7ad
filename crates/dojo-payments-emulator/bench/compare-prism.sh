#!/usr/bin/env bash
# Measures the emulator and Prism's mock of the same document with the same
# create-then-get loop (16-way concurrency, same client, same machine), and
# prints both figures and their ratio.
#
#   crates/dojo-payments-emulator/bench/compare-prism.sh [path to Dojo's document]
#
# Installs @stoplight/prism-cli with npm into target/prism (once). Needs node.
set -euo pipefail
cd "$(dirname "$0")/../../.."
document=${1:-../shared/spec/dojo-api/2026-02-27.bundled.json}
port=${PRISM_PORT:-4010}
prism_dir=target/prism

if [ ! -x "$prism_dir/node_modules/.bin/prism" ]; then
  mkdir -p "$prism_dir"
  (cd "$prism_dir" && npm install --no-audit --no-fund @stoplight/prism-cli@5 >/dev/null)
fi

"$prism_dir/node_modules/.bin/prism" mock -p "$port" "$document" >"$prism_dir/prism.log" 2>&1 &
prism_pid=$!
trap 'kill $prism_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  grep -q "Prism is listening" "$prism_dir/prism.log" && break
  sleep 0.5
done

requests_per_second() { grep '^requests/s:' | awk '{print $2}'; }

echo "== Prism ($(basename "$document"))"
prism_out=$(DOJO_BENCH_URL="http://127.0.0.1:$port" cargo bench -q -p dojo-payments-emulator --bench throughput)
echo "$prism_out"
echo "== dojo-payments-emulator"
emulator_out=$(cargo bench -q -p dojo-payments-emulator --bench throughput)
echo "$emulator_out"

prism_rps=$(echo "$prism_out" | requests_per_second)
emulator_rps=$(echo "$emulator_out" | requests_per_second)
echo "== ratio: the emulator serves $(( emulator_rps / prism_rps ))x Prism's requests/s ($emulator_rps vs $prism_rps)"
