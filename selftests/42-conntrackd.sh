#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
# conntrackd (FTFW) keeps NATed connections alive when one gateway takes
# over from another, on alg_conntrack and then, in the same boot, on
# nf_conntrack + nf_nat + nf_conntrack_netlink as the reference:
#
#   client --[lan bridge]-- gwa, gwb --[wan bridge]-- server
#                           gwa ==sync0== gwb
#
# Both gateways SNAT to 10.0.2.1 with --random ports, so a gateway that
# only picked a connection up mid-stream would give it another port and
# the server would reset it; and both run a stateful firewall (new
# connections only to the server's ports, else ESTABLISHED or RELATED).
# With gwa active: a TCP connection held open, a UDP flow, two FTP
# downloads, one passive and one active (the server's link is slow until
# the move), an FTP session with a PASV pending. Once gwb's conntrackd
# holds them (ExpectationSync: the expectation too), gwb commits its
# external cache into its table, gwa's ports go down and gwb takes the
# addresses (the virtual MACs stay: no ARP to redo), and each connection
# must go on: the TCP echo works, the server sees the UDP flow from the
# same address and port, the downloads complete intact without a second
# session, and the pending PASV's data connection, opened only now, is
# RELATED and lists. A TCP connection whose entry is deleted from gwb
# before the move is the negative control: it must die.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ftp_lib.sh"
need conntrackd conntrack iptables-legacy lftp vsftpd sha256sum tc
modprobe -n nf_conntrack_netlink 2> /dev/null || skip_all "no nf_conntrack_netlink for $(uname -r)"
ftp_setup vsftpd
trap 'drv_stop; bg_killall; ns_cleanup; mod_unload; wait_for 15 nfct_unload; rm -rf "$FTP_TMP"' EXIT
T=$FTP_TMP
declare -A R=()

matches() { [[ $1 =~ $2 ]]; }

# Two segments, each a bridge in its own namespace. The gateways' LAN and
# WAN ports carry the VRRP virtual MACs (keepalived's use_vmac), so the
# one that holds the addresses is the one the hosts' ARP caches point to;
# the backup keeps its ports down until it takes over.
VMAC_LAN=00:00:5e:00:01:01
VMAC_WAN=00:00:5e:00:01:02
topo() {
	local g
	ip -batch - <<-EOF || return 1
		netns add $(ns client)
		netns add $(ns lan)
		netns add $(ns gwa)
		netns add $(ns gwb)
		netns add $(ns wan)
		netns add $(ns server)
		link add veth_c netns $(ns client) type veth peer name pc netns $(ns lan)
		link add lan0 netns $(ns gwa) type veth peer name pa netns $(ns lan)
		link add lan0 netns $(ns gwb) type veth peer name pb netns $(ns lan)
		link add veth_s netns $(ns server) type veth peer name ps netns $(ns wan)
		link add wan0 netns $(ns gwa) type veth peer name pa netns $(ns wan)
		link add wan0 netns $(ns gwb) type veth peer name pb netns $(ns wan)
		link add sync0 netns $(ns gwa) type veth peer name sync0 netns $(ns gwb)
	EOF
	for g in lan wan; do
		ip -n "$(ns $g)" -batch - <<-EOF || return 1
			link add br0 type bridge
			link set br0 up
			link set pa master br0
			link set pb master br0
			link set pa up
			link set pb up
		EOF
	done
	ip -n "$(ns lan)" -batch - <<-EOF || return 1
		link set pc master br0
		link set pc up
	EOF
	ip -n "$(ns wan)" -batch - <<-EOF || return 1
		link set ps master br0
		link set ps up
	EOF
	ip -n "$(ns client)" -batch - <<-EOF || return 1
		link set lo up
		addr add 10.0.1.2/24 dev veth_c
		link set veth_c up
		route add default via 10.0.1.1
	EOF
	ip -n "$(ns server)" -batch - <<-EOF || return 1
		link set lo up
		addr add 10.0.2.2/24 dev veth_s
		link set veth_s up
	EOF
	for g in gwa gwb; do
		ip -n "$(ns $g)" -batch - <<-EOF || return 1
			link set lo up
			link set lan0 address $VMAC_LAN
			link set wan0 address $VMAC_WAN
			addr add 10.0.9.$([ $g = gwa ] && echo 1 || echo 2)/24 dev sync0
			link set sync0 up
		EOF
		nsx "$g" sysctl -qw net.ipv4.ip_forward=1 || return 1
	done
	gw_active gwa
}

