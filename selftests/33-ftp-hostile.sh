#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# Misbehaving FTP endpoints against the helper (topo_3, vsftpd on 10.0.2.2,
# a scripted fake server on 10.0.2.3). ftp_tool.py does the talking and
# reads the gateway's /proc/net/alg_conntrack_expect after each step.
#
# Client side, on one control connection to vsftpd (raw socket): a baseline
# PORT and LIST; then PORT naming a third host (10.0.2.99) and each of the
# gateway's own addresses, PORT with port 1023 and 21, bytes 256 and 99999,
# seven numbers, EPRT with port 99999 / 0 / a third host / |2|, "NOOP
# PORT ...", 2000-byte PORT and NOOP lines: none may open an expectation;
# a proper PORT + LIST still works after them; 1000 PORT commands sent at
# once: all answered, at most one expectation; a PORT split as "PO" + "RT
# ..." (two segments, TCP_NODELAY) is expected and its LIST arrives.
# A second connection leaves "PORT ..." unterminated and closes: no
# expectation; a third one works. Run without NAT (the server routes back;
# every expectation must lead to 10.0.1.2) and with SNAT to 10.0.2.100
# (expectations to 10.0.2.100; each rewrite makes the line 2 bytes longer).
# Both also split a PORT inside its numbers ("PORT 10,0" + ",1,2,...");
# under NAT the gateway holds the first part back (drops it until TCP
# resends it with the rest) so that the whole address is rewritten.
#
# Server side, through MASQUERADE, the fake server sends: "227 Logout."
# (must not block the connection), 227 to a third host, with port 1023, with
# bytes 256 / 99999, unterminated numbers, 229 with port 99999 / 0 / no
# brackets, a "227-" continuation, a 2000-byte 227: no expectation; proper
# 227 and 229 replies open one expectation to the server and the data
# connection works; 1000 227 replies at once leave at most one; a 227 split
# as "22" + "7 ..." and one split inside its numbers are expected and their
# data connections work.
#
# Throughout: never more than one expectation per control connection, none
# to anyone but the announcer; the control connection keeps working; the
# kernel logs the refusals; no WARN (the VM panics on one).
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ftp_lib.sh"
ftp_setup vsftpd ss

topo_3 || { ktap_not_ok "topology"; ktap_finish; }
# Only the gateway runs the helper: the end hosts' own copies of the module
# would log every refusal again (and share the kernel's log rate limit).
nsx client sysctl -qw net.alg_conntrack.helper_auto=0
nsx server sysctl -qw net.alg_conntrack.helper_auto=0
check "vsftpd listening on 10.0.2.2:21" ftp_vsftpd server 10.0.2.2

### client side, no NAT: the server routes back through the gateway
nsx server ip route add 10.0.1.0/24 via 10.0.2.1
dmesg_mark
py_checks nsx client python3 "$FTP_TOOL" --tag "no NAT" hostile-client \
	--host 10.0.2.2 --own 10.0.1.2 --seen 10.0.1.2 --gw-ns "$(ns gw)" \
	--third 10.0.2.99 --gw-addrs 10.0.2.1,10.0.1.1 --split-numbers
check "no NAT: the kernel logged the third-party PORT as ignored" \
	eval 'dmesg_new | grep -q "ftp: 10.0.1.2 announced 10.0.2.99:50002, not itself; ignored"'
check "no NAT: the kernel logged the privileged port as ignored" \
	eval 'dmesg_new | grep -q "ftp: 10.0.1.2 announced privileged port 1023; ignored"'
check "no NAT: the kernel logged unparsable commands" \
	eval 'dmesg_new | grep -q "ftp: [0-9]* unparsable command(s) from 10.0.1.2"'
check "no NAT: /proc/net/stat/alg_conntrack counted third-party announcements" \
	test "$(stat_sum gw ftp_third_party)" -ge 3
check "no NAT: /proc/net/stat/alg_conntrack counted bad commands" \
	test "$(stat_sum gw ftp_bad_cmd)" -ge 5
# The 1000 PORTs came about 50 to a segment: those past 4 in each are
# let through unread, and counted.
check "no NAT: the burst's announcements past 4 per segment were counted" \
	test "$(stat_sum gw ftp_bad_cmd)" -ge 500
diag "kernel log of the no-NAT phase (rate limited):"
dmesg_new | grep -E "alg_conntrack|callbacks suppressed" | head -n 20 | sed 's/^/#   /'

