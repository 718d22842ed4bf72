#!/bin/bash
# tests/bench/summary.sh DIR [README]
#
# The short table of issue 7's headline figures from a finished run of
# tests/bench/run.sh: reads DIR/rows.tsv and DIR/run.env (the run's sizes,
# date, commit, duration and machine, written by run.sh), writes
# DIR/summary.md, and with README replaces the lines between
# "<!-- bench-results:begin" and "<!-- bench-results:end" in that file with
# the table under a line naming the run and the machine. run.sh calls it at
# its end (run.sh --readme README.md); run it by hand to rewrite a README
# from a run kept in DIR. Needs no root.
set -euo pipefail

dir=$(cd "${1:?usage: summary.sh DIR [README]}" && pwd)
readme=${2:-}
rows="$dir/rows.tsv"
[ -r "$rows" ] && [ -r "$dir/run.env" ] || { echo "summary.sh: no $rows or $dir/run.env" >&2; exit 1; }
# shellcheck source=/dev/null
. "$dir/run.env"
if [ -n "$readme" ]; then
	grep -q '^<!-- bench-results:begin' "$readme" && grep -q '^<!-- bench-results:end' "$readme" || {
		echo "summary.sh: $readme has no <!-- bench-results:begin --> ... <!-- bench-results:end --> lines" >&2
		exit 1
	}
fi

# val REGEX VARIANT [FIELD]: median (or FIELD: 4 min, 5 max) of the first
# row whose figure matches REGEX; nothing when there is none or it is n/a
val() {
	re="$1" awk -F'\t' -v v="$2" -v f="${3:-3}" '$2 == v && $1 ~ ENVIRON["re"] && $3 != "n/a" { print $f; exit }' "$rows"
}
fmt() {	# fmt VALUE: 3 significant digits or so; "—" for nothing
	awk -v x="$1" 'BEGIN {
		if (x == "") { print "—"; exit }
		if (x + 0 >= 100 || x + 0 == int(x)) printf "%.0f\n", x
		else if (x + 0 >= 10) printf "%.1f\n", x; else printf "%.2f\n", x }'
}
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 != 0) printf "%.2f", a / b }'; }
q() { printf '^%s' "$(printf '%s' "$1" | sed 's/[][\\.^$*+?(){}|]/\\&/g')"; }	# literal prefix as a regex

# line LABEL UNIT TARGET REGEX...: one table row, vnet beside the baseline;
# several figures are joined with " / ". FIELD (default 3, the median)
# picks the column.
FIELD=3
line() {
	local label=$1 unit=$2 target=$3 re v b vs="" bs="" rs="" sep="" any=0
	shift 3
	for re in "$@"; do
		v=$(val "$re" vnet "$FIELD"); b=$(val "$re" baseline "$FIELD")
		vs+="$sep$(fmt "$v")"; bs+="$sep$(fmt "$b")"; rs+="$sep$(ratio "$v" "$b" || true)"
		[ -n "$b" ] && any=1
		sep=" / "
	done
	if [ "$any" = 1 ]; then
		[ -n "$unit" ] && bs+=" $unit"
	else
		bs="—"; rs=""
	fi
	printf '| %s | %s%s | %s | %s | %s |\n' "$label" "$vs" "${unit:+ $unit}" "$bs" "$rs" "$target"
}

