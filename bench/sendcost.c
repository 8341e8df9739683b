/* What a sender pays in the kernel to put one 19.7 MB page (600 pieces of 32 KiB, about the
 * daemon's plain page at 10,000 jobs) into a loopback TCP socket, per way of sending it:
 *   writev    the pieces as 600 anonymous mappings, gathered (what the daemon does today);
 *   pieces    600 memfds, one sendfile each (a plain piece per memfd);
 *   memfd     one memfd holding the whole page, sendfile;
 *   file      one regular file in the current directory holding the page, sendfile (nginx's way).
 * A child process reads everything, READ bytes a call: 1 MiB by default, -DREAD=8192 as wrk
 * reads (its RECVBUF). With a third argument, that many senders (each with its own reader) send
 * the one page at once, as a server answers wrk's 8 connections. -DPIECES=60 makes the page of
 * 1,000 jobs (2.0 MB). Prints each sender's user and system CPU per page and the system calls it
 * took. Build and run: cc -O2 -DREAD=8192 -o sendcost bench/sendcost.c && ./sendcost writev 20 8
 * (see bench/README.md, "Sending the plain page: writev or sendfile"). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIECES
#define PIECES 600 /* -DPIECES=60 for the 1,000-job page */
#endif
#define PIECE 32768
#define PAGE ((off_t)PIECES * PIECE)
#ifndef READ
#define READ (1 << 20) /* the reader's buffer: -DREAD=8192 reads as wrk does */
#endif

static void fail(const char *what) { perror(what); exit(1); }

static void wait_writable(int s) {
    struct pollfd p = {s, POLLOUT, 0};
    if (poll(&p, 1, 10000) != 1) fail("poll");
}

static char *filled(int fd, size_t length, int seed) {
    if (fd >= 0 && ftruncate(fd, (off_t)length) != 0) fail("ftruncate");
    char *bytes = mmap(0, length, PROT_READ | PROT_WRITE, fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, fd, 0);
    if (bytes == MAP_FAILED) fail("mmap");
    memset(bytes, 'a' + seed % 26, length);
    return bytes;
}

/* sendfile all of [0, length) of fd; returns the calls it took. */
static long send_file(int s, int fd, off_t length) {
    long calls = 0;
    off_t offset = 0;
    while (offset < length) {
        calls++;
        if (sendfile(s, fd, &offset, (size_t)(length - offset)) < 0) wait_writable(s);
    }
    return calls;
}

static char *piece[PIECES];
static int piece_fd[PIECES], whole = -1;

/* One sender and its reader: sends `pages` pages, prints what the sender paid. */
static int stream(const char *mode, int pages) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (bind(listener, (void *)&address, sizeof address) || getsockname(listener, (void *)&address, &length) || listen(listener, 1))
        fail("listen");
    pid_t reader = fork();
    if (reader == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (void *)&address, sizeof address)) fail("connect");
        static char buffer[READ];
        for (long long left = (long long)PAGE * pages; left > 0;) {
            ssize_t got = read(c, buffer, sizeof buffer);
            if (got <= 0) _exit(1);
            left -= got;
        }
        _exit(0);
    }
    int s = accept(listener, 0, 0);
    fcntl(s, F_SETFL, O_NONBLOCK);
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    long calls = 0;
    for (int n = 0; n < pages; n++) {
        if (whole >= 0) {
            calls += send_file(s, whole, PAGE);
        } else if (strcmp(mode, "pieces") == 0) {
            for (int i = 0; i < PIECES; i++) calls += send_file(s, piece_fd[i], PIECE);
        } else {
            int first = 0;
            size_t offset = 0; /* into piece[first] */
            while (first < PIECES) {
                struct iovec iov[PIECES];
                for (int i = first; i < PIECES; i++) {
                    iov[i - first].iov_base = piece[i] + (i == first ? offset : 0);
                    iov[i - first].iov_len = PIECE - (i == first ? offset : 0);
                }
                calls++;
                ssize_t wrote = writev(s, iov, PIECES - first);
                if (wrote < 0) { wait_writable(s); continue; }
                for (offset += (size_t)wrote; first < PIECES && offset >= PIECE; first++) offset -= PIECE;
            }
        }
    }
    getrusage(RUSAGE_SELF, &after);
    double user = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) + (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6;
    double sys = (after.ru_stime.tv_sec - before.ru_stime.tv_sec) + (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
    close(s);
    int status = 1;
    waitpid(reader, &status, 0);
    printf("%-6s %d pages of %.1f MB: user %.3f ms, system %.3f ms a page, %.1f calls a page%s\n", mode, pages, PAGE / 1e6,
           user / pages * 1e3, sys / pages * 1e3, (double)calls / pages, status == 0 ? "" : " (reader failed)");
    return status == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) { fprintf(stderr, "usage: %s writev|pieces|memfd|file pages [streams]\n", argv[0]); return 2; }
    const char *mode = argv[1];
    int pages = atoi(argv[2]), streams = argc == 4 ? atoi(argv[3]) : 1;
    char path[] = "sendcost-XXXXXX";
    for (int i = 0; i < PIECES; i++) {
        piece_fd[i] = strcmp(mode, "pieces") == 0 ? memfd_create("piece", MFD_CLOEXEC) : -1;
        if (strcmp(mode, "writev") == 0 || piece_fd[i] >= 0) piece[i] = filled(piece_fd[i], PIECE, i);
    }
    if (strcmp(mode, "memfd") == 0) whole = memfd_create("page", MFD_CLOEXEC);
    if (strcmp(mode, "file") == 0 && (whole = mkstemp(path)) >= 0) unlink(path);
    if (whole >= 0) filled(whole, (size_t)PAGE, 0);
    /* The senders (several send the one page at once, as a server answers wrk's connections) are
     * forked after the page is written, so they read the same memory (anonymous pages shared
     * until written). */
    for (int n = 0; n < streams; n++)
        if (fork() == 0) { int code = stream(mode, pages); fflush(stdout); _exit(code); }
    int failed = 0, status;
    while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    return failed;
}
