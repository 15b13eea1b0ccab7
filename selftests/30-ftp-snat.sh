#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# FTP through source NAT (topo_3: the client behind the gateway, vsftpd
# outside; the server has no route back, so every data connection needs the
# ALG):
#  - MASQUERADE: PASV, EPSV, PORT and EPRT downloads and uploads of a 3 MiB
#    random file (contents compared), "ls" in each mode; the gateway's
#    table shows helper=ftp on each control connection and master= (that
#    control connection) on each data connection; the server received
#    PORT/EPRT with the translated address; while a data connection is
#    announced, exactly its expectation is pending, and it is used up by it;
#  - SNAT --to-source 10.0.2.100 (longer than 10.0.1.2, so every PORT/EPRT
#    rewrite changes the payload length and the rest of the control
#    connection rides on sequence adjustment): the same transfers.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ftp_lib.sh"
ftp_setup vsftpd lftp ss cmp

Q='[0-9]+'
MODES="pasv epsv port eprt"

topo_3 || { ktap_not_ok "topology"; ktap_finish; }
check "vsftpd listening on 10.0.2.2:21" ftp_vsftpd server 10.0.2.2
SRVLOG=$FTP_TMP/vsftpd.server.log
mkdata "$FTP_TMP/root.server/pub/down.bin" 3072
chmod 644 "$FTP_TMP/root.server/pub/down.bin"
mkdata "$FTP_TMP/up.bin" 3072

# Without NAT nothing comes back: the test depends on the translation.
check "no NAT rule: the server is unreachable" \
	not nsx client timeout 2 bash -c 'echo > /dev/tcp/10.0.2.2/21' 2>/dev/null

# check_data_conn LABEL MODE SEEN PORT: the data connection with that
# announced port is in the gateway's table, with master= its control
# connection, which has helper=ftp.
check_data_conn() {
	local label=$1 mode=$2 seen=$3 port=$4 line cport
	case $mode in
	pasv | epsv)
		line=$(ct_snap_lines gw "^ipv4 +2 tcp .* src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=$port src=10.0.2.2 dst=$seen sport=$port dport=$Q ") ;;
	port | eprt)
		line=$(ct_snap_lines gw "^ipv4 +2 tcp .* src=10.0.2.2 dst=$seen sport=20 dport=$Q src=10.0.1.2 dst=10.0.2.2 sport=$port dport=20 ") ;;
	esac
	cport=
	[[ $line =~ \ master=10\.0\.1\.2:([0-9]+)-10\.0\.2\.2:21\  ]] && cport=${BASH_REMATCH[1]}
	if [ -z "$cport" ]; then
		ktap_not_ok "$label: data connection (port ${port:-?}) has master= its control connection"
		diag "data connection entry: '$line'"
		sed 's/^/# /' "$FTP_TMP/ct.gw"
		return
	fi
	ktap_ok "$label: data connection (port $port) has master=10.0.1.2:$cport-10.0.2.2:21"
	check "$label: control connection 10.0.1.2:$cport -> :21 translated to $seen, helper=ftp" \
		ct_snap_has gw "^ipv4 +2 tcp .* src=10.0.1.2 dst=10.0.2.2 sport=$cport dport=21 src=10.0.2.2 dst=$seen sport=21 dport=$cport .*helper=ftp "
}

# check_rewrite LABEL MODE SEEN: what the server got (active modes) or what
# the client got (passive modes), for every announcement of the session.
check_rewrite() {
	local label=$1 mode=$2 seen=$3 n
	n=$(ftp_announce_count .)
	case $mode in
	pasv) check_eq "$label: the client got 227 naming the server 10.0.2.2 ($n times)" \
		"$(ftp_announce_count "\(10,0,2,2,$Q,$Q\)")" "$n" ;;
	epsv) check_eq "$label: the client got 229 (|||port|) ($n times)" \
		"$(ftp_announce_count "\(\|\|\|$Q\|\)")" "$n" ;;
	port) check_eq "$label: vsftpd got PORT from $seen naming $seen ($n times)" \
		"$(grep -E -c "Client \"$seen\", \"PORT ${seen//./,},$Q,$Q\"" "$SRVLOG")" "$n" ;;
	eprt) check_eq "$label: vsftpd got EPRT from $seen naming $seen ($n times)" \
		"$(grep -E -c "Client \"$seen\", \"EPRT \|1\|${seen//./\\.}\|$Q\|\"" "$SRVLOG")" "$n" ;;
	esac
}

