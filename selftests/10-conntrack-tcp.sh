#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# TCP tracking on a forwarding gateway (client -- gw -- server, plain
# routing). Real sockets, held by the pkt.py driver, walk a connection
# through the states; /proc/net/alg_conntrack on the gateway must show each
# one with its timeout:
#   SYN_SENT (<= 120 s)    the server drops the SYN (iptables-legacy)
#   SYN_RECV (<= 60 s)     the client drops the SYN/ACK
#   ESTABLISHED            timeout in (431990, 432000], [ASSURED]
#   FIN_WAIT (<= 120 s)    client FIN, the server's ACK dropped at the server
#   CLOSE_WAIT (<= 60 s)   the server's data acknowledges the FIN
#   LAST_ACK (<= 30 s)     server FIN, the client's ACK dropped at the client
#   TIME_WAIT (<= 120 s)   the client's ACK of a retransmitted FIN let through
#   CLOSE (<= 10 s)        RST (SO_LINGER 0)
# The client's route has rto_min 30s so that the client does not retransmit
# its FIN while the test looks (a retransmitted FIN moves FIN_WAIT on, as in
# netfilter). Then window tracking: an out-of-window segment is counted in
# the invalid column of /proc/net/stat/alg_conntrack, an in-window one is
# not, and with tcp_be_liberal=1 the out-of-window one is not either.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ct_lib.sh"
trap_cleanup 'drv_stop; mod_unload'
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
need python3 iptables-legacy ip

mod_unload
insmod "$MODULE" || { ktap_not_ok "insmod alg_conntrack"; ktap_finish; }
ct_topo || { ktap_not_ok "client -- gw -- server topology"; ktap_finish; }
ct_pin gw
nsx client ip route change default via 10.0.1.1 rto_min 30s
drv_start

# tcp_is SPORT DPORT STATE: the gateway's entry is in STATE (in LINE).
tcp_is() { ct_find gw "sport=$1 dport=$2 " && [ "$CT_STATE" = "$3" ]; }
# ... and, for ESTABLISHED, everything is acknowledged (full timeout).
tcp_settled() { tcp_is "$1" "$2" ESTABLISHED && [ "$CT_TIMEOUT" -gt 431990 ]; }

# expect_state DESC SPORT DPORT STATE LO HI: the entry reaches STATE within
# 20 s, with LO < timeout <= HI.
expect_state() {
	if wait_for 20 tcp_is "$2" "$3" "$4"; then
		ktap_ok "$1: $4"
		check "$1: $4 timeout $CT_TIMEOUT in ($5, $6]" \
			in_range "$CT_TIMEOUT" "$5" "$6"
	else
		ktap_not_ok "$1: $4"
		diag "entry now: ${LINE:-none}"
		ktap_skip "$1: $4 timeout"
	fi
}

# --- SYN_SENT: the SYN never gets an answer.
ipt server -A INPUT -p tcp --dport 5001 --syn -j DROP
drv connect_nb ss 10.0.2.2 5001 && sp=$(drv_val)
expect_state "SYN to a dropping server" "$sp" 5001 SYN_SENT 100 120
check "SYN_SENT entry is [UNREPLIED]" has '[UNREPLIED]' "$LINE"
check "SYN_SENT entry is not [ASSURED]" lacks '[ASSURED]' "$LINE"
drv close ss c

# --- SYN_RECV: the SYN/ACK passes the gateway, the client never sees it.
drv listen 5002
ipt client -A INPUT -p tcp --sport 5002 --tcp-flags SYN,ACK SYN,ACK -j DROP
drv connect_nb sr 10.0.2.2 5002 && sp=$(drv_val)
expect_state "SYN/ACK dropped at the client" "$sp" 5002 SYN_RECV 50 60
check "SYN_RECV entry is replied" lacks '[UNREPLIED]' "$LINE"
check "SYN_RECV entry is not [ASSURED]" lacks '[ASSURED]' "$LINE"
drv close sr c
drv unlisten 5002	# its half-open request stops retransmitting SYN/ACKs

# --- ESTABLISHED, then the close handshake one segment at a time.
drv listen 5003
check "connect through the gateway" drv connect w 10.0.2.2 5003
wp=$(drv_val)
check "data round trip" drv echo w
if wait_for 20 tcp_settled "$wp" 5003; then
	ktap_ok "handshake + data: ESTABLISHED"
else
	ktap_not_ok "handshake + data: ESTABLISHED"
	diag "entry now: ${LINE:-none}"
