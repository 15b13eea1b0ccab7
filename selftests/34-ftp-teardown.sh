#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# Expectations when their master goes away (topo_3, vsftpd on 10.0.2.2,
# MASQUERADE on the gateway):
#  - a control connection announces PORT (then, another one, PASV) and is
#    reset (RST) while the expectation is pending: the master goes (CLOSE,
#    tcp_timeout_close, set to 4 s) and takes the expectation with it;
#    expect_delete counts it;
#  - a DNAT'd server (a fake one, inside) whose very first reply after the
#    handshake is "227 Entering Passive Mode (...)": rewritten to the
#    outside address, the same length (10.0.2.1) and longer (10.0.2.100,
#    so sequence adjustment starts on the first segment); the data
#    connection and the rest of the control connection work; no warning;
#  - all namespaces deleted while four expectations are pending: the module
#    unloads (in time), the alg_conntrack slab cache is gone from
#    /proc/slabinfo and the kernel reported no leak.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ftp_lib.sh"
ftp_setup vsftpd ss

Q='[0-9]+'
topo_3 || { ktap_not_ok "topology"; ktap_finish; }
check "vsftpd listening on 10.0.2.2:21" ftp_vsftpd server 10.0.2.2
check "MASQUERADE rule" ftp_nat gw "-A POSTROUTING -o gw_out -j MASQUERADE"
dmesg_mark

# hold NAME CMD...: a logged-in control connection that sent CMDs and waits
hold() {
	local name=$1
	shift
	local args=()
	for c in "$@"; do args+=(--cmd "$c"); done
	rm -f "$FTP_TMP/$name.ctl"
	bg "$name" client python3 "$FTP_TOOL" hold --host 10.0.2.2 \
		--ctl "$FTP_TMP/$name.ctl" "${args[@]}"
	bg_ready "$name"
}

### master reset while its expectation is pending
# A short tcp_timeout_close (default 10 s): the wait is for the master's
# entry, which the RST left in CLOSE.
nsx gw sysctl -qw net.alg_conntrack.tcp_timeout_close=4
close_to=$(nsx gw sysctl -n net.alg_conntrack.tcp_timeout_close)
for what in PORT PASV; do
	if [ $what = PORT ]; then
		hold rst$what "PORT 10,0,1,2,196,10"
		want="src=10.0.2.2 dst=10.0.2.1 sport=0 dport=50186 "
	else
		hold rst$what "PASV"
		p=$(sed -n -E 's/.*\(10,0,2,2,([0-9]+),([0-9]+)\).*/\1 \2/p' "$FTP_TMP/rst$what.out" | awk '{print $1 * 256 + $2}')
		want="src=10.0.1.2 dst=10.0.2.2 sport=0 dport=${p:-x} "
	fi
	check_eq "$what pending: one expectation" "$(exp_count gw)" 1
	check "$what pending: it is $want" eval 'exp_lines gw | grep -q -e "$want"'
	cport=$(ct_lines gw "src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=21 .*helper=ftp " |
		sed -E 's/.* sport=([0-9]+) dport=21 .*/\1/' | head -n 1)
	del0=$(stat_sum gw expect_delete)
	echo rst > "$FTP_TMP/rst$what.ctl"
	check "$what: the client reset the control connection" \
		wait_for 10 grep -q "^closed rst" "$FTP_TMP/rst$what.out"
	check "$what: the master went to CLOSE" \
		wait_for 5 ct_has gw "CLOSE src=10.0.1.2 dst=10.0.2.2 sport=${cport:-x} dport=21 "
	t0=$(now_ms)
	check "$what: the expectation is gone with its master (<= tcp_timeout_close $close_to s + 5)" \
		wait_for $((close_to + 5)) exp_none gw
	diag "$what: expectation gone $(since "$t0") s after the RST was seen"
	check "$what: the master's entry is gone" \
		not ct_has gw "src=10.0.1.2 dst=10.0.2.2 sport=${cport:-x} dport=21 "
	check_eq "$what: expect_delete counted it" "$(( $(stat_sum gw expect_delete) - del0 ))" 1
	bg_kill rst$what
done

### DNAT'd server whose first reply is a 227
# The client namespace (10.0.1.2, default route via the gateway) is the
# inside server here, the server namespace (10.0.2.2) the outside client.
nsx gw ip addr add 10.0.2.100/24 dev gw_out
check "DNAT rules for 10.0.2.1:21 and 10.0.2.100:21 to 10.0.1.2" ftp_nat gw \
	"-F POSTROUTING" \
	"-A PREROUTING -i gw_out -p tcp -d 10.0.2.1 --dport 21 -j DNAT --to-destination 10.0.1.2" \
	"-A PREROUTING -i gw_out -p tcp -d 10.0.2.100 --dport 21 -j DNAT --to-destination 10.0.1.2"
bg greet client python3 "$FTP_TOOL" fake-server --listen 10.0.1.2 --port 21 \
	--greeting "227 Entering Passive Mode (10,0,1,2,195,80)" --data-port 50000
check "fake server inside greets with a 227" bg_ready greet
for pub in 10.0.2.1 10.0.2.100; do
	py_checks nsx server python3 "$FTP_TOOL" --tag "227 greeting via $pub" \
		greet-client --host "$pub" --port 21
done
check "227 greeting: the control connections have helper=ftp" \
	ct_has gw "src=10.0.2.2 dst=10.0.2.100 sport=$Q dport=21 src=10.0.1.2 dst=10.0.2.2 sport=21 dport=$Q .*helper=ftp "
check "227 greeting: the data connection has master=" \
	ct_has gw "src=10.0.2.2 dst=10.0.2.100 sport=$Q dport=50000 .*master=10.0.2.2:$Q-10.0.2.100:21 "
check "no kernel warning so far" eval '! dmesg | grep -E -q "WARNING:|BUG:"'

### namespaces deleted with expectations pending
check "MASQUERADE again" ftp_nat gw "-F PREROUTING" \
	"-A POSTROUTING -o gw_out -j MASQUERADE"
hold pend1 "PORT 10,0,1,2,196,20"
hold pend2 "PORT 10,0,1,2,196,21"
hold pend3 "EPRT |1|10.0.1.2|50200|"
hold pend4 "PASV"
check_eq "four expectations pending" "$(exp_count gw)" 4
diag "slab before: $(slab_line | awk '{print $1, "active", $2, "total", $3}')"
ns_cleanup
BG_PID=()
check "namespaces deleted" eval '[ -z "$(ip netns list | grep "^${NS_PREFIX}_")" ]'
# the namespaces' exit runs in a workqueue; rmmod waits for it
rmmod alg_conntrack > "$FTP_TMP/rmmod.out" 2>&1 &
rmpid=$!
t0=$(now_ms)
for ((i = 0; i < 300; i++)); do kill -0 $rmpid 2>/dev/null || break; sleep 0.2; done
if kill -0 $rmpid 2>/dev/null; then
	ktap_not_ok "rmmod finishes within 60 s"
	diag "rmmod still running; kernel log:"
	dmesg | tail -n 20 | sed 's/^/#   /'
else
	wait $rmpid
	rc=$?
	check_eq "rmmod succeeds ($(since "$t0") s)" "$rc" 0
fi
check "module unloaded" not mod_loaded
check "no alg_conntrack cache in /proc/slabinfo" not slab_line
check "no leak or wait reported by the kernel" \
	eval '! dmesg_new | grep -E -q "still has objects|waiting for [0-9]+ connections|WARNING:|BUG:"'

ktap_finish
