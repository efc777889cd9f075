import Foundation
import Ledger
import TableSchemas
import Testing
@testable import Projections

/// The tables a rebuild writes to `projections.sqlite` are the ones `TableSchemas` describes:
/// same columns in the same order, same declared types and NOT NULL, same indexes.
@Suite struct SchemaAgreementTests {
    struct StoredColumn: Equatable, CustomStringConvertible {
        var name: String
        var type: String
        var notNull: Bool
        var description: String { "\(name) \(type)\(notNull ? " NOT NULL" : "")" }
    }

    static func storedColumns(_ file: SQLiteFile, _ table: String) throws -> [StoredColumn] {
        let stmt = try file.prepare("SELECT name, type, \"notnull\" FROM pragma_table_info('\(table)') ORDER BY cid")
        var out: [StoredColumn] = []
        while try stmt.step() {
            out.append(StoredColumn(name: stmt.text(0) ?? "", type: stmt.text(1) ?? "", notNull: stmt.int(2) == 1))
        }
        return out
    }

    static func storedIndexes(_ file: SQLiteFile, _ table: String) throws -> Set<[String]> {
        let list = try file.prepare("SELECT name FROM pragma_index_list('\(table)') WHERE origin = 'c'")
        var names: [String] = []
        while try list.step() { names.append(list.text(0) ?? "") }
        var out: Set<[String]> = []
        for name in names {
            let info = try file.prepare("SELECT name FROM pragma_index_info('\(name)') ORDER BY seqno")
            var columns: [String] = []
            while try info.step() { columns.append(info.text(0) ?? "") }
            out.insert(columns)
        }
        return out
    }

    @Test func rebuiltFileHasExactlyTheSchemasTables() throws {
        let (ledger, _) = try GoldenTests.goldenLedger()
        _ = try Projections.rebuild(ledger: ledger.ledger, into: ledger.dir.projections)
        let file = try Projections.openExisting(ledger.dir.projections)
        for table in ProjectionTable.allCases {
            let schema = table.schema
            let expected = schema.columns.map {
                StoredColumn(name: $0.name, type: $0.sqliteType, notNull: !$0.nullable)
            }
            #expect(try Self.storedColumns(file, schema.name) == expected, "\(schema.name)")
            #expect(try Self.storedIndexes(file, schema.name) == Set(schema.indexes), "\(schema.name)")
        }
        // The documented facts, checked on the file itself: currency and token counts are NOT NULL.
        let costs = try Self.storedColumns(file, "claude_costs")
        #expect(costs.first { $0.name == "currency" }?.notNull == true)
        let usage = try Self.storedColumns(file, "claude_usage_keys")
        #expect(usage.first { $0.name == "output_tokens" }?.notNull == true)
        #expect(usage.first { $0.name == "api_key_id" }?.notNull == false)
    }
}
