# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the selftests (kselftest style: TAP out, exit 4 = skip).
# Sourced by each selftests/*.sh; every test makes its own namespaces with a
# unique prefix and removes them on exit.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

SELFTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$SELFTEST_DIR/.." && pwd)
MODULE="$TOP/alg_conntrack.ko"
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
	[ -f "$copy" ] || strip --strip-debug -o "$copy" "$MODULE" 2>/dev/null || copy=$MODULE
	echo "$copy"
}
mod_load() { mod_loaded || insmod "$MODULE" "$@"; }
mod_unload() { ! mod_loaded || rmmod alg_conntrack; }

ns() { echo "${NS_PREFIX}_$1"; }
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

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
# wait (BG_READY_SECS) for "ready" in NAME's output; needs wait_for
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
# (default: this test's), killing what runs in them.
ns_cleanup() {
	local n re=${1:-^${NS_PREFIX}_}
	for n in $(ip netns list | awk '{print $1}' | grep -E "$re"); do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$n"
	done
}

# topo_3: client -- gateway -- server, two /24s; the server has no route to
# the client's network, so only NAT on the gateway brings replies home.
#   client 10.0.1.2/24 (gw 10.0.1.1)  gateway 10.0.1.1, 10.0.2.1  server 10.0.2.2/24
topo_3() {
	local c g s
	c=$(ns client); g=$(ns gw); s=$(ns server)
	ip netns add "$c" && ip netns add "$g" && ip netns add "$s" || return 1
	ip link add veth_c netns "$c" type veth peer name gw_in netns "$g"
	ip link add veth_s netns "$s" type veth peer name gw_out netns "$g"
	nsx client ip addr add 10.0.1.2/24 dev veth_c
	nsx gw ip addr add 10.0.1.1/24 dev gw_in
	nsx gw ip addr add 10.0.2.1/24 dev gw_out
	nsx server ip addr add 10.0.2.2/24 dev veth_s
	for n in client gw server; do nsx $n ip link set lo up; done
	nsx client ip link set veth_c up
	nsx gw ip link set gw_in up
	nsx gw ip link set gw_out up
	nsx server ip link set veth_s up
	nsx client ip route add default via 10.0.1.1
	nsx gw sysctl -qw net.ipv4.ip_forward=1
}

trap_cleanup() { trap 'ns_cleanup; '"${1:-true}" EXIT; }
