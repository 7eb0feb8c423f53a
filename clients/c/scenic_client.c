#define _POSIX_C_SOURCE 200809L
#include "scenic_client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "ttrpc/ttrpc.pb-c.h"

#define HEADER_SIZE 10
#define MAX_FRAME (4u << 20)
#define TYPE_REQUEST 1
#define TYPE_RESPONSE 2

struct scenic_conn {
    int fd;
    uint32_t next_stream_id;
    char *session;
    char *api_key;
    int64_t timeout_ms;
};

scenic_conn *scenic_connect(const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return NULL;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return NULL;
    }
    scenic_conn *conn = calloc(1, sizeof *conn);
    conn->fd = fd;
    conn->next_stream_id = 1; /* clients use odd ids that increase */
    conn->timeout_ms = 30000;
    return conn;
}

void scenic_close(scenic_conn *conn) {
    if (!conn) return;
    close(conn->fd);
    free(conn->session);
    free(conn->api_key);
    free(conn);
}

void scenic_set_session(scenic_conn *conn, const char *token) {
    free(conn->session);
    conn->session = token ? strdup(token) : NULL;
}

void scenic_set_api_key(scenic_conn *conn, const char *key) {
    free(conn->api_key);
    conn->api_key = key ? strdup(key) : NULL;
}

