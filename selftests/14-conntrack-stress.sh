#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 150
# Teardown under traffic, CYCLES times (default 100):
#   insmod (a copy without debug sections, faster to load; every other
#   cycle with hashsize=16: long chains, and the bucket array is a small
#   slab object); client -- gw -- server (topo_3, the server routing
#   back); traffic: ping -f (bounded by -c/-w), a few TCP echo
#   connections, a UDP burst, then UDP until the end; while it runs the
#   gateway namespace is deleted, then the others; rmmod.
# STRESS_BUDGET (default 30 s; 0: none) bounds the run: no cycle starts
# after it, so a slow (shared) host runs fewer cycles, which the output says
# (at least 5: one of them unloads the module live).
# Every RMMOD_EVERY-th cycle (default 5) unloads the module instead while
# the traffic runs through the live gateway: rmmod does not refuse (nothing
# holds a module reference), it must unhook, wait for the packets in flight
# and free everything; the namespaces go afterwards.
# Each cycle: net.alg_conntrack.count of init_net is 0 before rmmod, and after
# rmmod /proc/slabinfo has no alg_conntrack cache (it was destroyed, so every
# connection object had been freed). At the end: no kernel warning.
. "$(dirname "$0")/lib.sh"
. "$SELFTEST_DIR/tools/ct_lib.sh"
trap_cleanup 'drv_stop; mod_unload; rm -f "$KO_COPY"'
[ -f "$MODULE" ] || skip_all "alg_conntrack.ko not built"
need python3 ip ping
CYCLES=${CYCLES:-100}
RMMOD_EVERY=${RMMOD_EVERY:-5}
# Seconds after which no new cycle starts: a cycle took 2.6-3.3 s under TCG
# while three other VMs shared the host's two CPUs.
BUDGET=${STRESS_BUDGET:-30}
MIN_CYCLES=${STRESS_MIN_CYCLES:-5}
[ "$MIN_CYCLES" -le "$CYCLES" ] || MIN_CYCLES=$CYCLES
BAD='WARNING|BUG|Oops|refcount_t|list_add corruption|list_del corruption|general protection'

C=$(ns client)
G=$(ns gw)
S=$(ns server)

# slab_present: /proc/slabinfo lists the alg_conntrack cache.
slab_present() {
	local l
	mapfile -t SLAB < /proc/slabinfo
	for l in "${SLAB[@]}"; do [[ $l == "alg_conntrack "* ]] && return 0; done
	return 1
}

# Without a fork: is the module in /proc/modules?
loaded() {
	local l
	mapfile -t MODS < /proc/modules
	for l in "${MODS[@]}"; do [[ $l == "alg_conntrack "* ]] && return 0; done
	return 1
}

KO=$(mod_stripped)
[ "$KO" = "$MODULE" ] || KO_COPY=$KO

mod_unload
dmesg_before=$(dmesg | grep -cE "$BAD")
drv_start

bad=0 slab_left=0 count_left=0 rmmod_live=0 rmmod_live_ok=0
tcp_ok=0 udp_rx=0 slab_seen=0 tracked=-1
tick
t_start=$NOW
done_cycles=0
for i in $(seq "$CYCLES"); do
	tick
	if [ "$BUDGET" -gt 0 ] && [ $(( (NOW - t_start) / 1000 )) -ge "$BUDGET" ]; then
		diag "time budget of $BUDGET s used up: stopping after $done_cycles of $CYCLES cycles"
		break
	fi
	done_cycles=$i
	params=
	[ $((i % 2)) = 0 ] && params="hashsize=16"
	if ! insmod "$KO" $params; then
		bad=$((bad + 1))
		diag "cycle $i: insmod failed"
		continue
	fi
	slab_present && slab_seen=$((slab_seen + 1))
	if ! topo_3 route-back; then
		bad=$((bad + 1))
		diag "cycle $i: topology failed"
	fi

	# Traffic: the driver's load (answer read later) and a ping flood.
	echo "load 10.0.2.2 0.8 3 64" >&"${DRV[1]}"
	ip netns exec "$C" ping -f -q -c 400 -w 1 10.0.2.2 > /dev/null 2>&1 &
	pingpid=$!
	msleep 0.3
	if [ $i = 1 ]; then
		# Once, to know the gateway did track this traffic.
		tracked=$(ip netns exec "$G" sysctl -n net.alg_conntrack.count)
	fi

	if [ $((i % RMMOD_EVERY)) = 0 ]; then
		rmmod_live=$((rmmod_live + 1))
		read -r cnt < /proc/sys/net/alg_conntrack/count
		[ "$cnt" = 0 ] || { count_left=$((count_left + 1)); diag "cycle $i: init_net count $cnt"; }
		if rmmod alg_conntrack; then
			rmmod_live_ok=$((rmmod_live_ok + 1))
		else
			diag "cycle $i: rmmod under traffic refused"
		fi
	fi
	ip netns del "$G"

	if read -r -t 20 reply <&"${DRV[0]}"; then
		[[ $reply == ok* ]] || { bad=$((bad + 1)); diag "cycle $i: load: $reply"; }
		[[ $reply =~ tcp_ok=([0-9]+) ]] && tcp_ok=$((tcp_ok + BASH_REMATCH[1]))
		[[ $reply =~ udp_rx=([0-9]+) ]] && udp_rx=$((udp_rx + BASH_REMATCH[1]))
	else
		bad=$((bad + 1))
		diag "cycle $i: no answer from the load driver"
	fi
	wait $pingpid
	ip -batch - <<-EOF
		netns del $C
		netns del $S
	EOF

	if loaded; then
		read -r cnt < /proc/sys/net/alg_conntrack/count
		[ "$cnt" = 0 ] || { count_left=$((count_left + 1)); diag "cycle $i: init_net count $cnt"; }
		rmmod alg_conntrack || { bad=$((bad + 1)); diag "cycle $i: rmmod failed"; }
	fi
	if slab_present; then
		slab_left=$((slab_left + 1))
		diag "cycle $i: alg_conntrack slab cache still there after rmmod"
	fi
done
tick
secs=$(( (NOW - t_start) / 1000 ))
diag "$done_cycles cycles in $secs s; $rmmod_live_ok/$rmmod_live unloads under traffic; tcp echoes $tcp_ok, udp replies $udp_rx"

check "at least $MIN_CYCLES cycles ran ($done_cycles)" test "$done_cycles" -ge "$MIN_CYCLES"
check_eq "$done_cycles cycles without error" "$bad" 0
check_eq "the gateway tracked the traffic (count during the first cycle > 0)" \
	"$([ "$tracked" -gt 0 ] 2>/dev/null && echo yes || echo "no ($tracked)")" yes
check "traffic crossed the gateway" test "$tcp_ok" -gt 0 -a "$udp_rx" -gt 0
check_eq "slab cache present while loaded" "$slab_seen" "$done_cycles"
check_eq "init_net count 0 before every rmmod" "$count_left" 0
check_eq "rmmod under traffic succeeds" "$rmmod_live_ok" "$rmmod_live"
check_eq "no alg_conntrack slab cache after any rmmod" "$slab_left" 0
check "module not left loaded" sh -c '! grep -q "^alg_conntrack " /proc/modules'
dmesg_after=$(dmesg | grep -cE "$BAD")
check_eq "no kernel warnings" "$dmesg_after" "$dmesg_before"
n=$(dmesg | grep -c 'alg_conntrack: waiting for')
[ "$n" = 0 ] || diag "teardown had to wait for packets $n times"
ktap_finish
