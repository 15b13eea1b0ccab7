#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh ALG_KO HOOKBENCH_KO: the hook-path micro-benchmark, run INSIDE
# the VM by bench/hookbench.sh (one boot for all of it). Rounds of three
# stacks, in an order that rotates from round to round:
#   alg     alg_conntrack.ko hashsize=H max=M, MASQUERADE via /proc/net/alg_nat
#   kernel  nf_conntrack hashsize=H, nf_conntrack_max=M, nf_nat, iptable_nat
#           (iptables-legacy MASQUERADE), nf_conntrack_netlink
#   none    nothing: the namespace's hooks are empty
# Each stack gets a fresh namespace with two dummy devices, gw_in
# (10.0.1.1/24) and gw_out (10.0.2.1/24), and hookbench.ko, loaded there,
# runs the packets of client 10.0.1.2 -> server 10.0.2.2 through its hooks.
#
# "No NAT" has one rule that never matches (-o lo): nf_conntrack tracks a
# namespace only once something asks for it (an empty nat table does not),
# and both stacks get the same rule set so that new connections look up the
# same. "NAT" replaces it with -o gw_out -j MASQUERADE.
#
# Prints log lines and rows "@@HB,round,stack,metric,value"; metrics are
# ns per packet unless named otherwise (see bench/README.md): CASE (the whole
# packet), CASE_floor (the same packets without hooks, timed in chunks
# between CASE's) and CASE_hook (the median of the per-chunk differences).
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ALG_KO_SRC=${1:?usage: run-guest.sh ALG_KO HOOKBENCH_KO}
HB_KO_SRC=${2:?usage: run-guest.sh ALG_KO HOOKBENCH_KO}

ROUNDS=${HOOKBENCH_ROUNDS:-5}
SCALE_ROUNDS=${HOOKBENCH_SCALE_ROUNDS:-2}
N=${HOOKBENCH_N:-64000}
NEW=${HOOKBENCH_NEW:-50000}
SIZES=${HOOKBENCH_SIZES:-1000 100000 1000000}
STACKS=${HOOKBENCH_STACKS:-alg kernel none}
PROFILE=${HOOKBENCH_PROFILE:-1}
PROFILE_N=${HOOKBENCH_PROFILE_N:-300000}
HASHSIZE=${HOOKBENCH_HASHSIZE:-1048576}
MAX=${HOOKBENCH_MAX:-1200000}
LEN=${HOOKBENCH_LEN:-64}
CHUNKS=${HOOKBENCH_CHUNKS:-32}
SW_CSUM=${HOOKBENCH_SW_CSUM:-0}
UDP_TIMEOUT=3600
NS=hookbench
NOMATCH_RULE="-A POSTROUTING -o lo -j MASQUERADE"
NAT_RULE="-A POSTROUTING -o gw_out -j MASQUERADE"
NF_MODS="iptable_nat xt_MASQUERADE nf_conntrack_netlink nf_nat nf_conntrack nf_defrag_ipv4 nf_defrag_ipv6"

# The same build in every round, even if the host rebuilds meanwhile.
ALG_KO=/tmp/hookbench-alg_conntrack.ko
HB_KO=/tmp/hookbench.ko
cp "$ALG_KO_SRC" "$ALG_KO" && cp "$HB_KO_SRC" "$HB_KO" || exit 1

emit() { echo "@@HB,$1,$2,$3,$4"; }
nsx() { ip netns exec "$NS" "$@"; }

# --- stacks ------------------------------------------------------------------

stack_load() {
	case $1 in
	alg)
		if grep -qE '^(nf_conntrack|nf_nat) ' /proc/modules; then
			log "ERROR: nf_conntrack/nf_nat still loaded"
			return 1
		fi
		modprobe -a nf_tables x_tables &&
			insmod "$ALG_KO" hashsize="$HASHSIZE" max="$MAX" || return 1
		# Nothing to track in the init namespace.
		sysctl -qw net.alg_conntrack.enable=0
		;;
	kernel)
		if grep -q '^alg_conntrack ' /proc/modules; then
			log "ERROR: alg_conntrack still loaded"
			return 1
		fi
		modprobe nf_conntrack hashsize="$HASHSIZE" &&
			sysctl -qw net.netfilter.nf_conntrack_max="$MAX" &&
			modprobe -a nf_nat iptable_nat xt_MASQUERADE nf_conntrack_netlink || return 1
		;;
	none) ;;
	esac
}

