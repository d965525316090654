package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

// FuzzPlan is what the fuzz mode (-fuzz plan.json) sends: malformed and forged client messages from an
// interviewer and a candidate seat to the agent, as reliable data packets and text streams.
type FuzzPlan struct {
	URL         string `json:"url"`
	Interviewer Seat   `json:"interviewer"`
	Candidate   Seat   `json:"candidate"`
	// Agent is the identity of the agent participant every message is addressed to.
	Agent       string `json:"agent"`
	ClientTopic string `json:"clientTopic"`
	// Seed makes the corpus reproducible.
	Seed uint64 `json:"seed"`
	// Scale multiplies the per-category counts of the corpus (1: 10 130 messages the agent must reject).
	Scale float64 `json:"scale"`
	// Victim is the identity of the real candidate, named by forged consent messages.
	Victim string `json:"victim"`
	// Burst is how many messages go out back to back; PauseMs is the pause between bursts.
	Burst   int `json:"burst"`
	PauseMs int `json:"pauseMs"`
	// Gate makes the client print "joined" once both seats are in the room and wait for a line on its standard
	// input before sending: the agent drops packets of participants it does not know yet as from unknown senders.
	Gate bool `json:"gate"`
}

// FuzzReport is what the fuzz mode writes (JSON) once everything is sent.
type FuzzReport struct {
	// Rejected is how many messages the agent's inbox must reject (malformed, forged role, oversized, unfinished).
	Rejected int `json:"rejected"`
	// Accepted is how many schema-valid but odd messages it must accept (and then handle without failing).
	Accepted int `json:"accepted"`
	// OtherTopic is how many packets went to the agent on topics it does not read.
	OtherTopic int `json:"otherTopic"`
	// Invisible is how many packets never reach the agent's code as messages (orphan stream chunks, byte streams,
	// text streams on other topics): the SDK drops them.
	Invisible  int            `json:"invisible"`
	ByCategory map[string]int `json:"byCategory"`
	Bytes      int64          `json:"bytes"`
	SendErrors int            `json:"sendErrors"`
	DurationMs int64          `json:"durationMs"`
}

// expectation of a fuzz item at the agent.
type expectation int

const (
	expectRejected expectation = iota
	expectAccepted
	expectOtherTopic
	expectInvisible
)

// fuzzItem is one thing to send: a user packet, a whole text stream, or raw stream packets.
type fuzzItem struct {
	category string
	from     string // "interviewer" or "candidate"
	expect   expectation
	// via is how it travels: "packet", "stream" (the SDK's text stream), "raw-stream" (packet by packet) or "other"
	via     string
	topic   string
	payload []byte
	send    func(f *fuzzer, p *lksdk.Room) (int, error)
}

func (f *fuzzer) packetItem(from string, payload []byte, topic, forged string) fuzzItem {
	return fuzzItem{from: from, via: "packet", topic: topic, payload: payload, send: f.packet(payload, topic, forged)}
}

func (f *fuzzer) textItem(from, text, topic string) fuzzItem {
	return fuzzItem{from: from, via: "stream", topic: topic, payload: []byte(text), send: f.text(text, topic)}
}

func (f *fuzzer) rawItem(from string, content []byte, size *uint64, finish bool) fuzzItem {
	return fuzzItem{from: from, via: "raw-stream", topic: f.plan.ClientTopic, payload: content, send: f.rawStream(content, size, finish)}
}

// rawPacket publishes a DataPacket exactly as built (stream headers, chunks, trailers, forged identities).
type rawPacket struct{ p *livekit.DataPacket }

func (r rawPacket) ToProto() *livekit.DataPacket { return r.p }

type fuzzer struct {
	plan  FuzzPlan
	rng   *rand.Rand
	seats map[string]Seat
}

func newFuzzer(configPath string) (*fuzzer, error) {
	raw, err := os.ReadFile(configPath)
	if err != nil {
		return nil, err
	}
	var plan FuzzPlan
	if err := json.Unmarshal(raw, &plan); err != nil {
		return nil, fmt.Errorf("%s: %w", configPath, err)
	}
	if plan.Scale <= 0 {
		plan.Scale = 1
	}
	if plan.Burst <= 0 {
		plan.Burst = 100
	}
	return &fuzzer{
		plan:  plan,
		rng:   rand.New(rand.NewPCG(plan.Seed, plan.Seed^0x9e3779b97f4a7c15)),
		seats: map[string]Seat{"interviewer": plan.Interviewer, "candidate": plan.Candidate},
	}, nil
}

