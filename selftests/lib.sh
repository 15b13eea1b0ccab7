# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the selftests (kselftest style: TAP out, exit 4 = skip).
# Sourced by each selftests/*.sh; every test makes its own namespaces with a
# unique prefix and removes them on exit.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

SELFTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$SELFTEST_DIR/.." && pwd)
# ALG_MODULE: run.sh's copy of the module without its debug sections.
MODULE=${ALG_MODULE:-$TOP/alg_conntrack.ko}
NS_PREFIX="alg$$"
ktap_n=0
ktap_fail=0
ktap_skip=0

ktap_ok() { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n - $*"; }
ktap_not_ok() { ktap_n=$((ktap_n + 1)); ktap_fail=$((ktap_fail + 1)); echo "not ok $ktap_n - $*"; }
ktap_skip() { ktap_n=$((ktap_n + 1)); ktap_skip=$((ktap_skip + 1)); echo "ok $ktap_n - $* # SKIP"; }
diag() { echo "# $*"; }

# check DESC CMD...: one subtest, passes when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ktap_ok "$desc"; else ktap_not_ok "$desc"; fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		ktap_ok "$1"
	else
		ktap_not_ok "$1"
		diag "got '$2', want '$3'"
	fi
}

ktap_finish() {
	echo "1..$ktap_n"
	if [ "$ktap_fail" -gt 0 ]; then exit $KSFT_FAIL; fi
	if [ "$ktap_n" -gt 0 ] && [ "$ktap_skip" -eq "$ktap_n" ]; then exit $KSFT_SKIP; fi
	exit $KSFT_PASS
}

skip_all() { echo "1..0 # SKIP $*"; exit $KSFT_SKIP; }

# Header tags of a test FILE (whole lines, in its first 20): "# manual: WHY"
# runs only when named (run.sh, scripts/check); "# once" runs in the last
# kernel's boot of scripts/check only (it covers every kernel itself).
test_manual() { head -n 20 "$1" | grep -q '^# manual: '; }
test_once() { head -n 20 "$1" | grep -qx '# once'; }

# For check: CMD fails; CMD with its output thrown away.
not() { ! "$@"; }
quiet() { "$@" > /dev/null 2>&1; }

