#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 360
# Migration from iptables NAT, in one boot, topo_3 with more addresses:
#  - on the kernel's NAT (nf_conntrack + nf_nat, iptables-legacy) a nat
#    table of 20 typical rules is built with iptables-legacy commands: DNAT
#    port forwards (-m comment, -m multiport, a port range, ! -s, ! --dport,
#    --persistent), REDIRECT in PREROUTING and OUTPUT, OUTPUT DNAT, INPUT
#    SNAT, SNAT to an address and to a port range (--random), ACCEPT
#    exemptions, MASQUERADE with --to-ports and --random-fully; each case
#    below is run and what the far end saw is recorded;
#  - `iptables-legacy-save -t nat` of it goes unchanged into alg's
#    /proc/net/alg_nat in one write, on fresh namespaces, and the same cases
#    must give the same translations (a port picked from a range counts as
#    "range", a random one outside any range as "other");
#  - what alg prints back, restored by iptables-legacy-restore on the kernel
#    again, saves as the original did: nothing was changed on the way.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/nat_lib.sh"
need iptables-legacy iptables-legacy-save iptables-legacy-restore modprobe
modprobe -n nf_conntrack 2> /dev/null || skip_all "no nf_conntrack module for $(uname -r)"
nat_setup
trap 'bg_killall; ns_cleanup; mod_unload; wait_for 15 nfct_unload; rm -rf "$NAT_TMP"' EXIT

RULES=(
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp --dport 2222 -m comment --comment \"ssh to server\" -j DNAT --to-destination 10.0.2.2:8022"
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp -m multiport --dports 80,443 -j DNAT --to-destination 10.0.2.2"
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p udp --dport 53 -j DNAT --to-destination 10.0.2.2:5353"
	"-A PREROUTING -i gw_in -d 192.0.2.0/24 -p tcp --dport 3128 -j REDIRECT --to-ports 8000"
	"-A PREROUTING -i gw_in ! -s 10.0.1.2 -d 10.0.1.1 -p tcp --dport 8888 -j DNAT --to-destination 10.0.2.2:8080"
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp --dport 8888 -j DNAT --to-destination 10.0.2.2:8081"
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp --dport 7000:7010 -j DNAT --to-destination 10.0.2.2:9000"
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p udp -m multiport --dports 6000:6005,6100 -j DNAT --to-destination 10.0.2.2:5353"
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp --dport 9443 -j DNAT --to-destination 10.0.2.3:8443 --persistent"
	"-A PREROUTING -i gw_in -d 10.0.1.1 -p tcp ! --dport 1:9999 -j DNAT --to-destination 10.0.2.2:8080"
	"-A OUTPUT -d 198.51.100.7 -p tcp --dport 80 -j DNAT --to-destination 10.0.2.2:8080"
	"-A OUTPUT -d 10.0.2.1 -p tcp --dport 9100 -j REDIRECT --to-ports 8000"
	"-A INPUT -i gw_in -s 10.0.1.5 -p tcp --dport 8000 -j SNAT --to-source 10.0.9.9"
	"-A POSTROUTING -o gw_out -s 10.0.1.3 -m comment --comment host3-pinned -j SNAT --to-source 10.0.2.11"
	"-A POSTROUTING -o gw_out -s 10.0.1.4 -p tcp -j SNAT --to-source 10.0.2.12:40000-40100"
	"-A POSTROUTING -o gw_out -s 10.0.1.4 -p udp -j SNAT --to-source 10.0.2.12:41000-41100 --random"
	"-A POSTROUTING -o gw_out -p tcp --dport 8081 -j ACCEPT"
	"-A POSTROUTING -o gw_out -s 10.0.1.0/24 -p udp --sport 5000:5010 -j MASQUERADE --to-ports 42000-42010"
	"-A POSTROUTING -o gw_out -s 10.0.1.6 -j MASQUERADE --random-fully"
	"-A POSTROUTING -o gw_out -s 10.0.1.0/24 -j MASQUERADE"
)

