#!/bin/sh
# Installs the C library after `cargo build --release`: include/eevdf.h,
# libeevdf.a, libeevdf.so and a pkg-config file made from eevdf.pc.in.
#
#   sh scripts/install-c.sh [PREFIX]        (default PREFIX: /usr/local)
#
# EEVDF_BUILD_DIR overrides where the built libraries are taken from
# (default: target/release of this repository).
set -eu
prefix=${1:-/usr/local}
root=$(cd "$(dirname "$0")/.." && pwd)
built=${EEVDF_BUILD_DIR:-$root/target/release}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
cp "$root/include/eevdf.h" "$prefix/include/eevdf.h"
cp "$built/libeevdf.a" "$built/libeevdf.so" "$prefix/lib/"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" \
    "$root/eevdf.pc.in" > "$prefix/lib/pkgconfig/eevdf.pc"
echo "installed eevdf $version into $prefix"
