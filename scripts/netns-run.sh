#!/usr/bin/env bash
# Runs CMD inside a private network namespace, captures every packet and verifies the capture afterwards.
#
#   scripts/netns-run.sh CMD [ARGS...]        (root required)
#
# libwebrtc skips loopback adapters when it gathers ICE candidates and would otherwise use the machine's real
# address, so WebRTC tests run here instead: a namespace `ih-e2e-<pid>` with `lo` up and a veth pair whose BOTH
# ends live inside the namespace (E2E_HOST_IP=10.203.0.1/24 and E2E_PEER_IP=10.203.0.2/24), no default route and
# IPv6 off on the veth, so nothing can leave. tcpdump records the namespace to test-artifacts/e2e.pcap; when CMD
# ends, every IPv4 packet must stay within 127.0.0.0/8 or the namespace's /24 (IPv6: only ::1), otherwise this
# script fails. With E2E_EXPECT_MEDIA=1 it also fails when the capture holds no RTP/RTCP packets.
#
# CMD gets the caller's environment and working directory plus E2E_NETNS, E2E_HOST_IP, E2E_PEER_IP,
# E2E_SUBNET (CIDR) and E2E_PCAP (the capture file, written packet-buffered so tests may verify it mid-run).
# Exit code: CMD's, or 1 when the capture check fails (CMD succeeded), or 2 for setup errors.
#
# Environment: E2E_ARTIFACTS_DIR (default ./test-artifacts), E2E_PCAP (default $E2E_ARTIFACTS_DIR/e2e.pcap),
# E2E_SUBNET_PREFIX (default 10.203.0), E2E_EXPECT_MEDIA (0/1), E2E_KILL_GRACE_SECONDS (default 5).
set -uo pipefail

log() { printf '[netns-run] %s\n' "$*" >&2; }

