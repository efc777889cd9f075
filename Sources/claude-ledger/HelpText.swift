/// A command's discussion as ArgumentParser should wrap it: the lines of a paragraph joined into
/// one, so that the help fits any terminal width instead of breaking the source's lines again;
/// blank lines, lines indented by two spaces (examples) and lines that start a list item stay
/// as written.
func helpText(_ text: String) -> String {
    var out: [String] = []
    var paragraph: [String] = []
    func flush() {
        if !paragraph.isEmpty { out.append(paragraph.joined(separator: " ")) }
        paragraph = []
    }
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        if line.isEmpty || line.hasPrefix("  ") || line.hasSuffix(":") {
            flush()
            out.append(line)
        } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
            flush()
            paragraph = [line]
        } else {
            paragraph.append(line)
        }
    }
    flush()
    return out.joined(separator: "\n")
}
