-- RFC 3501 §2.3.2 \Recent (issue 11): per mailbox, the highest UID already shown to a session that SELECTed it.
-- Raised atomically by the first such session (IMailboxView.ClaimRecentAsync), so every process and node on this
-- database agrees which session holds a message as recent. 0: nothing shown yet.
ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 0;