fi
check "ESTABLISHED timeout $CT_TIMEOUT in (431990, 432000]" \
	in_range "$CT_TIMEOUT" 431990 432000
check "ESTABLISHED entry is [ASSURED]" has '[ASSURED]' "$LINE"

# FIN from the client; the server's (pure) ACK of it never leaves the server.
ipt server -A OUTPUT -p tcp --sport 5003 --tcp-flags ALL ACK -j DROP
drv shutdown w c
expect_state "client FIN, ACK held back" "$wp" 5003 FIN_WAIT 100 120

# The server's data carries the ACK of the FIN; the client ACKs the data.
drv send w s bye
check "half-closed client still receives" drv recv w c
check_eq "client got the server's data" "$DRV_REPLY" "ok bye"
ipt server -D OUTPUT -p tcp --sport 5003 --tcp-flags ALL ACK -j DROP
expect_state "server ACKed the FIN" "$wp" 5003 CLOSE_WAIT 50 60

# FIN from the server; the client's ACK of it never leaves the client.
ipt client -A OUTPUT -p tcp --dport 5003 --tcp-flags ALL ACK -j DROP
drv shutdown w s
expect_state "server FIN, ACK held back" "$wp" 5003 LAST_ACK 20 30

# The server retransmits its FIN; the client's ACK now gets through.
ipt client -D OUTPUT -p tcp --dport 5003 --tcp-flags ALL ACK -j DROP
expect_state "last ACK through" "$wp" 5003 TIME_WAIT 100 120
drv close w c
drv close w s

# --- RST ends an established connection.
check "second connection" drv connect r 10.0.2.2 5003
rp=$(drv_val)
drv echo r
wait_for 20 tcp_settled "$rp" 5003
check "second connection ESTABLISHED" tcp_is "$rp" 5003 ESTABLISHED
drv rst r c
expect_state "RST from the client" "$rp" 5003 CLOSE 5 10
drv close r s

# --- Window tracking: an idle, fully acknowledged connection.
check "third connection" drv connect o 10.0.2.2 5003
op=$(drv_val)
drv echo o
check "third connection settled" wait_for 20 tcp_settled "$op" 5003
drv seqs o c
read -r _ snd rcv <<< "$DRV_REPLY"
diag "client snd_nxt $snd rcv_nxt $rcv"

# raw_ack SEQ [PAYLOAD]: a segment on the third connection, from the client.
raw_ack() {
	drv pkt c tcp --src 10.0.1.2 --dst 10.0.2.2 --sport "$op" --dport 5003 \
		--seq "$1" --ack "$rcv" --flags A --win 500 ${2:+--payload "$2"}
}

# A duplicate ACK at the right sequence number is in the window.
inv0=$(ct_stat gw invalid)
found0=$(ct_stat gw found)
raw_ack "$snd"
check "in-window segment reached the gateway" wait_for 10 stat_above gw found "$found0"
msleep 0.5
check_eq "in-window segment not counted invalid" "$(ct_stat gw invalid)" "$inv0"

# The same, 2^30 ahead, is far beyond anything the server allowed.
ct_set gw log_invalid 1
far=$(( (snd + 0x40000000) % 0x100000000 ))
raw_ack "$far" x
check "out-of-window segment counted invalid" wait_for 10 stat_above gw invalid "$inv0"
msleep 0.5
check_eq "counted exactly once" "$(ct_stat gw invalid)" $((inv0 + 1))
check "log_invalid=1 logs the reason" sh -c \
	"dmesg | grep -q 'alg_conntrack: invalid tcp packet 10.0.1.2 -> 10.0.2.2: SEQ is over the upper bound'"
ct_set gw log_invalid 0
check "state untouched by the invalid segment" tcp_is "$op" 5003 ESTABLISHED

# tcp_be_liberal=1: out-of-window segments are accepted.
ct_set gw tcp_be_liberal 1
check_eq "tcp_be_liberal set" "$(ct_get gw tcp_be_liberal)" 1
inv0=$(ct_stat gw invalid)
found0=$(ct_stat gw found)
raw_ack "$far" y
check "liberal: segment reached the gateway" wait_for 10 stat_above gw found "$found0"
msleep 0.5
check_eq "liberal: out-of-window segment not invalid" "$(ct_stat gw invalid)" "$inv0"
ct_set gw tcp_be_liberal 0
check "connection still works" drv echo o
check "still ESTABLISHED" tcp_is "$op" 5003 ESTABLISHED

drv quit
drv_stop
ktap_finish
