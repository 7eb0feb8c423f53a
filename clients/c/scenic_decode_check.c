/*
 * Decodes with protobuf-c every kind of response message the daemon sends: each read
 * method on both sockets answers OK and its payload must unpack with the descriptor the
 * .proto files give; each refusal's google.rpc.Status must unpack with its ErrorInfo.
 * Run after scenic-pos-example, which leaves a distributor (id 1) with a sale of two
 * vouchers behind; it redeems one and refunds the other. Real names: it makes its own
 * product DECODE one visitor per order (at most 2 tickets per ID a week), binds it to
 * distributor 1 at ¥1.00, sells 2 tickets for today to one visitor and checks both in at
 * the gate by ID, through SEVERAL_TICKETS, so the distributor is charged ¥2.00.
 * Integrations: it holds a DECODE ticket (the balance shows ¥1.00 held), releases it and
 * is refused a confirmation of the released hold; reads the event feed on both sockets;
 * makes a read-only API key for distributor 1, calls with it (refused a hold, SCOPE_MISSING,
 * and a logout, SESSION_REQUIRED), revokes it and is refused (API_KEY_REVOKED). None of
 * these changes the balance.
 *
 *   scenic-decode-check ADMIN_SOCKET POS_SOCKET PHONE PASSWORD
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grpc/health/v1/health.pb-c.h"
#include "scenic/v1/audit.pb-c.h"
#include "scenic/v1/calendar.pb-c.h"
#include "scenic/v1/money.pb-c.h"
#include "scenic/v1/distributors.pb-c.h"
#include "scenic/v1/integrations.pb-c.h"
#include "scenic/v1/products.pb-c.h"
#include "scenic/v1/reports.pb-c.h"
#include "scenic/v1/session.pb-c.h"
#include "scenic/v1/system.pb-c.h"
#include "scenic_client.h"

static int passed, failed;

/* Calls and unpacks the answer; `expect_ok` false means a refusal with a reason is wanted. */
static void check(scenic_conn *conn, const char *service, const char *method, const ProtobufCMessage *request,
                  const ProtobufCMessageDescriptor *response_type, int expect_ok) {
    ProtobufCMessage *answer = NULL;
    scenic_status status;
    int result = scenic_call(conn, service, method, request, response_type, &answer, &status);
    int good = expect_ok ? result == 0 && answer && answer->descriptor == response_type
                         : result > 0 && status.reason[0] != '\0';
    printf("%s %s/%s -> %s%s%s\n", good ? "ok  " : "FAIL", service, method, result == 0 ? response_type->name : scenic_code_name(status.code),
           result > 0 ? " " : "", result > 0 ? status.reason : "");
    if (good) passed++; else failed++;
    if (answer) protobuf_c_message_free_unpacked(answer, NULL);
}

/* A refusal whose ErrorInfo reason, or a field violation's reason, is `want`; the status is left in *status. */
static void check_refusal(scenic_conn *conn, const char *service, const char *method, const ProtobufCMessage *request,
                          const ProtobufCMessageDescriptor *response_type, const char *want, scenic_status *status) {
    ProtobufCMessage *answer = NULL;
    int result = scenic_call(conn, service, method, request, response_type, &answer, status);
    char field[256] = "";
    int good = result > 0 && strcmp(status->reason, want) == 0;
    for (size_t i = 0; result > 0 && i < status->n_violations; i++) {
        if (strcmp(status->violations[i].reason, want) == 0) {
            good = 1;
            snprintf(field, sizeof field, " %s %s", status->violations[i].field, status->violations[i].reason);
        }
    }
    printf("%s %s/%s -> %s %s%s\n", good ? "ok  " : "FAIL", service, method, result == 0 ? response_type->name : scenic_code_name(status->code),
           result > 0 ? status->reason : "", field);
    if (good) passed++; else failed++;
    if (answer) protobuf_c_message_free_unpacked(answer, NULL);
}

/* Calls and answers the unpacked response for the caller to look into, or NULL (counted as failed). */
static ProtobufCMessage *fetch(scenic_conn *conn, const char *service, const char *method, const ProtobufCMessage *request,
                               const ProtobufCMessageDescriptor *response_type) {
    ProtobufCMessage *answer = NULL;
    scenic_status status;
    int result = scenic_call(conn, service, method, request, response_type, &answer, &status);
    if (result == 0 && answer && answer->descriptor == response_type) return answer;
    printf("FAIL %s/%s -> %s %s\n", service, method, result > 0 ? scenic_code_name(status.code) : "broken connection",
           result > 0 ? status.reason : "");
    failed++;
    if (answer) protobuf_c_message_free_unpacked(answer, NULL);
    return NULL;
}

