import CoreValues
import Export
import Foundation
import GRDB
import Testing
import TestSupport

/// `export focus` on hand-made projections: which rows, which quantities, exact money, and bad
/// input refused with nothing written. Expected values are worked out by hand from the rows.
@Suite struct FocusExportTests {
    static let organization = Organization(id: "org_7f3a", name: "Acme, Inc.")
    static let names = ["wrkspc_a": "Research"]

    /// `claude_costs_by_key` with exactly the columns of docs/TABLES.md.
    static let byKeySQL = """
        DROP TABLE IF EXISTS claude_costs_by_key;
        CREATE TABLE claude_costs_by_key (
            date TEXT NOT NULL, workspace_id TEXT, api_key_id TEXT, model TEXT, service_tier TEXT,
            context_window TEXT, cost_type TEXT, token_type TEXT, currency TEXT NOT NULL,
            amount_cents TEXT NOT NULL, list_amount_cents TEXT, amount_usd TEXT NOT NULL, list_amount_usd TEXT,
            provisional INTEGER NOT NULL, event_id TEXT NOT NULL)
        """

    /// Two days of the cost report; the second is also covered by the analytics table.
    static let fixture = ProjectionsFixture(
        costs: [
            // 2026-01-01: 1,760,000 uncached tokens at $3/MTok = $5.28 (528 cents).
            CostRow(
                date: "2026-01-01", workspaceID: "wrkspc_a", description: "Claude Sonnet 4.5 Usage - Input Tokens",
                inferenceGeo: "global", amountCents: "528", eventID: "ev_c1"),
            // 10 web searches at 1 cent.
            CostRow(
                date: "2026-01-01", workspaceID: "wrkspc_a", description: "Web Search Usage", costType: "web_search",
                model: nil, tokenType: nil, serviceTier: nil, contextWindow: nil, amountCents: "10", eventID: "ev_c1"),
            // Code execution: no count anywhere.
            CostRow(
                date: "2026-01-01", workspaceID: nil, description: "Code Execution Usage", costType: "code_execution",
                model: nil, tokenType: nil, serviceTier: nil, contextWindow: nil, amountCents: "123.78912", eventID: "ev_c1"),
            // Output tokens the usage report does not explain (no usage row for haiku): not_reported.
            CostRow(
                date: "2026-01-01", workspaceID: nil, description: "Claude Haiku 4.5 Usage - Output Tokens",
                model: "claude-haiku-4-5", tokenType: "output_tokens", inferenceGeo: "global",
                amountCents: "0.5", eventID: "ev_c1"),
            // 2026-01-02: superseded for FOCUS by claude_costs_by_key.
            CostRow(
                date: "2026-01-02", workspaceID: "wrkspc_a", description: "Claude Sonnet 4.5 Usage - Input Tokens",
                inferenceGeo: "global", amountCents: "300", eventID: "ev_c2"),
        ],
        usage: [
            // Two keys share the cost row's dimensions: 1,000,000 + 760,000 tokens.
            UsageRow(
                date: "2026-01-01", apiKeyID: "apikey_1", workspaceID: "wrkspc_a", model: "claude-sonnet-4-5",
                uncached: 1_000_000, output: 5, webSearch: 4, eventID: "ev_u1"),
            UsageRow(
                date: "2026-01-01", apiKeyID: "apikey_2", workspaceID: "wrkspc_a", model: "claude-sonnet-4-5",
                uncached: 760_000, output: 0, webSearch: 6, eventID: "ev_u1"),
            // Another geo: not the cost row's dimensions, so not counted for its tokens.
            UsageRow(
                date: "2026-01-01", apiKeyID: "apikey_1", workspaceID: "wrkspc_a", model: "claude-sonnet-4-5",
                inferenceGeo: "us", uncached: 999, output: 0, eventID: "ev_u1"),
            // Priority Tier searches are not billed by the cost endpoint: not counted.
            UsageRow(
                date: "2026-01-01", apiKeyID: "apikey_1", workspaceID: "wrkspc_a", model: "claude-sonnet-4-5",
                serviceTier: "priority", uncached: 0, output: 0, webSearch: 50, eventID: "ev_u1"),
            // 2026-01-02, default workspace (NULL in the legacy report), two geos.
            UsageRow(
                date: "2026-01-02", apiKeyID: "apikey_1", workspaceID: nil, model: "claude-sonnet-4-5",
                uncached: 600_000, output: 0, eventID: "ev_u2"),
            UsageRow(
                date: "2026-01-02", apiKeyID: "apikey_1", workspaceID: nil, model: "claude-sonnet-4-5",
                inferenceGeo: "us", uncached: 400_000, output: 0, eventID: "ev_u2"),
        ])

