// SPDX-License-Identifier: GPL-2.0
/*
 * hookbench: what the IPv4 netfilter hooks of one network namespace cost per
 * forwarded packet, measured in the kernel without a NIC, a qdisc or a
 * receiving host in the way.
 *
 * Loaded with `ip netns exec NS insmod hookbench.ko in=DEV out=DEV
 * cases=...`, it builds packets of a flow client -> server as the driver of
 * the `in` device would hand them up, and runs each through what
 * ip_rcv()/ip_forward()/ip_output() do with it: PRE_ROUTING, the input route
 * lookup, FORWARD, POST_ROUTING, calling nf_hook_slow() on the namespace's
 * own hook entries. A packet that all of them accept is freed instead of
 * being sent. Reply packets arrive on the `out` device addressed to what
 * the client's packets looked like after POST_ROUTING, so NAT, whoever
 * does it, is undone on PRE_ROUTING as on a real gateway.
 *
 * Cases (comma separated in cases=):
 *   floor_udp, floor_tcp, floor_new  the same packets with no hook called:
 *                                    allocation, filling, routing, freeing
 *   udp   one established UDP flow, client -> server datagrams
 *   tcp   one established TCP connection (handshake first), then data
 *         segments client -> server alternating with the server's ACKs
 *   new   a new UDP flow per packet (flow index base=, base+1, ...)
 *   fill  as new, to put entries into the table
 * The n (new_n) packets are timed in chunks; ns= is the median over the
 * chunks of ns per packet, so that the chunks during which the host did not
 * run the VM drop out. udp, tcp and new are paired: before each chunk the
 * same packets of an untracked twin flow run without hooks, and hook= is the
 * median of the per-chunk differences, the hooks' own cost.
 *
 * Each case prints one line "hookbench: result case=NAME key=value ...",
 * then "hookbench: done"; the module then refuses to stay loaded (-EAGAIN),
 * so nothing is left to rmmod (unless stay=1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/nsproxy.h>
#include <linux/ktime.h>
#include <linux/sort.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>
#include <net/checksum.h>

static char *hb_in = "gw_in";
module_param_named(in, hb_in, charp, 0444);
MODULE_PARM_DESC(in, "device the client side arrives on");

static char *hb_out = "gw_out";
module_param_named(out, hb_out, charp, 0444);
MODULE_PARM_DESC(out, "device the server side arrives on");

static char *hb_cases = "floor_udp,udp";
module_param_named(cases, hb_cases, charp, 0444);
MODULE_PARM_DESC(cases, "comma separated: floor_udp floor_tcp floor_new udp tcp new fill");

static char *hb_client = "10.0.1.2";
module_param_named(client, hb_client, charp, 0444);
MODULE_PARM_DESC(client, "client address (new flows use .10 and up of its /24)");

static char *hb_server = "10.0.2.2";
module_param_named(server, hb_server, charp, 0444);
MODULE_PARM_DESC(server, "server address");

static unsigned int hb_n = 20000;
module_param_named(n, hb_n, uint, 0444);
MODULE_PARM_DESC(n, "timed packets per case");

static unsigned int hb_new_n;
module_param_named(new_n, hb_new_n, uint, 0444);
MODULE_PARM_DESC(new_n, "timed packets of floor_new, new and fill (0: n)");

static unsigned int hb_chunks = 16;
module_param_named(chunks, hb_chunks, uint, 0444);
MODULE_PARM_DESC(chunks, "the n packets are timed in this many chunks; the figure is their median");

static unsigned int hb_sport = 40000;
module_param_named(sport, hb_sport, uint, 0444);
MODULE_PARM_DESC(sport, "client port of the udp flow; the tcp connection uses sport+1");

static unsigned int hb_base;
module_param_named(base, hb_base, uint, 0444);
MODULE_PARM_DESC(base, "first flow index of new/fill (flow i: client .10 + i / 60000, port 1024 + i % 60000)");

static unsigned int hb_len = 64;
module_param_named(len, hb_len, uint, 0444);
MODULE_PARM_DESC(len, "payload bytes of UDP datagrams and TCP data segments");

static bool hb_sw_csum;
module_param_named(sw_csum, hb_sw_csum, bool, 0444);
MODULE_PARM_DESC(sw_csum, "1: CHECKSUM_NONE (trackers verify in software); 0: CHECKSUM_UNNECESSARY, as from a NIC that checked it");

static bool hb_paired = true;
module_param_named(paired, hb_paired, bool, 0444);
MODULE_PARM_DESC(paired, "udp, tcp, new: time a chunk of the same packets without hooks before each chunk, for a hook cost that the host's ups and downs hit alike");

static bool hb_stay;
module_param_named(stay, hb_stay, bool, 0444);
MODULE_PARM_DESC(stay, "1: stay loaded after the run (so that a profile can name this module's functions); rmmod it");

#define HB_BATCH	32
#define HB_MAX_CHUNKS	256
#define HB_MAX_LEN	1400
#define HB_UDP_DPORT	5201
#define HB_TCP_DPORT	80
/* New flows: 60000 source ports per client address, from .10 up. */
#define HB_NEW_PORTS	60000
#define HB_NEW_HOST0	10
#define HB_NEW_DPORT0	20000
#define HB_CSEQ0	1000000u
#define HB_SSEQ0	5000000u
/* With window scale 7 both ways: 64256 bytes, far more than one segment. */
#define HB_TCP_WIN	502