### client side, SNAT to a longer address (and no route back): every
### rewrite changes the length, so the rest rides on sequence adjustment
nsx server ip route del 10.0.1.0/24
nsx gw ip addr add 10.0.2.100/24 dev gw_out
check "SNAT --to-source 10.0.2.100 rule" \
	ftp_nat gw "-A POSTROUTING -o gw_out -j SNAT --to-source 10.0.2.100"
# The no-NAT baseline left 10.0.2.2:20 -> 10.0.1.2:50001 in TIME_WAIT. The
# same PORT through SNAT now wants the same inside tuple for its data
# connection: the ALG must either find another translation (another
# source port) or drop it, never track it half-translated, which hands it
# to the gateway's own stack (or to whatever the NAT rules say).
if ct_has gw "TIME_WAIT src=10.0.2.2 dst=10.0.1.2 sport=20 dport=50001 "; then
	nsx client timeout 30 python3 "$FTP_TOOL" port-list --host 10.0.2.2 \
		--own 10.0.1.2 --data-port 50001 --timeout 5 > "$FTP_OUT" 2>&1
	rc=$?
	diag "PORT 10.0.1.2:50001 + LIST again, through SNAT: $(tr '\n' ' ' < "$FTP_OUT")"
	line=$(ct_lines gw "dport=50001 .*master=")
	check "SNAT: a data connection clashing with a TIME_WAIT entry is not left untranslated (to the gateway itself)" \
		not grep -q "src=10.0.2.2 dst=10.0.2.100 sport=20 dport=50001 src=10.0.2.100 " <<< "$line"
	# The old entry is over: the new one takes its place (as a SYN
	# reopens a TIME_WAIT connection) and the listing arrives.
	check_eq "SNAT: ... it replaces the TIME_WAIT entry and LIST works" "$rc" 0
	[ -z "$line" ] || { diag "its entry:"; sed 's/^/#   /' <<< "$line"; }
else
	ktap_skip "SNAT: clashing data connection (the TIME_WAIT entry is gone already)"
fi
py_checks nsx client python3 "$FTP_TOOL" --tag "SNAT" hostile-client \
	--host 10.0.2.2 --own 10.0.1.2 --seen 10.0.2.100 --gw-ns "$(ns gw)" \
	--third 10.0.2.99 --gw-addrs 10.0.2.1,10.0.1.1,10.0.2.100 \
	--base 52000 --burst-base 42000 --split-numbers --bytewise

# The expectation table full: a PORT that cannot be rewritten is dropped,
# and read again as new when TCP resends it (not let through unrewritten).
: > "$FTP_TMP/vsftpd.server.log"
py_checks nsx client python3 "$FTP_TOOL" --tag "SNAT, expectation table full" \
	full-expect --host 10.0.2.2 --own 10.0.1.2 --data-port 52200 --gw-ns "$(ns gw)"
check "SNAT, expectation table full: vsftpd never got the inside address" \
	not grep -q "PORT 10,0,1,2," "$FTP_TMP/vsftpd.server.log"

# A PORT segment lost behind the gateway (tc drops its first, rewritten
# transmission on gw_out): TCP retransmits it, and the retransmission must
# reach the server rewritten like the first one (and the stream stay in
# step), else the server gets the inside address.
: > "$FTP_TMP/vsftpd.server.log"
py_checks nsx client python3 "$FTP_TOOL" --tag "SNAT, lost PORT segment" \
	lost-announce --host 10.0.2.2 --own 10.0.1.2 --data-port 52100 \
	--gw-ns "$(ns gw)" --dev gw_out
check "SNAT, lost PORT segment: vsftpd never got the inside address" \
	not grep -q "PORT 10,0,1,2," "$FTP_TMP/vsftpd.server.log"

### server side, MASQUERADE
check "MASQUERADE rule" ftp_nat gw "-F POSTROUTING" "-A POSTROUTING -o gw_out -j MASQUERADE"
nsx server ip addr add 10.0.2.3/24 dev veth_s
bg fake server python3 "$FTP_TOOL" fake-server --listen 10.0.2.3 --port 21
check "fake server listening on 10.0.2.3:21" bg_ready fake
py_checks nsx client python3 "$FTP_TOOL" --tag "server side" hostile-server \
	--host 10.0.2.3 --server-addr 10.0.2.3 --gw-ns "$(ns gw)" --third 10.0.2.99

check "the module still answers: table readable" eval 'nsx gw cat /proc/net/alg_conntrack > /dev/null'

ktap_finish
