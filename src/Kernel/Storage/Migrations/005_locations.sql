-- SIP registrar bindings (Signals/SqliteLocationStore.cs): one row per contact of an address of record, RFC 3261 §10.
-- Times are Unix milliseconds (UTC). An expired row is never returned and is removed by PurgeExpired.
CREATE TABLE location_bindings (
    aor            TEXT NOT NULL COLLATE NOCASE,
    contact        TEXT NOT NULL,
    expires        INTEGER NOT NULL,
    q              REAL NOT NULL,
    call_id        TEXT NOT NULL,
    cseq           INTEGER NOT NULL,
    received_from  TEXT,
    path           TEXT,
    instance       TEXT,
    PRIMARY KEY (aor, contact)
);

CREATE INDEX location_bindings_expires ON location_bindings (expires);
