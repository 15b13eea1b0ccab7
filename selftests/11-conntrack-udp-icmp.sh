#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# UDP and ICMP tracking on a forwarding gateway:
#  - a UDP request without reply is [UNREPLIED] with timeout <= 30 s; after
#    the reply the flag is gone; an answered flow still active 2 s later is
#    a stream: [ASSURED], timeout udp_timeout_stream (120 s);
#  - ping is tracked by its echo id (type=8 ... id=ID / type=0 ... id=ID),
#    one entry per id, timeout <= 30 s;
#  - an ICMP port unreachable quoting a tracked UDP flow is related to it:
#    the icmp_error column of /proc/net/stat/alg_conntrack does not move
#    (the kernel's own error, and a crafted one); one quoting a flow the
#    gateway never saw bumps icmp_error.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ct_lib.sh"
trap_cleanup 'drv_stop; mod_unload'
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
need python3 iptables-legacy ip ping

mod_unload
insmod "$MODULE" || { ktap_not_ok "insmod alg_conntrack"; ktap_finish; }
ct_topo || { ktap_not_ok "client -- gw -- server topology"; ktap_finish; }
ct_pin gw
drv_start

entry() { ct_find gw "$@"; }
replied() { entry "$@" && lacks '[UNREPLIED]' "$LINE"; }
assured() { entry "$@" && has '[ASSURED]' "$LINE"; }
C=10.0.1.2
S=10.0.2.2

# --- UDP: request, no answer (the server drops it, so no ICMP either).
ipt server -A INPUT -p udp --dport 6001 -j DROP
ipt client -A INPUT -p udp --sport 6001 -j DROP
u="src=$C dst=$S sport=40001 dport=6001 "
drv pkt c udp --src $C --dst $S --sport 40001 --dport 6001
check "UDP request tracked" wait_for 10 entry "$u"
diag "$LINE"
check_eq "protocol field" "$CT_PROTO" "udp 17"
check "request is [UNREPLIED]" has '[UNREPLIED]' "$LINE"
check "reply tuple" has "[UNREPLIED] src=$S dst=$C sport=6001 dport=40001 " "$LINE"
check "unreplied timeout $CT_TIMEOUT in (20, 30]" in_range "$CT_TIMEOUT" 20 30
check "not [ASSURED]" lacks '[ASSURED]' "$LINE"

# The answer.
drv pkt s udp --src $S --dst $C --sport 6001 --dport 40001
check "after the reply [UNREPLIED] is gone" wait_for 10 replied "$u"
check "replied timeout $CT_TIMEOUT in (20, 30]" in_range "$CT_TIMEOUT" 20 30
check "one reply is not [ASSURED]" lacks '[ASSURED]' "$LINE"
check_eq "one entry for the flow" "$(ct_count gw "$u")" 1

# Still going more than 2 s after it started: a stream.
msleep 2.2
drv pkt c udp --src $C --dst $S --sport 40001 --dport 6001
check "active flow becomes [ASSURED]" wait_for 10 assured "$u"
check "stream timeout $CT_TIMEOUT in (110, 120]" in_range "$CT_TIMEOUT" 110 120

# --- ICMP echo, by id.
ping_id() { nsx client ping -q -c 1 -W 5 -e "$1" $S > /dev/null; }
check "ping id 4321" ping_id 4321
check "ping id 4322" ping_id 4322
for id in 4321 4322; do
	want="src=$C dst=$S type=8 code=0 id=$id src=$S dst=$C type=0 code=0 id=$id "
	if entry "$want"; then
		ktap_ok "echo id $id tracked: $want"
	else
		ktap_not_ok "echo id $id tracked: $want"
		diag "table:"; ct_dump gw | sed 's/^/# /'
	fi
	check "echo id $id answered" lacks '[UNREPLIED]' "$LINE"
	check_eq "echo id $id protocol" "$CT_PROTO" "icmp 1"
	check "echo id $id timeout $CT_TIMEOUT in (20, 30]" \
		in_range "$CT_TIMEOUT" 20 30
done
check_eq "one entry per echo id" "$(ct_count gw ' icmp ')" 2

# --- ICMP errors.
# The kernel's own: UDP to a closed port, the server answers port
# unreachable, which the gateway relates to the flow and lets through.
err0=$(ct_stat gw icmp_error)
drv udp q $S 6002
qp=$(drv_val)
drv send q c hello
check "UDP to a closed port tracked" wait_for 10 entry "sport=$qp dport=6002 "
drv recv q c 5
check_eq "the client got the port unreachable" "$DRV_REPLY" "err ECONNREFUSED"
check_eq "related error: icmp_error unchanged" "$(ct_stat gw icmp_error)" "$err0"
ct_find gw "sport=$qp dport=6002 "
check "a related error is not a reply" has '[UNREPLIED]' "$LINE"
drv close q c

# Crafted, quoting the tracked flow 40001 -> 6001 (the server "answers" it).
found0=$(ct_stat gw found)
drv pkt s icmp-unreach --src $S --dst $C --quote-udp $C:40001 $S:6001
check "crafted related error reached the gateway" wait_for 10 stat_above gw found "$found0"
msleep 0.5
check_eq "crafted related error: icmp_error unchanged" "$(ct_stat gw icmp_error)" "$err0"

# Quoting a flow nobody sent.
drv pkt s icmp-unreach --src $S --dst $C --quote-udp $C:45555 $S:6555
check "unrelated error bumps icmp_error" wait_for 10 stat_above gw icmp_error "$err0"
msleep 0.5
check_eq "by one" "$(ct_stat gw icmp_error)" $((err0 + 1))
check_eq "no entry made for the quoted flow" "$(ct_count gw sport=45555)" 0
check_eq "no entry made for the error itself" "$(ct_count gw type=3)" 0

drv quit
drv_stop
ktap_finish
