#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# Tuple clashes in SNAT. topo_3 plus a second inside client "client2"
# (10.0.3.2 behind gw_in2 10.0.3.1), both SNATed to 10.0.2.1:
#  - both clients use source port 40000 to the same server port at the same
#    time (TCP, then UDP, then ICMP echo ids): both connections work, the first keeps 40000,
#    the second gets another port; the gateway lists two distinct reply
#    ports; a connection of the gateway itself (no rule, null binding) on
#    the same port is moved to another port, as nf_nat does; the same
#    inside source keeps its public port towards another
#    server port (endpoint-independent mapping); --random does not keep a
#    free port;
#  - 1000 simultaneous connection attempts from one client through
#    --to-source 10.0.2.1:20000-20009 to a server that holds every
#    connection open: exactly the 10 ports are used, no more than 10
#    connections succeed, the others fail cleanly (no answer, refused or
#    reset), the table holds only those 10, and the gateway still works.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/nat_lib.sh"
nat_setup ss ping

topo_3 || { ktap_not_ok "topology"; ktap_finish; }
c2=$(ns client2)
ip netns add "$c2"
ip link add veth_c2 netns "$c2" type veth peer name gw_in2 netns "$(ns gw)"
nsx client2 ip addr add 10.0.3.2/24 dev veth_c2
nsx gw ip addr add 10.0.3.1/24 dev gw_in2
nsx client2 ip link set lo up
nsx client2 ip link set veth_c2 up
nsx gw ip link set gw_in2 up
nsx client2 ip route add default via 10.0.3.1
ns_pin client client2 gw server
Q='[0-9]+'

bg srv server python3 -S "$NAT_TOOL" serve --tcp 5001 --udp 5002
bg srv3 server python3 -S "$NAT_TOOL" serve --udp 5003
check "servers up" bg_ready srv
bg_ready srv3
# the usual router set-up: the inside networks are translated, the
# gateway's own connections are not
check "SNAT rules accepted" nat_w gw \
	"-A POSTROUTING -s 10.0.1.0/24 -o gw_out -j SNAT --to-source 10.0.2.1" \
	"-A POSTROUTING -s 10.0.3.0/24 -o gw_out -j SNAT --to-source 10.0.2.1"

### same source port from two clients
bg c1 client python3 -S "$NAT_TOOL" req --dst 10.0.2.2 --port 5001 --sport 40000 --bytes 65536 --go "$NAT_TMP/go"
check "client 1 (10.0.1.2:40000) connected" \
	wait_for 10 ct_has gw "^tcp ESTABLISHED src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=5001 -> "
bg c2 client2 python3 -S "$NAT_TOOL" req --dst 10.0.2.2 --port 5001 --sport 40000 --bytes 65536 --go "$NAT_TMP/go"
check "client 2 (10.0.3.2:40000) connected" \
	wait_for 10 ct_has gw "^tcp ESTABLISHED src=10.0.3.2 dst=10.0.2.2 sport=40000 dport=5001 -> "
snap=$(ct_tuples gw | grep "^tcp ESTABLISHED .*dport=5001 ")
diag "gw with both open:"
sed 's/^/#   /' <<< "$snap"
check_eq "both connections ESTABLISHED at the same time" "$(grep -c . <<< "$snap")" 2
# The gateway's own connection (no rule: a null binding) from 10.0.2.1:40000
# has the same tuple on the wire as client 1's translated one; as in
# nf_nat, the null binding must still be unique and so move the port.
out=$(ntool gw req --dst 10.0.2.2 --port 5001 --sport 40000 --timeout 4 2>&1)
rc=$?
check "gw's own connection from port 40000 to server:5001 works too" test $rc -eq 0
pg=$(sed -E -n 's/^peer=10\.0\.2\.1:([0-9]+) local=10\.0\.2\.2:5001$/\1/p' <<< "$out")
check "gw's own connection: its source port was moved off 40000, got '$(tail -n 1 <<< "$out")'" \
	eval 'between "$pg" 1024 65535 && [ "$pg" != 40000 ]'
