#!/usr/bin/env bash
# Builds SeaweedFS's `weed` (a real S3 server the object-store tests run
# against) once, from the module proxy, and prints the binary's path.
# The module's go.mod has a replace directive, so `go install mod@ver` is
# refused: the module is downloaded, copied out of the read-only module cache
# into a build directory and built there. Nothing of it enters this repo.
# Cache: $EVALROOM_WEED_CACHE, default $(go env GOPATH)/evalroom-weed; about
# 4.5 minutes on 2 cores the first time, a 233 MB binary.
set -euo pipefail
GO=${GO:-go}
ver=v0.0.0-20261109003541-7506e5f91cd6
mod=github.com/seaweedfs/seaweedfs
cache=${EVALROOM_WEED_CACHE:-$($GO env GOPATH)/evalroom-weed}
bin=$cache/weed-$ver
mkdir -p "$cache"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
exec 9>"$cache/.lock"
flock 9   # two test packages may ask at once: one builds, the other waits
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
dir=$(cd "$cache" && GOFLAGS=-mod=mod $GO mod download -json "$mod@$ver" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "weed.sh: go mod download $mod@$ver gave no directory" >&2; exit 1; }
src=$cache/src-$ver
rm -rf "$src"
cp -r "$dir" "$src"
chmod -R u+w "$src"
echo "weed.sh: building weed from $mod@$ver (a few minutes, once)" >&2
(cd "$src" && GOFLAGS=-mod=mod $GO build -o "$bin.tmp" ./weed)
mv "$bin.tmp" "$bin"
rm -rf "$src"
echo "$bin"
