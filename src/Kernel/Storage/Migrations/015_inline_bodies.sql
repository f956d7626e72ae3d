-- Small message bodies kept inside the database instead of a file (Storage/BodyStore.cs, issues 10/11 speed): written
-- in the same transaction as the rows that reference them, so the batch's one WAL fsync makes body and rows durable
-- together. A separate table rather than a column of 'bodies': SQLite rewrites a whole row on UPDATE, and 'refs'
-- changes at every delivery, COPY and expunge — the bytes are written once here and never again. One row per inline
-- body (its id starts with 'i'), gone with its 'bodies' row; file bodies (every body before 015, and every larger one)
-- have none.
CREATE TABLE body_data (
    id    TEXT  PRIMARY KEY REFERENCES bodies (id) ON DELETE CASCADE,
    data  BLOB  NOT NULL
);
