#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# What a hostile host on either side can try against the tracker, with the
# kernel's nf_conntrack run through the same steps in the same boot as the
# reference (client -- gw -- server, plain routing, raw packets by pkt.py):
#  - a SYN with a bad TCP checksum creates no entry (a good one does);
#  - a lone ACK (mid-stream pickup) that is never answered is ESTABLISHED
#    for at most tcp_timeout_unacknowledged (300 s), not five days;
#  - an in-window RST with a bad checksum leaves a live connection
#    ESTABLISHED and working (a good one closes it);
# and of alg_conntrack alone:
#  - the root of a namespace made by an unprivileged user (unshare -Urn)
#    cannot raise max or expect_max, and can still set its own timeouts;
#  - rmmod right after a rule set change, 100 times (the old set is freed
#    after a grace period: nothing of the module's may run after rmmod);
#  - hashsize=1000 (not a power of two): SNAT of UDP from 64 source
#    addresses by two processes at once (both CPUs), entries expiring
#    under it, then all gone and the module unloads.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ct_lib.sh"
trap_cleanup 'drv_stop; mod_unload; nfct_unload; [ "$KO" = "$MODULE" ] || rm -f "$KO"'
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
need python3 iptables-legacy ip unshare
KO=$(mod_stripped)

pkt_c() { drv pkt c tcp --src 10.0.1.2 --dst 10.0.2.2 "$@"; }

# run_cases FILE PORTBASE: the three packet cases against whichever tracker
# runs on gw; results in R_* (strings compared across trackers).
run_cases() {
	local f=$1 b=$2 sp snd
	# 1: SYN, bad then good checksum
	pkt_c --sport $((b + 1)) --dport 5555 --flags S --bad-csum
	pkt_c --sport $((b + 2)) --dport 5555 --flags S
	msleep 0.5
	ct_find_in "$f" gw "sport=$((b + 1)) " && R_BADSYN="entry $CT_STATE" || R_BADSYN=none
	ct_find_in "$f" gw "sport=$((b + 2)) " && R_GOODSYN="entry $CT_STATE" || R_GOODSYN=none
	# 2: a lone ACK, never answered (the server drops it)
	pkt_c --sport $((b + 3)) --dport 5557 --flags A --seq 5000 --ack 7000
	msleep 0.5
	if ct_find_in "$f" gw "sport=$((b + 3)) "; then
		R_ACK="$CT_STATE $([ "$CT_TIMEOUT" -le 300 ] && echo '<= 300 s' || echo "$CT_TIMEOUT s")"
	else
		R_ACK=none
	fi
	# 3: a live connection, then RSTs at the client's next sequence number
	R_RST="no connection"
	drv listen 5556 && drv connect r$b 10.0.2.2 5556 || return
	sp=$(drv_val)
	drv echo r$b || return
	drv seqs r$b c || return
	snd=$(drv_val)
	pkt_c --sport "$sp" --dport 5556 --flags R --seq "$snd" --bad-csum
	msleep 0.5
	ct_find_in "$f" gw "sport=$sp " && R_RST="$CT_STATE" || R_RST=none
	drv echo r$b && R_RST="$R_RST, echo works" || R_RST="$R_RST, echo fails"
	drv seqs r$b c && snd=$(drv_val)
	pkt_c --sport "$sp" --dport 5556 --flags R --seq "$snd"
	msleep 0.5
	ct_find_in "$f" gw "sport=$sp " && R_RST="$R_RST; good RST: $CT_STATE" ||
		R_RST="$R_RST; good RST: none"
	drv close r$b c
	drv close r$b s
	drv unlisten 5556
}

mod_unload
modprobe -r nf_conntrack 2>/dev/null
insmod "$MODULE" || { ktap_not_ok "insmod alg_conntrack"; ktap_finish; }
ct_topo || { ktap_not_ok "client -- gw -- server topology"; ktap_finish; }
ct_pin gw
# The server answers nothing but the one real connection.
ipt server -A INPUT -p tcp --dport 5555 -j DROP
ipt server -A INPUT -p tcp --dport 5557 -j DROP
drv_start

run_cases alg_conntrack 41000
A_BADSYN=$R_BADSYN A_GOODSYN=$R_GOODSYN A_ACK=$R_ACK A_RST=$R_RST
check_eq "alg: SYN with a bad checksum makes no entry" "$A_BADSYN" none
check_eq "alg: the same SYN with a good checksum does" "$A_GOODSYN" "entry SYN_SENT"
check_eq "alg: an unanswered lone ACK is ESTABLISHED for at most 300 s" "$A_ACK" "ESTABLISHED <= 300 s"
check_eq "alg: an in-window RST with a bad checksum changes nothing; a good one closes" \
	"$A_RST" "ESTABLISHED, echo works; good RST: CLOSE"
check "alg: the bad checksums were counted invalid" stat_above gw invalid 1

