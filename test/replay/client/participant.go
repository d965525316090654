package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
)

// recorder writes one JSON line per event. Events before t0 are held and written once t0 is known, so every
// line carries `t`, milliseconds since t0 (negative before it), and `at`, milliseconds since the Unix epoch.
type recorder struct {
	mu      sync.Mutex
	w       io.Writer
	t0      time.Time
	started bool
	held    []event
}

type event struct {
	at     time.Time
	fields map[string]any
}

func newRecorder(w io.Writer) *recorder { return &recorder{w: w} }

func (r *recorder) record(fields map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := event{at: time.Now(), fields: fields}
	if !r.started {
		r.held = append(r.held, e)
		return
	}
	r.write(e)
}

func (r *recorder) write(e event) {
	e.fields["t"] = float64(e.at.Sub(r.t0).Microseconds()) / 1000
	e.fields["at"] = e.at.UnixMilli()
	line, _ := json.Marshal(e.fields)
	_, _ = r.w.Write(append(line, '\n'))
}

// start fixes t0 (now) and writes the held events.
func (r *recorder) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.t0 = time.Now()
	r.started = true
	r.write(event{at: r.t0, fields: map[string]any{"event": "t0"}})
	for _, e := range r.held {
		r.write(e)
	}
	r.held = nil
}

// mark records a lifecycle event of the client itself.
func (r *recorder) mark(name string, fields map[string]any) {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["event"] = name
	r.record(fields)
}

// participant is one connected seat.
type participant struct {
	role       string
	room       *lksdk.Room
	mu         sync.Mutex
	published  map[string]string // track sid → name, of the tracks the readiness wait covers
	names      map[string]string // track sid → name, all
	subscribed map[string]bool
	changed    chan struct{}
	vision     chan struct{} // closed once the agent's stats show frames reaching every video analyser
	visionOnce sync.Once
}

// join connects `seat` and records every message it receives: data packets on any topic and text streams on
// the agent and transcription topics.
func (r *recorder) join(plan Plan, role string, seat Seat) (*participant, error) {
	p := &participant{
		role: role, published: map[string]string{}, names: map[string]string{}, subscribed: map[string]bool{},
		changed: make(chan struct{}, 16), vision: make(chan struct{}),
	}
	cb := lksdk.NewRoomCallback()
	cb.OnDataPacket = func(data lksdk.DataPacket, params lksdk.DataReceiveParams) {
		user, ok := data.(*lksdk.UserDataPacket)
		if !ok {
			return
		}
		if user.Topic == plan.AgentTopic {
			p.noteStats(user.Payload)
		}
		r.record(map[string]any{
			"event": "message", "to": role, "via": "packet", "topic": user.Topic,
			"from": params.SenderIdentity, "text": string(user.Payload),
		})
	}
	cb.OnLocalTrackSubscribed = func(pub *lksdk.LocalTrackPublication, _ *lksdk.LocalParticipant) {
		p.mu.Lock()
		first := !p.subscribed[pub.SID()]
		p.subscribed[pub.SID()] = true
		name := p.names[pub.SID()]
		p.mu.Unlock()
		if first {
			r.mark("subscribed", map[string]any{"track": name})
		}
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
	room := lksdk.NewRoom(cb)
	for _, topic := range []string{plan.AgentTopic, plan.TranscriptionTopic} {
		topic := topic
		err := room.RegisterTextStreamHandler(topic, func(reader *lksdk.TextStreamReader, from string) {
			go func() {
				text := reader.ReadAll()
				r.record(map[string]any{
					"event": "message", "to": role, "via": "stream", "topic": topic,
					"from": from, "text": text, "attributes": reader.Info.Attributes,
				})
			}()
		})
		if err != nil {
			return nil, err
		}
	}
	if err := room.JoinWithToken(plan.URL, seat.Token, lksdk.WithAutoSubscribe(false)); err != nil {
		return nil, err
	}
	p.room = room
	r.mark("joined", map[string]any{"role": role, "identity": seat.Identity})
	return p, nil
}

// watch notes a published track; `wait` makes waitSubscribed wait for its subscription by the agent.
func (p *participant) watch(sid, name string, wait bool) {
	p.mu.Lock()
	p.names[sid] = name
	if wait {
		p.published[sid] = name
	}
	p.mu.Unlock()
}

func (p *participant) missing() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for sid, name := range p.published {
		if !p.subscribed[sid] {
			out = append(out, name)
		}
	}
	return out
}

// waitSubscribed waits until someone (the agent: the other participant does not subscribe) subscribed to every
// published track of `p`.
func (p *participant) waitSubscribed(timeout time.Duration) error {
	deadline := time.After(timeout)
	for len(p.missing()) > 0 {
		select {
		case <-p.changed:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			return fmt.Errorf("the agent did not subscribe to %v within %s", p.missing(), timeout)
		}
	}
	return nil
}

func (p *participant) waitSubscribedQuietly(timeout time.Duration) bool {
	return p.waitSubscribed(timeout) == nil
}

// send publishes a reliable data packet on `topic` to `to`.
func (p *participant) send(topic, to string, payload []byte) error {
	return p.room.LocalParticipant.PublishDataPacket(
		&lksdk.UserDataPacket{Payload: payload},
		lksdk.WithDataPublishTopic(topic),
		lksdk.WithDataPublishReliable(true),
		lksdk.WithDataPublishDestination([]string{to}),
	)
}

// waitForAgent returns the identity of the participant whose `attribute` names the candidate: the agent
// analysing them.
func waitForAgent(room *lksdk.Room, attribute, candidate string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, rp := range room.GetRemoteParticipants() {
			if rp.Attributes()[attribute] == candidate {
				return rp.Identity(), nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("no agent analysing %s joined within %s", candidate, timeout)
}

// noteStats reads an agent message; a stats message whose video analysers all have frames opens `vision`.
func (p *participant) noteStats(payload []byte) {
	var stats struct {
		Type      string `json:"type"`
		Analysers []struct {
			Media    string `json:"media"`
			FramesIn int    `json:"framesIn"`
		} `json:"analysers"`
	}
	if json.Unmarshal(payload, &stats) != nil || stats.Type != "stats" {
		return
	}
	video, ready := 0, 0
	for _, a := range stats.Analysers {
		if a.Media == "video" {
			video++
			if a.FramesIn > 0 {
				ready++
			}
		}
	}
	if video > 0 && ready == video {
		p.visionOnce.Do(func() { close(p.vision) })
	}
}

// waitVisionRunning waits until the agent's stats show frames reaching every video analyser.
func (p *participant) waitVisionRunning(timeout time.Duration) error {
	select {
	case <-p.vision:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("the agent's video analysers got no frames within %s", timeout)
	}
}
