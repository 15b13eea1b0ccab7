# SPDX-License-Identifier: GPL-2.0
# Helpers for the FTP ALG selftests (30-34), sourced after lib.sh.
# Under TCG a fork costs 50-200 ms: what the tests call per check reads
# /proc through a process pinned in the namespace and matches in bash.
#
#   ftp_setup TOOLS...          skip unless the module and TOOLS are there;
#                               temp dir $FTP_TMP (guest /tmp), cleanup
#                               trap, module loaded (with $FTP_MOD_PARAMS)
#   ftp_vsftpd NS ADDR [PORT]   anonymous vsftpd in NS on ADDR:PORT (21),
#                               root $FTP_TMP/root.NS (pub/ writable), log
#                               of every command in $FTP_TMP/vsftpd.NS.log
#   ftp_xfer NS HOST[:PORT] MODE OP...
#                               one FTP session from NS doing each OP
#                               ("get REMOTE LOCAL", "put LOCAL REMOTE",
#                               "ls DIR"; "MODE:OP" with ftplib), MODE
#                               pasv|epsv|port|eprt (lftp
#                               does the first three, ftplib EPRT, which
#                               lftp only sends for IPv6; with FTP_PY=1
#                               ftplib does all); the client's debug output
#                               in $FTP_LOG, ls output in $FTP_OUT; fails
#                               unless each data connection was announced
#                               with MODE's command;
#                               with FTP_GW_NS=NS the ftplib client logs the
#                               expectations of NS right after announcing
#                               ("EXPECT src=A dst=B dport=P" in $FTP_LOG)
#   ftp_announces               the last ftp_xfer's announcements, a line
#                               each: the client's PORT/EPRT or the server's
#                               227/229 as the client sent / got it
#   ftp_announce_count ERE      how many of them match ERE
#   ftp_port_of LINE            the data port such a line names
#   ftp_data_ports              the ports of ftp_announces, in order
#   ftp_grep ERE LINE... / ftp_count ERE LINE...
#                               grep -E / grep -cE over the LINEs, no fork
#   ct_lines NS ERE             /proc/net/alg_conntrack lines matching ERE
#   ct_has NS ERE               some line matches
#   ct_snap NS                  take a copy of NS's table; ct_snap_lines,
#                               ct_snap_has and ct_snap_count NS ERE look
#                               at the copy
#   exp_lines NS / exp_count NS /proc/net/alg_conntrack_expect
#   stat_sum NS COLUMN          sum over CPUs of a /proc/net/stat/alg_conntrack
#                               column (by header name), decimal
#   wait_for, now_ms, msleep    ct_lib.sh (sourced here)
#   bg, bg_ready (10 s), bg_kill, bg_killall, mkdata: lib.sh (output in
#                               $FTP_TMP)
#   py_checks CMD...            run CMD (a ftp_tool.py scenario), turning
#                               its "CHECK 0|1 text" lines into subtests and
#                               "DIAG" lines into diagnostics
#   dmesg_mark / dmesg_new      kernel log lines since the mark
#   slab_line                   the alg_conntrack line of /proc/slabinfo
#   ftp_nat NS LINE...          write the rule lines to /proc/net/alg_nat of NS
#   not CMD...                  CMD fails (for check)
#   ftp_ns NAME... / ftp_link NS1 IF1 ADDR1 NS2 IF2 ADDR2 / ftp_router NS
#                               namespaces, a veth pair with addresses, forwarding
#   now_ms / since T0           milliseconds clock; seconds since T0 (1 dec.)

. "$SELFTEST_DIR/tools/ct_lib.sh"

FTP_TOOL="$SELFTEST_DIR/tools/ftp_tool.py"
FTP_TMP=
FTP_LOG=
FTP_OUT=
BG_READY_SECS=10

