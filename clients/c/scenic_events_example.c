/*
 * An example follower of the event feed in C: a distributor's machine that hears, with
 * its API key and no password, when its tickets are used, refunded or expire, when holds
 * end, and what the scenic area changed. It long-polls Events/List from a cursor, prints
 * each event as one line, and stores the cursor after printing it: if it stops between
 * the two, the next run prints that event again (at least once), never skips one.
 *
 *   scenic-events-example [--api-key-file FILE] [--cursor-file FILE] [--events N] [--wait SECONDS] SOCKET
 *
 * SOCKET is the point-of-sale socket with a key (from --api-key-file, or the environment
 * variable SCENIC_API_KEY; the key needs the read scope): the distributor's own events and
 * those every distributor hears of. On the admin socket no key is needed and every event
 * comes. --cursor-file keeps the id of the last event handled (missing: start from the
 * oldest kept). --events N exits after N events; --wait 0 exits once caught up instead of
 * waiting (default 30 seconds a poll, the most the daemon waits). A lost connection or an
 * unavailable daemon is retried, with a growing pause; a refusal (a revoked key, a missing
 * scope) is printed and exits 1.
 *
 * Each line: event ID KIND at=TIME distributor=N [voucher=CODE] [hold=ID] [product=CODE]
 * [amount=YUAN] [balance=YUAN] [dates=FROM..TO]
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenic/v1/integrations.pb-c.h"
#include "scenic_client.h"

static void yuan(char *out, size_t size, int64_t fen) {
    snprintf(out, size, "%s%" PRId64 ".%02" PRId64, fen < 0 ? "-" : "", (fen < 0 ? -fen : fen) / 100, (fen < 0 ? -fen : fen) % 100);
}

/* "voucher_redeemed" for EVENT_KIND_VOUCHER_REDEEMED; a kind newer than these protos as "kind_N". */
static void kind_name(char *out, size_t size, int kind) {
    const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value(&scenic__v1__event_kind__descriptor, kind);
    const char *prefix = "EVENT_KIND_";
    if (!value || strncmp(value->name, prefix, strlen(prefix)) != 0) {
        snprintf(out, size, "kind_%d", kind);
        return;
    }
    size_t i = 0;
    for (const char *c = value->name + strlen(prefix); *c && i + 1 < size; c++) out[i++] = (char)tolower((unsigned char)*c);
    out[i] = '\0';
}

/* Handling an event here is printing it, one line, flushed before the cursor moves past it. */
static void print_event(const Scenic__V1__Event *event) {
    char kind[64], money[32];
    kind_name(kind, sizeof kind, event->kind);
    printf("event %" PRId64 " %s at=%s distributor=%" PRId64, event->id, kind, event->at, event->distributor_id);
    if (event->voucher_code[0]) printf(" voucher=%s", event->voucher_code);
    if (event->hold_id) printf(" hold=%" PRId64, event->hold_id);
    if (event->product_code[0]) printf(" product=%s", event->product_code);
    if (event->amount_fen) {
        yuan(money, sizeof money, event->amount_fen);
        printf(" amount=%s", money);
    }
    if (event->balance_fen || event->kind == SCENIC__V1__EVENT_KIND__EVENT_KIND_RECHARGE ||
        event->kind == SCENIC__V1__EVENT_KIND__EVENT_KIND_BALANCE_LOW) {
        yuan(money, sizeof money, event->balance_fen);
        printf(" balance=%s", money);
    }
    if (event->dates[0]) printf(" dates=%s", event->dates);
    printf("\n");
    fflush(stdout);
}

/* The cursor kept in `path`: 0 when there is none yet. */
static int read_cursor(const char *path, int64_t *cursor) {
    *cursor = 0;
    if (!path) return 0;
    FILE *in = fopen(path, "r");
    if (!in) return errno == ENOENT ? 0 : -1;
    int good = fscanf(in, "%" SCNd64, cursor) == 1 && *cursor >= 0;
    fclose(in);
    return good ? 0 : -1;
}

/* Replaces the cursor file whole (a new file, flushed to disk, renamed over the old one), so
 * that a crash leaves the old cursor or the new one, never half of one. */
static int store_cursor(const char *path, int64_t cursor) {
    if (!path) return 0;
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.tmp", path) >= (int)sizeof temporary) return -1;
    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    char text[32];
    int length = snprintf(text, sizeof text, "%" PRId64 "\n", cursor);
    int failed = write(fd, text, (size_t)length) != length || fsync(fd) != 0;
    failed |= close(fd) != 0;
    if (failed || rename(temporary, path) != 0) {
        unlink(temporary);
        return -1;
    }
    return 0;
}

static int usage(const char *program) {
    fprintf(stderr, "usage: %s [--api-key-file FILE] [--cursor-file FILE] [--events N] [--wait SECONDS] SOCKET\n", program);
    return 2;
}

