// SPDX-License-Identifier: GPL-2.0
/*
 * ctnetlink messages (src/ui/ctnl_msg.c) written with libmnl and read back
 * by libnetfilter_conntrack, the library conntrack-tools and conntrackd
 * use: it refuses any attribute of the wrong size, and prints entries the
 * way `conntrack -L` does. Also the dump filter.
 */
#include "unit.h"

#include "../../src/ui/ctnl_msg.c"

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>

struct alg_nlw {
	struct nlmsghdr *nlh;
	size_t cap;
};

int alg_nlw_put(struct alg_nlw *w, u16 type, const void *data, u16 len)
{
	return !mnl_attr_put_check(w->nlh, w->cap, type, len, data);
}

void *alg_nlw_nest(struct alg_nlw *w, u16 type)
{
	return mnl_attr_nest_start_check(w->nlh, w->cap, type);
}

void alg_nlw_nest_end(struct alg_nlw *w, void *nest)
{
	mnl_attr_nest_end(w->nlh, nest);
}

static char buf[4096];
static struct alg_nlw w;

static struct nlmsghdr *msg_start(u8 subsys, u8 type, size_t cap)
{
	struct nfgenmsg *g;

	memset(buf, 0, sizeof(buf));
	w.nlh = mnl_nlmsg_put_header(buf);
	w.nlh->nlmsg_type = subsys << 8 | type;
	w.cap = cap;
	g = mnl_nlmsg_put_extra_header(w.nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	return w.nlh;
}

static struct alg_tuple orig, reply, master;
static struct alg_ctnl_conn c;

/* 10.0.1.2:40000 -> 10.0.2.2:21 behind SNAT to 10.0.2.1, FTP helper. */
static void conn_tcp(void)
{
	memset(&orig, 0, sizeof(orig));
	orig.saddr = htonl(0x0a000102);
	orig.daddr = htonl(0x0a000202);
	orig.sport = htons(40000);
	orig.dport = htons(21);
	orig.proto = ALG_PROTO_TCP;
	alg_tuple_invert(&reply, &orig);
	reply.daddr = htonl(0x0a000201);
	memset(&c, 0, sizeof(c));
	c.tuple[0] = &orig;
	c.tuple[1] = &reply;
	c.status = IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED | IPS_SRC_NAT |
		   IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE;
	c.timeout = 431999;
	c.mark = 7;
	c.id = 0xdeadbeef;
	c.use = 1;
	c.helper = "ftp";
	c.tcp = true;
	c.tcp_state = 3;
	c.tcp_wscale[0] = 7;
	c.tcp_wscale[1] = 9;
	c.tcp_flags[0] = 0x23;
}

static struct nf_conntrack *parse(enum alg_ctnl_kind kind)
{
	struct nf_conntrack *ct = nfct_new();

	msg_start(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_NEW, sizeof(buf));
	if (alg_ctnl_conn_put(&w, &c, kind) || nfct_nlmsg_parse(w.nlh, ct) < 0) {
		nfct_destroy(ct);
		return NULL;
	}
	return ct;
}

static const char *line(struct nf_conntrack *ct, unsigned int type)
{
	static char out[1024];

	nfct_snprintf(out, sizeof(out), ct, type, NFCT_O_DEFAULT, 0);
	return out;
}

UNIT_TEST(entry_parses_with_every_field)
{
	struct nf_conntrack *ct;

	conn_tcp();
	ct = parse(ALG_CTNL_ENTRY);
	UNIT_CHECK(ct);
	if (!ct)
		return;
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_SRC), orig.saddr);
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_REPL_IPV4_DST), htonl(0x0a000201));
	UNIT_EQ(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC), htons(40000));
	UNIT_EQ(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC), htons(21));
	UNIT_EQ(nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO), 6);
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_STATUS), c.status);
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_TIMEOUT), 431999);
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_MARK), 7);
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_ID), 0xdeadbeef);
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_USE), 1);
	UNIT_EQ(nfct_get_attr_u8(ct, ATTR_TCP_STATE), 3);
	UNIT_EQ(nfct_get_attr_u8(ct, ATTR_TCP_WSCALE_ORIG), 7);
	UNIT_EQ(nfct_get_attr_u8(ct, ATTR_TCP_WSCALE_REPL), 9);
	UNIT_EQ(nfct_get_attr_u8(ct, ATTR_TCP_FLAGS_ORIG), 0x23);
	UNIT_CHECK(!strcmp(nfct_get_attr(ct, ATTR_HELPER_NAME), "ftp"));
	UNIT_CHECK(!nfct_attr_is_set(ct, ATTR_MASTER_IPV4_SRC));
	nfct_destroy(ct);
}

