package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/livekit/server-sdk-go/v2/pkg/oggreader"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
)

// fileProvider plays a VP8 IVF or Opus OGG file at its own pace, the way lksdk.NewLocalFileTrack does,
// except that the file starts only when the scenario starts (t0). A microphone stays silent until then (its
// track starts writing at t0). A camera shows its first second (the file's first group of pictures, looped) until
// then: livekit-server offers a video track only once packets flow, and the agent's vision must be running at t0.
type fileProvider struct {
	path  string
	mime  string
	file  *os.File
	ivf   *ivfreader.IVFReader
	base  float64 // IVF timebase, seconds per pts tick
	last  float64 // pts of the previous frame
	first bool
	ogg   *oggreader.OggReader
	level uint8
	// camera pre-roll until `start` closes; `started` is called with the first frame of the file
	start   <-chan struct{}
	playing bool
	preroll []media.Sample
	next    int
	started func()
}

func newFileProvider(path string) (*fileProvider, error) {
	p := &fileProvider{path: path, level: 30}
	switch filepath.Ext(path) {
	case ".ivf":
		p.mime = webrtc.MimeTypeVP8
	case ".ogg", ".opus":
		p.mime = webrtc.MimeTypeOpus
	default:
		return nil, fmt.Errorf("%s: only VP8 IVF (.ivf) and Opus OGG (.ogg) files can be published", path)
	}
	return p, nil
}

func (p *fileProvider) clockRate() uint32 {
	if p.mime == webrtc.MimeTypeOpus {
		return 48000
	}
	return 90000
}

// OnBind opens the file and reads its header; a file that cannot be read is named in the error.
func (p *fileProvider) OnBind() error {
	if p.file != nil {
		return nil
	}
	f, err := os.Open(p.path)
	if err != nil {
		return err
	}
	p.file = f
	if p.mime == webrtc.MimeTypeVP8 {
		reader, header, err := ivfreader.NewWith(f)
		if err != nil {
			return fmt.Errorf("%s: %w", p.path, err)
		}
		if header.FourCC != "VP80" {
			return fmt.Errorf("%s: IVF codec %q, expected VP80", p.path, header.FourCC)
		}
		p.ivf, p.first = reader, true
		p.base = float64(header.TimebaseNumerator) / float64(header.TimebaseDenominator)
		if p.start != nil {
			return p.loadPreroll()
		}
		return nil
	}
	reader, _, err := oggreader.NewOggReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	p.ogg = reader
	return nil
}

func (p *fileProvider) OnUnbind() error { return nil }

func (p *fileProvider) Close() error {
	if p.file != nil {
		return p.file.Close()
	}
	return nil
}

func (p *fileProvider) CurrentAudioLevel() uint8 { return p.level }

// loadPreroll keeps the file's first group of pictures (up to the second key frame) and rewinds the file.
func (p *fileProvider) loadPreroll() error {
	for len(p.preroll) < 300 {
		sample, err := p.nextFrame()
		if err != nil || (len(p.preroll) > 0 && len(sample.Data) > 0 && sample.Data[0]&1 == 0) {
			break
		}
		p.preroll = append(p.preroll, sample)
	}
	if len(p.preroll) == 0 {
		return fmt.Errorf("%s: no frames", p.path)
	}
	if _, err := p.file.Seek(0, 0); err != nil {
		return err
	}
	reader, _, err := ivfreader.NewWith(p.file)
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	p.ivf, p.last, p.first = reader, 0, true
	return nil
}

// NextSample returns the next frame (IVF) or Opus packet (OGG) with its duration; io.EOF at the end.
func (p *fileProvider) NextSample(ctx context.Context) (media.Sample, error) {
	s, err := p.nextSample(ctx)
	if debug && err == nil {
		fmt.Fprintf(os.Stderr, "%s %s %d bytes %s playing=%v\n", time.Now().Format("15:04:05.000"), filepath.Base(p.path), len(s.Data), s.Duration, p.playing)
	}
	return s, err
}

var debug = os.Getenv("REPLAY_CLIENT_DEBUG") != ""

func (p *fileProvider) nextSample(context.Context) (media.Sample, error) {
	if p.preroll != nil && !p.playing {
		select {
		case <-p.start:
			p.playing = true
			if p.started != nil {
				p.started()
			}
		default:
			s := p.preroll[p.next%len(p.preroll)]
			p.next++
			return s, nil
		}
	}
	if p.ivf != nil {
		return p.nextFrame()
	}
	return p.nextPacket()
}

