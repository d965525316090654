#!/usr/bin/env bash
# Installs livekit-server (default v1.13.5) as `livekit-server` into a cache directory and prints its path.
#
#   scripts/install-livekit-server.sh            -> e.g. /root/.cache/interview-helper/bin/livekit-server
#
# Reuses the cached binary when its version matches; else reuses $(go env GOPATH)/bin/server when that is the
# right version; else builds it with `go install` (needs Go >= the version in livekit-server's go.mod).
# Environment: LIVEKIT_SERVER_VERSION (default 1.13.5), IH_CACHE_DIR (default ~/.cache/interview-helper).
# Progress goes to stderr; stdout is only the path, so: LIVEKIT_SERVER_BIN=$(scripts/install-livekit-server.sh)
set -euo pipefail

VERSION=${LIVEKIT_SERVER_VERSION:-1.13.5}
BIN_DIR="${IH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/interview-helper}/bin"
TARGET="$BIN_DIR/livekit-server"

has_version() { [[ -x $1 ]] && [[ $("$1" --version 2>/dev/null) == "livekit-server version $VERSION" ]]; }

if has_version "$TARGET"; then
  echo "livekit-server $VERSION: cached at $TARGET" >&2
  echo "$TARGET"
  exit 0
fi

mkdir -p "$BIN_DIR"
if ! command -v go >/dev/null 2>&1; then
  echo "Go is required to build livekit-server (Debian: apt-get install golang, or https://go.dev/dl/)." >&2
  echo "Alternatives: brew install livekit; docker image livekit/livekit-server:v$VERSION." >&2
  exit 1
fi

gobin=$(go env GOPATH)/bin
if has_version "$gobin/server"; then
  echo "livekit-server $VERSION: reusing $gobin/server" >&2
else
  echo "livekit-server $VERSION: building with go install (takes a few minutes)..." >&2
  GOBIN="$gobin" go install "github.com/livekit/livekit-server/cmd/server@v$VERSION"
  if ! has_version "$gobin/server"; then
    echo "go install finished but $gobin/server does not report livekit-server version $VERSION" >&2
    exit 1
  fi
fi
install -m 0755 "$gobin/server" "$TARGET.tmp.$$"
mv -f "$TARGET.tmp.$$" "$TARGET"
echo "livekit-server $VERSION: installed $TARGET" >&2
echo "$TARGET"
