// SPDX-License-Identifier: GPL-2.0
/*
 * FTP NAT helper: an announced address is the sender's own, untranslated
 * one. Rewrite it to what the other side sees (the translated address, and
 * a port reserved for the expectation), and let the data connection follow
 * its master's translation when it arrives.
 */

#include "nat/nat_ftp.h"
#include "nat/nat.h"
#include "helpers/ftp.h"
#include "core/table.h"

#include <linux/ip.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>

/* How far from the wanted port to look for a free one. */
#define ALG_NAT_FTP_PORT_TRIES	64

/*
 * The connection the data connection must become (its reply tuple taken)
 * is a TCP connection that is over: an earlier data connection between the
 * same ports, in TIME_WAIT. A SYN for it would reopen it; so may this one.
 * Anything live stays and the new connection is refused.
 */
static bool alg_nat_ftp_reclaim(struct alg_conn *ct, __be32 daddr,
				__be16 dport)
{
	struct alg_net *an = alg_net(alg_conn_net(ct));
	struct alg_tuple want, reply;
	struct alg_tuple_hash *h;
	struct alg_conn *old;
	bool done = false;
	u8 state;

	if (alg_conn_proto(ct) != ALG_PROTO_TCP)
		return false;
	alg_tuple_invert(&want, alg_conn_tuple(ct, ALG_DIR_REPLY));
	want.daddr = daddr;
	want.dport = dport;
	alg_tuple_invert(&reply, &want);
	h = alg_table_find(an, &reply);
	if (!h)
		return false;
	old = alg_th_conn(h);
	state = READ_ONCE(old->proto.tcp.state);
	if (alg_conn_proto(old) == ALG_PROTO_TCP &&
	    (state == ALG_TCP_TIME_WAIT || state == ALG_TCP_CLOSE))
		done = alg_conn_kill(old);
	alg_conn_put(old);
	return done;
}

/*
 * The expected connection arrived: translate it as its master is, so that
 * it comes from where the master's peer sends to and goes to the address
 * and port the announcement really meant. That port is fixed: if the
 * translation is taken, the connection must not go on half-translated.
 */
int alg_nat_ftp_follow(struct alg_conn *ct, struct alg_expect *exp)
{
	const struct alg_conn *m = exp->master;
	struct alg_nat_range r = { };
	int ret;

	r.addr_lo = alg_conn_tuple(m, !exp->dir)->daddr;
	r.addr_hi = r.addr_lo;
	ret = alg_nat_setup(ct, &r, ALG_NAT_MANIP_SRC);
	if (ret)
		return ret;

	r.addr_lo = alg_conn_tuple(m, !exp->dir)->saddr;
	r.addr_hi = r.addr_lo;
	r.ports = true;
	r.port_lo = ntohs(exp->saved_port);
	r.port_hi = r.port_lo;
	ret = alg_nat_setup(ct, &r, ALG_NAT_MANIP_DST);
	if (ret == -ENOSPC &&
	    alg_nat_ftp_reclaim(ct, r.addr_lo, exp->saved_port))
		ret = alg_nat_setup(ct, &r, ALG_NAT_MANIP_DST);
	if (ret)
		net_info_ratelimited("ftp nat: data connection to %pI4:%u clashes with a live connection; dropped\n",
				     &r.addr_lo, r.port_lo);
	return ret;
}

/*
 * Replace len bytes at payload offset off of a TCP packet by rep, fixing
 * the IP length and both checksums. The caller adjusts sequence numbers.
 */
static bool alg_nat_ftp_mangle(struct sk_buff *skb, unsigned int off,
			       unsigned int len, const char *rep,
			       unsigned int replen)
{
	unsigned int ihl = ip_hdrlen(skb), tcplen, oldtcplen;
	struct iphdr *iph;
	struct tcphdr *th;

	if (skb_ensure_writable(skb, skb->len))
		return false;
	if (replen > len) {
		if (skb->len + replen - len > 65535)
			return false;
		if (replen - len > skb_tailroom(skb) &&
		    pskb_expand_head(skb, 0, replen - len - skb_tailroom(skb),
				     GFP_ATOMIC))
			return false;
		skb_put(skb, replen - len);
	}
	memmove(skb->data + off + replen, skb->data + off + len,
		skb->len - off - max(len, replen));
	memcpy(skb->data + off, rep, replen);
	if (replen < len)
		skb_trim(skb, skb->len - (len - replen));

	iph = ip_hdr(skb);
	oldtcplen = ntohs(iph->tot_len) - ihl;
	iph->tot_len = htons(skb->len);
	ip_send_check(iph);
	th = (void *)iph + ihl;
	tcplen = skb->len - ihl;
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		/* Only the pseudo-header sum is in place; its length changed. */
		inet_proto_csum_replace2(&th->check, skb, htons(oldtcplen),
					 htons(tcplen), true);
	} else {
		th->check = 0;
		th->check = csum_tcpudp_magic(iph->saddr, iph->daddr, tcplen,
					      IPPROTO_TCP,
					      csum_partial(th, tcplen, 0));
		skb->ip_summed = CHECKSUM_NONE;
	}
	return true;
}

static unsigned int alg_nat_ftp_announce(struct sk_buff *skb,
					 struct alg_conn *ct,
					 enum ip_conntrack_info ctinfo,
					 unsigned int off,
					 const struct alg_ftp_match *m,
					 struct alg_expect *exp, int *diff,
					 struct alg_ftp_rewrite *rw)
{
	int dir = CTINFO2DIR(ctinfo);
	__be32 newaddr = alg_conn_tuple(ct, !dir)->daddr;
	u16 port = ntohs(exp->tuple.dport), tries;
	char buf[ALG_FTP_REP_MAX];
	int len, ret = -EBUSY;

	exp->saved_addr = exp->tuple.daddr;
	exp->saved_port = exp->tuple.dport;
	exp->expectfn = alg_nat_ftp_follow;
	exp->tuple.daddr = newaddr;
	/* The wanted port, else the next free one; never wrap below 1024. */
	for (tries = 0; tries < ALG_NAT_FTP_PORT_TRIES && port >= 1024; tries++, port++) {
		exp->tuple.dport = htons(port);
		ret = alg_expect_insert(exp);
		if (ret != -EBUSY)
			break;
	}
	if (ret) {
		net_info_ratelimited("ftp nat: no port for %pI4\n",
				     &newaddr);
		return NF_DROP;
	}
	len = alg_ftp_format(m->kind, newaddr, port, buf, sizeof(buf));
	if (len < 0 || len >= sizeof(buf) ||
	    !alg_nat_ftp_mangle(skb, off, m->len, buf, len)) {
		alg_expect_remove(exp);
		return NF_DROP;
	}
	*diff += len - (int)m->len;
	rw->len = m->len;
	rw->replen = len;
	memcpy(rw->rep, buf, len);
	return NF_ACCEPT;
}

static bool alg_nat_ftp_redo(struct sk_buff *skb, unsigned int off,
			     const struct alg_ftp_rewrite *rw)
{
	return alg_nat_ftp_mangle(skb, off, rw->len, rw->rep, rw->replen);
}

static const struct alg_ftp_nat alg_nat_ftp_ops = {
	.announce = alg_nat_ftp_announce,
	.redo = alg_nat_ftp_redo,
};

void alg_nat_ftp_init(void)
{
	rcu_assign_pointer(alg_ftp_helper.nat, &alg_nat_ftp_ops);
}

void alg_nat_ftp_uninit(void)
{
	RCU_INIT_POINTER(alg_ftp_helper.nat, NULL);
	/* No packet may still be in the functions being unhooked. */
	synchronize_rcu();
}
