/// Typed calls for statements, sales reports and low-balance alerts.
extension ScenicClient {
    /// A distributor's statement (admin socket).
    public func statement(distributorID: Int64, from: String, to: String) async throws -> Scenic_V1_StatementResponse {
        try await call(service: "scenic.v1.Reports", method: "Statement", request: Self.statementRequest(distributorID, from, to))
    }

    /// The caller's own statement (pos socket).
    public func myStatement(from: String, to: String) async throws -> Scenic_V1_StatementResponse {
        try await call(service: "scenic.v1.Sales", method: "Statement", request: Self.statementRequest(0, from, to))
    }

    public func salesReport(from: String, to: String, groupBy: Scenic_V1_SalesGrouping) async throws -> Scenic_V1_SalesReportResponse {
        var request = Scenic_V1_SalesReportRequest()
        request.fromDate = from
        request.toDate = to
        request.groupBy = groupBy
        return try await call(service: "scenic.v1.Reports", method: "Sales", request: request)
    }

    public func setLowBalanceAlert(distributorID: Int64, thresholdFen: Int64) async throws -> Scenic_V1_Distributor {
        var request = Scenic_V1_SetLowBalanceAlertRequest()
        request.distributorID = distributorID
        request.thresholdFen = thresholdFen
        return try await call(service: "scenic.v1.Reports", method: "SetLowBalanceAlert", request: request)
    }

    /// Has the daemon write a consistent copy of its database to `path` (on its machine).
    public func backup(to path: String) async throws -> Scenic_V1_BackupResponse {
        var request = Scenic_V1_BackupRequest()
        request.path = path
        return try await call(service: "scenic.v1.Maintenance", method: "Backup", request: request, timeout: .seconds(3600))
    }

    /// The daemon's metrics in Prometheus' text format.
    public func metrics() async throws -> String {
        try await call(service: "scenic.v1.Maintenance", method: "Metrics", request: Scenic_V1_MetricsRequest(), as: Scenic_V1_MetricsResponse.self).text
    }

    /// The sizes of the database and its WAL, and the free disk.
    public func storage() async throws -> Scenic_V1_StorageResponse {
        try await call(service: "scenic.v1.Maintenance", method: "Storage", request: Scenic_V1_StorageRequest())
    }

    private static func statementRequest(_ id: Int64, _ from: String, _ to: String) -> Scenic_V1_StatementRequest {
        var request = Scenic_V1_StatementRequest()
        request.distributorID = id
        request.fromDate = from
        request.toDate = to
        return request
    }
}
