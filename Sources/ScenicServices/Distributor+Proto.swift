import ScenicProto
import ScenicStore

extension Scenic_V1_Distributor {
    /// `locked_until` stays empty: accounts no longer lock (see ``LoginThrottle``).
    init(_ record: DistributorRecord) {
        self.init()
        id = record.id
        name = record.name
        phone = record.phone
        status = record.status == .active ? .active : .disabled
        balanceFen = record.balanceFen
        passwordChangeRequired = record.passwordIsInitial
        createdAt = ISOTime.format(record.createdAt)
        updatedAt = ISOTime.format(record.updatedAt)
        lowBalanceThresholdFen = record.lowBalanceThresholdFen
        lowBalance = record.lowBalanceAlerted
        heldFen = record.heldFen
        creditLimitFen = record.creditLimitFen
        creditUsedFen = record.creditUsedFen
        availableFen = record.availableFen
    }
}

extension DistributorRecord.Status {
    init?(_ status: Scenic_V1_DistributorStatus) {
        switch status {
        case .active: self = .active
        case .disabled: self = .disabled
        default: return nil
        }
    }
}
