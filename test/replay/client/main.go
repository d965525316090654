// Command replay-client plays an interview scenario into a LiveKit room as two independent participants and
// records what they receive.
//
//	replay-client -config plan.json -out events.jsonl
//	replay-client -fuzz fuzz.json -out report.json    (malformed and forged client messages; see fuzz.go)
//
// The candidate publishes a VP8 IVF camera and an Opus OGG microphone and sends code-pad updates to the
// agent; the interviewer publishes an Opus OGG microphone and may send session settings. Both record every
// data packet and text stream they receive. All media starts at one instant, t0, once every track is
// negotiated and the agent has subscribed to the candidate's tracks. Each line of the output is one JSON
// event whose `t` is milliseconds since t0.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

// protocolVersion is the `v` of every protocol message; it must equal PROTOCOL_VERSION in protocol/src/common.ts.
const protocolVersion = 2

// Plan is what the runner asks the client to do (the JSON file given with -config).
type Plan struct {
	URL         string       `json:"url"`
	Candidate   Seat         `json:"candidate"`
	Interviewer Seat         `json:"interviewer"`
	Code        []CodeUpdate `json:"code"`
	// Settings is a client message the interviewer sends to the agent before t0 (e.g. trigger overrides).
	Settings json.RawMessage `json:"settings,omitempty"`
	// DurationMs is how long after t0 the client keeps listening (media length plus a tail).
	DurationMs int `json:"durationMs"`
	// ReadyTimeoutMs bounds the wait for the agent and for track negotiation.
	ReadyTimeoutMs       int    `json:"readyTimeoutMs"`
	AgentTopic           string `json:"agentTopic"`
	ClientTopic          string `json:"clientTopic"`
	TranscriptionTopic   string `json:"transcriptionTopic"`
	CandidateAttribute   string `json:"candidateAttribute"`
	InterviewerMicWaitMs int    `json:"interviewerMicWaitMs"`

	// Interviewer2 is an optional silent second interviewer; what reaches it is recorded as "interviewer-2".
	Interviewer2 *Seat `json:"interviewer2,omitempty"`
}

// Seat is one participant: its token and identity and the files it publishes.
type Seat struct {
	Token    string `json:"token"`
	Identity string `json:"identity"`
	Camera   string `json:"camera,omitempty"`
	// CameraLayers are lower simulcast layers of Camera (VP8 IVF files of the same picture, smaller): with them the
	// camera is published as one simulcast track of Camera plus these layers.
	CameraLayers []string `json:"cameraLayers,omitempty"`
	Mic          string   `json:"mic,omitempty"`
}

// CodeUpdate is one code-pad revision the candidate sends at AtMs after t0.
type CodeUpdate struct {
	AtMs     int    `json:"atMs"`
	Revision int    `json:"revision"`
	Language string `json:"language"`
	Text     string `json:"text"`
}

