#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import ScenicCLI
import ScenicClient

/// `scenic-admin gate check-in`: admission by voucher code or by the visitor's ID.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate", abstract: "Admit visitors at the gate.", subcommands: [CheckIn.self])

    struct CheckIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-in",
            abstract: "Admit a visitor by voucher code (typed or scanned) or by the ID presented.",
            discussion: """
                By ID, the one ticket of that ID that admits now is used. When the ID holds several, they are \
                listed: at a terminal you choose one; otherwise the command fails, and is run again with \
                --code. With both --code and --id-number, the voucher must be that visitor's. A refusal says \
                why: already used (and when), refunded, another day, another slot, no ticket for this ID, or \
                another visitor's.
                """)
        @Option(help: "The voucher's code (spaces and dashes are fine).") var code: String?
        @Option(help: "The number on the identity document the visitor shows.") var idNumber: String?
        @Option(help: "The kind of document.") var idType: IDTypeArgument = .residentID
        @OptionGroup var requestID: RequestIDOption
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard code != nil || idNumber != nil else { throw ValidationError("give --code CODE, --id-number NUMBER, or both") }
        }

        func run() async throws {
            var request = Scenic_V1_CheckInRequest()
            request.requestID = requestID.resolve()
            request.code = code ?? ""
            if let idNumber {
                request.idNumber = idNumber
                request.idType = idType.proto
            }
            let voucher = try await connection.withClient(AdminRole.self) { client in
                do {
                    do {
                        return try await client.checkIn(request)
                    } catch let several as RPCError where several.reason == "SEVERAL_TICKETS" {
                        // A refused call wrote nothing, its request id included: the same id serves the retry.
                        request.code = try await Self.choose(several, client: client)
                        return try await client.checkIn(request)
                    }
                } catch var refusal as RPCError {
                    let timeZone = refusal.metadata["redeemed_at"] == nil ? nil : try? await client.serverInfo().timeZone
                    if let words = GateView.refusal(refusal, timeZone: timeZone.flatMap(TimeZone.init(identifier:))) {
                        refusal.message = words
                    }
                    throw refusal
                }
            }
            try Output.emit(voucher, json: connection.json) { GateView.admitted(voucher) }
        }

        /// The code of the ticket to admit among an ID's several: asked at a terminal; without
        /// one, the tickets are listed and the refusal says to run again with `--code`.
        static func choose(_ several: RPCError, client: ScenicClient) async throws -> String {
            var candidates: [Scenic_V1_Voucher] = []
            for code in (several.metadata["voucher_codes"] ?? "").split(separator: ",") {
                var filter = Scenic_V1_VoucherFilter()
                filter.code = String(code)
                candidates += try await client.vouchers(filter).vouchers
            }
            // The list and the question go to stderr: stdout is for the voucher admitted.
            var standardError = FileHandle.standardError
            print(GateView.candidates(candidates), to: &standardError)
            guard isatty(STDIN_FILENO) == 1, !candidates.isEmpty else {
                var refusal = several
                refusal.message = "this ID holds \(candidates.count) tickets that admit now (listed above): run again with --code CODE"
                throw refusal
            }
            while true {
                print("which ticket? [1-\(candidates.count)] ", terminator: "", to: &standardError)
                guard let answer = readLine() else { throw InputError("no ticket chosen: no one was admitted") }
                if let number = Int(answer.trimmingCharacters(in: .whitespaces)), candidates.indices.contains(number - 1) {
                    return candidates[number - 1].code
                }
            }
        }
    }
}

extension VouchersCommand {
    struct Reveal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a real-name voucher's visitor unmasked: name, ID number and type. Audited.",
            discussion: """
                Every reveal is kept in the audit log with the voucher and the reason. After the retention \
                period the visitor's data is erased and can no longer be revealed (PERSONAL_DATA_ERASED).
                """)
        @Argument(help: "The voucher code.") var code: String
        @Option(help: "Why the ID is needed (kept in the audit log).") var reason: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let visitor = try await connection.withClient(AdminRole.self) { try await $0.revealVisitor(code: code, reason: reason) }
            try Output.emit(visitor, json: connection.json) {
                Output.fields([
                    ("name", visitor.name), ("ID number", visitor.idNumber), ("ID type", IDTypeArgument.word(visitor.idType)),
                ])
            }
        }
    }
}

/// The gate's answers in the words an attendant says to a visitor.
enum GateView {
    static func admitted(_ voucher: Scenic_V1_Voucher) -> String {
        var rows = [("admitted", voucher.code), ("product", "\(voucher.productName) (\(voucher.productCode))")]
        if voucher.hasVisitor { rows.append(("visitor", RealNameView.visitor(voucher))) }
        rows.append(("visit", MoneyViews.visit(voucher)))
        return Output.fields(rows)
    }

    /// An ID's tickets that admit now, numbered for the choice.
    static func candidates(_ vouchers: [Scenic_V1_Voucher]) -> String {
        Output.table(
            ["#", "CODE", "PRODUCT", "VISIT", "DISTRIBUTOR"],
            vouchers.enumerated().map { index, voucher in
                ["\(index + 1)", voucher.code, voucher.productName, MoneyViews.visit(voucher), voucher.distributorName]
            })
    }

    /// Why a ticket does not admit, in plain words, from the refusal's reason and
    /// metadata; nil for a refusal whose message already says it (a mistyped code or ID).
    /// A time is shown in the scenic area's `timeZone` when known.
    static func refusal(_ error: RPCError, timeZone: TimeZone?) -> String? {
        let facts = error.metadata
        let words: String
        switch error.reason {
        case "ALREADY_REDEEMED": words = "already used, at " + CalendarView.localTime(facts["redeemed_at"] ?? "", in: timeZone)
        case "VOUCHER_REFUNDED": words = "refunded: it no longer admits"
        case "NOT_YET_VALID": words = "wrong day: it is for \(facts["visit_date"] ?? "a later day")"
        case "VOUCHER_EXPIRED": words = "wrong day: it was valid until \(facts["valid_until"] ?? "an earlier day")"
        case "NOT_IN_SLOT": words = "wrong time: it admits only in its slot \(facts["slot"] ?? "")"
        case "NO_TICKET_FOR_ID": return "no ticket for this ID"
        case "VISITOR_MISMATCH": words = "not this visitor's ticket"
        case "NOT_REAL_NAME": words = "it names no visitor: check it in by its code alone"
        case "VOUCHER_NOT_FOUND": return "no ticket with this code"
        default: return nil
        }
        return facts["code"].map { "voucher \($0): " + words } ?? words
    }
}
