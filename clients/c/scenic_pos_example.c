/*
 * An example point of sale in C: logs in (changing an initial password), lists what it
 * may sell, sells, lists its vouchers, then tries a sale too large for its balance and
 * prints the refusal with its code and reason.
 *
 *   scenic-pos-example SOCKET PHONE PASSWORD NEW_PASSWORD PRODUCT VISIT_DATE QUANTITY
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
    }
}

static void yuan(char *out, size_t size, int64_t fen) {
    snprintf(out, size, "%s%" PRId64 ".%02" PRId64, fen < 0 ? "-" : "", (fen < 0 ? -fen : fen) / 100, (fen < 0 ? -fen : fen) % 100);
}

static int sell(scenic_conn *conn, const char *product, const char *visit_date, int quantity, const char *request_id) {
    Scenic__V1__SellRequest request = SCENIC__V1__SELL_REQUEST__INIT;
    request.product_code = (char *)product;
    request.visit_date = (char *)visit_date;
    request.quantity = quantity;
    request.request_id = (char *)request_id;
    ProtobufCMessage *answer;
    scenic_status status;
    int result = scenic_call(conn, "scenic.v1.Sales", "Sell", &request.base, &scenic__v1__sell_response__descriptor, &answer, &status);
    if (result != 0) {
        report("sell", result, &status);
        return result;
    }
    Scenic__V1__SellResponse *sale = (Scenic__V1__SellResponse *)answer;
    char amount[32], balance[32];
    yuan(amount, sizeof amount, sale->amount_fen);
    yuan(balance, sizeof balance, sale->balance_after_fen);
    printf("sold order %" PRId64 ": charged %s, balance %s\n", sale->order_id, amount, balance);
    for (size_t i = 0; i < sale->n_voucher_codes; i++) printf("voucher %s\n", sale->voucher_codes[i]);
    protobuf_c_message_free_unpacked(answer, NULL);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: %s SOCKET PHONE PASSWORD NEW_PASSWORD PRODUCT VISIT_DATE QUANTITY\n", argv[0]);
        return 2;
    }
    const char *product = argv[5], *visit_date = argv[6];
    int quantity = atoi(argv[7]);
    scenic_conn *conn = scenic_connect(argv[1]);
    if (!conn) {
        perror("connect");
        return 1;
    }
    ProtobufCMessage *answer;
    scenic_status status;

    Scenic__V1__LoginRequest login = SCENIC__V1__LOGIN_REQUEST__INIT;
    login.phone = argv[2];
    login.password = argv[3];
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
        passwd.old_password = argv[3];
        passwd.new_password = argv[4];
        result = scenic_call(conn, "scenic.v1.DistributorSession", "ChangePassword", &passwd.base,
                             &scenic__v1__change_password_response__descriptor, &answer, &status);
        if (result != 0) {
            report("passwd", result, &status);
            return 1;
        }
        protobuf_c_message_free_unpacked(answer, NULL);
        printf("password changed\n");
    }

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
        printf("product %s \"%s\" retail %s, yours %s\n", sellable->products[i]->code, sellable->products[i]->name, retail, price);
    }
    protobuf_c_message_free_unpacked(answer, NULL);

    char request_id[64];
    snprintf(request_id, sizeof request_id, "c-example-%ld-1", (long)getpid());
    if (sell(conn, product, visit_date, quantity, request_id) != 0) return 1;

    Scenic__V1__VoucherFilter filter = SCENIC__V1__VOUCHER_FILTER__INIT;
    result = scenic_call(conn, "scenic.v1.Sales", "ListVouchers", &filter.base, &scenic__v1__list_vouchers_response__descriptor,
                         &answer, &status);
    if (result != 0) {
        report("vouchers", result, &status);
        return 1;
    }
    Scenic__V1__ListVouchersResponse *vouchers = (Scenic__V1__ListVouchersResponse *)answer;
    for (size_t i = 0; i < vouchers->n_vouchers; i++) {
        printf("listed %s %s visit %s status %d\n", vouchers->vouchers[i]->code, vouchers->vouchers[i]->product_code,
               vouchers->vouchers[i]->visit_date, vouchers->vouchers[i]->status);
    }
    protobuf_c_message_free_unpacked(answer, NULL);

    /* More than the balance can cover: refused, and nothing changes. */
    snprintf(request_id, sizeof request_id, "c-example-%ld-2", (long)getpid());
    result = sell(conn, product, visit_date, 100, request_id);
    scenic_close(conn);
    return result == 9 ? 0 : 1; /* FAILED_PRECONDITION is what a covered balance would not give */
}
