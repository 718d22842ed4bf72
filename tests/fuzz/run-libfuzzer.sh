#!/bin/sh
# Build one fuzz target with clang's libFuzzer (plus ASan and UBSan) straight
# from the sources and run it:
#
#   tests/fuzz/run-libfuzzer.sh TARGET [SECONDS [LIBFUZZER-OPTION...]]
#
# TARGET is link, nl-error, util, dhcp-spec, dnsmasq-files or client. Needs
# clang and libFuzzer (Debian: clang, libclang-rt-14-dev). Everything goes to
# $VNET_FUZZ_OUT/TARGET (default /tmp/vnet-libfuzzer/TARGET): the binary,
# the inputs libFuzzer found interesting (corpus/; the seeds in
# tests/fuzz/corpus/TARGET are only read), and crash-*/leak-*/timeout-*
# reproducers. Copy a reproducer to tests/fuzz/crashes/TARGET/ (and list it
# in tests/fuzz.am) so make check replays it from then on.
set -eu

usage() {
	echo "usage: $0 TARGET [SECONDS [LIBFUZZER-OPTION...]]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
target=$1
shift
seconds=60
if [ $# -ge 1 ]; then
	seconds=$1
	shift
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${VNET_FUZZ_OUT:-/tmp/vnet-libfuzzer}/$target
cc=${CC:-clang}

libvnet=$(ls "$top"/libvnet/*.c)
dhcp="$top/vnetd/dhcp-spec.c $top/vnetd/dnsmasq-config.c $top/vnetd/dnsmasq-proc.c"
case $target in
link|nl-error)
	srcs=$libvnet
	pkgs="libmnl libnl-3.0 libnl-route-3.0 libnftnl"
	;;
util|dhcp-spec|dnsmasq-files)
	srcs="$libvnet $dhcp"
	pkgs="libmnl libnl-3.0 libnl-route-3.0 libnftnl json-c"
	;;
client)
	srcs=$top/tools/client.c
	pkgs=json-c
	;;
*)
	echo "$0: unknown target '$target'" >&2
	usage
	;;
esac

mkdir -p "$out/obj" "$out/corpus"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 -D_GNU_SOURCE $san $(pkg-config --cflags $pkgs)
	-I$top/libvnet/include -I$top/libvnet -I$top/vnetd -I$top/tools -I$top/tests/fuzz"

# The code under test gets coverage instrumentation; only the target gets libFuzzer's main().
objs=
for src in $srcs; do
	obj=$out/obj/$(basename "$(dirname "$src")")-$(basename "$src" .c).o
	# shellcheck disable=SC2086
	$cc $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
	objs="$objs $obj"
done
# shellcheck disable=SC2086
$cc $cflags -fsanitize=fuzzer "$top/tests/fuzz/fuzz-$target.c" $objs \
	$(pkg-config --libs $pkgs) -o "$out/fuzz-$target"

echo "running fuzz-$target for $seconds s; artifacts in $out" >&2
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$out/fuzz-$target" -max_total_time="$seconds" -artifact_prefix="$out/" \
	-print_final_stats=1 "$@" "$out/corpus" "$top/tests/fuzz/corpus/$target"