func main() {
	config := flag.String("config", "", "plan JSON file")
	out := flag.String("out", "", "events JSON-lines file (default stdout); the report in fuzz mode")
	fuzz := flag.String("fuzz", "", "fuzz plan JSON file: send malformed and forged client messages (see fuzz.go)")
	dump := flag.Bool("dump", false, "with -fuzz: write the corpus as JSON lines to -out instead of sending it")
	flag.Parse()
	var err error
	if *fuzz != "" && *dump {
		err = dumpCorpus(*fuzz, *out)
	} else if *fuzz != "" {
		err = runFuzz(*fuzz, *out)
	} else {
		err = run(*config, *out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay-client:", err)
		os.Exit(1)
	}
}

func run(configPath, outPath string) error {
	raw, err := os.ReadFile(configPath)
	if err != nil {
		return err
	}
	var plan Plan
	if err := json.Unmarshal(raw, &plan); err != nil {
		return fmt.Errorf("%s: %w", configPath, err)
	}
	sink := os.Stdout
	if outPath != "" {
		if sink, err = os.Create(outPath); err != nil {
			return err
		}
		defer sink.Close()
	}
	lksdk.SetLogger(logger.GetLogger().WithValues("client", "replay"))
	// Pion's ICE agent opens an mDNS responder on UDP 5353 and joins its multicast group unless the port is
	// taken (it then continues without mDNS). Holding the port keeps this client to unicast traffic only.
	if guard, err := net.ListenUDP("udp4", &net.UDPAddr{Port: 5353}); err == nil {
		defer guard.Close()
	}
	rec := newRecorder(sink)
	ready := time.Duration(plan.ReadyTimeoutMs) * time.Millisecond

	interviewer, err := rec.join(plan, "interviewer", plan.Interviewer)
	if err != nil {
		return fmt.Errorf("interviewer join: %w", err)
	}
	defer interviewer.room.Disconnect()
	if plan.Interviewer2 != nil {
		second, err := rec.join(plan, "interviewer-2", *plan.Interviewer2)
		if err != nil {
			return fmt.Errorf("second interviewer join: %w", err)
		}
		defer second.room.Disconnect()
	}
	candidate, err := rec.join(plan, "candidate", plan.Candidate)
	if err != nil {
		return fmt.Errorf("candidate join: %w", err)
	}
	defer candidate.room.Disconnect()

	agent, err := waitForAgent(candidate.room, plan.CandidateAttribute, plan.Candidate.Identity, ready)
	if err != nil {
		return err
	}
	rec.mark("agent", map[string]any{"identity": agent})

	// The camera leaves its pre-roll at its next frame after `cue` closes; that frame is t0, and the microphones
	// start with it (`start`). Without a camera, t0 is `cue`.
	cue, start := make(chan struct{}), make(chan struct{})
	var startOnce sync.Once
	begin := func() { startOnce.Do(func() { rec.start(); close(start) }) }
	var tracks []*gatedTrack
	// publish sends one file as a track, or with `layers` (lower simulcast layers of the same picture) one
	// simulcast camera.
	publish := func(p *participant, name, path string, source livekit.TrackSource, layers ...string) error {
		if path == "" {
			return nil
		}
		opts := &lksdk.TrackPublicationOptions{Name: name, Source: source}
		var gs []*gatedTrack
		var pub *lksdk.LocalTrackPublication
		if len(layers) == 0 {
			g, err := newGatedTrack(name, path, start, cue, begin)
			if err != nil {
				return err
			}
			gs = []*gatedTrack{g}
			if pub, err = p.room.LocalParticipant.PublishTrack(g.track, opts); err != nil {
				return fmt.Errorf("publish %s (%s): %w", name, path, err)
			}
		} else {
			var err error
			if gs, err = newSimulcastCamera(name, append([]string{path}, layers...), start, cue, begin); err != nil {
				return err
			}
			local := make([]*lksdk.LocalTrack, len(gs))
			for i, g := range gs {
				local[i] = g.track
			}
			if pub, err = p.room.LocalParticipant.PublishSimulcastTrack(local, opts); err != nil {
				return fmt.Errorf("publish %s (simulcast, %s): %w", name, path, err)
			}
		}
		// livekit-server offers a video track to subscribers only once its first packets arrived: the readiness
		// wait covers the microphones, the camera's subscription is recorded when it comes.
		p.watch(pub.SID(), name, source == livekit.TrackSource_MICROPHONE)
		tracks = append(tracks, gs...)
		return nil
	}
	if err := publish(candidate, "candidate-camera", plan.Candidate.Camera, livekit.TrackSource_CAMERA, plan.Candidate.CameraLayers...); err != nil {
		return err
	}
	if err := publish(candidate, "candidate-mic", plan.Candidate.Mic, livekit.TrackSource_MICROPHONE); err != nil {
		return err
	}
	if err := publish(interviewer, "interviewer-mic", plan.Interviewer.Mic, livekit.TrackSource_MICROPHONE); err != nil {
		return err
	}
	deadline := time.After(ready)
	for _, g := range tracks {
		select {
		case <-g.bound:
		case <-deadline:
			return fmt.Errorf("track %s was not negotiated within %s", g.name, ready)
		}
	}
	// The agent must be listening before the scenario starts; it subscribes to the candidate's microphone at once
	// and to the interviewer's only when it transcribes interviewers.
	if err := candidate.waitSubscribed(ready); err != nil {
		return err
	}
	if !interviewer.waitSubscribedQuietly(time.Duration(plan.InterviewerMicWaitMs) * time.Millisecond) {
		rec.mark("notice", map[string]any{"text": "the agent did not subscribe to the interviewer's microphone"})
	}
	// ...and its vision must be running: the camera's first second plays until the agent's stats show frames
	// reaching every video analyser (its models load when the job starts).
	if plan.Candidate.Camera != "" {
		if err := interviewer.waitVisionRunning(ready); err != nil {
			return err
		}
	}
	if len(plan.Settings) > 0 {
		if err := interviewer.send(plan.ClientTopic, agent, plan.Settings); err != nil {
			return fmt.Errorf("settings: %w", err)
		}
	}

	close(cue)
	if plan.Candidate.Camera == "" {
		begin()
	}
	<-start
	for _, c := range plan.Code {
		go func(c CodeUpdate) {
			time.Sleep(time.Until(rec.t0.Add(time.Duration(c.AtMs) * time.Millisecond)))
			msg, _ := json.Marshal(map[string]any{"v": protocolVersion, "type": "code", "revision": c.Revision, "language": c.Language, "text": c.Text})
			if err := candidate.send(plan.ClientTopic, agent, msg); err != nil {
				rec.mark("error", map[string]any{"text": "code update: " + err.Error()})
				return
			}
			rec.mark("sent", map[string]any{"kind": "code", "revision": c.Revision})
		}(c)
	}
	end := time.After(time.Duration(plan.DurationMs) * time.Millisecond)
	for _, g := range tracks {
		go func(g *gatedTrack) {
			select {
			case <-g.done:
				rec.mark("media-end", map[string]any{"track": g.name})
			case err := <-g.err:
				rec.mark("error", map[string]any{"text": err.Error()})
			}
		}(g)
	}
	<-end
	rec.mark("end", nil)
	return nil
}