# name ns src dst proto dport sport [range] -> what the far end sees
CASES=(
	"ssh      client 10.0.1.2 10.0.1.1     tcp 2222  50001"
	"http     client 10.0.1.2 10.0.1.1     tcp 80    50002"
	"https    client 10.0.1.2 10.0.1.1     tcp 443   50003"
	"dns      client 10.0.1.2 10.0.1.1     udp 53    50004"
	"proxy    client 10.0.1.2 192.0.2.99   tcp 3128  50005"
	"not_s    client 10.0.1.3 10.0.1.1     tcp 8888  50006"
	"is_s     client 10.0.1.2 10.0.1.1     tcp 8888  50007"
	"prange   client 10.0.1.2 10.0.1.1     tcp 7005  50008"
	"mport1   client 10.0.1.2 10.0.1.1     udp 6003  50009"
	"mport2   client 10.0.1.2 10.0.1.1     udp 6100  50010"
	"mport_no client 10.0.1.2 10.0.1.1     udp 6006  50011"
	"persist  client 10.0.1.2 10.0.1.1     tcp 9443  50012"
	"not_dp   client 10.0.1.2 10.0.1.1     tcp 12345 50013"
	"snat_pr  client 10.0.1.4 10.0.2.2     tcp 8080  50014 40000-40100"
	"snat_in  client 10.0.1.4 10.0.2.2     tcp 8080  40050"
	"snat_rnd client 10.0.1.4 10.0.2.2     udp 5353  41050 41000-41100"
	"masq_tp  client 10.0.1.2 10.0.2.2     udp 5353  5005  42000-42010"
	"masq_rf  client 10.0.1.6 10.0.2.2     tcp 8080  50015"
	"masq     client 10.0.1.2 10.0.2.2     udp 5353  50016"
	"out_dnat gw     -        198.51.100.7 tcp 80    50017"
	"out_redir gw    -        10.0.2.1     tcp 9100  50018"
	"in_snat  client 10.0.1.5 10.0.1.1     tcp 8000  50019"
)
declare -A WANT=(
	[ssh]="peer=10.0.2.1:= local=10.0.2.2:8022"
	[http]="peer=10.0.2.1:= local=10.0.2.2:80"
	[https]="peer=10.0.2.1:= local=10.0.2.2:443"
	[dns]="peer=10.0.2.1:= local=10.0.2.2:5353"
	[proxy]="peer=10.0.1.2:= local=10.0.1.1:8000"
	[not_s]="peer=10.0.2.11:= local=10.0.2.2:8080"
	[is_s]="peer=10.0.1.2:= local=10.0.2.2:8081"
	[prange]="peer=10.0.2.1:= local=10.0.2.2:9000"
	[mport1]="peer=10.0.2.1:= local=10.0.2.2:5353"
	[mport2]="peer=10.0.2.1:= local=10.0.2.2:5353"
	[mport_no]="no answer"
	[persist]="peer=10.0.2.1:= local=10.0.2.3:8443"
	[not_dp]="peer=10.0.2.1:= local=10.0.2.2:8080"
	[snat_pr]="peer=10.0.2.12:range local=10.0.2.2:8080"
	[snat_in]="peer=10.0.2.12:= local=10.0.2.2:8080"
	[snat_rnd]="peer=10.0.2.12:range local=10.0.2.2:5353"
	[masq_tp]="peer=10.0.2.1:range local=10.0.2.2:5353"
	[masq_rf]="peer=10.0.2.1:other local=10.0.2.2:8080"
	[masq]="peer=10.0.2.1:= local=10.0.2.2:5353"
	[out_dnat]="peer=10.0.2.1:= local=10.0.2.2:8080"
	[out_redir]="peer=10.0.2.1:= local=127.0.0.1:8000"
	[in_snat]="peer=10.0.9.9:= local=10.0.1.1:8000"
)
declare -A V=()

# topology: topo_3 with the server routing back (for the ACCEPT case), more
# client addresses, the SNAT pool on gw_out, a second server address, the
# wrong-way routes that only NAT and the re-route after it can beat.
topo() {
	topo_3 route-back || return 1
	nsx client ip -batch - <<-'EOF' || return 1
		addr add 10.0.1.3/24 dev veth_c
		addr add 10.0.1.4/24 dev veth_c
		addr add 10.0.1.5/24 dev veth_c
		addr add 10.0.1.6/24 dev veth_c
		route add 192.0.2.0/24 via 10.0.1.1
	EOF
	nsx gw ip -batch - <<-'EOF' || return 1
		addr add 10.0.2.11/32 dev gw_out
		addr add 10.0.2.12/32 dev gw_out
		route add 198.51.100.0/24 via 10.0.1.2
		route add 10.0.9.0/24 via 10.0.2.2
	EOF
	nsx server ip addr add 10.0.2.3/24 dev veth_s || return 1
	bg s8022 server python3 -S "$NAT_TOOL" serve --tcp 8022 --udp 5353
	bg s80 server python3 -S "$NAT_TOOL" serve --tcp 80
	bg s443 server python3 -S "$NAT_TOOL" serve --tcp 443
	bg s8080 server python3 -S "$NAT_TOOL" serve --tcp 8080
	bg s8081 server python3 -S "$NAT_TOOL" serve --tcp 8081
	bg s9000 server python3 -S "$NAT_TOOL" serve --tcp 9000
	bg s8443 server python3 -S "$NAT_TOOL" serve --tcp 8443
	bg g8000 gw python3 -S "$NAT_TOOL" serve --tcp 8000
	for s in s8022 s80 s443 s8080 s8081 s9000 s8443 g8000; do
		bg_ready $s || return 1
	done
}

