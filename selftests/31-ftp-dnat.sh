#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# FTP to a server behind destination NAT. vsftpd sits inside (10.0.1.2,
# default route via the gateway) and announces its inside address (no
# pasv_address); the client outside (10.0.2.2) has no route to the inside
# and dials the gateway's 10.0.2.1:
#  - DNAT of port 21: PASV, EPSV, PORT and EPRT downloads (1 MiB, compared)
#    and uploads; the client got 227 naming 10.0.2.1, vsftpd got the
#    client's own PORT/EPRT; data connections have master=, the control
#    connection helper=ftp; active data connections leave the gateway
#    from 10.0.2.1;
#  - outside port 2121 DNAT to inside 21: the helper comes from the port
#    after DNAT (helper_auto=1); with helper_auto=0 no helper, and passive
#    mode fails (negative control) until "-j CT --helper ftp" for 2121;
#  - both at once, five namespaces: client 10.0.1.2 -- gwA (MASQUERADE to
#    10.0.3.1) -- transit (routes 10.0.3.0/24 and 10.0.4.0/24 only) -- gwB
#    (DNAT 10.0.4.1:21 to 10.0.5.2) -- server 10.0.5.2: all four modes;
#  - module parameter ports=: with the default, active mode to a server on
#    port 2121 through MASQUERADE fails; reloaded with ports=21,2121 it
#    works and the control connection has helper=ftp.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ftp_lib.sh"
ftp_setup vsftpd lftp ss cmp

Q='[0-9]+'
MODES="pasv epsv port eprt"

ftp_ns srv gw cli || { ktap_not_ok "namespaces"; ktap_finish; }
ftp_link srv veth_s 10.0.1.2/24 gw gw_in 10.0.1.1/24
ftp_link gw gw_out 10.0.2.1/24 cli veth_c 10.0.2.2/24
nsx srv ip route add default via 10.0.1.1
ftp_router gw
check "vsftpd listening inside on 10.0.1.2:21" ftp_vsftpd srv 10.0.1.2
SRVLOG=$FTP_TMP/vsftpd.srv.log
PUB=$FTP_TMP/root.srv/pub
mkdata "$PUB/down.bin" 1024
chmod 644 "$PUB/down.bin"
mkdata "$FTP_TMP/up.bin" 1024

check "no rule: the inside server is unreachable from outside" \
	not nsx cli timeout 2 bash -c 'echo > /dev/tcp/10.0.2.1/21' 2>/dev/null

# dnat_session LABEL HOST:PORT MODE SRVSEEN: download + upload in one
# session through the DNAT gateway "gw"; SRVSEEN is the client address
# vsftpd sees.
dnat_session() {
	local label="$1 $3" hp=$2 mode=$3 seen=$4 f=$FTP_TMP/got up ports p line
	local pub=${hp%%:*}
	up=$PUB/up.$1.$3
	: > "$SRVLOG"
	check "$label: download + upload complete" \
		ftp_xfer cli "$hp" "$mode" "get pub/down.bin $f" "put $FTP_TMP/up.bin pub/up.$1.$3"
	diag "$label: $(ftp_announces | tr '\n' ' ')"
	check "$label: 1 MiB download identical" cmp -s "$f" "$PUB/down.bin"
	check "$label: 1 MiB upload identical on the server" cmp -s "$FTP_TMP/up.bin" "$up"
	rm -f "$f" "$up"
	case $mode in
	pasv) check_eq "$label: both 227 replies rewritten to name $pub" \
		"$(ftp_announce_count "\(${pub//./,},$Q,$Q\)")" 2 ;;
	epsv) check_eq "$label: both 229 replies reach the client" \
		"$(ftp_announce_count "\(\|\|\|$Q\|\)")" 2 ;;
	port) check_eq "$label: vsftpd got both PORTs from $seen naming $seen" \
		"$(grep -E -c "Client \"$seen\", \"PORT ${seen//./,},$Q,$Q\"" "$SRVLOG")" 2 ;;
	eprt) check_eq "$label: vsftpd got both EPRTs from $seen naming $seen" \
		"$(grep -E -c "Client \"$seen\", \"EPRT \|1\|${seen//./\\.}\|$Q\|\"" "$SRVLOG")" 2 ;;
	esac
	mapfile -t ports <<< "$(ftp_data_ports)"
	ct_snap gw
	for p in "${ports[@]}"; do
		case $mode in
		pasv | epsv)
			line=$(ct_snap_lines gw "^ipv4 +2 tcp .* src=10.0.2.2 dst=$pub sport=$Q dport=$p src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=$Q .*master=10.0.2.2:$Q-$pub:${hp#*:} ") ;;
		port | eprt)
			line=$(ct_snap_lines gw "^ipv4 +2 tcp .* src=10.0.1.2 dst=10.0.2.2 sport=20 dport=$p src=10.0.2.2 dst=$pub sport=$p dport=20 .*master=10.0.2.2:$Q-$pub:${hp#*:} ") ;;
		esac
		check "$label: data connection (port $p) translated, with master=" test -n "$line"
	done
}

