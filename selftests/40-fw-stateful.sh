#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 480
# A stateful gateway with the tools users have, on alg_conntrack and, as
# the reference, on nf_conntrack + nf_nat in the same boot. One policy,
# written three times: an nft -f file, an iptables-nft-restore file and an
# iptables-legacy-restore file (-m state, -m conntrack, CONNMARK, mark):
#   FORWARD policy drop; established,related accept; invalid drop; LAN ->
#   WAN new accept (marked 0x1, the mark saved in ct mark); a DNAT'd port
#   forward accepted by its DNAT status; on the way back the packet mark is
#   restored from ct mark and sends the reply by a policy route.
# NAT is not under test: MASQUERADE out of gw_out and gw:8080 -> client:8080
# by /proc/net/alg_nat (alg) or iptables-legacy -t nat (the kernel). The
# FTP helper is attached by rule only: the nft policy's ct helper object, or
# the iptables files' raw-table CT --helper rule (xt_CT's, or alg's own).
# The cases, each with a verdict that must be the kernel's: LAN -> WAN TCP,
# UDP, ICMP; WAN -> LAN new TCP (dropped and counted); the port forward; FTP
# passive and active through the default-drop policy (data connections are
# RELATED); an ICMP port unreachable for a forwarded UDP flow (RELATED); a
# lone SYN/ACK and an out-of-window ACK (INVALID, dropped and counted); the
# ct mark restored on the replies. The table of cases x (alg, kernel) x
# (nft, iptables-nft, iptables-legacy) is printed. Also: each front end
# prints the policy back as its file has it, the same on both trackers; the
# FTP data connections count on a "related" rule; the restored mark is what
# routes the replies (an unreachable route waits for unmarked ones); a UDP
# flow made untracked by each front end's raw rule is dropped and has no
# entry; while rules use alg's matches they hold the module and rmmod
# refuses, and once they are gone nothing holds it; nft "ct bytes" is
# refused with a reason; nf_conntrack, nft_ct and the xt modules were never
# pulled in; with nf_conntrack loaded alg_conntrack still refuses to load.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ftp_lib.sh"
need nft iptables-nft-restore iptables-legacy-restore iptables-legacy-save
need iptables-nft-save modprobe
modprobe -n nf_conntrack 2> /dev/null || skip_all "no nf_conntrack module for $(uname -r)"
ftp_setup vsftpd lftp ss
KMODS="nf_nat_ftp nf_conntrack_ftp"
alg_rmmod() { rmmod alg_conntrack 2> /dev/null; }
trap 'drv_stop; bg_killall; ns_cleanup; mod_unload; wait_for 15 nfct_unload; rm -rf "$FTP_TMP"' EXIT

FRONTENDS="nft ipt-nft ipt-legacy"
CASES="tcp_out udp_out icmp_out wan_new portfwd ftp_pasv ftp_port icmp_error invalid mark_reply notrack"
declare -A WANT=(
	[tcp_out]=pass [udp_out]=pass [icmp_out]=pass
	[wan_new]="dropped, counted" [portfwd]=pass
	[ftp_pasv]="pass, data related" [ftp_port]="pass, data related" [icmp_error]="related (ECONNREFUSED)"
	[invalid]="2 dropped as invalid" [mark_reply]="mark restored"
	[notrack]="untracked, dropped, no entry"
)
declare -A V=()		# V[tracker,frontend,case] = verdict
declare -A SAVED=()	# the policy as the front end printed it back

policy_nft() {
	cat <<-'EOF'
	table inet fw {
		ct helper ftp-std {
			type "ftp" protocol tcp
			l3proto inet
		}

		chain prerouting {
			type filter hook prerouting priority mangle; policy accept;
			iifname "gw_out" meta mark set ct mark
			iifname "gw_in" tcp dport 21 ct helper set "ftp-std"
		}
		chain forward {
			type filter hook forward priority filter; policy drop;
			iifname "gw_out" meta mark 0x00000001 counter comment "markreply"
			ct state related counter comment "related"
			ct state established,related accept
			ct state invalid counter drop comment "invalid"
			iifname "gw_in" ct state new meta mark set 0x00000001 ct mark set meta mark accept
			ct status dnat accept
			counter comment "dropped"
		}
	}
	EOF
}

