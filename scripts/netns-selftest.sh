#!/usr/bin/env bash
# Self-check of the e2e sandbox (root required, ~1 s): scripts/netns-run.sh must pass a clean command and must
# FAIL when the capture shows a foreign address. The foreign traffic never leaves the namespace: 192.0.2.5
# (TEST-NET-1) is added to the namespace's own loopback first, then one UDP packet is sent to it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

send_udp='require("node:dgram").createSocket("udp4").send("x", 9, process.argv[1], (e) => process.exit(e ? 3 : 0))'

if ! E2E_EXPECT_MEDIA=0 E2E_ARTIFACTS_DIR="$dir" bash scripts/netns-run.sh node -e "$send_udp" 127.0.0.1 2>"$dir/clean.log"; then
  cat "$dir/clean.log" >&2
  echo "netns-selftest: FAIL: a clean command did not pass" >&2
  exit 1
fi
set +e
E2E_EXPECT_MEDIA=0 E2E_ARTIFACTS_DIR="$dir" bash scripts/netns-run.sh sh -c \
  "ip addr add 192.0.2.5/32 dev lo && node -e '$send_udp' 192.0.2.5" 2>"$dir/foreign.log"
rc=$?
set -e
if [[ $rc -ne 1 ]] || ! grep -q 'dst 192.0.2.5 not allowed' "$dir/foreign.log"; then
  cat "$dir/foreign.log" >&2
  echo "netns-selftest: FAIL: a capture with 192.0.2.5 was not rejected (exit $rc)" >&2
  exit 1
fi
echo "netns-selftest: OK (clean capture passes; a capture with 192.0.2.5 is rejected)"