### DNAT of port 21
check "DNAT rule for port 21" \
	ftp_nat gw "-A PREROUTING -i gw_out -p tcp --dport 21 -j DNAT --to-destination 10.0.1.2"
for mode in $MODES; do dnat_session DNAT21 10.0.2.1:21 "$mode" 10.0.2.2; done
check "DNAT21: control connections carry helper=ftp" \
	ct_has gw "src=10.0.2.2 dst=10.0.2.1 sport=$Q dport=21 src=10.0.1.2 dst=10.0.2.2 sport=21 dport=$Q .*helper=ftp "
check "DNAT21: no expectation left over" exp_none gw

### outside 2121 -> inside 21, helper by the port after DNAT
check "DNAT rule 2121 -> 10.0.1.2:21" ftp_nat gw "-F PREROUTING" \
	"-A PREROUTING -i gw_out -p tcp --dport 2121 -j DNAT --to-destination 10.0.1.2:21"
for mode in pasv port; do dnat_session DNAT2121 10.0.2.1:2121 "$mode" 10.0.2.2; done
check "DNAT2121: control connection 2121 -> 21 carries helper=ftp (helper_auto after DNAT)" \
	ct_has gw "src=10.0.2.2 dst=10.0.2.1 sport=$Q dport=2121 src=10.0.1.2 dst=10.0.2.2 sport=21 dport=$Q .*helper=ftp "

### helper_auto=0: no helper without a rule, then with CT --helper
check "helper_auto=0" nsx gw sysctl -qw net.alg_conntrack.helper_auto=0
nsx cli timeout 30 python3 "$FTP_TOOL" client --host 10.0.2.1 --port 2121 \
	--mode pasv --op "ls pub" --timeout 5 > "$FTP_OUT" 2> "$FTP_LOG"
rc=$?
check "helper_auto=0, no rule: passive LIST fails (227 names the unreachable 10.0.1.2)" \
	eval '[ $rc -ne 0 ] && grep -q "^REPLY 227 .*(10,0,1,2," "$FTP_LOG"'
check "helper_auto=0, no rule: the control connection has no helper" \
	ct_has gw "src=10.0.2.2 dst=10.0.2.1 sport=$Q dport=2121 .* mark=0 use="
check "CT --helper ftp rule for port 2121" \
	ftp_nat gw "-A PREROUTING -p tcp --dport 2121 -j CT --helper ftp"
for mode in pasv port; do dnat_session CT2121 10.0.2.1:2121 "$mode" 10.0.2.2; done
check "CT2121: control connection carries helper=ftp from the rule" \
	ct_has gw "src=10.0.2.2 dst=10.0.2.1 sport=$Q dport=2121 .*helper=ftp "
nsx gw sysctl -qw net.alg_conntrack.helper_auto=1

### SNAT on gateway A and DNAT on gateway B
ftp_ns c gwa tr gwb s || { ktap_not_ok "namespaces (5)"; ktap_finish; }
ftp_link c veth_c 10.0.1.2/24 gwa a_in 10.0.1.1/24
ftp_link gwa a_out 10.0.3.1/24 tr t_a 10.0.3.2/24
ftp_link tr t_b 10.0.4.2/24 gwb b_out 10.0.4.1/24
ftp_link gwb b_in 10.0.5.1/24 s veth_s 10.0.5.2/24
nsx c ip route add default via 10.0.1.1
nsx gwa ip route add default via 10.0.3.2
nsx gwb ip route add default via 10.0.4.2
nsx s ip route add default via 10.0.5.1
for n in gwa tr gwb; do ftp_router $n; done
check "gwA MASQUERADE, gwB DNAT 10.0.4.1:21 -> 10.0.5.2" eval '
	ftp_nat gwa "-A POSTROUTING -o a_out -j MASQUERADE" &&
	ftp_nat gwb "-A PREROUTING -i b_out -p tcp --dport 21 -j DNAT --to-destination 10.0.5.2"'
