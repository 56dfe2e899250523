package bench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// onlineTimeout bounds the wait for boxes to show online at the hub.
const onlineTimeout = 20 * time.Second

var apiClient = &http.Client{Timeout: 10 * time.Second}

// createRoom adds a room through the hub's API, as an operator would, and
// enrolls a new box key for it with the token the hub gives, as a box would.
func createRoom(ctx context.Context, hubURL, token, id, name string) (protocol.Signer, error) {
	var created struct {
		Token string `json:"token"`
	}
	if err := postJSON(ctx, hubURL+"/api/v1/rooms", token, map[string]string{"id": id, "name": name}, http.StatusCreated, &created); err != nil {
		return nil, fmt.Errorf("create room %s: %w", id, err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer := protocol.Ed25519Signer{Key: key}
	req := map[string]string{"token": created.Token, "public_key": signer.PublicKey().String()}
	if err := postJSON(ctx, hubURL+"/api/v1/enroll", "", req, http.StatusOK, nil); err != nil {
		return nil, fmt.Errorf("enroll a box for room %s: %w", id, err)
	}
	return signer, nil
}

// postJSON POSTs v and decodes the answer into out, if given.
func postJSON(ctx context.Context, url, token string, v any, want int, out any) error {
	body, _ := json.Marshal(v)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != want {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// waitOnline polls the hub's room list until every room in ids is online.
// A box shows online after its first status message, which it sends after
// subscribing to its commands, so from then on a live command reaches it.
func waitOnline(ctx context.Context, hubURL, token string, ids []string) error {
	ctx, cancel := context.WithTimeout(ctx, onlineTimeout)
	defer cancel()
	for {
		online, err := onlineRooms(ctx, hubURL, token)
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

func onlineRooms(ctx context.Context, hubURL, token string) (map[string]bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hubURL+"/api/v1/rooms", nil)
	req.Header.Set("Authorization", "Bearer "+token)
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
