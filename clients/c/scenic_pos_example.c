/*
 * An example point of sale in C: signs in, shows who it is and its money, lists what it
 * may sell, sells (or holds, then confirms the hold), lists its vouchers, then tries a
 * sale too large for its balance and prints the refusal with its code and reason.
 *
 *   scenic-pos-example [--hold] [--visitor NAME,ID_NUMBER[,TYPE]]... SOCKET PHONE PASSWORD NEW_PASSWORD PRODUCT VISIT_DATE QUANTITY
 *   scenic-pos-example --api-key-file FILE [--hold] [--visitor ...]... SOCKET PRODUCT VISIT_DATE QUANTITY
 *
 * With a password it logs in (changing an initial password to NEW_PASSWORD) and calls with
 * the session. A distributor's machine calls with an API key instead (metadata
 * scenic-api-key, made by `scenic-admin distributor api-key create`): from --api-key-file,
 * or from the environment variable SCENIC_API_KEY; there is no login and no password. A key
 * without the sell scope is refused the sale: PERMISSION_DENIED SCOPE_MISSING.
 *
 * --hold sells in two steps, as a platform whose customer is still paying does: Hold takes
 * the seats and keeps the amount aside (the balance shows it held), ConfirmHold makes the
 * sale at the held price with the visitors.
 *
 * A product sold by real name takes its visitors with --visitor, once per ticket (or once
 * for the order), in order: TYPE is resident-id (the default), passport, hk-macao-permit,
 * taiwan-permit or foreign-permanent-resident. A real-name sale is the example's last:
 * a sale too large for the balance would need a visitor per ticket too. A refused sale
 * prints its reason, each field at fault and the refusal's metadata, and exits 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenic/v1/money.pb-c.h"
#include "scenic/v1/products.pb-c.h"
#include "scenic/v1/session.pb-c.h"
#include "scenic_client.h"

static void report(const char *what, int result, const scenic_status *status) {
    if (result < 0) {
        fprintf(stderr, "%s: connection failed\n", what);
    } else {
        printf("%s refused: %s (%d): %s\n", what, scenic_code_name(status->code), status->code, status->message);
        if (status->reason[0]) printf("reason: %s\n", status->reason);
        /* e.g. "field visitors[0].id_number: INVALID_ID_NUMBER (the check character ...)" */
        for (size_t i = 0; i < status->n_violations; i++) {
            printf("field %s: %s (%s)\n", status->violations[i].field, status->violations[i].reason, status->violations[i].description);
        }
        for (size_t i = 0; i < status->n_metadata; i++) printf("metadata %s=%s\n", status->metadata[i].key, status->metadata[i].value);
    }
}

/* The words --visitor takes for IdType, in its order; an omitted type is sent as UNSPECIFIED, a resident ID. */
static const char *const id_types[] = {"", "resident-id", "passport", "hk-macao-permit", "taiwan-permit", "foreign-permanent-resident"};
#define ID_TYPES (sizeof id_types / sizeof id_types[0])

/* Reads "NAME,ID_NUMBER[,TYPE]" into `visitor`, pointing into `text` (which it cuts); 0 if malformed. */
static int parse_visitor(char *text, Scenic__V1__Visitor *visitor) {
    char *number = strchr(text, ',');
    if (!number || number == text) return 0;
    *number++ = '\0';
    char *type = strchr(number, ',');
    if (type) *type++ = '\0';
    if (!*number) return 0;
    visitor->name = text;
    visitor->id_number = number;
    visitor->id_type = SCENIC__V1__ID_TYPE__ID_TYPE_UNSPECIFIED;
    if (type) {
        size_t i = 1;
        while (i < ID_TYPES && strcmp(type, id_types[i]) != 0) i++;
        if (i == ID_TYPES) return 0;
        visitor->id_type = (Scenic__V1__IdType)i;
    }
    return 1;
}

