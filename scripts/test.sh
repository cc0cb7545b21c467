#!/usr/bin/env bash
# The whole test suite (the README's `npm test`): unit tests, then integration and end-to-end tests
# against real PostgreSQL, Temporal, Dovecot and SMTP servers that the suite starts itself.
# Needs the system packages that .ci/run installs (postgresql, dovecot-imapd, a JDK, Maven, python3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-tools.sh >&2

mkdir -p data/test
results=data/test/vitest-results.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?

# One plain closing line that any CI can read, whatever vitest prints above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  const none = r.numTotalTests === 0 && !r.success ? " (no test ran: see the set-up error above)" : "";
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : "") + none);
' "$results" || true
exit "$status"
