import Foundation

/// Progress for long work: a redrawn bar on a terminal, a plain line every few seconds
/// otherwise (logs and CI), always on stderr so stdout stays clean for data.
final class Progress: @unchecked Sendable {
    enum Unit { case bytes, items }

    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDraw = ContinuousClock.now
    private let started = ContinuousClock.now
    private var drewBar = false
    private let lock = NSLock()

    init(label: String) { self.label = label }

    func update(done: Int64, total: Int64, unit: Unit, note: String = "") {
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        let interval: Duration = isTerminal ? .milliseconds(100) : .seconds(5)
        guard lastDraw.duration(to: now) >= interval else { return }
        lastDraw = now
        let amount = unit == .bytes ? "\(Format.bytes(done)) / \(Format.bytes(total))" : "\(done) / \(total)"
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(amount) \(note)\u{1B}[K".utf8))
            drewBar = true
        } else {
            FileHandle.standardError.write(Data("\(label): \(amount) (\(Int(fraction * 100))%) \(note)\n".utf8))
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drewBar { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

enum Format {
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var index = 0
        while value >= 1000 && index < units.count - 1 {
            value /= 1000
            index += 1
        }
        return index == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[index])
    }
}
