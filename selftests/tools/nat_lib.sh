# SPDX-License-Identifier: GPL-2.0
# Helpers for the NAT selftests (20-24), sourced after lib.sh.
#
#   nat_setup TOOLS...         skip unless the module and TOOLS are there;
#                              temp dir $NAT_TMP (guest /tmp), cleanup trap,
#                              module loaded
#   ns_pin NS... / ns_unpin    a process kept in each NS, so that NS's
#                              /proc/net files are reached as /proc/PID/net
#                              (nsproc NS FILE) with no process per access;
#                              the helpers below use it when NS is pinned
#   nat_wr NS LINE...          write each LINE (own write) to /proc/net/alg_nat
#                              of NS through one open file; prints per write
#                              "ok" / errno name; fails if any write failed
#   nat_w NS LINE...           the same, quiet unless a write failed
#   ntool NS ARGS...           nat_tool.py ARGS in NS (python3 -S: no site
#                              packages, starts in 0.2 s instead of 1 s)
#   nat_rules NS               the rule set without the [pkts:bytes] counters
#                              and the :CHAIN ACCEPT policy lines
#   nat_raw NS                 the rule set as read
#   nat_pkts NS TEXT / nat_bytes NS TEXT   counters of the first rule
#                              containing TEXT
#   ct_tuples NS               /proc/net/alg_conntrack of NS as lines
#                              "PROTO [STATE] ORIG-TUPLE -> REPLY-TUPLE"
#                              ([UNREPLIED], [ASSURED], mark, use dropped)
#   ct_count NS ERE            how many ct_tuples lines match ERE
#   ct_has NS ERE              some ct_tuples line matches ERE
#   wait_for SECS CMD...       lib.sh
#   between V LO HI            LO <= V <= HI (integers)
#   listening NS PORT [udp]    a socket is bound to PORT in NS
#   bg, bg_ready, bg_kill, bg_killall, mkdata: lib.sh (output in $NAT_TMP)
#   bg_wait NAME [SECS]        wait for it to end (default 30 s, then kill);
#                              returns its exit status
#   xfer_sha SNS PORT CNS DST DPORT FILE
#                              socat FILE over TCP from CNS to DST:DPORT, to a
#                              socat in SNS listening on PORT; succeeds if the
#                              sha256 of what SNS wrote equals FILE's
#   xfer_down SNS PORT CNS DST DPORT FILE
#                              the other way: a socat in SNS listening on PORT
#                              sends FILE to CNS, which connects to DST:DPORT;
#                              succeeds if CNS got FILE intact
#   dmesg_mark / dmesg_new     kernel log lines since the mark
#
# NAT_TIMING=1 in the environment adds the seconds since the start to every
# result line (scripts/vm-run env NAT_TIMING=1 selftests/run.sh 2x-...).

NAT_TOOL="$SELFTEST_DIR/tools/nat_tool.py"
NAT_TMP=

