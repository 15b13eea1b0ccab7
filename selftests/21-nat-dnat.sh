#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# Destination NAT. topo_3 with the roles turned round: "client" is an
# outside host (10.0.1.2, no route beyond its own /24), "server" an inside
# host (10.0.2.2, default route via the gateway), so the outside reaches the
# inside only through DNAT on the gateway's outside address 10.0.1.1:
#  - PREROUTING DNAT port forwards (TCP with port change, TCP keeping the
#    port, UDP), a 4 MiB transfer with sha256 checked on the inside; the
#    inside server sees the real outside address, the outside client sees
#    its answers come from 10.0.1.1:80, and ICMP errors from the inside
#    reach it translated; ports without a rule stay closed;
#  - PREROUTING REDIRECT to a local port on the gateway (with and without
#    --to-ports), for a destination beyond the gateway;
#  - OUTPUT DNAT for connections the gateway itself makes (TCP and UDP,
#    re-routed out of another interface than the original destination's),
#    and OUTPUT REDIRECT to 127.0.0.1;
#  - INPUT SNAT of a connection to the gateway itself (answers de-translated
#    and re-routed); MASQUERADE in INPUT, if accepted, must not blackhole.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/nat_lib.sh"
nat_setup socat sha256sum ss

topo_3 || { ktap_not_ok "topology"; ktap_finish; }
nsx client ip route del default
nsx server ip route add default via 10.0.2.1
ns_pin client gw server
mkdata "$NAT_TMP/data" 4096
bg srv server python3 -S "$NAT_TOOL" serve --tcp 8080 --udp 5353
bg srv2 server python3 -S "$NAT_TOOL" serve --tcp 8443
check "inside servers up" bg_ready srv
bg_ready srv2
Q='[0-9]+'

check "no rule: gw:80 is closed" \
	not quiet ntool client req --dst 10.0.1.1 --port 80 --timeout 3

### port forwarding
check "DNAT rules accepted" nat_w gw \
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp --dport 80 -j DNAT --to-destination 10.0.2.2:8080" \
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp --dport 2000 -j DNAT --to-destination 10.0.2.2:2001" \
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp --dport 8443 -j DNAT --to-destination 10.0.2.2" \
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p udp --dport 53 -j DNAT --to-destination 10.0.2.2:5353" \
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p udp --dport 54 -j DNAT --to-destination 10.0.2.2:5354"

out=$(ntool client req --dst 10.0.1.1 --port 80 --sport 44000 --bytes 200000)
check "DNAT gw:80 -> inside:8080, 200 kB echoed intact" test $? -eq 0
check_eq "inside server sees the outside client's own address, on 8080" \
	"$out" "peer=10.0.1.2:44000 local=10.0.2.2:8080"
check "gw entry: ORIGINAL to 10.0.1.1:80, REPLY from 10.0.2.2:8080" \
	ct_has gw "^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.1.1 sport=44000 dport=80 -> src=10.0.2.2 dst=10.0.1.2 sport=8080 dport=44000$"
check "outside client's table: the answer came from 10.0.1.1:80" \
	ct_has client "^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.1.1 sport=44000 dport=80 -> src=10.0.1.1 dst=10.0.1.2 sport=80 dport=44000$"
check "inside server's table: the connection came to 10.0.2.2:8080" \
	ct_has server "^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.2.2 sport=44000 dport=8080 -> src=10.0.2.2 dst=10.0.1.2 sport=8080 dport=44000$"

t0=$(date +%s)
check "DNAT gw:2000 -> inside:2001, 4 MiB, sha256 verified on the inside" \
	xfer_sha server 2001 client 10.0.1.1 2000 "$NAT_TMP/data"
diag "transfer took $(( $(date +%s) - t0 )) s"

out=$(ntool client req --dst 10.0.1.1 --port 8443 --sport 44001)
check_eq "DNAT without a port keeps the port (gw:8443 -> inside:8443)" \
	"$out" "peer=10.0.1.2:44001 local=10.0.2.2:8443"

