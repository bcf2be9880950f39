#!/bin/sh
# Refresh the vendored YASGUI (the query page's editor) from npm, so `pip install cblod`
# never needs Node: ./refresh.sh [version]  (default: the version in VERSION).
# Needs npm and network access to the npm registry; review the diff, then commit.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
version="${1:-$(cat "$here/VERSION")}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@triply/yasgui@$version" > /dev/null && tar xzf triply-yasgui-"$version".tgz)
build="$work/package/build"
cp "$build/yasgui.min.js" "$build/yasgui.min.css" "$build/yasgui.min.js.LICENSE.txt" "$here/"
cp "$work/package/LICENSE.txt" "$here/LICENSE.txt"
# the source map is not shipped: drop the comment that would make a browser's tools ask for it
sed -i '/^\/\/# sourceMappingURL=/d' "$here/yasgui.min.js"
echo "$version" > "$here/VERSION"
(cd "$here" && sha256sum yasgui.min.js yasgui.min.css > SHA256SUMS)
echo "YASGUI $version vendored into $here"
