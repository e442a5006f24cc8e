#!/usr/bin/env bash
# CI: the C library built and installed the distribution way, from the packaged
# crates (what `cargo package` uploads), not from the repository:
#
#  1. `cargo package` eevdf and eevdf-capi; unpack both outside the repository;
#  2. build the unpacked eevdf-capi with plain `cargo build --release` (eevdf
#     taken from its unpacked package through a [patch], as a distribution
#     vendors it);
#  3. install it with its scripts/install-c.sh into a staging DESTDIR with
#     PREFIX=/usr LIBDIR=/usr/lib64 and a CARGO_TARGET_DIR of its own;
#  4. check the layout: header, libeevdf.a, libeevdf.so.X.Y.Z with its SONAME
#     and symlinks, eevdf.pc; the shared library's SONAME, NEEDED libc and
#     exports (the eevdf_* functions only);
#  5. compile C programs against the installed copy through pkg-config and run
#     them: examples/c/test_abi.c dynamically (it must record the SONAME, not
#     a path), the docs' run-queue loop statically with --gc-sections.
#
# With cargo-c installed (`cargo cinstall`), it also installs with cargo-c and
# compares the two layouts. Needs cc, readelf and pkg-config.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${EEVDF_CI_DIR:-${TMPDIR:-/tmp}/eevdf-ci-capi}
rm -rf "$work"
mkdir -p "$work/src"
fail() {
    echo "ci-capi: $*" >&2
    exit 1
}

# 1. The packages.
(cd "$repo" && cargo package -p eevdf -p eevdf-capi --no-verify --allow-dirty \
    --target-dir "$work/package" --quiet)
for c in "$work"/package/package/*.crate; do
    tar -xzf "$c" -C "$work/src"
done
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/capi/Cargo.toml" | head -n 1)
core_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
capi=$work/src/eevdf-capi-$version
core=$work/src/eevdf-$core_version
[ -d "$capi" ] && [ -d "$core" ] || fail "unpacked crates missing: $(ls "$work/src")"

# 2. A plain release build of the unpacked crate, in its own directory.
export CARGO_TARGET_DIR=$work/build
(cd "$capi" && cargo build --release --quiet \
    --config "patch.crates-io.eevdf.path=\"$core\"")

# 3. Install into a staging root.
stage=$work/stage
(cd "$capi" && DESTDIR=$stage PREFIX=/usr LIBDIR=/usr/lib64 sh scripts/install-c.sh)
lib=$stage/usr/lib64
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
if [ "$major" = 0 ]; then soversion=0.$minor; else soversion=$major; fi

# 4. The layout and the shared library.
for f in usr/include/eevdf.h usr/lib64/libeevdf.a "usr/lib64/libeevdf.so.$version" \
    usr/lib64/pkgconfig/eevdf.pc; do
    [ -f "$stage/$f" ] && [ ! -L "$stage/$f" ] || fail "$f is not installed as a file"
done
[ "$(readlink "$lib/libeevdf.so.$soversion")" = "libeevdf.so.$version" ] ||
    fail "libeevdf.so.$soversion does not link to libeevdf.so.$version"
[ "$(readlink "$lib/libeevdf.so")" = "libeevdf.so.$soversion" ] ||
    fail "libeevdf.so does not link to libeevdf.so.$soversion"
cmp -s "$stage/usr/include/eevdf.h" "$repo/include/eevdf.h" ||
    fail "the packaged header differs from include/eevdf.h"
grep -qx "libdir=/usr/lib64" "$lib/pkgconfig/eevdf.pc" || fail "eevdf.pc: libdir"
grep -qx "Version: $version" "$lib/pkgconfig/eevdf.pc" || fail "eevdf.pc: Version"
dynamic=$(readelf -d "$lib/libeevdf.so.$version")
grep -q "Library soname: \[libeevdf.so.$soversion\]" <<<"$dynamic" || fail "SONAME: $dynamic"
grep -q "Shared library: \[libc.so" <<<"$dynamic" || fail "no NEEDED libc: $dynamic"
exports=$(readelf --dyn-syms -W "$lib/libeevdf.so.$version" |
    awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") { sub(/@.*/, "", $8); print $8 }')
others=$(grep -v '^eevdf_' <<<"$exports" || true)
[ -z "$others" ] || fail "libeevdf.so exports more than eevdf_*: $others"
declared=$(grep -c '^[a-z].* eevdf_[a-z0-9_]*(' "$repo/include/eevdf.h")
[ "$(wc -l <<<"$exports")" -ge "$declared" ] || fail "fewer exports than declared functions"

# 5. C programs against the installed copy.
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage
cc=${CC:-cc}
read -r -a flags <<<"$(pkg-config --cflags --libs eevdf)"
"$cc" -std=c11 -Wall -Wextra -Werror -O2 "$repo/examples/c/test_abi.c" "${flags[@]}" \
    -Wl,-rpath,"$lib" -pthread -o "$work/test_abi"
needed=$(readelf -d "$work/test_abi" | grep NEEDED)
grep -q "\[libeevdf.so.$soversion\]" <<<"$needed" ||
    fail "the program does not record libeevdf.so.$soversion: $needed"
env -u LD_LIBRARY_PATH "$work/test_abi" | tail -n 1
# The run-queue loop of docs/c-api.md, linked statically.
awk '/^```c$/ { on = 1; next } /^```$/ { if (on && keep) exit; on = 0; next }
     on && /^\/\* runqueue\.c/ { keep = 1 } on && keep' "$repo/docs/c-api.md" >"$work/runqueue.c"
[ -s "$work/runqueue.c" ] || fail "docs/c-api.md has no /* runqueue.c block"
"$cc" -std=c11 -Wall -Wextra -Werror -O2 -I"$stage/usr/include" "$work/runqueue.c" \
    "$lib/libeevdf.a" -Wl,--gc-sections -o "$work/runqueue"
"$work/runqueue" >/dev/null

# cargo-c, when there is one: the same files.
if cargo cinstall --help >/dev/null 2>&1; then
    (cd "$capi" && cargo cinstall --release --destdir "$work/cstage" \
        --prefix /usr --libdir /usr/lib64 \
        --config "patch.crates-io.eevdf.path=\"$core\"")
    want=$(cd "$stage" && find . | sort)
    have=$(cd "$work/cstage" && find . | sort)
    [ "$want" = "$have" ] || fail "cargo cinstall's layout differs:
$(diff <(echo "$want") <(echo "$have"))"
    echo "ci-capi: cargo cinstall gives the same layout"
fi
echo "ci-capi: the packaged eevdf-capi $version builds, installs and runs"