check "vsftpd listening on 10.0.5.2:21" ftp_vsftpd s 10.0.5.2
SRVLOG=$FTP_TMP/vsftpd.s.log
PUB=$FTP_TMP/root.s/pub
mkdata "$PUB/down.bin" 1024
chmod 644 "$PUB/down.bin"
for mode in $MODES; do
	f=$FTP_TMP/got
	up=$PUB/up.$mode
	: > "$SRVLOG"
	check "SNAT+DNAT $mode: download + upload complete" \
		ftp_xfer c 10.0.4.1 "$mode" "get pub/down.bin $f" "put $FTP_TMP/up.bin pub/up.$mode"
	diag "SNAT+DNAT $mode: $(ftp_announces | tr '\n' ' ')"
	check "SNAT+DNAT $mode: download identical" cmp -s "$f" "$PUB/down.bin"
	check "SNAT+DNAT $mode: upload identical" cmp -s "$FTP_TMP/up.bin" "$up"
	case $mode in
	pasv) check_eq "SNAT+DNAT pasv: the client got 227 naming gwB's 10.0.4.1" \
		"$(ftp_announce_count "\(10,0,4,1,$Q,$Q\)")" 2 ;;
	port) check_eq "SNAT+DNAT port: vsftpd got PORT from gwA's 10.0.3.1 naming 10.0.3.1" \
		"$(grep -E -c "Client \"10.0.3.1\", \"PORT 10,0,3,1,$Q,$Q\"" "$SRVLOG")" 2 ;;
	eprt) check_eq "SNAT+DNAT eprt: vsftpd got EPRT from gwA's 10.0.3.1 naming 10.0.3.1" \
		"$(grep -E -c "Client \"10.0.3.1\", \"EPRT \|1\|10\.0\.3\.1\|$Q\|\"" "$SRVLOG")" 2 ;;
	esac
	rm -f "$f" "$up"
done
check "SNAT+DNAT: gwA control connection translated to 10.0.3.1, helper=ftp" \
	ct_has gwa "src=10.0.1.2 dst=10.0.4.1 sport=$Q dport=21 src=10.0.4.1 dst=10.0.3.1 sport=21 dport=$Q .*helper=ftp "
check "SNAT+DNAT: gwB control connection translated to 10.0.5.2, helper=ftp" \
	ct_has gwb "src=10.0.3.1 dst=10.0.4.1 sport=$Q dport=21 src=10.0.5.2 dst=10.0.3.1 sport=21 dport=$Q .*helper=ftp "
check_eq "SNAT+DNAT: gwA data connections have master= (8)" \
	"$(ct_lines gwa "master=10.0.1.2:$Q-10.0.4.1:21 " | wc -l)" 8
check_eq "SNAT+DNAT: gwB data connections have master= (8)" \
	"$(ct_lines gwb "master=10.0.3.1:$Q-10.0.4.1:21 " | wc -l)" 8
check_eq "SNAT+DNAT: the transit router (no NAT) also related them (8)" \
	"$(ct_lines tr "master=10.0.3.1:$Q-10.0.4.1:21 " | wc -l)" 8
for n in gwa tr gwb; do check "SNAT+DNAT: no expectation left over in $n" exp_none $n; done
ns_cleanup
BG_PID=()

### module parameter ports=: vsftpd on 2121 outside, client behind MASQUERADE
topo_3 || { ktap_not_ok "topology (3)"; ktap_finish; }
ftp_nat gw "-A POSTROUTING -o gw_out -j MASQUERADE"
check "vsftpd listening on 10.0.2.2:2121" ftp_vsftpd server 10.0.2.2 2121
mkdata "$FTP_TMP/root.server/pub/down.bin" 256
chmod 644 "$FTP_TMP/root.server/pub/down.bin"
check "ports=21 (default): active mode to port 2121 fails (PORT not rewritten)" \
	not ftp_xfer client 10.0.2.2:2121 port "ls pub"
check "reload with ports=21,2121" eval 'mod_unload && insmod "$MODULE" ports=21,2121'
check_eq "the parameter reads back" "$(cat /sys/module/alg_conntrack/parameters/ports)" "21,2121"
ftp_nat gw "-A POSTROUTING -o gw_out -j MASQUERADE"
check "ports=21,2121: active ls and download on port 2121 work" \
	eval 'ftp_xfer client 10.0.2.2:2121 port "ls pub" "get pub/down.bin $FTP_TMP/got" &&
		grep -q down.bin "$FTP_OUT" && cmp -s "$FTP_TMP/got" "$FTP_TMP/root.server/pub/down.bin"'
check "ports=21,2121: the control connection to 2121 has helper=ftp" \
	ct_has gw "src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=2121 .*helper=ftp "

ktap_finish