# gw_active GW: GW takes the addresses and brings its ports up.
gw_active() {
	ip -n "$(ns "$1")" -batch - <<-EOF
		addr add 10.0.1.1/24 dev lan0
		addr add 10.0.2.1/24 dev wan0
		link set lan0 up
		link set wan0 up
	EOF
}

# conntrackd_conf GW SELF PEER
conntrackd_conf() {
	cat > "$T/cd.$1.conf" <<-EOF
	Sync {
		Options {
			ExpectationSync on
		}
		Mode FTFW {
			DisableExternalCache off
			CommitTimeout 300
			PurgeTimeout 5
		}
		UDP {
			IPv4_address $2
			IPv4_Destination_Address $3
			Port 3780
			Interface sync0
			Checksum on
		}
	}
	General {
		HashSize 8192
		HashLimit 65536
		LogFile $T/cd.$1.log
		Syslog off
		LockFile $T/cd.$1.lock
		UNIX {
			Path $T/cd.$1.ctl
		}
		NetlinkBufferSize 2097152
		NetlinkBufferSizeMaxGrowth 8388608
		Filter From Userspace {
			Address Ignore {
				IPv4_address 127.0.0.1
				IPv4_address 10.0.9.0/24
			}
		}
	}
	EOF
}

cd_run() { local g=$1; shift; nsx "$g" conntrackd -C "$T/cd.$g.conf" "$@"; }

# The NAT of both gateways, on whichever tracker runs.
nat_up() {
	local g
	for g in gwa gwb; do
		# A UDP flow outlives the time the test takes to fail over.
		if [ "$TR" = alg ]; then
			ct_set "$g" udp_timeout 300 || return 1
			ftp_nat "$g" -F \
				"-A POSTROUTING -o wan0 -p tcp -j SNAT --to-source 10.0.2.1:30000-39999 --random" \
				"-A POSTROUTING -o wan0 -p udp -j SNAT --to-source 10.0.2.1:30000-39999 --random" \
				"-A PREROUTING -i lan0 -p tcp --dport 21 -j CT --helper ftp" || return 1
		else
			nsx "$g" iptables-legacy -t nat -A POSTROUTING -o wan0 -p tcp \
				-j SNAT --to-source 10.0.2.1:30000-39999 --random &&
			nsx "$g" iptables-legacy -t nat -A POSTROUTING -o wan0 -p udp \
				-j SNAT --to-source 10.0.2.1:30000-39999 --random &&
			nsx "$g" iptables-legacy -t raw -A PREROUTING -i lan0 -p tcp --dport 21 \
				-j CT --helper ftp &&
			nsx "$g" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=300 || return 1
		fi
	done
}

# A stateful firewall on both: what is not ESTABLISHED or RELATED must be
# a connection to the server's services; an FTP data connection opened
# after the move passes only with the expectation conntrackd brought.
fw_up() {
	local g
	for g in gwa gwb; do
		ipt "$g" -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT &&
		ipt "$g" -A FORWARD -i lan0 -p tcp --dport 21 -j ACCEPT &&
		ipt "$g" -A FORWARD -i lan0 -p tcp --dport 5001 -j ACCEPT &&
		ipt "$g" -A FORWARD -i lan0 -p udp --dport 5002 -j ACCEPT &&
		ipt "$g" -A FORWARD -j DROP || return 1
	done
}

tracker_up() {
	if [ "$TR" = alg ]; then
		mod_load || return 1
	else
		mod_unload
		modprobe -a nf_conntrack_netlink nf_conntrack_ftp nf_nat_ftp iptable_nat \
			iptable_raw || return 1
	fi
	topo && nat_up && fw_up || return 1
	# The server's link is slow until the move, so the fail-over happens
	# inside the downloads: 200 kB/s for both, so that even one alone
	# would need 40 s; at full speed after the move they end at once.
	nsx server tc qdisc add dev veth_s root tbf rate 1600kbit burst 20kb \
		latency 500ms || return 1
	ftp_vsftpd server 10.0.2.2 21 pasv_min_port=30100 pasv_max_port=30109 || return 1
	conntrackd_conf gwa 10.0.9.1 10.0.9.2
	conntrackd_conf gwb 10.0.9.2 10.0.9.1
	bg cda gwa conntrackd -C "$T/cd.gwa.conf"
	bg cdb gwb conntrackd -C "$T/cd.gwb.conf"
	wait_for 30 eval "[ -S '$T/cd.gwa.ctl' ] && [ -S '$T/cd.gwb.ctl' ]" || return 1
	drv_start
}

