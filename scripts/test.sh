#!/bin/bash
# Every test: unit and integration tests in a plain build, the whole suite
# again built with AddressSanitizer + UBSan, and `make distcheck`.
# Needs root (integration tests make network namespaces of their own).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
failed_steps=()
pass=0 fail=0 skip=0

count() {
	local log=$1
	[ -f "$log" ] || return 0
	pass=$((pass + $(sed -n 's/^# PASS: *//p' "$log" | head -1)))
	fail=$((fail + $(sed -n 's/^# FAIL: *//p' "$log" | head -1) + $(sed -n 's/^# ERROR: *//p' "$log" | head -1)))
	skip=$((skip + $(sed -n 's/^# SKIP: *//p' "$log" | head -1)))
}

step() {
	local name=$1; shift
	echo "==> $name"
	if ! "$@"; then
		failed_steps+=("$name")
	fi
}

suite() {
	local flavour=$1
	"$top/scripts/setup.sh" "$flavour" || return 1
	rm -f "$top/_build/$flavour/test-suite.log"
	make -C "$top/_build/$flavour" -s -j"$jobs" check
	local r=$?
	count "$top/_build/$flavour/test-suite.log"
	if [ $r -ne 0 ] && [ -f "$top/_build/$flavour/test-suite.log" ]; then
		cat "$top/_build/$flavour/test-suite.log"
	fi
	return $r
}

distcheck() {
	make -C "$top/_build/default" -s -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >/dev/null
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

step "unit and integration tests" suite default
step "the same, built with ASan + UBSan" suite asan
step "make distcheck" distcheck

echo
echo "tests: $pass passed, $fail failed, $skip skipped (two builds: plain and sanitizers)"
if [ ${#failed_steps[@]} -gt 0 ]; then
	echo "failed: ${failed_steps[*]}"
	echo "$pass passed, $((fail > 0 ? fail : 1)) failed"
	exit 1
fi
echo "$pass passed, $fail failed, $skip skipped"
