// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood: UDP traffic for the alg_conntrack benchmarks.
 *
 *   udpflood flood DST PORT SECS [LEN] [SPORT] [WARM] [IVAL_MS]
 *       One flow: a connected UDP socket sends LEN-byte datagrams (default
 *       64) to DST:PORT from SPORT (default: any) in sendmmsg() batches for
 *       SECS seconds. Prints "sent N secs S pps P errors E ivals K
 *       median_pps M mean_pps A": M and A over the IVAL_MS (default 100)
 *       intervals after the first WARM (default 1) seconds. The median of
 *       short intervals is what a VM that the host stops now and then for a
 *       while (TCG on a busy machine) still measures right.
 *
 *   udpflood fill DST SADDR0 NADDR DPORT0 FIRST COUNT
 *       Distinct flows, one datagram each, through a raw socket: flow i
 *       (FIRST <= i < FIRST+COUNT) goes from source address SADDR0 + a to
 *       DST:DPORT0 + a with source port 1024 + p, where a = i / 64512 and
 *       p = i % 64512. The destination port differs per source address so
 *       that a gateway masquerading everything to one address can keep every
 *       source port (64512 reply tuples per destination port otherwise).
 *       NADDR bounds a (the flows wrap round). Prints "sent N secs S pps P".
 *
 * Errors of single sends (ENOBUFS, ECONNREFUSED from an ICMP error) are
 * counted and retried, never fatal.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PORTS_PER_ADDR 64512u
#define MAX_IVALS 100000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and mean of n rates (sorts them). */
static void rate_stats(double *r, int n, double *median, double *mean)
{
	double sum = 0;
	int i;

	*median = *mean = 0;
	if (n <= 0)
		return;
	for (i = 0; i < n; i++)
		sum += r[i];
	*mean = sum / n;
	qsort(r, n, sizeof(*r), cmp_double);
	*median = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static in_addr_t addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
	return a.s_addr;
}

static int flood(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	char buf[65536];
	unsigned long long sent = 0, errs = 0, mark_sent = 0;
	double secs, t0, end, t, warm = 1, ival = 0.1, mark, median, mean;
	static double rates[MAX_IVALS];
	size_t len = 64;
	int fd, i, n, nr = 0;

	if (argc < 5)
		return 2;
	if (argc > 7)
		warm = atof(argv[7]);
	if (argc > 8)
		ival = atof(argv[8]) / 1000;
	dst.sin_addr.s_addr = addr(argv[2]);
	dst.sin_port = htons(atoi(argv[3]));
	secs = atof(argv[4]);
	if (argc > 5)
		len = strtoul(argv[5], NULL, 0);
	if (len > sizeof(buf))
		len = sizeof(buf);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (argc > 6 && atoi(argv[6])) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		src.sin_port = htons(atoi(argv[6]));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
			die("bind");
	}
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		die("connect");
	memset(buf, 'x', sizeof(buf));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	end = t0 + secs;
	mark = -1;
	do {
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += n;
		else
			errs++;
		t = now();
		if (t < t0 + warm)
			continue;
		if (mark < 0 || t >= mark + ival) {
			if (mark >= 0 && nr < MAX_IVALS)
				rates[nr++] = (sent - mark_sent) / (t - mark);
			mark = t;
			mark_sent = sent;
		}
	} while (t < end);
	rate_stats(rates, nr, &median, &mean);
	printf("sent %llu secs %.3f pps %.0f errors %llu ivals %d median_pps %.0f mean_pps %.0f\n",
	       sent, t - t0, sent / (t - t0), errs, nr, median, mean);
	return 0;
}

struct rawpkt {
	struct iphdr ip;
	struct udphdr udp;
	char data[16];
} __attribute__((packed));

static int fill(int argc, char **argv)
{
	static struct rawpkt pkt[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long long first, count, i, sent = 0, errs = 0;
	unsigned int naddr, dport0, k;
	uint32_t saddr0;
	double t0, t;
	int fd, one = 1, n, done;

	if (argc < 8)
		return 2;
	dst.sin_addr.s_addr = addr(argv[2]);
	saddr0 = ntohl(addr(argv[3]));
	naddr = strtoul(argv[4], NULL, 0);
	dport0 = strtoul(argv[5], NULL, 0);
	first = strtoull(argv[6], NULL, 0);
	count = strtoull(argv[7], NULL, 0);
	if (!naddr)
		naddr = 1;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die("socket(SOCK_RAW)");
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
		die("IP_HDRINCL");
	memset(msgs, 0, sizeof(msgs));
	for (k = 0; k < BATCH; k++) {
		struct rawpkt *p = &pkt[k];

		memset(p, 0, sizeof(*p));
		p->ip.version = 4;
		p->ip.ihl = 5;
		p->ip.ttl = 64;
		p->ip.protocol = IPPROTO_UDP;
		p->ip.tot_len = htons(sizeof(*p));
		p->ip.daddr = dst.sin_addr.s_addr;
		p->udp.len = htons(sizeof(p->udp) + sizeof(p->data));
		p->udp.check = 0;	/* no checksum: allowed for UDP over IPv4 */
		memcpy(p->data, "alg_conntrack fl", sizeof(p->data));
		iov[k].iov_base = p;
		iov[k].iov_len = sizeof(*p);
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
		msgs[k].msg_hdr.msg_name = &dst;
		msgs[k].msg_hdr.msg_namelen = sizeof(dst);
	}
	t0 = now();
	for (i = first; i < first + count; i += done) {
		unsigned int m = BATCH;

		if (first + count - i < m)
			m = first + count - i;
		for (k = 0; k < m; k++) {
			unsigned long long f = i + k;
			unsigned int a = (f / PORTS_PER_ADDR) % naddr;

			pkt[k].ip.saddr = htonl(saddr0 + a);
			pkt[k].udp.source = htons(1024 + f % PORTS_PER_ADDR);
			pkt[k].udp.dest = htons(dport0 + a);
		}
		n = sendmmsg(fd, msgs, m, 0);
		if (n <= 0) {
			errs++;
			if (errs > 1000000)
				break;
			done = 0;
			usleep(100);
			continue;
		}
		done = n;
		sent += n;
	}
	t = now();
	printf("sent %llu secs %.3f pps %.0f errors %llu\n", sent, t - t0,
	       sent / (t - t0 > 0 ? t - t0 : 1), errs);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "flood"))
		ret = flood(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "fill"))
		ret = fill(argc, argv);
	if (ret == 2)
		fprintf(stderr,
			"usage: udpflood flood DST PORT SECS [LEN] [SPORT] [WARM] [IVAL_MS]\n"
			"       udpflood fill DST SADDR0 NADDR DPORT0 FIRST COUNT\n");
	return ret;
}