enum hb_kind { HB_UDP, HB_TCP, HB_NEW };

struct hb_case {
	const char *name;
	enum hb_kind kind;
	bool hooks;
	bool paired;	/* a floor chunk before each chunk (paired=1) */
};

static const struct hb_case hb_case_list[] = {
	{ "floor_udp", HB_UDP, false, false },
	{ "floor_tcp", HB_TCP, false, false },
	{ "floor_new", HB_NEW, false, false },
	{ "udp", HB_UDP, true, true },
	{ "tcp", HB_TCP, true, true },
	{ "new", HB_NEW, true, true },
	{ "fill", HB_NEW, true, false },
};

struct hb_pkt {
	__be32 saddr, daddr;
	__be16 sport, dport;
	u8 proto;
	u8 tcp_flags;
	u32 seq, ack;
	unsigned int plen;
};

struct hb_stats {
	u64 accept, local, noroute, nomem, ct, bad;
	u64 drop[NF_INET_NUMHOOKS], stolen[NF_INET_NUMHOOKS];
};

struct hb_ctx {
	struct net *net;
	struct net_device *in, *out;
	__be32 client, server;
	u16 ipid;
	/* What the packets of the chunk being run count into. */
	struct hb_stats *cur;
	struct hb_stats st, st_floor;
	/* ns per packet of each chunk, with hooks, floor, and the difference */
	u64 t[HB_MAX_CHUNKS], tf[HB_MAX_CHUNKS];
	s64 d[HB_MAX_CHUNKS];
	/* The last accepted packet as it left POST_ROUTING (or LOCAL_IN). */
	__be32 last_saddr, last_daddr;
	__be16 last_sport, last_dport;
};

/* One flow: its packets as the client sends them, and how NAT showed them. */
struct hb_flow {
	struct hb_pkt orig, reply;
	__be32 post_saddr;
	__be16 post_sport;
	u32 cseq, sseq;
	bool setup_ok;
};