UNIT_TEST(entry_prints_as_conntrack_L)
{
	struct nf_conntrack *ct;

	conn_tcp();
	ct = parse(ALG_CTNL_ENTRY);
	UNIT_CHECK(ct);
	if (!ct)
		return;
	UNIT_CHECK(!strcmp(line(ct, NFCT_T_UNKNOWN),
			   "tcp      6 431999 ESTABLISHED src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=21 "
			   "src=10.0.2.2 dst=10.0.2.1 sport=21 dport=40000 [ASSURED] mark=7 helper=ftp use=1"));
	nfct_destroy(ct);
}

UNIT_TEST(expected_entry_names_its_master_and_seqadj)
{
	struct nf_conntrack *ct;

	conn_tcp();
	master = orig;
	orig.sport = htons(40001);
	orig.dport = htons(30100);
	alg_tuple_invert(&reply, &orig);
	c.master = &master;
	c.helper = NULL;
	c.seqadj = true;
	c.seq[0].pos = 1000;
	c.seq[0].before = 0;
	c.seq[0].after = 3;
	ct = parse(ALG_CTNL_ENTRY);
	UNIT_CHECK(ct);
	if (!ct)
		return;
	UNIT_EQ(nfct_get_attr_u16(ct, ATTR_MASTER_PORT_DST), htons(21));
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_MASTER_IPV4_SRC), master.saddr);
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_ORIG_NAT_SEQ_CORRECTION_POS), 1000);
	UNIT_EQ(nfct_get_attr_u32(ct, ATTR_ORIG_NAT_SEQ_OFFSET_AFTER), 3);
	UNIT_CHECK(!nfct_attr_is_set(ct, ATTR_HELPER_NAME));
	nfct_destroy(ct);
}

UNIT_TEST(icmp_tuple)
{
	struct nf_conntrack *ct;

	conn_tcp();
	orig.proto = ALG_PROTO_ICMP;
	orig.icmp_type = 8;
	orig.sport = htons(777);
	orig.dport = 0;
	alg_tuple_invert(&reply, &orig);
	c.tcp = false;
	c.helper = NULL;
	ct = parse(ALG_CTNL_ENTRY);
	UNIT_CHECK(ct);
	if (!ct)
		return;
	UNIT_EQ(nfct_get_attr_u8(ct, ATTR_ICMP_TYPE), 8);
	UNIT_EQ(nfct_get_attr_u16(ct, ATTR_ICMP_ID), htons(777));
	UNIT_CHECK(strstr(line(ct, NFCT_T_UNKNOWN), "type=8 code=0 id=777 src=10.0.2.2 dst=10.0.1.2 type=0 code=0 id=777"));
	nfct_destroy(ct);
}

UNIT_TEST(events_carry_what_ctnetlink_events_carry)
{
	struct nf_conntrack *ct;

	conn_tcp();
	c.mark = 0;
	c.timeout = 0;
	ct = parse(ALG_CTNL_EV_DESTROY);
	UNIT_CHECK(ct);
	if (!ct)
		return;
	/* no time left: no CTA_TIMEOUT; no mark: no CTA_MARK; no use count */
	UNIT_CHECK(!nfct_attr_is_set(ct, ATTR_TIMEOUT));
	UNIT_CHECK(!nfct_attr_is_set(ct, ATTR_MARK));
	UNIT_CHECK(!nfct_attr_is_set(ct, ATTR_USE));
	UNIT_CHECK(!nfct_attr_is_set(ct, ATTR_HELPER_NAME));
	UNIT_EQ(nfct_get_attr_u8(ct, ATTR_TCP_STATE), 3);
	UNIT_CHECK(!nfct_attr_is_set(ct, ATTR_TCP_WSCALE_ORIG));
	UNIT_CHECK(!nfct_attr_is_set(ct, ATTR_TCP_FLAGS_ORIG));
	nfct_destroy(ct);
	c.report = true;
	ct = parse(ALG_CTNL_EV_UPDATE);
	UNIT_CHECK(ct && nfct_attr_is_set(ct, ATTR_MARK));
	UNIT_CHECK(ct && nfct_attr_is_set(ct, ATTR_TIMEOUT));
	if (ct)
		nfct_destroy(ct);
}

