package sync

import (
	"context"
	"errors"
	"time"
)

// The outbound ledger makes each Ramp → Cin7 Core write happen once in
// effect. Cin7 Core has no idempotency keys, and a process can die between
// a post and the note that it was made, so every write goes:
//
//  1. the ledger says this document version is posted → nothing to do;
//  2. record the intent (state "posting") and save it;
//  3. ask Cin7 Core whether the write is already there (a pass that died
//     after posting left it) → if so, note it as posted without posting;
//  4. post, then note it as posted and save.
//
// A crash anywhere leaves either no intent (nothing was sent), or an
// intent that step 3 resolves on the next pass.

// ledgerState is an outbound flow's checkpoint: one entry per Ramp
// document (by ID).
type ledgerState struct {
	Version int                    `json:"version"`
	Entries map[string]ledgerEntry `json:"entries"`
	// Cursor is an optional high-water mark the flow uses to read only
	// documents changed since (Ramp's modification time).
	Cursor time.Time `json:"cursor"`
}

// ledgerEntry records the last version of a document handled.
type ledgerEntry struct {
	// DocVersion is the Ramp document's version (or content hash) the
	// entry is about.
	DocVersion string `json:"v"`
	// State is "posting" (intent saved, outcome unknown) or "posted".
	State string `json:"s"`
	// Cin7Ref names what was written in Cin7 Core (a task ID), for reports.
	Cin7Ref string    `json:"ref,omitempty"`
	At      time.Time `json:"at"`
}

const (
	ledgerPosting = "posting"
	ledgerPosted  = "posted"
)

// postOutcome says what postOnce did.
type postOutcome int

const (
	// alreadyPosted: the ledger had this version; nothing was sent.
	alreadyPosted postOutcome = iota + 1
	// foundPosted: an earlier pass's post was found in Cin7 Core; nothing
	// was sent, the ledger caught up.
	foundPosted
	// posted: the write was sent now.
	posted
)

// postOnce makes one document version's write happen once in effect (see
// the file comment). check reports whether Cin7 Core already holds the
// write (and its reference); post sends it and returns its reference.
// The ledger is saved under stream after the intent and after the post.
func (e *Engine) postOnce(ctx context.Context, stream Stream, l *ledgerState, docID, docVersion string,
	check func(ctx context.Context) (found bool, ref string, err error),
	post func(ctx context.Context) (ref string, err error)) (postOutcome, string, error) {
	if l.Entries == nil {
		l.Entries = map[string]ledgerEntry{}
	}
	prev, ok := l.Entries[docID]
	if ok && prev.DocVersion == docVersion && prev.State == ledgerPosted {
		return alreadyPosted, prev.Cin7Ref, nil
	}
	if !(ok && prev.DocVersion == docVersion && prev.State == ledgerPosting) {
		l.Entries[docID] = ledgerEntry{DocVersion: docVersion, State: ledgerPosting, At: e.cfg.Now().UTC()}
		if err := e.save(ctx, stream, l); err != nil {
			return 0, "", err
		}
	}
	// Always look before writing: the intent may be from a pass that
	// posted and died, or from a host that restored an older ledger.
	found, ref, err := check(ctx)
	if err != nil {
		return 0, "", err
	}
	outcome := foundPosted
	if !found {
		if e.cfg.DryRun {
			return posted, "", nil
		}
		if ref, err = post(ctx); err != nil {
			return 0, "", err
		}
		outcome = posted
	}
	l.Entries[docID] = ledgerEntry{DocVersion: docVersion, State: ledgerPosted, Cin7Ref: ref, At: e.cfg.Now().UTC()}
	if err := e.save(ctx, stream, l); err != nil {
		// The write is done; the next pass's check finds it.
		return outcome, ref, errors.Join(errors.New("sync: posted, but the ledger could not be saved"), err)
	}
	return outcome, ref, nil
}

// loadLedger reads an outbound flow's ledger.
func (e *Engine) loadLedger(ctx context.Context, stream Stream, log interface {
	Warn(string, ...any)
}) (*ledgerState, error) {
	l := &ledgerState{Version: 1}
	if err := e.loadInto(ctx, stream, l, log); err != nil {
		return nil, err
	}
	if l.Entries == nil {
		l.Entries = map[string]ledgerEntry{}
	}
	return l, nil
}
