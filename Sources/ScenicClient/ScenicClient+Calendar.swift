/// Typed calls for the calendar: capacity, closures, prices by date, allotments and
/// booking rules (admin socket), and availability (both sockets).
extension ScenicClient {
    static let calendarAdmin = "scenic.v1.CalendarAdmin"

    public func setCapacity(_ request: Scenic_V1_SetCapacityRequest) async throws -> Scenic_V1_CalendarChange {
        try await call(service: Self.calendarAdmin, method: "SetCapacity", request: request)
    }

    public func closeDates(_ request: Scenic_V1_CloseDatesRequest) async throws -> Scenic_V1_CalendarChange {
        try await call(service: Self.calendarAdmin, method: "Close", request: request)
    }

    public func openDates(_ request: Scenic_V1_OpenDatesRequest) async throws -> Scenic_V1_CalendarChange {
        try await call(service: Self.calendarAdmin, method: "Open", request: request)
    }

    public func setDatePrices(_ request: Scenic_V1_SetDatePricesRequest) async throws -> Scenic_V1_CalendarChange {
        try await call(service: Self.calendarAdmin, method: "SetPrices", request: request)
    }

    public func setAllotment(_ request: Scenic_V1_SetAllotmentRequest) async throws -> Scenic_V1_CalendarChange {
        try await call(service: Self.calendarAdmin, method: "SetAllotment", request: request)
    }

    public func setBookingRules(_ rules: Scenic_V1_BookingRules) async throws -> Scenic_V1_BookingRules {
        try await call(service: Self.calendarAdmin, method: "SetBookingRules", request: rules)
    }

    public func bookingRules(productCode: String) async throws -> Scenic_V1_BookingRules {
        var request = Scenic_V1_ProductCalendarRequest()
        request.productCode = productCode
        return try await call(service: Self.calendarAdmin, method: "GetBookingRules", request: request)
    }

    /// The back office's view of a product's dates; with a distributor, its prices and allotment.
    public func calendar(_ request: Scenic_V1_AvailabilityRequest) async throws -> Scenic_V1_AvailabilityResponse {
        try await call(service: Self.calendarAdmin, method: "Availability", request: request)
    }

    /// What the signed-in distributor may still buy of a product, per date and slot.
    public func availability(_ request: Scenic_V1_AvailabilityRequest) async throws -> Scenic_V1_AvailabilityResponse {
        try await call(service: "scenic.v1.Catalog", method: "Availability", request: request)
    }
}
