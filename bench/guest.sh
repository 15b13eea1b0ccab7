#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark driver, run INSIDE the VM by bench/run (one boot for all of
# it). Rounds of three modes, in rotating order:
#   alg     alg_conntrack.ko hashsize=H max=M, MASQUERADE via /proc/net/alg_nat
#   kernel  nf_conntrack hashsize=H (+ nf_conntrack_max=M), nf_nat,
#           iptables-legacy -t nat MASQUERADE, nf_conntrack_ftp + nf_nat_ftp
#   none    no tracking, no NAT: the server routes back to the client (ceiling)
# Each workload gets a fresh client -- gw -- server topology (selftests/lib.sh
# topo_3), so that no table entries of one workload are seen by the next.
#
# Results are printed as they come, one line each:
#   @@CSV,round,mode,workload,metric,value,unit
# and all of them again between ===BENCH-CSV-BEGIN=== / ===BENCH-CSV-END===.
# The host side (bench/run, bench/report.py) turns them into files.
#
# Configuration comes from the environment (bench/run passes it through
# `env`); see bench/README.md.
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../selftests/lib.sh
. "$BENCH_DIR/../selftests/lib.sh"
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
NS_PREFIX=bench
BIN=$BENCH_DIR/build

ROUNDS=${BENCH_ROUNDS:-3}
DUR=${BENCH_DURATION:-5}
WARM=${BENCH_WARMUP:-1}
MODES=${BENCH_MODES:-alg kernel none}
WORKLOADS=${BENCH_WORKLOADS:-udp tcp ftp conn scale}
SIZES=${BENCH_SIZES:-1000 100000 1000000}
HASHSIZE=${BENCH_HASHSIZE:-1048576}
MAX=${BENCH_MAX:-1200000}
MEM_AT=${BENCH_MEM_AT:-100000}
FTP_MB=${BENCH_FTP_MB:-64}
NAT=${BENCH_NAT:-masq}
CONN_PROCS=${BENCH_CONN_PROCS:-2}
UDP_LEN=${BENCH_UDP_LEN:-64}
PROFILE=${BENCH_PROFILE:-0}
UDP_TIMEOUT=3600
# Fill flows: from 10.0.1.100.. (raw socket, no address needed) to 10.0.2.3,
# which nobody owns: the gateway sends them to a MAC nobody has, so the
# server drops them in ip_rcv without a word (no ICMP back through the gw).
FILL_SRC=10.0.1.100
FILL_NADDR=16
FILL_DST=10.0.2.3
FILL_DPORT=20000
FILL_MAC=02:00:00:be:be:01

CSV=/tmp/bench.csv
: > "$CSV"

emit() {
	local line="$1,$2,$3,$4,$5,$6"
	echo "$line" >> "$CSV"
	echo "@@CSV,$line"
}

# --- modes -------------------------------------------------------------------

NF_MODS="nft_flow_offload nf_flow_table_inet nf_flow_table xt_CT iptable_raw iptable_nat xt_MASQUERADE nf_nat_ftp nf_conntrack_ftp nf_nat nf_conntrack nf_defrag_ipv4 nf_defrag_ipv6"

nf_loaded() { grep -qE '^(nf_conntrack|nf_nat) ' /proc/modules; }

# algfast: alg with its fast path on in the gateway (fastpath=1);
# kernelft: the kernel's, with an nft flowtable offloading every forwarded
# TCP and UDP flow (flow add @ft), nf_flow_table's software fast path.
mode_load() {
	case $1 in
	alg | algfast)
		if nf_loaded; then
			log "ERROR: nf_conntrack/nf_nat still loaded; not loading alg_conntrack"
			return 1
		fi
		insmod "$MOD_COPY" hashsize="$HASHSIZE" max="$MAX" || return 1
		# Nothing to track in the init namespace.
		sysctl -qw net.alg_conntrack.enable=0
		;;
	kernel | kernelft)
		grep -q '^alg_conntrack ' /proc/modules && { log "ERROR: alg_conntrack still loaded"; return 1; }
		modprobe nf_conntrack hashsize="$HASHSIZE" || return 1
		sysctl -qw net.netfilter.nf_conntrack_max="$MAX" || return 1
		modprobe nf_nat && modprobe iptable_nat && modprobe xt_MASQUERADE &&
			modprobe nf_conntrack_ftp && modprobe nf_nat_ftp || return 1
		;;
	none) ;;
	esac
}

