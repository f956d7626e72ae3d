-- Plugin states as the running server sees them (PluginStateTable): `kernel plugins list` run in another process
-- shows failures that only the server can know (a StartAsync that threw). The server rewrites the rows on each change.
CREATE TABLE plugin_states (
    name        TEXT PRIMARY KEY COLLATE NOCASE,
    state       TEXT NOT NULL,
    version     TEXT,
    sdk_version TEXT,
    reason      TEXT,
    updated     TEXT NOT NULL
);