policy_ipt() {
	cat <<-'EOF'
	*raw
	:PREROUTING ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	-A PREROUTING -i gw_in -p tcp -m tcp --dport 21 -j CT --helper ftp
	COMMIT
	*mangle
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:FORWARD ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	-A PREROUTING -i gw_out -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff
	-A FORWARD -i gw_in -m conntrack --ctstate NEW -j MARK --set-xmark 0x1/0xffffffff
	-A FORWARD -i gw_in -m conntrack --ctstate NEW -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff
	COMMIT
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD DROP [0:0]
	:OUTPUT ACCEPT [0:0]
	-A FORWARD -i gw_out -m mark --mark 0x1 -m comment --comment markreply
	-A FORWARD -m conntrack --ctstate RELATED -m comment --comment related
	-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
	-A FORWARD -m conntrack --ctstate INVALID -m comment --comment invalid -j DROP
	-A FORWARD -i gw_in -m conntrack --ctstate NEW -j ACCEPT
	-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT
	-A FORWARD -m comment --comment dropped
	COMMIT
	EOF
}

# A rule set as sorted lines without indentation, blank lines and comments
# (iptables-nft-save orders its tables its own way).
normal() { sed -E 's/^[[:space:]]+//; /^$/d; /^#/d' | LC_ALL=C sort; }
policy_file() { case $1 in nft) policy_nft ;; *) policy_ipt ;; esac; }

# What a front end prints back, without counters and generation stamps.
policy_show() {
	case $1 in
	nft) nsx gw nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/' ;;
	ipt-nft) nsx gw iptables-nft-save 2> /dev/null | grep -v '^#' ;;
	ipt-legacy) nsx gw iptables-legacy-save -t raw | grep -v '^#'
		    nsx gw iptables-legacy-save -t mangle | grep -v '^#'
		    nsx gw iptables-legacy-save -t filter | grep -v '^#' ;;
	esac
}

policy_load() {
	case $1 in
	nft) policy_nft | nsx gw nft -f - ;;
	ipt-nft) policy_ipt | nsx gw iptables-nft-restore ;;
	ipt-legacy) policy_ipt | nsx gw iptables-legacy-restore ;;
	esac
}

# Back to no filtering; the kernel's NAT rules (legacy nat) stay, and so
# does its FTP helper rule (RAW_KEEP, the kernel's rounds).
RAW_KEEP=
policy_reset() {
	nsx gw nft flush ruleset
	nsx gw iptables-legacy-restore <<-EOF
	*raw
	:PREROUTING ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	$RAW_KEEP
	COMMIT
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	COMMIT
	*mangle
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:FORWARD ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	COMMIT
	EOF
}

# notrack_load FRONTEND PORT: UDP to PORT untracked by that front end's
# raw rule (nft notrack, -j CT --notrack); notrack_unload takes it away.
notrack_load() {
	case $1 in
	nft) nsx gw nft -f - <<-EOF ;;
		table ip raw_nt {
			chain pre {
				type filter hook prerouting priority raw; policy accept;
				udp dport $2 notrack
			}
		}
		EOF
	ipt-nft) nsx gw iptables-nft -t raw -A PREROUTING -p udp --dport "$2" -j CT --notrack ;;
	ipt-legacy) nsx gw iptables-legacy -t raw -I PREROUTING -p udp --dport "$2" -j CT --notrack ;;
	esac
}
notrack_unload() {
	case $1 in
	nft) nsx gw nft delete table ip raw_nt ;;
	ipt-nft) nsx gw iptables-nft -t raw -F PREROUTING ;;
	ipt-legacy) nsx gw iptables-legacy -t raw -D PREROUTING 1 ;;
	esac
}