func (p *fileProvider) nextFrame() (media.Sample, error) {
	frame, header, err := p.ivf.ParseNextFrame()
	if err != nil {
		return media.Sample{}, err
	}
	// Pion's reader scales the frame's pts by 1/timebase (Timestamp = pts·den/num), so back to pts first.
	pts := float64(header.Timestamp) * p.base
	ticks := pts - p.last
	if p.first {
		// a sample's duration is the wait after it: the first frame lasts one frame interval too
		ticks = max(1, 1/(30*p.base))
		p.first = false
	}
	p.last = pts
	return media.Sample{Data: frame, Duration: time.Duration(ticks * p.base * float64(time.Second))}, nil
}

func (p *fileProvider) nextPacket() (media.Sample, error) {
	for {
		packet, err := p.ogg.ReadPacket()
		if err != nil {
			return media.Sample{}, err
		}
		// the OpusTags page may follow the OpusHead page: not audio
		if len(packet) >= 8 && string(packet[:8]) == "OpusTags" {
			continue
		}
		d, err := oggreader.ParsePacketDuration(packet)
		if err != nil {
			return media.Sample{}, fmt.Errorf("%s: %w", p.path, err)
		}
		return media.Sample{Data: packet, Duration: d}, nil
	}
}

// gatedTrack is a published file whose playback starts when `start` closes; `bound` closes when the track
// has been negotiated and `done` when the file has been played to its end.
type gatedTrack struct {
	name     string
	track    *lksdk.LocalTrack
	provider *fileProvider
	bound    chan struct{}
	done     chan struct{}
	err      chan error
}

// newGatedTrack makes the track of a file: a microphone starts writing when `start` closes; a camera writes its
// pre-roll at once, and its file from the first frame after `cue` closes, calling `started` with that frame.
// `opts` are passed to the track (a simulcast layer: lksdk.WithSimulcast).
func newGatedTrack(name, path string, start, cue <-chan struct{}, started func(), opts ...lksdk.LocalTrackOptions) (*gatedTrack, error) {
	provider, err := newFileProvider(path)
	if err != nil {
		return nil, err
	}
	video := provider.mime == webrtc.MimeTypeVP8
	if video {
		provider.start, provider.started = cue, started
	}
	track, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{MimeType: provider.mime, ClockRate: provider.clockRate()}, opts...)
	if err != nil {
		return nil, err
	}
	g := &gatedTrack{
		name: name, track: track, provider: provider,
		bound: make(chan struct{}), done: make(chan struct{}), err: make(chan error, 1),
	}
	bound := false
	track.OnBind(func() {
		if bound {
			return
		}
		bound = true
		close(g.bound)
		if !video {
			<-start
		}
		if err := track.StartWrite(provider, func() { close(g.done) }); err != nil {
			g.err <- fmt.Errorf("%s: %w", name, err)
		}
	})
	return g, nil
}

// ivfSize reads the frame size from a VP8 IVF file's header.
func ivfSize(path string) (width, height uint32, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	_, header, err := ivfreader.NewWith(f)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if header.FourCC != "VP80" {
		return 0, 0, fmt.Errorf("%s: IVF codec %q, expected VP80", path, header.FourCC)
	}
	return uint32(header.Width), uint32(header.Height), nil
}

// simulcastQualities names the layers of a simulcast camera, lowest first, as livekit-client does for two
// layers (q, h) and three (q, h, f).
var simulcastQualities = []livekit.VideoQuality{livekit.VideoQuality_LOW, livekit.VideoQuality_MEDIUM, livekit.VideoQuality_HIGH}

// newSimulcastCamera makes one gated track per layer of a simulcast camera: `paths` are VP8 IVF files of the
// same picture at different sizes (any order); each layer's size is read from its file and the layers are
// ordered from the smallest. Every layer plays its pre-roll until `cue` closes, like a single camera.
func newSimulcastCamera(name string, paths []string, start, cue <-chan struct{}, started func()) ([]*gatedTrack, error) {
	if len(paths) < 2 || len(paths) > len(simulcastQualities) {
		return nil, fmt.Errorf("%s: a simulcast camera has 2 or 3 layers, got %d", name, len(paths))
	}
	type layer struct {
		path          string
		width, height uint32
	}
	layers := make([]layer, 0, len(paths))
	for _, path := range paths {
		w, h, err := ivfSize(path)
		if err != nil {
			return nil, err
		}
		layers = append(layers, layer{path, w, h})
	}
	sort.Slice(layers, func(i, j int) bool { return layers[i].width < layers[j].width })
	id := "camera-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var tracks []*gatedTrack
	for i, l := range layers {
		video := &livekit.VideoLayer{Quality: simulcastQualities[i], Width: l.width, Height: l.height}
		g, err := newGatedTrack(fmt.Sprintf("%s-%dx%d", name, l.width, l.height), l.path, start, cue, started, lksdk.WithSimulcast(id, video))
		if err != nil {
			return nil, err
		}
		tracks = append(tracks, g)
	}
	return tracks, nil
}
