#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# FTP under load through MASQUERADE (topo_3, vsftpd outside):
#  - 20 FTP sessions at once, five each in PASV, EPSV, PORT and EPRT, half
#    of them downloading, half uploading a 1 MiB random file of their own:
#    every file arrives intact; the gateway related 20 data connections to
#    20 control connections and used up every expectation;
#  - one big PASV download (FTP_BIG_MIB, default 100 MiB), timed, compared;
#    its data connection has master=, and the control connection, idle
#    during the transfer, still answers QUIT afterwards.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ftp_lib.sh"
ftp_setup vsftpd lftp ss cmp

Q='[0-9]+'
N=20
BIG=${FTP_BIG_MIB:-100}

topo_3 || { ktap_not_ok "topology"; ktap_finish; }
check "vsftpd listening on 10.0.2.2:21" ftp_vsftpd server 10.0.2.2
PUB=$FTP_TMP/root.server/pub
check "MASQUERADE rule" ftp_nat gw "-A POSTROUTING -o gw_out -j MASQUERADE"

modes=(pasv epsv port eprt)
for ((i = 0; i < N; i++)); do
	mkdata "$FTP_TMP/f$i" 1024
	if ((i % 2)); then
		cp "$FTP_TMP/f$i" "$PUB/d$i"
		chmod 644 "$PUB/d$i"
	fi
done
create0=$(stat_sum gw expect_create)

### 20 at once
t0=$(now_ms)
pids=()
for ((i = 0; i < N; i++)); do
	mode=${modes[$((i % 4))]}
	if ((i % 2)); then
		op="get pub/d$i $FTP_TMP/got$i"
	else
		op="put $FTP_TMP/f$i pub/u$i"
	fi
	(
		FTP_LOG=$FTP_TMP/log$i FTP_OUT=$FTP_TMP/out$i
		ftp_xfer client 10.0.2.2 "$mode" "$op" > "$FTP_TMP/diag$i"
	) &
	pids+=($!)
done
fails=0
for ((i = 0; i < N; i++)); do
	wait "${pids[$i]}" || { fails=$((fails + 1)); diag "session $i (${modes[$((i % 4))]}): $(cat "$FTP_TMP/diag$i")"; }
done
diag "$N concurrent sessions took $(since "$t0") s"
check_eq "$N concurrent sessions (5 per mode) all completed" "$fails" 0
bad=0
for ((i = 0; i < N; i++)); do
	if ((i % 2)); then
		cmp -s "$FTP_TMP/f$i" "$FTP_TMP/got$i" || { bad=$((bad + 1)); diag "download $i (${modes[$((i % 4))]}) differs"; }
	else
		cmp -s "$FTP_TMP/f$i" "$PUB/u$i" || { bad=$((bad + 1)); diag "upload $i (${modes[$((i % 4))]}) differs"; }
	fi
done
check_eq "all $N files intact (10 downloads, 10 uploads)" "$bad" 0
ct_snap gw
check_eq "the gateway related $N data connections to control connections" \
	"$(ct_snap_count gw "master=10.0.1.2:$Q-10.0.2.2:21 ")" "$N"
check_eq "... to $N different control connections" \
	"$(ct_snap_lines gw "master=10.0.1.2:$Q-10.0.2.2:21 " | sed -E 's/.* master=([^ ]+) .*/\1/' | sort -u | wc -l)" "$N"
# Each data connection's master had the helper (it expected the data
# connection); the control connections still listed must show it. (One
# that a client closed by RST may already be gone: CLOSE lasts 10 s.)
nall=$(ct_snap_count gw "src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=21 ")
nctl=$(ct_snap_count gw "src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=21 src=10.0.2.2 dst=10.0.2.1 sport=21 dport=$Q .*helper=ftp ")
check "all $nall control connections listed have helper=ftp" \
	test "$nall" -gt 0 -a "$nctl" = "$nall"
[ "$nall" = "$N" ] || ct_snap_lines gw "dport=21 " | sed 's/^/#   /'
check_eq "expect_create counted $N announcements" \
	"$(( $(stat_sum gw expect_create) - create0 ))" "$N"
check "every expectation was used (expect_new = expect_create)" \
	test "$(stat_sum gw expect_new)" = "$(stat_sum gw expect_create)"
check "no expectation left over" exp_none gw
rm -f "$FTP_TMP"/f* "$FTP_TMP"/got* "$PUB"/u* "$PUB"/d*

### one big transfer
mkdata "$PUB/big" $((BIG * 1024))
chmod 644 "$PUB/big"
t0=$(now_ms)
check "$BIG MiB PASV download completes" \
	ftp_xfer client 10.0.2.2 pasv "get pub/big $FTP_TMP/big"
secs=$(since "$t0")
ms=$(( $(now_ms) - t0 ))
diag "$BIG MiB PASV download through MASQUERADE took $secs s ($(( BIG * 1024 * 1000 / (ms > 0 ? ms : 1) )) KiB/s)"
check "$BIG MiB download identical" cmp -s "$PUB/big" "$FTP_TMP/big"
port=$(ftp_data_ports)
check "$BIG MiB: the data connection had master= its control connection" \
	ct_has gw "src=10.0.1.2 dst=10.0.2.2 sport=$Q dport=$port .*master=10.0.1.2:$Q-10.0.2.2:21 "
check "$BIG MiB: the control connection outlived the transfer (QUIT answered)" \
	grep -q "^<--- 221" "$FTP_LOG"
rm -f "$PUB/big" "$FTP_TMP/big"

ktap_finish