out=$(ntool client ureq --dst 10.0.1.1 --port 53 --sport 45000 --msg query)
check_eq "UDP DNAT gw:53 -> inside:5353 answered" \
	"$out" "peer=10.0.1.2:45000 local=10.0.2.2:5353 query"
check "gw UDP entry: REPLY from 10.0.2.2:5353" \
	ct_has gw "^udp src=10.0.1.2 dst=10.0.1.1 sport=45000 dport=53 -> src=10.0.2.2 dst=10.0.1.2 sport=5353 dport=45000$"
check "outside client's table: the UDP answer came from 10.0.1.1:53" \
	ct_has client "^udp src=10.0.1.2 dst=10.0.1.1 sport=45000 dport=53 -> src=10.0.1.1 dst=10.0.1.2 sport=53 dport=45000$"

# nothing listens on inside:5354: the inside's port unreachable must come
# back as from 10.0.1.1:54 (outer source and quoted packet translated) for
# the client's connected socket to see it
out=$(ntool client ureq --dst 10.0.1.1 --port 54 --sport 45001 --connect --timeout 1)
check_eq "ICMP port unreachable from the inside reaches the client translated" \
	"$out" refused
check "gw UDP entry for it: REPLY from 10.0.2.2:5354" \
	ct_has gw "^udp src=10.0.1.2 dst=10.0.1.1 sport=45001 dport=54 -> src=10.0.2.2 dst=10.0.1.2 sport=5354 dport=45001$"
check "a port without a rule (gw:81) is not forwarded" \
	not quiet ntool client req --dst 10.0.1.1 --port 81 --timeout 3
check "no gw entry forwarded for gw:81" not ct_has gw "dport=81 -> src=10.0.2.2 "
check_eq "counter of the :80 rule: one connection" "$(nat_pkts gw "--dport 80 ")" 1
check_eq "counter of the udp :53 rule: one connection" "$(nat_pkts gw "--dport 53 ")" 1

### REDIRECT to the gateway itself
nsx client ip route add 192.0.2.0/24 via 10.0.1.1
bg proxy gw python3 -S "$NAT_TOOL" serve --tcp 3128 --udp 5300
check "gw local server up" bg_ready proxy
check "REDIRECT rules accepted" nat_w gw \
	"-A PREROUTING -i gw_in -d 192.0.2.99 -p tcp --dport 80 -j REDIRECT --to-ports 3128" \
	"-A PREROUTING -i gw_in -d 192.0.2.99 -p udp --dport 5300 -j REDIRECT"
out=$(ntool client req --dst 192.0.2.99 --port 80 --sport 46000 --bytes 50000)
check "REDIRECT 192.0.2.99:80 -> gw:3128, 50 kB echoed intact" test $? -eq 0
check_eq "the gw's local server got it on its gw_in address, port 3128" \
	"$out" "peer=10.0.1.2:46000 local=10.0.1.1:3128"
check "gw entry: REPLY from 10.0.1.1:3128" \
	ct_has gw "^tcp [A-Z_]+ src=10.0.1.2 dst=192.0.2.99 sport=46000 dport=80 -> src=10.0.1.1 dst=10.0.1.2 sport=3128 dport=46000$"
check "client's table: the answer came from 192.0.2.99:80" \
	ct_has client "^tcp [A-Z_]+ src=10.0.1.2 dst=192.0.2.99 sport=46000 dport=80 -> src=192.0.2.99 dst=10.0.1.2 sport=80 dport=46000$"
out=$(ntool client ureq --dst 192.0.2.99 --port 5300 --sport 46001 --msg redir)
check_eq "UDP REDIRECT without --to-ports keeps the port" \
	"$out" "peer=10.0.1.2:46001 local=10.0.1.1:5300 redir"
check "client's table: the UDP answer came from 192.0.2.99:5300" \
	ct_has client "^udp src=10.0.1.2 dst=192.0.2.99 sport=46001 dport=5300 -> src=192.0.2.99 dst=10.0.1.2 sport=5300 dport=46001$"

