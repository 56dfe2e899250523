// Package systest runs the whole system on loopback: a real hub (embedded
// broker, SQLite, HTTP) and real edge agents fed by simulated devices, and
// checks what a regulator relies on: nothing recorded is lost, every
// segment arrives once and verified, and room status follows reality.
package systest