stack_unload() {
	case $1 in
	alg) rmmods 120 alg_conntrack ;;
	kernel)
		# shellcheck disable=SC2086
		rmmods 120 $NF_MODS
		;;
	none) ;;
	esac
}

# set_rule STACK RULE: the namespace's NAT rule set becomes this one rule.
set_rule() {
	case $1 in
	alg) printf '*nat\n%s\nCOMMIT\n' "$2" | nsx tee /proc/net/alg_nat > /dev/null ;;
	kernel)
		# shellcheck disable=SC2086
		nsx iptables-legacy -t nat -F && nsx iptables-legacy -t nat $2
		;;
	esac
}

ct_count() {
	case $1 in
	alg) nsx cat /proc/sys/net/alg_conntrack/count ;;
	kernel) nsx cat /proc/sys/net/netfilter/nf_conntrack_count ;;
	*) echo 0 ;;
	esac
}

topo_up() {
	ip netns del "$NS" 2>/dev/null
	wait_idle
	ip netns add "$NS" || return 1
	ip -n "$NS" -b - <<-EOF || return 1
	link add gw_in type dummy
	link add gw_out type dummy
	addr add 10.0.1.1/24 dev gw_in
	addr add 10.0.2.1/24 dev gw_out
	link set lo up
	link set gw_in up
	link set gw_out up
	EOF
	local sys="net.ipv4.ip_forward=1"
	case $1 in
	alg) sys="$sys net.alg_conntrack.udp_timeout=$UDP_TIMEOUT net.alg_conntrack.udp_timeout_stream=$UDP_TIMEOUT" ;;
	kernel) sys="$sys net.netfilter.nf_conntrack_udp_timeout=$UDP_TIMEOUT net.netfilter.nf_conntrack_udp_timeout_stream=$UDP_TIMEOUT" ;;
	esac
	# shellcheck disable=SC2086
	nsx sysctl -qw $sys
}

# --- measuring ---------------------------------------------------------------

# hb ARGS...: hookbench.ko in the namespace; its result lines in /tmp/hb.out.
hb() {
	dmesg -C
	nsx insmod "$HB_KO" in=gw_in out=gw_out n="$N" len="$LEN" \
		chunks="$CHUNKS" sw_csum="$SW_CSUM" "$@" 2> /tmp/hb.err
	dmesg | sed 's/^\[[ 0-9.]*\] //' | grep -v -e 'taints kernel' -e 'module verification failed' > /tmp/hb.out
	grep -v '^hookbench: result' /tmp/hb.out | grep -v '^hookbench: done' | sed 's/^/  dmesg: /'
	if ! grep -q '^hookbench: done' /tmp/hb.out; then
		log "ERROR: hookbench $* did not finish: $(cat /tmp/hb.err)"
		return 1
	fi
}

# parse CASE: CASE's result line into F[key]=value (no exec: under TCG
# every process costs a tenth of a second or more).
declare -A F
parse() {
	local line kv
	F=()
	while read -r line; do
		case $line in "hookbench: result case=$1 "*) break ;; esac
		line=
	done < /tmp/hb.out
	[ -n "$line" ] || return 1
	for kv in $line; do
		case $kv in *=*) F[${kv%%=*}]=${kv#*=} ;; esac
	done
}

