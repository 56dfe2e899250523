-- The hub's SQLite schema before versioned migrations (commit ae1be42),
-- as its CREATE statements made it: schema_test opens a database of it.
-- hub/store/store.go schema
CREATE TABLE IF NOT EXISTS rooms (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	public_key  TEXT NOT NULL DEFAULT '',
	enrolled_at INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS enroll_tokens (
	token_hash TEXT PRIMARY KEY,
	room       TEXT NOT NULL REFERENCES rooms(id),
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS segments (
	room       TEXT NOT NULL,
	stream     TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	last_seq   INTEGER NOT NULL,
	record     TEXT NOT NULL,
	start_ns   INTEGER NOT NULL,
	end_ns     INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	chain      TEXT NOT NULL,
	prev       TEXT NOT NULL,
	size       INTEGER NOT NULL,
	path       TEXT NOT NULL,
	gap_reason TEXT NOT NULL DEFAULT '',
	session    TEXT NOT NULL DEFAULT '',
	flags      TEXT NOT NULL DEFAULT '',
	verified   INTEGER NOT NULL DEFAULT 0,
	stored_at  INTEGER NOT NULL,
	offset     INTEGER NOT NULL DEFAULT -1,
	PRIMARY KEY (room, stream, seq)
);
CREATE INDEX IF NOT EXISTS segments_time ON segments(room, stream, start_ns);
-- hub/store/migrate.go ownerSchema
CREATE TABLE IF NOT EXISTS jurisdictions (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agencies (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
);
-- hub/store/alerts.go alertSchema
CREATE TABLE IF NOT EXISTS alerts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	room        TEXT NOT NULL,
	stream      TEXT NOT NULL DEFAULT '',
	kind        TEXT NOT NULL,
	severity    TEXT NOT NULL,
	state       TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '',
	opened_at   INTEGER NOT NULL,
	acked_at    INTEGER NOT NULL DEFAULT 0,
	acked_by    TEXT NOT NULL DEFAULT '',
	comment     TEXT NOT NULL DEFAULT '',
	resolved_at INTEGER NOT NULL DEFAULT 0,
	notified_at INTEGER NOT NULL DEFAULT 0,
	notified    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS alerts_state ON alerts(state, room);
-- hub/store/boxes.go boxSchema
CREATE TABLE IF NOT EXISTS boxes (
	room        TEXT NOT NULL REFERENCES rooms(id),
	public_key  TEXT NOT NULL,
	cert_serial TEXT NOT NULL DEFAULT '',
	cert_pem    TEXT NOT NULL DEFAULT '',
	enrolled_at INTEGER NOT NULL,
	revoked_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS boxes_room ON boxes(room, revoked_at);
-- hub/store/users.go userSchema
CREATE TABLE IF NOT EXISTS users (
	username     TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	scope        TEXT NOT NULL DEFAULT '',
	pass_hash    TEXT NOT NULL,
	failures     INTEGER NOT NULL DEFAULT 0,
	locked_until INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
	token_hash TEXT PRIMARY KEY,
	username   TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
	token_hash TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	scope      TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL DEFAULT 0,
	revoked_at INTEGER NOT NULL DEFAULT 0
);
-- hub/audit/audit.go schema
CREATE TABLE IF NOT EXISTS audit (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	prev   TEXT NOT NULL,
	hash   TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- hub/onboarding/db.go schema
CREATE TABLE IF NOT EXISTS onboard_applications (
	id           INTEGER PRIMARY KEY,
	room         TEXT NOT NULL UNIQUE,
	agency       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	address      TEXT NOT NULL,
	contact      TEXT NOT NULL,
	specialist   TEXT NOT NULL,
	equipment    TEXT NOT NULL,
	state        TEXT NOT NULL,
	applicant    TEXT NOT NULL,
	technicians  TEXT NOT NULL DEFAULT '[]',
	run          INTEGER NOT NULL DEFAULT 0,
	reasons      TEXT NOT NULL DEFAULT '[]',
	form_sha256  TEXT NOT NULL DEFAULT '',
	applied_at   INTEGER NOT NULL,
	assigned_at  INTEGER NOT NULL DEFAULT 0,
	decided_at   INTEGER NOT NULL DEFAULT 0,
	published_at INTEGER NOT NULL DEFAULT 0,
	updated_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS onboard_checks (
	application INTEGER NOT NULL REFERENCES onboard_applications(id),
	run         INTEGER NOT NULL,
	item        TEXT NOT NULL,
	pass        INTEGER NOT NULL,
	value       TEXT NOT NULL,
	evidence    TEXT NOT NULL DEFAULT '',
	checker     TEXT NOT NULL,
	at          INTEGER NOT NULL,
	PRIMARY KEY (application, run, item)
);
-- hub/onboarding/examdb.go examSchema
CREATE TABLE IF NOT EXISTS exam_attempts (
	id          INTEGER PRIMARY KEY,
	user        TEXT NOT NULL,
	agency      TEXT NOT NULL,
	bank        TEXT NOT NULL,
	started_at  INTEGER NOT NULL,
	deadline    INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0,
	questions   TEXT NOT NULL,
	answers     TEXT NOT NULL,
	score       INTEGER NOT NULL DEFAULT 0,
	passed      INTEGER NOT NULL DEFAULT 0,
	timed_out   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS exam_attempts_user ON exam_attempts(user);
-- hub/onboarding/staffdb.go staffSchema
CREATE TABLE IF NOT EXISTS onboard_staff (
	agency   TEXT NOT NULL,
	user     TEXT NOT NULL,
	named_by TEXT NOT NULL,
	at       INTEGER NOT NULL,
	PRIMARY KEY (agency, user)
);
CREATE TABLE IF NOT EXISTS onboard_specialists (
	agency   TEXT PRIMARY KEY,
	user     TEXT NOT NULL,
	named_by TEXT NOT NULL,
	at       INTEGER NOT NULL
);
-- hub/procurement/db.go schema
CREATE TABLE IF NOT EXISTS entrustments (
	id           INTEGER PRIMARY KEY,
	purchaser    TEXT NOT NULL,
	agency       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	title        TEXT NOT NULL,
	category     TEXT NOT NULL,
	budget       INTEGER NOT NULL,
	plan_line    TEXT NOT NULL,
	method       TEXT NOT NULL,
	approval     TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL,
	maker        TEXT NOT NULL,
	checker      TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL DEFAULT '',
	split        TEXT NOT NULL DEFAULT '',
	threshold    TEXT NOT NULL DEFAULT '',
	project      INTEGER NOT NULL DEFAULT 0,
	fiscal_year  INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entrustments_unit_year ON entrustments(purchaser, fiscal_year, category);
CREATE TABLE IF NOT EXISTS projects (
	id               INTEGER PRIMARY KEY,
	entrustment      INTEGER NOT NULL UNIQUE REFERENCES entrustments(id),
	purchaser        TEXT NOT NULL,
	agency           TEXT NOT NULL,
	jurisdiction     TEXT NOT NULL,
	title            TEXT NOT NULL,
	category         TEXT NOT NULL,
	method           TEXT NOT NULL,
	approval         TEXT NOT NULL DEFAULT '',
	budget           INTEGER NOT NULL,
	state            TEXT NOT NULL,
	reason           TEXT NOT NULL DEFAULT '',
	documents_issued TEXT NOT NULL DEFAULT '',
	bid_deadline     TEXT NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lots (
	id      INTEGER PRIMARY KEY,
	project INTEGER NOT NULL REFERENCES projects(id),
	number  INTEGER NOT NULL,
	title   TEXT NOT NULL,
	budget  INTEGER NOT NULL,
	state   TEXT NOT NULL,
	UNIQUE (project, number)
);
-- hub/procurement/awarddb.go awardSchema
CREATE TABLE IF NOT EXISTS awards (
	id            INTEGER PRIMARY KEY,
	project       INTEGER NOT NULL REFERENCES projects(id),
	lot           INTEGER NOT NULL,
	purchaser     TEXT NOT NULL,
	agency        TEXT NOT NULL,
	jurisdiction  TEXT NOT NULL,
	supplier      TEXT NOT NULL,
	supplier_name TEXT NOT NULL,
	amount        INTEGER NOT NULL,
	state         TEXT NOT NULL,
	evaluated     TEXT NOT NULL,
	notice        TEXT NOT NULL DEFAULT '',
	confirmed_by  TEXT NOT NULL DEFAULT '',
	reason        TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS awards_project ON awards(project);
CREATE TABLE IF NOT EXISTS contracts (
	id           INTEGER PRIMARY KEY,
	award        INTEGER NOT NULL UNIQUE REFERENCES awards(id),
	project      INTEGER NOT NULL,
	lot          INTEGER NOT NULL,
	purchaser    TEXT NOT NULL,
	agency       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	supplier     TEXT NOT NULL,
	amount       INTEGER NOT NULL,
	state        TEXT NOT NULL,
	signed       TEXT NOT NULL DEFAULT '',
	late_reason  TEXT NOT NULL DEFAULT '',
	filed        TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
-- hub/procurement/challengedb.go challengeSchema
CREATE TABLE IF NOT EXISTS challenges (
	id             INTEGER PRIMARY KEY,
	project        INTEGER NOT NULL REFERENCES projects(id),
	purchaser      TEXT NOT NULL,
	agency         TEXT NOT NULL,
	jurisdiction   TEXT NOT NULL,
	supplier       TEXT NOT NULL,
	step           TEXT NOT NULL,
	grounds        TEXT NOT NULL,
	state          TEXT NOT NULL,
	known          TEXT NOT NULL,
	filed          TEXT NOT NULL,
	reply          TEXT NOT NULL DEFAULT '',
	changes_result INTEGER NOT NULL DEFAULT 0,
	answered       TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS challenges_project ON challenges(project, state);
CREATE TABLE IF NOT EXISTS complaints (
	id           INTEGER PRIMARY KEY,
	challenge    INTEGER NOT NULL REFERENCES challenges(id),
	project      INTEGER NOT NULL,
	purchaser    TEXT NOT NULL,
	agency       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	supplier     TEXT NOT NULL,
	grounds      TEXT NOT NULL,
	state        TEXT NOT NULL,
	filed        TEXT NOT NULL,
	accepted     TEXT NOT NULL DEFAULT '',
	paused_since TEXT NOT NULL DEFAULT '',
	pause_reason TEXT NOT NULL DEFAULT '',
	paused_days  INTEGER NOT NULL DEFAULT 0,
	decision     TEXT NOT NULL DEFAULT '',
	decided      TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
	id         INTEGER PRIMARY KEY,
	owner      TEXT NOT NULL,
	name       TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	size       INTEGER NOT NULL,
	by         TEXT NOT NULL,
	at         INTEGER NOT NULL,
	content    BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_owner ON documents(owner);
CREATE TABLE IF NOT EXISTS suspensions (
	id        INTEGER PRIMARY KEY,
	project   INTEGER NOT NULL,
	complaint INTEGER NOT NULL,
	since     TEXT NOT NULL,
	until     TEXT NOT NULL,
	reason    TEXT NOT NULL,
	lifted    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS suspensions_project ON suspensions(project);
-- hub/store/migrate.go migrate(): what the hub added on open
ALTER TABLE rooms ADD COLUMN jurisdiction TEXT REFERENCES jurisdictions(code);
ALTER TABLE rooms ADD COLUMN agency TEXT REFERENCES agencies(id);
CREATE INDEX IF NOT EXISTS rooms_jurisdiction ON rooms(jurisdiction);
CREATE INDEX IF NOT EXISTS rooms_agency ON rooms(agency);
