// SPDX-License-Identifier: GPL-2.0
/*
 * connrate: short TCP connections, as fast as they go.
 *
 *   connrate server PORT [NPROC]
 *       Listen on PORT; NPROC (default 2) processes each accept, read the
 *       request, write a 64-byte answer and close (the server closes first,
 *       so TIME_WAIT stays on the server, not on the client's ports).
 *       Prints "ready" once listening; runs until killed.
 *
 *   connrate client DST PORT SECS [NPROC] [IVAL_MS]
 *       NPROC (default 2) processes each loop for SECS seconds: connect,
 *       send a 16-byte request, read the answer to EOF, close. Prints
 *       "conns N secs S rate R errors E ivals K median_rate M" (completed
 *       connections only); M is the median over IVAL_MS (default 100)
 *       intervals, which a VM that the host stops now and then still
 *       measures right.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void serve(int lfd)
{
	static const char answer[64] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	char buf[256];
	ssize_t ignored;
	int fd;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("accept");
			_exit(1);
		}
		/* A client that went away needs nothing more: ignore errors. */
		if (read(fd, buf, sizeof(buf)) > 0)
			ignored = write(fd, answer, sizeof(answer));
		close(fd);
		(void)ignored;
	}
}

static int server(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int lfd, one = 1, nproc = 2, i;

	if (argc < 3)
		return 2;
	a.sin_port = htons(atoi(argv[2]));
	if (argc > 3)
		nproc = atoi(argv[3]);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0) {
		perror("bind/listen");
		return 1;
	}
	signal(SIGCHLD, SIG_IGN);
	printf("ready\n");
	fflush(stdout);
	for (i = 1; i < nproc; i++)
		if (fork() == 0) {
			/* Go when the first process is killed. */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			serve(lfd);
		}
	serve(lfd);
	return 0;
}

#define MAX_IVALS 100000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Completions per interval since the start, shared by the workers. */
static unsigned int *ival_counts;
static double ival_len = 0.1, t_start;

static void client_worker(const struct sockaddr_in *dst, double end, int out)
{
	static const char req[16] = "GET / HTTP/1.0\n";
	struct timeval tmo = { .tv_sec = 2 };
	unsigned long counts[2] = { 0, 0 };	/* done, errors */
	char buf[256];
	ssize_t n;
	int fd;

	while (now() < end) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			counts[1]++;
			usleep(1000);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
		if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) < 0 ||
		    write(fd, req, sizeof(req)) != sizeof(req)) {
			counts[1]++;
			close(fd);
			continue;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0) {
			counts[1]++;
		} else {
			long i = (long)((now() - t_start) / ival_len);

			counts[0]++;
			if (i >= 0 && i < MAX_IVALS)
				__atomic_fetch_add(&ival_counts[i], 1, __ATOMIC_RELAXED);
		}
		close(fd);
	}
	if (write(out, counts, sizeof(counts)) != sizeof(counts))
		_exit(1);
	_exit(0);
}

static int client(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned long total = 0, errors = 0, c[2];
	int nproc = 2, i, p[2], nr;
	double secs, t0, end, t, median = 0;
	static double rates[MAX_IVALS];

	if (argc < 5)
		return 2;
	if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1)
		return 2;
	dst.sin_port = htons(atoi(argv[3]));
	secs = atof(argv[4]);
	if (argc > 5)
		nproc = atoi(argv[5]);
	if (argc > 6)
		ival_len = atof(argv[6]) / 1000;
	ival_counts = mmap(NULL, MAX_IVALS * sizeof(*ival_counts), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ival_counts == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (pipe(p) < 0) {
		perror("pipe");
		return 1;
	}
	t0 = now();
	t_start = t0;
	end = t0 + secs;
	for (i = 0; i < nproc; i++)
		if (fork() == 0) {
			close(p[0]);
			client_worker(&dst, end, p[1]);
		}
	close(p[1]);
	while (read(p[0], c, sizeof(c)) == sizeof(c)) {
		total += c[0];
		errors += c[1];
	}
	while (wait(NULL) > 0)
		;
	t = now() - t0;
	/* Whole intervals only. */
	nr = (int)(secs / ival_len);
	if (nr > MAX_IVALS)
		nr = MAX_IVALS;
	for (i = 0; i < nr; i++)
		rates[i] = ival_counts[i] / ival_len;
	if (nr > 0) {
		qsort(rates, nr, sizeof(*rates), cmp_double);
		median = nr % 2 ? rates[nr / 2] : (rates[nr / 2 - 1] + rates[nr / 2]) / 2;
	}
	printf("conns %lu secs %.3f rate %.1f errors %lu ivals %d median_rate %.1f\n",
	       total, t, total / t, errors, nr, median);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "server"))
		ret = server(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "client"))
		ret = client(argc, argv);
	if (ret == 2)
		fprintf(stderr, "usage: connrate server PORT [NPROC]\n"
				"       connrate client DST PORT SECS [NPROC] [IVAL_MS]\n");
	return ret;
}
