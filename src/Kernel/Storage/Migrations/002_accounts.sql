-- The directory (Accounts/SqliteAccountStore.cs), settings with inheritance, and the configuration documents
-- with the store-wide change sequence (Configuration/SqliteConfigurationStore.cs). Every name is stored lower-case.

CREATE TABLE domains (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order: the first domain is the Main Domain until set
    name     TEXT NOT NULL UNIQUE,
    created  TEXT NOT NULL
);

CREATE TABLE domain_aliases (
    alias   TEXT PRIMARY KEY,
    domain  TEXT NOT NULL REFERENCES domains(name) ON DELETE CASCADE
);
CREATE INDEX domain_aliases_domain ON domain_aliases(domain);

-- One row per name in a domain, whatever it is, so an alias, forwarder or group can never shadow another object.
-- kind: 0 Account, 1 Alias, 2 Forwarder, 3 Group, 4 MailingList (DirectoryObjectKind).
-- target: for an alias the account's name (same domain); for a forwarder the address it reroutes to.
CREATE TABLE directory_objects (
    domain  TEXT NOT NULL REFERENCES domains(name) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    kind    INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),
    target  TEXT,
    PRIMARY KEY (domain, name)
);
CREATE INDEX directory_objects_target ON directory_objects(domain, target) WHERE kind = 1;

-- Account data. Passwords only as verifiers (design.md "Passwords"): a salted PBKDF2 hash, the CRAM-MD5 HMAC
-- context (RFC 2195) and the digest HA1 for the domain realm (RFC 2617).
CREATE TABLE accounts (
    domain         TEXT NOT NULL,
    name           TEXT NOT NULL,
    created        TEXT NOT NULL,
    password_hash  TEXT,
    cram_md5       BLOB,
    digest_ha1     BLOB,
    server_rights  INTEGER NOT NULL DEFAULT 0,
    domain_rights  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (domain, name),
    FOREIGN KEY (domain, name) REFERENCES directory_objects(domain, name) ON DELETE CASCADE
);

CREATE TABLE group_members (
    domain    TEXT NOT NULL,
    name      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    member    TEXT NOT NULL,
    PRIMARY KEY (domain, name, position),
    FOREIGN KEY (domain, name) REFERENCES directory_objects(domain, name) ON DELETE CASCADE
);

-- scope: 0 Server, 1 Domain, 2 AccountTemplate, 3 Account (SettingScopeKind); '' where a part does not apply.
CREATE TABLE settings (
    scope    INTEGER NOT NULL,
    domain   TEXT NOT NULL DEFAULT '',
    account  TEXT NOT NULL DEFAULT '',
    key      TEXT NOT NULL COLLATE NOCASE,
    value    TEXT NOT NULL,
    PRIMARY KEY (scope, domain, account, key)
);

CREATE TABLE config_documents (
    name      TEXT PRIMARY KEY,
    text      TEXT NOT NULL,
    sequence  INTEGER NOT NULL,
    updated   TEXT NOT NULL
);

-- The store-wide change sequence: every document and setting change bumps it in the same transaction, so another
-- process (the CLI) sees a committed change by polling one row.
CREATE TABLE change_sequence (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    value  INTEGER NOT NULL
);
INSERT INTO change_sequence (id, value) VALUES (1, 0);

-- What each sequence number changed: a document's name, or NULL for settings and the domain list. Trimmed to the
-- recent past; a watcher that fell further behind just announces "something changed".
CREATE TABLE config_changes (
    sequence  INTEGER PRIMARY KEY,
    name      TEXT
);
