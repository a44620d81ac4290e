#!/bin/sh
# Copies the console's vendored front-end files from node_modules into
# internal/console/assets/vendor, where the binary embeds them. Run it
# after changing a version in package.json (and commit package-lock.json):
#
#   cd web/console && npm ci && sh build.sh
set -eu
cd "$(dirname "$0")"
out=../../internal/console/assets/vendor
mkdir -p "$out"
cp node_modules/chart.js/dist/chart.umd.min.js "$out/chart.umd.min.js"
cp node_modules/chart.js/LICENSE.md "$out/chart.js-LICENSE.md"
echo "vendored chart.js $(node -p 'JSON.parse(require("fs").readFileSync("node_modules/chart.js/package.json")).version') into $out"
