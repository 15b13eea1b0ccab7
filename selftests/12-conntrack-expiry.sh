#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# Expiry, with short timeouts set on the gateway (udp_timeout,
# icmp_timeout, tcp_timeout_syn_sent, tcp_timeout_close,
# tcp_timeout_time_wait):
#  - the GC alone empties the table: flows of every kind are made (5 s
#    timeouts), /proc is never read, and the count sysctl drops back to 0;
#  - with 2 s timeouts, each kind of entry is still in /proc/net/alg_conntrack
#    about 1 s after its last packet and gone about 4 s after it (all kinds
#    at once);
#  - out-of-range writes to the sysctls (0, -1, huge, 'abc', 2 for a bool)
#    fail with EINVAL and leave the old value; read-only ones refuse writes.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ct_lib.sh"
trap_cleanup 'drv_stop; mod_unload'
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
need python3 iptables-legacy ip

mod_unload
insmod "$MODULE" || { ktap_not_ok "insmod alg_conntrack"; ktap_finish; }
ct_topo || { ktap_not_ok "client -- gw -- server topology"; ktap_finish; }
ct_pin gw
drv_start
C=10.0.1.2
S=10.0.2.2

TIMEOUTS="udp_timeout icmp_timeout tcp_timeout_syn_sent tcp_timeout_close tcp_timeout_time_wait"
# set_timeouts SECS: all of them on the gateway.
set_timeouts() {
	local k
	for k in $TIMEOUTS; do
		ct_set gw $k "$1"
		check_eq "$k set to $1" "$(ct_get gw $k)" "$1"
	done
}

# Nothing answers these: SYNs to 7001 and UDP to 7002 die at the server.
ipt server -A INPUT -p tcp --dport 7001 --syn -j DROP
ipt server -A INPUT -p udp --dport 7002 -j DROP
drv listen 7003

# Flows of each kind. $1 is a number that keeps their ports apart.
# UDP request, unanswered.
mk_udp() { drv pkt c udp --src $C --dst $S --sport $((42000 + $1)) --dport 7002; }
# A single SYN (raw: the client kernel would retransmit its own).
mk_syn() { drv pkt c tcp --src $C --dst $S --sport $((43000 + $1)) --dport 7001 --flags S; }
# Echo request (raw); the server's kernel replies.
mk_ping() { drv pkt c icmp-echo --src $C --dst $S --id $((5000 + $1)); }
# Connection reset by the client: CLOSE. MK_CONNECT: its connect's reply.
MK_CONNECT=
mk_conn() { drv connect "$1" $S 7003 && MK_CONNECT=$DRV_REPLY; }
mk_rst() { mk_conn r$1 && drv echo r$1 && drv rst r$1 c && drv close r$1 s; }
# Orderly close, client first: TIME_WAIT once the last ACK passes.
mk_fin() { mk_conn f$1 && drv close f$1 c && drv recv f$1 s && drv close f$1 s; }

# --- The GC alone. The count sysctl only; reading /proc would expire
# entries on its own. Timeouts of 5 s here, so that the flows are all
# still there when counted, even on a slow host.
set_timeouts 5
mk_ping 1
mk_rst 1
mk_fin 1
tick
t_raw=$NOW
for i in 1 2 3; do mk_udp $i; mk_syn $i; done
n=$(ct_get gw count)
tick
diag "count after making flows: $n ($((NOW - t_raw)) ms after the first raw one)"
if [ $((NOW - t_raw)) -lt 4500 ]; then
	check "flows counted (at least the 6 raw ones)" test "$n" -ge 6
else
	ktap_skip "flows counted: too slow to tell ($((NOW - t_raw)) ms)"
fi
t0=$(now_ms)
zero() { [ "$(ct_get gw count)" = 0 ]; }
if wait_for 30 zero; then
	ktap_ok "count back to 0 by GC, $(( $(now_ms) - t0 )) ms after the flows"
else
	ktap_not_ok "count back to 0 by GC"
	diag "count still $(ct_get gw count)"
fi
check_eq "nothing left in /proc" "$(ct_count gw ipv4)" 0
check_eq "entries column agrees" "$(ct_stat gw entries)" 0

