#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
# FTP through a MASQUERADE gateway with the fast path on
# (net.alg_conntrack.fastpath=1): a 4 MiB download in passive and in active
# mode (the server's link slowed to 16 Mbit/s, so the data connection is
# seen in the middle of its stream) arrives intact; while it runs, its data
# connection is offloaded ([OFFLOAD] in /proc/net/alg_conntrack) and the
# fast path forwards its packets, while the control connection, which the
# FTP helper must read, never is. With SNAT to a longer address every
# PORT rewrite resizes the control stream (sequence adjustment): its
# control connection is not offloaded either, its data connections are.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ftp_lib.sh"
ftp_setup vsftpd lftp tc cmp

topo_3 || { ktap_not_ok "topology"; ktap_finish; }
check "vsftpd listening on 10.0.2.2:21" ftp_vsftpd server 10.0.2.2
mkdata "$FTP_TMP/root.server/pub/down.bin" 4096
chmod 644 "$FTP_TMP/root.server/pub/down.bin"
check "fastpath=1" nsx gw sysctl -qw net.alg_conntrack.fastpath=1
check "tbf on the server's link" nsx server tc qdisc add dev veth_s root tbf rate 16mbit burst 32k latency 400ms

# xfer_watch LABEL MODE: the download in the background; while it runs,
# a snapshot of the gateway's table with the data connection offloaded.
xfer_watch() {
	local label=$1 mode=$2 f0 pid
	f0=$(stat_sum gw fastpath)
	rm -f "$FTP_TMP/got.bin"
	ftp_xfer client 10.0.2.2 "$mode" "get pub/down.bin $FTP_TMP/got.bin" &
	pid=$!
	check "$label: data connection offloaded during the download" \
		wait_for 30 ct_has gw ' dport=(20|[0-9]{4,5}) .*\[OFFLOAD\]'
	ct_snap gw
	check "$label: control connection seen, helper=ftp" \
		ct_snap_has gw 'dport=21 .*helper=ftp '
	check "$label: control connection never offloaded" \
		not ct_snap_has gw 'dport=21 .*\[OFFLOAD\]'
	check "$label: download done" wait "$pid"
	check "$label: file intact" cmp -s "$FTP_TMP/root.server/pub/down.bin" "$FTP_TMP/got.bin"
	check "$label: the fast path forwarded its packets" \
		test "$(stat_sum gw fastpath)" -gt $((f0 + 100))
}

ftp_nat gw "-A POSTROUTING -o gw_out -j MASQUERADE"
xfer_watch "MASQUERADE, PASV" pasv
xfer_watch "MASQUERADE, PORT" port
ftp_nat gw "-F" "-A POSTROUTING -o gw_out -j SNAT --to-source 10.0.2.100"
nsx gw ip addr add 10.0.2.100/24 dev gw_out
xfer_watch "SNAT to a longer address, PORT" port
check "the resized control connection was not offloaded" \
	not ct_snap_has gw 'dport=21 .*\[OFFLOAD\]'
ktap_finish