mode_unload() {
	case $1 in
	alg | algfast) rmmods 30 alg_conntrack ;;
	kernel | kernelft) rmmods 30 $NF_MODS ;;
	none) ;;
	esac
}

# A fresh topology with the mode's NAT (or routing) in place: the one of
# selftests/lib.sh (topo_3: client 10.0.1.2 -- gw 10.0.1.1/10.0.2.1 --
# server 10.0.2.2, gw_in/gw_out), built with fewer commands (every exec
# counts under TCG).
topo_up() {
	local mode=$1 c g s t0 t1 t2
	t0=$(now_ns)
	ns_cleanup
	t1=$(now_ns)
	wait_idle
	t2=$(now_ns)
	c=$(ns client); g=$(ns gw); s=$(ns server)
	ip netns add "$c" && ip netns add "$g" && ip netns add "$s" || return 1
	ip link add veth_c netns "$c" type veth peer name gw_in netns "$g" || return 1
	ip link add veth_s netns "$s" type veth peer name gw_out netns "$g" || return 1
	ip -n "$c" -b - <<-EOF || return 1
	addr add 10.0.1.2/24 dev veth_c
	link set lo up
	link set veth_c up
	route add default via 10.0.1.1
	EOF
	ip -n "$g" -b - <<-EOF || return 1
	addr add 10.0.1.1/24 dev gw_in
	addr add 10.0.2.1/24 dev gw_out
	link set lo up
	link set gw_in up
	link set gw_out up
	neigh replace $FILL_DST lladdr $FILL_MAC dev gw_out nud permanent
	EOF
	ip -n "$s" -b - <<-EOF || return 1
	addr add 10.0.2.2/24 dev veth_s
	link set lo up
	link set veth_s up
	EOF
	local rule="-A POSTROUTING -o gw_out -j MASQUERADE"
	[ "$NAT" = snat ] && rule="-A POSTROUTING -o gw_out -j SNAT --to-source 10.0.2.1"
	local csys="sysctl -qw net.ipv4.ip_local_port_range='1024 65535'"
	local gsys="sysctl -qw net.ipv4.ip_forward=1"
	local ssys=true
	case $mode in
	alg | algfast)
		# The client and server stand for other hosts: only the gateway
		# tracks, as with nf_conntrack, whose hooks only the gateway's nat
		# table turns on.
		csys="$csys net.alg_conntrack.enable=0"
		ssys="sysctl -qw net.alg_conntrack.enable=0"
		gsys="$gsys net.alg_conntrack.udp_timeout=$UDP_TIMEOUT net.alg_conntrack.udp_timeout_stream=$UDP_TIMEOUT && echo '$rule' > /proc/net/alg_nat"
		[ "$mode" = algfast ] && gsys="$gsys && sysctl -qw net.alg_conntrack.fastpath=1"
		;;
	kernel | kernelft)
		gsys="$gsys net.netfilter.nf_conntrack_udp_timeout=$UDP_TIMEOUT net.netfilter.nf_conntrack_udp_timeout_stream=$UDP_TIMEOUT && iptables-legacy -t nat $rule"
		[ "$mode" = kernelft ] && gsys="$gsys && nft -f $BENCH_DIR/flowtable.nft"
		;;
	none)
		ssys="ip route add 10.0.1.0/24 via 10.0.2.1"
		;;
	esac
	nsx client sh -c "$csys" || return 1
	nsx gw sh -c "$gsys" || return 1
	nsx server sh -c "$ssys" || return 1
	log "topology: old one removed in $(( (t1 - t0) / 1000000 )) ms, idle after $(( (t2 - t1) / 1000000 )) ms, new one up in $(( ($(now_ns) - t2) / 1000000 )) ms"
}

ct_count() {
	case $1 in
	alg | algfast) nsx gw cat /proc/sys/net/alg_conntrack/count ;;
	kernel | kernelft) nsx gw cat /proc/sys/net/netfilter/nf_conntrack_count ;;
	*) echo 0 ;;
	esac
}

