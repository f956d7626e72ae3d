-- Mailboxes, messages, ACLs, subscriptions and mailbox aliases (mailboxes.md §2, §4, §6, §7; Mailboxes/SqliteMailboxStore).
-- Rows are keyed by the account's text 'name@domain' (lower case), not by foreign keys into the account tables:
-- the account store calls IAccountLifecycle inside its own transaction to create and remove these rows.

-- One row per name. A row always has the directory facet (it can have children); 'selectable' is the store facet
-- (mailboxes.md §2.1: 'X/' creates only the directory facet, creating 'X/Y' makes 'X' a directory if absent).
CREATE TABLE mailboxes (
    id              INTEGER PRIMARY KEY,
    account         TEXT    NOT NULL,
    name            TEXT    NOT NULL,            -- own name, 'INBOX' upper case, other components case-sensitive
    selectable      INTEGER NOT NULL,
    special_use     INTEGER NOT NULL DEFAULT 0,
    uid_validity    INTEGER NOT NULL,
    uid_next        INTEGER NOT NULL DEFAULT 1,
    highest_modseq  INTEGER NOT NULL DEFAULT 1,
    messages        INTEGER NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL DEFAULT 0,  -- bytes of the messages held, for quota
    UNIQUE (account, name)
);

CREATE TABLE mailbox_messages (
    mailbox_id    INTEGER NOT NULL REFERENCES mailboxes (id),
    uid           INTEGER NOT NULL,
    flags         INTEGER NOT NULL,              -- MessageFlags bitmask
    keywords      TEXT    NOT NULL DEFAULT '',   -- space-separated IMAP keywords
    internal_date INTEGER NOT NULL,              -- Unix milliseconds
    size          INTEGER NOT NULL,
    modseq        INTEGER NOT NULL,
    body_id       TEXT    NOT NULL,              -- bodies.id: stored once, reference counted
    PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;

CREATE INDEX mailbox_messages_modseq ON mailbox_messages (mailbox_id, modseq);

-- Stored ACL entries (mailboxes.md §4.2 stored form); id keeps the order entries were first created.
CREATE TABLE mailbox_acl (
    id          INTEGER PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes (id),
    identifier  TEXT    NOT NULL,
    rights      INTEGER NOT NULL,                -- MailboxRights bitmask
    UNIQUE (mailbox_id, identifier)
);

-- The account's subscription list (§6): names only, in the order added.
CREATE TABLE mailbox_subscriptions (
    id       INTEGER PRIMARY KEY,
    account  TEXT NOT NULL,
    name     TEXT NOT NULL,
    UNIQUE (account, name)
);

-- The account's mailbox aliases (§7): alias name -> target mailbox name (own or foreign).
CREATE TABLE mailbox_aliases (
    id       INTEGER PRIMARY KEY,
    account  TEXT NOT NULL,
    alias    TEXT NOT NULL,
    target   TEXT NOT NULL,
    UNIQUE (account, alias)
);

-- Server-wide counters; 'uid_validity' keeps UIDVALIDITY unique even when a name is deleted and created again.
CREATE TABLE mailbox_counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
