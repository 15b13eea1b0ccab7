#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# Source NAT through the gateway of topo_3 (the server has no route back to
# the client's network, so every answer needs the translation):
#  - SNAT --to-source 10.0.2.1: a 4 MiB TCP transfer (sha256 checked on the
#    server), 1 MiB more with checksum offload off, TCP and UDP
#    request/response, UDP without checksum, ping; the server sees 10.0.2.1,
#    the gateway's table shows the REPLY tuple translated, the rule counters
#    count the connections;
#  - MASQUERADE: the same through the gw_out address; deleting that address
#    drops exactly the masqueraded connections (SNAT ones and untranslated
#    ones stay), and once the address is back new connections work again;
#    taking gw_out down drops them as well; --to-ports maps the port.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/nat_lib.sh"
nat_setup socat ping sha256sum ss ethtool

topo_3 || { ktap_not_ok "topology"; ktap_finish; }
ns_pin client gw server
mkdata "$NAT_TMP/data" 4096
bg srv server python3 -S "$NAT_TOOL" serve --tcp 7000 --udp 7001
check "echo server up" bg_ready srv

Q='[0-9]+'	# any port or id

# Without a rule nothing comes back: the test depends on the translation.
check "no rule: UDP to the server gets no answer" \
	not quiet ntool client ureq --dst 10.0.2.2 --port 7001 --timeout 0.5

### SNAT
check "SNAT rule accepted" \
	nat_w gw "-A POSTROUTING -o gw_out -j SNAT --to-source 10.0.2.1"
rule="-j SNAT --to-source 10.0.2.1"
check_eq "SNAT rule counters start at zero" "$(nat_counter gw "$rule")" "0 0"

t0=$(date +%s)
check "SNAT: 4 MiB TCP transfer, sha256 verified on the server" \
	xfer_sha server 5001 client 10.0.2.2 5001 "$NAT_TMP/data"
diag "transfer took $(( $(date +%s) - t0 )) s"
check "SNAT: gw entry ORIGINAL 10.0.1.2 -> 10.0.2.2:5001, REPLY to 10.0.2.1" \
	ct_has gw "^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=5001 -> src=10.0.2.2 dst=10.0.2.1 sport=5001 dport=$Q$"
check "SNAT: the server's own table saw 10.0.2.1 -> 10.0.2.2:5001" \
	ct_has server "^tcp [A-Z_]+ src=10.0.2.1 dst=10.0.2.2 sport=$Q dport=5001 -> src=10.0.2.2 dst=10.0.2.1 sport=5001 dport=$Q$"
# with checksum offload off, packets carry full checksums the NAT must fix
check "checksum offload off on the client and server links" quiet \
	sh -c "ip netns exec $(ns client) ethtool -K veth_c tx off && ip netns exec $(ns server) ethtool -K veth_s tx off"
head -c 1048576 "$NAT_TMP/data" > "$NAT_TMP/data.1m"
check "SNAT: 1 MiB TCP transfer with full (not offloaded) checksums" \
	xfer_sha server 5002 client 10.0.2.2 5002 "$NAT_TMP/data.1m"
nsx client ethtool -K veth_c tx on >/dev/null 2>&1
nsx server ethtool -K veth_s tx on >/dev/null 2>&1
check "SNAT: no gw entry leaks the inside address to the outside" \
	not ct_has gw "dport=5001 -> src=10.0.2.2 dst=10.0.1.2 "

out=$(ntool client req --dst 10.0.2.2 --port 7000 --sport 42000 --bytes 100000)
check "SNAT: TCP request/response with 100 kB echoed intact" test $? -eq 0
check_eq "SNAT: server sees the TCP peer as 10.0.2.1, source port kept" \
	"$out" "peer=10.0.2.1:42000 local=10.0.2.2:7000"

out=$(ntool client ureq --dst 10.0.2.2 --port 7001 --sport 41000 --msg udp-snat)
check "SNAT: UDP request answered" test $? -eq 0
check_eq "SNAT: server sees the UDP peer as 10.0.2.1, source port kept" \
	"$out" "peer=10.0.2.1:41000 local=10.0.2.2:7001 udp-snat"
check "SNAT: gw UDP entry REPLY 10.0.2.2:7001 -> 10.0.2.1:41000" \
	ct_has gw "^udp src=10.0.1.2 dst=10.0.2.2 sport=41000 dport=7001 -> src=10.0.2.2 dst=10.0.2.1 sport=7001 dport=41000$"
out=$(ntool client ureq --dst 10.0.2.2 --port 7001 --sport 41001 --nocsum --msg nocsum)
check_eq "SNAT: UDP without checksum (0) still delivered and answered" \
	"$out" "peer=10.0.2.1:41001 local=10.0.2.2:7001 nocsum"

check "SNAT: ping through the gateway" quiet nsx client ping -n -c 3 -i 0.3 -W 2 -e 3001 10.0.2.2
check "SNAT: gw ICMP entry REPLY to 10.0.2.1" \
	ct_has gw "^icmp src=10.0.1.2 dst=10.0.2.2 type=8 code=0 id=3001 -> src=10.0.2.2 dst=10.0.2.1 type=0 code=0 id=3001$"