/* MSS 1460, NOP, window scale 7: what the trackers need to scale windows. */
static const u8 hb_syn_opts[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
static const u8 hb_peer_mac[ETH_ALEN] = { 0x02, 0, 0, 0xbe, 0x0c, 0x01 };

/* Nothing reinjects here (no queueing): a late okfn just frees. */
static int hb_okfn(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	kfree_skb(skb);
	return 0;
}

/* A frame as a driver hands it to the stack, with eth_type_trans() done. */
static struct sk_buff *hb_build(struct hb_ctx *c, struct net_device *dev,
				const struct hb_pkt *p)
{
	unsigned int optlen = 0, l4len, len;
	struct sk_buff *skb;
	struct ethhdr *eth;
	struct iphdr *iph;
	void *l4;

	if (p->proto == IPPROTO_TCP) {
		if (p->tcp_flags & TCPHDR_SYN)
			optlen = sizeof(hb_syn_opts);
		l4len = sizeof(struct tcphdr) + optlen + p->plen;
	} else {
		l4len = sizeof(struct udphdr) + p->plen;
	}
	len = sizeof(*iph) + l4len;
	skb = netdev_alloc_skb_ip_align(dev, ETH_HLEN + len);
	if (!skb)
		return NULL;
	eth = skb_put(skb, ETH_HLEN + len);
	ether_addr_copy(eth->h_dest, dev->dev_addr);
	ether_addr_copy(eth->h_source, hb_peer_mac);
	eth->h_proto = htons(ETH_P_IP);
	skb->protocol = eth_type_trans(skb, dev);
	skb->skb_iif = dev->ifindex;
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*iph));
	IPCB(skb)->iif = dev->ifindex;

	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = 0;
	iph->tot_len = htons(len);
	iph->id = htons(c->ipid++);
	iph->frag_off = p->proto == IPPROTO_TCP ? htons(IP_DF) : 0;
	iph->ttl = 64;
	iph->protocol = p->proto;
	iph->saddr = p->saddr;
	iph->daddr = p->daddr;
	ip_send_check(iph);

	l4 = iph + 1;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		memset(th, 0, sizeof(*th));
		th->source = p->sport;
		th->dest = p->dport;
		th->seq = htonl(p->seq);
		th->ack_seq = htonl(p->ack);
		th->doff = (sizeof(*th) + optlen) / 4;
		tcp_flag_byte(th) = p->tcp_flags;
		th->window = htons(p->tcp_flags & TCPHDR_SYN ? 64240 : HB_TCP_WIN);
		memcpy(th + 1, hb_syn_opts, optlen);
		memset((u8 *)(th + 1) + optlen, 0, p->plen);
		th->check = csum_tcpudp_magic(p->saddr, p->daddr, l4len,
					      IPPROTO_TCP,
					      csum_partial(th, l4len, 0));
	} else {
		struct udphdr *uh = l4;

		uh->source = p->sport;
		uh->dest = p->dport;
		uh->len = htons(l4len);
		uh->check = 0;
		memset(uh + 1, 0, p->plen);
		uh->check = csum_tcpudp_magic(p->saddr, p->daddr, l4len,
					      IPPROTO_UDP,
					      csum_partial(uh, l4len, 0));
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	skb->ip_summed = hb_sw_csum ? CHECKSUM_NONE : CHECKSUM_UNNECESSARY;
	return skb;
}

/*
 * What nf_hook() does once its static key says hooks exist; an empty hook
 * (no entries) accepts. 1: accepted; 0: stolen; < 0: dropped (and freed).
 */
static int hb_hook(struct hb_ctx *c, unsigned int hook, struct sk_buff *skb,
		   struct net_device *in, struct net_device *out)
{
	const struct nf_hook_entries *e;
	struct nf_hook_state state;

	e = rcu_dereference(c->net->nf.hooks_ipv4[hook]);
	if (!e)
		return 1;
	nf_hook_state_init(&state, hook, NFPROTO_IPV4, in, out, NULL, c->net,
			   hb_okfn);
	return nf_hook_slow(skb, &state, e, 0);
}

static void hb_lost(struct hb_ctx *c, unsigned int hook, int ret)
{
	if (ret < 0)
		c->cur->drop[hook]++;
	else
		c->cur->stolen[hook]++;
}

static void hb_seen(struct hb_ctx *c, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const __be16 *ports = (const __be16 *)((const u8 *)iph + iph->ihl * 4);

	c->last_saddr = iph->saddr;
	c->last_daddr = iph->daddr;
	c->last_sport = ports[0];
	c->last_dport = ports[1];
}