# --- Each kind in /proc: there at ~1 s, gone at ~4 s. The five kinds run
# at once (their ports tell them apart), each judged by its own clock.
set_timeouts 2
K_NAME=() K_WORDS=() K_TB=() K_TA=()
# expiry_make NAME WORDS MAKE...: runs MAKE, noting when (the last packet
# went out in [TB, TA]; it expires 2 s after it). WORDS may name the
# client's port as SPORT: the port MAKE's first connect got.
expiry_make() {
	local name=$1 words=$2 tb
	local -a w
	shift 2
	tick; tb=$NOW
	"$@"
	read -r -a w <<< "$MK_CONNECT"
	tick
	K_NAME+=("$name") K_WORDS+=("${words/SPORT/${w[1]:-x}}") K_TB+=("$tb") K_TA+=("$NOW")
}
expiry_make "UDP unreplied" "sport=42010 dport=7002 " mk_udp 10
expiry_make "TCP SYN_SENT" "sport=43010 dport=7001 " mk_syn 10
expiry_make "ICMP echo" "type=8 code=0 id=5010 " mk_ping 10
expiry_make "TCP CLOSE" "sport=SPORT dport=7003 " mk_rst 10
expiry_make "TCP TIME_WAIT" "sport=SPORT dport=7003 " mk_fin 11
for i in "${!K_NAME[@]}"; do
	tb=${K_TB[$i]}
	tick
	[ $((tb + 1000 - NOW)) -le 0 ] || msleep "$(printf '%d.%03d' 0 $((tb + 1000 - NOW)))"
	ct_find gw "${K_WORDS[$i]}"
	found=$?
	tick
	if [ $found = 0 ]; then
		ktap_ok "${K_NAME[$i]}: still there $((NOW - tb)) ms after ($CT_STATE)"
	elif [ $((NOW - tb)) -lt 1900 ]; then
		ktap_not_ok "${K_NAME[$i]}: still there $((NOW - tb)) ms after"
	else
		ktap_skip "${K_NAME[$i]}: presence check too late ($((NOW - tb)) ms)"
	fi
done
# Gone ~4 s after its start, and at least 2.5 s after its last packet.
late=0
for i in "${!K_NAME[@]}"; do
	[ $((K_TB[i] + 4000)) -le $late ] || late=$((K_TB[i] + 4000))
	[ $((K_TA[i] + 2500)) -le $late ] || late=$((K_TA[i] + 2500))
done
while tick && [ "$NOW" -lt $late ]; do msleep 0.1; done
for i in "${!K_NAME[@]}"; do
	if ct_find gw "${K_WORDS[$i]}"; then
		ktap_not_ok "${K_NAME[$i]}: gone $((NOW - K_TB[i])) ms after"
		diag "$LINE"
	else
		ktap_ok "${K_NAME[$i]}: gone $((NOW - K_TB[i])) ms after"
	fi
done
check "GC empties the table again" wait_for 30 zero

# --- Sysctl values out of range. The writes run in one shell in the
# gateway's namespace (a fork per write is slow under TCG); it prints
# "KEY VALUE OLD NEW ERROR" per write.
bad_values() {
	local k v
	for k in udp_timeout icmp_timeout tcp_timeout_established generic_timeout max; do
		for v in 0 -1 2147483648 99999999999999999999 abc; do
			echo "$k $v"
		done
	done
	# Timeouts are seconds that must still fit in jiffies.
	echo "udp_timeout 2147483647"
	echo "tcp_timeout_close 2147483647"
	for k in enable tcp_be_liberal tcp_loose log_invalid; do
		echo "$k 2"
		echo "$k -1"
	done
	echo "tcp_max_retrans 0"
	echo "tcp_max_retrans 256"
	# Read-only.
	echo "count 5"
	echo "buckets 5"
}
results=$(bad_values | nsx gw bash -c '
	cd /proc/sys/net/alg_conntrack || exit 1
	while read -r k v; do
		read -r old < "$k"
		{ printf "%s\n" "$v" > "$k"; } 2> /tmp/ct_err
		read -r err < /tmp/ct_err
		read -r new < "$k"
		echo "$k $v $old $new ${err##*: }"
	done')
nres=0
while read -r k v old new err; do
	nres=$((nres + 1))
	case $k in
	count|buckets) want="Permission denied" ;;
	*) want="Invalid argument" ;;
	esac
	check_eq "$k=$v refused ($want)" "$err" "$want"
	check_eq "$k keeps $old after $v" "$new" "$old"
done <<< "$results"
check_eq "all writes tried" "$nres" "$(bad_values | wc -l)"
check_eq "buckets is the hash size" "$(ct_get gw buckets)" 16384
check "a good value still works" ct_set gw udp_timeout 31
check_eq "and reads back" "$(ct_get gw udp_timeout)" 31

drv quit
drv_stop
ktap_finish
