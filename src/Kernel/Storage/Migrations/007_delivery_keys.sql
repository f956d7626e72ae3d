-- Exactly-once local delivery (Mailboxes/SqliteMailboxStore.Delivery.cs). The delivery pipeline appends a message to
-- a mailbox, then records the recipient as delivered in the queue in a second transaction; a crash between the two
-- makes it deliver again after restart. Each pipeline append carries a key ('{queueId}/{recipientIndex}/{mailbox}')
-- that is written here in the append's own transaction, so a repeated key finds the earlier append and returns its
-- result instead of storing a second copy. Keys are only needed until the queue has recorded the outcome; rows older
-- than the store's retention (days) are pruned.
CREATE TABLE delivery_keys (
    key           TEXT    PRIMARY KEY,
    mailbox_id    INTEGER NOT NULL,     -- mailboxes.id at the time (no foreign key: the mailbox may be deleted later)
    uid_validity  INTEGER NOT NULL,
    uid           INTEGER NOT NULL,
    created       INTEGER NOT NULL      -- Unix milliseconds
) WITHOUT ROWID;

CREATE INDEX delivery_keys_created ON delivery_keys (created);
