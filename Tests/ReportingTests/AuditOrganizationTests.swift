import CoreValues
import Foundation
import Ledger
import TestSupport
import Testing
@testable import Reporting

/// `claude_code_productivity.organization_id` comes from the ledger's organization event like
/// every table's; `audit` checks each Claude Code record's own `organization_id` against it.
@Suite struct AuditOrganizationTests {
    static func append(_ ledger: Ledger, _ stream: ReportStream, window: (String, String)?, body: String) throws {
        let fetch = Ledger.FetchDescriptor(
            runID: nil, stream: stream, windowStart: window.flatMap { Day($0.0) },
            windowEnd: window.flatMap { Day($0.1) })
        _ = try ledger.append(
            Ledger.ReceivedPage(
                fetch: fetch, pageIndex: 0, isLast: true,
                request: Ledger.Request(path: stream.path, query: ""),
                status: 200, requestID: "req_t", body: Data(body.utf8)))
    }

    static func record(_ date: String, organization: String) -> String {
        """
        {"date":"\(date)","actor":{"type":"user_actor","email_address":"a@example.com"},"organization_id":"\(organization)",\
        "customer_type":"api","terminal_type":"vscode","core_metrics":{"num_sessions":1,"lines_of_code":{"added":1,"removed":0},\
        "commits_by_claude_code":0,"pull_requests_by_claude_code":0},"tool_actions":{},"model_breakdown":[]}
        """
    }

    static func finding(organization: String?, recordOrganizations: [String]) async throws -> Audit.Finding {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(directory: dir, create: true)
            if let organization {
                try append(ledger, .organization, window: nil, body: #"{"id":"\#(organization)","type":"organization","name":"X"}"#)
            }
            for (i, org) in recordOrganizations.enumerated() {
                let day = Day("2025-05-01")!.adding(days: i)
                try append(
                    ledger, .claudeCode, window: (day.description, day.adding(days: 1).description),
                    body: #"{"data":[\#(record(day.description, organization: org))],"has_more":false,"next_page":null}"#)
            }
            return try Audit.claudeCodeOrganization(ledger)
        }
    }

    @Test func recordsOfTheLedgersOrganizationPass() async throws {
        let finding = try await Self.finding(organization: "org_a", recordOrganizations: ["org_a", "org_a"])
        #expect(finding.status == .ok)
        #expect(finding.detail == "2 record(s) name organization org_a, the ledger's")
    }

    @Test func aRecordOfAnotherOrganizationFails() async throws {
        let finding = try await Self.finding(organization: "org_a", recordOrganizations: ["org_a", "org_b", "org_b"])
        #expect(finding.status == .fail)
        #expect(finding.detail.contains("org_b (2 record(s))"))
    }

    @Test func withoutAnOrganizationEventItWarns() async throws {
        let finding = try await Self.finding(organization: nil, recordOrganizations: ["org_a"])
        #expect(finding.status == .warn)
        #expect(finding.detail.contains("run `claude-ledger sync`"))
    }
}