nat_setup() {
	[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
	need ip python3 "$@"
	NAT_TMP=$(mktemp -d /tmp/alg_nat.XXXXXX) || skip_all "no temp dir"
	BG_DIR=$NAT_TMP
	# as trap_cleanup, with our own processes ended (and reaped) first
	trap 'bg_killall; ns_unpin; ns_cleanup; mod_unload; rm -rf "$NAT_TMP"' EXIT
	mod_load || { echo "1..0 # insmod failed"; exit $KSFT_FAIL; }
}

# ns_pin NAME...: a sleeping process in each namespace, so that its
# /proc/PID/net/ files can be read and written from here without an
# `ip netns exec` per access (that costs about a second under a busy TCG).
declare -A NS_PID
ns_pin() {
	local n pid
	for n in "$@"; do
		ip netns exec "$(ns "$n")" sleep 1000000 &
		pid=$!
		wait_for 10 test "/proc/$pid/ns/net" -ef "/run/netns/$(ns "$n")" || return 1
		NS_PID[$n]=$pid
	done
}

ns_unpin() {
	local n
	for n in "${!NS_PID[@]}"; do
		kill "${NS_PID[$n]}" 2>/dev/null
		wait "${NS_PID[$n]}" 2>/dev/null
		unset "NS_PID[$n]"
	done
}

# nsproc NS FILE: path of /proc/net/FILE as NS sees it (pinned NS only)
nsproc() { echo "/proc/${NS_PID[$1]}/net/$2"; }

nat_wr() {
	local n=$1 p=${NS_PID[$1]:-} l fd e rc=0
	shift
	if [ -z "$p" ]; then
		printf '%s\n' "$@" | nsx "$n" python3 -S "$NAT_TOOL" wr --each-line /proc/net/alg_nat
		return
	fi
	exec {fd}>"/proc/$p/net/alg_nat" || return 1
	for l in "$@"; do
		if printf '%s\n' "$l" >&"$fd" 2>"$NAT_TMP/werr"; then
			echo ok
			continue
		fi
		rc=1
		read -r e < "$NAT_TMP/werr"
		case $e in
		*"Invalid argument") echo EINVAL ;;
		*"No such file or directory") echo ENOENT ;;
		*"No space left on device") echo ENOSPC ;;
		*"Cannot allocate memory") echo ENOMEM ;;
		*) echo "$e" ;;
		esac
	done
	exec {fd}>&-
	return $rc
}

nat_w() {
	local out
	out=$(nat_wr "$@") && return 0
	diag "writing to /proc/net/alg_nat:" $out
	return 1
}

ntool() { nsx "$1" python3 -S "$NAT_TOOL" "${@:2}"; }

nat_rules() {
	local l
	local -a a
	if [ -n "${NS_PID[$1]:-}" ]; then
		mapfile -t a < "/proc/${NS_PID[$1]}/net/alg_nat" || return 1
		for l in "${a[@]}"; do
			[[ $l == :* ]] || printf '%s\n' "${l#\[*\] }"
		done
	else
		nsx "$1" cat /proc/net/alg_nat | sed -E '/^:/d; s/^\[[0-9]+:[0-9]+\] //'
	fi
}

nat_raw() {
	if [ -n "${NS_PID[$1]:-}" ]; then
		cat "/proc/${NS_PID[$1]}/net/alg_nat"
	else
		nsx "$1" cat /proc/net/alg_nat
	fi
}

nat_counter() {
	local l raw
	local -a a
	raw=$(nat_raw "$1") || return 1
	mapfile -t a <<< "$raw"
	for l in "${a[@]}"; do
		[[ $l == *"$2"* ]] || continue
		[[ $l =~ ^\[([0-9]+):([0-9]+)\]\  ]] && echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
		return 0
	done
	return 1
}
nat_pkts() { local c; c=$(nat_counter "$1" "$2") && echo "${c% *}"; }
nat_bytes() { local c; c=$(nat_counter "$1" "$2") && echo "${c#* }"; }

# ct_awk NS MODE ERE: the ct_tuples lines, MODE print: all of them,
# count: how many match ERE, has: exit 0 if one does (one process)
ct_awk() {
	local f=/proc/net/alg_conntrack
	local -a pre=(nsx "$1")
	if [ -n "${NS_PID[$1]:-}" ]; then
		f="/proc/${NS_PID[$1]}/net/alg_conntrack"
		pre=()
	fi
	"${pre[@]}" awk -v mode="$2" -v re="${3:-}" '{
		k = 0; o = ""; r = ""
		for (i = 6; i <= NF; i++) {
			if ($i ~ /^src=/) k++
			if ($i !~ /=/ || $i ~ /^(mark|use)=/) continue
			if (k == 1) o = o " " $i
			else if (k == 2) r = r " " $i
		}
		st = $3 == "tcp" ? " " $6 : ""
		line = $3 st o " ->" r
		if (mode == "print") print line
		else if (line ~ re) n++
	}
	END {
		if (mode == "count") print n + 0
		if (mode == "has") exit n ? 0 : 1
	}' "$f"
}

ct_tuples() { ct_awk "$1" print; }

ct_count() { ct_awk "$1" count "$2"; }
ct_has() { ct_awk "$1" has "$2"; }

between() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

listening() {
	if [ "${3:-tcp}" = udp ]; then
		nsx "$1" ss -Hlun "sport = :$2" | grep -q .
	else
		nsx "$1" ss -Hltn "sport = :$2" | grep -q .
	fi
}

# PID has exited (a zombie not yet reaped counts as gone)
pid_gone() {
	local st
	[ -e "/proc/$1/stat" ] || return 0
	st=$(sed -E 's/^.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

bg_wait() {
	local pid=${BG_PID[$1]:-} rc
	[ -n "$pid" ] || return 1
	if ! wait_for "${2:-30}" pid_gone "$pid"; then
		kill "$pid" 2>/dev/null
	fi
	wait "$pid"
	rc=$?
	unset "BG_PID[$1]"
	return $rc
}



xfer_sha() {
	local sns=$1 port=$2 cns=$3 dst=$4 dport=$5 f=$6
	local out="$NAT_TMP/recv.$port" pid rc=0 a b
	rm -f "$out"
	ip netns exec "$(ns "$sns")" timeout 45 socat -u "TCP4-LISTEN:$port,reuseaddr" \
		"OPEN:$out,creat,trunc" &
	pid=$!
	if ! wait_for 10 listening "$sns" "$port"; then
		diag "no listener on $sns:$port"
		kill "$pid" 2>/dev/null
		wait "$pid"
		return 1
	fi
	if ! timeout 40 ip netns exec "$(ns "$cns")" socat -u "OPEN:$f" \
		"TCP4:$dst:$dport"; then
		diag "socat to $dst:$dport failed"
		kill "$pid" 2>/dev/null
		rc=1
	fi
	# the receiver ends on the sender's FIN (or its 60 s timeout)
	wait "$pid" 2>/dev/null
	a=$(sha256sum < "$f" | cut -d' ' -f1)
	b=$(sha256sum < "$out" 2>/dev/null | cut -d' ' -f1)
	if [ "$a" != "$b" ]; then
		diag "sha256 mismatch: sent $a ($(stat -c %s "$f") bytes)," \
			"got $b ($(stat -c %s "$out" 2>/dev/null || echo 0) bytes)"
		rc=1
	fi
	return $rc
}

xfer_down() {
	local sns=$1 port=$2 cns=$3 dst=$4 dport=$5 f=$6
	local out="$NAT_TMP/down.$port" pid rc=0 a b
	rm -f "$out"
	ip netns exec "$(ns "$sns")" timeout 45 socat -u "OPEN:$f" "TCP4-LISTEN:$port,reuseaddr" &
	pid=$!
	if ! wait_for 10 listening "$sns" "$port"; then
		diag "no listener on $sns:$port"
		kill "$pid" 2>/dev/null
		wait "$pid"
		return 1
	fi
	if ! timeout 40 ip netns exec "$(ns "$cns")" socat -u "TCP4:$dst:$dport" \
		"OPEN:$out,creat,trunc"; then
		diag "socat from $dst:$dport failed"
		rc=1
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	a=$(sha256sum < "$f" | cut -d' ' -f1)
	b=$(sha256sum < "$out" 2>/dev/null | cut -d' ' -f1)
	if [ "$a" != "$b" ]; then
		diag "sha256 mismatch: sent $a ($(stat -c %s "$f") bytes)," \
			"got $b ($(stat -c %s "$out" 2>/dev/null || echo 0) bytes)"
		rc=1
	fi
	return $rc
}

dmesg_mark() { NAT_DMESG_LINES=$(dmesg | wc -l); }
dmesg_new() { dmesg | tail -n "+$((NAT_DMESG_LINES + 1))"; }

# NAT_TIMING=1: every result line says when it was reached
if [ -n "${NAT_TIMING:-}" ]; then
	ktap_ok() { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n - $* [${SECONDS}s]"; }
	ktap_not_ok() { ktap_n=$((ktap_n + 1)); ktap_fail=$((ktap_fail + 1)); echo "not ok $ktap_n - $* [${SECONDS}s]"; }
fi