/*
 * ip_rcv_finish() + ip_forward() + ip_output() for one received packet,
 * with the hooks or (floor) without. Must run under rcu_read_lock() with
 * BHs off, as the receive softirq does. Returns whether all accepted.
 */
static bool hb_forward(struct hb_ctx *c, struct sk_buff *skb, bool hooks)
{
	struct net_device *in = skb->dev, *out;
	const struct iphdr *iph;
	struct rtable *rt;
	int ret;

	if (hooks) {
		ret = hb_hook(c, NF_INET_PRE_ROUTING, skb, in, NULL);
		if (ret <= 0) {
			hb_lost(c, NF_INET_PRE_ROUTING, ret);
			return false;
		}
		if (skb_nfct(skb))
			c->cur->ct++;
	}
	/* After PRE_ROUTING: DNAT (or undoing SNAT) decides the route. */
	iph = ip_hdr(skb);
	if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos, in))
		goto noroute;
	rt = skb_rtable(skb);
	if (rt->rt_type == RTN_LOCAL) {
		/* Only a reply whose NAT was not undone gets here. */
		c->cur->local++;
		if (hooks) {
			ret = hb_hook(c, NF_INET_LOCAL_IN, skb, in, NULL);
			if (ret <= 0) {
				hb_lost(c, NF_INET_LOCAL_IN, ret);
				return false;
			}
		}
		hb_seen(c, skb);
		consume_skb(skb);
		return false;
	}
	if (rt->rt_type != RTN_UNICAST)
		goto noroute;
	out = rt->dst.dev;
	if (skb_cow(skb, LL_RESERVED_SPACE(out) + rt->dst.header_len)) {
		c->cur->nomem++;
		kfree_skb(skb);
		return false;
	}
	ip_decrease_ttl(ip_hdr(skb));
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	if (hooks) {
		ret = hb_hook(c, NF_INET_FORWARD, skb, in, out);
		if (ret <= 0) {
			hb_lost(c, NF_INET_FORWARD, ret);
			return false;
		}
	}
	skb->dev = out;
	skb->protocol = htons(ETH_P_IP);
	if (hooks) {
		ret = hb_hook(c, NF_INET_POST_ROUTING, skb, NULL, out);
		if (ret <= 0) {
			hb_lost(c, NF_INET_POST_ROUTING, ret);
			return false;
		}
	}
	c->cur->accept++;
	hb_seen(c, skb);
	consume_skb(skb);
	return true;

noroute:
	c->cur->noroute++;
	kfree_skb(skb);
	return false;
}

/* Build and forward one packet; false if it was not accepted whole. */
static bool hb_send(struct hb_ctx *c, struct net_device *dev,
		    const struct hb_pkt *p, bool hooks)
{
	struct sk_buff *skb = hb_build(c, dev, p);

	if (!skb) {
		c->cur->nomem++;
		return false;
	}
	return hb_forward(c, skb, hooks);
}

/* The setup packets, outside the timing, in softirq-like context too. */
static bool hb_send_one(struct hb_ctx *c, struct net_device *dev,
			const struct hb_pkt *p)
{
	bool ok;

	local_bh_disable();
	rcu_read_lock();
	ok = hb_send(c, dev, p, true);
	rcu_read_unlock();
	local_bh_enable();
	return ok;
}

/* Did the reply come out towards the client, with NAT undone? */
static bool hb_to_client(const struct hb_ctx *c, const struct hb_flow *f)
{
	return c->last_daddr == f->orig.saddr &&
	       c->last_dport == f->orig.sport;
}

