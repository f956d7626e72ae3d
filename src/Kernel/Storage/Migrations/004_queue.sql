-- The durable queue (Queue/SqliteQueueStore.cs holds every statement that reads or writes these tables).
-- Times are Unix milliseconds (UTC). A message row and its recipient rows commit in one transaction with the
-- body's reference row, so after a crash a message is either wholly there or not at all.
CREATE TABLE queue_messages (
    seq          INTEGER PRIMARY KEY,            -- arrival order
    id           TEXT NOT NULL UNIQUE,           -- the queue id ("queued as <id>")
    sender       TEXT NOT NULL,                  -- "" = null reverse-path
    envelope_id  TEXT,                           -- RFC 3461 ENVID
    ret          INTEGER NOT NULL,               -- DsnReturn
    source       TEXT NOT NULL,                  -- RequestSource as JSON
    body_id      TEXT NOT NULL,
    body_size    INTEGER NOT NULL,
    created      INTEGER NOT NULL,
    actions      TEXT,                           -- server-wide rule actions still to run (JSON), or null
    routed       INTEGER NOT NULL DEFAULT 0,     -- 1 once every recipient has been routed by a worker
    lease_owner  TEXT,                           -- the worker routing it now
    lease_until  INTEGER                         -- its lease ends; an expired lease is taken over
);
CREATE INDEX queue_messages_unrouted ON queue_messages (routed, seq);

CREATE TABLE queue_recipients (
    message_id   TEXT NOT NULL REFERENCES queue_messages (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    address      TEXT NOT NULL,
    orcpt        TEXT,                           -- RFC 3461 ORCPT
    notify       INTEGER NOT NULL,               -- DsnNotify
    state        INTEGER NOT NULL,               -- RecipientState
    queue        TEXT,                           -- the remote target queue once routed there
    target       TEXT,                           -- RouteResult.Remote as JSON
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER,
    last_error   TEXT,                           -- the last failure's text (DSN Diagnostic-Code)
    status       TEXT,                           -- RFC 3463 status of the outcome a DSN reports
    remote_mta   TEXT,
    dsn          INTEGER NOT NULL DEFAULT 0,     -- a DSN still to send for this recipient: 1 failed, 2 delivered, 3 delayed
    delay_sent   INTEGER NOT NULL DEFAULT 0,     -- 1 once the NOTIFY=DELAY report went (smtp.md §12: one only)
    PRIMARY KEY (message_id, idx)
) WITHOUT ROWID;
CREATE INDEX queue_recipients_by_queue ON queue_recipients (queue, state, next_attempt);
CREATE INDEX queue_recipients_due ON queue_recipients (state, next_attempt);
CREATE INDEX queue_recipients_dsn ON queue_recipients (dsn) WHERE dsn > 0;

-- Exclusive, expiring leases on target queues (ATRN drains, the scheduler's deliveries).
CREATE TABLE queue_leases (
    queue    TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    token    TEXT NOT NULL,
    expires  INTEGER NOT NULL
);
