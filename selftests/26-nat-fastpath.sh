#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# The established-flow fast path (net.alg_conntrack.fastpath=1) on a
# MASQUERADE gateway: client -- gw -- server, plus a second gw -- server
# link. The same scenario runs first on the kernel's own stack as the
# reference (nf_conntrack + nf_nat, iptables-legacy MASQUERADE, an nft
# flowtable with "flow add"), then on alg_conntrack; both must meet every
# expectation below. Long-lived TCP and UDP flows (an echo every 20 ms) are
# offloaded ([OFFLOAD] in the gateway's table) and keep working across:
#  - a route change to the second link, both ways (the packets then leave
#    by it, and the answers come in by another device; alg only: the
#    kernel's streams stopped there);
#  - an MTU drop on the way out under 3000-byte TCP messages: the gateway's
#    "fragmentation needed" reaches the client, translated back (path MTU
#    1000), and the stream goes on;
#  - TTL expiry: traceroute on an offloaded UDP flow's own ports lists the
#    gateway at hop 1;
#  - the LAN device down and up, and the second link deleted;
#  - flushing the NAT rules (bindings are per connection);
#  - switching the fast path off mid-flow, and on again;
#  - RST (the entry goes to CLOSE; alg only: the kernel's stays
#    ESTABLISHED) and FIN (TIME_WAIT).
# alg only: the sysctl refuses 2; its counters (offload, fastpath in
# /proc/net/stat/alg_conntrack) show the fast path carried the packets at
# each step and none once it is off; rmmod with a flow offloaded.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/nat_lib.sh"
nat_setup socat traceroute

FLOW_TOOL="$SELFTEST_DIR/tools/flow_tool.py"
STACK=

topo() {
	topo_3 || return 1
	ip link add gw_out2 netns "$(ns gw)" type veth peer name veth_s2 netns "$(ns server)" &&
	ip -n "$(ns gw)" -batch - <<-EOF &&
		addr add 10.0.4.1/24 dev gw_out2
		link set gw_out2 up
	EOF
	ip -n "$(ns server)" -batch - <<-EOF &&
		addr add 10.0.4.2/24 dev veth_s2
		link set veth_s2 up
	EOF
	ns_pin client gw server
}

# The stack's own ways of doing the same thing.
masq_on() {
	if [ "$STACK" = alg ]; then
		nat_w gw "-A POSTROUTING -o gw_out -j MASQUERADE"
	else
		nsx gw iptables-legacy -t nat -A POSTROUTING -o gw_out -j MASQUERADE
	fi
}
nat_flush() {
	if [ "$STACK" = alg ]; then nat_w gw "-F"; else nsx gw iptables-legacy -t nat -F; fi
}
fast() {
	if [ "$STACK" = alg ]; then
		nsx gw sysctl -qw net.alg_conntrack.fastpath="$1"
	elif [ "$1" = 1 ]; then
		nsx gw nft -f - <<-EOF
			table inet ft {
				flowtable f { hook ingress priority 0; devices = { gw_in, gw_out }; }
				chain forward_ft { type filter hook forward priority 0; meta l4proto { tcp, udp } flow add @f; }
			}
		EOF
	else
		nsx gw nft delete table inet ft
	fi
}
ctfile() { nsproc gw "$([ "$STACK" = alg ] && echo alg_conntrack || echo nf_conntrack)"; }
offloaded() { local n; n=$(grep -c OFFLOAD "$(ctfile)"); [ "$n" -eq "$1" ]; }
offloaded_has() { grep OFFLOAD "$(ctfile)" | grep -q -- "$1"; }
# ct_state ERE: an entry of the gateway matches (protocol state and tuples)
ct_state() { grep -Eq "$1" "$(ctfile)"; }