    static func write(_ directory: URL, byKey: Bool = true) throws -> String {
        let path = directory.filePath("projections.sqlite")
        try fixture.write(to: path)
        guard byKey else { return path }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: byKeySQL)
            // The default workspace as the analytics API tags it: an id the workspaces list lacks.
            try db.execute(
                sql: "INSERT INTO claude_costs_by_key VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                arguments: [
                    "2026-01-02", "wrkspc_default01", "apikey_1", "claude-sonnet-4-5", "standard", "0-200k", "tokens",
                    "uncached_input_tokens", "USD", "270", "300", "2.7", "3", 1, "ev_a2",
                ])
        }
        return path
    }

    static func export(_ projections: String, into directory: URL) throws -> [[String: String]] {
        let out = directory.filePath("out")
        let summary = try FocusExport.run(
            projectionsPath: projections, organization: organization,
            workspaceNames: names, outDirectory: out)
        #expect(summary.path == out + "/focus-1.2.csv")
        let rows = try CSVTable.parse(String(contentsOfFile: summary.path, encoding: .utf8))
        #expect(summary.rows == rows.count)
        return rows
    }

    @Test func costReportRowsCarryJoinedQuantitiesAndExactMoney() async throws {
        try await withTemporaryDirectory { dir in
            let rows = try Self.export(try Self.write(dir, byKey: false), into: dir)
            #expect(rows.count == 5)
            let day1 = rows.filter { $0["ChargePeriodStart"] == "2026-01-01T00:00:00Z" }
            let input = try #require(day1.first { $0["x_TokenType"] == "uncached_input_tokens" })
            #expect(input["BilledCost"] == "5.28" && input["EffectiveCost"] == "5.28" && input["ListCost"] == "5.28")
            #expect(input["PricingQuantity"] == "1.76" && input["PricingUnit"] == "1000000 Tokens")
            #expect(input["ConsumedQuantity"] == "1760000.0" && input["ConsumedUnit"] == "Tokens")
            #expect(input["ListUnitPrice"] == "3.0" && input["x_QuantitySource"] == "usage_report")
            #expect(input["SubAccountId"] == "wrkspc_a" && input["SubAccountName"] == "Research")
            #expect(input["BillingAccountId"] == "org_7f3a" && input["BillingAccountName"] == "Acme, Inc.")
            #expect(input["ChargePeriodEnd"] == "2026-01-02T00:00:00Z")
            #expect(input["BillingPeriodStart"] == "2026-01-01T00:00:00Z" && input["BillingPeriodEnd"] == "2026-02-01T00:00:00Z")
            #expect(input["x_Source"] == "cost_report" && input["x_ApiKeyId"] == "" && input["x_Provisional"] == "")
            #expect(input["SkuId"] == "claude-sonnet-4-5/uncached_input_tokens")
            #expect(input["SkuPriceDetails"] == #"{"x_ContextWindow":"0-200k","x_InferenceGeo":"global","x_ServiceTier":"standard"}"#)

            let search = try #require(day1.first { $0["x_CostType"] == "web_search" })
            #expect(search["BilledCost"] == "0.1" && search["PricingQuantity"] == "0.01" && search["PricingUnit"] == "1000 Requests")
            #expect(search["ConsumedQuantity"] == "10.0" && search["ListUnitPrice"] == "10.0")

            let code = try #require(day1.first { $0["x_CostType"] == "code_execution" })
            #expect(code["BilledCost"] == "1.2378912" && code["PricingQuantity"] == "1.0" && code["PricingUnit"] == "Days")
            #expect(code["x_QuantitySource"] == "not_reported" && code["ListUnitPrice"] == "1.2378912")
            #expect(code["SubAccountId"] == "default" && code["SubAccountName"] == "Default workspace" && code["x_WorkspaceId"] == "")

            let unexplained = try #require(day1.first { $0["x_Model"] == "claude-haiku-4-5" })
            #expect(unexplained["x_QuantitySource"] == "not_reported" && unexplained["BilledCost"] == "0.005")

            for row in rows {
                #expect(row["ChargeCategory"] == "Usage" && row["ChargeClass"] == "" && row["BillingCurrency"] == "USD")
                #expect(
                    row["ProviderName"] == "Anthropic" && row["PublisherName"] == "Anthropic" && row["InvoiceIssuerName"] == "Anthropic")
                #expect(row["ServiceCategory"] == "AI and Machine Learning" && row["ServiceName"] == "Claude API")
            }
        }
    }

    @Test func analyticsRowsReplaceTheCostReportForTheDaysTheyCover() async throws {
        try await withTemporaryDirectory { dir in
            let rows = try Self.export(try Self.write(dir), into: dir)
            let day2 = rows.filter { $0["ChargePeriodStart"] == "2026-01-02T00:00:00Z" }
            #expect(day2.count == 1, "one source per day: the analytics row only")
            let row = try #require(day2.first)
            #expect(row["x_Source"] == "analytics_cost" && row["x_ApiKeyId"] == "apikey_1" && row["x_Provisional"] == "true")
            #expect(row["BilledCost"] == "2.7" && row["ListCost"] == "3.0" && row["ContractedCost"] == "2.7")
            // The tagged default workspace joins the legacy NULL rows, both geos: 1,000,000 tokens.
            #expect(row["PricingQuantity"] == "1.0" && row["ConsumedQuantity"] == "1000000.0")
            #expect(row["ListUnitPrice"] == "3.0" && row["ContractedUnitPrice"] == "2.7")
            #expect(row["SubAccountId"] == "default" && row["x_WorkspaceId"] == "wrkspc_default01")
            #expect(row["ChargeDescription"] == "claude-sonnet-4-5 uncached_input_tokens")
            #expect(rows.filter { $0["x_Source"] == "cost_report" }.count == 4, "2026-01-01 still from the cost report")
        }
    }

    @Test func theSameProjectionsGiveTheSameBytesWhateverTheRowOrder() async throws {
        try await withTemporaryDirectory { dir in
            let path = try Self.write(dir)
            let first = try FocusExport.run(
                projectionsPath: path, organization: Self.organization,
                workspaceNames: Self.names, outDirectory: dir.filePath("a"))
            let reversedPath = dir.filePath("reversed.sqlite")
            try Self.fixture.reversed().write(to: reversedPath)
            let queue = try DatabaseQueue(path: reversedPath)
            try queue.write { db in try db.execute(sql: Self.byKeySQL) }
            let plain = try FocusExport.run(
                projectionsPath: path, organization: Self.organization,
                workspaceNames: Self.names, outDirectory: dir.filePath("b"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: first.path)) == Data(contentsOf: URL(fileURLWithPath: plain.path)))
            // Reversed insertion order, no analytics rows: same bytes as the plain cost-report export.
            let noByKey = try FocusExport.run(
                projectionsPath: reversedPath, organization: Self.organization,
                workspaceNames: Self.names, outDirectory: dir.filePath("c"))
            let plainNoByKey = try TemporaryDirectory()
            let expected = try FocusExport.run(
                projectionsPath: try Self.write(plainNoByKey.url, byKey: false),
                organization: Self.organization, workspaceNames: Self.names,
                outDirectory: plainNoByKey.url.filePath("out"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: noByKey.path)) == Data(contentsOf: URL(fileURLWithPath: expected.path)))
        }
    }

    @Test func anUnsupportedVersionNamesTheSupportedOnesAndWritesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let out = dir.filePath("out")
            #expect(throws: ExportError.self) {
                try FocusExport.run(
                    projectionsPath: try Self.write(dir), organization: Self.organization,
                    workspaceNames: [:], outDirectory: out, version: "1.3")
            }
            do {
                try FocusExport.checkVersion("1.3")
            } catch let error as ExportError {
                #expect(error.failureClass == .badInput && error.message.contains("1.2") && error.message.contains("1.3"))
            }
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test func anOutputPathThatIsAFileIsRefusedAndKept() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.filePath("taken")
            try Data("keep me".utf8).write(to: URL(fileURLWithPath: file))
            for out in [file, file + "/sub"] {
                do {
                    _ = try FocusExport.run(
                        projectionsPath: try Self.write(dir), organization: Self.organization,
                        workspaceNames: [:], outDirectory: out)
                    Issue.record("\(out) was accepted")
                } catch let error as ExportError {
                    #expect(error.failureClass == .badInput, "\(error.message)")
                }
                try? FileManager.default.removeItem(atPath: dir.filePath("projections.sqlite"))
            }
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me")
        }
    }

    /// (A REAL cannot be planted: the column's TEXT affinity turns 5.28 into '5.28'.)
    @Test func anAmountThatIsNotAPlainDecimalIsRefusedBeforeAnythingIsWritten() async throws {
        try await withTemporaryDirectory { dir in
            let path = try Self.write(dir)
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: "UPDATE claude_costs SET amount_usd = '5.28e0' WHERE event_id = 'ev_c1'") }
            #expect(throws: ExportError.self) {
                try FocusExport.run(
                    projectionsPath: path, organization: Self.organization, workspaceNames: [:],
                    outDirectory: dir.filePath("out"))
            }
            #expect(!FileManager.default.fileExists(atPath: dir.filePath("out")))
        }
    }
}