read -r pk by <<< "$(nat_counter gw "$rule")"
diag "SNAT rule counters after 6 connections: [$pk:$by]"
check "SNAT rule packet counter counted the 6 new connections" between "${pk:-0}" 6 7
check "SNAT rule byte counter grew (>= 6 first packets of >= 28 bytes)" \
	test "${by:-0}" -ge 168

### MASQUERADE
check "switch to MASQUERADE" \
	nat_w gw "-F POSTROUTING" "-A POSTROUTING -o gw_out -j MASQUERADE"
check_eq "MASQUERADE rule replaced the SNAT rule" \
	"$(nat_rules gw | grep -c -e '-A ')" 1
check "MASQ: 1 MiB TCP transfer, sha256 verified on the server" \
	xfer_sha server 5012 client 10.0.2.2 5012 "$NAT_TMP/data.1m"
check "MASQ: gw entry REPLY to the gw_out address" \
	ct_has gw "^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=5012 -> src=10.0.2.2 dst=10.0.2.1 sport=5012 dport=$Q$"
out=$(ntool client ureq --dst 10.0.2.2 --port 7001 --sport 41011 --msg udp-masq)
check_eq "MASQ: UDP request answered, peer is 10.0.2.1" \
	"$out" "peer=10.0.2.1:41011 local=10.0.2.2:7001 udp-masq"
check "MASQ: ping through the gateway" quiet nsx client ping -n -c 2 -i 0.3 -W 2 -e 3011 10.0.2.2
# a connection held open while the address goes away
bg held client python3 -S "$NAT_TOOL" req --dst 10.0.2.2 --port 7000 --sport 43000 --hold 60
check "MASQ: long-lived TCP connection established" \
	wait_for 10 ct_has gw "^tcp ESTABLISHED src=10.0.1.2 dst=10.0.2.2 sport=43000 dport=7000 -> src=10.0.2.2 dst=10.0.2.1 sport=7000 dport=43000$"
# an untranslated connection to the gateway itself
check "ping to the gateway itself (not translated)" quiet nsx client ping -n -c 1 -W 2 -e 3021 10.0.1.1

masq_re="(dport=5012|sport=41011|id=3011|sport=43000) "
n_masq=$(ct_count gw "$masq_re")
n_snat=$(ct_count gw "(dport=5001|sport=42000) ")
diag "before ip addr del: $n_masq masqueraded, $n_snat SNAT entries"
check "4 masqueraded connections in the table" test "$n_masq" -eq 4
check "the 2 SNAT TCP connections are still there (TIME_WAIT)" test "$n_snat" -eq 2

nsx gw ip addr del 10.0.2.1/24 dev gw_out
check_eq "ip addr del: masqueraded connections dropped" "$(ct_count gw "$masq_re")" 0
check_eq "ip addr del: SNAT connections kept" "$(ct_count gw "(dport=5001|sport=42000) ")" 2
check "ip addr del: the untranslated ICMP to the gateway kept" \
	ct_has gw "^icmp src=10.0.1.2 dst=10.0.1.1 type=8 code=0 id=3021 -> "
bg_kill held

nsx gw ip addr add 10.0.2.1/24 dev gw_out
out=$(ntool client ureq --dst 10.0.2.2 --port 7001 --sport 41013 --msg again)
check_eq "address back: new UDP connection masqueraded again" \
	"$out" "peer=10.0.2.1:41013 local=10.0.2.2:7001 again"
out=$(ntool client req --dst 10.0.2.2 --port 7000 --sport 43001 --bytes 10000)
check "address back: new TCP connection works" test $? -eq 0
pk=$(nat_pkts gw "-j MASQUERADE")
diag "MASQUERADE rule packets: $pk"
check "MASQUERADE rule counted its connections" between "${pk:-0}" 6 7

# The interface going down drops them too.
check_eq "address back: the 2 new masqueraded entries there" \
	"$(ct_count gw "sport=(41013|43001) .* dst=10.0.2.1 ")" 2
nsx gw ip link set gw_out down
check_eq "gw_out down: masqueraded connections dropped" \
	"$(ct_count gw "sport=(41013|43001) ")" 0
check_eq "gw_out down: SNAT connections kept" "$(ct_count gw "(dport=5001|sport=42000) ")" 2
nsx gw ip link set gw_out up
out=$(ntool client ureq --dst 10.0.2.2 --port 7001 --sport 41014 --msg up)
check_eq "gw_out up: masqueraded again" "$out" "peer=10.0.2.1:41014 local=10.0.2.2:7001 up"

# MASQUERADE --to-ports
check "MASQUERADE --to-ports 30000-30001 for UDP" nat_w gw "-F" \
	"-A POSTROUTING -o gw_out -p udp -j MASQUERADE --to-ports 30000-30001"
out=$(ntool client ureq --dst 10.0.2.2 --port 7001 --sport 41020 --msg ports)
check "MASQ --to-ports: source port mapped into 30000-30001, got '$out'" \
	eval '[[ $out =~ ^peer=10\.0\.2\.1:3000[01]\ local=10\.0\.2\.2:7001\ ports$ ]]'

bg_kill srv
check "module unloads with NAT connections in the table" mod_unload
ktap_finish