# run_mode LABEL SEEN MODE WITH_LS: one session: get, put (and ls) of the
# 3 MiB file; everything compared and checked in the gateway's table.
run_mode() {
	local label="$1 $3" seen=$2 mode=$3 with_ls=$4 f=$FTP_TMP/got up t0 ports i
	local ops=("get pub/down.bin $f" "put $FTP_TMP/up.bin pub/up.$1.$3")
	local what=("download" "upload" "ls")
	up=$FTP_TMP/root.server/pub/up.$1.$3
	[ "$with_ls" = 1 ] && ops+=("ls pub")
	: > "$SRVLOG"
	t0=$(now_ms)
	check "$label: session with ${#ops[@]} data connections completes" \
		ftp_xfer client 10.0.2.2 "$mode" "${ops[@]}"
	diag "$label: $(since "$t0") s; $(ftp_announces | tr '\n' ' ')"
	check "$label: 3 MiB download, contents identical" \
		cmp -s "$f" "$FTP_TMP/root.server/pub/down.bin"
	check "$label: 3 MiB upload, contents identical on the server" \
		cmp -s "$FTP_TMP/up.bin" "$up"
	[ "$with_ls" = 1 ] && check "$label: ls lists the directory" \
		grep -q "down.bin" "$FTP_OUT"
	check_rewrite "$label" "$mode" "$seen"
	mapfile -t ports <<< "$(ftp_data_ports)"
	ct_snap gw
	for i in "${!ports[@]}"; do
		check_data_conn "$label ${what[$i]}" "$mode" "$seen" "${ports[$i]}"
	done
	rm -f "$f" "$up"
}

# check_pending SEEN: one ftplib session lists the directory in each mode,
# reading the gateway's expectations right after each announcement: exactly
# the one for that data connection is pending, and it is used up by it.
check_pending() {
	local seen=$1 mode ports k want
	local ops=()
	for mode in $MODES; do ops+=("$mode:ls pub"); done
	FTP_PY=1 FTP_GW_NS=gw ftp_xfer client 10.0.2.2 pasv "${ops[@]}"
	check_eq "MASQ ftplib: ls in 4 modes lists the directory 4 times" \
		"$(grep -c 'down.bin' "$FTP_OUT")" 4
	mapfile -t ports <<< "$(ftp_data_ports)"
	k=0
	for mode in $MODES; do
		k=$((k + 1))
		case $mode in
		pasv | epsv) want="EXPECT src=10.0.1.2 dst=10.0.2.2 dport=${ports[$((k - 1))]:-}" ;;
		port | eprt) want="EXPECT src=10.0.2.2 dst=$seen dport=${ports[$((k - 1))]:-}" ;;
		esac
		check_eq "MASQ ftplib $mode: exactly its expectation pending after the announcement" \
			"$(awk -v k=$k '/^ANNOUNCE /{n++} n == k && /^EXPECT /' "$FTP_LOG" | tr '\n' ' ' | sed 's/ $//')" \
			"$want"
	done
	check "MASQ ftplib: the expectations were used up by the data connections" \
		exp_none gw
}

### MASQUERADE
check "MASQUERADE rule" ftp_nat gw "-A POSTROUTING -o gw_out -j MASQUERADE"
create0=$(stat_sum gw expect_create)
for mode in $MODES; do run_mode MASQ 10.0.2.1 "$mode" 1; done
check_pending 10.0.2.1
check "MASQ: expect_create counted the 16 announcements" \
	test "$(( $(stat_sum gw expect_create) - create0 ))" -ge 16
check "MASQ: every expectation was used (expect_new = expect_create)" \
	test "$(stat_sum gw expect_new)" = "$(stat_sum gw expect_create)"
check "MASQ: no expectation left over" exp_none gw

### SNAT to a longer address: the rewrites change the payload length
nsx gw ip addr add 10.0.2.100/24 dev gw_out
check "SNAT --to-source 10.0.2.100 rule" ftp_nat gw "-F POSTROUTING" \
	"-A POSTROUTING -o gw_out -j SNAT --to-source 10.0.2.100"
for mode in $MODES; do run_mode SNAT 10.0.2.100 "$mode" 0; done
check "SNAT: no expectation left over" exp_none gw

ktap_finish
