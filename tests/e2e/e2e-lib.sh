# Shell helpers for tests that boot the test guest; source it:
#   . "$VNET_TOP_SRCDIR/tests/e2e/e2e-lib.sh"
# Results are counted with e2e_ok/e2e_bad and closed with e2e_finish, which
# prints the "N passed, N failed" line and exits non-zero on any failure.

e2e_pass=0
e2e_fail=0

e2e_ok() {
	echo "PASS: $*"
	e2e_pass=$((e2e_pass + 1))
}

e2e_bad() {
	echo "FAIL: $*"
	e2e_fail=$((e2e_fail + 1))
}

# e2e_check WHAT EXPECTED GOT: PASS when equal.
e2e_check() {
	if [ "$3" = "$2" ]; then
		e2e_ok "$1: $3"
	else
		e2e_bad "$1: got '$3', expected '$2'"
	fi
}

# e2e_marker LOG KEY: the rest of the guest's first "VNET-E2E: KEY ..." line
# in serial log LOG (empty when there is none).
e2e_marker() {
	tr -d '\r' <"$1" | sed -n "s/^VNET-E2E: $2 //p" | head -n1
}

# e2e_errors LOG: the guest's "VNET-E2E: error ..." lines, on one line.
e2e_errors() {
	tr -d '\r' <"$1" | sed -n 's/^VNET-E2E: error //p' | tr '\n' ';'
}

# e2e_alive PID: true while PID runs (a zombie counts as gone: a test that
# runs as PID 1 of its own pid namespace inherits QEMU once boot-vm.sh exits).
e2e_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# e2e_wait_gone PID SECS: true when PID ends within SECS seconds.
e2e_wait_gone() {
	i=0
	while e2e_alive "$1" && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! e2e_alive "$1"
}

e2e_finish() {
	echo "$e2e_pass passed, $e2e_fail failed"
	[ "$e2e_fail" -eq 0 ]
	exit
}
