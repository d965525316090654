package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/livekit/server-sdk-go/v2/pkg/oggreader"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
)

// fileProvider plays a VP8 IVF or Opus OGG file at its own pace, the way lksdk.NewLocalFileTrack does,
// except that it starts only when the scenario starts: the track calls StartWrite once it is bound and the
// start gate is open, so camera and microphones of both participants begin at the same instant (t0).
type fileProvider struct {
	path  string
	mime  string
	file  *os.File
	ivf   *ivfreader.IVFReader
	base  float64 // IVF timebase, seconds per tick
	last  uint64
	ogg   *oggreader.OggReader
	level uint8
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
		p.ivf = reader
		p.base = float64(header.TimebaseNumerator) / float64(header.TimebaseDenominator)
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

// NextSample returns the next frame (IVF) or Opus packet (OGG) with its duration; io.EOF at the end.
func (p *fileProvider) NextSample(context.Context) (media.Sample, error) {
	if p.ivf != nil {
		frame, header, err := p.ivf.ParseNextFrame()
		if err != nil {
			return media.Sample{}, err
		}
		delta := header.Timestamp - p.last
		p.last = header.Timestamp
		return media.Sample{Data: frame, Duration: time.Duration(p.base * float64(delta) * float64(time.Second))}, nil
	}
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

func newGatedTrack(name, path string, start <-chan struct{}) (*gatedTrack, error) {
	provider, err := newFileProvider(path)
	if err != nil {
		return nil, err
	}
	track, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{MimeType: provider.mime, ClockRate: provider.clockRate()})
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
		<-start
		if err := track.StartWrite(provider, func() { close(g.done) }); err != nil {
			g.err <- fmt.Errorf("%s: %w", name, err)
		}
	})
	return g, nil
}