static void hb_flow_init(struct hb_ctx *c, struct hb_flow *f,
			 const struct hb_case *hc)
{
	memset(f, 0, sizeof(*f));
	f->orig.saddr = c->client;
	f->orig.daddr = c->server;
	f->orig.proto = hc->kind == HB_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	f->orig.sport = htons(hc->kind == HB_TCP ? hb_sport + 1 : hb_sport);
	f->orig.dport = htons(hc->kind == HB_TCP ? HB_TCP_DPORT : HB_UDP_DPORT);
	f->orig.plen = hb_len;
	/* Until a packet shows otherwise (floor, or no NAT): unchanged. */
	f->post_saddr = f->orig.saddr;
	f->post_sport = f->orig.sport;
	f->cseq = HB_CSEQ0 + 1;
	f->sseq = HB_SSEQ0 + 1;
	f->setup_ok = true;
}

/* The reply as it reaches the gateway: to the client as NAT made it look. */
static void hb_flow_reply(struct hb_flow *f)
{
	f->reply = f->orig;
	f->reply.saddr = f->orig.daddr;
	f->reply.sport = f->orig.dport;
	f->reply.daddr = f->post_saddr;
	f->reply.dport = f->post_sport;
}

static void hb_flow_learn(struct hb_ctx *c, struct hb_flow *f)
{
	f->post_saddr = c->last_saddr;
	f->post_sport = c->last_sport;
	hb_flow_reply(f);
}

/*
 * Make the flow established in the trackers: UDP one datagram each way;
 * TCP the three-way handshake with window scaling. Not timed.
 */
static bool hb_flow_setup(struct hb_ctx *c, struct hb_flow *f,
			  const struct hb_case *hc)
{
	struct hb_pkt p;

	if (hc->kind == HB_UDP) {
		if (!hb_send_one(c, c->in, &f->orig))
			return false;
		hb_flow_learn(c, f);
		return hb_send_one(c, c->out, &f->reply) && hb_to_client(c, f);
	}
	p = f->orig;
	p.tcp_flags = TCPHDR_SYN;
	p.seq = HB_CSEQ0;
	p.plen = 0;
	if (!hb_send_one(c, c->in, &p))
		return false;
	hb_flow_learn(c, f);
	p = f->reply;
	p.tcp_flags = TCPHDR_SYN | TCPHDR_ACK;
	p.seq = HB_SSEQ0;
	p.ack = HB_CSEQ0 + 1;
	p.plen = 0;
	if (!hb_send_one(c, c->out, &p) || !hb_to_client(c, f))
		return false;
	p = f->orig;
	p.tcp_flags = TCPHDR_ACK;
	p.seq = f->cseq;
	p.ack = f->sseq;
	p.plen = 0;
	return hb_send_one(c, c->in, &p);
}

/* Packet i of the timed loop. */
static void hb_one(struct hb_ctx *c, enum hb_kind kind, struct hb_flow *f,
		   u32 i, bool hooks)
{
	struct hb_pkt p;
	u32 flow;

	switch (kind) {
	case HB_UDP:
		if (hb_send(c, c->in, &f->orig, hooks) &&
		    (c->last_saddr != f->post_saddr ||
		     c->last_sport != f->post_sport))
			c->cur->bad++;
		break;
	case HB_TCP:
		if (!(i & 1)) {
			p = f->orig;
			p.tcp_flags = TCPHDR_ACK | TCPHDR_PSH;
			p.seq = f->cseq;
			p.ack = f->sseq;
			f->cseq += p.plen;
			if (hb_send(c, c->in, &p, hooks) &&
			    (c->last_saddr != f->post_saddr ||
			     c->last_sport != f->post_sport))
				c->cur->bad++;
		} else {
			p = f->reply;
			p.tcp_flags = TCPHDR_ACK;
			p.seq = f->sseq;
			p.ack = f->cseq;
			p.plen = 0;
			if (hb_send(c, c->out, &p, hooks) &&
			    !hb_to_client(c, f))
				c->cur->bad++;
		}
		break;
	case HB_NEW:
		/* Unique reply tuples even if NAT keeps every source port. */
		flow = hb_base + i;
		p = f->orig;
		p.saddr = htonl((ntohl(c->client) & ~0xffu) +
				HB_NEW_HOST0 + flow / HB_NEW_PORTS);
		p.sport = htons(1024 + flow % HB_NEW_PORTS);
		p.dport = htons(HB_NEW_DPORT0 + flow / HB_NEW_PORTS);
		hb_send(c, c->in, &p, hooks);
		break;
	}
}