# counter FRONTEND NAME: packets counted by the rule with that comment.
counter() {
	local l
	case $1 in
	nft) l=$(nsx gw nft list ruleset | grep "comment \"$2\"")
	     [[ $l =~ packets\ ([0-9]+) ]] ;;
	ipt-nft) l=$(nsx gw iptables-nft-save -c -t filter 2> /dev/null | grep -- "--comment $2")
		 [[ $l =~ ^\[([0-9]+): ]] ;;
	ipt-legacy) l=$(nsx gw iptables-legacy-save -c -t filter | grep -- "--comment $2")
		    [[ $l =~ ^\[([0-9]+): ]] ;;
	esac || { echo -1; return; }
	echo "${BASH_REMATCH[1]}"
}

C=$(ns client)
S=$(ns server)
to_lan() { drv ns "$S" "$C"; }
to_wan() { drv ns "$C" "$S"; }

# round TRACKER FRONTEND K: every case; ports apart by K.
round() {
	local tr=$1 fe=$2 k=$3 p=$((20000 + $3 * 10)) c0 c1 snd rcv sport=0
	local -a w
	# The FTP helper is attached by the policy alone: the nft ct helper
	# object, or the iptables files' raw CT --helper rule.
	if [ "$tr" = alg ]; then
		ftp_nat gw -F "-A POSTROUTING -o gw_out -j MASQUERADE" \
			"-A PREROUTING -i gw_out -p tcp --dport 8080 -j DNAT --to-destination 10.0.1.2:8080"
	fi
	if ! policy_load "$fe"; then
		ktap_not_ok "$tr $fe: policy loads"
		return
	fi
	SAVED[$tr,$fe]=$(policy_show "$fe")
	drv listen $p
	if drv connect t$k 10.0.2.2 $p 3 && read -r -a w <<< "$DRV_REPLY" &&
	   sport=${w[1]} && drv echo t$k; then
		V[$tr,$fe,tcp_out]=pass
	else
		V[$tr,$fe,tcp_out]=blocked
	fi
	drv udpecho u$k 10.0.2.2 $((p + 1)) 2 && V[$tr,$fe,udp_out]=pass ||
		V[$tr,$fe,udp_out]=blocked
	nsx client ping -q -c 1 -W 2 10.0.2.2 > /dev/null && V[$tr,$fe,icmp_out]=pass ||
		V[$tr,$fe,icmp_out]=blocked
	# WAN -> LAN, new: must die at the gateway's policy.
	c0=$(counter "$fe" dropped)
	to_lan
	drv listen $((p + 2))
	if drv connect w$k 10.0.1.2 $((p + 2)) 1; then
		V[$tr,$fe,wan_new]=passed
	else
		c1=$(counter "$fe" dropped)
		[ "$c1" -gt "$c0" ] && V[$tr,$fe,wan_new]="dropped, counted" ||
			V[$tr,$fe,wan_new]="dropped, not counted ($c0 -> $c1)"
	fi
	drv unlisten $((p + 2))
	# The port forward: the server dials gw:8080, the client answers.
	drv listen 8080
	if drv connect f$k 10.0.2.1 8080 3 && drv echo f$k; then
		V[$tr,$fe,portfwd]=pass
	else
		V[$tr,$fe,portfwd]=blocked
	fi
	drv close f$k c
	drv unlisten 8080
	to_wan
	# Passive data goes LAN -> WAN, which "new" would let through too: the
	# related counter tells whether the tracker saw it as expected.
	c1=$(counter "$fe" related)
	for m in pasv port; do
		c0=$c1
		if ftp_xfer client 10.0.2.2 $m "ls pub"; then
			c1=$(counter "$fe" related)
			[ "$c1" -gt "$c0" ] && V[$tr,$fe,ftp_$m]="pass, data related" ||
				V[$tr,$fe,ftp_$m]="pass, data not related"
		else
			V[$tr,$fe,ftp_$m]=blocked
			c1=$(counter "$fe" related)
		fi
	done
	# Nothing listens there: the server answers with port unreachable.
	if drv udp e$k 10.0.2.2 $((p + 3)) && drv send e$k c x; then
		drv recv e$k c 2
		case $DRV_REPLY in
		"err ECONNREFUSED") V[$tr,$fe,icmp_error]="related (ECONNREFUSED)" ;;
		*) V[$tr,$fe,icmp_error]="not delivered ($DRV_REPLY)" ;;
		esac
	else
		V[$tr,$fe,icmp_error]="no socket"
	fi
	# A SYN/ACK of no connection; an ACK far outside t$k's window.
	c0=$(counter "$fe" invalid)
	drv pkt c tcp --src 10.0.1.2 --dst 10.0.2.2 --sport $((p + 4)) --dport $((p + 4)) --flags SA
	if drv seqs t$k c; then
		read -r -a w <<< "$DRV_REPLY"
		snd=${w[1]} rcv=${w[2]}
		drv pkt c tcp --src 10.0.1.2 --dst 10.0.2.2 --sport "$sport" \
			--dport $p --flags A --seq $(((snd + 0x40000000) % 4294967296)) --ack "$rcv"
	fi
	msleep 0.3
	c1=$(counter "$fe" invalid)
	V[$tr,$fe,invalid]="$((c1 - c0)) dropped as invalid"
	c0=$(counter "$fe" markreply)
	[ "$c0" -gt 0 ] && V[$tr,$fe,mark_reply]="mark restored" ||
		V[$tr,$fe,mark_reply]="mark lost ($c0)"
	# Untracked is neither new nor established: the policy drops it, and
	# no entry is made for it.
	notrack_load "$fe" $((p + 5))
	c0=$(counter "$fe" dropped)
	drv pkt c udp --src 10.0.1.2 --dst 10.0.2.2 --sport $((p + 5)) --dport $((p + 5))
	msleep 0.3
	c1=$(counter "$fe" dropped)
	V[$tr,$fe,notrack]=$([ "$c1" -gt "$c0" ] && echo "untracked, dropped" || echo "passed")
	if ct_find_in "$([ "$tr" = alg ] && echo alg_conntrack || echo nf_conntrack)" gw "dport=$((p + 5)) "; then
		V[$tr,$fe,notrack]+=", tracked"
	else
		V[$tr,$fe,notrack]+=", no entry"
	fi
	notrack_unload "$fe"
	drv close t$k c
	drv close t$k s
	drv unlisten $p
	policy_reset
}

