/* An open-loop HTTP/1.1 load generator, as Prometheus scrapes: requests are sent at fixed times
 * decided in advance (start + i / rate), whether or not the previous ones have been answered, and
 * each latency is measured from the request's scheduled time, not from when it could be sent. A
 * closed-loop tool (wrk) waits for an answer before the next request, so a stall delays the
 * requests that would have seen it and hides it (coordinated omission); this one does not.
 *
 *   openloop HOST PORT PATH RATE SECONDS [gzip]
 *
 * Keep-alive connections, two opened before the clock starts; a request due while every one is
 * busy opens another (up to 64), beyond that it waits, its clock already running. Prints one
 * JSON object: sent, answered, errors (not answered), non_200, p50_ms, p90_ms, p99_ms, max_ms, mean_bytes.
 * Built by bench/bench.py with `cc -O2`; only loopback is expected, so connect() blocks.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64

enum state { CLOSED, IDLE, BUSY };

struct conn {
    int fd;
    enum state state;
    double scheduled;      /* the request in flight's scheduled time */
    char head[16384];      /* response head, until the blank line */
    size_t head_len;
    long body_left;        /* -1 while the head is still arriving */
    long body_total;
};

static struct conn conns[MAX_CONNS];
static int nconns;
static struct sockaddr_in addr;
static char request[1024];
static size_t request_len;
static double *latencies;
static long answered, errors, non_200;
static double bytes;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_conn(struct conn *c) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { close(fd); return -1; }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    c->fd = fd;
    c->state = IDLE;
    return 0;
}

static void drop(struct conn *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->state = CLOSED;
}

/* Sends the request on an idle connection; the request is small, so one send() takes it. */
static int send_on(struct conn *c, double scheduled) {
    if (send(c->fd, request, request_len, MSG_NOSIGNAL) != (ssize_t)request_len) { drop(c); return -1; }
    c->state = BUSY;
    c->scheduled = scheduled;
    c->head_len = 0;
    c->body_left = -1;
    return 0;
}

static struct conn *idle_conn(void) {
    for (int i = 0; i < nconns; i++)
        if (conns[i].state == IDLE) return &conns[i];
    for (int i = 0; i < nconns; i++)
        if (conns[i].state == CLOSED && open_conn(&conns[i]) == 0) return &conns[i];
    if (nconns < MAX_CONNS && open_conn(&conns[nconns]) == 0) return &conns[nconns++];
    return NULL;
}

static void finish(struct conn *c) {
    latencies[answered++] = now() - c->scheduled;
    bytes += c->body_total;
    c->state = IDLE;
}

/* Reads what is there; completes the response once Content-Length bytes of body have come. */
static void on_readable(struct conn *c) {
    static char buf[1 << 18];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            if (c->state == BUSY) errors++;
            drop(c);
            return;
        }
        if (n < 0) return;
        if (c->state != BUSY) continue;
        char *p = buf;
        size_t len = (size_t)n;
        if (c->body_left < 0) {
            size_t take = len < sizeof c->head - 1 - c->head_len ? len : sizeof c->head - 1 - c->head_len;
            memcpy(c->head + c->head_len, p, take);
            c->head_len += take;
            c->head[c->head_len] = 0;
            char *end = strstr(c->head, "\r\n\r\n");
            if (!end) {
                if (c->head_len >= sizeof c->head - 1) { errors++; drop(c); return; }
                continue;
            }
            size_t head_bytes = (size_t)(end + 4 - c->head);
            size_t consumed = head_bytes - (c->head_len - take);
            if (strncmp(c->head, "HTTP/1.1 200", 12) != 0) non_200++;
            char *cl = strcasestr(c->head, "\r\ncontent-length:");
            if (!cl) { errors++; drop(c); return; }
            c->body_total = c->body_left = atol(cl + 17);
            p += consumed;
            len -= consumed;
        }
        c->body_left -= (long)len;
        if (c->body_left <= 0) finish(c);
    }
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double p) {
    if (answered == 0) return 0;
    long i = (long)(p * (double)answered + 0.5) - 1;
    if (i < 0) i = 0;
    if (i >= answered) i = answered - 1;
    return latencies[i] * 1000;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: openloop HOST PORT PATH RATE SECONDS [gzip]\n");
        return 2;
    }
    double rate = atof(argv[4]), seconds = atof(argv[5]);
    int gzip = argc > 6 && strcmp(argv[6], "gzip") == 0;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) { fprintf(stderr, "bad host %s\n", argv[1]); return 2; }
    request_len = (size_t)snprintf(request, sizeof request,
        "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: openloop\r\nAccept: text/plain\r\n%s\r\n",
        argv[3], argv[1], argv[2], gzip ? "Accept-Encoding: gzip\r\n" : "");
    long total = (long)(rate * seconds);
    latencies = calloc((size_t)total + 1, sizeof *latencies);
    double *backlog = calloc((size_t)total + 1, sizeof *backlog);
    long backlog_head = 0, backlog_tail = 0;
    for (int i = 0; i < MAX_CONNS; i++) conns[i].fd = -1;
    for (nconns = 0; nconns < 2; nconns++)
        if (open_conn(&conns[nconns]) != 0) { perror("connect"); return 1; }

    double start = now() + 0.05;
    long next = 0;
    while (answered + errors < total) {
        double t = now();
        while (next < total && start + (double)next / rate <= t) backlog[backlog_tail++] = start + (double)next++ / rate;
        while (backlog_head < backlog_tail) {
            struct conn *c = idle_conn();
            if (!c) break;
            if (send_on(c, backlog[backlog_head]) == 0) backlog_head++;
            else errors++, backlog_head++;
        }
        struct pollfd fds[MAX_CONNS];
        int map[MAX_CONNS], n = 0;
        for (int i = 0; i < nconns; i++)
            if (conns[i].state != CLOSED) { fds[n].fd = conns[i].fd; fds[n].events = POLLIN; map[n++] = i; }
        double wait = next < total ? start + (double)next / rate - now() : 1.0;
        if (backlog_head < backlog_tail) wait = 0.001;
        int timeout = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
        if (now() - start > seconds + 30) break; /* answers that never come: give up */
        if (poll(fds, (nfds_t)n, timeout) > 0)
            for (int i = 0; i < n; i++)
                if (fds[i].revents) on_readable(&conns[map[i]]);
    }
    qsort(latencies, (size_t)answered, sizeof *latencies, cmp);
    printf("{\"sent\": %ld, \"answered\": %ld, \"errors\": %ld, \"non_200\": %ld, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, "
           "\"max_ms\": %.3f, \"mean_bytes\": %.0f, \"connections\": %d}\n",
           next, answered, total - answered, non_200, pct(0.50), pct(0.90), pct(0.99),
           answered ? latencies[answered - 1] * 1000 : 0, answered ? bytes / (double)answered : 0, nconns);
    return 0;
}
