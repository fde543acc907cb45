#!/usr/bin/env bash
# npm run bench: every benchmark of the harness's own speed and footprint (issue 16), one after
# another on a quiet machine (two at once would measure each other). Each prints its goals on lines
# ending in "met" or "MISSED"; the summary at the end repeats them. A bench that crashes does not
# stop the others; the exit code is 1 when one crashed, 0 otherwise (a MISSED goal is a finding to
# read, not a crash).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
crashed=0
for bench in harness-overhead drivers threads coordination stack-start soak-memory; do
  echo "== bench/$bench.ts"
  node --import tsx "bench/$bench.ts" 2>&1 | tee -a "$log" || { crashed=1; echo "bench/$bench.ts crashed" | tee -a "$log"; }
done
echo "== goals"
grep -E "(met|MISSED)$|crashed$" "$log"
exit "$crashed"
