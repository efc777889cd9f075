import CoreValues
import Foundation
import GRDB
import Testing

@testable import Export
import TableSchemas
import TestSupport

@Suite("export files")
struct FileExportTests {
    private static let names = TableSchema.all.map(\.name)

    /// `EXPORT_RECORD_GOLDENS=1 swift test --filter FileExportTests` rewrites the golden files
    /// (review the diff before committing).
    private static let recording = ProcessInfo.processInfo.environment["EXPORT_RECORD_GOLDENS"] == "1"

    private func compareGolden(_ path: String, _ name: String) throws {
        let actual = try Data(contentsOf: URL(fileURLWithPath: path))
        let golden = fixturesDirectory + "/golden/" + name
        if Self.recording {
            try FileManager.default.createDirectory(atPath: fixturesDirectory + "/golden", withIntermediateDirectories: true)
            try actual.write(to: URL(fileURLWithPath: golden))
            return
        }
        let expected = try Data(contentsOf: URL(fileURLWithPath: golden))
        #expect(actual == expected, "\(name) differs from Tests/ExportTests/Fixtures/golden")
    }

    @Test("NDJSON and schema files match the golden files byte for byte")
    func ndjsonGolden() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            let summary = try FileExport.run(projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"))
            #expect(summary.tables.map(\.rows) == [5, 3, 3, 0, 0])
            for name in Self.names {
                for suffix in [".ndjson", ".schema.json"] {
                    try compareGolden(dir.filePath("out/\(name)\(suffix)"), name + suffix)
                }
            }
            // Only the six final files: no temporary names left behind.
            let listing = try FileManager.default.contentsOfDirectory(atPath: dir.filePath("out")).sorted()
            #expect(listing == Self.names.flatMap { ["\($0).ndjson", "\($0).schema.json"] }.sorted())
        }
    }

    @Test("CSV files match the golden files byte for byte")
    func csvGolden() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            _ = try FileExport.run(
                projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"),
                format: .csv)
            for name in Self.names {
                try compareGolden(dir.filePath("out/\(name).csv"), name + ".csv")
            }
        }
    }

    @Test("Same rows inserted in another order give byte-identical files", arguments: FileExport.Format.allCases)
    func deterministic(format: FileExport.Format) async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("a.sqlite"))
            try ProjectionsFixture.sample.reversed().write(to: dir.filePath("b.sqlite"))
            _ = try FileExport.run(projectionsPath: dir.filePath("a.sqlite"), outDirectory: dir.filePath("a"), format: format)
            _ = try FileExport.run(projectionsPath: dir.filePath("b.sqlite"), outDirectory: dir.filePath("b"), format: format)
            // A second run over existing files replaces them with the same bytes.
            _ = try FileExport.run(projectionsPath: dir.filePath("a.sqlite"), outDirectory: dir.filePath("a"), format: format)
            for name in Self.names {
                for suffix in [".\(format.rawValue)", ".schema.json"] {
                    let a = try Data(contentsOf: URL(fileURLWithPath: dir.filePath("a/\(name)\(suffix)")))
                    let b = try Data(contentsOf: URL(fileURLWithPath: dir.filePath("b/\(name)\(suffix)")))
                    #expect(a == b, "\(name)\(suffix)")
                }
            }
        }
    }

    @Test("--since is inclusive and --until exclusive")
    func dayRange() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            let summary = try FileExport.run(
                projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"),
                since: Day("2026-01-02"), until: Day("2026-01-03"))
            #expect(summary.tables.map(\.rows) == [2, 1, 0, 0, 0])
            let text = try String(contentsOfFile: dir.filePath("out/claude_costs.ndjson"), encoding: .utf8)
            #expect(text.split(separator: "\n").allSatisfy { $0.contains("\"date\":\"2026-01-02\"") })
            #expect(try String(contentsOfFile: dir.filePath("out/claude_code_productivity.ndjson"), encoding: .utf8).isEmpty)
        }
    }

    @Test("Money that needs more than 9 decimals makes that column BIGNUMERIC; exact digits kept")
    func bignumeric() async throws {
        try await withTemporaryDirectory { dir in
            var fixture = ProjectionsFixture.sample
            fixture.costs.append(
                CostRow(
                    date: "2026-01-03", workspaceID: "wrkspc_c", description: "fine",
                    amountCents: "0.12345678901", eventID: "ev_0004"))
            try fixture.write(to: dir.filePath("projections.sqlite"))
            _ = try FileExport.run(projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"))
            let schema = try String(contentsOfFile: dir.filePath("out/claude_costs.schema.json"), encoding: .utf8)
            #expect(schema.contains("{\"name\": \"amount_cents\", \"type\": \"BIGNUMERIC\""))
            #expect(schema.contains("{\"name\": \"amount_usd\", \"type\": \"BIGNUMERIC\""))
            let rows = try String(contentsOfFile: dir.filePath("out/claude_costs.ndjson"), encoding: .utf8)
            #expect(rows.contains("\"amount_cents\":\"0.12345678901\",\"amount_usd\":\"0.0012345678901\""))
            #expect(!schema.contains("FLOAT"))
        }
    }

    @Test("Schema files are the tables' schemas as bq schema JSON: name/type/mode/description in column order")
    func schemaShape() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            _ = try FileExport.run(projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"))
            for table in TableSchema.all {
                let data = try Data(contentsOf: URL(fileURLWithPath: dir.filePath("out/\(table.name).schema.json")))
                let fields = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
                #expect(fields.map { $0["name"] } == table.columns.map(\.name))
                #expect(fields.allSatisfy { Set($0.keys) == ["name", "type", "mode", "description"] })
                // The one schema, field by field (the sample's money fits NUMERIC).
                #expect(fields.map { $0["mode"] } == table.columns.map { $0.nullable ? "NULLABLE" : "REQUIRED" })
                #expect(fields.map { $0["description"] } == table.columns.map(\.description))
                #expect(fields.map { $0["type"] } == table.columns.map { $0.bigQueryType(money: .numeric) })
                #expect(fields.first?["type"] == "DATE")
                #expect(fields.allSatisfy { ["STRING", "INT64", "BOOL", "DATE", "NUMERIC", "BIGNUMERIC"].contains($0["type"]!) })
            }
            let code = try String(contentsOfFile: dir.filePath("out/claude_code_productivity.schema.json"), encoding: .utf8)
            #expect(code.contains("\"name\": \"is_remote\", \"type\": \"BOOL\""))
            #expect(!code.contains("NUMERIC"), "claude_code_productivity has no money column")
        }
    }

    // MARK: Bad input: exit 2, nothing written

    @Test("Missing projections.sqlite is bad input and creates nothing")
    func missingProjections() async throws {
        try await withTemporaryDirectory { dir in
            let error = try #require(throws: ExportError.self) {
                try FileExport.run(projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"))
            }
            #expect(error.classification == .badInput)
            #expect(error.failureClass == .badInput)
            #expect(error.message.contains("rebuild"))
            #expect(!FileManager.default.fileExists(atPath: dir.filePath("out")))
        }
    }

    @Test("Binary floating point in a money column is refused, and nothing is written")
    func floatMoney() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            let queue = try DatabaseQueue(path: dir.filePath("projections.sqlite"))
            try queue.write { db in
                // A projection that stored dollars as REAL (what docs/REFERENCE.md forbids).
                try db.execute(
                    sql: """
                        ALTER TABLE claude_costs RENAME TO claude_costs_text;
                        CREATE TABLE claude_costs AS SELECT date, workspace_id, description, cost_type, model, token_type,
                            service_tier, context_window, inference_geo, currency, amount_cents,
                            CAST(amount_usd AS REAL) AS amount_usd, event_id, organization_id FROM claude_costs_text;
                        """)
            }
            try FileManager.default.createDirectory(atPath: dir.filePath("out"), withIntermediateDirectories: true)
            let error = try #require(throws: ExportError.self) {
                try FileExport.run(projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"))
            }
            #expect(error.classification == .badInput)
            #expect(error.message.contains("claude_costs.amount_usd"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.filePath("out")).isEmpty)
        }
    }

    @Test("A table lacking a documented column is bad input naming the column")
    func missingColumn() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            let queue = try DatabaseQueue(path: dir.filePath("projections.sqlite"))
            try queue.write { db in try db.execute(sql: "ALTER TABLE claude_usage_keys DROP COLUMN web_search_requests") }
            let error = try #require(throws: ExportError.self) {
                try FileExport.run(projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"))
            }
            #expect(error.classification == .badInput)
            #expect(error.message.contains("web_search_requests"))
        }
    }

    @Test("Extra columns in projections.sqlite are ignored")
    func extraColumn() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            let queue = try DatabaseQueue(path: dir.filePath("projections.sqlite"))
            try queue.write { db in try db.execute(sql: "ALTER TABLE claude_costs ADD COLUMN workspace_name TEXT") }
            _ = try FileExport.run(projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"))
            let actual = try Data(contentsOf: URL(fileURLWithPath: dir.filePath("out/claude_costs.ndjson")))
            let expected = try Data(contentsOf: URL(fileURLWithPath: fixturesDirectory + "/golden/claude_costs.ndjson"))
            #expect(actual == expected)
        }
    }

    @Test("--since not before --until is bad input")
    func emptyRange() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            let error = try #require(throws: ExportError.self) {
                try FileExport.run(
                    projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"),
                    since: Day("2026-01-03"), until: Day("2026-01-03"))
            }
            #expect(error.classification == .badInput)
        }
    }

    @Test("--out naming a file is bad input")
    func outIsFile() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            _ = FileManager.default.createFile(atPath: dir.filePath("out"), contents: Data())
            let error = try #require(throws: ExportError.self) {
                try FileExport.run(projectionsPath: dir.filePath("projections.sqlite"), outDirectory: dir.filePath("out"))
            }
            #expect(error.classification == .badInput)
        }
    }
}