UNIT_TEST(full_message_says_so)
{
	conn_tcp();
	msg_start(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_NEW, 120);
	UNIT_CHECK(alg_ctnl_conn_put(&w, &c, ALG_CTNL_ENTRY) != 0);
}

UNIT_TEST(expectation_parses_and_prints)
{
	struct nf_expect *exp = nfexp_new();
	struct alg_tuple t = { 0 };
	struct alg_ctnl_exp e = { 0 };
	char out[1024];

	conn_tcp();
	t.saddr = orig.saddr;
	t.daddr = orig.daddr;
	t.dport = htons(30100);
	t.proto = ALG_PROTO_TCP;
	e.tuple = &t;
	e.master = &orig;
	e.helper = "ftp";
	e.timeout = 299;
	e.id = 5;
	msg_start(NFNL_SUBSYS_CTNETLINK_EXP, IPCTNL_MSG_EXP_NEW, sizeof(buf));
	UNIT_CHECK(!alg_ctnl_exp_put(&w, &e));
	UNIT_CHECK(nfexp_nlmsg_parse(w.nlh, exp) == 0);
	nfexp_snprintf(out, sizeof(out), exp, NFCT_T_UNKNOWN, NFCT_O_DEFAULT, 0);
	UNIT_CHECK(!strcmp(out, "299 proto=6 src=10.0.1.2 dst=10.0.2.2 sport=0 dport=30100 "
			   "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 "
			   "master-src=10.0.1.2 master-dst=10.0.2.2 sport=40000 dport=21 class=0 helper=ftp"));
	nfexp_destroy(exp);
}

UNIT_TEST(filter)
{
	struct alg_ctnl_filter f = { 0 };

	conn_tcp();
	UNIT_CHECK(alg_ctnl_filter_match(NULL, &c));
	UNIT_CHECK(alg_ctnl_filter_match(&f, &c));
	f.flags[0] = ALG_CTNL_F_PROTO_NUM | ALG_CTNL_F_DST_PORT;
	f.tuple[0].proto = ALG_PROTO_TCP;
	f.tuple[0].dport = htons(21);
	UNIT_CHECK(alg_ctnl_filter_match(&f, &c));
	f.tuple[0].dport = htons(22);
	UNIT_CHECK(!alg_ctnl_filter_match(&f, &c));
	f.flags[0] = ALG_CTNL_F_ICMP_TYPE;	/* not TCP's: ignored, as ctnetlink */
	UNIT_CHECK(alg_ctnl_filter_match(&f, &c));
	f.flags[0] = 0;
	f.flags[1] = ALG_CTNL_F_IP_DST;
	f.tuple[1].daddr = htonl(0x0a000201);
	UNIT_CHECK(alg_ctnl_filter_match(&f, &c));
	f.tuple[1].daddr = htonl(0x0a000102);
	UNIT_CHECK(!alg_ctnl_filter_match(&f, &c));
	f.flags[1] = 0;
	f.mark_mask = 0xf;
	f.mark = 7;
	UNIT_CHECK(alg_ctnl_filter_match(&f, &c));
	f.mark = 6;
	UNIT_CHECK(!alg_ctnl_filter_match(&f, &c));
	f.mark = 0x17;	/* a bit outside the mask: matches nothing, as ctnetlink */
	UNIT_CHECK(!alg_ctnl_filter_match(&f, &c));
	f.mark = 7;
	f.status_mask = IPS_ASSURED;
	f.status = IPS_ASSURED;
	UNIT_CHECK(alg_ctnl_filter_match(&f, &c));
	f.status = 0;
	UNIT_CHECK(!alg_ctnl_filter_match(&f, &c));
	f.status = IPS_ASSURED;
	f.family = 10;	/* AF_INET6 */
	UNIT_CHECK(!alg_ctnl_filter_match(&f, &c));
}

int main(void)
{
	return unit_run();
}
