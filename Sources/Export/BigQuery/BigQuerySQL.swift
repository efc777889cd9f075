/// The standard-SQL statements `export bigquery` sends through `jobs.query`: pure text, so the
/// exact SQL is tested without a server.
///
/// The organization is always the named parameter `@organization_id`, never spliced into the
/// text; identifiers are backquoted (`project.dataset.table` as one quoted path, since project
/// ids may hold `-` and `:`).
enum BigQuerySQL {
    static let organizationColumn = "organization_id"
    static let organizationParameter = "organization_id"

    struct Target: Sendable, Equatable {
        var project: String
        var dataset: String
        var table: String

        var path: String { BigQuerySQL.quoted("\(project).\(dataset).\(table)") }
    }

    /// One column a table created by an earlier version lacks.
    struct NewColumn: Sendable, Equatable {
        var name: String
        var type: String
    }

    /// Adds the columns an older table lacks (they are NULLABLE, so existing rows read NULL).
    static func addColumns(_ target: Target, _ columns: [NewColumn]) -> String {
        let clauses = columns.map { "ADD COLUMN IF NOT EXISTS \(quoted($0.name)) \($0.type)" }
        return "ALTER TABLE \(target.path) " + clauses.joined(separator: ", ")
    }

    /// Attributes the rows of a table written before `organization_id` existed to the exporting
    /// organization: such a table was written from one data directory, so one organization.
    static func attributeUnowned(_ target: Target) -> String {
        "UPDATE \(target.path) SET \(quoted(organizationColumn)) = @\(organizationParameter) "
            + "WHERE \(quoted(organizationColumn)) IS NULL"
    }

    /// NUMERIC to BIGNUMERIC, for a money value that needs more than 9 decimals (a widening
    /// BigQuery allows in place).
    static func widenToBignumeric(_ target: Target, column: String) -> String {
        "ALTER TABLE \(target.path) ALTER COLUMN \(quoted(column)) SET DATA TYPE BIGNUMERIC"
    }

    /// One transaction: the organization's rows are replaced by the staging table's, or nothing
    /// changes. Other organizations' rows are not read or written.
    static func replaceOrganization(_ target: Target, from staging: Target, columns: [String]) -> String {
        let list = columns.map(quoted).joined(separator: ", ")
        return """
            BEGIN TRANSACTION;
            DELETE FROM \(target.path) WHERE \(quoted(organizationColumn)) = @\(organizationParameter);
            INSERT INTO \(target.path) (\(list)) SELECT \(list) FROM \(staging.path);
            COMMIT TRANSACTION;
            """
    }

    static func quoted(_ identifier: String) -> String {
        "`" + identifier.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "`", with: "\\`") + "`"
    }
}
