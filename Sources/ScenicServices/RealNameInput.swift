import ScenicProto
import ScenicRPC
import ScenicStore

/// Real-name rules and visitors as requests give them, checked field by field, and as
/// answers show them.
enum RealNameInput {
    /// A product's rules; `field` names them in the request.
    static func rules(_ rules: Scenic_V1_RealNameRules, field: String, into violations: inout [RPCError.FieldViolation]) -> RealNameRules {
        let mode: RealNameRules.Mode =
            switch rules.mode {
            case .perOrder: .perOrder
            case .perTicket: .perTicket
            default: .none
            }
        let period: RealNameRules.Period =
            switch rules.idLimitPeriod {
            case .week: .week
            case .month: .month
            default: .day
            }
        if !(0...RealNameRules.maxIDLimit).contains(Int(rules.idLimit)) {
            violations.append(.init(
                field: field + ".id_limit", description: "must be 0 (no limit) to \(RealNameRules.maxIDLimit)", reason: "OUT_OF_RANGE"))
        } else if rules.idLimit > 0, mode == .none {
            violations.append(.init(
                field: field + ".id_limit", description: "a per-ID limit needs visitors: set a real-name mode too",
                reason: "LIMIT_WITHOUT_REAL_NAMES"))
        }
        return RealNameRules(mode: mode, idLimit: Int(rules.idLimit), idLimitPeriod: period)
    }

    /// The visitors of a sale, each checked and sealed; each refusal names its visitor
    /// (`visitors[2].id_number`). Two visitors with one ID in a sale are refused: a ticket
    /// is one person's, and a per-order visitor already holds every ticket of the order.
    static func visitors(
        _ visitors: [Scenic_V1_Visitor], today: String, vault: PersonalDataVault, into violations: inout [RPCError.FieldViolation]
    ) throws -> [SealedVisitor] {
        guard visitors.count <= SalesService.maxQuantity else {
            violations.append(.init(
                field: "visitors", description: "must hold at most \(SalesService.maxQuantity) visitors", reason: "OUT_OF_RANGE"))
            return []
        }
        var seen = Set<IdentityDocument>()
        var sealed: [SealedVisitor] = []
        for (index, visitor) in visitors.enumerated() {
            let prefix = "visitors[\(index)]."
            let name = AccountInput.name(visitor.name, field: prefix + "name", into: &violations)
            let document: IdentityDocument?
            switch IdentityDocument.parse(visitor.idNumber, kind: kind(visitor.idType), today: today) {
            case .success(let parsed):
                document = parsed
            case .failure(let problem):
                violations.append(.init(field: prefix + "id_number", description: problem.description, reason: "INVALID_ID_NUMBER"))
                document = nil
            }
            guard let name, let document else { continue }
            guard seen.insert(document).inserted else {
                violations.append(.init(
                    field: prefix + "id_number", description: "names the same ID as an earlier visitor of this sale",
                    reason: "DUPLICATE_VISITOR"))
                continue
            }
            sealed.append(try vault.seal(name: name, document: document))
        }
        return sealed
    }

    /// The document kind a request means; an unset type is a mainland resident ID card.
    static func kind(_ type: Scenic_V1_IdType) -> IdentityDocument.Kind {
        switch type {
        case .passport: .passport
        case .hkMacaoPermit: .hongKongMacaoPermit
        case .taiwanPermit: .taiwanPermit
        case .foreignPermanentResident: .foreignPermanentResident
        default: .residentID
        }
    }

    static func idType(_ stored: String) -> Scenic_V1_IdType {
        switch IdentityDocument.Kind(rawValue: stored) {
        case .residentID: .residentID
        case .passport: .passport
        case .hongKongMacaoPermit: .hkMacaoPermit
        case .taiwanPermit: .taiwanPermit
        case .foreignPermanentResident: .foreignPermanentResident
        case nil: .unspecified
        }
    }
}

extension Scenic_V1_RealNameRules {
    init(_ rules: RealNameRules) {
        self.init()
        mode =
            switch rules.mode {
            case .none: .none
            case .perOrder: .perOrder
            case .perTicket: .perTicket
            }
        idLimit = Int32(rules.idLimit)
        idLimitPeriod =
            switch rules.idLimitPeriod {
            case .day: .day
            case .week: .week
            case .month: .month
            }
    }
}

extension Scenic_V1_Visitor {
    /// As lists show a visitor: masked.
    init(masked record: VisitorRecord) {
        self.init()
        name = record.maskedName
        idNumber = record.maskedIDNumber
        idType = RealNameInput.idType(record.idType)
        erased = record.sealed == nil
    }
}