var expectations = map[expectation]string{
	expectRejected: "rejected", expectAccepted: "accepted", expectOtherTopic: "other-topic", expectInvisible: "invisible",
}

// dumpCorpus writes the corpus of a plan as JSON lines (payloads in base64) without connecting, for checking
// the corpus against the protocol's own decoder.
func dumpCorpus(configPath, outPath string) error {
	f, err := newFuzzer(configPath)
	if err != nil {
		return err
	}
	odd, rest := f.corpus()
	out, err := os.Create(outPath)
	if err != nil {
		return err
	}
	defer out.Close()
	enc := json.NewEncoder(out)
	for _, it := range append(odd, rest...) {
		err := enc.Encode(map[string]any{
			"category": it.category, "from": it.from, "expect": expectations[it.expect], "via": it.via,
			"topic": it.topic, "payload": it.payload,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func runFuzz(configPath, outPath string) error {
	f, err := newFuzzer(configPath)
	if err != nil {
		return err
	}
	plan := f.plan
	lksdk.SetLogger(logger.GetLogger().WithValues("client", "fuzz"))
	// As in the replay mode: holding UDP 5353 keeps pion's ICE agent from joining the mDNS multicast group.
	if guard, err := net.ListenUDP("udp4", &net.UDPAddr{Port: 5353}); err == nil {
		defer guard.Close()
	}
	rooms := map[string]*lksdk.Room{}
	for _, role := range []string{"interviewer", "candidate"} {
		room := lksdk.NewRoom(lksdk.NewRoomCallback())
		if err := room.JoinWithToken(plan.URL, f.seats[role].Token, lksdk.WithAutoSubscribe(false)); err != nil {
			return fmt.Errorf("%s join: %w", role, err)
		}
		defer room.Disconnect()
		rooms[role] = room
	}
	if plan.Gate {
		fmt.Println("joined")
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			return fmt.Errorf("waiting for the go-ahead: %w", err)
		}
	}
	report := FuzzReport{ByCategory: map[string]int{}}
	started := time.Now()
	// Schema-valid oddities go first, slowly, so no rate limit can turn them into rejections.
	odd, rest := f.corpus()
	send := func(items []fuzzItem, burst int, pause time.Duration) {
		for i, it := range items {
			n, err := it.send(f, rooms[it.from])
			report.Bytes += int64(n)
			if err != nil {
				report.SendErrors++
			}
			report.ByCategory[it.category]++
			switch it.expect {
			case expectRejected:
				report.Rejected++
			case expectAccepted:
				report.Accepted++
			case expectOtherTopic:
				report.OtherTopic++
			case expectInvisible:
				report.Invisible++
			}
			if burst > 0 && (i+1)%burst == 0 {
				time.Sleep(pause)
			}
		}
	}
	send(odd, 1, 50*time.Millisecond)
	send(rest, plan.Burst, time.Duration(plan.PauseMs)*time.Millisecond)
	// Give the reliable channels time to drain before leaving (leaving drops what is still buffered).
	time.Sleep(2 * time.Second)
	report.DurationMs = time.Since(started).Milliseconds()
	out, _ := json.MarshalIndent(report, "", "  ")
	if outPath == "" {
		_, err = os.Stdout.Write(append(out, '\n'))
		return err
	}
	return os.WriteFile(outPath, append(out, '\n'), 0o644)
}

// corpus builds every item: the schema-valid oddities, and the rest shuffled (categories interleaved).
func (f *fuzzer) corpus() (odd, rest []fuzzItem) {
	n := func(base int) int { return max(1, int(float64(base)*f.plan.Scale)) }
	add := func(to *[]fuzzItem, count int, category string, expect expectation, mk func(i int) fuzzItem) {
		for i := range count {
			it := mk(i)
			it.category, it.expect = category, expect
			*to = append(*to, it)
		}
	}
	who := func(i int) string { return []string{"interviewer", "candidate"}[i%2] }
	both := func(payload func() []byte) func(int) fuzzItem {
		return func(i int) fuzzItem { return f.packetItem(who(i), payload(), f.plan.ClientTopic, "") }
	}
	// packets the inbox must reject
	add(&rest, n(1500), "packet-invalid-json", expectRejected, both(f.invalidJSON))
	add(&rest, n(1500), "packet-wrong-types", expectRejected, both(f.wrongTypes))
	add(&rest, n(700), "packet-unknown-kind", expectRejected, both(f.unknownKind))
	add(&rest, n(500), "packet-bad-version", expectRejected, both(f.badVersion))
	add(&rest, n(1000), "packet-bad-utf8", expectRejected, both(f.badUTF8))
	add(&rest, n(1000), "packet-binary", expectRejected, both(f.binary))
	add(&rest, n(200), "packet-huge", expectRejected, both(func() []byte { return f.huge(15_000, 60_000) }))
	add(&rest, n(300), "packet-pathological-json", expectRejected, both(f.pathological))
	add(&rest, n(1000), "packet-forged-role", expectRejected, func(i int) fuzzItem {
		from, payload, forged := f.forgedRole(i)
		return f.packetItem(from, payload, f.plan.ClientTopic, forged)
	})
	// text streams the inbox must reject
	add(&rest, n(400), "stream-garbage", expectRejected, func(i int) fuzzItem {
		gens := []func() []byte{f.invalidJSON, f.wrongTypes, f.unknownKind, f.badVersion, f.pathological}
		return f.textItem(who(i), string(gens[i%len(gens)]()), f.plan.ClientTopic)
	})
	add(&rest, n(100), "stream-forged-role", expectRejected, func(i int) fuzzItem {
		from, payload, _ := f.forgedRole(i)
		return f.textItem(from, string(payload), f.plan.ClientTopic)
	})
	add(&rest, n(20), "stream-huge", expectRejected, func(i int) fuzzItem {
		return f.textItem(who(i), string(f.huge(300_000, 1_000_000)), f.plan.ClientTopic)
	})
	add(&rest, n(10), "stream-huge-undeclared", expectRejected, func(i int) fuzzItem {
		return f.rawItem(who(i), f.huge(300_000, 600_000), nil, true)
	})
	add(&rest, n(200), "stream-bad-utf8", expectRejected, func(i int) fuzzItem {
		return f.rawItem(who(i), f.badUTF8(), nil, true)
	})
	add(&rest, n(100), "stream-length-mismatch", expectRejected, func(i int) fuzzItem {
		size := uint64(f.rng.IntN(20))
		return f.rawItem(who(i), f.invalidJSON(), &size, true)
	})
	add(&rest, n(100), "stream-unfinished", expectRejected, func(i int) fuzzItem {
		return f.rawItem(who(i), []byte(`{"v":2,"type":"code","revision":1,"language":"go","text":"`), nil, false)
	})
	// a tight burst from one sender, well over any sane message rate
	burst := n(1500)
	rest = f.shuffle(rest)
	add(&rest, burst, "packet-burst", expectRejected, func(i int) fuzzItem {
		gens := []func() []byte{f.invalidJSON, f.wrongTypes, f.binary, f.badUTF8}
		return f.packetItem("candidate", gens[i%len(gens)](), f.plan.ClientTopic, "")
	})
	// traffic the agent does not read as client messages
	tail := []fuzzItem{}
	add(&tail, n(300), "packet-other-topic", expectOtherTopic, func(i int) fuzzItem {
		topics := []string{"", "chat", "lk.transcription", "interview-helper.v1.agent", "interview-helper.v2.client"}
		return f.packetItem(who(i), f.wrongTypes(), topics[i%len(topics)], "")
	})
	add(&tail, n(200), "stream-orphan-packets", expectInvisible, func(i int) fuzzItem {
		return fuzzItem{from: who(i), via: "other", send: f.orphan(i)}
	})
	add(&tail, n(50), "byte-stream-client-topic", expectInvisible, func(i int) fuzzItem {
		return fuzzItem{from: who(i), via: "other", send: f.bytes(f.binary(), f.plan.ClientTopic)}
	})
	add(&tail, n(50), "text-stream-other-topic", expectInvisible, func(i int) fuzzItem {
		return f.textItem(who(i), string(f.wrongTypes()), "interview-helper.v1.agent")
	})
	rest = append(rest, f.shuffle(tail)...)
	// schema-valid oddities: the inbox accepts them, what handles them must not fail
	add(&odd, 60, "valid-odd", expectAccepted, func(i int) fuzzItem {
		from, payload := f.oddValid(i)
		return f.packetItem(from, payload, f.plan.ClientTopic, "")
	})
	return odd, rest
}

func (f *fuzzer) shuffle(items []fuzzItem) []fuzzItem {
	f.rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	return items
}

// packet sends `payload` as a reliable user packet on `topic`; `forged` is written into the packet's sender fields.
func (f *fuzzer) packet(payload []byte, topic, forged string) func(*fuzzer, *lksdk.Room) (int, error) {
	return func(f *fuzzer, room *lksdk.Room) (int, error) {
		user := &livekit.UserPacket{Payload: payload}
		if topic != "" {
			user.Topic = &topic
		}
		dp := &livekit.DataPacket{Value: &livekit.DataPacket_User{User: user}}
		if forged != "" {
			dp.ParticipantIdentity = forged
			//lint:ignore SA1019 the deprecated field is forged too
			user.ParticipantIdentity = forged
		}
		return len(payload), room.LocalParticipant.PublishDataPacket(rawPacket{dp},
			lksdk.WithDataPublishReliable(true), lksdk.WithDataPublishDestination([]string{f.plan.Agent}))
	}
}

// text sends a whole text stream with the SDK's writer (header with the size, chunks, trailer).
func (f *fuzzer) text(text, topic string) func(*fuzzer, *lksdk.Room) (int, error) {
	return func(f *fuzzer, room *lksdk.Room) (int, error) {
		room.LocalParticipant.SendText(text, lksdk.StreamTextOptions{
			Topic: topic, DestinationIdentities: []string{f.plan.Agent},
		})
		return len(text), nil
	}
}

// bytes sends a byte stream.
func (f *fuzzer) bytes(data []byte, topic string) func(*fuzzer, *lksdk.Room) (int, error) {
	return func(f *fuzzer, room *lksdk.Room) (int, error) {
		w := room.LocalParticipant.StreamBytes(lksdk.StreamBytesOptions{
			Topic: topic, DestinationIdentities: []string{f.plan.Agent}, MimeType: "application/octet-stream",
		})
		done := make(chan struct{})
		onDone := func() { close(done) }
		w.Write(data, &onDone)
		<-done
		w.Close()
		return len(data), nil
	}
}

// rawStream sends a text stream packet by packet: any bytes as chunks (invalid UTF-8 included), an announced
// size that may not match, and no trailer when `finish` is false.
func (f *fuzzer) rawStream(content []byte, size *uint64, finish bool) func(*fuzzer, *lksdk.Room) (int, error) {
	return func(f *fuzzer, room *lksdk.Room) (int, error) {
		id := uuid.NewString()
		publish := func(dp *livekit.DataPacket) error {
			return room.LocalParticipant.PublishDataPacket(rawPacket{dp},
				lksdk.WithDataPublishReliable(true), lksdk.WithDataPublishDestination([]string{f.plan.Agent}))
		}
		header := &livekit.DataStream_Header{
			StreamId: id, MimeType: "text/plain", Topic: f.plan.ClientTopic, Timestamp: time.Now().UnixMilli(),
			TotalLength: size,
			ContentHeader: &livekit.DataStream_Header_TextHeader{
				TextHeader: &livekit.DataStream_TextHeader{OperationType: livekit.DataStream_CREATE},
			},
		}
		if err := publish(&livekit.DataPacket{Value: &livekit.DataPacket_StreamHeader{StreamHeader: header}}); err != nil {
			return 0, err
		}
		for i := 0; i*streamChunk < len(content); i++ {
			chunk := content[i*streamChunk : min(len(content), (i+1)*streamChunk)]
			err := publish(&livekit.DataPacket{Value: &livekit.DataPacket_StreamChunk{StreamChunk: &livekit.DataStream_Chunk{
				StreamId: id, ChunkIndex: uint64(i), Content: chunk,
			}}})
			if err != nil {
				return 0, err
			}
		}
		if !finish {
			return len(content), nil
		}
		return len(content), publish(&livekit.DataPacket{Value: &livekit.DataPacket_StreamTrailer{
			StreamTrailer: &livekit.DataStream_Trailer{StreamId: id},
		}})
	}
}

// streamChunk is the chunk size of raw streams (the SDK's own is 15 000 bytes).
const streamChunk = 15_000

// orphan sends a stream chunk or trailer of a stream that was never opened.
func (f *fuzzer) orphan(i int) func(*fuzzer, *lksdk.Room) (int, error) {
	return func(f *fuzzer, room *lksdk.Room) (int, error) {
		id := uuid.NewString()
		dp := &livekit.DataPacket{Value: &livekit.DataPacket_StreamChunk{StreamChunk: &livekit.DataStream_Chunk{
			StreamId: id, ChunkIndex: uint64(f.rng.IntN(5)), Content: f.binary(),
		}}}
		if i%2 == 1 {
			dp = &livekit.DataPacket{Value: &livekit.DataPacket_StreamTrailer{StreamTrailer: &livekit.DataStream_Trailer{StreamId: id, Reason: "x"}}}
		}
		return 0, room.LocalParticipant.PublishDataPacket(rawPacket{dp},
			lksdk.WithDataPublishReliable(true), lksdk.WithDataPublishDestination([]string{f.plan.Agent}))
	}
}
