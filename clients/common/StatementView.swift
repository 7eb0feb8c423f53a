import ScenicClient

/// A statement as a person reads it, with its check line.
public enum StatementView {
    public static func text(_ statement: Scenic_V1_StatementResponse) -> String {
        let money = Output.money
        let check = statement.balanced
            ? "check: closing = opening + movements = the ledger's balance (\(money(statement.closingBalanceFen)))"
            : "CHECK FAILED: opening + movements = \(money(statement.computedClosingFen)), the ledger says \(money(statement.closingBalanceFen))"
        var rows = [
            ("distributor", "\(statement.distributorName) (id \(statement.distributorID))"),
            ("period", "\(statement.fromDate) to \(statement.toDate)"),
            ("opening balance", money(statement.openingBalanceFen)),
            ("recharges", "\(statement.recharges.count) = \(money(statement.recharges.amountFen))"),
            ("adjustments", "\(statement.adjustments.count) = \(money(statement.adjustments.amountFen))"),
            ("sales", "\(statement.sales.count) tickets = \(money(statement.sales.amountFen))"),
            ("refunds", "\(statement.refunds.count) vouchers = \(money(statement.refunds.amountFen))"),
        ]
        // Not a movement: what the refunds credited is their prices less these.
        if statement.refundFeesFen != 0 { rows.append(("refund fees", money(statement.refundFeesFen) + " (kept of the refunded prices)")) }
        if statement.dateChanges.count != 0 || statement.dateChanges.amountFen != 0 {
            // One entry a change that moved money, however many vouchers it moved.
            let changes = statement.dateChanges.count == 1 ? "1 change" : "\(statement.dateChanges.count) changes"
            rows.append(("date changes", "\(changes) = \(money(statement.dateChanges.amountFen))"))
        }
        rows.append(("closing balance", money(statement.closingBalanceFen)))
        if statement.creditLimitFen > 0 {
            rows += [
                ("credit limit", money(statement.creditLimitFen) + " (now)"),
                ("credit used", money(statement.creditUsedFen) + " (by the closing balance)"),
            ]
        }
        // Not a movement: a hold charges nothing until it is confirmed, as a sale.
        if statement.heldFen > 0 { rows.append(("held now", money(statement.heldFen) + " (kept aside by holds; not a movement)")) }
        rows.append((
            "vouchers",
            "valid \(statement.vouchersValid), redeemed \(statement.vouchersRedeemed), refunded \(statement.vouchersRefunded), expired \(statement.vouchersExpired)"))
        return Output.fields(rows) + "\n" + check
    }
}
