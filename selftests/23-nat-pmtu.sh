#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# ICMP errors through SNAT. client -- gw -- router -- server, the gateway
# SNATs to 10.0.2.1, the router has no route to the client's network, and
# the router -> server link has an MTU of 1280 on the router's side (the
# server's side keeps 1500, so TCP's MSS does not hide the smaller link):
#  - a 4 MiB TCP transfer from the client completes (sha256 checked on the
#    server): the router's "fragmentation needed" to 10.0.2.1 must reach the
#    client translated back, which shows as a path MTU of 1280 in the
#    client's route cache; the same for a UDP socket with don't-fragment;
#  - 2 MiB the other way with the narrow link on the client's side: the
#    gateway's own "fragmentation needed" about a de-translated packet
#    reaches the server translated, which learns the path MTU;
#  - UDP datagrams of 4000 and 20000 bytes in fragments, there and back;
#  - traceroute from the client, UDP and ICMP modes: the gateway, the router
#    (its time-exceeded translated back) and the server (port unreachable /
#    echo reply) are listed.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/nat_lib.sh"
nat_setup socat sha256sum ss traceroute

c=$(ns client); g=$(ns gw); r=$(ns router); s=$(ns server)
for n in "$c" "$g" "$r" "$s"; do ip netns add "$n"; done
ip link add veth_c netns "$c" type veth peer name gw_in netns "$g"
ip link add gw_out netns "$g" type veth peer name r_in netns "$r"
ip link add r_out netns "$r" type veth peer name veth_s netns "$s"
nsx client ip addr add 10.0.1.2/24 dev veth_c
nsx gw ip addr add 10.0.1.1/24 dev gw_in
nsx gw ip addr add 10.0.2.1/24 dev gw_out
nsx router ip addr add 10.0.2.2/24 dev r_in
nsx router ip addr add 10.0.3.1/24 dev r_out
nsx server ip addr add 10.0.3.2/24 dev veth_s
nsx router ip link set r_out mtu 1280
for n in client gw router server; do nsx $n ip link set lo up; done
nsx client ip link set veth_c up
nsx gw ip link set gw_in up
nsx gw ip link set gw_out up
nsx router ip link set r_in up
nsx router ip link set r_out up
nsx server ip link set veth_s up
nsx client ip route add default via 10.0.1.1
nsx gw ip route add 10.0.3.0/24 via 10.0.2.2
nsx server ip route add 10.0.2.0/24 via 10.0.3.1
nsx gw sysctl -qw net.ipv4.ip_forward=1
nsx router sysctl -qw net.ipv4.ip_forward=1
ns_pin client gw router server
check "SNAT rule accepted" nat_w gw "-A POSTROUTING -o gw_out -j SNAT --to-source 10.0.2.1"

check "client's path MTU to the server starts at 1500" \
	not sh -c "ip netns exec $c ip route get 10.0.3.2 | grep -q 'mtu'"
mkdata "$NAT_TMP/data" 4096
t0=$(date +%s)
check "4 MiB TCP transfer over the 1280 link, sha256 verified on the server" \
	xfer_sha server 5001 client 10.0.3.2 5001 "$NAT_TMP/data"
diag "transfer took $(( $(date +%s) - t0 )) s"
rg=$(nsx client ip route get 10.0.3.2)
diag "client: $(echo $rg)"
check "the router's frag-needed reached the client: cached path MTU 1280" \
	eval '[[ $rg == *"mtu 1280"* ]]'
check "gw entry of the transfer: REPLY to 10.0.2.1" \
	ct_has gw "^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.3.2 sport=[0-9]+ dport=5001 -> src=10.0.3.2 dst=10.0.2.1 sport=5001 dport=[0-9]+$"
check "no path MTU on the gateway itself (it only forwarded the error)" \
	not sh -c "ip netns exec $g ip route get 10.0.3.2 | grep -q 'mtu 1280'"