# record ROUND STACK CASE METRIC [POST]: emit CASE's ns per packet as METRIC
# after checking the packets' fate; POST is the client address:port the
# server must see (NAT or not).
record() {
	local r=$1 s=$2 c=$3 metric=$4 want_post=${5:-} k bad='' hooks=1
	if ! parse "$c"; then
		log "ERROR: no result for $c"
		emit "$r" "$s" "problem_$metric" missing
		return 1
	fi
	case $c in floor_*) hooks=0 ;; esac
	[ "${F[accept]}" = "${F[n]}" ] || bad="$bad accepted=${F[accept]}/${F[n]}"
	for k in drop stolen local noroute nomem bad; do
		[ "${F[$k]}" = 0 ] || bad="$bad $k=${F[$k]}"
	done
	[ "${F[setup]}" = ok ] || bad="$bad setup=failed"
	# Every packet through a tracker's PRE_ROUTING must come out with a
	# connection attached (for nf_conntrack: the namespace is tracked).
	if [ "$s" != none ] && [ $hooks = 1 ]; then
		[ "${F[ct]}" = "${F[n]}" ] || bad="$bad ct=${F[ct]}/${F[n]}"
	else
		[ "${F[ct]}" = 0 ] || bad="$bad ct=${F[ct]}"
	fi
	if [ -n "$want_post" ] && [ "${F[post]}" != "$want_post" ]; then
		bad="$bad post=${F[post]},wanted=$want_post"
	fi
	# Paired (udp, tcp, new): a floor chunk ran before each chunk.
	if [ "${F[floor]}" != 0 ] && [ "${F[floor_accept]}" != "${F[n]}" ]; then
		bad="$bad floor_accepted=${F[floor_accept]}/${F[n]}"
	fi
	local paired=''
	[ "${F[floor]}" = 0 ] || paired="; paired floor ${F[floor]}, hooks ${F[hook]}"
	log "$s $metric: ${F[ns]} ns/packet (median of chunks; mean ${F[mean]}, chunks ${F[min]}-${F[max]}$paired), n=${F[n]}${bad:+; PROBLEM:$bad}"
	emit "$r" "$s" "$metric" "${F[ns]}"
	if [ "${F[floor]}" != 0 ]; then
		emit "$r" "$s" "${metric}_floor" "${F[floor]}"
		emit "$r" "$s" "${metric}_hook" "${F[hook]}"
	fi
	[ -z "$bad" ] || emit "$r" "$s" "problem_$metric" "${bad# }"
}

# flush ROUND STACK LABEL: time `conntrack -F` over the table, then over
# the empty table (the command's own cost and the walk of the empty
# buckets; the faster of two), and emit the difference per entry. Under
# TCG on a busy host the command alone scatters by a second: only a big
# table gives a figure.
flush() {
	local r=$1 s=$2 l=$3 cnt t0 t1 left base=0 i d per
	cnt=$(ct_count "$s")
	t0=$(now_ns)
	nsx conntrack -F > /dev/null 2>&1
	t1=$(now_ns)
	left=$(ct_count "$s")
	for i in 1 2; do
		d=$(now_ns)
		nsx conntrack -F > /dev/null 2>&1
		d=$(( $(now_ns) - d ))
		[ $base = 0 ] || [ "$d" -lt $base ] && base=$d
	done
	per=$(( ((t1 - t0) - base) / (cnt > 0 ? cnt : 1) ))
	log "$s flush_$l: $cnt entries in $(( (t1 - t0) / 1000000 )) ms, empty table $(( base / 1000000 )) ms: $per ns/entry; $left left"
	emit "$r" "$s" "flush_$l" "$per"
	emit "$r" "$s" "flushms_$l" $(( (t1 - t0) / 1000000 ))
	[ "$left" = 0 ] || emit "$r" "$s" "problem_flush_$l" "left=$left"
}

# clear ROUND STACK LABEL WANT: the table must hold at least WANT entries
# (the new flows were confirmed); empty it for what comes next.
clear_table() {
	local r=$1 s=$2 l=$3 want=$4 cnt t0
	cnt=$(ct_count "$s")
	if [ "$cnt" -lt "$want" ]; then
		log "ERROR: $s $l: $cnt entries, wanted at least $want"
		emit "$r" "$s" "problem_new_$l" "count=$cnt;wanted>=$want"
	fi
	t0=$(now_ns)
	nsx conntrack -F > /dev/null 2>&1
	log "$s $l: $cnt entries flushed in $(( ($(now_ns) - t0) / 1000000 )) ms (conntrack -F; not a measurement), $(ct_count "$s") left"
}

