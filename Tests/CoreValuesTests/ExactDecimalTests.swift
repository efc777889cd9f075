import CoreValues
import Testing

@Suite struct ExactDecimalTests {
    @Test func documentedCentsExamples() throws {
        // https://platform.claude.com/docs/en/api/admin/cost_report: "123.45" in USD is $1.2345 exactly, $1.23 for display.
        let a = try ExactDecimal(parsing: "123.45").dividedByPowerOfTen(2)
        #expect(a.description == "1.2345")
        #expect(a.formatted(places: 2) == "1.23")
        let b = try ExactDecimal(parsing: "123.78912").dividedByPowerOfTen(2)
        #expect(b.description == "1.2378912")
        #expect(b.formatted(places: 2) == "1.24")
        #expect(try ExactDecimal(parsing: "100").dividedByPowerOfTen(2).description == "1")
        #expect(try ExactDecimal(parsing: "0.5").dividedByPowerOfTen(2).description == "0.005")
    }

    @Test func sumOfManyFractionalCentsIsExact() throws {
        // 10,000 × 0.00001 cents is exactly 0.1 cents; with binary floating point it is not.
        let tiny = try ExactDecimal(parsing: "0.00001")
        let sum = try ExactDecimal.sum(Array(repeating: tiny, count: 10_000))
        #expect(sum == (try ExactDecimal(parsing: "0.1")))
        // 3,000 rows of 527.99976 + 776.257875 + 381.72417 cents, hand-computed:
        // (527.99976 + 776.257875 + 381.72417) = 1685.981805; × 3000 = 5057945.415
        var total = ExactDecimal.zero
        for _ in 0..<3000 {
            for s in ["527.99976", "776.257875", "381.72417"] { total = try total.adding(ExactDecimal(parsing: s)) }
        }
        #expect(total.description == "5057945.415")
        #expect(try total.dividedByPowerOfTen(2).description == "50579.45415")
    }

    @Test(arguments: ["", "-", ".", "1.2.3", "1e5", "12,5", " 1", "NaN", "$1", "1 "])
    func malformedTextIsRejected(_ text: String) {
        #expect(throws: ExactDecimal.Error.self) { try ExactDecimal(parsing: text) }
    }

    @Test func normalizationMakesEqualValuesEqual() throws {
        #expect(try ExactDecimal(parsing: "1.500") == ExactDecimal(parsing: "1.5"))
        #expect(try ExactDecimal(parsing: "-0.0") == ExactDecimal.zero)
        #expect(try ExactDecimal(parsing: "2.10").description == "2.1")
        #expect(try ExactDecimal(parsing: "0.001") < ExactDecimal(parsing: "0.01"))
    }

    @Test func roundingIsHalfAwayFromZero() throws {
        #expect(try ExactDecimal(parsing: "0.005").formatted(places: 2) == "0.01")
        #expect(try ExactDecimal(parsing: "-0.005").formatted(places: 2) == "-0.01")
        #expect(try ExactDecimal(parsing: "0.0049").formatted(places: 2) == "0.00")
        #expect(try ExactDecimal(parsing: "7").formatted(places: 2) == "7.00")
    }

    @Test func overflowThrowsInsteadOfWrapping() throws {
        let big = try ExactDecimal(parsing: "99999999999999999999999999999999999")
        #expect(throws: ExactDecimal.Error.self) { try big.multiplied(by: big) }
    }
}

@Suite struct DayTests {
    @Test func parsesAndPrintsStrictISODates() {
        #expect(Day("2024-02-29")?.description == "2024-02-29")
        #expect(Day("2023-02-29") == nil)
        #expect(Day("2025-1-01") == nil)
        #expect(Day("1970-01-01")?.daysSinceEpoch == 0)
        #expect(Day("2025-08-01")?.adding(days: 31).description == "2025-09-01")
        #expect(Day(midnightTimestamp: "2025-08-08T00:00:00Z")?.description == "2025-08-08")
        #expect(Day(midnightTimestamp: "2025-08-08T01:00:00Z") == nil)
    }
}