# what the far end reported, with the client's source port as "=", a port
# in the case's range as "range", any other as "other"
norm() {
	local out=$1 sport=$2 range=$3 a p l
	[[ $out =~ ^peer=([0-9.]+):([0-9]+)\ (local=[0-9.]+:[0-9]+) ]] ||
		{ echo "no answer"; return; }
	# between matches a regex too: BASH_REMATCH does not survive it.
	a=${BASH_REMATCH[1]} p=${BASH_REMATCH[2]} l=${BASH_REMATCH[3]}
	if [ -n "$range" ] && between "$p" "${range%-*}" "${range#*-}"; then
		p=range
	elif [ "$p" = "$sport" ]; then
		p="="
	else
		p=other
	fi
	echo "peer=$a:$p $l"
}

# cases TRACKER: run every case, V[TRACKER,name] = what the far end saw;
# one nat_tool process per namespace runs its cases in turn.
cases() {
	local tr=$1 c name n src dst proto dport sport range l
	local -A todo=() got=()
	for c in "${CASES[@]}"; do
		read -r name n src dst proto dport sport range <<< "$c"
		[ "$src" != - ] || src=0.0.0.0
		if [ "$proto" = tcp ]; then
			todo[$n]+="$name req --src $src --dst $dst --port $dport --sport $sport --bytes 2000 --timeout 5"
		else
			todo[$n]+="$name ureq --src $src --dst $dst --port $dport --sport $sport --msg m --timeout 0.5"
		fi
		todo[$n]+=$'\n'
	done
	for n in "${!todo[@]}"; do
		while read -r name l; do
			got[$name]=$l
		done < <(ntool "$n" batch <<< "${todo[$n]}")
	done
	for c in "${CASES[@]}"; do
		read -r name n src dst proto dport sport range <<< "$c"
		V[$tr,$name]=$(norm "${got[$name]:-}" "$sport" "${range:-}")
	done
}

# an iptables-save text without its comments and counters, for diff
plain() { sed -E -e '/^#/d' -e 's/\[[0-9]+:[0-9]+\]/[0:0]/'; }

### the kernel's NAT, rules written as a user has them today
mod_unload
if ! modprobe -a nf_conntrack nf_nat iptable_nat; then
	ktap_not_ok "kernel NAT modules load"
	ktap_finish
fi
check "kernel round: topology" topo
ok=0
for r in "${RULES[@]}"; do
	eval "set -- $r"
	nsx gw iptables-legacy -t nat "$@" || { diag "iptables-legacy refused: $r"; ok=1; }
done
check "kernel: the 20 rules built with iptables-legacy" test $ok = 0
nsx gw iptables-legacy-save -t nat > "$NAT_TMP/saved"
check_eq "iptables-legacy-save wrote 20 rules" "$(grep -c -e '^-A ' "$NAT_TMP/saved")" 20
cases kernel
bg_killall
ns_cleanup
check "kernel NAT unloads" wait_for 20 nfct_unload

### alg_conntrack, fed the saved file as it is
check "alg_conntrack loads" mod_load
check "alg round: topology" topo
ns_pin gw
check "the iptables-legacy-save output is taken in one write" \
	quiet ntool gw wr /proc/net/alg_nat < "$NAT_TMP/saved"
check_eq "alg holds the 20 rules" "$(nat_rules gw | grep -c -e '^-A ')" 20
cases alg
nat_rules gw > "$NAT_TMP/alg"
bg_killall
ns_unpin
ns_cleanup
check "alg unloads" wait_for 20 mod_unload

### alg's print-out, back on the kernel
if modprobe -a nf_conntrack nf_nat iptable_nat; then
	ip netns add "$(ns gw)"
	check "iptables-legacy-restore takes alg's print-out" \
		nsx gw iptables-legacy-restore < "$NAT_TMP/alg"
	nsx gw iptables-legacy-save -t nat > "$NAT_TMP/again"
	check_eq "it saves as the original did (nothing changed on the way)" \
		"$(plain < "$NAT_TMP/again")" "$(plain < "$NAT_TMP/saved")"
	ns_cleanup
else
	ktap_not_ok "kernel NAT modules load again"
fi

printf '# %-9s | %-40s | %-40s\n' case alg kernel
for c in "${CASES[@]}"; do
	read -r name _ <<< "$c"
	printf '# %-9s | %-40s | %-40s\n' "$name" "${V[alg,$name]}" "${V[kernel,$name]}"
done
for c in "${CASES[@]}"; do
	read -r name _ <<< "$c"
	check_eq "$name: the kernel does what the rules say" "${V[kernel,$name]}" "${WANT[$name]}"
	check_eq "$name: alg translates as the kernel" "${V[alg,$name]}" "${V[kernel,$name]}"
done
ktap_finish
