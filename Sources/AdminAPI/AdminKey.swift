import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The organization's Admin API key, held so that it cannot leak by accident.
///
/// `description`, `debugDescription`, string interpolation, `dump` and `Mirror` all print a
/// redacted placeholder. The secret is reachable only inside this module, where the client puts it
/// in the `x-api-key` header and scrubs it from any text that ends up in an error.
public struct AdminKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The raw secret. Internal on purpose: nothing outside the client needs it.
    let secret: String

    /// Accepts a key as read from `ANTHROPIC_ADMIN_KEY` or the first line of a key file.
    ///
    /// Surrounding whitespace (a trailing newline from a file) is dropped. Returns nil for an empty
    /// value or one containing control characters or spaces, which could never be a valid header
    /// value; the caller reports that without echoing the value.
    public init?(_ text: some StringProtocol) {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty,
            trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return nil }
        self.secret = trimmed
    }

    /// The first line of a key file's contents, as `--admin-key-file` reads it.
    public init?(firstLineOf contents: String) {
        // `isNewline` also matches "\r\n", which Swift treats as one Character.
        let firstLine = contents.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? ""
        self.init(firstLine)
    }

    /// Whether the key has the documented Admin key prefix (`sk-ant-admin`). Other credentials may
    /// still work (the API also documents OAuth tokens with the admin scope), so this is advisory.
    public var hasAdminPrefix: Bool { secret.hasPrefix("sk-ant-admin") }

    /// Whether the key's exact bytes occur anywhere in `data`: a page that echoes the key must
    /// never be stored. `memchr` finds each candidate start and `memcmp` rejects it within a
    /// byte or two, so this runs at memory speed on bodies of many megabytes.
    func occurs(in data: Data) -> Bool {
        let needle = Array(secret.utf8)
        guard let first = needle.first, data.count >= needle.count else { return false }
        return data.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                guard let base = haystack.baseAddress, let patternBase = pattern.baseAddress else { return false }
                let lastStart = haystack.count - pattern.count
                var offset = 0
                while offset <= lastStart {
                    guard let hit = memchr(base + offset, Int32(first), lastStart - offset + 1) else { return false }
                    if memcmp(hit, patternBase, pattern.count) == 0 { return true }
                    offset = base.distance(to: UnsafeRawPointer(hit)) + 1
                }
                return false
            }
        }
    }

    public var description: String { "AdminKey(redacted)" }
    public var debugDescription: String { "AdminKey(redacted)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> String {
        let scalars = Array(unicodeScalars)
        func isSpace(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\n" || s == "\r" }
        var start = 0
        var end = scalars.count
        while start < end, isSpace(scalars[start]) { start += 1 }
        while end > start, isSpace(scalars[end - 1]) { end -= 1 }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[start..<end])
        return String(result)
    }
}

/// Removes credentials from text that is about to go into an error or a log line.
enum Redaction {
    static let placeholder = "[redacted]"

    /// Replaces every occurrence of the key, and anything shaped like an Anthropic key
    /// (`sk-ant-…`), with a placeholder.
    static func scrub(_ text: String, key: AdminKey?) -> String {
        var result = text
        if let key, !key.secret.isEmpty {
            result = result.replacingAll(key.secret, with: placeholder)
        }
        return scrubKeyShapedTokens(result)
    }

    private static func scrubKeyShapedTokens(_ text: String) -> String {
        guard text.contains("sk-ant-") else { return text }
        var output = ""
        var rest = Substring(text)
        while let range = rest.range(of: "sk-ant-") {
            output += rest[..<range.lowerBound]
            output += placeholder
            var tail = rest[range.upperBound...]
            while let c = tail.first, c.isASCII, c.isLetter || c.isNumber || c == "-" || c == "_" {
                tail = tail.dropFirst()
            }
            rest = tail
        }
        output += rest
        return output
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var output = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            output += rest[..<range.lowerBound]
            output += replacement
            rest = rest[range.upperBound...]
        }
        output += rest
        return output
    }
}
