package main

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

func testFuzzer(t *testing.T, seed uint64) *fuzzer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fuzz.json")
	plan := `{"agent":"agent-1","clientTopic":"c","seed":` + string(rune('0'+seed)) + `,` +
		`"interviewer":{"identity":"ivy"},"candidate":{"identity":"cam"},"victim":"real"}`
	if err := os.WriteFile(path, []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := newFuzzer(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCorpusSizeAndDeterminism(t *testing.T) {
	count := func(seed uint64) (rejected int, firstPayload string) {
		odd, rest := testFuzzer(t, seed).corpus()
		for _, it := range rest {
			if it.expect == expectRejected {
				rejected++
			}
		}
		if len(odd) == 0 {
			t.Fatal("no schema-valid oddities")
		}
		return rejected, string(rest[0].payload)
	}
	n1, p1 := count(1)
	n2, p2 := count(1)
	_, p3 := count(2)
	if n1 < 10_000 {
		t.Fatalf("only %d messages to reject", n1)
	}
	if n1 != n2 || p1 != p2 {
		t.Fatal("the same seed gave another corpus")
	}
	if p1 == p3 {
		t.Fatal("another seed gave the same corpus")
	}
}

func TestGenerators(t *testing.T) {
	f := testFuzzer(t, 3)
	for range 500 {
		if b := f.badUTF8(); utf8.Valid(b) {
			t.Fatalf("valid UTF-8: %q", b)
		}
		if b := f.binary(); len(b) == 0 {
			t.Fatal("empty binary payload")
		}
		if b := f.huge(300_000, 400_000); len(b) < 300_000 || !utf8.Valid(b) {
			t.Fatalf("huge payload of %d bytes", len(b))
		}
		if from, _, forged := f.forgedRole(f.rng.IntN(100)); forged == f.seats[from].Identity {
			t.Fatal("a forged identity that is the sender's own")
		}
	}
}
