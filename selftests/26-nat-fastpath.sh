#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# The established-flow fast path (net.alg_conntrack.fastpath=1) on a
# MASQUERADE gateway: client -- gw -- server, plus a second gw -- server
# link for a route change. Long-lived TCP and UDP flows (an echo each way
# every 20 ms) must keep working, and be seen by the fast path (its
# counters in /proc/net/stat/alg_conntrack move), across:
#  - a route change to the second link (the packets then leave by it);
#  - an MTU drop on the way out: the gateway's "fragmentation needed"
#    reaches the client, translated back, and the stream goes on;
#  - TTL expiry: traceroute on an offloaded UDP flow's own ports lists the
#    gateway at hop 1 (its "time exceeded" is not skipped);
#  - the LAN device down and up again, and a device that carried offloaded
#    flows deleted (its ingress hook goes with it);
#  - flushing the NAT rules (bindings are per connection);
#  - FIN and RST: the tracker sees the end of the connection;
#  - switching fastpath off mid-flow, and rmmod with flows offloaded.
# FTP: the data connection may be offloaded, the control connection never.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/nat_lib.sh"
nat_setup socat traceroute

FLOW_TOOL="$SELFTEST_DIR/tools/flow_tool.py"
topo_3
c=$(ns client); g=$(ns gw); s=$(ns server)
ip link add gw_out2 netns "$g" type veth peer name veth_s2 netns "$s"
nsx gw ip addr add 10.0.4.1/24 dev gw_out2
nsx gw ip link set gw_out2 up
nsx server ip addr add 10.0.4.2/24 dev veth_s2
nsx server ip link set veth_s2 up
ns_pin client gw server
check "MASQUERADE rule accepted" nat_w gw "-A POSTROUTING -o gw_out -j MASQUERADE"
fp() { nsx gw sysctl -q${2:+w} "net.alg_conntrack.fastpath${2:+=$2}"; }

check_eq "fastpath is the module parameter's (default off)" \
	"$(nsx gw sysctl -n net.alg_conntrack.fastpath)" "${ALG_FASTPATH:-0}"
check "fastpath=0 accepted" fp set 0
check "fastpath=2 is refused" not fp set 2
check "fastpath=1 accepted" fp set 1

# fstat NAME: a column of the gateway's /proc/net/stat/alg_conntrack, summed
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
# moved NAME DESC: the stream NAME answers 20 more messages, and the fast
# path forwards more packets, from now on
moved() {
	local a f
	a=$(answered "$1"); f=$(fstat fastpath)
	check "$2: the $1 stream goes on" wait_for 20 answered_above "$1" $((${a:-0} + 20))
	check "$2: the fast path forwards $1's packets" wait_for 10 fast_above "$f"
}
tx() { cat "/proc/${NS_PID[gw]}/sys/class/net/$1/statistics/tx_packets" 2>/dev/null || nsx gw cat "/sys/class/net/$1/statistics/tx_packets"; }

bg echo server python3 -S "$FLOW_TOOL" echo --port 7000 --bind 10.0.2.2
check "echo server up" bg_ready echo
bg tcp client python3 -S "$FLOW_TOOL" stream --dst 10.0.2.2 --port 7000 --stop "$NAT_TMP/stop.tcp" --rst
bg udp client python3 -S "$FLOW_TOOL" stream --udp --sport 40000 --dst 10.0.2.2 --port 7000 --stop "$NAT_TMP/stop.udp"
check "TCP stream started" wait_for 20 answered_above tcp 20
check "UDP stream started" wait_for 20 answered_above udp 20
check "both connections offloaded" wait_for 10 sh -c "[ \$(grep -c OFFLOAD $(nsproc gw alg_conntrack)) -eq 2 ]"
check_eq "offload counted twice" "$(fstat offload)" 2
moved tcp "offloaded"
moved udp "offloaded"
diag "offloaded: $(grep OFFLOAD "$(nsproc gw alg_conntrack)" | cut -c1-160)"

# Route change: both ways by the second link (the server's answers then
# come in by another device, which gets an ingress hook of its own).
t0=$(tx gw_out2)
nsx gw ip route replace 10.0.2.2/32 via 10.0.4.2 dev gw_out2
nsx server ip route replace 10.0.2.1/32 via 10.0.4.1 dev veth_s2
moved tcp "route change"
moved udp "route change"
t1=$(tx gw_out2)
check "after the route change packets leave by gw_out2 ($t0 -> $t1)" test $((t1 - t0)) -gt 40
diag "gw_out2 ingress hooks: $(nsx gw nft list hooks netdev device gw_out2 2>&1 | grep -v '^[a-z]' | tr -s ' \n' ' ')"
nsx gw ip route del 10.0.2.2/32
nsx server ip route del 10.0.2.1/32