mode_info() {
	case $1 in
	alg | algfast)
		log "alg: hashsize=$(cat /sys/module/alg_conntrack/parameters/hashsize)" \
			"gw buckets=$(nsx gw cat /proc/sys/net/alg_conntrack/buckets)" \
			"gw max=$(nsx gw cat /proc/sys/net/alg_conntrack/max)"
		;;
	kernel | kernelft)
		log "kernel: hashsize=$(cat /sys/module/nf_conntrack/parameters/hashsize)" \
			"buckets=$(nsx gw cat /proc/sys/net/netfilter/nf_conntrack_buckets)" \
			"max=$(cat /proc/sys/net/netfilter/nf_conntrack_max)"
		;;
	esac
}

# stat_sum FILE COLUMN: a column of a /proc/net/stat file (hex, one line per
# CPU) of the gateway, summed.
stat_sum() {
	local col v sum=0
	col=$(nsx gw head -n 1 "$1" | tr ' ' '\n' | grep -v '^$' | grep -n -x "$2" | cut -d: -f1)
	[ -n "$col" ] || { echo "?"; return; }
	for v in $(nsx gw awk -v c="$col" 'NR > 1 { print $c }' "$1"); do
		sum=$((sum + 16#$v))
	done
	echo $sum
}

# --- measuring helpers -------------------------------------------------------

# bg NS CMD...: CMD in namespace NS in the background, killed by bg_killall.
# `ip netns exec` execs CMD, so the pid is CMD's own.
bg_pids=()
bg() {
	local n=$1
	shift
	ip netns exec "$(ns "$n")" "$@" &
	bg_pids+=($!)
}
bg_killall() {
	local p
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null; done
	bg_pids=()
}

wait_listen() {	# wait_listen PORT: a TCP socket listens on PORT in the server ns
	local i
	for i in $(seq 1 100); do
		nsx server ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

wait_file() {	# wait_file FILE WORD SECS
	local i
	for i in $(seq 1 $(($3 * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# TX packets of the gateway's outside interface: what it forwarded.
tx_packets() {
	ip -n "$(ns gw)" -s -o link show dev gw_out | awk '{
		for (i = 1; i <= NF; i++) if ($i == "TX:") break
		while (i <= NF && $i != "\\") i++
		print $(i + 2) }'
}
# InDatagrams and RcvbufErrors of the server.
udp_in() { nsx server awk '/^Udp:/ { if (h) { print $2, $6; exit } h = 1 }' /proc/net/snmp; }

# profile_run LABEL CMD...: with BENCH_PROFILE=1, run CMD (more of the
# traffic just measured) under a whole-VM cpu-clock profile and print the top
# symbols. Runs after the measurement, so it perturbs no figure. Without
# BENCH_PROFILE=1 it does nothing.
profile_run() {
	local label=$1 i pp
	shift
	[ "$PROFILE" = 1 ] || return 0
	rm -f /tmp/perf.data
	perf record -q -e cpu-clock -a -o /tmp/perf.data > /tmp/perf.out 2>&1 &
	pp=$!
	for i in $(seq 1 100); do
		[ -s /tmp/perf.data ] && break
		sleep 0.1
	done
	sleep 1
	"$@" > /dev/null
	kill -INT $pp 2>/dev/null
	wait $pp 2>/dev/null
	echo "--- profile $label: top symbols (cpu-clock samples, whole VM, idle excluded) ---"
	perf report -q -i /tmp/perf.data --no-children --sort sym --stdio 2>/dev/null |
		awk '$1 ~ /%$/ && $0 !~ /native_safe_halt|default_idle|do_idle|cpuidle|acpi_idle/ {
			p = $1; sub(/%/, "", p); n++; pct[n] = p; $1 = ""; line[n] = $0; busy += p }
		END { for (i = 1; i <= n && i <= 25; i++) printf "  %6.2f%% %s\n", 100 * pct[i] / busy, line[i]
		      printf "  (busy: %.1f%% of all samples)\n", busy }'
	rm -f /tmp/perf.data
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# udp_prime: with BENCH_UDP_PRIME=1 (bench/fastpath) the flood's flow is
# first answered, twice 2.2 s apart, so that it is a stream (ASSURED) when
# measured, as a real two-way UDP flow would be: alg's fast path takes no
# flow that was never answered.
udp_prime() {
	nsx client python3 -S -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 40000))
s.settimeout(2)
for i in range(2):
    if i:
        time.sleep(2.2)
    s.sendto(b"PING", ("10.0.2.2", 5201))
    s.recv(16)
' || log "ERROR: $mode: the priming PING got no PONG"
}

# udp_measure ROUND MODE WORKLOAD PREFIX: one 64-byte UDP flow, WARM + DUR s
# (and 2 s more, so that the window below lies inside the sending).
# The figure is the median of the sender's 100 ms interval rates (robust to
# the host stopping the VM for a while), times the fraction of what was sent
# that the gateway forwarded (1 unless something dropped); the plain average
# over the window from the gateway's and the server's counters goes along.
udp_measure() {
	local r=$1 mode=$2 w=$3 pfx=$4 out=/tmp/flood.out i
	bg server taskset -c 1 "$BIN/udpsink" 5201 > /tmp/sink.out
	wait_file /tmp/sink.out ready 10 || { log "ERROR: udpsink did not start"; bg_killall; return 1; }
	local tx_a tx_b a0 u0 t0 a1 u1 t1 u_a u_b
	[ "${BENCH_UDP_PRIME:-0}" = 1 ] && udp_prime
	tx_a=$(tx_packets); u_a=$(udp_in)
	# The sender and with it the whole forwarding path (veth hands packets on
	# in the sender's softirq) on CPU 0, the receiving socket on CPU 1.
	ip netns exec "$(ns client)" taskset -c 0 "$BIN/udpflood" flood 10.0.2.2 5201 \
		$((WARM + DUR + 2)) "$UDP_LEN" 40000 "$WARM" 100 > $out &
	local fpid=$!
	sleep "$WARM"
	a0=$(tx_packets); t0=$(now_ns); u0=$(udp_in)
	sleep "$DUR"
	a1=$(tx_packets); t1=$(now_ns); u1=$(udp_in)
	wait $fpid
	tx_b=$(tx_packets)
	# Let the receiver empty its socket before it is stopped and counted.
	for i in $(seq 1 100); do
		nsx server awk 'NR > 1 && $2 ~ /:1451$/ { split($5, q, ":"); if (q[2] != "00000000") busy = 1 } END { exit busy }' /proc/net/udp && break
		sleep 0.2
	done
	u_b=$(udp_in)
	bg_killall
	if [ "$PROFILE" = 1 ]; then
		bg server taskset -c 1 "$BIN/udpsink" 5201 > /dev/null
		profile_run "$mode-${pfx:-udp}" ip netns exec "$(ns client)" taskset -c 0 "$BIN/udpflood" flood 10.0.2.2 5201 "$DUR" "$UDP_LEN" 40000
		bg_killall
	fi
	local sent median rcvd src fwd_frac rcv_frac fwd win rcv drop want_src=10.0.2.1
	sent=$(awk '{ print $2 }' $out)
	median=$(awk '{ for (i = 1; i < NF; i++) if ($i == "median_pps") print $(i + 1) }' $out)
	rcvd=$(awk '/^received/ { print $2 }' /tmp/sink.out)
	src=$(awk '/^received/ { print $4 }' /tmp/sink.out)
	# What the server sees must be the gateway's address (NAT) or, with no
	# NAT, the client's.
	[ "$mode" = none ] && want_src=10.0.1.2
	if [ "${src%:*}" != "$want_src" ]; then
		log "ERROR: $mode ${pfx:-udp}: the server received from $src, wanted $want_src"
		emit "$r" "$mode" "$w" "${pfx}nat_wrong" 1 bool
	fi
	if [ -z "$sent" ] || [ -z "$median" ] || [ "$sent" = 0 ]; then
		log "ERROR: $mode ${pfx:-udp}: no result from udpflood: $(cat $out)"
		return 1
	fi
	fwd_frac=$(awk -v a="$tx_a" -v b="$tx_b" -v s="$sent" 'BEGIN { printf "%.4f", (b - a) / s }')
	rcv_frac=$(awk -v n="${rcvd:-0}" -v s="$sent" 'BEGIN { printf "%.4f", n / s }')
	fwd=$(awk -v m="$median" -v f="$fwd_frac" 'BEGIN { printf "%.0f", m * (f < 1 ? f : 1) }')
	win=$(awk -v a="$a0" -v b="$a1" -v x="$t0" -v y="$t1" 'BEGIN { printf "%.0f", (b - a) / ((y - x) / 1e9) }')
	rcv=$(echo "$u0 $u1" | awk -v x="$t0" -v y="$t1" '{ printf "%.0f", ($3 - $1) / ((y - x) / 1e9) }')
	drop=$(echo "$u_a $u_b" | awk '{ print $4 - $2 }')
	log "$mode ${pfx:-udp}: $fwd pps forwarded (interval median); window average: forwarded $win pps, received $rcv pps; of all sent, forwarded $fwd_frac, received $rcv_frac ($drop dropped: server receive buffer full), server saw source $src; sender: $(cat $out)"
	emit "$r" "$mode" "$w" "${pfx}fwd_pps" "$fwd" pps
	emit "$r" "$mode" "$w" "${pfx}fwd_pps_window" "$win" pps
	emit "$r" "$mode" "$w" "${pfx}rcv_pps_window" "$rcv" pps
	emit "$r" "$mode" "$w" "${pfx}fwd_fraction" "$fwd_frac" ratio
	emit "$r" "$mode" "$w" "${pfx}rcv_fraction" "$rcv_frac" ratio
}

# --- workloads ---------------------------------------------------------------

w_udp() { udp_measure "$1" "$2" udp ""; }

w_tcp() {
	local r=$1 mode=$2 out=/tmp/iperf.out mbit
	bg server iperf3 -s -1 -p 5202 > /dev/null 2>&1
	wait_listen 5202 || { log "ERROR: iperf3 server does not listen"; bg_killall; return 1; }
	nsx client timeout $((DUR + WARM + 30)) iperf3 -c 10.0.2.2 -p 5202 -t "$DUR" -O "$WARM" -i 0.2 -f m > $out 2>&1
	bg_killall
	local avg
	# Median of the 0.2 s intervals (not the omitted warm-up ones), and
	# iperf3's own receiver average.
	mbit=$(grep -v -e omitted -e sender -e receiver $out |
		awk '/sec/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }' | median)
	avg=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }' $out | tail -n 1)
	if [ -z "$mbit" ] || [ -z "$avg" ]; then
		log "ERROR: iperf3 gave no result:"; cat $out
		return 1
	fi
	log "$mode tcp: $mbit Mbit/s (interval median), $avg Mbit/s (iperf3 receiver average)"
	emit "$r" "$mode" tcp mbit_s "$mbit" Mbit/s
	emit "$r" "$mode" tcp mbit_s_average "$avg" Mbit/s
}

w_conn() {
	local r=$1 mode=$2 out=/tmp/conn.out
	bg server "$BIN/connrate" server 8080 "$CONN_PROCS" > /tmp/connsrv.out
	wait_file /tmp/connsrv.out ready 10 || { log "ERROR: connrate server did not start"; bg_killall; return 1; }
	# One warm-up second (ARP, caches), then the measured run.
	nsx client "$BIN/connrate" client 10.0.2.2 8080 "$WARM" "$CONN_PROCS" > /dev/null
	# 250 ms intervals: a few hundred connections a second under TCG.
	nsx client timeout $((DUR + 30)) "$BIN/connrate" client 10.0.2.2 8080 "$DUR" "$CONN_PROCS" 250 > $out
	profile_run "$mode-conn" ip netns exec "$(ns client)" "$BIN/connrate" client 10.0.2.2 8080 "$DUR" "$CONN_PROCS"
	bg_killall
	local rate mean errs
	mean=$(awk '{ print $6 }' $out)
	errs=$(awk '{ print $8 }' $out)
	rate=$(awk '{ print $12 }' $out)
	log "$mode conn: $(cat $out); table count after: $(ct_count "$mode")"
	[ -n "$rate" ] || return 1
	emit "$r" "$mode" conn conn_s "$rate" conn/s
	emit "$r" "$mode" conn conn_s_average "$mean" conn/s
	emit "$r" "$mode" conn errors "$errs" count
}

slab_snapshot() {	# slab_snapshot FILE: bytes per cache (slabs * pages), meminfo Slab
	{
		awk 'NR > 2 { printf "cache %s %d %d %d\n", $1, $2, $4, $15 * $6 * 4096 }' /proc/slabinfo
		awk '/^Slab:/ { print "meminfo_slab_kb", $2 } /^MemFree:/ { print "memfree_kb", $2 }' /proc/meminfo
	} > "$1"
}

# mem_report ROUND MODE BEFORE AFTER DCOUNT
mem_report() {
	local r=$1 mode=$2 cache
	case $mode in alg) cache=alg_conntrack ;; kernel) cache=nf_conntrack ;; esac
	awk -v cache="$cache" -v n="$5" -v r="$r" -v mode="$mode" '
		FNR == 1 { f++ }
		$1 == "cache" { b[f, $2] = $5; o[f, $2] = $3; sz[$2] = $4; names[$2] = 1 }
		$1 == "meminfo_slab_kb" { s[f] = $2 * 1024 }
		$1 == "memfree_kb" { m[f] = $2 * 1024 }
		END {
			for (c in names) {
				d = b[2, c] - b[1, c]
				if (c ~ /^kmalloc-/) km += d
				tot += d
				if (d > 1048576 || d < -1048576)
					printf "#MEM %s: %+d bytes, %+d objects of %d bytes\n", c, d, o[2, c] - o[1, c], sz[c]
			}
			printf "#MEM objsize %s %d\n", cache, sz[cache]
			printf "cache %.1f\n", (b[2, cache] - b[1, cache]) / n
			printf "cache_kmalloc %.1f\n", (b[2, cache] - b[1, cache] + km) / n
			printf "slabinfo_total %.1f\n", tot / n
			printf "meminfo_slab %.1f\n", (s[2] - s[1]) / n
			printf "memfree %.1f\n", (m[1] - m[2]) / n
			printf "objsize %d\n", sz[cache]
		}' "$3" "$4" > /tmp/mem.out
	grep '^#MEM' /tmp/mem.out | sed 's/^#MEM/  mem:/'
	local k v
	while read -r k v; do
		case $k in \#MEM) continue ;; esac
		emit "$r" "$mode" mem "bytes_per_conn_$k" "$v" bytes
	done < /tmp/mem.out
	log "$mode memory per connection (over $5 new entries): $(grep -v '^#' /tmp/mem.out | tr '\n' ' ')"
}

w_scale() {
	local r=$1 mode=$2 n prev=0 count tries out
	local c0 snap_before="" count_before=0
	c0=$(ct_count "$mode")
	for n in $SIZES; do
		local t0 t1 rate
		t0=$(now_ns)
		out=$(nsx client "$BIN/udpflood" fill "$FILL_DST" "$FILL_SRC" "$FILL_NADDR" "$FILL_DPORT" "$prev" $((n - prev)))
		t1=$(now_ns)
		rate=$(awk -v n="$((n - prev))" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / ((b - a) / 1e9) }')
		count=$(($(ct_count "$mode") - c0))
		log "$mode fill to $n: $count fill entries, $rate new flows/s ($out)"
		for tries in 2 3; do
			[ "$count" -ge "$n" ] && break
			# Send every flow again; the ones present only refresh.
			out=$(nsx client "$BIN/udpflood" fill "$FILL_DST" "$FILL_SRC" "$FILL_NADDR" "$FILL_DPORT" 0 "$n")
			count=$(($(ct_count "$mode") - c0))
			log "$mode fill to $n, pass $tries: $count fill entries ($out)"
		done
		if [ "$count" -lt "$n" ]; then
			log "ERROR: $mode table holds $count fill entries, wanted $n; stopping the scale run"
			emit "$r" "$mode" scale "fill_short_$n" "$count" entries
			return 1
		fi
		emit "$r" "$mode" scale "entries_$n" "$count" entries
		emit "$r" "$mode" scale "fill_$n" "$rate" flows/s
		if [ "$n" = "$MEM_AT" ] && [ -n "$snap_before" ]; then
			slab_snapshot /tmp/slab.after
			mem_report "$r" "$mode" "$snap_before" /tmp/slab.after $((count - count_before))
		fi
		if [ -z "$snap_before" ]; then
			snap_before=/tmp/slab.before
			count_before=$count
			slab_snapshot "$snap_before"
		fi
		udp_measure "$r" "$mode" scale "n${n}_"
		prev=$n
	done
}

ftp_setup_once() {
	[ -f /tmp/ftproot/pub/big.bin ] && return 0
	mkdir -p /tmp/ftproot/pub /var/run/vsftpd/empty
	head -c $((FTP_MB * 1048576)) /dev/urandom > /tmp/ftproot/pub/big.bin
	echo small > /tmp/ftproot/pub/small.txt
	cat > /tmp/vsftpd.conf <<EOC
listen=YES
listen_ipv6=NO
listen_address=10.0.2.2
anonymous_enable=YES
anon_root=/tmp/ftproot
no_anon_password=YES
seccomp_sandbox=NO
secure_chroot_dir=/var/run/vsftpd/empty
connect_from_port_20=YES
pasv_enable=YES
port_enable=YES
background=NO
xferlog_enable=NO
EOC
}

# One lftp session: log in, fetch a small file (control connection warm),
# then the big one between two time stamps, so that the figure is the data
# transfer (PASV/PORT, data connection, FTP_MB MiB) without the login.
w_ftp() {
	local r=$1 mode=$2 m opts t0 t1 size want
	ftp_setup_once
	want=$(stat -c %s /tmp/ftproot/pub/big.bin)
	if [ "$mode" = kernel ]; then
		# Since Linux 6.0 helpers are only assigned by rule.
		nsx gw iptables-legacy -t raw -A PREROUTING -i gw_in -p tcp --dport 21 -j CT --helper ftp || return 1
	fi
	bg server vsftpd /tmp/vsftpd.conf > /dev/null 2>&1
	wait_listen 21 || { log "ERROR: vsftpd does not listen"; bg_killall; return 1; }
	for m in passive active; do
		case $m in
		passive) opts="set ftp:passive-mode on; set ftp:prefer-epsv no" ;;
		active) opts="set ftp:passive-mode off" ;;
		esac
		rm -f /tmp/ftp_out.bin /tmp/ftp_small /tmp/ftp_t0 /tmp/ftp_t1
		"$BIN/growth" /tmp/ftp_out.bin "$want" 180 100 > /tmp/growth.out &
		local gpid=$!
		nsx client timeout 180 lftp -c "$opts; set net:max-retries 2; set net:timeout 30; set xfer:clobber on