@Suite("row encoding")
struct RowEncodingTests {
    @Test(
        "JSON strings escape quotes, backslashes and control characters, keep UTF-8",
        arguments: [
            ("plain", "\"plain\""),
            ("a\"b\\c", "\"a\\\"b\\\\c\""),
            ("line\nbreak\ttab", "\"line\\nbreak\\ttab\""),
            ("\u{01}", "\"\\u0001\""),
            ("Résumé €", "\"Résumé €\""),
        ])
    func jsonString(input: String, expected: String) {
        #expect(RowEncoding.jsonString(input) == expected)
    }

    @Test(
        "CSV quotes fields with commas, quotes, line breaks or edge spaces",
        arguments: [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            (" padded", "\" padded\""),
        ])
    func csvField(input: String, expected: String) {
        #expect(RowEncoding.csvField(input) == expected)
    }

    @Test(
        "NUMERIC holds 29 integer and 9 fractional digits; beyond that BIGNUMERIC",
        arguments: [
            ("1.2378912", MoneyType.numeric),
            ("-0.123456789", .numeric),
            ("0.1234567891", .bignumeric),
            ("12345678901234567890123456789", .numeric),
            ("123456789012345678901234567890", .bignumeric),
        ])
    func moneyType(value: String, expected: MoneyType) {
        #expect(MoneyType.narrowest(for: value) == expected)
    }
}
