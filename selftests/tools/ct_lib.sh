# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2034 # LINE, CT_* are results for the tests
# Helpers for the conntrack selftests (10-15), sourced after lib.sh.
#
# Under TCG every fork costs 50-200 ms, so the helpers that tests poll with
# fork nothing: /proc/net of a namespace is read through /proc/PID/net of a
# process pinned in it, clocks come from $EPOCHREALTIME, sleeps from read -t.
#
#   ct_topo                     topo_3 plus the server's route back (no NAT)
#   ct_pin NS                   keep a process in NS (for fork-free reads)
#   ct_dump NS                  print /proc/net/alg_conntrack of NS
#   ct_find NS WORD...          find the first entry holding every WORD:
#                               sets LINE, CT_PROTO ("udp 17"), CT_TIMEOUT,
#                               CT_STATE; fails if there is none
#   ct_find_in FILE NS WORD...  the same in /proc/net/FILE (nf_conntrack's
#                               has the same columns)
#   ct_count NS WORD...         number of entries holding every WORD
#   ct_stat NS COLUMN           print a /proc/net/stat/alg_conntrack column,
#                               summed over the CPUs (ct_stat_get: sets CT_STAT)
#   stat_above NS COLUMN N      that sum is > N
#   ct_get NS KEY / ct_set NS KEY VALUE   net.alg_conntrack.KEY
#   wait_for, msleep, tick, now_ms: lib.sh
#   ipt NS ARGS...              iptables-legacy (filter table only) in NS
#   drv_start / drv CMD... / drv_val / drv_stop    the pkt.py driver
#   in_range V LO HI            LO < V <= HI (integers)
#   has WORD TEXT / lacks WORD TEXT

PKT="$SELFTEST_DIR/tools/pkt.py"
declare -A CT_PIN=()
LINE=
CT_TIMEOUT=
CT_STATE=
CT_STAT=

ct_topo() { topo_3 route-back; }

ct_pin() {
	# Not through nsx: $! must be ip itself, which execs sleep. Its output
	# is not ours: a $(...) would wait for it to close.
	ip netns exec "$(ns "$1")" sleep 100000 < /dev/null > /dev/null 2>&1 &
	CT_PIN[$1]=$!
	disown
	wait_for 10 ct_pinned "$1"
}

# The pinned process is in NS (ip entered it; it may not have exec'd yet).
ct_pinned() {
	[ -n "${CT_PIN[$1]:-}" ] && [ "/proc/${CT_PIN[$1]}/ns/net" -ef "/run/netns/${NS_PREFIX}_$1" ]
}

# ct_read NS FILE: the lines of /proc/net/FILE of NS into CT_OUT.
ct_read() {
	local s
	CT_OUT=()
	if [ -n "${CT_PIN[$1]:-}" ]; then
		mapfile -t CT_OUT < "/proc/${CT_PIN[$1]}/net/$2"
	else
		s=$(nsx "$1" cat "/proc/net/$2") || return 1
		[ -z "$s" ] || mapfile -t CT_OUT <<< "$s"
	fi
}

ct_dump() {
	ct_read "$1" alg_conntrack || return 1
	[ ${#CT_OUT[@]} -eq 0 ] || printf '%s\n' "${CT_OUT[@]}"
}

# ct_match LINE WORD...: LINE holds every WORD.
ct_match() {
	local l=$1 w
	shift
	for w in "$@"; do [[ $l == *"$w"* ]] || return 1; done
}

ct_find() { ct_find_in alg_conntrack "$@"; }

ct_find_in() {
	local file=$1 n=$2 l
	local -a f
	shift 2
	LINE=
	CT_TIMEOUT=
	CT_STATE=
	ct_read "$n" "$file" || return 1
	for l in "${CT_OUT[@]}"; do
		if ct_match "$l" "$@"; then
			LINE=$l
			read -r -a f <<< "$l"
			CT_PROTO="${f[2]} ${f[3]}"
			CT_TIMEOUT=${f[4]}
			CT_STATE=${f[5]}
			return 0
		fi
	done
	return 1
}

ct_count() {
	local n=$1 l c=0
	shift
	ct_read "$n" alg_conntrack || return 1
	for l in "${CT_OUT[@]}"; do ct_match "$l" "$@" && c=$((c + 1)); done
	echo $c
}

ct_stat_get() {
	local i col=-1 first=1 l
	local -a f
	CT_STAT=0
	ct_read "$1" stat/alg_conntrack || return 1
	for l in "${CT_OUT[@]}"; do
		read -r -a f <<< "$l"
		if [ $first = 1 ]; then
			first=0
			for i in "${!f[@]}"; do [ "${f[$i]}" = "$2" ] && col=$i; done
			[ "$col" -ge 0 ] || return 1
			continue
		fi
		CT_STAT=$((CT_STAT + 16#${f[$col]}))
	done
}
ct_stat() { ct_stat_get "$1" "$2" && echo "$CT_STAT"; }
stat_above() { ct_stat_get "$1" "$2" && [ "$CT_STAT" -gt "$3" ]; }

ct_get() { nsx "$1" sysctl -n "net.alg_conntrack.$2"; }
ct_set() { nsx "$1" sysctl -qw "net.alg_conntrack.$2=$3"; }

ipt() { local n=$1; shift; nsx "$n" iptables-legacy -w "$@"; }

in_range() {
	[[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt "$2" ] && [ "$1" -le "$3" ]
}

has() { [[ $2 == *"$1"* ]]; }
lacks() { [[ $2 != *"$1"* ]]; }

# The connection driver of pkt.py as a coproc: drv CMD leaves the reply in
# DRV_REPLY and succeeds if it starts with "ok".
drv_start() {
	coproc DRV { exec python3 -B "$PKT" drive --client-ns "$(ns client)" \
		--server-ns "$(ns server)" 2>&1; }
	DRV_PID_SAVED=$DRV_PID
}

DRV_REPLY=
drv() {
	DRV_REPLY=
	[ -n "${DRV_PID_SAVED:-}" ] || { diag "driver not running"; return 1; }
	echo "$*" >&"${DRV[1]}" || return 1
	read -r -t 30 DRV_REPLY <&"${DRV[0]}" || { DRV_REPLY="no reply"; return 1; }
	[[ $DRV_REPLY == ok* ]] || { diag "drv $*: $DRV_REPLY"; return 1; }
}

# The first word of the last reply after "ok".
drv_val() { local -a w; read -r -a w <<< "$DRV_REPLY"; echo "${w[1]}"; }

drv_stop() {
	[ -n "${DRV_PID_SAVED:-}" ] || return 0
	kill "$DRV_PID_SAVED" 2>/dev/null
	wait "$DRV_PID_SAVED" 2>/dev/null
	DRV_PID_SAVED=
}
