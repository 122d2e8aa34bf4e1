package sync

// Observer receives a pass's progress as it happens, for metrics, progress
// bars or alerts. Calls come from the goroutine running the pass and must
// not block for long. Embed NopObserver to implement only what you need.
type Observer interface {
	// StreamStarted is called before a stream reads anything.
	StreamStarted(tenant string, s Stream)
	// PageRead is called after each page of source records is processed.
	PageRead(tenant string, s Stream, p Progress)
	// RecordSkipped is called for every record that deliberately does not
	// sync.
	RecordSkipped(tenant string, s Stream, id, reason string)
	// RecordFailed is called for every quarantined record.
	RecordFailed(tenant string, s Stream, f Failure)
	// StreamFinished is called with the stream's report when it ends,
	// whether it completed or stopped early.
	StreamFinished(tenant string, r StreamReport)
}

// Progress is a stream's position after a page.
type Progress struct {
	// Done is the number of source records processed so far.
	Done int
	// Total is the number the source reports for this read; 0 if unknown.
	Total int
	// Cin7Calls and RampCalls are the API calls made so far by the stream.
	Cin7Calls, RampCalls int64
}

// NopObserver ignores everything; embed it to implement part of Observer.
type NopObserver struct{}

// StreamStarted does nothing.
func (NopObserver) StreamStarted(string, Stream) {}

// PageRead does nothing.
func (NopObserver) PageRead(string, Stream, Progress) {}

// RecordSkipped does nothing.
func (NopObserver) RecordSkipped(string, Stream, string, string) {}

// RecordFailed does nothing.
func (NopObserver) RecordFailed(string, Stream, Failure) {}

// StreamFinished does nothing.
func (NopObserver) StreamFinished(string, StreamReport) {}
