#!/usr/bin/env bash
# Re-vendor the front-end libraries from the npm registry at pinned versions.
# The app serves them from static/vendor/ so it works offline (no CDN).
# Usage: scripts/vendor_static.sh   (needs npm; rewrites static/vendor/)
set -euo pipefail
BOOTSTRAP=5.3.9
HTMX=2.0.11
CHARTJS=4.6.1

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/static/vendor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
for pkg in "bootstrap@$BOOTSTRAP" "htmx.org@$HTMX" "chart.js@$CHARTJS"; do
  npm pack --silent "$pkg" >/dev/null
done
for tgz in *.tgz; do mkdir -p "${tgz%.tgz}" && tar -xzf "$tgz" -C "${tgz%.tgz}"; done

rm -rf "$dest" && mkdir -p "$dest/bootstrap" "$dest/htmx" "$dest/chartjs"
cp bootstrap-*/package/dist/css/bootstrap.min.css bootstrap-*/package/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/"
cp bootstrap-*/package/LICENSE "$dest/bootstrap/LICENSE"
cp htmx.org-*/package/dist/htmx.min.js "$dest/htmx/"
cp htmx.org-*/package/LICENSE "$dest/htmx/LICENSE"
cp chart.js-*/package/dist/chart.umd.min.js "$dest/chartjs/" 2>/dev/null || cp chart.js-*/package/dist/chart.umd.js "$dest/chartjs/chart.umd.min.js"
cp chart.js-*/package/LICENSE.md "$dest/chartjs/LICENSE.md"
cat > "$dest/VERSIONS" <<TXT
bootstrap $BOOTSTRAP
htmx.org $HTMX
chart.js $CHARTJS
TXT
echo "vendored into $dest:"; cat "$dest/VERSIONS"