ct_topo || { ktap_not_ok "topology"; ktap_finish; }
# Replies of the test's TCP connections (server ports 20000-20999) find no
# route to the LAN unless the restored mark picks table 100 first.
nsx gw ip -batch - <<-'EOF'
	rule add pref 100 fwmark 0x1 lookup 100
	route add 10.0.1.0/24 dev gw_in table 100
	rule add pref 200 iif gw_out ipproto tcp sport 20000-20999 lookup 200
	route add unreachable 10.0.1.0/24 table 200
EOF
check "vsftpd listening on 10.0.2.2:21" ftp_vsftpd server 10.0.2.2
drv_start

### alg_conntrack
ct_set gw helper_auto 0
# No policy, no mark: the replies meet the unreachable route.
ftp_nat gw -F "-A POSTROUTING -o gw_out -j MASQUERADE"
drv listen 20999
check "without the restored mark the replies find no route" not drv connect n0 10.0.2.2 20999 1.5
drv unlisten 20999
check "alg: helper_auto=0 (helpers by rule, as the kernel since 6.0)" test "$(ct_get gw helper_auto)" = 0
k=0
for fe in $FRONTENDS; do
	k=$((k + 1))
	round alg "$fe" $k
done
# The rules in /proc/net/alg_nat hold no reference: only the firewall's.
ftp_nat gw "-F"
# nf_tables drops a deleted rule's references from a work item: poll.
refcnt() { cat /sys/module/alg_conntrack/refcnt; }
unheld() { [ "$(refcnt)" = 0 ]; }
check "alg: no reference left by the rounds" wait_for 10 unheld
for fe in $FRONTENDS; do
	policy_load "$fe"
	check "alg: $fe rules hold the module" not unheld
	check "alg: so rmmod refuses while $fe rules use it" not alg_rmmod
	policy_reset
	check "alg: $fe rules gone, no reference" wait_for 10 unheld
