package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// onlineTimeout bounds the wait for boxes to show online at the hub.
const onlineTimeout = 20 * time.Second

var apiClient = &http.Client{Timeout: 10 * time.Second}

// createRoom adds a room through the hub's API, as an operator would.
func createRoom(ctx context.Context, hubURL, id, name string) error {
	body, _ := json.Marshal(map[string]string{"id": id, "name": name})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hubURL+"/api/v1/rooms", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := apiClient.Do(req)
	if err != nil {
		return fmt.Errorf("create room %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("create room %s: %s: %s", id, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// waitOnline polls the hub's room list until every room in ids is online.
// A box shows online after its first status message, which it sends after
// subscribing to its commands, so from then on a live command reaches it.
func waitOnline(ctx context.Context, hubURL string, ids []string) error {
	ctx, cancel := context.WithTimeout(ctx, onlineTimeout)
	defer cancel()
	for {
		online, err := onlineRooms(ctx, hubURL)
		missing := 0
		for _, id := range ids {
			if !online[id] {
				missing++
			}
		}
		if err == nil && missing == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d rooms not online at the hub (last error %v): %w", missing, len(ids), err, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func onlineRooms(ctx context.Context, hubURL string) (map[string]bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hubURL+"/api/v1/rooms", nil)
	if err != nil {
		return nil, err
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var rooms []struct {
		ID     string `json:"id"`
		Online bool   `json:"online"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rooms); err != nil {
		return nil, fmt.Errorf("room list: %w", err)
	}
	out := make(map[string]bool, len(rooms))
	for _, r := range rooms {
		out[r.ID] = r.Online
	}
	return out, nil
}
