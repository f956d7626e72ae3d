-- Mailbox view (issue 7 §3, design.md "mailbox view"): the change log another process reads, expunge tombstones for
-- QRESYNC, and the cached MIME structure of stored bodies (Mailboxes/SqliteMailboxStore, Mailboxes/MailboxChangeWatcher).

-- Every mailbox change, written in the transaction that made it, so a server sees what the CLI did (and the other
-- way round) within a poll. 'origin' is the writing process's store instance; a watcher skips its own rows, which
-- were published at once. An empty origin (account creation/removal, made inside the account store's transaction)
-- is published by every watcher, the writer's own included. AUTOINCREMENT: a pruned log never reuses a sequence.
CREATE TABLE mailbox_changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    origin          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,            -- a MailboxChangeKind name, or 'Subscriptions'
    account         TEXT    NOT NULL,            -- the owner (for 'Subscriptions': the account whose list changed)
    mailbox_id      INTEGER,
    name            TEXT,
    old_name        TEXT,
    highest_modseq  INTEGER NOT NULL DEFAULT 0,
    uid_next        INTEGER NOT NULL DEFAULT 0,
    messages        INTEGER NOT NULL DEFAULT 0,
    created         INTEGER NOT NULL             -- Unix milliseconds; rows older than the retention are pruned
);

CREATE INDEX mailbox_changes_created ON mailbox_changes (created);

-- RFC 7162 §3.2.5.1: UIDs expunged (or moved out) with the modseq of their removal, so "vanished since modseq N"
-- can be answered. Removed with the mailbox (or its store facet).
CREATE TABLE mailbox_expunged (
    mailbox_id  INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    modseq      INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;

CREATE INDEX mailbox_expunged_modseq ON mailbox_expunged (mailbox_id, modseq);

-- The parsed structure of a stored body (ENVELOPE, BODYSTRUCTURE, part offsets) as JSON, computed once per body
-- (bodies are single-instance) and gone with the body. 'format' lets a later layout be recomputed lazily.
CREATE TABLE message_structures (
    body_id    TEXT    PRIMARY KEY REFERENCES bodies (id) ON DELETE CASCADE,
    format     INTEGER NOT NULL,
    structure  TEXT    NOT NULL
) WITHOUT ROWID;
