-- The raw header block of a stored body (RFC 5322 §2.1: up to the empty line), so IMAP SEARCH HEADER/FROM/SUBJECT…
-- over a mailbox is one query instead of one file read per message (issue 11, speed). One row per body (bodies are
-- single-instance; a mailbox row's Return-Path prefix is put in front when read), filled lazily on the first read
-- that needs it, gone with the body. header NULL: the block is longer than the cap (256 KiB), read from the file.
CREATE TABLE message_headers (
    body_id  TEXT  PRIMARY KEY REFERENCES bodies (id) ON DELETE CASCADE,
    header   BLOB
);
