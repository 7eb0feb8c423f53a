import ScenicProto

/// A ttrpc request for `service`/Refund of `count` empty voucher codes: about two bytes a
/// code, so a frame within the size bound carries millions of them, which every layer must
/// refuse before it does work per code.
public func emptyCodesRefund(count: Int, service: String, metadata: [String: String] = [:]) throws -> Ttrpc_Request {
    var refund = Scenic_V1_RefundRequest()
    refund.voucherCodes = Array(repeating: "", count: count)
    var request = Ttrpc_Request()
    request.service = service
    request.method = "Refund"
    request.payload = try refund.serializedData()
    request.metadata = metadata.map { key, value in
        var pair = Ttrpc_KeyValue()
        pair.key = key
        pair.value = value
        return pair
    }
    return request
}
