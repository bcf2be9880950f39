#!/bin/sh
# Refresh the vendored map libraries and country outlines from npm, so `pip install cblod`
# never needs Node and the map page loads nothing from a CDN: ./refresh.sh
# (the versions are those in VERSIONS). Needs npm and the npm registry; review, then commit.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version() { sed -n "s/^$1 //p" "$here/VERSIONS"; }
fetch() {  # package -> its unpacked folder
    mkdir -p "$work/$1"
    (cd "$work/$1" && npm pack --silent "$1@$(version "$1")" > /dev/null && tar xzf ./*.tgz)
    echo "$work/$1/package"
}
leaflet=$(fetch leaflet)
cluster=$(fetch leaflet.markercluster)
topojson=$(fetch topojson-client)
atlas=$(fetch world-atlas)
cp "$leaflet/dist/leaflet.js" "$leaflet/dist/leaflet.css" "$here/"
mkdir -p "$here/images"
cp "$leaflet/dist/images/"*.png "$here/images/"
cp "$leaflet/LICENSE" "$here/LICENSE.leaflet.txt"
cp "$cluster/dist/leaflet.markercluster.js" "$cluster/dist/MarkerCluster.css" \
   "$cluster/dist/MarkerCluster.Default.css" "$here/"
cp "$cluster/MIT-LICENCE.txt" "$here/LICENSE.leaflet.markercluster.txt"
cp "$topojson/dist/topojson-client.min.js" "$here/"
cp "$topojson/LICENSE" "$here/LICENSE.topojson-client.txt"
cp "$atlas/countries-50m.json" "$here/countries-50m.json"
cp "$atlas/LICENSE" "$here/LICENSE.world-atlas.txt"
# the source maps are not shipped: drop the comments that would make a browser's tools ask
sed -i '/^\/\/# sourceMappingURL=/d' "$here/leaflet.js" "$here/leaflet.markercluster.js"
(cd "$here" && sha256sum leaflet.js leaflet.css leaflet.markercluster.js MarkerCluster.css \
    MarkerCluster.Default.css topojson-client.min.js countries-50m.json images/*.png > SHA256SUMS)
echo "map libraries vendored into $here"
