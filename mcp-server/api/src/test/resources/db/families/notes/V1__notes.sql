CREATE TABLE notes_entries (
    id VARCHAR(64) PRIMARY KEY,
    principal VARCHAR(200) NOT NULL,
    body VARCHAR(1000) NOT NULL
);