char *scenic_api_key_from(const char *file) {
    char line[1024] = "";
    if (file) {
        FILE *in = fopen(file, "r");
        if (!in) return NULL;
        if (!fgets(line, sizeof line, in)) line[0] = '\0';
        fclose(in);
    } else {
        const char *value = getenv("SCENIC_API_KEY");
        snprintf(line, sizeof line, "%s", value ? value : "");
    }
    char *start = line, *end = line + strlen(line);
    while (*start == ' ' || *start == '\t') start++;
    while (end > start && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t')) end--;
    *end = '\0';
    if (!*start) {
        errno = ENOENT;
        return NULL;
    }
    return strdup(start);
}

void scenic_set_timeout_ms(scenic_conn *conn, int64_t milliseconds) {
    conn->timeout_ms = milliseconds > 0 ? milliseconds : 0;
}

static int write_all(int fd, const uint8_t *data, size_t length) {
    while (length > 0) {
        /* send, not write: a daemon gone away is an error to return, not a SIGPIPE that kills the client. */
        ssize_t written = send(fd, data, length, MSG_NOSIGNAL);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return -1;
        data += written;
        length -= (size_t)written;
    }
    return 0;
}

static int read_all(int fd, uint8_t *data, size_t length) {
    while (length > 0) {
        ssize_t got = read(fd, data, length);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        data += got;
        length -= (size_t)got;
    }
    return 0;
}

static void put_u32(uint8_t *at, uint32_t value) {
    at[0] = (uint8_t)(value >> 24);
    at[1] = (uint8_t)(value >> 16);
    at[2] = (uint8_t)(value >> 8);
    at[3] = (uint8_t)value;
}

static uint32_t get_u32(const uint8_t *at) {
    return (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 | at[3];
}

static int has_type(const Google__Protobuf__Any *detail, const char *suffix) {
    size_t url = strlen(detail->type_url), tail = strlen(suffix);
    return url >= tail && strcmp(detail->type_url + url - tail, suffix) == 0;
}

static void fill_status(scenic_status *status, const Google__Rpc__Status *wire) {
    status->code = wire->code;
    snprintf(status->message, sizeof status->message, "%s", wire->message ? wire->message : "");
    status->reason[0] = '\0';
    status->n_violations = 0;
    status->n_metadata = 0;
    for (size_t i = 0; i < wire->n_details; i++) {
        const Google__Protobuf__Any *detail = wire->details[i];
        if (has_type(detail, "/google.rpc.ErrorInfo")) {
            Google__Rpc__ErrorInfo *info = google__rpc__error_info__unpack(NULL, detail->value.len, detail->value.data);
            if (!info) continue;
            snprintf(status->reason, sizeof status->reason, "%s", info->reason);
            for (size_t j = 0; j < info->n_metadata && status->n_metadata < SCENIC_STATUS_DETAILS; j++) {
                size_t k = status->n_metadata++;
                snprintf(status->metadata[k].key, sizeof status->metadata[k].key, "%s", info->metadata[j]->key);
                snprintf(status->metadata[k].value, sizeof status->metadata[k].value, "%s", info->metadata[j]->value);
            }
            google__rpc__error_info__free_unpacked(info, NULL);
        } else if (has_type(detail, "/google.rpc.BadRequest")) {
            Google__Rpc__BadRequest *bad = google__rpc__bad_request__unpack(NULL, detail->value.len, detail->value.data);
            if (!bad) continue;
            for (size_t j = 0; j < bad->n_field_violations && status->n_violations < SCENIC_STATUS_DETAILS; j++) {
                const Google__Rpc__BadRequest__FieldViolation *wire_violation = bad->field_violations[j];
                size_t k = status->n_violations++;
                snprintf(status->violations[k].field, sizeof status->violations[k].field, "%s", wire_violation->field);
                snprintf(status->violations[k].reason, sizeof status->violations[k].reason, "%s", wire_violation->reason);
                snprintf(status->violations[k].description, sizeof status->violations[k].description, "%s",
                         wire_violation->description);
            }
            google__rpc__bad_request__free_unpacked(bad, NULL);
        }
    }
}

const char *scenic_status_metadata(const scenic_status *status, const char *key) {
    for (size_t i = 0; i < status->n_metadata; i++) {
        if (strcmp(status->metadata[i].key, key) == 0) return status->metadata[i].value;
    }
    return NULL;
}

int scenic_call(scenic_conn *conn, const char *service, const char *method, const ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *response_type, ProtobufCMessage **response, scenic_status *status) {
    *response = NULL;
    size_t payload_length = protobuf_c_message_get_packed_size(request);
    uint8_t *payload = malloc(payload_length ? payload_length : 1);
    protobuf_c_message_pack(request, payload);

    /* The credential travels as metadata: a session token, or an API key instead. */
    Ttrpc__KeyValue session = TTRPC__KEY_VALUE__INIT, api_key = TTRPC__KEY_VALUE__INIT;
    Ttrpc__KeyValue *metadata[2];
    Ttrpc__Request envelope = TTRPC__REQUEST__INIT;
    envelope.service = (char *)service;
    envelope.method = (char *)method;
    envelope.payload.data = payload;
    envelope.payload.len = payload_length;
    envelope.timeout_nano = conn->timeout_ms * 1000 * 1000;
    envelope.metadata = metadata;
    if (conn->session) {
        session.key = "scenic-session";
        session.value = conn->session;
        metadata[envelope.n_metadata++] = &session;
    }
    if (conn->api_key) {
        api_key.key = "scenic-api-key";
        api_key.value = conn->api_key;
        metadata[envelope.n_metadata++] = &api_key;
    }

    size_t length = ttrpc__request__get_packed_size(&envelope);
    uint8_t *frame = malloc(HEADER_SIZE + length);
    uint32_t stream_id = conn->next_stream_id;
    conn->next_stream_id += 2;
    put_u32(frame, (uint32_t)length);
    put_u32(frame + 4, stream_id);
    frame[8] = TYPE_REQUEST;
    frame[9] = 0;
    ttrpc__request__pack(&envelope, frame + HEADER_SIZE);
    int failed = write_all(conn->fd, frame, HEADER_SIZE + length);
    free(frame);
    free(payload);
    if (failed) return -1;

    uint8_t header[HEADER_SIZE];
    if (read_all(conn->fd, header, HEADER_SIZE)) return -1;
    uint32_t answer_length = get_u32(header);
    if (get_u32(header + 4) != stream_id || header[8] != TYPE_RESPONSE || answer_length > MAX_FRAME) return -1;
    uint8_t *answer = malloc(answer_length ? answer_length : 1);
    if (read_all(conn->fd, answer, answer_length)) {
        free(answer);
        return -1;
    }
    Ttrpc__Response *reply = ttrpc__response__unpack(NULL, answer_length, answer);
    free(answer);
    if (!reply) return -1;

    int result = 0;
    if (reply->status && reply->status->code != 0) {
        fill_status(status, reply->status);
        result = reply->status->code;
    } else {
        *response = protobuf_c_message_unpack(response_type, NULL, reply->payload.len, reply->payload.data);
        if (!*response) result = -1;
    }
    ttrpc__response__free_unpacked(reply, NULL);
    return result;
}

const char *scenic_code_name(int code) {
    static const char *names[] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    };
    return code >= 0 && code <= 16 ? names[code] : "UNKNOWN_CODE";
}