# --- one stack, one round ----------------------------------------------------

run_stack() {
	local r=$1 s=$2 size filled k t0
	log "=== round $r/$ROUNDS: $s"
	if ! stack_load "$s"; then
		emit "$r" "$s" load_failed 1
		stack_unload "$s"
		return
	fi
	topo_up "$s" || { log "ERROR: topology"; emit "$r" "$s" topo_failed 1; }
	# Every insmod costs seconds under TCG: one per phase.
	[ "$s" = none ] || set_rule "$s" "$NOMATCH_RULE" || emit "$r" "$s" problem_rule nomatch
	if hb cases=floor_udp,floor_tcp,floor_new,udp,tcp,new sport=40000 base=0 new_n="$NEW"; then
		record "$r" "$s" floor_udp floor_udp
		record "$r" "$s" floor_tcp floor_tcp
		record "$r" "$s" floor_new floor_new
		record "$r" "$s" udp udp_nonat 10.0.1.2:40000
		record "$r" "$s" tcp tcp_nonat 10.0.1.2:40001
		record "$r" "$s" new new_nonat
		if [ "$s" = none ]; then
			# Empty hooks: NAT or not makes no difference.
			record "$r" "$s" udp udp_nat 10.0.1.2:40000
			record "$r" "$s" tcp tcp_nat 10.0.1.2:40001
			record "$r" "$s" new new_nat
		fi
	fi
	if [ "$s" != none ]; then
		clear_table "$r" "$s" nonat "$NEW"
		set_rule "$s" "$NAT_RULE" || emit "$r" "$s" problem_rule nat
		# MASQUERADE keeps the client's port when it is free, as here.
		if hb cases=udp,tcp,new sport=41000 base=0 new_n="$NEW"; then
			record "$r" "$s" udp udp_nat 10.0.2.1:41000
			record "$r" "$s" tcp tcp_nat 10.0.2.1:41001
			record "$r" "$s" new new_nat
		fi
		clear_table "$r" "$s" nat "$NEW"
	fi
	if [ "$s" != none ] && [ "$r" -le "$SCALE_ROUNDS" ]; then
		filled=0
		k=0
		for size in $SIZES; do
			[ "$size" -gt "$filled" ] || continue
			t0=$(now_ns)
			# The new entries first, then the flow measured among them.
			hb cases=fill,udp new_n=$((size - filled)) base="$filled" \
				sport=$((42000 + k)) || break
			record "$r" "$s" fill "fill_$size"
			log "$s fill to $size and measure: $(( ($(now_ns) - t0) / 1000000 )) ms"
			filled=$size
			if [ "$(ct_count "$s")" -lt "$size" ]; then
				log "ERROR: $s table has $(ct_count "$s") entries, wanted $size"
				emit "$r" "$s" "problem_udp_nat_$size" "count=$(ct_count "$s")"
			fi
			record "$r" "$s" udp "udp_nat_$size" "10.0.2.1:$((42000 + k))"
			k=$((k + 1))
		done
		[ "$filled" -gt 0 ] && flush "$r" "$s" "nat_$filled"
	fi
	t0=$(now_ns)
	ip netns del "$NS"
	stack_unload "$s"
	log "$s: namespace and modules gone in $(( ($(now_ns) - t0) / 1000000 )) ms"
}

# --- profile -----------------------------------------------------------------

