#!/bin/sh
# The C library's installer lives with the C ABI crate (capi/scripts/install-c.sh),
# so that it ships in that crate's package; this is the repository's shortcut.
exec sh "$(dirname "$0")/../capi/scripts/install-c.sh" "$@"
