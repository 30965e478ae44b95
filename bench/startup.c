/*
 * startup — time from spawning a server to its first "200" on /readyz.
 *
 *   startup RUNS PORT -- COMMAND [ARGS...]
 *
 * For each run: take CLOCK_MONOTONIC, fork+exec COMMAND (stdout/stderr to
 * /dev/null), then every 0.5 ms open a loopback TCP connection to PORT and
 * send "GET /readyz"; stop the clock at the first "HTTP/1.1 200" status
 * line. The server then gets SIGTERM and is waited for (SIGKILL after 5 s),
 * so the next run can bind the same port. A run that is not ready within
 * 10 s counts as a failure (the program exits 1 after killing the child).
 *
 * Prints one line per run (milliseconds) to stderr and, on stdout:
 *   median_ms max_ms min_ms
 * The figure includes fork+exec, dynamic linking, opening the database,
 * the migration check, the MHD start and one /readyz round trip (~0.1 ms).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void nap_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* 1 if GET /readyz answered 200, 0 otherwise (not listening yet, 503, ...) */
static int ready(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        static const char req[] =
            "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if (write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1)) {
            char buf[64];
            size_t got = 0;
            while (got < 12) {
                ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
                if (n <= 0) break;
                got += (size_t)n;
            }
            buf[got] = '\0';
            ok = got >= 12 && !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 9, "200", 3);
        }
    }
    close(fd);
    return ok;
}

static int stop_child(pid_t pid)
{
    kill(pid, SIGTERM);
    for (int i = 0; i < 5000; i++) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) return 0;
        nap_us(1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 5 || strcmp(argv[3], "--")) {
        fprintf(stderr, "usage: startup RUNS PORT -- COMMAND [ARGS...]\n");
        return 2;
    }
    int runs = atoi(argv[1]), port = atoi(argv[2]);
    if (runs < 1 || runs > 1000 || port < 1 || port > 65535) return 2;
    signal(SIGPIPE, SIG_IGN);
    double *ms = calloc((size_t)runs, sizeof *ms);
    if (!ms) return 1;
    if (ready(port)) {
        fprintf(stderr, "startup: something already answers on port %d\n", port);
        return 1;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            int dn = open("/dev/null", O_RDWR);
            if (dn >= 0) {
                dup2(dn, 1);
                dup2(dn, 2);
            }
            execvp(argv[4], argv + 4);
            _exit(127);
        }
        int ok = 0;
        while (now_ms() - t0 < 10000) {
            if (ready(port)) {
                ok = 1;
                break;
            }
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                fprintf(stderr, "startup: the server exited before it was ready\n");
                return 1;
            }
            nap_us(500);
        }
        ms[i] = now_ms() - t0;
        stop_child(pid);
        if (!ok) {
            fprintf(stderr, "startup: not ready within 10 s\n");
            return 1;
        }
        fprintf(stderr, "run %d: %.1f ms\n", i + 1, ms[i]);
    }
    qsort(ms, (size_t)runs, sizeof *ms, cmp_d);
    double med = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
    printf("%.1f %.1f %.1f\n", med, ms[runs - 1], ms[0]);
    free(ms);
    return 0;
}
