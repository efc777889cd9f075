/// A minimal RFC 4180 reader for the tests, written apart from the product's CSV writer so a
/// test reads the files back independently: a header line, quoted fields, `""` escapes.
public enum CSVTable {
    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    /// The records after the header, each as column name → value. Throws when there is no
    /// header line or a record does not have one field per column.
    public static func parse(_ text: String) throws -> [[String: String]] {
        var records: [[String]] = []
        var field = ""
        var record: [String] = []
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                record.append(field); field = ""
            } else if c == "\n" {
                record.append(field); field = ""
                records.append(record); record = []
            } else {
                field.append(c)
            }
        }
        guard let header = records.first else { throw Malformed(description: "no header line") }
        return try records.dropFirst().enumerated().map { index, values in
            guard values.count == header.count else {
                throw Malformed(description: "record \(index + 1) has \(values.count) fields for \(header.count) columns")
            }
            return Dictionary(uniqueKeysWithValues: zip(header, values))
        }
    }
}
