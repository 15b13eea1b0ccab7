// SPDX-License-Identifier: GPL-2.0
/*
 * udpsink PORT [ADDR]: receive and discard UDP datagrams in recvmmsg()
 * batches until SIGTERM/SIGINT, then print "received N from A:P" (A:P the
 * source of the first datagram: after SNAT, the gateway's). Prints "ready"
 * once bound. Exists so that a flood finds a socket (no ICMP port
 * unreachable). A datagram "PING" is answered "PONG" and not counted (to
 * make a flow a two-way one before it is measured).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static char bufs[BATCH][2048];
	struct sockaddr_in from[BATCH], first = { .sin_family = AF_INET };
	char fbuf[INET_ADDRSTRLEN] = "none";
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sigaction sa;
	unsigned long long rcvd = 0;
	int fd, i, n, rcvbuf = 16 << 20;

	if (argc < 2) {
		fprintf(stderr, "usage: udpsink PORT [ADDR]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;	/* no SA_RESTART: interrupt recvmmsg */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	a.sin_port = htons(atoi(argv[1]));
	if (argc > 2 && inet_pton(AF_INET, argv[2], &a.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("bind");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	printf("ready\n");
	while (!stop) {
		n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n > 0) {
			if (!rcvd) {
				first = from[0];
				inet_ntop(AF_INET, &first.sin_addr, fbuf, sizeof(fbuf));
			}
			for (i = 0; i < n; i++) {
				/* A probe, not load: answered, not counted. */
				if (msgs[i].msg_len == 4 && !memcmp(bufs[i], "PING", 4)) {
					sendto(fd, "PONG", 4, 0, (struct sockaddr *)&from[i],
					       msgs[i].msg_hdr.msg_namelen);
					n--;
				}
				msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			}
			rcvd += n;
		} else if (n < 0 && errno != EINTR) {
			break;
		}
	}
	printf("received %llu from %s:%u\n", rcvd, fbuf, ntohs(first.sin_port));
	return 0;
}
