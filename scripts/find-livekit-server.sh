#!/usr/bin/env bash
# Prints the path of the livekit-server binary, or explains how to install it (exit 1).
#
# Looks at, in order: $LIVEKIT_SERVER_BIN, `livekit-server` on PATH, the cache of scripts/install-livekit-server.sh
# (~/.cache/interview-helper/bin/livekit-server), and `$(go env GOPATH)/bin/server` (what `go install` produces)
# when its --version says livekit-server.
set -euo pipefail

WANTED_VERSION=1.13.5
CACHE_BIN="${IH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/interview-helper}/bin/livekit-server"

version_of() { "$1" --version 2>/dev/null | sed -n 's/^livekit-server version //p' | head -n1; }

found() {
  local version
  version=$(version_of "$1")
  if [[ -n $version && $version != "$WANTED_VERSION" ]]; then
    echo "warning: $1 is livekit-server $version; this project is tested with $WANTED_VERSION" >&2
  fi
  echo "$1"
  exit 0
}

if [[ -n ${LIVEKIT_SERVER_BIN:-} ]]; then
  if [[ -x $LIVEKIT_SERVER_BIN && -n $(version_of "$LIVEKIT_SERVER_BIN") ]]; then
    found "$LIVEKIT_SERVER_BIN"
  fi
  echo "LIVEKIT_SERVER_BIN=$LIVEKIT_SERVER_BIN is not an executable livekit-server (its --version does not say so)" >&2
  exit 1
fi

if path=$(command -v livekit-server 2>/dev/null) && [[ -n $(version_of "$path") ]]; then
  found "$path"
fi

if [[ -x $CACHE_BIN && -n $(version_of "$CACHE_BIN") ]]; then
  found "$CACHE_BIN"
fi

gopath=""
if command -v go >/dev/null 2>&1; then gopath=$(go env GOPATH 2>/dev/null || true); fi
for candidate in ${gopath:+"$gopath/bin/server"} "$HOME/go/bin/server"; do
  if [[ -x $candidate && -n $(version_of "$candidate") ]]; then
    found "$candidate"
  fi
done

cat >&2 <<MSG
livekit-server not found (looked at \$LIVEKIT_SERVER_BIN, livekit-server on PATH, $CACHE_BIN, \$(go env GOPATH)/bin/server).
Install it one of these ways:
  * Go (any OS):   go install github.com/livekit/livekit-server/cmd/server@v$WANTED_VERSION
                   then put \$(go env GOPATH)/bin/server on PATH as livekit-server, or
                   export LIVEKIT_SERVER_BIN="\$(go env GOPATH)/bin/server"
                   (or run scripts/install-livekit-server.sh, which does this and caches the binary)
  * Homebrew:      brew install livekit
  * Docker:        docker run --rm --network host -e LIVEKIT_KEYS="devkey: secret" \\
                     -v "\$PWD/livekit.yaml:/livekit.yaml" livekit/livekit-server:v$WANTED_VERSION --config /livekit.yaml
                   (or use docker compose up, see docker-compose.yml)
MSG
exit 1
