/*
 * A minimal client for scenicd's ttrpc sockets on libprotobuf-c: one connection, one
 * call at a time (the protocol allows more; this keeps the example short).
 */
#ifndef SCENIC_CLIENT_H
#define SCENIC_CLIENT_H

#include <protobuf-c/protobuf-c.h>

typedef struct scenic_conn scenic_conn;

/* What a failed call said: the gRPC code, its message, and ErrorInfo.reason if any. */
typedef struct {
    int code;
    char message[512];
    char reason[128];
} scenic_status;

/* Connects to a Unix socket; NULL (errno set) on failure. */
scenic_conn *scenic_connect(const char *path);
void scenic_close(scenic_conn *conn);

/* Sends `token` as the "scenic-session" metadata on every later call; NULL stops. */
void scenic_set_session(scenic_conn *conn, const char *token);

/*
 * Calls service/method with `request`. Returns 0 and sets *response (free it with
 * protobuf_c_message_free_unpacked) when the status is OK; the status code (> 0) with
 * `status` filled when the daemon refused; -1 on a broken connection or bad frame.
 */
int scenic_call(scenic_conn *conn, const char *service, const char *method, const ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *response_type, ProtobufCMessage **response, scenic_status *status);

/* "INVALID_ARGUMENT" for 3, and so on. */
const char *scenic_code_name(int code);

#endif
