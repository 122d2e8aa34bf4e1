package sync

import (
	"context"
	"log/slog"
	"slices"
)

// streamDef is one stream's implementation. Each stream registers itself
// from its own file, so streams can be added without touching the engine.
type streamDef struct {
	run func(e *Engine, ctx context.Context, sr *StreamReport, log *slog.Logger) error
	// supported reports whether the engine's Source and Sink offer what
	// the stream needs (hosts may plug in partial ones); nil means always.
	supported func(e *Engine) bool
}

var streamDefs = map[Stream]streamDef{}

// registerStream adds a stream; called from init.
func registerStream(s Stream, d streamDef) {
	if !slices.Contains(streamOrder, s) {
		panic("sync: stream " + string(s) + " missing from streamOrder") // a programming error in this package
	}
	streamDefs[s] = d
}

// KnownStreams lists every stream this version of the engine implements,
// in the order a full pass runs them.
func KnownStreams() []Stream {
	var out []Stream
	for _, s := range streamOrder {
		if _, ok := streamDefs[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

// Streams lists the streams this engine can run with its Source and Sink,
// in order: what Sync runs when given none.
func (e *Engine) Streams() []Stream {
	var out []Stream
	for _, s := range KnownStreams() {
		if d := streamDefs[s]; d.supported == nil || d.supported(e) {
			out = append(out, s)
		}
	}
	return out
}

func init() {
	registerStream(StreamLocations, streamDef{run: (*Engine).syncLocations})
	registerStream(StreamFamilies, streamDef{run: (*Engine).syncFamilies})
	registerStream(StreamProducts, streamDef{run: (*Engine).syncProducts})
}