if [ $rc -ne 0 ]; then
	f=0 d=0
	while read -r -a st; do
		[[ ${st[9]} =~ ^[0-9a-f]+$ ]] || continue
		f=$((f + 16#${st[9]})) d=$((d + 16#${st[10]}))
	done < "$(nsproc gw stat/alg_conntrack)"
	diag "gw /proc/net/stat/alg_conntrack: insert_failed=$f drop=$d"
fi
touch "$NAT_TMP/go"
p1=$(sed -E -n "s/^tcp [A-Z_]+ src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=5001 -> src=10.0.2.2 dst=10.0.2.1 sport=5001 dport=($Q)$/\1/p" <<< "$snap")
p2=$(sed -E -n "s/^tcp [A-Z_]+ src=10.0.3.2 dst=10.0.2.2 sport=40000 dport=5001 -> src=10.0.2.2 dst=10.0.2.1 sport=5001 dport=($Q)$/\1/p" <<< "$snap")
check_eq "TCP: the first connection keeps port 40000" "$p1" 40000
check "TCP: the second got another port (1024-65535), got '$p2'" \
	eval 'between "$p2" 1024 65535 && [ "$p2" != 40000 ]'
bg_wait c1 40
check "TCP: client 1 transfer (64 KiB echoed) intact" test $? -eq 0
bg_wait c2 40
check "TCP: client 2 transfer (64 KiB echoed) intact" test $? -eq 0
check_eq "TCP: server saw client 1 as 10.0.2.1:40000" \
	"$(cat "$NAT_TMP/c1.out")" "peer=10.0.2.1:40000 local=10.0.2.2:5001"
check_eq "TCP: server saw client 2 as 10.0.2.1:$p2" \
	"$(cat "$NAT_TMP/c2.out")" "peer=10.0.2.1:$p2 local=10.0.2.2:5001"

out1=$(ntool client ureq --dst 10.0.2.2 --port 5002 --sport 40000 --msg one)
out2=$(ntool client2 ureq --dst 10.0.2.2 --port 5002 --sport 40000 --msg two)
check_eq "UDP: client 1 answered, port 40000 kept" "$out1" "peer=10.0.2.1:40000 local=10.0.2.2:5002 one"
u2=$(sed -E -n 's/^peer=10\.0\.2\.1:([0-9]+) local=10\.0\.2\.2:5002 two$/\1/p' <<< "$out2")
check "UDP: client 2 answered from another public port, got '$out2'" \
	eval 'between "$u2" 1024 65535 && [ "$u2" != 40000 ]'
check_eq "UDP: gw lists two distinct reply ports for server:5002" \
	"$(ct_tuples gw | sed -E -n "s/^udp src=10.0.[13].2 dst=10.0.2.2 sport=40000 dport=5002 -> src=10.0.2.2 dst=10.0.2.1 sport=5002 dport=($Q)$/\1/p" | sort -u | wc -l)" 2
out=$(ntool client2 ureq --dst 10.0.2.2 --port 5003 --sport 40000 --msg three)
check_eq "UDP: client 2's socket keeps its public port $u2 towards server:5003" \
	"$out" "peer=10.0.2.1:$u2 local=10.0.2.2:5003 three"
out=$(ntool client ureq --dst 10.0.2.2 --port 5003 --sport 40000 --msg four)
check_eq "UDP: client 1's socket keeps 40000 towards server:5003" \
	"$out" "peer=10.0.2.1:40000 local=10.0.2.2:5003 four"

# ICMP: the echo id is the "port"
bg ping1 client ping -n -c 3 -i 0.3 -W 2 -e 777 10.0.2.2
bg ping2 client2 ping -n -c 3 -i 0.3 -W 2 -e 777 10.0.2.2
bg_wait ping1 20
check "ICMP: client 1 pings with id 777, all answered" grep -q " 3 received" "$NAT_TMP/ping1.out"
bg_wait ping2 20
check "ICMP: client 2 pings with id 777 at the same time, all answered" \
	grep -q " 3 received" "$NAT_TMP/ping2.out"
check_eq "ICMP: gw lists two distinct reply ids" \
	"$(ct_tuples gw | sed -E -n "s/^icmp src=10.0.[13].2 dst=10.0.2.2 type=8 code=0 id=777 -> src=10.0.2.2 dst=10.0.2.1 type=0 code=0 id=($Q)$/\1/p" | sort -u | wc -l)" 2

# --random: a free port is not kept
check "--random rule for server:5003 inserted" nat_w gw \
	"-I POSTROUTING -o gw_out -p udp --dport 5003 -j SNAT --to-source 10.0.2.1 --random"
# Three sockets: one random draw may land on its own port (1 in 64512).
kept=0 got=
for sp in 41500 41501 41502; do
	out=$(ntool client ureq --dst 10.0.2.2 --port 5003 --sport $sp --msg rnd)
	rp=$(sed -E -n 's/^peer=10\.0\.2\.1:([0-9]+) local=10\.0\.2\.2:5003 rnd$/\1/p' <<< "$out")
	between "$rp" 1 65535 || rp=none
	[ "$rp" = $sp ] && kept=$((kept + 1))
	got+=" $sp->$rp"
done
check "--random: every socket answered, got:$got" eval '[[ "$got" != *none* ]]'
check "--random: not all three kept their port, got:$got" test $kept -lt 3

### 1000 attempts, 10 ports
check "10-port TCP SNAT range rule set" nat_w gw "-F" \
	"-A POSTROUTING -o gw_out -p tcp -j SNAT --to-source 10.0.2.1:20000-20009" \
	"-A POSTROUTING -o gw_out -j SNAT --to-source 10.0.2.1"
bg hold server python3 -S "$NAT_TOOL" hold --port 6000
check "holding server up" bg_ready hold
dmesg_mark
t0=$(date +%s)
bg flood client python3 -S "$NAT_TOOL" flood --dst 10.0.2.2 --port 6000 --n 1000 --wait 5 --linger 60
check "1000 connection attempts made" wait_for 40 grep -q '^ok=' "$NAT_TMP/flood.out"
res=$(grep '^ok=' "$NAT_TMP/flood.out")
diag "after $(( $(date +%s) - t0 )) s: $res"
declare -A R=()
for kv in $res; do R[${kv%%=*}]=${kv#*=}; done
check "at most 10 connections succeeded (ok=${R[ok]:-?})" between "${R[ok]:-x}" 0 10
check "all 10 ports of the range were used (ok=${R[ok]:-?})" test "${R[ok]:-0}" -eq 10
check_eq "the rest failed cleanly (no answer, refused, reset)" \
	"$(( ${R[refused]:-0} + ${R[reset]:-0} + ${R[timeout]:-0} ))" "$(( 1000 - ${R[ok]:-0} ))"
check_eq "no other errors" "${R[other]:-x}" 0
check_eq "server holds exactly those connections" \
	"$(nsx server ss -Htn state established '( sport = :6000 )' | wc -l)" "${R[ok]:-x}"
ports=$(ct_tuples gw | sed -E -n "s/^tcp ESTABLISHED src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=6000 -> src=10.0.2.2 dst=10.0.2.1 sport=6000 dport=(2000[0-9])$/\1/p" | sort)
check_eq "gw: one ESTABLISHED entry per success, reply ports in 20000-20009" \
	"$(wc -w <<< "$ports")" "${R[ok]:-x}"
check_eq "gw: the reply ports are distinct" "$(sort -u <<< "$ports" | wc -w)" "${R[ok]:-x}"
check_eq "gw: no other entry for server:6000 (no untranslated or out-of-range one)" \
	"$(ct_count gw "dport=6000 -> ")" "${R[ok]:-x}"
check "the refusals were logged" \
	sh -c 'dmesg | tail -n +'"$((NAT_DMESG_LINES + 1))"' | grep -q "NAT: no free tuple in range for 10.0.1.2 -> 10.0.2.2"'
check "UDP still gets through while the TCP range is full" \
	quiet ntool client ureq --dst 10.0.2.2 --port 5002 --sport 40100
bg_kill flood
# closing frees no port at once (the entries stay until their timeouts)
# but another destination does not clash with them
out=$(ntool client req --dst 10.0.2.2 --port 5001 --bytes 1000)
check "after the flood: a new connection to another port works" test $? -eq 0
check "after the flood: it used a port of the range, got '$out'" \
	eval '[[ $out =~ ^peer=10\.0\.2\.1:2000[0-9]\ local=10\.0\.2\.2:5001$ ]]'
check_eq "gw: still exactly one entry per connection made to server:6000" \
	"$(ct_count gw "dport=6000 -> ")" "${R[ok]:-x}"
# the entry count (which the 990 dropped, never confirmed attempts went
# through) agrees with what is listed
counted_is_listed() {
	local -a st
	local listed
	listed=$(wc -l < "$(nsproc gw alg_conntrack)")
	{ read -r _; read -r -a st; } < "$(nsproc gw stat/alg_conntrack)"
	TBL="listed=$listed counted=$((16#${st[0]}))"
	[ "$listed" -eq $((16#${st[0]})) ]
}
check "gw table: the entry count matches the entries listed" wait_for 5 counted_is_listed
diag "gw table: $TBL"
bg_killall
check "module unloads" mod_unload
ktap_finish
