import ArgumentParser
import CoreValues
import Foundation

extension Day: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--since D --until D`, the one definition every command with a date range shares, checked
/// before anything is planned or written (docs/REFERENCE.md, "Commands": dates before 2020-01-01 or after
/// tomorrow, UTC, are refused with exit 2).
struct DateRangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("First day (inclusive), YYYY-MM-DD, UTC.", valueName: "day"))
    var since: Day?

    @Option(help: ArgumentHelp("Day to stop before (exclusive), YYYY-MM-DD, UTC.", valueName: "day"))
    var until: Day?

    /// The earliest date any command accepts: the Admin API has nothing older.
    static let earliest = Day(year: 2020, month: 1, day: 1)!

    /// The latest date any command accepts: tomorrow, UTC (an exclusive `--until` of tomorrow
    /// takes in today).
    static var latest: Day { Day(containing: Date()).adding(days: 1) }

    func validate() throws {
        try DateRangeOptions.check(since, flag: "--since")
        try DateRangeOptions.check(until, flag: "--until")
        if let since, let until, until <= since {
            throw ValidationError("--until \(until) must be after --since \(since)")
        }
    }

    static func check(_ day: Day?, flag: String) throws {
        guard let day else { return }
        if day < earliest {
            throw ValidationError("\(flag) \(day) is before \(earliest): the Admin API has no data that old")
        }
        if day > latest {
            throw ValidationError("\(flag) \(day) is after tomorrow (\(latest), UTC): pass a date up to \(latest)")
        }
    }
}
