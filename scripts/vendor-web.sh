#!/usr/bin/env bash
# Re-creates web/vendor/ from the npm registry and checks it is byte-identical to what is
# committed. Usage: scripts/vendor-web.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.5.1
INTEGRITY="sha512-GIjfiT9dbmHRiYi6Nl2yFCq7kkwdkp1W/lp2J99rX0yo9tgJGn3lKQATztIjb5tVtevcBtIdICNWqlq5+E8/Pw=="
FILE_SHA256=48444a82d4edcb5bec0f1965faacdde18d9c17db3063d042abada2f705c9f54a

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetching chart.js@$VERSION from the npm registry"
(cd "$work" && npm pack --silent "chart.js@$VERSION" >/dev/null)
tarball="$work/chart.js-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$got" = "$INTEGRITY" ] || { echo "integrity mismatch: registry gave $got" >&2; exit 1; }
tar -xzf "$tarball" -C "$work" package/dist/chart.umd.min.js package/LICENSE.md
echo "$FILE_SHA256  $work/package/dist/chart.umd.min.js" | sha256sum -c --quiet
if [ "${1:-}" = "--check" ]; then
  cmp "$work/package/dist/chart.umd.min.js" web/vendor/chart.umd.min.js && echo "web/vendor is up to date"
else
  cp "$work/package/dist/chart.umd.min.js" web/vendor/chart.umd.min.js
  cp "$work/package/LICENSE.md" web/vendor/chart.js.LICENSE.md
  echo "web/vendor/chart.umd.min.js updated"
fi
