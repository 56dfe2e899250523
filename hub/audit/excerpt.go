package audit

import (
	"context"
	"fmt"
	"time"
)

// maxRoomEntries bounds one excerpt.
const maxRoomEntries = 1_000_000

// RoomEntries returns, oldest first, the entries about room (its own and
// those of its streams, "room/stream") from the first one at or after from
// up to and including entry upTo, which is always among them: the room's
// part of an evidence export, ending with the export's own entry.
func (l *Log) RoomEntries(ctx context.Context, room string, from time.Time, upTo int64) ([]Entry, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, at, actor, action, target, detail, prev, hash FROM audit
		WHERE (target = ? OR substr(target, 1, ?) = ?) AND (at >= ? OR id = ?) AND id <= ? ORDER BY id LIMIT ?`,
		room, len(room)+1, room+"/", from.UnixNano(), upTo, upTo, maxRoomEntries+1)
	if err != nil {
		return nil, fmt.Errorf("audit entries of %s: %w", room, err)
	}
	defer rows.Close()
	out, err := scan(rows)
	if err != nil {
		return nil, fmt.Errorf("audit entries of %s: %w", room, err)
	}
	if len(out) > maxRoomEntries {
		return nil, fmt.Errorf("audit entries of %s: more than %d since %s: export a range that starts later", room, maxRoomEntries, from.Format(time.RFC3339))
	}
	return out, nil
}