ftp_setup() {
	[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
	need ip python3 "$@"
	FTP_TMP=$(mktemp -d /tmp/alg_ftp.XXXXXX) || skip_all "no temp dir"
	BG_DIR=$FTP_TMP
	chmod 755 "$FTP_TMP"
	FTP_LOG=$FTP_TMP/client.log
	FTP_OUT=$FTP_TMP/client.out
	trap_cleanup 'bg_killall; mod_unload; rm -rf "$FTP_TMP"'
	# shellcheck disable=SC2086
	mod_load ${FTP_MOD_PARAMS:-} || { echo "1..0 # insmod failed"; exit $KSFT_FAIL; }
}

# ftp_vsftpd NS ADDR [PORT] [CONF-LINE...]
ftp_vsftpd() {
	local n=$1 addr=$2 port=${3:-21} root conf
	shift 3 2>/dev/null || shift $#
	root=$FTP_TMP/root.$n
	conf=$FTP_TMP/vsftpd.$n.conf
	mkdir -p "$root/pub" "$FTP_TMP/empty"
	chmod 755 "$root" "$FTP_TMP/empty"
	chmod 777 "$root/pub"
	cat > "$conf" <<-EOF
	listen=YES
	listen_ipv6=NO
	listen_address=$addr
	listen_port=$port
	anonymous_enable=YES
	local_enable=NO
	anon_root=$root
	write_enable=YES
	anon_upload_enable=YES
	anon_mkdir_write_enable=NO
	no_anon_password=YES
	seccomp_sandbox=NO
	secure_chroot_dir=$FTP_TMP/empty
	connect_from_port_20=YES
	pasv_enable=YES
	port_enable=YES
	background=NO
	max_clients=0
	max_per_ip=0
	idle_session_timeout=120
	data_connection_timeout=60
	xferlog_enable=YES
	xferlog_std_format=NO
	log_ftp_protocol=YES
	vsftpd_log_file=$FTP_TMP/vsftpd.$n.log
	EOF
	printf '%s\n' "$@" >> "$conf"
	nsx "$n" vsftpd "$conf" > "$FTP_TMP/vsftpd.$n.out" 2>&1 &
	BG_PID[vsftpd_$n]=$!
	wait_for 10 listening "$n" "$port"
}

listening() { nsx "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; }


# The lftp settings: one try, no silent change of mode, the PASV address
# used as the server sent it (so a missing rewrite fails).
FTP_LFTP_BASE="set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 60; set net:reconnect-interval-base 1; set ftp:auto-passive-mode no; set ftp:fix-pasv-address no; set ftp:ignore-pasv-address no; set cmd:fail-exit yes; set xfer:clobber yes"

# ftp_xfer NS HOST[:PORT] MODE OP...
ftp_xfer() {
	local n=$1 hp=$2 mode=$3 host port set script rc want op nops a b
	local -a cmd log
	shift 3
	host=${hp%%:*}
	port=21
	[ "$hp" = "$host" ] || port=${hp#*:}
	nops=0
	for op in "$@"; do
		case ${op#*:} in get* | put* | ls*) nops=$((nops + 1)) ;; esac
	done
	: > "$FTP_OUT"
	want=${mode^^}
	if [ "$mode" = eprt ] || [ -n "${FTP_PY:-}" ]; then
		cmd=()
		for op in "$@"; do cmd+=(--op "$op"); done
		[ -z "${FTP_GW_NS:-}" ] || cmd+=(--gw-ns "$(ns "$FTP_GW_NS")")
		nsx "$n" timeout 90 python3 "$FTP_TOOL" client --host "$host" \
			--port "$port" --mode "$mode" "${cmd[@]}" > "$FTP_OUT" 2> "$FTP_LOG"
		rc=$?
		[ $rc -eq 0 ] || { diag "python $mode $* failed (rc $rc): $(tail -n 3 "$FTP_LOG" | tr '\n' ' ')"; return 1; }
		mapfile -t log < "$FTP_LOG"
		[ "$(ftp_count '^ANNOUNCE ' "${log[@]}")" = "$nops" ] || return 1
		# "MODE:OP" ops: the caller checks the modes
		case "$*" in *:*) return 0 ;; esac
		[ "$(ftp_count "^ANNOUNCE $want" "${log[@]}")" = "$nops" ]
		return
	fi
	case $mode in
	pasv) set="set ftp:passive-mode on; set ftp:prefer-epsv no" ;;
	epsv) set="set ftp:passive-mode on; set ftp:prefer-epsv yes" ;;
	port) set="set ftp:passive-mode off" ;;
	*) return 2 ;;
	esac
	script=
	for op in "$@"; do
		case $op in
		get*) read -r _ a b <<< "$op"; script="$script get $a -o $b;" ;;
		put*) read -r _ a b <<< "$op"; script="$script put $a -o $b;" ;;
		*) script="$script $op;" ;;
		esac
	done
	nsx "$n" timeout 90 lftp -d -p "$port" -u anonymous,test@ \
		-e "$FTP_LFTP_BASE; $set; $script bye" "$host" > "$FTP_OUT" 2> "$FTP_LOG"
	rc=$?
	if [ $rc -ne 0 ]; then
		diag "lftp $mode $* failed (rc $rc): $(grep -E -e '--->|<---|rror|onnect' "$FTP_LOG" | tail -n 12 | tr '\n' ' ')"
		return 1
	fi
	# one announcement per data connection, all of the wanted kind
	mapfile -t log < "$FTP_LOG"
	if [ "$(ftp_count "^---> (PORT|EPRT|PASV|EPSV)" "${log[@]}")" = "$nops" ] &&
	   [ "$(ftp_count "^---> $want" "${log[@]}")" = "$nops" ]; then
		return 0
	fi
	diag "lftp $mode $* did not use $want alone: $(grep -E -e '---> (PORT|EPRT|PASV|EPSV)' "$FTP_LOG" | tr '\n' ' ')"
	grep -E -e '^(--->|<---|\*\*\*\*)' "$FTP_LOG" | tail -n 25 | sed 's/^/#   /'
	return 1
}