static const char *id_type_name(Scenic__V1__IdType type) {
    return type > 0 && (size_t)type < ID_TYPES ? id_types[type] : "unspecified";
}

static void yuan(char *out, size_t size, int64_t fen) {
    snprintf(out, size, "%s%" PRId64 ".%02" PRId64, fen < 0 ? "-" : "", (fen < 0 ? -fen : fen) / 100, (fen < 0 ? -fen : fen) % 100);
}

static void print_sale(const char *what, const Scenic__V1__SellResponse *sale) {
    char amount[32], balance[32];
    yuan(amount, sizeof amount, sale->amount_fen);
    yuan(balance, sizeof balance, sale->balance_after_fen);
    printf("%s order %" PRId64 ": charged %s, balance %s\n", what, sale->order_id, amount, balance);
    for (size_t i = 0; i < sale->n_voucher_codes; i++) printf("voucher %s\n", sale->voucher_codes[i]);
}

static int sell(scenic_conn *conn, const char *product, const char *visit_date, int quantity, const char *request_id,
                Scenic__V1__Visitor **visitors, size_t n_visitors) {
    Scenic__V1__SellRequest request = SCENIC__V1__SELL_REQUEST__INIT;
    request.product_code = (char *)product;
    request.visit_date = (char *)visit_date;
    request.quantity = quantity;
    request.request_id = (char *)request_id;
    request.visitors = visitors;
    request.n_visitors = n_visitors;
    ProtobufCMessage *answer;
    scenic_status status;
    int result = scenic_call(conn, "scenic.v1.Sales", "Sell", &request.base, &scenic__v1__sell_response__descriptor, &answer, &status);
    if (result != 0) {
        report("sell", result, &status);
        return result;
    }
    print_sale("sold", (Scenic__V1__SellResponse *)answer);
    protobuf_c_message_free_unpacked(answer, NULL);
    return 0;
}

/* The balance, and what holds keep aside of it: a sale may spend balance − held. */
static int show_balance(scenic_conn *conn) {
    Scenic__V1__BalanceRequest request = SCENIC__V1__BALANCE_REQUEST__INIT;
    ProtobufCMessage *answer;
    scenic_status status;
    int result = scenic_call(conn, "scenic.v1.Sales", "Balance", &request.base, &scenic__v1__balance_response__descriptor, &answer, &status);
    if (result != 0) {
        report("balance", result, &status);
        return result;
    }
    const Scenic__V1__BalanceResponse *money = (Scenic__V1__BalanceResponse *)answer;
    char balance[32], held[32], available[32];
    yuan(balance, sizeof balance, money->balance_fen);
    yuan(held, sizeof held, money->held_fen);
    yuan(available, sizeof available, money->available_fen);
    printf("balance %s, held %s, available %s\n", balance, held, available);
    protobuf_c_message_free_unpacked(answer, NULL);
    return 0;
}

/*
 * A sale in two steps: the hold takes the seats and keeps the amount aside for 10 minutes
 * (or the daemon gives them back), the confirmation charges the held price. Each step has
 * its own request id, to be sent again as it is if the answer is lost.
 */
