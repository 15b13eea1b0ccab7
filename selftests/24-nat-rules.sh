#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# The rule interface, /proc/net/alg_nat:
#  - -A (long and short option names, any option order) reads back in one
#    canonical iptables syntax, chains in PREROUTING INPUT OUTPUT
#    POSTROUTING order; -I [N], -D N, -D spec, -F CHAIN, -F;
#  - inside *nat .. COMMIT lines split over several writes; outside, each
#    write ends its last line (echo -n), so its error comes from that
#    write; 1024 characters at most, a longer line refused by the write
#    that makes it too long;
#  - round trip: what is read back, written back after a flush, restores
#    the set, and writing it again replaces rather than appends;
#  - *nat .. COMMIT replaces the set as a whole; one bad line (in one
#    write or line by line), a missing COMMIT: the old set stays;
#  - bad lines are refused with EINVAL (ENOENT for -D of a missing rule),
#    the reason and line number in the kernel log, the set unchanged:
#    unknown target, bad address, reversed port range, unknown chain,
#    overlong line, binary garbage with NULs, target in the wrong chain...;
#  - rules are per network namespace.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/nat_lib.sh"
nat_setup dmesg

ip netns add "$(ns gw)"
ip netns add "$(ns other)"
ns_pin gw other
EMPTY=$'*nat\nCOMMIT'