# MTU drop on the way out, under a stream of 3000-byte TCP messages (the
# others are small enough for any MTU).
bg big client python3 -S "$FLOW_TOOL" stream --dst 10.0.2.2 --port 7000 --size 3000 --stop "$NAT_TMP/stop.big"
check "3000-byte TCP messages before the MTU drop" wait_for 20 answered_above big 10
check "a big-message stream offloaded" wait_for 10 sh -c "[ \$(grep -c OFFLOAD $(nsproc gw alg_conntrack)) -eq 3 ]"
a=$(answered big)
nsx gw ip link set gw_out mtu 1000
check "big messages go on after an MTU drop to 1000" wait_for 30 answered_above big $((a + 20))
moved udp "MTU drop"
rg=$(nsx client ip route get 10.0.2.2)
check "the gateway's frag-needed reached the client: path MTU 1000" eval '[[ $rg == *"mtu 1000"* ]]'
diag "client: $(echo $rg)"
touch "$NAT_TMP/stop.big"
check "big-message stream ended cleanly" bg_wait big
nsx gw ip link set gw_out mtu 1500

# TTL expiry on the UDP flow's own ports: hop 1 is the gateway.
bg udp2 client python3 -S "$FLOW_TOOL" stream --udp --sport 40001 --dst 10.0.2.2 --port 7000 --stop "$NAT_TMP/stop.udp2"
check "second UDP stream offloaded" wait_for 20 sh -c "grep OFFLOAD $(nsproc gw alg_conntrack) | grep -q 'sport=40001'"
touch "$NAT_TMP/stop.udp2"
bg_wait udp2 > /dev/null
f=$(fstat fastpath)
tr=$(nsx client traceroute -n -q 1 -w 3 -m 1 -U -p 7000 --sport=40001 10.0.2.2 2>&1)
diag "traceroute: $(echo $tr)"
check_eq "TTL 1 on an offloaded flow: hop 1 is the gateway" \
	"$(awk '$1 == 1 {print $2}' <<< "$tr")" 10.0.1.1

# The LAN device down and up.
nsx gw ip link set gw_in down
sleep 1
nsx gw ip link set gw_in up
moved tcp "LAN device down and up"
moved udp "LAN device down and up"

# A device that carried offloaded flows goes away: its hook with it.
nsx gw ip link del gw_out2
check "gw_out2 deleted" not nsx gw ip link show gw_out2
moved udp "device deleted"

# NAT rules flushed: bindings stay with their connections.
check "NAT rules flushed" nat_w gw "-F"
moved tcp "NAT rules flushed"
moved udp "NAT rules flushed"
check "MASQUERADE rule back" nat_w gw "-A POSTROUTING -o gw_out -j MASQUERADE"

# Off mid-flow: the streams go on by the normal path.
fp set 0
check "fastpath=0: no connection offloaded" wait_for 5 not grep -q OFFLOAD "$(nsproc gw alg_conntrack)"
f=$(fstat fastpath)
a=$(answered tcp)
check "fastpath=0: the TCP stream goes on" wait_for 20 answered_above tcp $((a + 20))
check_eq "fastpath=0: no packet by the fast path" "$(fstat fastpath)" "$f"
fp set 1
moved tcp "fastpath on again"

# FIN and RST: the tracker sees both.
touch "$NAT_TMP/stop.udp" "$NAT_TMP/stop.tcp"
check "TCP stream reset by the server, as asked" bg_wait tcp
check "the client saw the reset" grep -qx reset "$NAT_TMP/tcp.out"
check "UDP stream ended" bg_wait udp
diag "udp: $(tail -n 1 "$NAT_TMP/udp.out")"
check "RST: the gateway's entry is CLOSE" wait_for 5 ct_has gw "^tcp CLOSE src=10.0.1.2 dst=10.0.2.2 sport=[0-9]+ dport=7000 "
mkdata "$NAT_TMP/data" 2048
check "2 MiB download, sha256 verified" xfer_down server 7001 client 10.0.2.2 7001 "$NAT_TMP/data"
check "FIN: the gateway's entry is TIME_WAIT" wait_for 5 ct_has gw "^tcp TIME_WAIT src=10.0.1.2 dst=10.0.2.2 sport=[0-9]+ dport=7001 "
diag "offload=$(fstat offload) fastpath=$(fstat fastpath)"

# rmmod with an offloaded flow and its packets in flight.
bg last client python3 -S "$FLOW_TOOL" stream --udp --sport 40002 --dst 10.0.2.2 --port 7000 --stop "$NAT_TMP/stop.last"
check "a last flow offloaded" wait_for 20 sh -c "grep OFFLOAD $(nsproc gw alg_conntrack) | grep -q 'sport=40002'"
dmesg_mark
check "rmmod with an offloaded flow" rmmod alg_conntrack
touch "$NAT_TMP/stop.last"
bg_wait last > /dev/null
check "no kernel message but the unload" not sh -c "dmesg | tail -n +$((NAT_DMESG_LINES + 1)) | grep -v 'alg_conntrack: unloaded'"
ktap_finish
