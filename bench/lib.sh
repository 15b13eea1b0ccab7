# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by the benchmarks' guest scripts (bench/guest.sh,
# bench/hookbench/run-guest.sh): logging, clocks, module stacks, idleness.

log() { echo "[$(date +%H:%M:%S)] $*"; }
now_ns() { date +%s%N; }

# rmmods SECS MODULE...: remove a module stack; namespaces die
# asynchronously, so retry for up to SECS seconds.
rmmods() {
	local secs=$1 m i left
	shift
	for i in $(seq 1 $((secs * 2))); do
		for m in "$@"; do
			grep -q "^$m " /proc/modules && rmmod "$m" 2>/dev/null
		done
		left=0
		for m in "$@"; do grep -q "^$m " /proc/modules && left=1; done
		[ $left -eq 0 ] && return 0
		sleep 0.5
	done
	log "ERROR: modules still loaded after $secs s: $(grep -E "^($(echo "$*" | tr ' ' '|')) " /proc/modules | cut -d' ' -f1)"
	return 1
}

# Wait (at most 30 s) until the VM is idle: namespaces and modules die
# asynchronously (cleanup_net, table teardown), and none of that may run
# into a measurement.
wait_idle() {
	local i a b busy=0
	for i in $(seq 1 60); do
		a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 }' /proc/stat)
		sleep 0.5
		b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 }' /proc/stat)
		busy=$(echo "$a $b" | awk '{ d = ($3 - $1) + ($4 - $2); print d ? int(100 * ($3 - $1) / d) : 0 }')
		[ "$busy" -lt 15 ] && return 0
	done
	log "note: VM still ${busy}% busy after 30 s"
}
