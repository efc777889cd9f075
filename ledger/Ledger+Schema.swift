import GRDB

extension Ledger {
    /// The ledger's migrations. A migration that has shipped is never edited: new needs get a new
    /// migration. The on-disk result is documented in ledger/FORMAT.md.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE blobs (
                        content_hash BLOB PRIMARY KEY NOT NULL CHECK (length(content_hash) = 32),
                        raw_length   INTEGER NOT NULL CHECK (raw_length >= 0),
                        encoding     TEXT NOT NULL,
                        body         BLOB NOT NULL
                    ) WITHOUT ROWID;

                    CREATE TABLE sync_runs (
                        run_id      TEXT PRIMARY KEY NOT NULL,
                        started_at  TEXT NOT NULL,
                        tool        TEXT NOT NULL,
                        parameters  TEXT NOT NULL
                    );

                    CREATE TABLE sync_run_ends (
                        run_id          TEXT PRIMARY KEY NOT NULL REFERENCES sync_runs(run_id),
                        ended_at        TEXT NOT NULL,
                        status          TEXT NOT NULL,
                        pages_new       INTEGER NOT NULL,
                        pages_unchanged INTEGER NOT NULL,
                        windows_failed  INTEGER NOT NULL,
                        detail          TEXT
                    );

                    CREATE TABLE fetches (
                        fetch_id     TEXT PRIMARY KEY NOT NULL,
                        run_id       TEXT,
                        stream       TEXT NOT NULL,
                        window_start TEXT,
                        window_end   TEXT,
                        started_at   TEXT NOT NULL
                    );

                    CREATE TABLE fetch_ends (
                        fetch_id  TEXT PRIMARY KEY NOT NULL REFERENCES fetches(fetch_id),
                        ended_at  TEXT NOT NULL,
                        status    TEXT NOT NULL CHECK (status IN ('complete', 'failed')),
                        pages     INTEGER NOT NULL,
                        attempts  INTEGER NOT NULL,
                        error     TEXT
                    );

                    CREATE TABLE events (
                        seq          INTEGER PRIMARY KEY NOT NULL,
                        event_id     TEXT NOT NULL UNIQUE,
                        stream       TEXT NOT NULL,
                        fetch_id     TEXT NOT NULL REFERENCES fetches(fetch_id),
                        page_index   INTEGER NOT NULL,
                        is_last      INTEGER NOT NULL CHECK (is_last IN (0, 1)),
                        window_start TEXT,
                        window_end   TEXT,
                        method       TEXT NOT NULL,
                        path         TEXT NOT NULL,
                        query        TEXT NOT NULL,
                        status       INTEGER NOT NULL,
                        request_id   TEXT,
                        fetched_at   TEXT NOT NULL,
                        content_hash BLOB NOT NULL,
                        raw_length   INTEGER NOT NULL,
                        chain_hash   BLOB NOT NULL,
                        UNIQUE (fetch_id, page_index)
                    );
                    CREATE INDEX events_by_stream ON events(stream, seq);
                    CREATE INDEX events_by_content ON events(content_hash);
                    """)
            for table in ["blobs", "sync_runs", "sync_run_ends", "fetches", "fetch_ends", "events"] {
                try db.execute(
                    sql: """
                        CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
                        BEGIN SELECT RAISE(ABORT, 'ledger is append-only: \(table) rows cannot be updated'); END;
                        CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
                        BEGIN SELECT RAISE(ABORT, 'ledger is append-only: \(table) rows cannot be deleted'); END;
                        """)
            }
        }
        return migrator
    }

    /// The migrations this build knows; a ledger with others was written by a newer version.
    static let knownMigrations: Set<String> = ["v1"]
}
