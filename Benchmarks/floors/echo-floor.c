/*
 * echo-floor: what the kernel alone does for a ttrpc Health/Check round trip over a
 * Unix domain socket, so that scenicd's figure can be stated as a ratio of it.
 *
 * One binary: a trivial server (forked, one thread per connection) that answers every
 * request frame with the exact response frame scenicd sends for Health/Check, and a load
 * client that keeps --in-flight K calls outstanding on each of --connections M
 * connections, with the exact request frame our clients send. With --connect PATH the
 * same client loads an existing server instead (scenicd's socket, for the same-run ratio).
 *
 * Prints one JSON line: {"floor":"echo","in_flight":K,"connections":M,"calls":N,
 * "seconds":s,"per_second":x,"p50_us":..,"p99_us":..}
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    HEADER = 10,           /* u32 length, u32 stream id, u8 type, u8 flags (all big-endian) */
    TYPE_REQUEST = 1,
    TYPE_RESPONSE = 2,
    CHUNK = 64 * 1024,     /* read size; also the largest frame either side accepts here */
    RING = 1 << 16,        /* send times by stream id; must exceed the span of ids in flight */
};

/* ttrpc.Request{service: "grpc.health.v1.Health", method: "Check", timeout_nano: 30 s}:
 * what ScenicClient (and clients/c) send, since both always set their 30 s default
 * deadline as timeout_nano (field 4). PROTOCOL.md's capture lacks field 4: that is the
 * first 30 bytes, sent with --no-timeout. payload (field 3) is empty and so absent, as is
 * metadata (field 5): Health needs no session. */
static const uint8_t check_request[] = {
    0x0a, 0x15, 'g', 'r', 'p', 'c', '.', 'h', 'e', 'a', 'l', 't', 'h', '.', 'v', '1', '.', 'H', 'e', 'a', 'l', 't', 'h',
    0x12, 0x05, 'C', 'h', 'e', 'c', 'k',
    0x20, 0x80, 0xd8, 0x8e, 0xe1, 0x6f, /* field 4, varint 30000000000 */
};
enum { CHECK_REQUEST_NO_TIMEOUT = 30 };

/* ttrpc.Response{payload: HealthCheckResponse{status: SERVING}}; no status means OK. */
static const uint8_t check_response[] = {0x12, 0x02, 0x08, 0x01};

static size_t request_length = sizeof check_request;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Appends one frame at p; returns its size. */
static size_t put_frame(uint8_t *p, uint32_t stream, uint8_t type, const uint8_t *data, size_t length) {
    put32(p, (uint32_t)length);
    put32(p + 4, stream);
    p[8] = type;
    p[9] = 0;
    memcpy(p + HEADER, data, length);
    return HEADER + length;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* ---- server ---------------------------------------------------------------------- */

/* Reads what is there, answers every complete request in one write, keeps the rest. */
static void *serve(void *arg) {
    int fd = (int)(intptr_t)arg;
    /* The smallest frame is a bare header, answered by a 14-byte frame. */
    enum { OUT = CHUNK / HEADER * (HEADER + sizeof check_response) };
    uint8_t *in = malloc(CHUNK), *out = malloc(OUT);
    if (!in || !out) die("malloc");
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, in + have, CHUNK - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        size_t pos = 0, used = 0;
        while (have - pos >= HEADER) {
            uint32_t length = get32(in + pos);
            /* Like scenicd, a header wrong in itself ends the connection. */
            if (in[pos + 8] != TYPE_REQUEST || in[pos + 9] != 0 || length > CHUNK - HEADER) goto done;
            if (have - pos < HEADER + length) break;
            used += put_frame(out + used, get32(in + pos + 4), TYPE_RESPONSE, check_response, sizeof check_response);
            pos += HEADER + length;
        }
        if (used > 0 && write_all(fd, out, used) < 0) break;
        memmove(in, in + pos, have - pos);
        have -= pos;
    }
done:
    close(fd);
    free(in);
    free(out);
    return NULL;
}

static void run_server(int listener) {
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            die("accept");
        }
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve, (void *)(intptr_t)fd) != 0) die("pthread_create");
        pthread_detach(thread);
    }
}