open -u anonymous, 10.0.2.2
get pub/small.txt -o /tmp/ftp_small
!date +%s%N > /tmp/ftp_t0
get pub/big.bin -o /tmp/ftp_out.bin
!date +%s%N > /tmp/ftp_t1" > /tmp/lftp.out 2>&1
		kill $gpid 2>/dev/null
		wait $gpid 2>/dev/null
		size=$(stat -c %s /tmp/ftp_out.bin 2>/dev/null || echo 0)
		t0=$(cat /tmp/ftp_t0 2>/dev/null); t1=$(cat /tmp/ftp_t1 2>/dev/null)
		if [ "$size" != "$want" ] || [ -z "$t0" ] || [ -z "$t1" ]; then
			log "ERROR: $mode ftp $m: got $size of $want bytes"
			tr '\r' '\n' < /tmp/lftp.out | tail -n 5
			emit "$r" "$mode" ftp "${m}_failed" 1 bool
			continue
		fi
		if [ "$r" = 1 ] && ! cmp -s /tmp/ftp_out.bin /tmp/ftproot/pub/big.bin; then
			log "ERROR: $mode ftp $m: data differ"
			emit "$r" "$mode" ftp "${m}_corrupt" 1 bool
			continue
		fi
		local mbs median
		mbs=$(awk -v s="$size" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", s / 1048576 / ((b - a) / 1e9) }')
		median=$(awk '{ for (i = 1; i < NF; i++) if ($i == "median_mib_s") print $(i + 1) }' /tmp/growth.out)
		log "$mode ftp $m: $size bytes, $median MiB/s (100 ms interval median), $mbs MiB/s (whole transfer); $(grep -v ready /tmp/growth.out)"
		[ -n "$median" ] && emit "$r" "$mode" ftp "${m}_mib_s" "$median" MiB/s
		emit "$r" "$mode" ftp "${m}_mib_s_whole" "$mbs" MiB/s
	done
	rm -f /tmp/ftp_out.bin
	[ "$mode" = kernel ] && nsx gw iptables-legacy -t raw -F
	case $mode in
	alg) log "alg: expectations made: $(stat_sum /proc/net/stat/alg_conntrack expect_new)" ;;
	kernel) log "kernel: expectations made: $(stat_sum /proc/net/stat/nf_conntrack expect_new)" ;;
	esac
	bg_killall
}