# --- The reference: nf_conntrack on the same gateway.
drv_stop
ns_cleanup
mod_unload
if modprobe nf_conntrack && ct_topo; then
	CT_PIN=()
	ct_pin gw
	ipt server -A INPUT -p tcp --dport 5555 -j DROP
	ipt server -A INPUT -p tcp --dport 5557 -j DROP
	# Any conntrack match makes nf_conntrack track the namespace.
	ipt gw -A FORWARD -m conntrack --ctstate INVALID -j ACCEPT
	drv_start
	run_cases nf_conntrack 42000
	check_eq "nf_conntrack agrees: bad-checksum SYN" "$R_BADSYN" "$A_BADSYN"
	check_eq "nf_conntrack agrees: good SYN" "$R_GOODSYN" "$A_GOODSYN"
	check_eq "nf_conntrack agrees: lone ACK" "$R_ACK" "$A_ACK"
	check_eq "nf_conntrack agrees: RSTs" "$R_RST" "$A_RST"
	drv_stop
else
	ktap_skip "nf_conntrack reference: cannot load it"
fi
ns_cleanup
wait_for 15 nfct_unload

# --- unshare -Urn: the namespace's own root.
insmod "$MODULE" || { ktap_not_ok "insmod alg_conntrack again"; ktap_finish; }
out=$(unshare -Urn sh -c '
	d=/proc/sys/net/alg_conntrack
	m=$(cat $d/max) e=$(cat $d/expect_max)
	echo 2147483647 > $d/max 2>/dev/null && echo "max written"
	echo 2147483647 > $d/expect_max 2>/dev/null && echo "expect_max written"
	[ "$(cat $d/max)" = "$m" ] && [ "$(cat $d/expect_max)" = "$e" ] && echo unchanged
	echo 5 > $d/tcp_timeout_close && [ "$(cat $d/tcp_timeout_close)" = 5 ] && echo "timeout set"' 2>/dev/null)
check_eq "unshare -Urn: max and expect_max stay, own timeouts can be set" \
	"$(echo $out)" "unchanged timeout set"
check "init_net root still sets max" sh -c \
	'echo 300000 > /proc/sys/net/alg_conntrack/max && [ "$(cat /proc/sys/net/alg_conntrack/max)" = 300000 ]'
mod_unload

# --- rmmod right after a rule set change.
bad=0
for i in $(seq 100); do
	insmod "$KO" || { bad=$((bad + 1)); continue; }
	echo "-A POSTROUTING -o x$i -j MASQUERADE" > /proc/net/alg_nat || bad=$((bad + 1))
	echo "-F" > /proc/net/alg_nat || bad=$((bad + 1))
	rmmod alg_conntrack || bad=$((bad + 1))
done
check_eq "100 times: rule change, rmmod at once" "$bad" 0

# --- hashsize=1000 SNAT from many sources on both CPUs.
insmod "$KO" hashsize=1000 || { ktap_not_ok "insmod hashsize=1000"; ktap_finish; }
topo_3 || { ktap_not_ok "topology"; ktap_finish; }
for i in $(seq 10 73); do echo "addr add 10.0.1.$i/24 dev veth_c"; done | nsx client ip -batch -
nsx gw sh -c 'echo "-A POSTROUTING -o gw_out -j MASQUERADE" > /proc/net/alg_nat'
ct_set gw udp_timeout 1
ct_set gw udp_timeout_stream 1
bg echo server python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.2.2", 7007))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(64)
    s.sendto(d, a)'
bg_ready echo
cat > /tmp/alg_snat_load.$$.py <<'EOF'
import socket, sys, time
k, replies = int(sys.argv[1]), 0
end = time.time() + 5
while time.time() < end:
    for i in range(10 + k, 74, 2):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("10.0.1.%d" % i, 0))
        s.settimeout(0.2)
        s.sendto(b"x", ("10.0.2.2", 7007))
        try:
            s.recv(8)
            replies += 1
        except OSError:
            pass
        s.close()
print(replies)
EOF
nsx client taskset -c 0 python3 /tmp/alg_snat_load.$$.py 0 > /tmp/alg_snat_a.$$ &
pa=$!
nsx client taskset -c 1 python3 /tmp/alg_snat_load.$$.py 1 > /tmp/alg_snat_b.$$ &
pb=$!
wait $pa $pb
ra=$(cat /tmp/alg_snat_a.$$) rb=$(cat /tmp/alg_snat_b.$$)
rm -f /tmp/alg_snat_load.$$.py /tmp/alg_snat_a.$$ /tmp/alg_snat_b.$$
diag "replies through the gateway: $ra + $rb"
check "hashsize=1000: SNAT replies came back to both senders" test "${ra:-0}" -gt 100 -a "${rb:-0}" -gt 100
bg_kill echo
wait_for 15 sh -c "[ \"\$(ip netns exec $(ns gw) sysctl -n net.alg_conntrack.count)\" = 0 ]"
check_eq "hashsize=1000: every entry expired" "$(ct_get gw count)" 0
ns_cleanup
check "hashsize=1000: rmmod" rmmod alg_conntrack
check "no alg_conntrack slab cache left" sh -c '! grep -q "^alg_conntrack " /proc/slabinfo'
ktap_finish