# One whole-VM cpu-clock profile with call graphs (perf record -a -g) of
# alg's established UDP NAT loop; the top symbols by self time.
profile() {
	local pp i total
	command -v perf > /dev/null || { log "profile: no perf"; return; }
	stack_load alg || return
	topo_up alg
	set_rule alg "$NAT_RULE"
	echo 0 > /proc/sys/kernel/kptr_restrict
	echo -1 > /proc/sys/kernel/perf_event_paranoid
	rm -f /tmp/hb-perf.data
	perf record -q -e cpu-clock -a -g -o /tmp/hb-perf.data > /tmp/hb-perf.out 2>&1 &
	pp=$!
	for i in $(seq 1 100); do
		[ -s /tmp/hb-perf.data ] && break
		sleep 0.1
	done
	sleep 1
	# stay=1: the module's own functions are named in the report;
	# paired=0: no floor chunks in between to dilute the hooks' share.
	hb cases=udp sport=43000 n="$PROFILE_N" stay=1 paired=0
	kill -INT $pp 2>/dev/null
	wait $pp 2>/dev/null
	record 0 alg udp profile_udp_nat 10.0.2.1:43000
	echo "--- profile: alg, established UDP with MASQUERADE, $PROFILE_N packets; top symbols by self time, in percent of the samples in the loop ---"
	if [ -s /tmp/hb-perf.data ]; then
		# Only the samples taken inside the timed loop (hb_run_case on
		# the call chain; softirqs run there too), not the module
		# loading around it; the leaf function of each, in percent.
		perf script -i /tmp/hb-perf.data -F comm,ip,sym --comms insmod 2> /dev/null |
			awk 'BEGIN { RS = ""; FS = "\n" }
			{
				loop = 0
				for (i = 2; i <= NF; i++)
					if ($i ~ / hb_run_case([+ ]|$)/)
						loop = 1
				if (!loop)
					next
				split($2, f, " ")
				sub(/\+0x[0-9a-f]+$/, "", f[2])
				cnt[f[2]]++
				total++
			}
			END {
				for (s in cnt)
					printf "%d %s\n", cnt[s], s
				printf "%d TOTAL\n", total
			}' | sort -rn > /tmp/hb-prof.txt
		total=$(awk '$2 == "TOTAL" { print $1 }' /tmp/hb-prof.txt)
		if [ "${total:-0}" -gt 0 ]; then
			awk -v t="$total" '$2 != "TOTAL" && n < 15 { n++; printf "@@PROF %6.2f%% %s\n", 100 * $1 / t, $2 }' /tmp/hb-prof.txt
			echo "@@PROF ($total samples in the loop; all alg_* functions together: $(awk -v t="$total" '$2 ~ /^alg_/ { a += $1 } END { printf "%.1f%%", 100 * a / t }' /tmp/hb-prof.txt) self time)"
		else
			echo "@@PROF no samples in the loop; perf: $(cat /tmp/hb-perf.out)"
		fi
	else
		echo "@@PROF perf recorded nothing: $(cat /tmp/hb-perf.out)"
	fi
	rmmod hookbench 2>/dev/null
	ip netns del "$NS"
	stack_unload alg
	rm -f /tmp/hb-perf.data
}

# --- main --------------------------------------------------------------------

modprobe dummy numdummies=0 || exit 1
dmesg -n 1 2>/dev/null
log "kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)"
log "alg_conntrack.ko md5 $(md5sum < "$ALG_KO" | cut -c1-12), hookbench.ko md5 $(md5sum < "$HB_KO" | cut -c1-12)"
log "rounds=$ROUNDS scale_rounds=$SCALE_ROUNDS n=$N new=$NEW sizes='$SIZES' stacks='$STACKS' len=$LEN chunks=$CHUNKS sw_csum=$SW_CSUM hashsize=$HASHSIZE max=$MAX"
emit 0 all config_rounds "$ROUNDS"
emit 0 all config_n "$N"
emit 0 all config_new "$NEW"
emit 0 all config_scale_rounds "$SCALE_ROUNDS"
emit 0 all config_chunks "$CHUNKS"
trap 'ip netns del "$NS" 2>/dev/null' EXIT

read -r -a stack_list <<< "$STACKS"
nstacks=${#stack_list[@]}
start=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
	for i in $(seq 0 $((nstacks - 1))); do
		# Rotate the order each round so that drift hits every stack alike.
		run_stack "$r" "${stack_list[$(( (i + r - 1) % nstacks ))]}"
	done
done
log "rounds done in $(( $(date +%s) - start )) s"
if [ "$PROFILE" = 1 ] && [[ " $STACKS " == *" alg "* ]]; then
	profile
fi
log "all done in $(( $(date +%s) - start )) s"
