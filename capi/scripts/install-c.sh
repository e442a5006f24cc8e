#!/bin/sh
# Installs the C library the way cargo-c's `cargo cinstall` does, with cargo
# alone: the header, libeevdf.a, libeevdf.so.X.Y.Z with its SONAME link and
# development link, and the pkg-config file eevdf.pc.
#
#   cargo build --release            # in capi/ (or the repository), then
#   sh scripts/install-c.sh [PREFIX]
#
# Variables (all optional):
#   PREFIX           installation prefix (default /usr/local; an argument wins)
#   LIBDIR           libraries and pkgconfig/ (default $PREFIX/lib)
#   INCLUDEDIR       the header (default $PREFIX/include)
#   DESTDIR          staging root prepended to every path written (packaging);
#                    the .pc file still names the final paths
#   CARGO_TARGET_DIR where `cargo build --release` put its output
#                    (default: the workspace's target directory)
#   EEVDF_BUILD_DIR  the directory holding libeevdf.a and libeevdf.so
#                    (default $CARGO_TARGET_DIR/release)
#
# Layout (version 0.1.0, whose ABI version is 0.1 -- before 1.0 a minor release
# may change the ABI; the SONAME of the built library says the same):
#   $INCLUDEDIR/eevdf.h
#   $LIBDIR/libeevdf.a
#   $LIBDIR/libeevdf.so.0.1.0
#   $LIBDIR/libeevdf.so.0.1 -> libeevdf.so.0.1.0   (the SONAME: what programs load)
#   $LIBDIR/libeevdf.so -> libeevdf.so.0.1         (what -leevdf finds)
#   $LIBDIR/pkgconfig/eevdf.pc
set -eu

crate=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-${PREFIX:-/usr/local}}
libdir=${LIBDIR:-$prefix/lib}
includedir=${INCLUDEDIR:-$prefix/include}
destdir=${DESTDIR:-}

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$crate/Cargo.toml" | head -n 1)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
if [ "$major" = 0 ]; then soversion=0.$minor; else soversion=$major; fi

if [ -n "${EEVDF_BUILD_DIR:-}" ]; then
    built=$EEVDF_BUILD_DIR
else
    target=${CARGO_TARGET_DIR:-}
    if [ -z "$target" ]; then
        target=$(cd "$crate" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
            sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    fi
    built=${target:-$crate/target}/release
fi
for f in libeevdf.a libeevdf.so; do
    if [ ! -f "$built/$f" ]; then
        echo "install-c.sh: no $built/$f: run \`cargo build --release\` first" >&2
        echo "  (or set CARGO_TARGET_DIR / EEVDF_BUILD_DIR to where it built)" >&2
        exit 1
    fi
done

lib=$destdir$libdir
inc=$destdir$includedir
mkdir -p "$inc" "$lib/pkgconfig"
cp "$crate/include/eevdf.h" "$inc/eevdf.h"
cp "$built/libeevdf.a" "$lib/libeevdf.a"
rm -f "$lib/libeevdf.so" "$lib/libeevdf.so.$soversion" "$lib/libeevdf.so.$version"
cp "$built/libeevdf.so" "$lib/libeevdf.so.$version"
if [ "$soversion" != "$version" ]; then
    ln -s "libeevdf.so.$version" "$lib/libeevdf.so.$soversion"
fi
ln -s "libeevdf.so.$soversion" "$lib/libeevdf.so"
chmod 644 "$inc/eevdf.h" "$lib/libeevdf.a"
chmod 755 "$lib/libeevdf.so.$version"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@LIBDIR@|$libdir|g" \
    -e "s|@INCLUDEDIR@|$includedir|g" -e "s|@VERSION@|$version|g" \
    "$crate/eevdf.pc.in" > "$lib/pkgconfig/eevdf.pc"
echo "installed eevdf $version into $destdir$prefix (libraries in $lib)"
