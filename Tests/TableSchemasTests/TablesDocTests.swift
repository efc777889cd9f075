import Foundation
import Testing
import TableSchemas

/// `docs/TABLES.md` is the tables' reference for users; it is rendered from the one schema, and
/// this test fails when the file and the schema disagree. After changing a table, regenerate it:
/// `CLAUDE_LEDGER_WRITE_TABLES_DOC=1 swift test --skip-build --filter TablesDocTests`.
@Suite struct TablesDocTests {
    static let docURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/TABLES.md")

    static func bigQueryType(_ column: ColumnSchema) -> String {
        column.kind == .money ? "NUMERIC or BIGNUMERIC" : column.bigQueryType()
    }

    static func sqliteType(_ column: ColumnSchema) -> String {
        column.sqliteType + (column.nullable ? " NULL" : "") + (column.kind == .date ? " `YYYY-MM-DD`" : "")
            + (column.kind == .boolean ? " (0/1)" : "")
    }

    static func section(_ table: TableSchema) -> String {
        let key = table.naturalKeyWithDate.map { "`\($0)`" }.joined(separator: ", ")
        let rows = table.columns.map { column in
            "| `\(column.name)` | \(sqliteType(column)) | \(bigQueryType(column)) \(column.bigQueryMode) | \(column.description) |"
        }
        return
            ([
                "## `\(table.name)`", "", table.description, "", "Natural key (unique, checked by `audit`): \(key).", "",
                "| column | SQLite | BigQuery | meaning |", "|---|---|---|---|",
            ] + rows).joined(separator: "\n")
    }

    /// The whole file, from the schema.
    static func markdown() -> String {
        let intro = """
            # The tables

            <!-- Rendered from Sources/TableSchemas by Tests/TableSchemasTests/TablesDocTests.swift; do not edit by hand. -->

            `projections.sqlite` holds these tables; `export files` writes them with the same columns
            (and `<table>.schema.json` for `bq load`), and `export bigquery` loads them under the same
            names, each partitioned by day on `date`. They are rebuilt from the ledger alone
            (`claude-ledger rebuild`): for each stream and UTC day the rows come from the newest complete
            fetch of that day, and from nothing else. Money columns hold the exact decimal as text in
            SQLite and load as NUMERIC, or BIGNUMERIC once a value needs more than NUMERIC's 9 fractional
            or 29 integer digits; never a binary float. The tables are defined once, in
            `Sources/TableSchemas` (`ProjectionTable`); this page is rendered from it.
            """
        return ([intro] + TableSchema.all.map(section)).joined(separator: "\n\n") + "\n"
    }

    @Test func docsTablesMatchesTheSchema() throws {
        let expected = Self.markdown()
        if ProcessInfo.processInfo.environment["CLAUDE_LEDGER_WRITE_TABLES_DOC"] == "1" {
            try Data(expected.utf8).write(to: Self.docURL)
        }
        let actual = try String(contentsOf: Self.docURL, encoding: .utf8)
        #expect(
            actual == expected,
            """
            docs/TABLES.md differs from Sources/TableSchemas; regenerate it with \
            CLAUDE_LEDGER_WRITE_TABLES_DOC=1 swift test --skip-build --filter TablesDocTests
            """)
    }

    @Test func everyTableAndColumnIsOnThePage() throws {
        // Independent of the renderer: each table's name and each column, with its SQLite type,
        // appears on the checked-in page as a row of that table's section.
        let page = try String(contentsOf: Self.docURL, encoding: .utf8)
        let sections = page.components(separatedBy: "\n## ").dropFirst()
        #expect(sections.count == ProjectionTable.allCases.count)
        for table in ProjectionTable.allCases {
            let section = try #require(sections.first { $0.hasPrefix("`\(table.rawValue)`\n") }, "\(table)")
            for column in table.schema.columns {
                #expect(section.contains("\n| `\(column.name)` | \(column.sqliteType)"), "\(table).\(column.name)")
            }
        }
    }
}