# --- main --------------------------------------------------------------------

for t in udpflood udpsink connrate growth; do
	[ -x "$BIN/$t" ] || { echo "missing $BIN/$t (bench/run builds it)"; exit 1; }
done
[ -f "$MODULE" ] || { echo "missing $MODULE (make)"; exit 1; }
# Every round loads the same build, even if the tree's .ko is rebuilt meanwhile.
MOD_COPY=/tmp/alg_conntrack.ko
cp "$MODULE" "$MOD_COPY" || exit 1
trap 'bg_killall; ns_cleanup' EXIT
sysctl -qw net.core.netdev_max_backlog=10000 net.core.rmem_max=33554432
dmesg -n 1 2>/dev/null

log "kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo)"
log "module $MODULE: md5 $(md5sum < "$MOD_COPY" | cut -c1-12)"
log "rounds=$ROUNDS duration=${DUR}s warmup=${WARM}s modes='$MODES' workloads='$WORKLOADS'"
log "sizes='$SIZES' hashsize=$HASHSIZE max=$MAX nat=$NAT ftp=${FTP_MB}MiB conn_procs=$CONN_PROCS"
emit 0 all config hashsize "$HASHSIZE" buckets
emit 0 all config max "$MAX" entries
emit 0 all config duration "$DUR" s
emit 0 all config rounds "$ROUNDS" count

