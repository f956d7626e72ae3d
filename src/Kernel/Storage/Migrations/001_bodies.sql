-- Message bodies, stored once however many mailboxes and queue entries hold them (Storage/BodyStore.cs).
CREATE TABLE bodies (
    id    TEXT PRIMARY KEY,
    size  INTEGER NOT NULL,
    refs  INTEGER NOT NULL CHECK (refs >= 0)
);
