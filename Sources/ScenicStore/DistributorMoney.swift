/// A distributor's money as the rules read it: the balance, the credit line it may go
/// below zero by, what holds keep aside, and the low-balance alert's threshold and state.
/// Both the whole account (``DistributorRecord``) and the narrower standing a sale reads
/// have it, and what a sale may spend is worked out from it in one place.
public protocol DistributorMoney {
    var id: Int64 { get }
    var balanceFen: Int64 { get }
    var creditLimitFen: Int64 { get }
    var heldFen: Int64 { get }
    var lowBalanceThresholdFen: Int64 { get }
    var lowBalanceAlerted: Bool { get }
}

extension DistributorMoney {
    /// What a sale may still spend: the balance and the credit line, less what holds keep aside.
    public var availableFen: Int64 { balanceFen + creditLimitFen - heldFen }
}
