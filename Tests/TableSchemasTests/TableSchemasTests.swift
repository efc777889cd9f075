import Testing
import TableSchemas

/// The one schema against its contract (columns, nullability, natural keys), written out here by hand
/// from the product's table contract, so that a schema change the contract does not make fails.
@Suite struct TableSchemasTests {
    @Test func columnsAreExactlyTheSpecsInOrder() {
        #expect(
            ProjectionTable.costs.schema.columnNames == [
                "date", "workspace_id", "description", "cost_type", "model", "token_type", "service_tier",
                "context_window", "inference_geo", "currency", "amount_cents", "amount_usd", "event_id",
                "organization_id",
            ])
        #expect(
            ProjectionTable.usage.schema.columnNames == [
                "date", "api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo",
                "uncached_input_tokens", "cache_creation_5m_input_tokens", "cache_creation_1h_input_tokens",
                "cache_read_input_tokens", "output_tokens", "web_search_requests", "event_id", "organization_id",
            ])
        #expect(
            ProjectionTable.claudeCode.schema.columnNames == [
                "date", "actor_type", "actor", "organization_id", "customer_type", "subscription_type", "terminal_type",
                "is_remote", "num_sessions", "lines_added", "lines_removed", "commits", "pull_requests",
                "edit_accepted", "edit_rejected", "multi_edit_accepted", "multi_edit_rejected", "write_accepted",
                "write_rejected", "notebook_edit_accepted", "notebook_edit_rejected", "input_tokens", "output_tokens",
                "cache_read_tokens", "cache_creation_tokens", "event_id",
            ])
    }

    /// The documented TEXT NULL / INTEGER NULL columns; every other column is NOT NULL.
    static let specNullable: [ProjectionTable: Set<String>] = [
        .costs: [
            "workspace_id", "description", "cost_type", "model", "token_type", "service_tier",
            "context_window", "inference_geo", "organization_id",
        ],
        .usage: [
            "api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo",
            "organization_id",
        ],
        .claudeCode: [
            "actor_type", "actor", "organization_id", "customer_type", "subscription_type",
            "terminal_type", "is_remote",
        ],
        .costsByKey: [
            "workspace_id", "api_key_id", "model", "service_tier", "context_window", "cost_type",
            "token_type", "organization_id",
        ],
        .usageByActor: [
            "workspace_id", "api_key_id", "model", "product", "actor_type", "actor_id", "actor_email",
            "actor_name", "requests", "organization_id",
        ],
    ]

    @Test(arguments: ProjectionTable.allCases)
    func nullabilityIsTheSpecs(_ table: ProjectionTable) throws {
        let nullable = Set(table.schema.columns.filter(\.nullable).map(\.name))
        #expect(nullable == Self.specNullable[table])
        // The two the export once had optional: the contract has them NOT NULL.
        if table == .costs {
            #expect(table.schema.columns.first { $0.name == "currency" }?.nullable == false)
        }
        if table == .usage {
            #expect(table.schema.columns.filter { $0.name.hasSuffix("_tokens") }.allSatisfy { !$0.nullable })
        }
    }

    @Test func naturalKeysAreTheSpecs() {
        #expect(
            ProjectionTable.costs.schema.naturalKeyWithDate == [
                "date", "workspace_id", "description", "cost_type", "model", "token_type", "service_tier",
                "context_window", "inference_geo", "currency",
            ])
        #expect(
            ProjectionTable.usage.schema.naturalKeyWithDate == [
                "date", "api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo",
            ])
        // docs/TABLES.md: (date, actor_type, actor, terminal_type, is_remote, customer_type, subscription_type,
        // organization_id); the order inside the key does not matter.
        let claudeCode = ProjectionTable.claudeCode.schema.naturalKeyWithDate
        #expect(claudeCode.first == "date")
        #expect(
            Set(claudeCode) == [
                "date", "actor_type", "actor", "terminal_type", "is_remote", "customer_type",
                "subscription_type", "organization_id",
            ])
        #expect(claudeCode.count == 8)
    }

    @Test func typesAreTheSpecs() throws {
        let costs = ProjectionTable.costs.schema
        func column(_ schema: TableSchema, _ name: String) throws -> ColumnSchema {
            try #require(schema.columns.first { $0.name == name })
        }
        #expect(try column(costs, "date").sqliteType == "TEXT")
        #expect(try column(costs, "date").bigQueryType() == "DATE")
        #expect(try column(costs, "amount_usd").sqliteType == "TEXT")
        #expect(try column(costs, "amount_usd").bigQueryType() == "NUMERIC")
        #expect(try column(costs, "amount_usd").bigQueryType(money: .bignumeric) == "BIGNUMERIC")
        #expect(try column(costs, "workspace_id").bigQueryType() == "STRING")
        #expect(try column(costs, "workspace_id").bigQueryMode == "NULLABLE")
        #expect(try column(costs, "event_id").bigQueryMode == "REQUIRED")
        let usage = ProjectionTable.usage.schema
        #expect(try column(usage, "output_tokens").sqliteType == "INTEGER")
        #expect(try column(usage, "output_tokens").bigQueryType() == "INT64")
        let claudeCode = ProjectionTable.claudeCode.schema
        #expect(try column(claudeCode, "is_remote").sqliteType == "INTEGER")
        #expect(try column(claudeCode, "is_remote").bigQueryType() == "BOOL")
        // docs/TABLES.md: no money column of any kind in claude_code_productivity.
        #expect(!claudeCode.columns.contains { $0.kind == .money })
    }

    @Test(arguments: ProjectionTable.allCases)
    func keysAndIndexesNameRealColumns(_ table: ProjectionTable) {
        let schema = table.schema
        #expect(schema.name == table.rawValue)
        #expect(schema.columns.first?.name == TableSchema.partitionColumn)
        // event_id, then organization_id (claude_code_productivity has had it among its SPEC columns).
        let trailing = table == .claudeCode ? ["event_id"] : ["event_id", "organization_id"]
        #expect(Array(schema.columnNames.suffix(trailing.count)) == trailing)
        #expect(schema.naturalKey.allSatisfy { schema.index(of: $0) != nil })
        #expect(!schema.naturalKey.contains("event_id"))
        for index in schema.indexes {
            #expect(index.first == "date")
            #expect(index.allSatisfy { schema.index(of: $0) != nil })
        }
    }

    @Test func createTableSQLIsDerivedFromTheColumns() {
        let sql = ProjectionTable.costs.schema.createTableSQL
        #expect(sql.hasPrefix("CREATE TABLE claude_costs (\n    date TEXT NOT NULL,\n    workspace_id TEXT,\n"))
        #expect(sql.contains("currency TEXT NOT NULL"))
        // No secondary index on any table: days are rowid ranges (projections' RowID).
        #expect(ProjectionTable.allCases.allSatisfy { $0.schema.createIndexesSQL.isEmpty })
    }
}