/*
 * per packets of flow f, from packet *i on, in batches under the locks
 * the receive softirq would hold; returns the ns they took.
 */
static u64 hb_chunk(struct hb_ctx *c, enum hb_kind kind, struct hb_flow *f,
		    bool hooks, u32 *i, unsigned int per)
{
	unsigned int j, b, m;
	u64 t0 = ktime_get_ns();

	for (j = 0; j < per; j += m) {
		m = min(per - j, (unsigned int)HB_BATCH);
		local_bh_disable();
		rcu_read_lock();
		for (b = 0; b < m; b++)
			hb_one(c, kind, f, (*i)++, hooks);
		rcu_read_unlock();
		local_bh_enable();
		cond_resched();
	}
	return ktime_get_ns() - t0;
}

static int hb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int hb_cmp_s64(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;

	return x < y ? -1 : x > y;
}

static u64 hb_median_u64(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(v[0]), hb_cmp_u64, NULL);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static s64 hb_median_s64(s64 *v, unsigned int n)
{
	sort(v, n, sizeof(v[0]), hb_cmp_s64, NULL);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static u64 hb_sum(const u64 *v)
{
	return v[NF_INET_PRE_ROUTING] + v[NF_INET_FORWARD] +
	       v[NF_INET_POST_ROUTING] + v[NF_INET_LOCAL_IN];
}

static int hb_run_case(struct hb_ctx *c, const struct hb_case *hc)
{
	unsigned int n = hc->kind == HB_NEW && hb_new_n ? hb_new_n : hb_n;
	bool paired = hb_paired && hc->paired;
	u64 sum = 0, med, fmed = 0, t0;
	unsigned int nchunks, per, k;
	struct hb_flow f, f0;
	s64 dmed = 0;
	u32 i = 0, i0 = 0;

	memset(&c->st, 0, sizeof(c->st));
	memset(&c->st_floor, 0, sizeof(c->st_floor));
	c->cur = &c->st;
	hb_flow_init(c, &f, hc);
	hb_flow_reply(&f);
	if (hc->hooks && hc->kind != HB_NEW)
		f.setup_ok = hb_flow_setup(c, &f, hc);
	/* The setup packets are no part of the figures. */
	memset(&c->st, 0, sizeof(c->st));
	/* The floor's packets as they come in, untranslated. */
	hb_flow_init(c, &f0, hc);
	hb_flow_reply(&f0);

	nchunks = clamp(min(hb_chunks, n), 1u, (unsigned int)HB_MAX_CHUNKS);
	for (k = 0; k < nchunks; k++) {
		/* Exactly n packets: fill must add exactly n entries. */
		per = n / nchunks + (k < n % nchunks);
		if (paired) {
			c->cur = &c->st_floor;
			c->tf[k] = div_u64(hb_chunk(c, hc->kind, &f0, false,
						    &i0, per), per);
			c->cur = &c->st;
		}
		t0 = hb_chunk(c, hc->kind, &f, hc->hooks, &i, per);
		sum += t0;
		/*
		 * Per chunk, so that the median leaves out the chunks during
		 * which the host did not run this vCPU (TCG, a busy host).
		 */
		c->t[k] = div_u64(t0, per);
		c->d[k] = (s64)c->t[k] - (s64)c->tf[k];
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	if (paired) {
		dmed = hb_median_s64(c->d, nchunks);
		fmed = hb_median_u64(c->tf, nchunks);
	}
	med = hb_median_u64(c->t, nchunks);

	pr_info("result case=%s n=%u ns=%llu mean=%llu min=%llu max=%llu floor=%llu hook=%lld floor_accept=%llu accept=%llu drop=%llu drop_pre=%llu drop_fwd=%llu drop_post=%llu drop_in=%llu stolen=%llu local=%llu noroute=%llu nomem=%llu ct=%llu bad=%llu post=%pI4:%u setup=%s\n",
		hc->name, i, med, div64_u64(sum, max(i, 1u)), c->t[0],
		c->t[nchunks - 1], fmed, dmed,
		paired ? c->st_floor.accept : 0, c->st.accept,
		hb_sum(c->st.drop), c->st.drop[NF_INET_PRE_ROUTING],
		c->st.drop[NF_INET_FORWARD], c->st.drop[NF_INET_POST_ROUTING],
		c->st.drop[NF_INET_LOCAL_IN], hb_sum(c->st.stolen),
		c->st.local, c->st.noroute, c->st.nomem, c->st.ct, c->st.bad,
		&f.post_saddr, ntohs(f.post_sport),
		f.setup_ok ? "ok" : "failed");
	return 0;
}

static const struct hb_case *hb_find_case(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hb_case_list); i++)
		if (!strcmp(hb_case_list[i].name, name))
			return &hb_case_list[i];
	return NULL;
}

