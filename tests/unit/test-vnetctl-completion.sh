#!/bin/sh
# vnetctl's bash completion, driven as bash-completion would drive it: the
# candidates offered for a given command line, and network names asked of
# vnetctl (a stand-in on PATH that records how it was called).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

src="${VNET_TOP_SRCDIR:-$(dirname "$0")/../..}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# The two helpers bash-completion provides, reduced to what the script uses.
_init_completion() {
	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
	cur="${words[cword]}"
	prev="${words[cword - 1]}"
}
_filedir() { COMPREPLY=("<files>"); }

cat >"$tmp/vnetctl" <<'STUB'
#!/bin/sh
echo "$*" >>"${0%/*}/calls"
printf 'default\nweb\nlab\n'
STUB
chmod +x "$tmp/vnetctl"
PATH="$tmp:$PATH"

# shellcheck source=/dev/null
. "$src/tools/vnetctl.bash-completion"

expect() {
	local want="$1"
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_vnetctl
	if [ "${COMPREPLY[*]}" != "$want" ]; then
		echo "FAIL: [$*] offered '${COMPREPLY[*]}', expected '$want'"
		failed=1
	else
		echo "ok: [$*] -> $want"
	fi
}

expect "network forward dhcp dns lease attach detach port events status help" vnetctl ""
expect "network" vnetctl ne
expect "list info define undefine start stop create-default" vnetctl network ""
expect "start stop" vnetctl --json network st
expect "<files>" vnetctl network define ""
expect "web" vnetctl network start w
expect "default web lab" vnetctl forward add ""
expect "tcp udp" vnetctl forward add web ""
expect "--address" vnetctl forward add web --a
expect "add remove" vnetctl dhcp host ""
expect "list" vnetctl lease ""
expect "lab" vnetctl -s /tmp/x.sock attach l
expect "--owner" vnetctl attach web --ow
expect "--count" vnetctl events --c
expect "--socket" vnetctl --so
expect "" vnetctl forward add web tcp --address ""

# Names were asked of vnetd through the socket given on the line, briefly.
if ! grep -qx -- "--socket /tmp/x.sock --timeout 2 network list --names" "$tmp/calls"; then
	echo "FAIL: names were not asked with the line's socket:"
	cat "$tmp/calls"
	failed=1
fi
exit $failed
