-- Return-Path on local delivery (RFC 5321 §4.4, issue 10): the delivering server adds "Return-Path: <reverse-path>"
-- first. Rather than a copy of every body with the field in front (one more file and fsync per delivery), a
-- message row keeps that small header prefix here; the body stays the one shared queue body, and the mailbox store
-- serves prefix + body as one message everywhere (size, byte ranges, structure, COPY/MOVE). NULL: no prefix (APPEND).
ALTER TABLE mailbox_messages ADD COLUMN prefix BLOB;
