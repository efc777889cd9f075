import Foundation
import GRDB
import TableSchemas
import TestSupport
import Testing
@testable import Reporting

/// `audit`'s first check: duplicates are judged by the documented natural keys. Two Claude Code records
/// that differ only in `subscription_type` or `organization_id` are two records, not a duplicate.
@Suite struct AuditNaturalKeyTests {
    /// A `projections.sqlite` with the three tables and the given Claude Code rows
    /// (actor, organization, subscription, sessions), all on one day, same terminal.
    static func projections(at url: URL, claudeCode: [(String, String, String?, Int)]) throws {
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { db in
            for table in TableSchema.all { try db.execute(sql: table.createTableSQL) }
            for (actor, organization, subscription, sessions) in claudeCode {
                try db.execute(
                    sql: """
                        INSERT INTO claude_code_productivity (date, actor_type, actor, organization_id, customer_type,
                            subscription_type, terminal_type, is_remote, num_sessions, lines_added, lines_removed,
                            commits, pull_requests, edit_accepted, edit_rejected, multi_edit_accepted,
                            multi_edit_rejected, write_accepted, write_rejected, notebook_edit_accepted,
                            notebook_edit_rejected, input_tokens, output_tokens, cache_read_tokens,
                            cache_creation_tokens, event_id)
                        VALUES ('2025-10-01', 'user_actor', ?, ?, 'subscription', ?, 'vscode', 0, ?, 0, 0, 0, 0,
                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'evt_1')
                        """, arguments: [actor, organization, subscription, sessions])
            }
        }
    }

    static func claudeCodeFinding(_ rows: [(String, String, String?, Int)]) async throws -> Audit.Finding {
        try await withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("projections.sqlite")
            try projections(at: url, claudeCode: rows)
            let findings = try Audit.duplicates(ProjectionTables(url: url))
            return try #require(findings.first { $0.check.hasSuffix("claude_code_productivity") })
        }
    }

    @Test func recordsDifferingOnlyInSubscriptionTypeAreNotDuplicates() async throws {
        let finding = try await Self.claudeCodeFinding([
            ("ana@example.com", "org_1", "enterprise", 2),
            ("ana@example.com", "org_1", "team", 3),
        ])
        #expect(finding.status == .ok)
        #expect(finding.detail == "2 rows, keys unique")
    }

    @Test func recordsDifferingOnlyInOrganizationAreNotDuplicates() async throws {
        let finding = try await Self.claudeCodeFinding([
            ("ana@example.com", "org_1", nil, 2),
            ("ana@example.com", "org_2", nil, 3),
        ])
        #expect(finding.status == .ok)
    }

    @Test func recordsWithTheSameKeyAreDuplicates() async throws {
        let finding = try await Self.claudeCodeFinding([
            ("ana@example.com", "org_1", "team", 2),
            ("ana@example.com", "org_1", "team", 3),
        ])
        #expect(finding.status == .fail)
        #expect(finding.detail == "duplicate natural keys on 2025-10-01 (x2)")
    }

    @Test func auditChecksEveryTableBySpecsKey() {
        let keys = Dictionary(uniqueKeysWithValues: Audit.naturalKeys.map { ($0.0, Set($0.1)) })
        #expect(
            keys["claude_code_productivity"] == [
                "date", "actor_type", "actor", "terminal_type", "is_remote",
                "customer_type", "subscription_type", "organization_id",
            ])
        #expect(
            keys["claude_usage_keys"] == [
                "date", "api_key_id", "workspace_id", "model", "service_tier",
                "context_window", "inference_geo",
            ])
        #expect(keys.count == ProjectionTable.allCases.count)
    }
}
