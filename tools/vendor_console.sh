#!/usr/bin/env bash
# Vendors the console's third-party files from the npm registry into src/deconfliction/console/.
# Usage: tools/vendor_console.sh [MAPLIBRE_VERSION] [WORLD_ATLAS_VERSION] [TOPOJSON_CLIENT_VERSION]
# Needs npm (only `npm pack`, which downloads the package tarballs; nothing is built).
set -euo pipefail
MAPLIBRE=${1:-6.17.0}
ATLAS=${2:-2.0.2}
TOPOJSON=${3:-3.1.0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/src/deconfliction/console"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "maplibre-gl@$MAPLIBRE" "world-atlas@$ATLAS" "topojson-client@$TOPOJSON" >/dev/null
for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
# The module and its worker (loaded beside it through import.meta.url), without source-map comments
# (a browser would request the missing .map files when its developer tools are open).
for f in maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css; do
  sed -e '/^\/\/# sourceMappingURL=/d' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
    "maplibre-gl-$MAPLIBRE/package/dist/$f" > "$DEST/vendor/maplibre-gl/$f"
done
cp "maplibre-gl-$MAPLIBRE/package/LICENSE.txt" "$DEST/vendor/maplibre-gl/LICENSE.txt"
echo "$MAPLIBRE" > "$DEST/vendor/maplibre-gl/VERSION"
sed -e '/^\/\/# sourceMappingURL=/d' "topojson-client-$TOPOJSON/package/dist/topojson-client.min.js" \
  > "$DEST/vendor/topojson-client/topojson-client.min.js"
cp "topojson-client-$TOPOJSON/package/LICENSE" "$DEST/vendor/topojson-client/LICENSE"
echo "$TOPOJSON" > "$DEST/vendor/topojson-client/VERSION"
cp "world-atlas-$ATLAS/package/countries-50m.json" "$DEST/basemap/countries-50m.json"
cp "world-atlas-$ATLAS/package/LICENSE" "$DEST/basemap/LICENSE-world-atlas"
echo "$ATLAS" > "$DEST/basemap/VERSION"
du -sh "$DEST"
