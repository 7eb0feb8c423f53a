import ScenicRPC

/// Validation of what the back office types about a distributor (and names in general): every problem becomes a
/// field violation, all of them reported at once.
enum AccountInput {
    /// The name trimmed, or nil after adding a violation on `field` to `violations`.
    static func name(
        _ raw: String, field: String = "name", maxLength: Int = 64, into violations: inout [RPCError.FieldViolation]
    ) -> String? {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...maxLength).contains(name.count) else {
            violations.append(.init(
                field: field, description: name.isEmpty ? "must not be empty" : "must be at most \(maxLength) characters",
                reason: name.isEmpty ? "EMPTY" : "TOO_LONG"))
            return nil
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            violations.append(.init(field: field, description: "must not contain control characters", reason: "INVALID_CHARACTERS"))
            return nil
        }
        return name
    }

    /// A mainland China mobile number normalized to 11 digits (`1[3-9]` then 9 digits).
    /// Accepts a `+86` or `86` prefix, spaces and dashes.
    static func phone(_ raw: String, field: String = "phone", into violations: inout [RPCError.FieldViolation]) -> String? {
        var digits = raw.filter { $0 != " " && $0 != "-" }
        if digits.hasPrefix("+86") {
            digits.removeFirst(3)
        } else if digits.hasPrefix("86"), digits.count == 13 {
            digits.removeFirst(2)
        }
        let scalars = Array(digits.unicodeScalars)
        guard scalars.count == 11, scalars.allSatisfy({ ("0"..."9").contains($0) }), scalars[0] == "1",
            ("3"..."9").contains(scalars[1])
        else {
            violations.append(.init(
                field: field, description: "must be a mainland China mobile number: 11 digits starting 13–19",
                reason: "INVALID_PHONE"))
            return nil
        }
        return digits
    }

    /// Throws INVALID_ARGUMENT naming every violation, if any.
    static func check(_ violations: [RPCError.FieldViolation]) throws {
        guard !violations.isEmpty else { return }
        throw RPCError.invalidArgument(violations: violations)
    }
}