read -r -a mode_list <<< "$MODES"
nmodes=${#mode_list[@]}
start=$(date +%s)
# The first measurement of a boot came out a third low whatever the mode
# (page cache, first-touch allocations, the host's CPU frequency): one
# discarded UDP run without tracking goes before round 1.
if [ "${BENCH_WARMUP_RUN:-1}" = 1 ] && mode_load none && topo_up none; then
	log "=== warm-up (discarded): none udp"
	CSV=/dev/null w_udp 0 none > /dev/null 2>&1
	bg_killall
	ns_cleanup
	mode_unload none
fi
for r in $(seq 1 "$ROUNDS"); do
	for i in $(seq 0 $((nmodes - 1))); do
		# Rotate the order each round so that drift hits every mode alike.
		mode=${mode_list[$(( (i + r - 1) % nmodes ))]}
		log "=== round $r/$ROUNDS: $mode"
		dmesg -C
		if ! mode_load "$mode"; then
			emit "$r" "$mode" all load_failed 1 bool
			mode_unload "$mode"
			continue
		fi
		first=1 dirty=1
		for w in $WORKLOADS; do
			# No table, nothing to fill: the ceiling is w_udp's figure.
			[ "$mode" = none ] && [ "$w" = scale ] && continue
			# udp, tcp and ftp leave a handful of entries: they share a
			# topology. conn (TIME_WAIT entries) and scale (the fill) get
			# a fresh one and leave it dirty.
			if [ $dirty = 1 ] || [ "$w" = conn ] || [ "$w" = scale ]; then
				if ! topo_up "$mode"; then
					log "ERROR: topology for $mode failed"
					emit "$r" "$mode" "$w" setup_failed 1 bool
					continue
				fi
			fi
			dirty=0
			case $w in conn | scale) dirty=1 ;; esac
			[ $first = 1 ] && mode_info "$mode"
			first=0
			wait_idle
			"w_$w" "$r" "$mode" || { log "ERROR: $mode $w failed"; emit "$r" "$mode" "$w" failed 1 bool; }
			# The fast path must have carried it, or the figure says nothing.
			[ "$mode" = algfast ] && log "algfast $w: so far $(stat_sum /proc/net/stat/alg_conntrack offload) connections offloaded, $(stat_sum /proc/net/stat/alg_conntrack fastpath) packets by the fast path"
			bg_killall
		done
		ns_cleanup
		# Anything the kernel said but the routine (links up, module
		# (un)loaded, taint, TCG's slow timer interrupts).
		routine='ADDRCONF\(NETDEV_CHANGE\)|hrtimer: interrupt took|taints kernel|module verification failed|alg_conntrack (un)?loaded'
		if dmesg | grep -q -v -E "$routine"; then
			log "kernel log during $mode:"
			dmesg | grep -v -E "$routine" | tail -n 20 | sed 's/^/  /'
		fi
		mode_unload "$mode" || emit "$r" "$mode" all unload_failed 1 bool
	done
done
log "done in $(( $(date +%s) - start )) s"
echo "===BENCH-CSV-BEGIN==="
echo "round,mode,workload,metric,value,unit"
cat "$CSV"
echo "===BENCH-CSV-END==="
