-- Exactly-once rule-made messages (issue 12). A rule's copy, forward or auto-reply is submitted as a new message while
-- its original is being routed; the original's recipient is recorded as done in a later transaction, so a crash between
-- the two routes the original again after restart and would submit the copy a second time. Each rule-made submission
-- carries a key ('{originalId}/{recipientIndex or server}/{kind}/{address}') written here in the same transaction as the
-- new message: a key already present means the copy exists, and it is not submitted again. Keys go with their original.
CREATE TABLE generated_keys (
    key         TEXT    PRIMARY KEY,
    message_id  TEXT    NOT NULL,      -- the generated message
    created     INTEGER NOT NULL       -- Unix milliseconds
) WITHOUT ROWID;