static int hold_and_confirm(scenic_conn *conn, const char *product, const char *visit_date, int quantity, const char *request_prefix,
                            Scenic__V1__Visitor **visitors, size_t n_visitors) {
    char request_id[64];
    snprintf(request_id, sizeof request_id, "%.48s-hold", request_prefix);
    Scenic__V1__HoldRequest request = SCENIC__V1__HOLD_REQUEST__INIT;
    request.request_id = request_id;
    request.product_code = (char *)product;
    request.visit_date = (char *)visit_date;
    request.quantity = quantity;
    request.expires_in_minutes = 10;
    ProtobufCMessage *answer;
    scenic_status status;
    int result = scenic_call(conn, "scenic.v1.Sales", "Hold", &request.base, &scenic__v1__hold__descriptor, &answer, &status);
    if (result != 0) {
        report("hold", result, &status);
        return result;
    }
    const Scenic__V1__Hold *hold = (Scenic__V1__Hold *)answer;
    int64_t hold_id = hold->id;
    char price[32], amount[32];
    yuan(price, sizeof price, hold->settlement_price_fen);
    yuan(amount, sizeof amount, hold->amount_fen);
    printf("held hold %" PRId64 ": %d x %s on %s at %s, %s kept aside until %s\n", hold->id, hold->quantity, hold->product_code,
           hold->visit_date, price, amount, hold->expires_at);
    protobuf_c_message_free_unpacked(answer, NULL);
    if ((result = show_balance(conn)) != 0) return result;

    snprintf(request_id, sizeof request_id, "%.48s-confirm", request_prefix);
    Scenic__V1__ConfirmHoldRequest confirm = SCENIC__V1__CONFIRM_HOLD_REQUEST__INIT;
    confirm.request_id = request_id;
    confirm.hold_id = hold_id;
    confirm.visitors = visitors;
    confirm.n_visitors = n_visitors;
    result = scenic_call(conn, "scenic.v1.Sales", "ConfirmHold", &confirm.base, &scenic__v1__sell_response__descriptor, &answer, &status);
    if (result != 0) {
        /* HOLD_EXPIRED: too late, the seats and the amount went back; hold again. */
        report("confirm", result, &status);
        return result;
    }
    char what[64];
    snprintf(what, sizeof what, "confirmed hold %" PRId64 " as", hold_id);
    print_sale(what, (Scenic__V1__SellResponse *)answer);
    protobuf_c_message_free_unpacked(answer, NULL);
    return 0;
}

static int usage(const char *program) {
    fprintf(stderr,
            "usage: %s [--hold] [--visitor NAME,ID_NUMBER[,TYPE]]... SOCKET PHONE PASSWORD NEW_PASSWORD PRODUCT VISIT_DATE QUANTITY\n"
            "       %s --api-key-file FILE [--hold] [--visitor ...]... SOCKET PRODUCT VISIT_DATE QUANTITY\n"
            "       (or the key in $SCENIC_API_KEY)\n",
            program, program);
    return 2;
}

/* Logs in with a password, changing an initial one; 0 when signed in. */
static int login(scenic_conn *conn, const char *phone, const char *password, const char *new_password) {
    ProtobufCMessage *answer;
    scenic_status status;
    Scenic__V1__LoginRequest login = SCENIC__V1__LOGIN_REQUEST__INIT;
    login.phone = (char *)phone;
    login.password = (char *)password;
    int result = scenic_call(conn, "scenic.v1.DistributorSession", "Login", &login.base, &scenic__v1__login_response__descriptor,
                             &answer, &status);
    if (result != 0) {
        report("login", result, &status);
        return 1;
    }
    Scenic__V1__LoginResponse *session = (Scenic__V1__LoginResponse *)answer;
    printf("logged in as %s\n", session->distributor_name);
    scenic_set_session(conn, session->session_token);
    int change = session->password_change_required;
    protobuf_c_message_free_unpacked(answer, NULL);

    if (change) {
        Scenic__V1__ChangePasswordRequest passwd = SCENIC__V1__CHANGE_PASSWORD_REQUEST__INIT;
        passwd.old_password = (char *)password;
        passwd.new_password = (char *)new_password;
        result = scenic_call(conn, "scenic.v1.DistributorSession", "ChangePassword", &passwd.base,
                             &scenic__v1__change_password_response__descriptor, &answer, &status);
        if (result != 0) {
            report("passwd", result, &status);
            return 1;
        }
        protobuf_c_message_free_unpacked(answer, NULL);
        printf("password changed\n");
    }
    return 0;
}