tracker_down() {
	drv_stop
	bg_killall
	pkill -x vsftpd
	pkill -x conntrackd
	wait_for 10 not pgrep -x conntrackd
	ns_cleanup
	[ "$TR" = alg ] && mod_unload
	rm -f "$T"/cd.* "$T"/big.pasv "$T"/big.port "$T/vsftpd.server.log" "$T/pasv.ctl"
}

# in_external GW WORD...: gwb's external cache has an entry with every WORD.
in_external() {
	local g=$1 w l out
	shift
	out=$(cd_run "$g" -e 2> /dev/null) || return 1
	while IFS= read -r l; do
		for w in "$@"; do [[ $l == *"$w"* ]] || continue 2; done
		return 0
	done <<< "$out"
	return 1
}

# One run of the scenario; results in R[TR,...].
scenario() {
	local sp1 sp2 up sz m j
	check "$TR: two gateways, conntrackd on both" tracker_up || return
	drv listen 5001 && drv connect t1 10.0.2.2 5001 && sp1=$(drv_val) && drv echo t1
	check "$TR: TCP connection through gwa" [ -n "${sp1:-}" ]
	drv connect t2 10.0.2.2 5001 && sp2=$(drv_val) && drv echo t2
	drv udpecho u1 10.0.2.2 5002 && drv uagain u1 && up=${DRV_REPLY#ok }
	check "$TR: UDP flow through gwa (server sees 10.0.2.1:30000-39999)" \
		matches "${up:-}" '^10\.0\.2\.1:3[0-9]{4}$'

	bg pasv client python3 -S "$FTP_TOOL" hold --host 10.0.2.2 --cmd PASV --ctl "$T/pasv.ctl"
	check "$TR: an FTP session with a PASV pending" bg_ready pasv
	bg dl client lftp -d -u anonymous,test@ -e "$FTP_LFTP_BASE; set ftp:passive-mode on; set ftp:prefer-epsv no; get pub/big -o $T/big.pasv; bye" 10.0.2.2
	bg dla client lftp -d -u anonymous,test@ -e "$FTP_LFTP_BASE; set ftp:passive-mode off; get pub/big -o $T/big.port; bye" 10.0.2.2
	check "$TR: downloads running, passive and active" wait_for 30 eval \
		"[ \$(stat -c %s '$T/big.pasv' 2>/dev/null || echo 0) -gt 100000 ] &&
		 [ \$(stat -c %s '$T/big.port' 2>/dev/null || echo 0) -gt 100000 ]"

	check "$TR: gwb's conntrackd holds the connections" wait_for 30 eval \
		"in_external gwb 'sport=${sp1:-x} ' ESTABLISHED && in_external gwb 'sport=${sp2:-x} ' ESTABLISHED && in_external gwb udp 'dport=5002 ' && in_external gwb 'dport=21 ' && in_external gwb 'dport=3010' && in_external gwb 'sport=20 '"
	check "$TR: and the pending expectation" wait_for 30 eval \
		"cd_run gwb -e expect 2> /dev/null | grep -q 'dport=3010'"

	# gwb takes over, as keepalived's primary-backup.sh does it.
	check "$TR: gwb commits the external cache" cd_run gwb -c
	# conntrackd 1.4.7's -c logs "all external caches" yet left the
	# expectations out here, on both trackers: they get their own.
	check "$TR: and the expectations" cd_run gwb -c expect
	cd_run gwb -R > /dev/null 2>&1
	nsx gwb conntrack -L > "$T/gwb.$TR" 2>&1
	nsx gwb conntrack -L expect > "$T/gwbexp.$TR" 2>&1
	R[$TR,span]=
	for m in pasv port; do
		sz=$(stat -c %s "$T/big.$m" 2> /dev/null)
		R[$TR,span]+="$m $([ "${sz:-0}" -lt "$BIG_SIZE" ] && echo "still running" || echo "already done"); "
		diag "$TR: $m download at the move: ${sz:-0} of $BIG_SIZE bytes"
	done
	nsx gwb conntrack -D -p tcp --sport "${sp2:-1}" > /dev/null 2>&1
	# gwa fails: its ports go down; gwb takes the addresses.
	ip -n "$(ns gwa)" link set lan0 down &&
	ip -n "$(ns gwa)" link set wan0 down &&
	gw_active gwb
	check "$TR: gwb took the addresses" [ $? -eq 0 ]
	check "$TR: the server's link at full speed" nsx server tc qdisc del dev veth_s root

	drv echo t1 && R[$TR,tcp]="echo works" || R[$TR,tcp]="echo fails: $DRV_REPLY"
	echo list > "$T/pasv.ctl"
	wait_for 30 grep -q '^list' "$T/pasv.out"
	R[$TR,related]=$(grep -o '^list.*226\|^list: .*' "$T/pasv.out" | sed 's/ [0-9]* bytes//')
	[ -n "${R[$TR,related]}" ] || R[$TR,related]="no answer"
	drv echo t2 2 && R[$TR,t2]="echo works" || R[$TR,t2]="echo fails"
	drv uagain u1 && R[$TR,udp]=${DRV_REPLY#ok } || R[$TR,udp]="no answer"
	R[$TR,udp_same]=$([ "${R[$TR,udp]}" = "${up:-}" ] && echo same || echo "other: ${R[$TR,udp]} after ${up:-}")
	R[$TR,ftp]=
	for m in pasv port; do
		j=dl$([ $m = port ] && echo a)
		wait_for 60 eval '! kill -0 "${BG_PID[$j]}" 2> /dev/null'
		if wait "${BG_PID[$j]}"; then R[$TR,ftp]+="$m ok"; else R[$TR,ftp]+="$m failed"; fi
		unset "BG_PID[$j]"
		sz=$(sha256sum < "$T/big.$m" 2>/dev/null)
		[ "${sz%% *}" = "$BIG_SHA" ] && R[$TR,ftp]+=", intact; " || R[$TR,ftp]+=", damaged; "
	done
	R[$TR,sessions]=$(grep -c 'OK LOGIN' "$T/vsftpd.server.log")
	R[$TR,gwb]=$(grep -cE '^(tcp|udp) .* (dport=(5001|5002|21|3010[0-9])|sport=20) ' "$T/gwb.$TR")
	check_eq "$TR: held TCP connection goes on through gwb" "${R[$TR,tcp]}" "echo works"
	check_eq "$TR: the held PASV's data connection, opened after the move, is RELATED" \
		"${R[$TR,related]}" "listed: 150 Here comes the directory listing. / 226"
	check_eq "$TR: UDP flow keeps its address and port" "${R[$TR,udp_same]}" same
	check_eq "$TR: the downloads were still running at the move" "${R[$TR,span]}" \
		"pasv still running; port still running; "
	check_eq "$TR: the downloads complete, intact" "${R[$TR,ftp]}" \
		"pasv ok, intact; port ok, intact; "
	check_eq "$TR: three FTP sessions (two downloads, the held one)" "${R[$TR,sessions]}" 3
	check_eq "$TR: negative control, its entry deleted on gwb, dies" "${R[$TR,t2]}" "echo fails"
	[[ ${R[$TR,related]} == listed* ]] || {
		diag "gwb's expectations after the commit:"; sed 's/^/#   /' "$T/gwbexp.$TR"
		diag "gwb's external expectation cache:"; cd_run gwb -e expect | sed 's/^/#   /'
		diag "conntrackd log:"; sed 's/^/#   /' "$T/cd.gwb.log" | tail -n 20; }
	[ "${R[$TR,tcp]}" = "echo works" ] || { diag "gwb's table after the commit:"; sed 's/^/#   /' "$T/gwb.$TR"; diag "conntrackd log:"; sed 's/^/#   /' "$T/cd.gwb.log" | tail -n 20; }
	tracker_down
}

mkdir -p "$T/root.server/pub"
mkdata "$T/root.server/pub/big" 8000
BIG_SIZE=$((8000 * 1024))
BIG_SHA=$(sha256sum < "$T/root.server/pub/big")
BIG_SHA=${BIG_SHA%% *}
TR=alg scenario
TR=kernel scenario
for k in tcp t2 related udp_same span ftp sessions gwb; do
	check_eq "alg and the kernel alike: $k" "${R[alg,$k]:-}" "${R[kernel,$k]:-}"
done
ktap_finish