### OUTPUT: connections made on the gateway
# 198.51.100.0/24 is routed out of gw_in, the wrong way: only the DNAT and
# the re-route after it can reach the inside server.
nsx gw ip route add 198.51.100.0/24 via 10.0.1.2
check "OUTPUT rules accepted" nat_w gw \
	"-A OUTPUT -d 198.51.100.7 -p tcp --dport 80 -j DNAT --to-destination 10.0.2.2:8080" \
	"-A OUTPUT -d 198.51.100.7 -p udp --dport 53 -j DNAT --to-destination 10.0.2.2:5353" \
	"-A OUTPUT -d 10.0.2.1 -p tcp --dport 9000 -j REDIRECT --to-ports 3128"
out=$(ntool gw req --dst 198.51.100.7 --port 80 --sport 47000 --bytes 100000)
check "OUTPUT DNAT 198.51.100.7:80 -> inside:8080, 100 kB echoed intact" test $? -eq 0
check_eq "inside server sees the gw (source picked for the first route)" \
	"$out" "peer=10.0.1.1:47000 local=10.0.2.2:8080"
check "gw entry: ORIGINAL to 198.51.100.7:80, REPLY from 10.0.2.2:8080" \
	ct_has gw "^tcp [A-Z_]+ src=10.0.1.1 dst=198.51.100.7 sport=47000 dport=80 -> src=10.0.2.2 dst=10.0.1.1 sport=8080 dport=47000$"
check "nothing of it went out of gw_in to the outside client" \
	not ct_has client "dst=198.51.100.7 "
out=$(ntool gw ureq --dst 198.51.100.7 --port 53 --sport 47001 --msg out-udp)
check_eq "OUTPUT DNAT of UDP answered by the inside server" \
	"$out" "peer=10.0.1.1:47001 local=10.0.2.2:5353 out-udp"
out=$(ntool gw req --dst 10.0.2.1 --port 9000 --sport 47002)
check_eq "OUTPUT REDIRECT 10.0.2.1:9000 -> 127.0.0.1:3128" \
	"$out" "peer=10.0.2.1:47002 local=127.0.0.1:3128"
check "gw entry: REPLY from 127.0.0.1:3128" \
	ct_has gw "^tcp [A-Z_]+ src=10.0.2.1 dst=10.0.2.1 sport=47002 dport=9000 -> src=127.0.0.1 dst=10.0.2.1 sport=3128 dport=47002$"
check_eq "OUTPUT DNAT TCP rule counted one connection" \
	"$(nat_pkts gw "-A OUTPUT -d 198.51.100.7 -p tcp")" 1

### INPUT: source NAT of connections to the gateway itself
# 10.0.9.0/24 is routed out of gw_out, the wrong way: the gateway's answers
# reach the client only if they are de-translated and re-routed.
nsx gw ip route add 10.0.9.0/24 via 10.0.2.2
check "INPUT SNAT rule accepted" nat_w gw \
	"-A INPUT -i gw_in -s 10.0.1.2 -p tcp --dport 3128 -j SNAT --to-source 10.0.9.9"
out=$(ntool client req --dst 10.0.1.1 --port 3128 --sport 46100 --bytes 20000)
check "INPUT SNAT: connection to the gw's own server, 20 kB echoed intact" test $? -eq 0
check_eq "INPUT SNAT: the gw's server sees the client as 10.0.9.9" \
	"$out" "peer=10.0.9.9:46100 local=10.0.1.1:3128"
check "gw entry: REPLY to 10.0.9.9" \
	ct_has gw "^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.1.1 sport=46100 dport=3128 -> src=10.0.1.1 dst=10.0.9.9 sport=3128 dport=46100$"
check "client's table: the answers came back to its own address" \
	ct_has client "^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.1.1 sport=46100 dport=3128 -> src=10.0.1.1 dst=10.0.1.2 sport=3128 dport=46100$"
# MASQUERADE needs an out interface to take the address from: refused in
# INPUT (iptables only allows it in POSTROUTING), not accepted and then
# silently dropping what it matches.
check_eq "MASQUERADE in INPUT refused at write time" \
	"$(nat_wr gw "-A INPUT -i gw_in -p udp --dport 5300 -j MASQUERADE")" EINVAL

bg_killall
check "module unloads" mod_unload
ktap_finish
