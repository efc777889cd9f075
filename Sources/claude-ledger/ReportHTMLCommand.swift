import CoreValues
import Foundation
import Ledger
import Reporting

/// `report html --out FILE [--since D] [--until D]`: the spend as one self-contained page.
extension ReportCommand {
    func runHTML() throws {
        guard let out else {
            throw CLIFailure(.badInput, "report html needs --out FILE.html (where to write the page)")
        }
        let target = try HTMLPageFile.checkWritable(out)
        let tables = try global.data.projectionTables()
        let ledger = try? global.openLedger()
        let names = ledger.flatMap { try? NameBook(ledger: $0) } ?? NameBook()
        let audit = try ledger.map { try Audit.run(ledger: $0, tables: tables) }
        let log = try ReconcileLog.openForReading(directory: global.dataDirectory)
        let organization = try ledger.flatMap { try $0.newestOrganization() }
        let sources = HTMLReport.Sources(ledger: ledger, organization: organization, names: names, reconcileLog: log, audit: audit)
        let page = try HTMLReport.gather(tables: tables, sources: sources, since: dates.since, until: dates.until)
        try HTMLPageFile.write(HTMLReport.render(page), to: target)
        print(target.path)
    }
}

/// Writing the page: checked before anything is read, written whole or not at all.
enum HTMLPageFile {
    /// The file `path` names, when it can be written: its directory exists and is writable, and
    /// it is not a directory nor a file this user cannot write. Nothing is created here.
    static func checkWritable(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw CLIFailure(
                    .badInput, "--out \(path) is a directory: pass a file name such as \(url.appendingPathComponent("report.html").path)")
            }
            guard access(url.path, W_OK) == 0 else {
                throw CLIFailure(.badInput, "--out \(path) is not writable: pass a path you can write")
            }
        }
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIFailure(.badInput, "--out \(path): the directory \(directory.path) does not exist: create it or pass another path")
        }
        guard access(directory.path, W_OK) == 0 else {
            throw CLIFailure(.badInput, "--out \(path): the directory \(directory.path) is not writable: pass a path you can write")
        }
        return url
    }

    /// Writes through a temporary file renamed into place: a reader never sees half a page.
    static func write(_ html: String, to url: URL) throws {
        do {
            try Data(html.utf8).write(to: url, options: .atomic)
        } catch {
            throw CLIFailure(.localFailure, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