int main(int argc, char **argv) {
    /* Options anywhere; the rest are the positional arguments. */
    char *args[7];
    int n_args = 0, bad = 0, use_hold = 0;
    const char *key_file = NULL;
    Scenic__V1__Visitor *visitor_storage = calloc((size_t)argc, sizeof *visitor_storage);
    Scenic__V1__Visitor **visitors = calloc((size_t)argc, sizeof *visitors);
    size_t n_visitors = 0;
    for (int i = 1; i < argc && !bad; i++) {
        char *value = NULL;
        if (strcmp(argv[i], "--visitor") == 0) {
            if (i + 1 == argc) bad = 1; else value = argv[++i];
        } else if (strncmp(argv[i], "--visitor=", 10) == 0) {
            value = argv[i] + 10;
        } else if (strcmp(argv[i], "--api-key-file") == 0) {
            if (i + 1 == argc) bad = 1; else key_file = argv[++i];
        } else if (strncmp(argv[i], "--api-key-file=", 15) == 0) {
            key_file = argv[i] + 15;
        } else if (strcmp(argv[i], "--hold") == 0) {
            use_hold = 1;
        } else if (n_args < 7) {
            args[n_args++] = argv[i];
            continue;
        } else {
            bad = 1;
        }
        if (value) {
            Scenic__V1__Visitor *visitor = &visitor_storage[n_visitors];
            scenic__v1__visitor__init(visitor);
            if (parse_visitor(value, visitor)) {
                visitors[n_visitors++] = visitor;
            } else {
                fprintf(stderr, "%s: --visitor NAME,ID_NUMBER[,TYPE], TYPE one of resident-id, passport, hk-macao-permit, "
                                "taiwan-permit, foreign-permanent-resident\n", argv[0]);
                return 2;
            }
        }
    }
    /* A key from the file, or from $SCENIC_API_KEY: then no phone and no passwords. */
    char *api_key = scenic_api_key_from(key_file);
    if (key_file && !api_key) {
        fprintf(stderr, "%s: no API key in %s\n", argv[0], key_file);
        return 2;
    }
    if (bad || n_args != (api_key ? 4 : 7)) return usage(argv[0]);
    const char *socket_path = args[0];
    const char *product = args[n_args - 3], *visit_date = args[n_args - 2];
    int quantity = atoi(args[n_args - 1]);
    scenic_conn *conn = scenic_connect(socket_path);
    if (!conn) {
        perror("connect");
        return 1;
    }
    ProtobufCMessage *answer;
    scenic_status status;
    int result;

    if (api_key) {
        /* Every call carries the key; Login, Logout and ChangePassword are for people. */
        scenic_set_api_key(conn, api_key);
        free(api_key);
    } else if (login(conn, args[1], args[2], args[3]) != 0) {
        return 1;
    }

    Scenic__V1__WhoAmIRequest whoami = SCENIC__V1__WHO_AM_IREQUEST__INIT;
    result = scenic_call(conn, "scenic.v1.DistributorSession", "WhoAmI", &whoami.base, &scenic__v1__who_am_iresponse__descriptor,
                         &answer, &status);
    if (result != 0) {
        report("whoami", result, &status);
        return 1;
    }
    const Scenic__V1__WhoAmIResponse *me = (Scenic__V1__WhoAmIResponse *)answer;
    char balance[32], held[32], available[32];
    yuan(balance, sizeof balance, me->balance_fen);
    yuan(held, sizeof held, me->held_fen);
    yuan(available, sizeof available, me->available_fen);
    /* credential: "session", or "api-key:NAME" for a call made with a key. */
    printf("distributor %" PRId64 " %s by %s: balance %s, held %s, available %s\n", me->distributor_id, me->name, me->credential, balance,
           held, available);
    protobuf_c_message_free_unpacked(answer, NULL);

    Scenic__V1__ListSellableRequest catalog = SCENIC__V1__LIST_SELLABLE_REQUEST__INIT;
    result = scenic_call(conn, "scenic.v1.Catalog", "ListSellable", &catalog.base, &scenic__v1__list_sellable_response__descriptor,
                         &answer, &status);
    if (result != 0) {
        report("products", result, &status);
        return 1;
    }
    Scenic__V1__ListSellableResponse *sellable = (Scenic__V1__ListSellableResponse *)answer;
    for (size_t i = 0; i < sellable->n_products; i++) {
        char retail[32], price[32];
        yuan(retail, sizeof retail, sellable->products[i]->retail_price_fen);
        yuan(price, sizeof price, sellable->products[i]->settlement_price_fen);
        const Scenic__V1__SellableProduct *item = sellable->products[i];
        printf("product %s \"%s\" retail %s, yours %s", item->code, item->name, retail, price);
        /* What --visitor must give: a visitor per ticket or per order, and how many tickets one ID may hold. */
        Scenic__V1__RealNameMode mode = item->real_name ? item->real_name->mode : SCENIC__V1__REAL_NAME_MODE__REAL_NAME_MODE_UNSPECIFIED;
        if (mode == SCENIC__V1__REAL_NAME_MODE__REAL_NAME_MODE_PER_ORDER || mode == SCENIC__V1__REAL_NAME_MODE__REAL_NAME_MODE_PER_TICKET) {
            printf(", real name per %s", mode == SCENIC__V1__REAL_NAME_MODE__REAL_NAME_MODE_PER_ORDER ? "order" : "ticket");
            if (item->real_name->id_limit > 0) {
                static const char *const periods[] = {"day", "day", "week", "month"}; /* UNSPECIFIED counts the visit date */
                Scenic__V1__IdLimitPeriod period = item->real_name->id_limit_period;
                printf(", at most %d per ID a %s", item->real_name->id_limit, period >= 0 && period <= 3 ? periods[period] : "period");
            }
        }
        printf("\n");
    }
    protobuf_c_message_free_unpacked(answer, NULL);

    char request_id[64];
    snprintf(request_id, sizeof request_id, "c-example-%ld-1", (long)getpid());
    result = use_hold ? hold_and_confirm(conn, product, visit_date, quantity, request_id, visitors, n_visitors)
                      : sell(conn, product, visit_date, quantity, request_id, visitors, n_visitors);
    if (result != 0) return 1;

    Scenic__V1__VoucherFilter filter = SCENIC__V1__VOUCHER_FILTER__INIT;
    result = scenic_call(conn, "scenic.v1.Sales", "ListVouchers", &filter.base, &scenic__v1__list_vouchers_response__descriptor,
                         &answer, &status);
    if (result != 0) {
        report("vouchers", result, &status);
        return 1;
    }
    Scenic__V1__ListVouchersResponse *vouchers = (Scenic__V1__ListVouchersResponse *)answer;
    for (size_t i = 0; i < vouchers->n_vouchers; i++) {
        const Scenic__V1__Voucher *voucher = vouchers->vouchers[i];
        printf("listed %s %s visit %s status %d", voucher->code, voucher->product_code, voucher->visit_date, voucher->status);
        /* A real-name ticket's visitor, masked as every answer shows it (张*, 110***********002X). */
        if (voucher->visitor) {
            printf(" visitor %s %s %s%s", voucher->visitor->name, voucher->visitor->id_number, id_type_name(voucher->visitor->id_type),
                   voucher->visitor->erased ? " (personal data erased)" : "");
        }
        printf("\n");
    }
    protobuf_c_message_free_unpacked(answer, NULL);

    if (n_visitors > 0) {
        scenic_close(conn);
        free(visitors);
        free(visitor_storage);
        return 0;
    }
    /* More than the balance can cover: refused, and nothing changes. */
    snprintf(request_id, sizeof request_id, "c-example-%ld-2", (long)getpid());
    result = sell(conn, product, visit_date, 100, request_id, NULL, 0);
    scenic_close(conn);
    free(visitors);
    free(visitor_storage);
    return result == 9 ? 0 : 1; /* FAILED_PRECONDITION is what a covered balance would not give */
}