# fstat NAME: a column of alg's /proc/net/stat/alg_conntrack, summed
fstat() {
	local -a f
	local i col=-1 sum=0 l first=1
	while read -r l; do
		read -r -a f <<< "$l"
		if [ $first = 1 ]; then
			first=0
			for i in "${!f[@]}"; do [ "${f[$i]}" = "$1" ] && col=$i; done
			continue
		fi
		sum=$((sum + 16#${f[$col]}))
	done < "$(nsproc gw stat/alg_conntrack)"
	echo "$sum"
}
fast_above() { [ "$(fstat fastpath)" -gt "$1" ]; }
# answered NAME: the last progress count of a stream
answered() { local a; a=$(grep -o 'answered=[0-9]*' "$NAT_TMP/$1.out" | tail -n 1); echo "${a#answered=}"; }
answered_above() { [ "${2:-0}" -lt "$(answered "$1" || echo 0)" ] 2>/dev/null; }
# moved NAME DESC [slow]: the stream NAME answers 20 more messages from
# now on (and, on alg, the fast path forwards more packets, unless slow)
moved() {
	local a f
	a=$(answered "$1")
	[ "$STACK" = alg ] && f=$(fstat fastpath)
	check "$STACK: $2: the $1 stream goes on" wait_for 20 answered_above "$1" $((${a:-0} + 20))
	[ "$STACK" = alg ] && [ -z "${3:-}" ] &&
		check "$STACK: $2: the fast path forwards $1's packets" wait_for 10 fast_above "$f"
}
tx() { nsx gw cat "/sys/class/net/$1/statistics/tx_packets"; }
stream() {
	local name=$1
	shift
	rm -f "$NAT_TMP/stop.$name"
	bg "$name" client python3 -S "$FLOW_TOOL" stream --dst 10.0.2.2 --port 7000 --stop "$NAT_TMP/stop.$name" "$@"
}

scenario() {
	STACK=$1
	local t0 t1 a rg tr
	topo || { ktap_not_ok "$STACK: topology"; return; }
	check "$STACK: MASQUERADE" masq_on
	check "$STACK: fast path on" fast 1
	bg echo server python3 -S "$FLOW_TOOL" echo --port 7000 --bind 10.0.2.2
	check "$STACK: echo server up" bg_ready echo
	stream tcp --rst
	stream udp --udp --sport 40000
	check "$STACK: TCP stream started" wait_for 20 answered_above tcp 20
	check "$STACK: UDP stream started" wait_for 20 answered_above udp 20
	check "$STACK: both connections offloaded" wait_for 10 offloaded 2
	[ "$STACK" = alg ] && check_eq "alg: offload counted twice" "$(fstat offload)" 2
	moved tcp "offloaded"
	moved udp "offloaded"

	# Route change, both ways by the second link. Not on the reference:
	# with a flowtable, the kernel's streams stopped after it (6.1 and
	# 6.12, not understood yet), and every later step with them.
	if [ "$STACK" = alg ]; then
		t0=$(tx gw_out2)
		nsx gw ip route replace 10.0.2.2/32 via 10.0.4.2 dev gw_out2
		nsx server ip route replace 10.0.2.1/32 via 10.0.4.1 dev veth_s2
		moved tcp "route change"
		moved udp "route change"
		t1=$(tx gw_out2)
		check "$STACK: after the route change packets leave by gw_out2 ($t0 -> $t1)" test $((t1 - t0)) -gt 40
		diag "alg: gw_out2 ingress hooks: $(nsx gw nft list hooks netdev device gw_out2 2>&1 | grep -v '^[a-z]' | tr -s ' \n' ' ')"
		nsx gw ip route del 10.0.2.2/32
		nsx server ip route del 10.0.2.1/32
	fi

	# MTU drop on the way out under 3000-byte TCP messages.
	stream big --size 3000
	check "$STACK: 3000-byte TCP messages" wait_for 20 answered_above big 10
	check "$STACK: the big-message stream offloaded" wait_for 10 offloaded 3
	a=$(answered big)
	nsx gw ip link set gw_out mtu 1000
	check "$STACK: big messages go on after an MTU drop to 1000" wait_for 30 answered_above big $((a + 20))
	moved udp "MTU drop"
	rg=$(nsx client ip route get 10.0.2.2)
	check "$STACK: the gateway's frag-needed reached the client: path MTU 1000" eval '[[ $rg == *"mtu 1000"* ]]'
	touch "$NAT_TMP/stop.big"
	check "$STACK: big-message stream ended cleanly" bg_wait big
	nsx gw ip link set gw_out mtu 1500

	# TTL expiry on an offloaded UDP flow's own ports.
	stream udp2 --udp --sport 40001
	check "$STACK: second UDP stream offloaded" wait_for 20 offloaded_has "sport=40001"
	touch "$NAT_TMP/stop.udp2"
	bg_wait udp2 > /dev/null
	tr=$(nsx client traceroute -n -q 1 -w 3 -m 1 -U -p 7000 --sport=40001 10.0.2.2 2>&1)
	diag "$STACK: traceroute: $(echo $tr)"
	check_eq "$STACK: TTL 1 on an offloaded flow: hop 1 is the gateway" \
		"$(awk '$1 == 1 {print $2}' <<< "$tr")" 10.0.1.1

	# The LAN device down and up; the second link deleted.
	nsx gw ip link set gw_in down
	msleep 1
	nsx gw ip link set gw_in up
	moved tcp "LAN device down and up"
	moved udp "LAN device down and up"
	nsx gw ip link del gw_out2
	moved udp "second link deleted"

	# NAT rules flushed: bindings stay with their connections.
	check "$STACK: NAT rules flushed" nat_flush
	moved tcp "NAT rules flushed"
	moved udp "NAT rules flushed"
	check "$STACK: MASQUERADE back" masq_on

	# Off mid-flow, and on again.
	check "$STACK: fast path off" fast 0
	check "$STACK: off: no connection offloaded" wait_for 10 offloaded 0
	[ "$STACK" = alg ] && f=$(fstat fastpath)
	moved tcp "fast path off" slow
	[ "$STACK" = alg ] && check_eq "alg: off: no packet by the fast path" "$(fstat fastpath)" "$f"
	check "$STACK: fast path on again" fast 1
	check "$STACK: on again: the TCP stream offloaded" wait_for 10 offloaded_has "dport=7000"

	# RST and FIN.
	touch "$NAT_TMP/stop.udp" "$NAT_TMP/stop.tcp"
	check "$STACK: TCP stream reset by the server, as asked" bg_wait tcp
	check "$STACK: the client saw the reset" grep -qx reset "$NAT_TMP/tcp.out"
	check "$STACK: UDP stream ended" bg_wait udp
	diag "$STACK: udp: $(tail -n 1 "$NAT_TMP/udp.out")"
	# The kernel's entry stays ESTABLISHED (its flowtable hands the RST
	# back to a tracker whose windows it did not keep): alg only.
	if [ "$STACK" = alg ]; then
		check "$STACK: RST: the gateway's entry is CLOSE" \
			wait_for 5 ct_state "tcp +6 [0-9]+ CLOSE src=10.0.1.2 dst=10.0.2.2 sport=[0-9]+ dport=7000 "
	else
		diag "$STACK: after the RST: $(grep -E 'sport=[0-9]+ dport=7000 ' "$(ctfile)" | grep -v TIME_WAIT | cut -c1-100)"
	fi
	check "$STACK: 2 MiB download, sha256 verified" \
		xfer_down server 7001 client 10.0.2.2 7001 "$NAT_TMP/data"
	check "$STACK: FIN: the gateway's entry is TIME_WAIT" \
		wait_for 5 ct_state "tcp +6 [0-9]+ TIME_WAIT src=10.0.1.2 dst=10.0.2.2 sport=[0-9]+ dport=7001 "
}

mkdata "$NAT_TMP/data" 2048

# The kernel's stack as the reference.
if ! modprobe -n -q nft_flow_offload || ! command -v nft > /dev/null; then
	ktap_skip "kernel reference: no nft_flow_offload for $(uname -r)"
else
	mod_unload
	scenario kernel
	bg_killall
	ns_unpin
	ns_cleanup
	check "kernel reference: nf_conntrack unloaded" wait_for 15 nfct_unload
fi

mod_load || { ktap_not_ok "insmod alg_conntrack"; ktap_finish; }
check_eq "alg: fastpath is the module parameter's (default off)" \
	"$(sysctl -n net.alg_conntrack.fastpath)" "${ALG_FASTPATH:-0}"
check "alg: fastpath=2 is refused" not quiet sysctl -qw net.alg_conntrack.fastpath=2
scenario alg
diag "alg: offload=$(fstat offload) fastpath=$(fstat fastpath)"

# rmmod with an offloaded flow and its packets in flight.
stream last --udp --sport 40002
check "alg: a last flow offloaded" wait_for 20 offloaded_has "sport=40002"
dmesg_mark
check "alg: rmmod with an offloaded flow" rmmod alg_conntrack
touch "$NAT_TMP/stop.last"
bg_wait last > /dev/null
check "alg: no kernel message but the unload" \
	not sh -c "dmesg | tail -n +$((NAT_DMESG_LINES + 1)) | grep -v 'alg_conntrack: unloaded'"
ktap_finish