# uptime in centiseconds, without a process
now_cs() {
	local up
	read -r up _ < /proc/uptime
	echo $(( 10#${up%.*} * 100 + 10#${up#*.} ))
}

# The refusal messages are rate limited (printk: 10 per 5 s per call
# site, the window starting with the first message after the last one
# ended). The window is replayed from the kernel's own timestamps of the
# refusals, and writes wait while a window holds 8 messages already.
RL_BEGIN=0
RL_PRINTED=0
rl_replay() {
	local line t
	while IFS= read -r line; do
		[[ $line =~ ^\[\ *([0-9]+)\.([0-9]{2})[0-9]*\]\ alg_conntrack:\ /proc/net/alg_nat\ line\ [0-9]+\ refused ]] || continue
		t=$(( 10#${BASH_REMATCH[1]} * 100 + 10#${BASH_REMATCH[2]} ))
		if [ "$t" -gt $((RL_BEGIN + 500)) ]; then
			RL_BEGIN=$t
			RL_PRINTED=0
		fi
		RL_PRINTED=$((RL_PRINTED + 1))
	done <<< "$1"
}

# pace N: N refusals are about to be written
pace() {
	local left
	left=$(( RL_BEGIN + 530 - $(now_cs) ))
	if [ "$left" -gt 0 ] && [ $((RL_PRINTED + ${1:-1})) -gt 8 ]; then
		sleep "$((left / 100)).$(printf %02d $((left % 100)))"
	fi
}

# The kernel log since the last klog_new, one dmesg per call.
KLOG_LEN=0
klog_new() {
	KLOG=$(dmesg)
	KLOG_NEW=${KLOG:$KLOG_LEN}
	KLOG_LEN=${#KLOG}
	rl_replay "$KLOG_NEW"
}

# logged LINE REASON: the refusal is in KLOG_NEW (call klog_new first)
logged() {
	[[ $KLOG_NEW == *"alg_conntrack: /proc/net/alg_nat line $1 refused: $2"* ]]
}

# refused DESC ERRNO REASON LINE: writing LINE (own open) fails with
# ERRNO, is logged as line 1 with REASON, and the set stays as it was.
refused() {
	local desc=$1 err=$2 why=$3 before=$RULES out
	shift 3
	pace
	out=$(nat_wr gw "$@")
	klog_new
	check_eq "$desc: write fails with $err" "$out" "$err"
	check "$desc: logged as '$why'" logged 1 "$why"
	rules
	check_eq "$desc: rule set unchanged" "$RULES" "$before"
}

# RULES: the current set, without counters
rules() { RULES=$(nat_rules gw); }

# the whole log so far: refusals of earlier tests may fill the window
klog_new
KLOG_START=$KLOG_LEN

check_eq "empty set reads back as an empty *nat table" "$(nat_rules gw)" "$EMPTY"

### -A, canonical read-back
check "7 rules appended in assorted spellings" nat_w gw \
	"-A POSTROUTING -j SNAT --to-source 10.0.2.1 -o gw_out -s 10.0.1.0/255.255.255.0" \
	"-A POSTROUTING --out-interface gw_out --protocol udp --source-port 1000:2000 --jump MASQUERADE --to-ports 3000-4000 --random" \
	"-A PREROUTING -p tcp --dport 80 -i gw+ ! -d 10.0.0.0/8 -j REDIRECT --to-ports 3128" \
	"--append OUTPUT -d 198.51.100.7/32 -p TCP --dport 80 -j DNAT --to-destination 10.0.2.2-10.0.2.3:8080-8081" \
	"-A INPUT -s 10.0.9.9/32 -j SNAT --to-source 10.0.9.1" \
	"-A PREROUTING -s 192.0.2.7/24 -p 47 -j ACCEPT" \
	"-A POSTROUTING -d 10.0.2.0/255.255.0.255 -j ACCEPT"
S=$(cat <<'EOF'
*nat
-A PREROUTING ! -d 10.0.0.0/8 -i gw+ -p tcp --dport 80 -j REDIRECT --to-ports 3128
-A PREROUTING -s 192.0.2.0/24 -p 47 -j ACCEPT
-A INPUT -s 10.0.9.9 -j SNAT --to-source 10.0.9.1
-A OUTPUT -d 198.51.100.7 -p tcp --dport 80 -j DNAT --to-destination 10.0.2.2-10.0.2.3:8080-8081
-A POSTROUTING -s 10.0.1.0/24 -o gw_out -j SNAT --to-source 10.0.2.1
-A POSTROUTING -o gw_out -p udp --sport 1000:2000 -j MASQUERADE --to-ports 3000-4000 --random
-A POSTROUTING -d 10.0.0.0/255.255.0.255 -j ACCEPT
COMMIT
EOF
)
got=$(nat_rules gw)
check_eq "read back in canonical syntax, grouped by chain" "$got" "$S"
[ "$got" = "$S" ] || { diag "got:"; sed 's/^/#   /' <<< "$got"; }
check_eq "every rule line carries [packets:bytes] counters, here [0:0]" \
	"$(nat_raw gw | grep -c -E -e '^\[0:0\] -A ')" 7
check_eq "another namespace has its own, empty set" "$(nat_rules other)" "$EMPTY"

### -I, -D
post() { nat_rules gw | grep -e '^-A POSTROUTING' | sed -E 's/^-A POSTROUTING //'; }
P0=$(post)
check "-I without a number" nat_w gw "-I POSTROUTING -p icmp -j ACCEPT"
check_eq "-I put the rule first in its chain" "$(post | head -n 1)" "-p icmp -j ACCEPT"
check "-I 3" nat_w gw "-I POSTROUTING 3 -o lo -j ACCEPT"
check_eq "-I 3 put the rule third" "$(post | sed -n 3p)" "-o lo -j ACCEPT"
check "-I N+1 (one past the end)" nat_w gw "-I POSTROUTING 6 -o x1 -j ACCEPT"
check_eq "-I N+1 appended" "$(post | tail -n 1)" "-o x1 -j ACCEPT"
check_eq "other chains untouched by -I" "$(nat_rules gw | grep -v -e '^-A POSTROUTING')" \
	"$(grep -v -e '^-A POSTROUTING' <<< "$S")"
rules
refused "-I 8 with 6 rules" EINVAL "rule number out of range" "-I POSTROUTING 8 -j ACCEPT"
check "-D 6" nat_w gw "-D POSTROUTING 6"
rules
check "-D 6 deleted the last rule" not eval '[[ $RULES == *"-o x1 "* ]]'
check "-D spec (options in another order)" nat_w gw "-D POSTROUTING -j ACCEPT -p icmp"
rules
check "-D spec deleted that rule" not eval '[[ $RULES == *"-p icmp"* ]]'
check "-D 2" nat_w gw "-D POSTROUTING 2"
check_eq "after -I/-D the chain is as before" "$(post)" "$P0"
rules
refused "-D 4 with 3 rules" EINVAL "rule number out of range" "-D POSTROUTING 4"
refused "-D spec of a missing rule" ENOENT "no such rule in that chain" "-D POSTROUTING -o nope -j ACCEPT"
refused "-D spec of a rule of another chain" ENOENT "no such rule in that chain" \
	"-D OUTPUT -s 192.0.2.0/24 -p 47 -j ACCEPT"

### round trip
nat_raw gw > "$NAT_TMP/saved"
check "-F" nat_w gw "-F"
check_eq "-F emptied every chain" "$(nat_rules gw)" "$EMPTY"
check "saved file written back in one write" \
	quiet ntool gw wr /proc/net/alg_nat < "$NAT_TMP/saved"
check_eq "round trip restored the set" "$(nat_rules gw)" "$S"
check "written back a second time (cat f > /proc/net/alg_nat)" \
	nsx gw sh -c "cat '$NAT_TMP/saved' > /proc/net/alg_nat"
check_eq "the set is replaced, not appended to" "$(nat_rules gw)" "$S"

### -F CHAIN
check "-F PREROUTING" nat_w gw "-F PREROUTING"
check_eq "-F PREROUTING removed only the PREROUTING rules" "$(nat_rules gw)" \
	"$(grep -v -e '^-A PREROUTING' <<< "$S")"
check "--flush POSTROUTING" nat_w gw "--flush POSTROUTING"
check_eq "--flush POSTROUTING removed only those" "$(nat_rules gw)" \
	"$(grep -v -e '^-A PREROUTING' -e '^-A POSTROUTING' <<< "$S")"
nsx gw sh -c "cat '$NAT_TMP/saved' > /proc/net/alg_nat"
check_eq "set restored for what follows" "$(nat_rules gw)" "$S"

### how lines arrive
# Inside *nat .. COMMIT a line may be cut anywhere across writes (cat and
# stdio do that to large files); a tail of exactly COMMIT ends the set.
f=$(nsproc gw alg_nat)
exec {fd}>"$f"
printf '%s\n' "*nat" >&"$fd"
sed -e '/^\*nat$/d' -e '/^COMMIT$/d' "$NAT_TMP/saved" >&"$fd"
printf '%s' "-A POSTRO" >&"$fd"
printf '%s' "UTING -o sp" >&"$fd"
printf '%s\n' "lit -j ACCEPT" >&"$fd"
printf '%s' "COMM" >&"$fd"
printf '%s' "IT" >&"$fd"
rules
check_eq "inside *nat, a line in three writes is one rule, COMMIT in two ends the set" \
	"$(grep -c -x -e '-A POSTROUTING -o split -j ACCEPT' <<< "$RULES")" 1
exec {fd}>&-
# Outside, each write ends its last line: its error comes from that write.
printf '%s' "-A POSTROUTING -o nonl -j ACCEPT" > "$f"
rules
check_eq "a line without newline is applied by its write (echo -n)" \
	"$(grep -c -x -e '-A POSTROUTING -o nonl -j ACCEPT' <<< "$RULES")" 1
pace
check_eq "a bad line without newline: its write fails with EINVAL" \
	"$(printf '%s' "-A POSTROUTING -j FOO" | ntool gw wr /proc/net/alg_nat)" EINVAL
klog_new
check "the bad line without newline is logged as line 1, unknown target" logged 1 "unknown target"
pace
check_eq "outside *nat, a piece of a line is refused by its own write" \
	"$(printf '%s' "-A POSTRO" | ntool gw wr /proc/net/alg_nat)" EINVAL
klog_new
head -c 1048576 /dev/zero | tr '\0' 'x' > "$NAT_TMP/mb"
pace
check_eq "1 MiB without a newline: the write fails with EINVAL" \
	"$(ntool gw wr /proc/net/alg_nat < "$NAT_TMP/mb")" EINVAL
klog_new
check "the 1 MiB line is logged as too long" logged 1 "line too long"
l1024="-A POSTROUTING -o gw_out -j MASQUERADE$(printf '%*s' 986 '')"
check "a 1024-character line (the longest allowed) is accepted" nat_w gw "$l1024"
check "three rules deleted by spec" nat_w gw "-D POSTROUTING -o split -j ACCEPT" \
	"-D POSTROUTING -o nonl -j ACCEPT" "-D POSTROUTING -o gw_out -j MASQUERADE"
rules
check_eq "back to the saved set" "$RULES" "$S"
refused "1025-character line" EINVAL "line too long" "$l1024 "

### *nat .. COMMIT
printf '%s\n' "*nat" "# a comment" "" "-A PREROUTING -p udp --dport 53 -j DNAT --to-destination 10.0.2.2" \
	"[12:345] -A POSTROUTING -o gw_out -j MASQUERADE" "COMMIT" > "$NAT_TMP/set2"
check "a *nat..COMMIT set with a comment, an empty line and counters" \
	quiet ntool gw wr /proc/net/alg_nat < "$NAT_TMP/set2"
check_eq "it replaced the whole set" "$(nat_rules gw)" \
	$'*nat\n-A PREROUTING -p udp --dport 53 -j DNAT --to-destination 10.0.2.2\n-A POSTROUTING -o gw_out -j MASQUERADE\nCOMMIT'
nsx gw sh -c "cat '$NAT_TMP/saved' > /proc/net/alg_nat"

printf '%s\n' "*nat" "-F" "-A POSTROUTING -o gw_out -j FOO" "-A POSTROUTING -o gw_out -j MASQUERADE" \
	"COMMIT" > "$NAT_TMP/bad"
pace
check_eq "*nat set with a bad line 3, one write: EINVAL" \
	"$(ntool gw wr /proc/net/alg_nat < "$NAT_TMP/bad")" EINVAL
klog_new
check "logged as line 3, unknown target" logged 3 "unknown target"
check "the unfinished set is reported dropped" \
	eval '[[ $KLOG_NEW == *"closed without COMMIT, rule set unchanged"* ]]'
rules
check_eq "the old set is intact" "$RULES" "$S"

pace 2
out=$(nat_wr gw "*nat" "-F" "-A POSTROUTING -o gw_out -j FOO" "-A POSTROUTING -o gw_out -j MASQUERADE" \
	"COMMIT" | tr '\n' ' ')
klog_new
check_eq "*nat set with a bad line 3, a write per line: line 3 and COMMIT fail" \
	"$out" "ok ok EINVAL ok EINVAL "
check "logged as line 3, unknown target" logged 3 "unknown target"
check "COMMIT logged as line 5, earlier line failed" logged 5 "an earlier line failed, rule set unchanged"
rules
check_eq "the old set is intact" "$RULES" "$S"

out=$(nat_wr gw "*nat" "-F")
klog_new
check_eq "*nat set never committed: its lines are accepted" "$(echo $out)" "ok ok"
check "closing without COMMIT is logged" \
	eval '[[ $KLOG_NEW == *"closed without COMMIT, rule set unchanged"* ]]'
rules
check_eq "closing without COMMIT leaves the old set" "$RULES" "$S"
refused "COMMIT without *nat" EINVAL "COMMIT without *nat" "COMMIT"
refused "another table" EINVAL "unsupported table" "*filter"

### bad rules, each on its own
refused "unknown target" EINVAL "unknown target" "-A POSTROUTING -j FOO"
refused "bad --to-source address" EINVAL "bad address" \
	"-A POSTROUTING -o gw_out -j SNAT --to-source 10.0.2.256"
refused "short -s address" EINVAL "bad address" "-A POSTROUTING -s 10.1 -j ACCEPT"
refused "reversed --to-source port range" EINVAL "port range reversed" \
	"-A POSTROUTING -p tcp -j SNAT --to-source 10.0.2.1:2000-1000"
refused "reversed --dport range" EINVAL "port range reversed" \
	"-A PREROUTING -p tcp --dport 90:80 -j ACCEPT"
refused "unknown chain" EINVAL "unknown chain" "-A FORWARD -j ACCEPT"
long="-A POSTROUTING -o gw_out -j MASQUERADE$(printf '%*s' 1061 '')#"
check_eq "the overlong line is 1100 characters" "${#long}" 1100
refused "1100-character line ending in a bad token" EINVAL "line too long" "$long"
refused "SNAT in PREROUTING" EINVAL "target not allowed in this chain" \
	"-A PREROUTING -j SNAT --to-source 10.0.2.1"
refused "DNAT in POSTROUTING" EINVAL "target not allowed in this chain" \
	"-A POSTROUTING -p tcp -j DNAT --to-destination 10.0.2.2"
refused "MASQUERADE in OUTPUT" EINVAL "target not allowed in this chain" \
	"-A OUTPUT -j MASQUERADE"
refused "REDIRECT in INPUT" EINVAL "target not allowed in this chain" \
	"-A INPUT -p tcp -j REDIRECT --to-ports 80"
refused "SNAT without --to-source" EINVAL "missing --to-source" "-A POSTROUTING -j SNAT"
refused "--dport without -p" EINVAL "option --dport needs -p tcp or udp" \
	"-A PREROUTING --dport 80 -j ACCEPT"
refused "port 0" EINVAL "port 0 not allowed" "-A PREROUTING -p tcp --dport 0 -j ACCEPT"
refused "port 65536" EINVAL "port out of range" "-A PREROUTING -p tcp --dport 65536 -j ACCEPT"
refused "unknown command" EINVAL "unknown command" "-X POSTROUTING"
refused "CT --helper ftp for UDP" EINVAL "the helper is not for this protocol" \
	"-A PREROUTING -p udp --dport 2121 -j CT --helper ftp"
refused "CT --helper of an unknown helper" ENOENT "no such helper" \
	"-A PREROUTING -p tcp --dport 2121 -j CT --helper nosuch"
refused "CT --helper without -p" EINVAL "--helper needs -p, not negated" \
	"-A PREROUTING -i gw_in -j CT --helper ftp"

{ printf -- '-A POSTROUTING -o gw_out \0 -j MASQUERADE '; head -c 300 /dev/urandom | tr -d '\n'; echo; } \
	> "$NAT_TMP/garbage"
pace
check_eq "binary garbage with NULs: write fails with EINVAL" \
	"$(ntool gw wr /proc/net/alg_nat < "$NAT_TMP/garbage")" EINVAL
klog_new
check "binary garbage: logged as an unexpected character" logged 1 "unexpected character"
rules
check_eq "binary garbage: rule set unchanged" "$RULES" "$S"
head -c 4096 /dev/urandom > "$NAT_TMP/random"
pace
check_eq "4 KiB straight from /dev/urandom: write fails with EINVAL" \
	"$(ntool gw wr /proc/net/alg_nat < "$NAT_TMP/random")" EINVAL
klog_new
check "4 KiB from /dev/urandom: logged as refused" \
	eval '[[ $KLOG_NEW =~ alg_nat\ line\ [0-9]+\ refused:\  ]]'
rules
check_eq "4 KiB from /dev/urandom: rule set unchanged" "$RULES" "$S"
check "no refusal message was suppressed by the rate limit" \
	not eval '[[ ${KLOG:$KLOG_START} == *"alg_proc_nat_fail: "*"callbacks suppressed"* ]]'

check_eq "the other namespace's set is still empty" "$(nat_rules other)" "$EMPTY"
check "module unloads with rules set" mod_unload
ktap_finish
