#!/usr/bin/env bash
# Busy loops on every core (or on N), to run tests beside full CPU contention.
#
#   bash scripts/cpu-hog.sh start [N]   start N busy loops (default: one per core) in the background
#   bash scripts/cpu-hog.sh stop        stop the loops this script started
#   bash scripts/cpu-hog.sh status      list them
#   bash scripts/cpu-hog.sh run [N] -- <command...>
#                                        start the loops, run the command, stop the loops (even on failure
#                                        or Ctrl-C) and exit with the command's status
#
# The loops run at the priority $CPU_HOG_NICE (default 0, like the tests), so they compete with the tests for
# every core; on a machine shared with other work, run tests and loops at the same lower priority (e.g. both
# with nice 10). Their process ids are kept in $CPU_HOG_PIDFILE (default: /tmp/cpu-hog.<uid>.pids); `stop`
# ends exactly those processes.
set -euo pipefail

PIDFILE="${CPU_HOG_PIDFILE:-/tmp/cpu-hog.$(id -u).pids}"

cores() { nproc 2>/dev/null || getconf _NPROCESSORS_ONLN; }

start() {
  local n="${1:-$(cores)}"
  if [[ -s "$PIDFILE" ]]; then
    echo "cpu-hog: already running ($(wc -l <"$PIDFILE") loops; see $PIDFILE)" >&2
    return 1
  fi
  : >"$PIDFILE"
  for ((i = 0; i < n; i++)); do
    # a shell busy loop: no allocation, no I/O, 100 % of one core
    nice -n "${CPU_HOG_NICE:-0}" bash -c 'while :; do :; done' &
    echo $! >>"$PIDFILE"
  done
  echo "cpu-hog: $n busy loops started (pids: $(tr '\n' ' ' <"$PIDFILE"))"
}

stop() {
  [[ -f "$PIDFILE" ]] || { echo "cpu-hog: not running"; return 0; }
  local pid
  while read -r pid; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done <"$PIDFILE"
  rm -f "$PIDFILE"
  echo "cpu-hog: stopped"
}

status() {
  [[ -f "$PIDFILE" ]] || { echo "cpu-hog: not running"; return 0; }
  local pid alive=0
  while read -r pid; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then alive=$((alive + 1)); fi
  done <"$PIDFILE"
  echo "cpu-hog: $alive busy loops running"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  run)
    shift
    n=""
    if [[ "${1:-}" != "--" && -n "${1:-}" ]]; then n="$1"; shift; fi
    [[ "${1:-}" == "--" ]] && shift
    [[ $# -gt 0 ]] || { echo "usage: $0 run [N] -- <command...>" >&2; exit 2; }
    start "$n"
    trap stop EXIT INT TERM
    set +e
    "$@"
    rc=$?
    exit "$rc"
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
