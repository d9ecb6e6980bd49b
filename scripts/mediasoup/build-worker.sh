#!/bin/sh
# Builds mediasoup-worker offline against Debian system libraries (see install-system-deps.sh).
#
# usage: build-worker.sh <node_modules/mediasoup dir> <output binary path>
#
# mediasoup's own build downloads its C/C++ dependencies through meson wraps (wrapdb) and
# installs meson/ninja with pip; neither is reachable offline. Instead the worker sources are
# copied to a scratch directory (node_modules stays pristine), each wrap subproject is replaced
# by a small meson shim (./shims) that resolves the system library via pkg-config, and meson
# runs with --wrap-mode=nodownload so nothing is fetched.
set -eu

[ "$#" -eq 2 ] || { echo "usage: $0 <mediasoup package dir> <output binary>" >&2; exit 2; }
MEDIASOUP_DIR=$(cd "$1" && pwd)
OUTPUT=$2
SHIMS=$(cd "$(dirname "$0")/shims" && pwd)

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT INT TERM
cp -r "$MEDIASOUP_DIR/worker" "$SCRATCH/worker"
WORKER="$SCRATCH/worker"
SUBPROJECTS="$WORKER/subprojects"

# Replace every wrap we have a shim for; the subproject directory name comes from the .wrap
# file so a mediasoup upgrade that renames it still lands in the right place.
for wrap in openssl libuv libsrtp3 liburing usrsctp abseil-cpp catch2 flatbuffers; do
  [ -f "$SUBPROJECTS/$wrap.wrap" ] || continue
  directory=$(sed -n 's/^directory *= *//p' "$SUBPROJECTS/$wrap.wrap")
  rm -rf "${SUBPROJECTS:?}/$directory"
  mkdir -p "$SUBPROJECTS/$directory"
  cp -r "$SHIMS/$wrap/." "$SUBPROJECTS/$directory/"
done

# mediasoup's BIO callback returns 1 for (BIO_CB_CTRL | BIO_CB_RETURN) because it compares the
# operation with `==`. With a KTLS-enabled OpenSSL (Debian's build) that makes BIO_get_ktls_send()
# look true, so OpenSSL skips its write buffer and the DTLS handshake dereferences NULL. Upstream
# never hits this because its wrapdb OpenSSL is built without KTLS. The flag must be tested with
# a bit mask (OpenSSL BIO_set_callback_ex(3): "BIO_CB_RETURN is ORed with the operation").
DTLS_SOURCE="$WORKER/src/RTC/DtlsTransport.cpp"
sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1/(operationType \& BIO_CB_RETURN) ? static_cast<long>(ret) : 1/' "$DTLS_SOURCE"
if ! grep -q '(operationType & BIO_CB_RETURN)' "$DTLS_SOURCE"; then
  echo "build-worker.sh: the KTLS BIO fix no longer applies to this mediasoup version;" >&2
  echo "review $DTLS_SOURCE before building against Debian's OpenSSL." >&2
  exit 1
fi

# The libsrtp3 shim swaps libsrtp2's crypto for OpenSSL's (shims/libsrtp3/openssl_crypto.c).
# Before building on it, prove on this machine's libsrtp2 that both produce the same SRTP and
# SRTCP octets and accept each other's packets; a mismatch would break every browser call.
${CC:-cc} -O2 -o "$SCRATCH/srtp-crypto-test" "$SHIMS/libsrtp3/test/openssl_crypto_test.c" \
  "$SHIMS/libsrtp3/openssl_crypto.c" $(pkg-config --cflags --libs libsrtp2 libcrypto)
"$SCRATCH/srtp-crypto-test"

cd "$WORKER"
BUILD_DIR=out/Release/build
# liburing comes from Debian's liburing-dev (shims/liburing). mediasoup enables it only on
# kernels >= 6 and falls back to plain libuv sends if io_uring cannot be set up at run time
# (e.g. a container whose seccomp profile blocks io_uring_setup).
meson setup --buildtype release -Db_ndebug=true --wrap-mode=nodownload "$BUILD_DIR"
meson compile -C "$BUILD_DIR" flatbuffers-generator
meson compile -C "$BUILD_DIR" -j "$(nproc)" mediasoup-worker

mkdir -p "$(dirname "$OUTPUT")"
# Install atomically so a concurrent reader never sees a half-written binary.
cp "$BUILD_DIR/mediasoup-worker" "$OUTPUT.partial.$$"
chmod 0755 "$OUTPUT.partial.$$"
mv "$OUTPUT.partial.$$" "$OUTPUT"
echo "built $OUTPUT"
