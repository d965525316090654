package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeIVF writes a VP8 IVF file with timebase 1/fps and one byte per frame: a key frame (0x10) every `gop`
// frames, inter frames (0x11) between.
func writeIVF(t *testing.T, frames, fps, gop int) string {
	t.Helper()
	return writeSizedIVF(t, frames, fps, gop, 640, 480)
}

// writeSizedIVF is writeIVF with the frame size in the header.
func writeSizedIVF(t *testing.T, frames, fps, gop int, width, height uint16) string {
	t.Helper()
	header := make([]byte, 32)
	copy(header, "DKIF")
	binary.LittleEndian.PutUint16(header[6:], 32)
	copy(header[8:], "VP80")
	binary.LittleEndian.PutUint16(header[12:], width)
	binary.LittleEndian.PutUint16(header[14:], height)
	binary.LittleEndian.PutUint32(header[16:], uint32(fps))
	binary.LittleEndian.PutUint32(header[20:], 1)
	binary.LittleEndian.PutUint32(header[24:], uint32(frames))
	out := header
	for i := 0; i < frames; i++ {
		frame := make([]byte, 13)
		binary.LittleEndian.PutUint32(frame, 1)
		binary.LittleEndian.PutUint64(frame[4:], uint64(i))
		frame[12] = 0x11
		if i%gop == 0 {
			frame[12] = 0x10
		}
		out = append(out, frame...)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("camera-%dx%d.ivf", width, height))
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIVFFramesLastOneFrameInterval(t *testing.T) {
	p, err := newFileProvider(writeIVF(t, 30, 15, 15))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.OnBind(); err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for i := 0; i < 30; i++ {
		s, err := p.NextSample(context.Background())
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if s.Duration < 66*time.Millisecond || s.Duration > 67*time.Millisecond {
			t.Fatalf("frame %d lasts %s, want 1/15 s", i, s.Duration)
		}
		total += s.Duration
	}
	if total < 1990*time.Millisecond || total > 2010*time.Millisecond {
		t.Fatalf("30 frames at 15 fps last %s, want 2 s", total)
	}
}

func TestCameraLoopsItsFirstSecondUntilCued(t *testing.T) {
	cue := make(chan struct{})
	started := 0
	g, err := newGatedTrack("camera", writeIVF(t, 45, 15, 15), nil, cue, func() { started++ })
	if err != nil {
		t.Fatal(err)
	}
	p := g.provider
	if err := p.OnBind(); err != nil {
		t.Fatal(err)
	}
	if len(p.preroll) != 15 {
		t.Fatalf("pre-roll holds %d frames, want the first group of 15", len(p.preroll))
	}
	for i := 0; i < 40; i++ {
		s, _ := p.NextSample(context.Background())
		if key := s.Data[0]&1 == 0; key != (i%15 == 0) {
			t.Fatalf("pre-roll frame %d: key frame %v", i, key)
		}
	}
	if started != 0 {
		t.Fatal("started before the cue")
	}
	close(cue)
	for i := 0; i < 45; i++ {
		s, err := p.NextSample(context.Background())
		if err != nil {
			t.Fatalf("file frame %d: %v", i, err)
		}
		if key := s.Data[0]&1 == 0; key != (i%15 == 0) {
			t.Fatalf("file frame %d: key frame %v", i, key)
		}
	}
	if started != 1 {
		t.Fatalf("started %d times, want once with the file's first frame", started)
	}
	if _, err := p.NextSample(context.Background()); err == nil {
		t.Fatal("no end of file after 45 frames")
	}
}

func TestSimulcastCameraOrdersItsLayersFromTheSmallest(t *testing.T) {
	full := writeSizedIVF(t, 30, 30, 30, 640, 480)
	low := writeSizedIVF(t, 15, 15, 15, 320, 240)
	cue := make(chan struct{})
	layers, err := newSimulcastCamera("camera", []string{full, low}, nil, cue, func() {})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range layers {
		got = append(got, g.name+"/"+g.track.RID())
	}
	if want := "camera-320x240/q camera-640x480/h"; fmt.Sprint(got) != "["+want+"]" {
		t.Fatalf("layers %v, want [%s]", got, want)
	}
	if layers[0].track.ID() != layers[1].track.ID() {
		t.Fatalf("layers of one camera must share a track id: %s, %s", layers[0].track.ID(), layers[1].track.ID())
	}
	if _, err := newSimulcastCamera("camera", []string{full}, nil, cue, func() {}); err == nil {
		t.Fatal("one layer accepted as simulcast")
	}
	ogg := filepath.Join(t.TempDir(), "mic.ogg")
	if err := os.WriteFile(ogg, []byte("OggS"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := newSimulcastCamera("camera", []string{full, ogg}, nil, cue, func() {}); err == nil {
		t.Fatal("a non-IVF layer accepted")
	}
}
