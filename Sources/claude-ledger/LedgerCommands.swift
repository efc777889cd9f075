import ArgumentParser
import CoreValues
import Foundation
import Ledger

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every event: body decompresses, content hash matches, chain links.",
        discussion: helpText(
            """
            Exit 0 and a count when the ledger is intact; exit 1 naming each problem otherwise.
            Besides every event, verify checks the append-only triggers and that each ledger head
            the tool recorded (the one projections.sqlite was built from, each reconcile run's)
            is still in the chain. The last line gives the chain head: keep it somewhere outside
            this machine, and `verify --expect-head SEQ:HASH` later proves that nothing up to it
            changed. The ledger is opened read-only: verify works on a read-only backup.

            Examples:
              claude-ledger verify --data-dir /var/lib/claude-ledger
              claude-ledger verify --expect-head 1234:9f2c…(64 hex digits)
            """))

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "A head recorded earlier, SEQ:HASH (64 hex digits), that must still be in the chain.",
            valueName: "seq:hash"))
    var expectHead: [String] = []

    func run() async throws {
        var expected: [Ledger.RecordedHead] = []
        for text in expectHead {
            guard let head = Ledger.RecordedHead(parsing: text, source: "--expect-head") else {
                throw CLIFailure(
                    .badInput, "--expect-head '\(text)' is not SEQ:HASH (a sequence number, a colon, 64 hex digits), as `verify` prints it")
            }
            expected.append(head)
        }
        let ledger = try global.openLedger()
        let progress = Progress(label: "verify")
        let started = ContinuousClock.now
        var report = try ledger.verify { done, total in progress.update(done: done, total: total, unit: .bytes) }
        progress.finish()
        report.problems += try ledger.problems(with: global.data.recordedHeads() + expected)
        let elapsed = started.duration(to: .now)
        for problem in report.problems {
            print(problem.description)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let summary =
            "\(report.events) events, \(report.blobs) bodies (\(Format.bytes(report.rawBytes)) raw, \(Format.bytes(report.storedBytes)) stored) in \(String(format: "%.2f", seconds)) s"
        if report.isValid {
            print("verified " + summary)
            print("head: seq \(report.headSeq) chain \(report.headChainHash.hexString)")
        } else {
            print("FAILED: \(report.problems.count) problem(s) in " + summary)
            throw CLIFailure.checkFailed()
        }
    }
}

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the ledger's events (one page each), oldest first.",
        discussion: helpText(
            """
            Columns: seq, event id, stream, fetch id, page index (* marks a chain's last page),
            window, HTTP status, request-id, fetched-at, body bytes.

            Examples:
              claude-ledger events
              claude-ledger events --stream cost_report
              claude-ledger events --fetch fch_0123456789abcdef01234567
            """))

    @OptionGroup var global: GlobalOptions

    @Option(
        help:
            "Only this stream: cost_report, usage_messages, claude_code, analytics_cost, analytics_usage, api_keys, workspaces, organization."
    )
    var stream: String?

    @Option(help: "Only the pages of this fetch (pagination chain).")
    var fetch: String?

    func run() async throws {
        var selected: ReportStream?
        if let stream {
            guard let parsed = ReportStream(userName: stream) else {
                throw CLIFailure(
                    .badInput, "unknown stream '\(stream)': use one of \(ReportStream.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            selected = parsed
        }
        let ledger = try global.openLedger()
        print(
            ["seq", "event_id", "stream", "fetch_id", "page", "window", "status", "request_id", "fetched_at", "bytes"]
                .joined(separator: "\t"))
        func line(_ e: Ledger.Event) {
            let window = e.windowStart.map { "\($0)..\(e.windowEnd.map(\.description) ?? "")" } ?? "-"
            print(
                [
                    String(e.seq), e.eventID, e.streamName, e.fetchID, "\(e.pageIndex)\(e.isLast ? "*" : "")", window,
                    String(e.status), e.requestID ?? "-", e.fetchedAt, String(e.rawLength),
                ].joined(separator: "\t"))
        }
        if let fetch {
            try ledger.events(fetchID: fetch).filter { selected == nil || $0.streamName == selected!.rawValue }.forEach(line)
        } else {
            try ledger.forEachEvent(stream: selected) { line($0) }
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one page's body to stdout exactly as it was received.",
        discussion: helpText(
            """
            The bytes are checked against their SHA-256 before they are written. EVENT is an
            event id (evt_…) or a sequence number.

            Examples:
              claude-ledger show evt_4f1c2a9b0d3e5f6a7b8c9d0e | jq .
              claude-ledger show 42 --header
            """))

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The event id (evt_…) or sequence number.")
    var event: String

    @Flag(help: "Print the event's recorded header (request, status, hashes) instead of the body.")
    var header = false

    func run() async throws {
        let ledger = try global.openLedger()
        let found: Ledger.Event?
        if let seq = Int64(event) {
            found = try ledger.event(seq: seq)
        } else {
            found = try ledger.event(id: event)
        }
        guard let found else {
            throw CLIFailure(.badInput, "no event '\(event)' in \(global.dataDirectory.path): list them with `claude-ledger events`")
        }
        if header {
            let fields: [(String, String)] = [
                ("seq", String(found.seq)), ("event_id", found.eventID), ("stream", found.streamName),
                ("fetch_id", found.fetchID), ("page_index", String(found.pageIndex)), ("is_last", String(found.isLast)),
                ("window_start", found.windowStart?.description ?? "-"), ("window_end", found.windowEnd?.description ?? "-"),
                ("request", "\(found.request.method) \(found.request.path)?\(found.request.query)"),
                ("status", String(found.status)), ("request_id", found.requestID ?? "-"), ("fetched_at", found.fetchedAt),
                ("raw_length", String(found.rawLength)), ("content_sha256", found.contentHashHex),
                ("chain_hash", found.chainHashHex),
            ]
            for (name, value) in fields { print("\(name): \(value)") }
            return
        }
        let body = try ledger.body(of: found)
        FileHandle.standardOutput.write(body)
    }
}
