import CoreValues
import Reporting
import Testing

@Suite struct DashboardCSVTests {
    func usd(_ s: String) -> ExactDecimal { try! ExactDecimal(parsing: s) }

    @Test func consoleStyleExportWithSeveralRowsPerDayIsSummed() throws {
        let csv = """
            Date,Workspace,Model,Cost (USD)
            2025-10-16,Default,claude-sonnet-4-5,"$1,234.50"
            2025-10-16,Research,claude-haiku-4-5,$0.75
            2025-10-17,Default,claude-sonnet-4-5,$10.00
            Total,,,"$1,245.25"

            """
        let parsed = try DashboardCSV(text: csv)
        #expect(parsed.dateColumn == "Date")
        #expect(parsed.amountColumn == "Cost (USD)")
        #expect(parsed.totals[Day("2025-10-16")!] == usd("1235.25"))
        #expect(parsed.totals[Day("2025-10-17")!] == usd("10"))
        #expect(parsed.totals.count == 2)
    }

    @Test(arguments: [
        ("usage_date,amount_usd\n2025-01-02,3.5\n", "2025-01-02", "3.5"),
        ("day;x\n", "", ""),
        ("DATE,TOTAL\n01/02/2025,1.25\n", "2025-01-02", "1.25"),
        ("date,cost\r\n2025-01-02T00:00:00Z,0.004\r\n", "2025-01-02", "0.004"),
        ("\u{FEFF}Date,Spend\n2025-03-04,\"12\"\n", "2025-03-04", "12"),
    ])
    func headerAndValueVariants(csv: String, day: String, amount: String) throws {
        if day.isEmpty {
            #expect(throws: ReportingError.self) { try DashboardCSV(text: csv) }
            return
        }
        let parsed = try DashboardCSV(text: csv)
        #expect(parsed.totals == [Day(day)!: usd(amount)])
    }

    @Test func dayFirstDatesAreRefusedUnlessAsked() throws {
        let csv = "date,cost\n25/01/2025,1\n02/01/2025,2\n"
        #expect(throws: ReportingError.self) { try DashboardCSV(text: csv) }
        let parsed = try DashboardCSV(text: csv, dateOrder: .dayFirst)
        #expect(parsed.totals[Day("2025-01-25")!] == usd("1"))
        #expect(parsed.totals[Day("2025-01-02")!] == usd("2"))
    }

    @Test(arguments: [
        ("date,cost\n2025-01-02,abc\n", "line 2, column 2"),
        ("date,cost\n2025-13-02,1\n", "line 2, column 1"),
        ("date,cost\n2025-01-02,\"1.5\n", "line 2"),
        ("date,cost\n2025-01-02,1,2,3\n2025-01-03\n", "line 3"),
        ("when,what\n2025-01-02,1\n", "no date column"),
        ("date,cost\n2025-01-02,\"1,23,4\"\n", "line 2, column 2"),
    ])
    func malformedFilesNameTheLineAndColumn(csv: String, expected: String) {
        do {
            _ = try DashboardCSV(text: csv)
            Issue.record("expected an error for \(csv)")
        } catch let error as ReportingError {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.classification == .badInput)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aSemicolonSeparatedFileIsNamedAsSuch() throws {
        let error = try #require(throws: ReportingError.self) { try DashboardCSV(text: "date;amount_usd\n2025-01-02;1.00\n") }
        #expect(error.message.contains("semicolon-separated"), "\(error.message)")
        #expect(error.message.contains("save it with commas"))
    }

    @Test func aHugeHeaderWithEscapeSequencesIsCutAndSanitized() throws {
        let junk = String(repeating: "\u{1B}[31mred", count: 1_000_000 / 8)
        let csv = "when,\(junk),what\n2025-01-02,1,2\n"
        let error = try #require(throws: ReportingError.self) { try DashboardCSV(text: csv) }
        #expect(error.message.count < 300, "\(error.message.count) characters")
        #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        #expect(error.message.contains("(3 columns)"))
        #expect(!error.message.contains("\n"))
    }

    @Test func reconciliationRoundsBothSidesToCentsAndNamesTheDayOff() throws {
        let d1 = Day("2025-01-01")!, d2 = Day("2025-01-02")!
        let ledger = [d1: usd("1.2345"), d2: usd("10.004")]
        let same = try Reconciliation.compare(dashboard: [d1: usd("1.23"), d2: usd("10.00")], ledger: ledger, tolerance: .zero)
        #expect(same.isMatch)
        let off = try Reconciliation.compare(dashboard: [d1: usd("1.23"), d2: usd("10.01")], ledger: ledger, tolerance: .zero)
        #expect(!off.isMatch)
        #expect(off.daysOff.map(\.day) == [d2])
        #expect(off.daysOff.first?.delta == usd("0.01"))
        let tolerant = try Reconciliation.compare(dashboard: [d1: usd("1.23"), d2: usd("10.01")], ledger: ledger, tolerance: usd("0.01"))
        #expect(tolerant.isMatch)
    }
}
