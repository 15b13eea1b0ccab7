#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# A full table (net.alg_conntrack.max=20 on the gateway):
#  - 20 unanswered UDP flows fill it; 20 more evict unassured entries: the
#    table never holds more than 20, the early_drop column grows by one per
#    new flow and the newest flows are the ones tracked;
#  - 20 ESTABLISHED ([ASSURED]) TCP connections, held open, replace them;
#    then a new connection cannot be tracked: its SYN is dropped, connect()
#    fails, insert_failed grows, nothing is evicted, and the 20 held
#    connections keep working.
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
MAX=20

ct_set gw max $MAX
check_eq "max set" "$(ct_get gw max)" $MAX

# UDP to 8001 is dropped at the server: the flows stay unanswered.
ipt server -A INPUT -p udp --dport 8001 -j DROP
udp() { drv pkt c udp --src $C --dst $S --sport $((41000 + $1)) --dport 8001; }
# The table size seen in /proc and in the entries column.
size() { ct_count gw ipv4; }
# Highest table size seen by sample(): entries in /proc, and the entries
# column (connection objects, confirmed or not).
peak=0
sample() {
	local n
	local -a f
	n=$(size)
	[ "$n" -gt $peak ] && peak=$n
	ct_read gw stat/alg_conntrack
	read -r -a f <<< "${CT_OUT[1]}"
	n=$((16#${f[0]}))
	[ "$n" -gt $peak ] && peak=$n
	return 0
}
is_size() { [ "$(size)" -eq "$1" ]; }

for i in $(seq 1 $MAX); do udp "$i"; done
check "$MAX flows tracked" wait_for 10 is_size $MAX
check_eq "count sysctl" "$(ct_get gw count)" $MAX

ed0=$(ct_stat gw early_drop)
for i in $(seq $((MAX + 1)) $((2 * MAX))); do
	udp "$i"
	sample
done
wait_for 5 is_size $MAX
sample
check_eq "the table never held more than $MAX" "$peak" $MAX
check_eq "count sysctl" "$(ct_get gw count)" $MAX
ed=$(( $(ct_stat gw early_drop) - ed0 ))
check_eq "one early drop per new flow" "$ed" $MAX
check "the newest flow is tracked" ct_find gw "sport=$((41000 + 2 * MAX)) dport=8001 "
check_eq "all tracked flows are UDP to 8001" "$(ct_count gw "dport=8001 ")" $MAX

# --- TCP: each new connection evicts an unanswered UDP flow, then becomes
# ESTABLISHED and ASSURED, safe from eviction.
drv listen 8002
bad=0
for i in $(seq 1 $MAX); do
	if ! drv connect t$i $S 8002 5 || ! drv echo t$i; then
		bad=$((bad + 1))
		diag "connection $i failed: $DRV_REPLY"
	fi
done
check_eq "$MAX TCP connections through a full table" "$bad" 0
assured_all() { [ "$(ct_count gw "dport=8002 " ESTABLISHED '[ASSURED]')" -eq $MAX ]; }
check "all $MAX ESTABLISHED and [ASSURED]" wait_for 10 assured_all
check_eq "no UDP flow left" "$(ct_count gw "dport=8001 ")" 0
check_eq "count sysctl" "$(ct_get gw count)" $MAX

# --- Nothing left to evict.
if0=$(ct_stat gw insert_failed)
drop0=$(ct_stat gw drop)
ed0=$(ct_stat gw early_drop)
drv connect t_new $S 8002 3
check_eq "a new connection fails" "$DRV_REPLY" "err timeout"
check "insert_failed grew" stat_above gw insert_failed "$if0"
check "drop grew" stat_above gw drop "$drop0"
check_eq "no early drop of assured connections" "$(ct_stat gw early_drop)" "$ed0"
check_eq "count sysctl still $MAX" "$(ct_get gw count)" $MAX
check_eq "still $MAX entries" "$(size)" $MAX
check "table-full warning logged" sh -c 'dmesg | grep -q "alg_conntrack: table full, dropping packet"'

# A UDP flow cannot get in either.
if0=$(ct_stat gw insert_failed)
udp 99
check "new UDP flow: insert_failed grew" wait_for 5 stat_above gw insert_failed "$if0"
check_eq "new UDP flow not tracked" "$(ct_count gw "sport=41099 ")" 0

bad=0
for i in $(seq 1 $MAX); do
	drv echo t$i || { bad=$((bad + 1)); diag "connection $i: $DRV_REPLY"; }
done
check_eq "the $MAX held connections still work" "$bad" 0
check "and are still tracked" assured_all

# Freeing one slot lets a new connection in.
ct_set gw tcp_timeout_close 1
drv rst t1 c
drv close t1 s
gone1() { [ "$(ct_get gw count)" -lt $MAX ]; }
check "a reset connection expires and frees its slot" wait_for 30 gone1
check "then a new connection gets in" drv connect t_new2 $S 8002 5
check "and works" drv echo t_new2

drv quit
drv_stop
ktap_finish