int main(int argc, char **argv) {
    const char *key_file = NULL, *cursor_file = NULL, *socket_path = NULL;
    long max_events = 0, wait_seconds = 30;
    for (int i = 1; i < argc; i++) {
        const char *option = argv[i];
        if (option[0] != '-') {
            if (socket_path) return usage(argv[0]);
            socket_path = option;
            continue;
        }
        if (i + 1 == argc) return usage(argv[0]);
        const char *value = argv[++i];
        char *end;
        if (strcmp(option, "--api-key-file") == 0) {
            key_file = value;
        } else if (strcmp(option, "--cursor-file") == 0) {
            cursor_file = value;
        } else if (strcmp(option, "--events") == 0) {
            max_events = strtol(value, &end, 10);
            if (*end || max_events < 0) return usage(argv[0]);
        } else if (strcmp(option, "--wait") == 0) {
            wait_seconds = strtol(value, &end, 10);
            if (*end || wait_seconds < 0 || wait_seconds > 30) return usage(argv[0]);
        } else {
            return usage(argv[0]);
        }
    }
    if (!socket_path) return usage(argv[0]);
    char *api_key = scenic_api_key_from(key_file);
    if (key_file && !api_key) {
        fprintf(stderr, "%s: no API key in %s\n", argv[0], key_file);
        return 2;
    }
    int64_t cursor;
    if (read_cursor(cursor_file, &cursor) != 0) {
        fprintf(stderr, "%s: %s does not hold a cursor\n", argv[0], cursor_file);
        return 1;
    }
    fprintf(stderr, "following events after %" PRId64 "\n", cursor);

    scenic_conn *conn = scenic_connect(socket_path);
    if (!conn) {
        perror("connect");
        return 1;
    }
    long handled = 0;
    unsigned pause = 0;
    for (;;) {
        if (!conn) {
            /* The daemon went away (a restart, an upgrade): try again, more slowly each time. */
            pause = pause ? (pause * 2 > 30 ? 30 : pause * 2) : 1;
            sleep(pause);
            if (!(conn = scenic_connect(socket_path))) continue;
        }
        if (api_key) scenic_set_api_key(conn, api_key);
        /* The call's deadline past the wait: the daemon answers 200 ms before the deadline at the latest. */
        scenic_set_timeout_ms(conn, (wait_seconds + 5) * 1000);

        Scenic__V1__ListEventsRequest request = SCENIC__V1__LIST_EVENTS_REQUEST__INIT;
        request.after = cursor;
        request.limit = 100;
        request.wait_seconds = (int32_t)wait_seconds;
        ProtobufCMessage *answer;
        scenic_status status;
        int result = scenic_call(conn, "scenic.v1.Events", "List", &request.base, &scenic__v1__list_events_response__descriptor, &answer,
                                 &status);
        if (result < 0 || result == 4 /* DEADLINE_EXCEEDED */ || result == 14 /* UNAVAILABLE */) {
            fprintf(stderr, "events: %s, trying again\n", result < 0 ? "connection lost" : scenic_code_name(result));
            scenic_close(conn);
            conn = NULL;
            continue;
        }
        if (result > 0) {
            /* API_KEY_REVOKED, API_KEY_EXPIRED, SCOPE_MISSING...: retrying will not help. */
            printf("events refused: %s (%d): %s\n", scenic_code_name(status.code), status.code, status.message);
            if (status.reason[0]) printf("reason: %s\n", status.reason);
            for (size_t i = 0; i < status.n_metadata; i++) printf("metadata %s=%s\n", status.metadata[i].key, status.metadata[i].value);
            scenic_close(conn);
            free(api_key);
            return 1;
        }
        pause = 0;
        const Scenic__V1__ListEventsResponse *page = (Scenic__V1__ListEventsResponse *)answer;
        /* Older events than the oldest kept were dropped (scenicd --event-days): any between
         * the cursor and it were never seen. */
        if (cursor > 0 && page->oldest_kept_id > cursor + 1) {
            fprintf(stderr, "events after %" PRId64 " up to %" PRId64 " were dropped before they were read\n", cursor,
                    page->oldest_kept_id - 1);
        }
        size_t n_events = page->n_events, i = 0;
        for (; i < n_events && (max_events == 0 || handled < max_events); i++) {
            print_event(page->events[i]);
            cursor = page->events[i]->id;
            handled++;
        }
        protobuf_c_message_free_unpacked(answer, NULL);
        /* After handling, never before: a crash in between repeats events rather than losing them. */
        if (i > 0 && store_cursor(cursor_file, cursor) != 0) {
            perror(cursor_file);
            return 1;
        }
        if ((max_events > 0 && handled >= max_events) || (n_events == 0 && wait_seconds == 0)) break;
    }
    fprintf(stderr, "stopped after %" PRId64 "\n", cursor);
    scenic_close(conn);
    free(api_key);
    return 0;
}