static int hb_run_all(struct hb_ctx *c)
{
	const struct hb_case *hc;
	char *list, *pos, *name;
	int ret = 0;

	list = kstrdup(hb_cases, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	pos = list;
	while ((name = strsep(&pos, ",")) && !ret) {
		if (!*name)
			continue;
		hc = hb_find_case(name);
		if (!hc) {
			pr_err("unknown case '%s'\n", name);
			ret = -EINVAL;
			break;
		}
		ret = hb_run_case(c, hc);
	}
	kfree(list);
	return ret;
}

static int __init hb_init(void)
{
	struct hb_ctx *c;
	int ret;

	if (hb_len > HB_MAX_LEN) {
		pr_err("len=%u: at most %u\n", hb_len, HB_MAX_LEN);
		return -EINVAL;
	}
	if (!hb_n) {
		pr_err("n=0: nothing to time\n");
		return -EINVAL;
	}
	/* New flows' client addresses must stay inside the client's /24. */
	if ((u64)hb_base + max(hb_n, hb_new_n) >
	    (u64)(254 - HB_NEW_HOST0) * HB_NEW_PORTS) {
		pr_err("base + n: at most %u new flows\n",
		       (254 - HB_NEW_HOST0) * HB_NEW_PORTS);
		return -EINVAL;
	}
	if (hb_sport < 1 || hb_sport > 65534) {
		pr_err("sport=%u: 1..65534\n", hb_sport);
		return -EINVAL;
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	if (!in4_pton(hb_client, -1, (u8 *)&c->client, -1, NULL) ||
	    !in4_pton(hb_server, -1, (u8 *)&c->server, -1, NULL)) {
		pr_err("client=%s server=%s: not IPv4 addresses\n",
		       hb_client, hb_server);
		ret = -EINVAL;
		goto out_free;
	}
	/* The namespace insmod runs in: `ip netns exec NS insmod ...`. */
	c->net = get_net(current->nsproxy->net_ns);
	c->in = dev_get_by_name(c->net, hb_in);
	c->out = dev_get_by_name(c->net, hb_out);
	if (!c->in || !c->out) {
		pr_err("no device %s or %s in this namespace\n", hb_in, hb_out);
		ret = -ENODEV;
		goto out_put;
	}
	ret = hb_run_all(c);
	if (!ret) {
		pr_info("done\n");
		/* Measured and printed: nothing to keep loaded. */
		if (!hb_stay)
			ret = -EAGAIN;
	}
out_put:
	dev_put(c->out);
	dev_put(c->in);
	put_net(c->net);
out_free:
	kfree(c);
	return ret;
}
module_init(hb_init);

static void __exit hb_exit(void)
{
}
module_exit(hb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-packet cost of the IPv4 netfilter hooks on the forwarding path (benchmark)");