# The other way: the client's link is the narrow one (1280 on the
# gateway's side, 1500 on the client's, so the client's MSS is 1460), and
# the server sends. The gateway itself sends "fragmentation needed" about
# a packet it has just de-translated; the server must get it quoting its
# own packet to 10.0.2.1, and learn the path MTU to 10.0.2.1.
nsx router ip link set r_out mtu 1500
nsx gw ip link set gw_in mtu 1280
# forget the 1280 of the first test, which would shrink the client's MSS
nsx client ip route flush cache
head -c 2097152 "$NAT_TMP/data" > "$NAT_TMP/data.2m"
check "server's path MTU to 10.0.2.1 starts at 1500" \
	not sh -c "ip netns exec $s ip route get 10.0.2.1 | grep -q 'mtu'"
check "2 MiB from the server to the client over the 1280 link, sha256 verified" \
	xfer_down server 5002 client 10.0.3.2 5002 "$NAT_TMP/data.2m"
rg=$(nsx server ip route get 10.0.2.1)
diag "server: $(echo $rg)"
check "the gateway's own frag-needed reached the server: path MTU 1280" \
	eval '[[ $rg == *"mtu 1280"* ]]'
nsx gw ip link set gw_in mtu 1500
nsx router ip link set r_out mtu 1280
nsx server ip link set veth_s mtu 1280

# Fragments: UDP datagrams bigger than every MTU, without don't-fragment,
# both ways. The gateway reassembles, translates and fragments again; the
# router fragments further for the 1280 link.
bg udpsrv server python3 -S "$NAT_TOOL" serve --udp 5003
check "UDP server up" bg_ready udpsrv
for size in 4000 20000; do
	out=$(ntool client ureq --dst 10.0.3.2 --port 5003 --sport 4${size:0:2}01 --msg frag --size $size)
	check_eq "UDP $size bytes in fragments through SNAT, answered in fragments" \
		"$out" "peer=10.0.2.1:4${size:0:2}01 local=10.0.3.2:5003 len=$size"
done

# a UDP socket with DF learns it too (the error quotes a UDP datagram)
nsx client ip route flush cache
check "route cache flushed: no cached path MTU" \
	not sh -c "ip netns exec $c ip route get 10.0.3.2 | grep -q 'mtu'"
out=$(ntool client pmtu --dst 10.0.3.2 --port 9999 --size 1400 --wait 5)
check_eq "UDP with DF: the socket's path MTU drops to 1280" "$out" "mtu=1280"

# traceroute: -q 1 one probe per hop, -w 3 s per probe, -m 6 hops at most
tr=$(nsx client traceroute -n -q 1 -w 3 -m 6 10.0.3.2 2>&1)
diag "traceroute (UDP):"
sed 's/^/#   /' <<< "$tr"
hop() { awk -v h="$1" '$1 == h {print $2}' <<< "$2"; }
check_eq "UDP traceroute hop 1: the gateway" "$(hop 1 "$tr")" 10.0.1.1
check_eq "UDP traceroute hop 2: the router (time exceeded, translated)" "$(hop 2 "$tr")" 10.0.2.2
check_eq "UDP traceroute hop 3: the server (port unreachable, translated)" "$(hop 3 "$tr")" 10.0.3.2
check_eq "UDP traceroute ends at hop 3" "$(tail -n 1 <<< "$tr" | awk '{print $1}')" 3

tr=$(nsx client traceroute -I -n -q 1 -w 3 -m 6 10.0.3.2 2>&1)
diag "traceroute (ICMP):"
sed 's/^/#   /' <<< "$tr"
check_eq "ICMP traceroute hop 1: the gateway" "$(hop 1 "$tr")" 10.0.1.1
check_eq "ICMP traceroute hop 2: the router (time exceeded, translated)" "$(hop 2 "$tr")" 10.0.2.2
check_eq "ICMP traceroute hop 3: the server (echo reply)" "$(hop 3 "$tr")" 10.0.3.2
check_eq "ICMP traceroute ends at hop 3" "$(tail -n 1 <<< "$tr" | awk '{print $1}')" 3
check "gw: the ICMP probes were SNATed" \
	ct_has gw "^icmp src=10.0.1.2 dst=10.0.3.2 type=8 code=0 id=[0-9]+ -> src=10.0.3.2 dst=10.0.2.1 type=0 code=0 id=[0-9]+$"

check "module unloads" mod_unload
ktap_finish