# ftp_grep ERE LINE...: the LINEs that match ERE, as grep -E prints them
# (and fails when none does), without a fork.
ftp_grep() {
	local re=$1 l rc=1
	shift
	for l; do [[ $l =~ $re ]] && { printf '%s\n' "$l"; rc=0; }; done
	return $rc
}

# ftp_count ERE LINE...: how many LINEs match ERE.
ftp_count() {
	local re=$1 l n=0
	shift
	for l; do [[ $l =~ $re ]] && n=$((n + 1)); done
	echo $n
}

# The announcements of the last ftp_xfer, one a line: the client's
# PORT/EPRT, or the server's 227/229 reply (ftp_announces_get: into
# FTP_ANN). ftp_announce_count ERE: how many of them match ERE.
FTP_ANNOUNCE_RE='^(---> |ANNOUNCE )(PORT|EPRT)|^(<--- |REPLY )(227|229)'
ftp_announces_get() {
	local -a log
	local l
	FTP_ANN=()
	mapfile -t log < "$FTP_LOG"
	for l in "${log[@]}"; do
		[[ $l =~ $FTP_ANNOUNCE_RE ]] && FTP_ANN+=("$l")
	done
	return 0
}
ftp_announces() {
	ftp_announces_get
	[ ${#FTP_ANN[@]} -eq 0 ] || printf '%s\n' "${FTP_ANN[@]}"
}
ftp_announce_count() { ftp_announces_get && ftp_count "$1" "${FTP_ANN[@]}"; }

# The data port an announcement line names. By the verb or reply code
# after the log prefix only: a 229 naming port 22707 contains "227".
ftp_port_of() {
	local l=${1#* } re
	case $l in
	PORT*) re=',([0-9]+),([0-9]+)[[:space:]]*$' ;;
	227*) re='\(([0-9]+,){3}[0-9]+,([0-9]+),([0-9]+)\)' ;;
	EPRT*) re='\|([0-9]+)\|[[:space:]]*$' ;;
	229*) re='\(\|\|\|([0-9]+)\|\)' ;;
	*) return 1 ;;
	esac
	[[ $l =~ $re ]] || return 1
	case $l in
	PORT*) echo $((10#${BASH_REMATCH[1]} * 256 + 10#${BASH_REMATCH[2]})) ;;
	227*) echo $((10#${BASH_REMATCH[2]} * 256 + 10#${BASH_REMATCH[3]})) ;;
	*) echo "${BASH_REMATCH[1]}" ;;
	esac
}

# Data ports of the last ftp_xfer, in order.
ftp_data_ports() {
	local l
	ftp_announces_get
	for l in "${FTP_ANN[@]}"; do ftp_port_of "$l"; done
}

# ftp_read NS FILE: /proc/net/FILE of NS into CT_OUT (ct_lib's ct_read),
# through a process pinned in NS on the first read from the test's own
# shell (a pin made in a $(...) would die with it): no fork per read. The
# pin keeps NS alive: tests delete such namespaces with ns_cleanup.
ftp_read() {
	if ! ct_pinned "$1"; then
		unset "CT_PIN[$1]"
		[ "$BASH_SUBSHELL" != 0 ] || ct_pin "$1" || unset "CT_PIN[$1]"
	fi
	ct_read "$1" "$2"
}

ct_lines() { ftp_read "$1" alg_conntrack && ftp_grep "$2" "${CT_OUT[@]}"; }
ct_has() { ct_lines "$@" > /dev/null; }
ct_snap() {
	ftp_read "$1" alg_conntrack || return 1
	FTP_SNAP=("${CT_OUT[@]}")
	printf '%s\n' "${FTP_SNAP[@]}" > "$FTP_TMP/ct.$1"
}
# The copy of the last ct_snap (NS is for the reader: one copy is kept).
ct_snap_lines() { ftp_grep "$2" "${FTP_SNAP[@]}"; }
ct_snap_has() { ct_snap_lines "$@" > /dev/null; }
ct_snap_count() { ftp_count "$2" "${FTP_SNAP[@]}"; }
exp_lines() {
	ftp_read "$1" alg_conntrack_expect || return 1
	[ ${#CT_OUT[@]} -eq 0 ] || printf '%s\n' "${CT_OUT[@]}"
}
exp_count() { ftp_read "$1" alg_conntrack_expect && echo ${#CT_OUT[@]}; }
exp_none() { ftp_read "$1" alg_conntrack_expect && [ ${#CT_OUT[@]} -eq 0 ]; }

stat_sum() {
	ftp_read "$1" stat/alg_conntrack && ct_stat_get "$1" "$2" && echo "$CT_STAT"
}

# py_checks CMD...: run a scenario of ftp_tool.py; each of its CHECK lines
# is a subtest. The scenario dying, or reporting no check at all, fails too.
py_checks() {
	local line rc n=0
	"$@" > "$FTP_TMP/py_checks.out" 2> "$FTP_TMP/py_checks.err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"CHECK 1 "*) ktap_ok "${line#CHECK 1 }"; n=$((n + 1)) ;;
		"CHECK 0 "*) ktap_not_ok "${line#CHECK 0 }"; n=$((n + 1)) ;;
		"DIAG "*) diag "${line#DIAG }" ;;
		*) diag "$line" ;;
		esac
	done < "$FTP_TMP/py_checks.out"
	if [ "$rc" != 0 ] || [ "$n" = 0 ]; then
		ktap_not_ok "scenario '$*' ran to its end (exit $rc, $n checks)"
		diag "$(tail -n 5 "$FTP_TMP/py_checks.err" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

DMESG_MARK=0
dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
dmesg_new() { dmesg | tail -n +"$((DMESG_MARK + 1))"; }

slab_line() { grep -E '^alg_conntrack ' /proc/slabinfo; }

ftp_nat() {
	local n=$1
	shift
	printf '%s\n' "$@" | nsx "$n" sh -c 'cat > /proc/net/alg_nat'
}

since() {
	local d=$(( $(now_ms) - $1 ))
	echo "$((d / 1000)).$((d % 1000 / 100))"
}

# ftp_ns NAME...: namespaces with lo up
ftp_ns() {
	local n
	for n in "$@"; do
		ip netns add "$(ns "$n")" && nsx "$n" ip link set lo up || return 1
	done
}

# ftp_link NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair, both ends up
ftp_link() {
	ip link add "$2" netns "$(ns "$1")" type veth peer name "$5" netns "$(ns "$4")" || return 1
	nsx "$1" ip addr add "$3" dev "$2" && nsx "$1" ip link set "$2" up &&
		nsx "$4" ip addr add "$6" dev "$5" && nsx "$4" ip link set "$5" up
}

# ftp_router NS: forwards
ftp_router() { nsx "$1" sysctl -qw net.ipv4.ip_forward=1; }