/* The verdict on an answer `fetch` gave, freed here. */
static void judge(ProtobufCMessage *answer, const char *service, const char *method, int good, const char *detail) {
    if (!answer) return;
    printf("%s %s/%s -> %s %s\n", good ? "ok  " : "FAIL", service, method, answer->descriptor->name, detail);
    if (good) passed++; else failed++;
    protobuf_c_message_free_unpacked(answer, NULL);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s ADMIN_SOCKET POS_SOCKET PHONE PASSWORD\n", argv[0]);
        return 2;
    }
    scenic_conn *admin = scenic_connect(argv[1]), *pos = scenic_connect(argv[2]);
    if (!admin || !pos) {
        perror("connect");
        return 1;
    }
    ProtobufCMessage *answer;
    scenic_status status;
    Grpc__Health__V1__HealthCheckRequest health = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    Scenic__V1__ServerInfoRequest info = SCENIC__V1__SERVER_INFO_REQUEST__INIT;
    for (int i = 0; i < 2; i++) {
        scenic_conn *conn = i ? pos : admin;
        check(conn, "grpc.health.v1.Health", "Check", &health.base, &grpc__health__v1__health_check_response__descriptor, 1);
        check(conn, "scenic.v1.System", "ServerInfo", &info.base, &scenic__v1__server_info_response__descriptor, 1);
    }

    Scenic__V1__ListDistributorsRequest distributors = SCENIC__V1__LIST_DISTRIBUTORS_REQUEST__INIT;
    check(admin, "scenic.v1.DistributorAdmin", "List", &distributors.base, &scenic__v1__list_distributors_response__descriptor, 1);
    Scenic__V1__GetDistributorRequest one = SCENIC__V1__GET_DISTRIBUTOR_REQUEST__INIT;
    one.id = 1;
    check(admin, "scenic.v1.DistributorAdmin", "Get", &one.base, &scenic__v1__distributor__descriptor, 1);
    Scenic__V1__ListProductsRequest products = SCENIC__V1__LIST_PRODUCTS_REQUEST__INIT;
    check(admin, "scenic.v1.ProductAdmin", "List", &products.base, &scenic__v1__list_products_response__descriptor, 1);
    Scenic__V1__ListBindingsRequest bindings = SCENIC__V1__LIST_BINDINGS_REQUEST__INIT;
    bindings.distributor_id = 1;
    check(admin, "scenic.v1.BindingAdmin", "List", &bindings.base, &scenic__v1__bindings_response__descriptor, 1);
    Scenic__V1__ListLedgerRequest ledger = SCENIC__V1__LIST_LEDGER_REQUEST__INIT;
    ledger.distributor_id = 1;
    check(admin, "scenic.v1.Account", "ListLedger", &ledger.base, &scenic__v1__list_ledger_response__descriptor, 1);
    Scenic__V1__VoucherFilter vouchers = SCENIC__V1__VOUCHER_FILTER__INIT;
    check(admin, "scenic.v1.VoucherAdmin", "List", &vouchers.base, &scenic__v1__list_vouchers_response__descriptor, 1);
    Scenic__V1__ListAuditRequest audit = SCENIC__V1__LIST_AUDIT_REQUEST__INIT;
    check(admin, "scenic.v1.Audit", "List", &audit.base, &scenic__v1__list_audit_response__descriptor, 1);
    Scenic__V1__ListSmsRequest sms = SCENIC__V1__LIST_SMS_REQUEST__INIT;
    check(admin, "scenic.v1.Sms", "List", &sms.base, &scenic__v1__list_sms_response__descriptor, 1);
    Scenic__V1__RechargeRequest recharge = SCENIC__V1__RECHARGE_REQUEST__INIT;
    recharge.distributor_id = 1;
    recharge.amount_fen = 100;
    recharge.request_id = "decode-check";
    check(admin, "scenic.v1.Account", "Recharge", &recharge.base, &scenic__v1__balance_change__descriptor, 1);

    /* Writes whose answers are other message types. */
    Scenic__V1__CreateDistributorRequest create = SCENIC__V1__CREATE_DISTRIBUTOR_REQUEST__INIT;
    create.name = "Decode Check";
    create.phone = "13900139000";
    check(admin, "scenic.v1.DistributorAdmin", "Create", &create.base, &scenic__v1__create_distributor_response__descriptor, 1);
    Scenic__V1__DistributorIdRequest second = SCENIC__V1__DISTRIBUTOR_ID_REQUEST__INIT;
    second.id = 2;
    check(admin, "scenic.v1.DistributorAdmin", "ResetPassword", &second.base, &scenic__v1__reset_password_response__descriptor, 1);
    Scenic__V1__SetLowBalanceAlertRequest alert = SCENIC__V1__SET_LOW_BALANCE_ALERT_REQUEST__INIT;
    alert.distributor_id = 1;
    alert.threshold_fen = 100;
    check(admin, "scenic.v1.Reports", "SetLowBalanceAlert", &alert.base, &scenic__v1__distributor__descriptor, 1);
    Scenic__V1__CreateProductRequest product = SCENIC__V1__CREATE_PRODUCT_REQUEST__INIT;
    product.code = "DECODE";
    product.name = "Decode check";
    product.retail_price_fen = 100;
    check(admin, "scenic.v1.ProductAdmin", "Create", &product.base, &scenic__v1__product__descriptor, 1);
    Scenic__V1__CreateProductRequest *rows[] = {&product};
    product.code = "DECODE2";
    Scenic__V1__ImportProductsRequest import = SCENIC__V1__IMPORT_PRODUCTS_REQUEST__INIT;
    import.products = rows;
    import.n_products = 1;
    import.dry_run = 1;
    check(admin, "scenic.v1.ProductAdmin", "Import", &import.base, &scenic__v1__import_products_response__descriptor, 1);
    Scenic__V1__StatementRequest statement = SCENIC__V1__STATEMENT_REQUEST__INIT;
    statement.distributor_id = 1;
    statement.from_date = "2020-01-01";
    statement.to_date = "2099-12-31";
    check(admin, "scenic.v1.Reports", "Statement", &statement.base, &scenic__v1__statement_response__descriptor, 1);
    Scenic__V1__SalesReportRequest sales = SCENIC__V1__SALES_REPORT_REQUEST__INIT;
    sales.from_date = "2020-01-01";
    sales.to_date = "2099-12-31";
    check(admin, "scenic.v1.Reports", "Sales", &sales.base, &scenic__v1__sales_report_response__descriptor, 1);

    /* The calendar: a date two days ahead by UTC, so that it is ahead in every time zone. */
    char day[16];
    time_t later = time(NULL) + 2 * 86400;
    strftime(day, sizeof day, "%Y-%m-%d", gmtime(&later));
    Scenic__V1__DateRange dates = SCENIC__V1__DATE_RANGE__INIT;
    dates.from_date = day;
    dates.to_date = day;
    Scenic__V1__SlotCapacity morning = SCENIC__V1__SLOT_CAPACITY__INIT;
    morning.slot = "09:00-11:00";
    morning.capacity = 20;
    Scenic__V1__SlotCapacity *slots[] = {&morning};
    Scenic__V1__SetCapacityRequest capacity = SCENIC__V1__SET_CAPACITY_REQUEST__INIT;
    capacity.product_code = "DECODE";
    capacity.dates = &dates;
    capacity.capacity = 50;
    capacity.slots = slots;
    capacity.n_slots = 1;
    check(admin, "scenic.v1.CalendarAdmin", "SetCapacity", &capacity.base, &scenic__v1__calendar_change__descriptor, 1);
    Scenic__V1__ProductCalendarRequest calendar = SCENIC__V1__PRODUCT_CALENDAR_REQUEST__INIT;
    calendar.product_code = "DECODE";
    check(admin, "scenic.v1.CalendarAdmin", "GetBookingRules", &calendar.base, &scenic__v1__booking_rules__descriptor, 1);
    Scenic__V1__AvailabilityRequest availability = SCENIC__V1__AVAILABILITY_REQUEST__INIT;
    availability.product_code = "DECODE";
    availability.from_date = day;
    availability.to_date = day;
    check(admin, "scenic.v1.CalendarAdmin", "Availability", &availability.base, &scenic__v1__availability_response__descriptor, 1);

    /* The example's two vouchers: redeem one (and undo, and redeem again), refund the other below. */
    char redeem_code[32] = "", refund_code[32] = "";
    if (scenic_call(admin, "scenic.v1.VoucherAdmin", "List", &vouchers.base, &scenic__v1__list_vouchers_response__descriptor, &answer,
                    &status) == 0) {
        Scenic__V1__ListVouchersResponse *list = (Scenic__V1__ListVouchersResponse *)answer;
        if (list->n_vouchers >= 2) {
            snprintf(redeem_code, sizeof redeem_code, "%s", list->vouchers[0]->code);
            snprintf(refund_code, sizeof refund_code, "%s", list->vouchers[1]->code);
        }
        protobuf_c_message_free_unpacked(answer, NULL);
    }
    Scenic__V1__RedeemRequest redeem = SCENIC__V1__REDEEM_REQUEST__INIT;
    redeem.code = redeem_code;
    check(admin, "scenic.v1.VoucherAdmin", "Redeem", &redeem.base, &scenic__v1__voucher__descriptor, 1);
    Scenic__V1__UndoRedemptionRequest undo = SCENIC__V1__UNDO_REDEMPTION_REQUEST__INIT;
    undo.code = redeem_code;
    undo.reason = "decode check";
    check(admin, "scenic.v1.VoucherAdmin", "UndoRedemption", &undo.base, &scenic__v1__voucher__descriptor, 1);

    /* Refusals: a status with ErrorInfo must decode too. */
    Scenic__V1__WhoAmIRequest whoami = SCENIC__V1__WHO_AM_IREQUEST__INIT;
    check(pos, "scenic.v1.DistributorSession", "WhoAmI", &whoami.base, &scenic__v1__who_am_iresponse__descriptor, 0);
    check(pos, "scenic.v1.DistributorAdmin", "List", &distributors.base, &scenic__v1__list_distributors_response__descriptor, 0);

    Scenic__V1__LoginRequest login = SCENIC__V1__LOGIN_REQUEST__INIT;
    login.phone = argv[3];
    login.password = argv[4];
    if (scenic_call(pos, "scenic.v1.DistributorSession", "Login", &login.base, &scenic__v1__login_response__descriptor, &answer, &status) != 0) {
        printf("FAIL login: %s %s\n", scenic_code_name(status.code), status.reason);
        return 1;
    }
    scenic_set_session(pos, ((Scenic__V1__LoginResponse *)answer)->session_token);
    protobuf_c_message_free_unpacked(answer, NULL);
    passed++;

    check(pos, "scenic.v1.DistributorSession", "WhoAmI", &whoami.base, &scenic__v1__who_am_iresponse__descriptor, 1);
    Scenic__V1__BalanceRequest balance = SCENIC__V1__BALANCE_REQUEST__INIT;
    check(pos, "scenic.v1.Sales", "Balance", &balance.base, &scenic__v1__balance_response__descriptor, 1);
    ledger.distributor_id = 0;
    check(pos, "scenic.v1.Sales", "ListLedger", &ledger.base, &scenic__v1__list_ledger_response__descriptor, 1);
    Scenic__V1__ListSellableRequest sellable = SCENIC__V1__LIST_SELLABLE_REQUEST__INIT;
    check(pos, "scenic.v1.Catalog", "ListSellable", &sellable.base, &scenic__v1__list_sellable_response__descriptor, 1);
    availability.product_code = "GATE";
    check(pos, "scenic.v1.Catalog", "Availability", &availability.base, &scenic__v1__availability_response__descriptor, 1);
    Scenic__V1__RefundRequest refund = SCENIC__V1__REFUND_REQUEST__INIT;
    char *codes[] = {"1234567890123456"};
    refund.voucher_codes = codes;
    refund.n_voucher_codes = 1;
    check(pos, "scenic.v1.Sales", "Refund", &refund.base, &scenic__v1__refund_response__descriptor, 0);
    codes[0] = refund_code;
    check(pos, "scenic.v1.Sales", "Refund", &refund.base, &scenic__v1__refund_response__descriptor, 1);
    statement.distributor_id = 0;
    check(pos, "scenic.v1.Sales", "Statement", &statement.base, &scenic__v1__statement_response__descriptor, 1);

    /* Real names: DECODE names one visitor per order, who may hold 2 of its tickets a week. */
    Scenic__V1__RealNameRules rules = SCENIC__V1__REAL_NAME_RULES__INIT;
    rules.mode = SCENIC__V1__REAL_NAME_MODE__REAL_NAME_MODE_PER_ORDER;
    rules.id_limit = 2;
    rules.id_limit_period = SCENIC__V1__ID_LIMIT_PERIOD__ID_LIMIT_PERIOD_WEEK;
    Scenic__V1__SetRealNameRequest real_name = SCENIC__V1__SET_REAL_NAME_REQUEST__INIT;
    real_name.code = "DECODE";
    real_name.rules = &rules;
    check(admin, "scenic.v1.ProductAdmin", "SetRealName", &real_name.base, &scenic__v1__product__descriptor, 1);
    Scenic__V1__BindingItem item = SCENIC__V1__BINDING_ITEM__INIT;
    item.product_code = "DECODE";
    item.settlement_price_fen = 100;
    Scenic__V1__BindingItem *items[] = {&item};
    Scenic__V1__BindProductsRequest bind = SCENIC__V1__BIND_PRODUCTS_REQUEST__INIT;
    bind.distributor_id = 1;
    bind.items = items;
    bind.n_items = 1;
    check(admin, "scenic.v1.BindingAdmin", "Bind", &bind.base, &scenic__v1__bindings_response__descriptor, 1);

    /* Today in the scenic area's time zone: a visitor is checked in on the visit date. */
    char today[16] = "";
    if (scenic_call(admin, "scenic.v1.System", "ServerInfo", &info.base, &scenic__v1__server_info_response__descriptor, &answer, &status) == 0) {
        setenv("TZ", ((Scenic__V1__ServerInfoResponse *)answer)->time_zone, 1);
        tzset();
        protobuf_c_message_free_unpacked(answer, NULL);
        time_t now = time(NULL);
        struct tm local;
        strftime(today, sizeof today, "%Y-%m-%d", localtime_r(&now, &local));
    }
    char holder_id[] = "110101199003071233", other_id[] = "440304198511120451";
    Scenic__V1__Visitor visitor = SCENIC__V1__VISITOR__INIT;
    visitor.name = "李四";
    visitor.id_number = holder_id;
    visitor.id_type = SCENIC__V1__ID_TYPE__ID_TYPE_RESIDENT_ID;
    Scenic__V1__Visitor *visitors[] = {&visitor};
    Scenic__V1__SellRequest sell = SCENIC__V1__SELL_REQUEST__INIT;
    sell.request_id = "decode-check-no-visitor";
    sell.product_code = "DECODE";
    sell.quantity = 2;
    sell.visit_date = today;
    check_refusal(pos, "scenic.v1.Sales", "Sell", &sell.base, &scenic__v1__sell_response__descriptor, "VISITORS_REQUIRED", &status);
    sell.request_id = "decode-check-real-name";
    sell.visitors = visitors;
    sell.n_visitors = 1;
    check(pos, "scenic.v1.Sales", "Sell", &sell.base, &scenic__v1__sell_response__descriptor, 1);
    sell.request_id = "decode-check-over-limit";
    sell.quantity = 1;
    check_refusal(pos, "scenic.v1.Sales", "Sell", &sell.base, &scenic__v1__sell_response__descriptor, "ID_LIMIT_EXCEEDED", &status);
    if (!scenic_status_metadata(&status, "held") || !scenic_status_metadata(&status, "limit")) {
        printf("FAIL ID_LIMIT_EXCEEDED without metadata held and limit\n");
        failed++;
    }

    /* The gate by ID: two tickets valid today are SEVERAL_TICKETS; the attendant picks one by code, then the other is the only one. */
    Scenic__V1__CheckInRequest gate = SCENIC__V1__CHECK_IN_REQUEST__INIT;
    gate.request_id = "decode-check-gate-1";
    gate.id_number = "110101199003071234"; /* a wrong check character */
    check_refusal(admin, "scenic.v1.VoucherAdmin", "CheckIn", &gate.base, &scenic__v1__voucher__descriptor, "INVALID_ID_NUMBER", &status);
    gate.id_number = other_id;
    check_refusal(admin, "scenic.v1.VoucherAdmin", "CheckIn", &gate.base, &scenic__v1__voucher__descriptor, "NO_TICKET_FOR_ID", &status);
    gate.id_number = holder_id;
    check_refusal(admin, "scenic.v1.VoucherAdmin", "CheckIn", &gate.base, &scenic__v1__voucher__descriptor, "SEVERAL_TICKETS", &status);
    char first_code[32] = "";
    const char *codes_held = scenic_status_metadata(&status, "voucher_codes");
    if (codes_held) snprintf(first_code, sizeof first_code, "%.*s", (int)strcspn(codes_held, ","), codes_held);
    gate.code = first_code;
    gate.id_number = other_id;
    check_refusal(admin, "scenic.v1.VoucherAdmin", "CheckIn", &gate.base, &scenic__v1__voucher__descriptor, "VISITOR_MISMATCH", &status);
    gate.id_number = holder_id;
    check(admin, "scenic.v1.VoucherAdmin", "CheckIn", &gate.base, &scenic__v1__voucher__descriptor, 1);
    gate.request_id = "decode-check-gate-2";
    gate.code = "";
    check(admin, "scenic.v1.VoucherAdmin", "CheckIn", &gate.base, &scenic__v1__voucher__descriptor, 1);

    /* The back office unmasks a visitor, audited; a ticket without one is NOT_REAL_NAME. */
    Scenic__V1__RevealVisitorRequest reveal = SCENIC__V1__REVEAL_VISITOR_REQUEST__INIT;
    reveal.code = first_code;
    reveal.reason = "decode check";
    if (scenic_call(admin, "scenic.v1.VoucherAdmin", "RevealVisitor", &reveal.base, &scenic__v1__visitor__descriptor, &answer, &status) == 0) {
        Scenic__V1__Visitor *revealed = (Scenic__V1__Visitor *)answer;
        int same = strcmp(revealed->name, visitor.name) == 0 && strcmp(revealed->id_number, holder_id) == 0;
        printf("%s scenic.v1.VoucherAdmin/RevealVisitor -> %s %s\n", same ? "ok  " : "FAIL", answer->descriptor->name,
               same ? "as sold" : "not the visitor sold");
        if (same) passed++; else failed++;
        protobuf_c_message_free_unpacked(answer, NULL);
    } else {
        printf("FAIL scenic.v1.VoucherAdmin/RevealVisitor -> %s %s\n", scenic_code_name(status.code), status.reason);
        failed++;
    }
    reveal.code = redeem_code;
    check_refusal(admin, "scenic.v1.VoucherAdmin", "RevealVisitor", &reveal.base, &scenic__v1__visitor__descriptor, "NOT_REAL_NAME", &status);
    check(pos, "scenic.v1.Sales", "ListVouchers", &vouchers.base, &scenic__v1__list_vouchers_response__descriptor, 1);

    /* Holds: a DECODE ticket for today kept, the balance showing it held, then released. */
    char detail[256];
    Scenic__V1__HoldRequest hold = SCENIC__V1__HOLD_REQUEST__INIT;
    hold.request_id = "decode-check-hold";
    hold.product_code = "DECODE";
    hold.quantity = 1;
    hold.visit_date = today;
    hold.expires_in_minutes = 5;
    int64_t hold_id = 0;
    ProtobufCMessage *got = fetch(pos, "scenic.v1.Sales", "Hold", &hold.base, &scenic__v1__hold__descriptor);
    if (got) {
        const Scenic__V1__Hold *held = (Scenic__V1__Hold *)got;
        hold_id = held->id;
        snprintf(detail, sizeof detail, "hold %" PRId64 " %s %d x %s, %" PRId64 " fen until %s", held->id,
                 held->status == SCENIC__V1__HOLD_STATUS__HOLD_STATUS_HELD ? "held" : "NOT HELD", held->quantity, held->product_code,
                 held->amount_fen, held->expires_at);
        judge(got, "scenic.v1.Sales", "Hold", held->id != 0 && held->status == SCENIC__V1__HOLD_STATUS__HOLD_STATUS_HELD &&
                                                 held->amount_fen == 100 && held->settlement_price_fen == 100 && held->expires_at[0],
              detail);
    }
    got = fetch(pos, "scenic.v1.Sales", "Balance", &balance.base, &scenic__v1__balance_response__descriptor);
    if (got) {
        const Scenic__V1__BalanceResponse *money = (Scenic__V1__BalanceResponse *)got;
        snprintf(detail, sizeof detail, "balance %" PRId64 ", held %" PRId64 ", available %" PRId64, money->balance_fen, money->held_fen,
                 money->available_fen);
        judge(got, "scenic.v1.Sales", "Balance", money->held_fen == 100 && money->available_fen == money->balance_fen - 100, detail);
    }
    got = fetch(pos, "scenic.v1.DistributorSession", "WhoAmI", &whoami.base, &scenic__v1__who_am_iresponse__descriptor);
    if (got) {
        const Scenic__V1__WhoAmIResponse *me = (Scenic__V1__WhoAmIResponse *)got;
        snprintf(detail, sizeof detail, "%s, held %" PRId64 ", available %" PRId64, me->credential, me->held_fen, me->available_fen);
        judge(got, "scenic.v1.DistributorSession", "WhoAmI",
              strcmp(me->credential, "session") == 0 && me->held_fen == 100 && me->available_fen == me->balance_fen - 100, detail);
    }
    Scenic__V1__ReleaseHoldRequest release = SCENIC__V1__RELEASE_HOLD_REQUEST__INIT;
    release.request_id = "decode-check-release";
    release.hold_id = hold_id;
    got = fetch(pos, "scenic.v1.Sales", "ReleaseHold", &release.base, &scenic__v1__hold__descriptor);
    if (got) {
        const Scenic__V1__Hold *released = (Scenic__V1__Hold *)got;
        judge(got, "scenic.v1.Sales", "ReleaseHold", released->id == hold_id && released->status == SCENIC__V1__HOLD_STATUS__HOLD_STATUS_RELEASED,
              released->status == SCENIC__V1__HOLD_STATUS__HOLD_STATUS_RELEASED ? "released" : "NOT RELEASED");
    }
    /* The hold's request id again: its first answer, and nothing held again. */
    got = fetch(pos, "scenic.v1.Sales", "Hold", &hold.base, &scenic__v1__hold__descriptor);
    if (got) {
        const Scenic__V1__Hold *replayed = (Scenic__V1__Hold *)got;
        judge(got, "scenic.v1.Sales", "Hold", replayed->id == hold_id && replayed->status == SCENIC__V1__HOLD_STATUS__HOLD_STATUS_HELD,
              "retried: the first answer");
    }
    got = fetch(pos, "scenic.v1.Sales", "Balance", &balance.base, &scenic__v1__balance_response__descriptor);
    if (got) {
        const Scenic__V1__BalanceResponse *money = (Scenic__V1__BalanceResponse *)got;
        judge(got, "scenic.v1.Sales", "Balance", money->held_fen == 0 && money->available_fen == money->balance_fen, "nothing held");
    }
    Scenic__V1__ConfirmHoldRequest confirm = SCENIC__V1__CONFIRM_HOLD_REQUEST__INIT;
    confirm.request_id = "decode-check-confirm";
    confirm.hold_id = hold_id;
    confirm.visitors = visitors;
    confirm.n_visitors = 1;
    check_refusal(pos, "scenic.v1.Sales", "ConfirmHold", &confirm.base, &scenic__v1__sell_response__descriptor, "HOLD_RELEASED", &status);
    release.request_id = "decode-check-release-again";
    check_refusal(pos, "scenic.v1.Sales", "ReleaseHold", &release.base, &scenic__v1__hold__descriptor, "HOLD_RELEASED", &status);
    confirm.hold_id = 12345;
    check_refusal(pos, "scenic.v1.Sales", "ConfirmHold", &confirm.base, &scenic__v1__sell_response__descriptor, "HOLD_NOT_FOUND", &status);
    hold.request_id = "decode-check-hold-too-long";
    hold.expires_in_minutes = 121;
    check_refusal(pos, "scenic.v1.Sales", "Hold", &hold.base, &scenic__v1__hold__descriptor, "OUT_OF_RANGE", &status);

    /* The event feed: the distributor's own events and the broadcast ones on the pos socket, all on the admin socket. */
    Scenic__V1__ListEventsRequest events = SCENIC__V1__LIST_EVENTS_REQUEST__INIT;
    events.limit = 1000;
    int64_t last_id = 0;
    size_t pos_events = 0;
    got = fetch(pos, "scenic.v1.Events", "List", &events.base, &scenic__v1__list_events_response__descriptor);
    if (got) {
        const Scenic__V1__ListEventsResponse *page = (Scenic__V1__ListEventsResponse *)got;
        int good = page->n_events > 0 && page->oldest_kept_id >= 1 && page->last_id == page->events[page->n_events - 1]->id, released = 0;
        for (size_t i = 0; i < page->n_events; i++) {
            const Scenic__V1__Event *event = page->events[i];
            good &= event->distributor_id == 1 || event->distributor_id == 0;
            good &= i == 0 || event->id > page->events[i - 1]->id;
            released |= event->kind == SCENIC__V1__EVENT_KIND__EVENT_KIND_HOLD_RELEASED && event->hold_id == hold_id && event->amount_fen == 100;
        }
        last_id = page->last_id;
        pos_events = page->n_events;
        snprintf(detail, sizeof detail, "%zu events to %" PRId64 ", oldest kept %" PRId64 "%s", page->n_events, page->last_id,
                 page->oldest_kept_id, released ? ", the hold released" : ", NO hold_released");
        judge(got, "scenic.v1.Events", "List", good && released, detail);
    }
    got = fetch(admin, "scenic.v1.Events", "List", &events.base, &scenic__v1__list_events_response__descriptor);
    if (got) {
        const Scenic__V1__ListEventsResponse *page = (Scenic__V1__ListEventsResponse *)got;
        snprintf(detail, sizeof detail, "%zu events (admin: all)", page->n_events);
        judge(got, "scenic.v1.Events", "List", page->n_events >= pos_events && page->last_id >= last_id, detail);
    }
    /* Nothing after the last: the long poll waits its second and answers an empty page at the same cursor. */
    events.after = last_id;
    events.wait_seconds = 1;
    got = fetch(pos, "scenic.v1.Events", "List", &events.base, &scenic__v1__list_events_response__descriptor);
    if (got) {
        const Scenic__V1__ListEventsResponse *page = (Scenic__V1__ListEventsResponse *)got;
        judge(got, "scenic.v1.Events", "List", page->n_events == 0 && page->last_id == last_id, "waited 1 s: none, cursor kept");
    }
    events.wait_seconds = 31;
    check_refusal(pos, "scenic.v1.Events", "List", &events.base, &scenic__v1__list_events_response__descriptor, "OUT_OF_RANGE", &status);

    /* API keys: one that may only read, used, then revoked. */
    Scenic__V1__ApiKeyScope read_only[] = {SCENIC__V1__API_KEY_SCOPE__API_KEY_SCOPE_READ};
    Scenic__V1__CreateApiKeyRequest create_key = SCENIC__V1__CREATE_API_KEY_REQUEST__INIT;
    create_key.distributor_id = 1;
    create_key.name = "decode-check";
    create_key.scopes = read_only;
    create_key.n_scopes = 1;
    char secret[128] = "";
    int64_t key_id = 0;
    got = fetch(admin, "scenic.v1.ApiKeyAdmin", "Create", &create_key.base, &scenic__v1__create_api_key_response__descriptor);
    if (got) {
        const Scenic__V1__CreateApiKeyResponse *created = (Scenic__V1__CreateApiKeyResponse *)got;
        const Scenic__V1__ApiKey *key = created->key;
        int good = key && key->id > 0 && key->distributor_id == 1 && key->n_scopes == 1 &&
                   key->scopes[0] == SCENIC__V1__API_KEY_SCOPE__API_KEY_SCOPE_READ && strncmp(key->prefix, "sk_", 3) == 0 &&
                   strncmp(created->secret, key->prefix, strlen(key->prefix)) == 0 && key->revoked_at[0] == '\0';
        if (key) key_id = key->id;
        snprintf(secret, sizeof secret, "%s", created->secret);
        snprintf(detail, sizeof detail, "key %" PRId64 " %s..., read only", key_id, key ? key->prefix : "(none)");
        judge(got, "scenic.v1.ApiKeyAdmin", "Create", good, detail);
    }
    create_key.expires_on = "2020-01-01";
    check_refusal(admin, "scenic.v1.ApiKeyAdmin", "Create", &create_key.base, &scenic__v1__create_api_key_response__descriptor, "IN_THE_PAST",
                  &status);
    Scenic__V1__ListApiKeysRequest list_keys = SCENIC__V1__LIST_API_KEYS_REQUEST__INIT;
    list_keys.distributor_id = 1;
    got = fetch(admin, "scenic.v1.ApiKeyAdmin", "List", &list_keys.base, &scenic__v1__list_api_keys_response__descriptor);
    if (got) {
        const Scenic__V1__ListApiKeysResponse *keys = (Scenic__V1__ListApiKeysResponse *)got;
        snprintf(detail, sizeof detail, "%zu keys, newest first", keys->n_keys);
        judge(got, "scenic.v1.ApiKeyAdmin", "List", keys->n_keys >= 1 && keys->keys[0]->id == key_id, detail);
    }
    scenic_conn *keyed = scenic_connect(argv[2]);
    if (!keyed) {
        perror("connect");
        return 1;
    }
    scenic_set_api_key(keyed, secret);
    got = fetch(keyed, "scenic.v1.DistributorSession", "WhoAmI", &whoami.base, &scenic__v1__who_am_iresponse__descriptor);
    if (got) {
        const Scenic__V1__WhoAmIResponse *me = (Scenic__V1__WhoAmIResponse *)got;
        judge(got, "scenic.v1.DistributorSession", "WhoAmI", me->distributor_id == 1 && strcmp(me->credential, "api-key:decode-check") == 0,
              me->credential);
    }
    events.after = 0;
    events.wait_seconds = 0;
    check(keyed, "scenic.v1.Events", "List", &events.base, &scenic__v1__list_events_response__descriptor, 1);
    hold.request_id = "decode-check-hold-by-key";
    hold.expires_in_minutes = 0;
    check_refusal(keyed, "scenic.v1.Sales", "Hold", &hold.base, &scenic__v1__hold__descriptor, "SCOPE_MISSING", &status);
    const char *scope = scenic_status_metadata(&status, "scope");
    if (!scope || strcmp(scope, "sell") != 0) {
        printf("FAIL SCOPE_MISSING without metadata scope=sell\n");
        failed++;
    }
    codes[0] = redeem_code;
    refund.request_id = "decode-check-refund-by-key";
    check_refusal(keyed, "scenic.v1.Sales", "Refund", &refund.base, &scenic__v1__refund_response__descriptor, "SCOPE_MISSING", &status);
    Scenic__V1__LogoutRequest logout = SCENIC__V1__LOGOUT_REQUEST__INIT;
    check_refusal(keyed, "scenic.v1.DistributorSession", "Logout", &logout.base, &scenic__v1__logout_response__descriptor, "SESSION_REQUIRED",
                  &status);
    Scenic__V1__RevokeApiKeyRequest revoke = SCENIC__V1__REVOKE_API_KEY_REQUEST__INIT;
    revoke.id = key_id;
    got = fetch(admin, "scenic.v1.ApiKeyAdmin", "Revoke", &revoke.base, &scenic__v1__api_key__descriptor);
    if (got) {
        const Scenic__V1__ApiKey *key = (Scenic__V1__ApiKey *)got;
        judge(got, "scenic.v1.ApiKeyAdmin", "Revoke", key->id == key_id && key->revoked_at[0], key->revoked_at);
    }
    /* From the very next call. */
    check_refusal(keyed, "scenic.v1.DistributorSession", "WhoAmI", &whoami.base, &scenic__v1__who_am_iresponse__descriptor, "API_KEY_REVOKED",
                  &status);
    scenic_set_api_key(keyed, "sk_00000000_not-a-key");
    check_refusal(keyed, "scenic.v1.Sales", "Balance", &balance.base, &scenic__v1__balance_response__descriptor, "API_KEY_INVALID", &status);
    revoke.id = 999999;
    check_refusal(admin, "scenic.v1.ApiKeyAdmin", "Revoke", &revoke.base, &scenic__v1__api_key__descriptor, "API_KEY_NOT_FOUND", &status);
    scenic_close(keyed);

    check(pos, "scenic.v1.DistributorSession", "Logout", &logout.base, &scenic__v1__logout_response__descriptor, 1);

    printf("decoded: %d passed, %d failed\n", passed, failed);
    scenic_close(admin);
    scenic_close(pos);
    return failed ? 1 : 0;
}
