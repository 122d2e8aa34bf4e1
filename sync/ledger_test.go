package sync

import (
	"context"
	"errors"
	"testing"
)

// failingStore fails Save after a number of successful saves, as a crash
// would (nothing after that point is persisted).
type failingStore struct {
	*MemoryStore
	left int
}

func (f *failingStore) Save(ctx context.Context, k string, v []byte) error {
	if f.left == 0 {
		return errors.New("disk gone")
	}
	f.left--
	return f.MemoryStore.Save(ctx, k, v)
}

func TestPostOnceNeverPostsTwice(t *testing.T) {
	ctx := context.Background()
	// Cin7 Core as seen by the flow: what has been posted.
	var remote []string
	check := func(ref string) func(context.Context) (bool, string, error) {
		return func(context.Context) (bool, string, error) {
			for _, r := range remote {
				if r == ref {
					return true, r, nil
				}
			}
			return false, "", nil
		}
	}
	post := func(ref string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			remote = append(remote, ref)
			return ref, nil
		}
	}

	// The process dies right after posting: the intent was saved, the
	// "posted" note was not.
	store := &failingStore{MemoryStore: NewMemoryStore(), left: 1}
	e, _ := NewEngine(Config{Source: nopSource{}, Sink: nopSink{}, State: store})
	l, _ := e.loadLedger(ctx, StreamStocktakes, e.cfg.Logger)
	out, _, err := e.postOnce(ctx, StreamStocktakes, l, "doc-1", "v1", check("adj-1"), post("adj-1"))
	if out != posted || err == nil {
		t.Fatalf("first pass: %v %v", out, err)
	}
	// Next pass, from what was persisted: the intent is there, the check
	// finds the post, nothing is sent again.
	store.left = 100
	l, _ = e.loadLedger(ctx, StreamStocktakes, e.cfg.Logger)
	if l.Entries["doc-1"].State != ledgerPosting {
		t.Fatalf("persisted entry %+v", l.Entries["doc-1"])
	}
	out, ref, err := e.postOnce(ctx, StreamStocktakes, l, "doc-1", "v1", check("adj-1"), post("adj-1"))
	if out != foundPosted || err != nil || ref != "adj-1" || len(remote) != 1 {
		t.Fatalf("recovery: %v %q %v, %d posts", out, ref, err, len(remote))
	}
	// And from then on the ledger answers alone.
	out, _, _ = e.postOnce(ctx, StreamStocktakes, l, "doc-1", "v1", func(context.Context) (bool, string, error) {
		t.Fatal("checked Cin7 Core for a version already noted as posted")
		return false, "", nil
	}, post("adj-1"))
	if out != alreadyPosted || len(remote) != 1 {
		t.Fatalf("repeat: %v, %d posts", out, len(remote))
	}
	// A new version of the document is posted.
	if out, _, _ = e.postOnce(ctx, StreamStocktakes, l, "doc-1", "v2", check("adj-2"), post("adj-2")); out != posted || len(remote) != 2 {
		t.Fatalf("new version: %v, %d posts", out, len(remote))
	}
	// The intent was saved but the post never reached Cin7 Core: the
	// check finds nothing, so it is posted.
	store2 := &failingStore{MemoryStore: NewMemoryStore(), left: 1}
	e2, _ := NewEngine(Config{Source: nopSource{}, Sink: nopSink{}, State: store2})
	l2, _ := e2.loadLedger(ctx, StreamStocktakes, e2.cfg.Logger)
	_, _, _ = e2.postOnce(ctx, StreamStocktakes, l2, "doc-9", "v1", check("adj-9"), func(context.Context) (string, error) {
		return "", errors.New("connection reset before sending")
	})
	store2.left = 100
	l2, _ = e2.loadLedger(ctx, StreamStocktakes, e2.cfg.Logger)
	if out, _, err := e2.postOnce(ctx, StreamStocktakes, l2, "doc-9", "v1", check("adj-9"), post("adj-9")); out != posted || err != nil {
		t.Fatalf("unsent intent: %v %v", out, err)
	}
}

func TestUnreadableLedgerIsAnError(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	_ = store.Save(ctx, string(StreamStocktakes), []byte(`{"entries":{`))
	e, _ := NewEngine(Config{Source: nopSource{}, Sink: nopSink{}, State: store})
	if _, err := e.loadLedger(ctx, StreamStocktakes, e.cfg.Logger); err == nil {
		t.Fatal("an unreadable ledger must not be silently dropped")
	}
}
