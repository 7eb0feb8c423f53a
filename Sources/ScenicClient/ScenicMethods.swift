/// Every method scenicd serves, with its request and response types: what lets a caller
/// pick a method by name at run time (the CLIs' `call` command).
public enum ScenicMethods {
    public struct Method: Sendable {
        public var service: String
        public var method: String
        public var request: any SwiftProtobuf.Message.Type
        public var response: any SwiftProtobuf.Message.Type
    }

    private static func m(
        _ service: String, _ method: String, _ request: any SwiftProtobuf.Message.Type, _ response: any SwiftProtobuf.Message.Type
    ) -> (String, Method) {
        ("\(service)/\(method)", Method(service: service, method: method, request: request, response: response))
    }

    public static let all: [String: Method] = Dictionary(uniqueKeysWithValues: [
        m("grpc.health.v1.Health", "Check", Grpc_Health_V1_HealthCheckRequest.self, Grpc_Health_V1_HealthCheckResponse.self),
        m("scenic.v1.System", "ServerInfo", Scenic_V1_ServerInfoRequest.self, Scenic_V1_ServerInfoResponse.self),
        m("scenic.v1.DistributorAdmin", "Create", Scenic_V1_CreateDistributorRequest.self, Scenic_V1_CreateDistributorResponse.self),
        m("scenic.v1.DistributorAdmin", "List", Scenic_V1_ListDistributorsRequest.self, Scenic_V1_ListDistributorsResponse.self),
        m("scenic.v1.DistributorAdmin", "Get", Scenic_V1_GetDistributorRequest.self, Scenic_V1_Distributor.self),
        m("scenic.v1.DistributorAdmin", "Update", Scenic_V1_UpdateDistributorRequest.self, Scenic_V1_Distributor.self),
        m("scenic.v1.DistributorAdmin", "Disable", Scenic_V1_DistributorIdRequest.self, Scenic_V1_Distributor.self),
        m("scenic.v1.DistributorAdmin", "Enable", Scenic_V1_DistributorIdRequest.self, Scenic_V1_Distributor.self),
        m("scenic.v1.DistributorAdmin", "ResetPassword", Scenic_V1_DistributorIdRequest.self, Scenic_V1_ResetPasswordResponse.self),
        m("scenic.v1.DistributorAdmin", "SetCredit", Scenic_V1_SetCreditRequest.self, Scenic_V1_Distributor.self),
        m("scenic.v1.Audit", "List", Scenic_V1_ListAuditRequest.self, Scenic_V1_ListAuditResponse.self),
        m("scenic.v1.Sms", "List", Scenic_V1_ListSmsRequest.self, Scenic_V1_ListSmsResponse.self),
        m("scenic.v1.ProductAdmin", "Create", Scenic_V1_CreateProductRequest.self, Scenic_V1_Product.self),
        m("scenic.v1.ProductAdmin", "Import", Scenic_V1_ImportProductsRequest.self, Scenic_V1_ImportProductsResponse.self),
        m("scenic.v1.ProductAdmin", "List", Scenic_V1_ListProductsRequest.self, Scenic_V1_ListProductsResponse.self),
        m("scenic.v1.ProductAdmin", "Get", Scenic_V1_ProductCodeRequest.self, Scenic_V1_Product.self),
        m("scenic.v1.ProductAdmin", "Update", Scenic_V1_UpdateProductRequest.self, Scenic_V1_Product.self),
        m("scenic.v1.ProductAdmin", "Archive", Scenic_V1_ProductCodeRequest.self, Scenic_V1_Product.self),
        m("scenic.v1.ProductAdmin", "SetRealName", Scenic_V1_SetRealNameRequest.self, Scenic_V1_Product.self),
        m("scenic.v1.ProductAdmin", "SetRefundPolicy", Scenic_V1_SetRefundPolicyRequest.self, Scenic_V1_Product.self),
        m("scenic.v1.BindingAdmin", "Bind", Scenic_V1_BindProductsRequest.self, Scenic_V1_BindingsResponse.self),
        m("scenic.v1.BindingAdmin", "SetPrices", Scenic_V1_BindProductsRequest.self, Scenic_V1_BindingsResponse.self),
        m("scenic.v1.BindingAdmin", "Unbind", Scenic_V1_UnbindProductsRequest.self, Scenic_V1_BindingsResponse.self),
        m("scenic.v1.BindingAdmin", "List", Scenic_V1_ListBindingsRequest.self, Scenic_V1_BindingsResponse.self),
        m("scenic.v1.CalendarAdmin", "SetCapacity", Scenic_V1_SetCapacityRequest.self, Scenic_V1_CalendarChange.self),
        m("scenic.v1.CalendarAdmin", "Close", Scenic_V1_CloseDatesRequest.self, Scenic_V1_CalendarChange.self),
        m("scenic.v1.CalendarAdmin", "Open", Scenic_V1_OpenDatesRequest.self, Scenic_V1_CalendarChange.self),
        m("scenic.v1.CalendarAdmin", "SetPrices", Scenic_V1_SetDatePricesRequest.self, Scenic_V1_CalendarChange.self),
        m("scenic.v1.CalendarAdmin", "SetAllotment", Scenic_V1_SetAllotmentRequest.self, Scenic_V1_CalendarChange.self),
        m("scenic.v1.CalendarAdmin", "SetBookingRules", Scenic_V1_BookingRules.self, Scenic_V1_BookingRules.self),
        m("scenic.v1.CalendarAdmin", "GetBookingRules", Scenic_V1_ProductCalendarRequest.self, Scenic_V1_BookingRules.self),
        m("scenic.v1.CalendarAdmin", "Availability", Scenic_V1_AvailabilityRequest.self, Scenic_V1_AvailabilityResponse.self),
        m("scenic.v1.Catalog", "Availability", Scenic_V1_AvailabilityRequest.self, Scenic_V1_AvailabilityResponse.self),
        m("scenic.v1.Account", "Recharge", Scenic_V1_RechargeRequest.self, Scenic_V1_BalanceChange.self),
        m("scenic.v1.Account", "Adjust", Scenic_V1_AdjustRequest.self, Scenic_V1_BalanceChange.self),
        m("scenic.v1.Account", "ListLedger", Scenic_V1_ListLedgerRequest.self, Scenic_V1_ListLedgerResponse.self),
        m("scenic.v1.VoucherAdmin", "List", Scenic_V1_VoucherFilter.self, Scenic_V1_ListVouchersResponse.self),
        m("scenic.v1.VoucherAdmin", "Redeem", Scenic_V1_RedeemRequest.self, Scenic_V1_Voucher.self),
        m("scenic.v1.VoucherAdmin", "UndoRedemption", Scenic_V1_UndoRedemptionRequest.self, Scenic_V1_Voucher.self),
        m("scenic.v1.VoucherAdmin", "CheckIn", Scenic_V1_CheckInRequest.self, Scenic_V1_Voucher.self),
        m("scenic.v1.VoucherAdmin", "RevealVisitor", Scenic_V1_RevealVisitorRequest.self, Scenic_V1_Visitor.self),
        m("scenic.v1.DistributorSession", "Login", Scenic_V1_LoginRequest.self, Scenic_V1_LoginResponse.self),
        m("scenic.v1.DistributorSession", "Logout", Scenic_V1_LogoutRequest.self, Scenic_V1_LogoutResponse.self),
        m("scenic.v1.DistributorSession", "ChangePassword", Scenic_V1_ChangePasswordRequest.self, Scenic_V1_ChangePasswordResponse.self),
        m("scenic.v1.DistributorSession", "WhoAmI", Scenic_V1_WhoAmIRequest.self, Scenic_V1_WhoAmIResponse.self),
        m("scenic.v1.Catalog", "ListSellable", Scenic_V1_ListSellableRequest.self, Scenic_V1_ListSellableResponse.self),
        m("scenic.v1.Sales", "Sell", Scenic_V1_SellRequest.self, Scenic_V1_SellResponse.self),
        m("scenic.v1.Sales", "Balance", Scenic_V1_BalanceRequest.self, Scenic_V1_BalanceResponse.self),
        m("scenic.v1.Sales", "ListLedger", Scenic_V1_ListLedgerRequest.self, Scenic_V1_ListLedgerResponse.self),
        m("scenic.v1.Sales", "ListVouchers", Scenic_V1_VoucherFilter.self, Scenic_V1_ListVouchersResponse.self),
        m("scenic.v1.Sales", "Refund", Scenic_V1_RefundRequest.self, Scenic_V1_RefundResponse.self),
        m("scenic.v1.Sales", "Statement", Scenic_V1_StatementRequest.self, Scenic_V1_StatementResponse.self),
        m("scenic.v1.Sales", "Hold", Scenic_V1_HoldRequest.self, Scenic_V1_Hold.self),
        m("scenic.v1.Sales", "ConfirmHold", Scenic_V1_ConfirmHoldRequest.self, Scenic_V1_SellResponse.self),
        m("scenic.v1.Sales", "ReleaseHold", Scenic_V1_ReleaseHoldRequest.self, Scenic_V1_Hold.self),
        m("scenic.v1.Sales", "ChangeDate", Scenic_V1_ChangeDateRequest.self, Scenic_V1_ChangeDateResponse.self),
        m("scenic.v1.Sales", "ListRefundApprovals", Scenic_V1_ListRefundApprovalsRequest.self, Scenic_V1_ListRefundApprovalsResponse.self),
        m("scenic.v1.RefundAdmin", "List", Scenic_V1_ListRefundApprovalsRequest.self, Scenic_V1_ListRefundApprovalsResponse.self),
        m("scenic.v1.RefundAdmin", "Approve", Scenic_V1_DecideRefundRequest.self, Scenic_V1_RefundApproval.self),
        m("scenic.v1.RefundAdmin", "Reject", Scenic_V1_DecideRefundRequest.self, Scenic_V1_RefundApproval.self),
        m("scenic.v1.Reports", "Statement", Scenic_V1_StatementRequest.self, Scenic_V1_StatementResponse.self),
        m("scenic.v1.Reports", "Sales", Scenic_V1_SalesReportRequest.self, Scenic_V1_SalesReportResponse.self),
        m("scenic.v1.Maintenance", "Backup", Scenic_V1_BackupRequest.self, Scenic_V1_BackupResponse.self),
        m("scenic.v1.Maintenance", "Metrics", Scenic_V1_MetricsRequest.self, Scenic_V1_MetricsResponse.self),
        m("scenic.v1.Maintenance", "Storage", Scenic_V1_StorageRequest.self, Scenic_V1_StorageResponse.self),
        m("scenic.v1.Reports", "SetLowBalanceAlert", Scenic_V1_SetLowBalanceAlertRequest.self, Scenic_V1_Distributor.self),
        m("scenic.v1.ApiKeyAdmin", "Create", Scenic_V1_CreateApiKeyRequest.self, Scenic_V1_CreateApiKeyResponse.self),
        m("scenic.v1.ApiKeyAdmin", "List", Scenic_V1_ListApiKeysRequest.self, Scenic_V1_ListApiKeysResponse.self),
        m("scenic.v1.ApiKeyAdmin", "Revoke", Scenic_V1_RevokeApiKeyRequest.self, Scenic_V1_ApiKey.self),
        m("scenic.v1.Events", "List", Scenic_V1_ListEventsRequest.self, Scenic_V1_ListEventsResponse.self),
    ])

    /// Calls `name` ("service/method") with a JSON request (protobuf's JSON mapping) and
    /// returns the answer, for the caller to write as JSON with the options it prints by.
    public static func callJSON(_ client: ScenicClient, _ name: String, json: String) async throws -> any SwiftProtobuf.Message {
        guard let method = all[name] else {
            throw RPCError(.unimplemented, "unknown method \(name); see `info` for what a socket serves", reason: "UNKNOWN_METHOD")
        }
        let request: any SwiftProtobuf.Message
        do {
            request = try method.request.init(jsonString: json.isEmpty ? "{}" : json)
        } catch {
            throw RPCError(
                .invalidArgument, "the data is not a \(method.request.protoMessageName) in JSON: \(error)", reason: "MALFORMED_JSON")
        }
        let answer = try await client.call(service: method.service, method: method.method, payload: request.serializedBytes())
        return try method.response.init(serializedBytes: answer)
    }
}