# Clocks and sleeps without a fork (each costs 50-200 ms under TCG):
# tick sets NOW (milliseconds, from $EPOCHREALTIME), now_ms prints it;
# msleep SECS reads with a timeout from a FIFO nobody writes to.
NOW=
tick() { local t=${EPOCHREALTIME/./}; NOW=$((10#$t / 1000)); }
now_ms() { tick; echo "$NOW"; }
ALG_SLEEP_FIFO=/tmp/alg_sleep.$$
mkfifo "$ALG_SLEEP_FIFO" && exec {ALG_SLEEPFD}<>"$ALG_SLEEP_FIFO" && rm -f "$ALG_SLEEP_FIFO"
msleep() { read -r -t "$1" -u "$ALG_SLEEPFD" _ || true; }

# wait_for SECS CMD...: poll CMD every 0.1 s until it succeeds, SECS at most
# (times ALG_TEST_TIMEOUT_SCALE, as run.sh's limits: debug kernels are
# slower).
wait_for() {
	local secs=$(($1 * ${ALG_TEST_TIMEOUT_SCALE:-1})) end
	shift
	tick
	end=$((NOW + secs * 1000))
	while ! "$@"; do
		tick
		[ "$NOW" -lt "$end" ] || return 1
		msleep 0.1
	done
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "$c not installed"
	done
}

mod_loaded() { grep -q '^alg_conntrack ' /proc/modules; }
# mod_stripped: the path of a copy of the module without its debug sections
# (a tenth of the size: much less to read per insmod), else the module.
mod_stripped() {
	local copy=/tmp/alg_conntrack.stripped.$$.ko
	[ -z "${ALG_MODULE:-}" ] || { echo "$MODULE"; return; }
	[ -f "$copy" ] || strip --strip-debug -o "$copy" "$MODULE" 2>/dev/null || copy=$MODULE
	echo "$copy"
}
mod_load() { mod_loaded || insmod "$MODULE" "$@"; }
# nfct_unload: remove nf_conntrack and what a reference run loaded on top
# of it; fails while a dying namespace still holds it (netns teardown is
# asynchronous: poll).
NFCT_MODS="nft_flow_offload nf_flow_table_inet nf_flow_table nf_conntrack_netlink xt_state xt_conntrack xt_connmark xt_CT xt_MASQUERADE xt_REDIRECT xt_nat iptable_nat nft_ct nf_nat_ftp nf_conntrack_ftp nf_nat nf_conntrack"
nfct_unload() {
	[ -d /sys/module/nf_conntrack ] || return 0
	# shellcheck disable=SC2086
	modprobe -r $NFCT_MODS 2> /dev/null
	[ ! -d /sys/module/nf_conntrack ]
}
# The module links against nf_tables and x_tables (its nft ct expression
# and xtables matches): modprobe loads them, insmod does not. Every insmod
# here goes through this (no fork once they are there).
# ALG_FASTPATH=1 in the environment: every namespace starts with the fast
# path on (module parameter fastpath), to run the whole suite with it.
insmod() {
	[ -d /sys/module/nf_tables ] && [ -d /sys/module/x_tables ] ||
		modprobe -a nf_tables x_tables
	if [ -n "${ALG_FASTPATH:-}" ] && [[ $1 == *alg_conntrack*.ko ]]; then
		command insmod "$@" "fastpath=$ALG_FASTPATH"
	else
		command insmod "$@"
	fi
}
mod_unload() { ! mod_loaded || rmmod alg_conntrack; }

ns() { echo "${NS_PREFIX}_$1"; }
nsx() { local n=$1; shift; ip netns exec "${NS_PREFIX}_$n" "$@"; }

# Background jobs by name: bg NAME NS CMD... runs CMD in NS with its output
# in $BG_DIR/NAME.out and its pid in BG_PID[NAME]. A plain command, not the
# nsx function: $! is then the process itself (ip execs CMD), not a
# subshell that a kill would leave CMD behind.
declare -A BG_PID=()
BG_DIR=/tmp
BG_READY_SECS=15
bg() {
	local name=$1 n=$2
	shift 2
	ip netns exec "$(ns "$n")" "$@" > "$BG_DIR/$name.out" 2>&1 &
	BG_PID[$name]=$!
}
# wait (BG_READY_SECS) for "ready" in NAME's output
bg_ready() { wait_for "$BG_READY_SECS" grep -q '^ready' "$BG_DIR/$1.out"; }
bg_kill() {
	local pid=${BG_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "BG_PID[$1]"
}
bg_killall() {
	local k
	for k in "${!BG_PID[@]}"; do bg_kill "$k"; done
}

# mkdata FILE KIB: KIB KiB of random bytes
mkdata() { head -c "$(($2 * 1024))" /dev/urandom > "$1"; }

# ns_cleanup [REGEX]: delete the namespaces whose names match REGEX
# (default: this test's), killing what runs in them. Two forks whatever
# their number: every test ends with it.
ns_cleanup() {
	local re=${1:-^${NS_PREFIX}_} n p batch=
	local -a del=() pids=()
	for n in /run/netns/*; do
		n=${n##*/}
		[[ $n =~ $re ]] && [ -e "/run/netns/$n" ] && del+=("$n")
	done
	[ ${#del[@]} -gt 0 ] || return 0
	for p in /proc/[0-9]*; do
		for n in "${del[@]}"; do
			if [ "$p/ns/net" -ef "/run/netns/$n" ]; then
				pids+=("${p#/proc/}")
				break
			fi
		done
	done
	[ ${#pids[@]} -eq 0 ] || kill -9 "${pids[@]}" 2>/dev/null
	for n in "${del[@]}"; do batch+="netns del $n"$'\n'; done
	ip -force -batch - <<< "$batch"
}

# topo_3: client -- gateway -- server, two /24s; the server has no route to
# the client's network, so only NAT on the gateway brings replies home.
#   client 10.0.1.2/24 (gw 10.0.1.1)  gateway 10.0.1.1, 10.0.2.1  server 10.0.2.2/24
# "topo_3 route-back" gives the server that route (plain routing, no NAT).
# Five processes (ip -batch, ip -n): under TCG each costs 50-200 ms.
topo_3() {
	local c=${NS_PREFIX}_client g=${NS_PREFIX}_gw s=${NS_PREFIX}_server back=
	[ "${1:-}" != route-back ] || back="route add 10.0.1.0/24 via 10.0.2.1"
	ip -batch - <<-EOF || return 1
		netns add $c
		netns add $g
		netns add $s
		link add veth_c netns $c type veth peer name gw_in netns $g
		link add veth_s netns $s type veth peer name gw_out netns $g
	EOF
	ip -n "$c" -batch - <<-EOF || return 1
		link set lo up
		addr add 10.0.1.2/24 dev veth_c
		link set veth_c up
		route add default via 10.0.1.1
	EOF
	ip -n "$g" -batch - <<-EOF || return 1
		link set lo up
		addr add 10.0.1.1/24 dev gw_in
		addr add 10.0.2.1/24 dev gw_out
		link set gw_in up
		link set gw_out up
	EOF
	ip -n "$s" -batch - <<-EOF || return 1
		link set lo up
		addr add 10.0.2.2/24 dev veth_s
		link set veth_s up
		$back
	EOF
	ip netns exec "$g" sysctl -qw net.ipv4.ip_forward=1
}

trap_cleanup() { trap 'ns_cleanup; '"${1:-true}" EXIT; }
