/*
 * A minimal client for scenicd's ttrpc sockets on libprotobuf-c: one connection, one
 * call at a time (the protocol allows more; this keeps the example short).
 */
#ifndef SCENIC_CLIENT_H
#define SCENIC_CLIENT_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

typedef struct scenic_conn scenic_conn;

/* How many field violations and metadata entries a scenic_status keeps (the first ones). */
#define SCENIC_STATUS_DETAILS 8

/*
 * What a failed call said: the gRPC code, its message, ErrorInfo.reason if any, and the
 * details to branch on or show: google.rpc.BadRequest's field violations, each the
 * field's path in the request ("visitors[0].id_number") with its own reason
 * ("INVALID_ID_NUMBER"), and ErrorInfo.metadata ("held", "limit", "voucher_codes").
 */
typedef struct {
    int code;
    char message[512];
    char reason[128];
    size_t n_violations;
    struct {
        char field[128];
        char reason[64];
        char description[256];
    } violations[SCENIC_STATUS_DETAILS];
    size_t n_metadata;
    struct {
        char key[64];
        char value[2048]; /* room for SEVERAL_TICKETS' voucher_codes of 100 vouchers */
    } metadata[SCENIC_STATUS_DETAILS];
} scenic_status;

/* Connects to a Unix socket; NULL (errno set) on failure. */
scenic_conn *scenic_connect(const char *path);
void scenic_close(scenic_conn *conn);

/* Sends `token` as the "scenic-session" metadata on every later call; NULL stops. */
void scenic_set_session(scenic_conn *conn, const char *token);

/*
 * Sends `key` as the "scenic-api-key" metadata on every later call instead of a session
 * (pos socket): a distributor's machine calling without a password. NULL stops.
 */
void scenic_set_api_key(scenic_conn *conn, const char *key);

/*
 * An API key to call with: the first line of `file`, or with `file` NULL the environment
 * variable SCENIC_API_KEY; surrounding blanks dropped. A malloc'ed string, or NULL (errno
 * set) when there is none. Keep a key file mode 0600: the key sells on the distributor's
 * balance.
 */
char *scenic_api_key_from(const char *file);

/*
 * The deadline every later call sends (timeout_nano), in milliseconds; 30,000 unless set,
 * 0 for none. A long poll of Events/List waits at most until 200 ms before it: give a call
 * with wait_seconds W at least W seconds and a margin.
 */
void scenic_set_timeout_ms(scenic_conn *conn, int64_t milliseconds);

/*
 * Calls service/method with `request`. Returns 0 and sets *response (free it with
 * protobuf_c_message_free_unpacked) when the status is OK; the status code (> 0) with
 * `status` filled when the daemon refused; -1 on a broken connection or bad frame.
 */
int scenic_call(scenic_conn *conn, const char *service, const char *method, const ProtobufCMessage *request,
                const ProtobufCMessageDescriptor *response_type, ProtobufCMessage **response, scenic_status *status);

/* The value of ErrorInfo.metadata's `key` in a refusal, or NULL. */
const char *scenic_status_metadata(const scenic_status *status, const char *key);

/* "INVALID_ARGUMENT" for 3, and so on. */
const char *scenic_code_name(int code);

#endif