/* ---- client ---------------------------------------------------------------------- */

typedef struct {
    const char *path;
    unsigned in_flight;
    uint64_t count;          /* calls to make on this connection; 0: until the deadline */
    uint64_t deadline;       /* now_ns() past which no new call starts, when count is 0 */
    uint64_t started, ended; /* first write, last answer */
    uint64_t *latency;       /* ns per completed call */
    size_t calls, capacity;
    const char *error;
} Client;

static void record(Client *c, uint64_t ns) {
    if (c->calls == c->capacity) {
        c->capacity = c->capacity ? 2 * c->capacity : 1 << 16;
        c->latency = realloc(c->latency, c->capacity * sizeof *c->latency);
        if (!c->latency) die("realloc");
    }
    c->latency[c->calls++] = ns;
}

static int connect_to(const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) {
        fprintf(stderr, "socket path too long: %s\n", path);
        exit(2);
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) die(path);
    return fd;
}

static void *load(void *arg) {
    Client *c = arg;
    int fd = connect_to(c->path);
    struct { uint32_t stream; uint64_t sent; } *ring = calloc(RING, sizeof *ring);
    uint8_t *out = malloc((size_t)c->in_flight * (HEADER + sizeof check_request)), *in = malloc(CHUNK);
    if (!ring || !out || !in) die("malloc");
    uint32_t next_stream = 1; /* odd and increasing, like every ttrpc client */
    uint64_t sent = 0;
    unsigned outstanding = 0;
    size_t have = 0;
    c->started = now_ns();
    for (uint64_t now = c->started;;) {
        /* Tops the window up to K in one write, as a good pipelining client would. */
        size_t used = 0;
        while (outstanding < c->in_flight && (c->count ? sent < c->count : now < c->deadline)) {
            ring[(next_stream >> 1) % RING].stream = next_stream;
            ring[(next_stream >> 1) % RING].sent = now;
            used += put_frame(out + used, next_stream, TYPE_REQUEST, check_request, request_length);
            next_stream += 2, sent++, outstanding++;
        }
        if (used > 0 && write_all(fd, out, used) < 0) { c->error = "write failed"; break; }
        if (outstanding == 0) break;

        ssize_t n = read(fd, in + have, CHUNK - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { c->error = "connection closed by the server"; break; }
        now = now_ns();
        have += (size_t)n;
        size_t pos = 0;
        while (have - pos >= HEADER) {
            uint32_t length = get32(in + pos), stream = get32(in + pos + 4);
            if (in[pos + 8] != TYPE_RESPONSE || length > CHUNK - HEADER) { c->error = "bad response header"; goto done; }
            if (have - pos < HEADER + length) break;
            if (length != sizeof check_response || memcmp(in + pos + HEADER, check_response, length) != 0) {
                c->error = "response is not SERVING";
                goto done;
            }
            /* A slot taken over by a later call (a span of ids over RING) also lands here. */
            if (ring[(stream >> 1) % RING].stream != stream) { c->error = "response to no call in flight"; goto done; }
            record(c, now - ring[(stream >> 1) % RING].sent);
            ring[(stream >> 1) % RING].stream = 0;
            outstanding--;
            pos += HEADER + length;
        }
        memmove(in, in + pos, have - pos);
        have -= pos;
    }
done:
    c->ended = now_ns();
    close(fd);
    free(ring);
    free(out);
    free(in);
    return NULL;
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array, in microseconds. */
static double percentile_us(const uint64_t *sorted, size_t n, unsigned percent) {
    if (n == 0) return 0;
    size_t rank = (percent * n + 99) / 100;
    return (double)sorted[rank ? rank - 1 : 0] / 1000;
}

static void usage(void) {
    fprintf(stderr,
            "usage: echo-floor [--in-flight K] [--connections M] [--seconds S | --count N]\n"
            "                  [--no-timeout] [--connect SOCKET]\n"
            "  --in-flight K    calls outstanding per connection (default 1)\n"
            "  --connections M  client connections, one thread each (default 1)\n"
            "  --seconds S      run this long (default 5), or --count N calls in all\n"
            "  --no-timeout     send PROTOCOL.md's 30-byte request, without timeout_nano\n"
            "  --connect PATH   load an existing server (e.g. scenicd's socket) instead\n");
    exit(2);
}

int main(int argc, char **argv) {
    unsigned in_flight = 1, connections = 1;
    double seconds = 0;
    uint64_t count = 0;
    const char *target = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--no-timeout")) { request_length = CHECK_REQUEST_NO_TIMEOUT; continue; }
        if (!value) usage();
        if (!strcmp(argv[i], "--in-flight")) in_flight = (unsigned)strtoul(value, NULL, 10);
        else if (!strcmp(argv[i], "--connections")) connections = (unsigned)strtoul(value, NULL, 10);
        else if (!strcmp(argv[i], "--seconds")) seconds = strtod(value, NULL);
        else if (!strcmp(argv[i], "--count")) count = strtoull(value, NULL, 10);
        else if (!strcmp(argv[i], "--connect")) target = value;
        else usage();
        i++;
    }
    /* --count shares N out among the connections, so each must get at least one call. */
    if (in_flight < 1 || in_flight > RING / 4 || connections < 1 || seconds < 0 || (count && count < connections)) usage();
    if (count == 0 && seconds == 0) seconds = 5;
    signal(SIGPIPE, SIG_IGN);

    char dir[] = "/tmp/echo-floor.XXXXXX", path[sizeof dir + 16];
    pid_t server = 0;
    if (!target) {
        if (!mkdtemp(dir)) die("mkdtemp");
        snprintf(path, sizeof path, "%s/echo.sock", dir);
        struct sockaddr_un address = {.sun_family = AF_UNIX};
        strcpy(address.sun_path, path);
        int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listener < 0) die("socket");
        if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
        if (listen(listener, 128) < 0) die("listen");
        /* A separate process, as scenicd is; forked before any thread exists. */
        server = fork();
        if (server < 0) die("fork");
        if (server == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            run_server(listener);
        }
        close(listener);
        target = path;
    }

    Client *clients = calloc(connections, sizeof *clients);
    pthread_t *threads = calloc(connections, sizeof *threads);
    if (!clients || !threads) die("calloc");
    uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
    for (unsigned i = 0; i < connections; i++) {
        clients[i] = (Client){.path = target, .in_flight = in_flight, .deadline = deadline};
        /* --count N is shared out; the first connections take the remainder. */
        if (count) clients[i].count = count / connections + (i < count % connections);
        if (pthread_create(&threads[i], NULL, load, &clients[i]) != 0) die("pthread_create");
    }
    size_t calls = 0;
    uint64_t started = UINT64_MAX, ended = 0;
    int failed = 0;
    for (unsigned i = 0; i < connections; i++) {
        pthread_join(threads[i], NULL);
        if (clients[i].error) fprintf(stderr, "echo-floor: connection %u: %s\n", i, clients[i].error), failed = 1;
        calls += clients[i].calls;
        if (clients[i].started < started) started = clients[i].started;
        if (clients[i].ended > ended) ended = clients[i].ended;
    }
    if (server > 0) {
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
        unlink(path);
        rmdir(dir);
    }

    uint64_t *all = malloc((calls ? calls : 1) * sizeof *all);
    if (!all) die("malloc");
    size_t at = 0;
    for (unsigned i = 0; i < connections; at += clients[i].calls, i++)
        if (clients[i].calls) memcpy(all + at, clients[i].latency, clients[i].calls * sizeof *all);
    qsort(all, calls, sizeof *all, by_value);
    double elapsed = (double)(ended - started) / 1e9;
    printf("{\"floor\":\"echo\",\"in_flight\":%u,\"connections\":%u,\"calls\":%zu,\"seconds\":%.3f,"
           "\"per_second\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f",
           in_flight, connections, calls, elapsed, elapsed > 0 ? (double)calls / elapsed : 0,
           percentile_us(all, calls, 50), percentile_us(all, calls, 99));
    if (server == 0) printf(",\"socket\":\"%s\"", target); /* not a floor: a measured server */
    printf("}\n");
    for (unsigned i = 0; i < connections; i++) free(clients[i].latency);
    free(all);
    free(clients);
    free(threads);
    return failed;
}