table() {
	local bs=$((NSCALE / BUCKETS)) fb=$((NFWD / BUCKETS)) db=$((NDHCP / BUCKETS)) tb=$((R5 / BUCKETS)) big="" dbig=""
	[ "$NSCALE" -gt 200 ] && big=$NSCALE
	[ "$NDHCP" -gt 200 ] && dbig=$NDHCP
	echo "| figure | vnet | by hand | ratio | target (issue 7) |"
	echo "|---|---:|---:|---:|---|"
	line "1 start one NAT network (no DHCP)" ms "≤ 10 ms" "$(q "1 network start, no DHCP (ms)")"
	line "1 stop one NAT network" ms "" "$(q "1 network stop, no DHCP (ms)")"
	line "1 start with DHCP, until a client has its lease" ms "" "$(q "1 network start with DHCP, until")"
	line "2 start of networks 1–$bs / $((NSCALE - bs + 1))–$NSCALE" ms "≤ 10 ms, flat (≤ 1.5×)" \
		"$(q "2 start of networks 1-$bs (ms)")" "$(q "2 start of networks $((NSCALE - bs + 1))-$NSCALE (ms)")"
	line "2 start with DHCP of networks 1–$db / $((NDHCP - db + 1))–$NDHCP" ms "flat" \
		"$(q "2 start with DHCP of networks 1-$db (ms)")" "$(q "2 start with DHCP of networks $((NDHCP - db + 1))-$NDHCP (ms)")"
	line "3 DHCP host add, until dnsmasq offers it / the call alone" ms "≤ 2 ms" \
		"$(q "3 DHCP host add, until")" "$(q "3 DHCP host add, the call alone")"
	line "4 forward add, 1–$fb / $((NFWD - fb + 1))–$NFWD" ms "≤ 1 ms, flat" \
		"$(q "4 forward add 1-$fb (ms)")" "$(q "4 forward add $((NFWD - fb + 1))-$NFWD (ms)")"
	line "4 connections/s through a forward, 10 / $NFWD forwards" "" "flat" \
		"$(q "4 connections/s through a forward, 10 forwards")" "$(q "4 connections/s through a forward, $NFWD forwards")"
	line "5 tap attach (fd returned) / detach, in $R5 attach + detach cycles" ms "attach ≤ 0.5 ms" \
		"$(q "5 tap attach, fd returned, attach + detach cycles")" "$(q "5 tap detach, attach + detach cycles")"
	line "5 tap attach of taps 1–$tb / $((R5 - tb + 1))–$R5, all $R5 held" ms "attach ≤ 0.5 ms" \
		"$(q "5 tap attach of taps 1-$tb,")" "$(q "5 tap attach of taps $((R5 - tb + 1))-$R5,")"
	line "6 vnetd restart with 200${big:+ / $big} networks, until reconciled" ms "≤ 2 s at 1,000" \
		"$(q "6 vnetd restart with 200 networks, until")" ${big:+"$(q "6 vnetd restart with $big networks, until")"}
	line "6 vnetd restart with $NDHCP networks with DHCP, until reconciled" ms "≤ 2 s at 1,000" \
		"$(q "6 vnetd restart with $NDHCP networks with DHCP, until")"
	FIELD=5 line "6 pings lost in the worst of those restarts (10 ms flow through NAT)" "" "none" \
		"$(q "6 pings lost (10 ms flow through NAT) during restart, 200 networks")" \
		${big:+"$(q "6 pings lost (10 ms flow through NAT) during restart, $big networks")"} \
		"$(q "6 pings lost (10 ms flow through NAT) during restart, $NDHCP networks with DHCP")"
	line "7 vnetd RSS at 0 / 200${big:+ / $big} networks" MiB "≤ 4 MiB at 200" \
		"$(q "7 vnetd RSS, 0 networks")" "$(q "7 vnetd RSS, 200 networks (MiB)")" \
		${big:+"$(q "7 vnetd RSS, $big networks (MiB)")"}
	line "7 vnetd RSS at 200${dbig:+ / $dbig} networks with DHCP" MiB "" \
		"$(q "7 vnetd RSS, 200 networks with DHCP")" ${dbig:+"$(q "7 vnetd RSS, $dbig networks with DHCP")"}
	line "7 dnsmasq PSS in all at 200${dbig:+ / $dbig} networks with DHCP" MiB "" \
		"$(q "7 total dnsmasq PSS, 200 networks")" ${dbig:+"$(q "7 total dnsmasq PSS, $dbig networks")"}
	line "8 NAT throughput (iperf3)" Gbit/s "within 5 %" "^8 NAT throughput"
}

table > "$dir/summary.md"
[ -n "$readme" ] || exit 0
{
	echo "\`tests/bench/run.sh$([ "$QUICK" = 1 ] && echo " --quick")\` of $RUN_DATE, vnet $RUN_COMMIT, $RUN_TIME in all;"
	echo "machine: $MACHINE."
	echo "Medians; ratio = vnet / by hand. $LIBVIRT_NOTE."
	echo
	cat "$dir/summary.md"
} > "$dir/summary-block.md"
awk -v block="$dir/summary-block.md" '
	/^<!-- bench-results:begin/ { print; while ((getline l < block) > 0) print l; skip = 1; next }
	/^<!-- bench-results:end/ { skip = 0 }
	!skip { print }' "$readme" > "$dir/readme.new"
cat "$dir/readme.new" > "$readme"
echo "summary.sh: the table between the bench-results markers of $readme is replaced" >&2