done
# Counters are refused when the rule is added, and nft's lookup of the
# expression found alg's: nothing pulled nf_conntrack in.
policy_load nft
dmesg_mark
check "alg: nft ct bytes is refused" not quiet nsx gw nft add rule inet fw forward ct bytes gt 1000 counter
check "alg: with a reason in the kernel log" eval 'dmesg_new | grep -q "alg_conntrack keeps no per-connection counters"'
policy_reset
# What xt_CT refuses, alg's CT refuses too (its reason in the kernel log).
ctr() { nsx gw iptables-legacy -t raw -A PREROUTING "${@:2}" -j CT --helper "$1"; }
check "alg: CT --helper of no such helper is refused" not quiet ctr nosuch -p tcp --dport 21
check "alg: CT --helper without -p is refused" not quiet ctr ftp
check "alg: CT --helper ftp for UDP is refused" not quiet ctr ftp -p udp --dport 21
check "alg: CT --helper ftp for ! -p tcp is refused" not quiet ctr ftp ! -p tcp
check "alg: CT --helper ftp for -p tcp is taken" ctr ftp -p tcp --dport 21
nsx gw iptables-legacy -t raw -F PREROUTING
for m in nf_conntrack nft_ct xt_conntrack xt_state xt_CONNMARK xt_CT; do
	check "alg: $m was never loaded" not test -d "/sys/module/$m"
done
check "alg: with the rules gone it unloads" wait_for 10 alg_rmmod

### The reference: nf_conntrack + nf_nat (+ the FTP helpers), same namespaces
if modprobe -a nf_conntrack nf_nat $KMODS; then
	check "kernel: NAT rules" nsx gw iptables-legacy-restore <<-'EOF'
	*nat
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	-A PREROUTING -i gw_out -p tcp --dport 8080 -j DNAT --to-destination 10.0.1.2:8080
	-A POSTROUTING -o gw_out -j MASQUERADE
	COMMIT
	*raw
	:PREROUTING ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	-A PREROUTING -i gw_in -p tcp --dport 21 -j CT --helper ftp
	COMMIT
	EOF
	RAW_KEEP="-A PREROUTING -i gw_in -p tcp --dport 21 -j CT --helper ftp"
	check "with nf_conntrack loaded, alg_conntrack refuses to load" not insmod "$MODULE" 2> /dev/null
	for fe in $FRONTENDS; do
		k=$((k + 1))
		round kernel "$fe" $k
	done
else
	ktap_skip "nf_conntrack reference: cannot load it"
fi

# The table, and alg's verdicts against the kernel's and the expected.
printf '# %-11s %-10s | %-26s | %-26s\n' case frontend alg kernel
for c in $CASES; do
	for fe in $FRONTENDS; do
		printf '# %-11s %-10s | %-26s | %-26s\n' "$c" "$fe" \
			"${V[alg,$fe,$c]:-?}" "${V[kernel,$fe,$c]:-?}"
	done
done
for fe in $FRONTENDS; do
	for c in $CASES; do
		check_eq "$fe $c: alg ${WANT[$c]}" "${V[alg,$fe,$c]:-?}" "${WANT[$c]}"
		[ -n "${V[kernel,$fe,$c]:-}" ] &&
			check_eq "$fe $c: alg's verdict is the kernel's" "${V[alg,$fe,$c]:-?}" "${V[kernel,$fe,$c]}"
	done
	[ -n "${SAVED[kernel,$fe]:-}" ] &&
		check_eq "$fe: the policy prints back the same on both trackers" \
			"${SAVED[alg,$fe]:-}" "${SAVED[kernel,$fe]}"
	check_eq "$fe: alg prints back the policy file's rules" \
		"$(normal <<< "${SAVED[alg,$fe]:-}")" "$(policy_file "$fe" | normal)"
done
ktap_finish
