#!/usr/bin/env bash
# Fetches axe-core (the accessibility rules the browser tests inject into every page they visit)
# from the npm registry into .cache/axe-core/ — a test-harness cache, never served by the app.
# Does nothing when the pinned version is already there.
set -euo pipefail

VERSION="${AXE_CORE_VERSION:-4.10.2}"
DEST="${AXE_CORE_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.cache/axe-core}"

if [ -f "$DEST/axe.min.js" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo 'npm not found: run `make system-deps`' >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$VERSION" >/dev/null)
tar -xzf "$work"/axe-core-*.tgz -C "$work"
mkdir -p "$DEST"
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "axe-core $VERSION in $DEST"