if [[ $# -eq 0 || $1 == -h || $1 == --help ]]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  log "must run as root: it creates a network namespace and a veth pair and runs tcpdump."
  log "run e.g.: sudo -E env \"PATH=\$PATH\" $0 $*"
  exit 2
fi
for tool in ip tcpdump node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "missing '$tool' (Debian: apt-get install -y iproute2 tcpdump; node >= 20)"
    exit 2
  fi
done

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS="ih-e2e-$$"
PREFIX=${E2E_SUBNET_PREFIX:-10.203.0}
HOST_IP="$PREFIX.1"
PEER_IP="$PREFIX.2"
SUBNET="$PREFIX.0/24"
ARTIFACTS=${E2E_ARTIFACTS_DIR:-$PWD/test-artifacts}
PCAP=${E2E_PCAP:-$ARTIFACTS/e2e.pcap}
GRACE=${E2E_KILL_GRACE_SECONDS:-5}
TCPDUMP_LOG="$ARTIFACTS/tcpdump.log"

ns_created=0
tcpdump_pid=""
cmd_pid=""
cleaned=0

pids_in_ns() { ip netns pids "$NS" 2>/dev/null | grep -vx "${tcpdump_pid:-none}" || true; }

# Kills every process left in the namespace except tcpdump: TERM, then KILL after the grace period.
kill_leftovers() {
  local pids deadline
  pids=$(pids_in_ns)
  [[ -z $pids ]] && return 0
  log "terminating leftover processes in $NS: $(echo "$pids" | tr '\n' ' ')"
  echo "$pids" | xargs -r kill -TERM 2>/dev/null || true
  deadline=$((SECONDS + GRACE))
  while [[ -n $(pids_in_ns) && $SECONDS -lt $deadline ]]; do sleep 0.2; done
  pids=$(pids_in_ns)
  if [[ -n $pids ]]; then
    log "killing processes that ignored SIGTERM: $(echo "$pids" | tr '\n' ' ')"
    echo "$pids" | xargs -r kill -KILL 2>/dev/null || true
    sleep 0.2
  fi
}

stop_tcpdump() {
  [[ -z $tcpdump_pid ]] && return 0
  kill -INT "$tcpdump_pid" 2>/dev/null || true
  local deadline=$((SECONDS + 5))
  while kill -0 "$tcpdump_pid" 2>/dev/null && [[ $SECONDS -lt $deadline ]]; do sleep 0.1; done
  kill -KILL "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" 2>/dev/null || true
  tcpdump_pid=""
}

cleanup() {
  [[ $cleaned -eq 1 ]] && return 0
  cleaned=1
  if [[ $ns_created -eq 1 ]]; then
    kill_leftovers
    stop_tcpdump
    ip netns del "$NS" 2>/dev/null || log "warning: could not delete namespace $NS"
  fi
}

on_signal() {
  log "received $1, stopping"
  if [[ -n $cmd_pid ]]; then kill "-$1" "$cmd_pid" 2>/dev/null || true; fi
}

trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# --- namespace ----------------------------------------------------------------------------------------------
if ! ip netns add "$NS"; then
  log "could not create network namespace $NS (needs CAP_SYS_ADMIN; in Docker run with --privileged)"
  exit 2
fi
ns_created=1
setup() {
  local nsx=(ip netns exec "$NS")
  ip -n "$NS" link set lo up &&
    # new interfaces inherit 'default': the veth ends get no IPv6 at all; lo keeps ::1
    "${nsx[@]}" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
    ip -n "$NS" link add ih-host type veth peer name ih-peer &&
    "${nsx[@]}" sysctl -qw net.ipv6.conf.ih-host.disable_ipv6=1 net.ipv6.conf.ih-peer.disable_ipv6=1 &&
    ip -n "$NS" addr add "$HOST_IP/24" dev ih-host &&
    ip -n "$NS" addr add "$PEER_IP/24" dev ih-peer &&
    ip -n "$NS" link set ih-host up &&
    ip -n "$NS" link set ih-peer up
}
if ! setup; then
  log "could not configure namespace $NS"
  exit 2
fi
if ip -n "$NS" route show default | grep -q .; then
  log "namespace $NS unexpectedly has a default route"
  exit 2
fi

# --- capture ------------------------------------------------------------------------------------------------
mkdir -p "$ARTIFACTS" "$(dirname "$PCAP")"
rm -f "$PCAP"
# --immediate-mode -U: no ring-buffer delay and a packet-buffered file, so tests can verify it while it grows;
# -s 256: headers and the first payload bytes suffice and keep the file small; -Z root: keep write access.
ip netns exec "$NS" tcpdump -i any -n -U --immediate-mode -s 256 -Z root -w "$PCAP" >"$TCPDUMP_LOG" 2>&1 &
tcpdump_pid=$!
for _ in $(seq 1 100); do
  grep -q 'listening on' "$TCPDUMP_LOG" 2>/dev/null && break
  if ! kill -0 "$tcpdump_pid" 2>/dev/null; then
    log "tcpdump failed to start:"
    cat "$TCPDUMP_LOG" >&2
    tcpdump_pid=""
    exit 2
  fi
  sleep 0.1
done
if ! grep -q 'listening on' "$TCPDUMP_LOG"; then
  log "tcpdump did not start within 10 s"
  exit 2
fi
log "namespace $NS: lo, ih-host $HOST_IP, ih-peer $PEER_IP; capturing to $PCAP"

# --- command ------------------------------------------------------------------------------------------------
# Background + wait so that signals reach the traps; '<&0' keeps the caller's stdin (bash would use /dev/null).
ip netns exec "$NS" env E2E_NETNS="$NS" E2E_HOST_IP="$HOST_IP" E2E_PEER_IP="$PEER_IP" E2E_SUBNET="$SUBNET" \
  E2E_PCAP="$PCAP" "$@" <&0 &
cmd_pid=$!
while true; do
  wait "$cmd_pid"
  rc=$?
  # wait returns >128 when interrupted by a trapped signal while CMD still runs
  kill -0 "$cmd_pid" 2>/dev/null || break
done
cmd_pid=""
log "command exited with code $rc"

kill_leftovers
stop_tcpdump

# --- verification -------------------------------------------------------------------------------------------
verify_args=("$PCAP" --allow "$SUBNET")
[[ ${E2E_EXPECT_MEDIA:-0} == 1 ]] && verify_args+=(--expect-media)
node "$SCRIPT_DIR/verify-pcap.mjs" "${verify_args[@]}" >&2
verify_rc=$?

cleanup
if [[ $rc -ne 0 ]]; then
  exit "$rc"
fi
if [[ $verify_rc -ne 0 ]]; then
  log "capture check FAILED (see above); capture kept at $PCAP"
  exit 1
fi
exit 0
