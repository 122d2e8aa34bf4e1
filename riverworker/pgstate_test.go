package riverworker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/cin7ramp/cin7ramp/sync/pgstate"
)

func TestPgstateMigrateTwice(t *testing.T) {
	s := testSchema(t)
	db := s.db(t, nil)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := pgstate.Migrate(ctx, db); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	for _, table := range []string{pgstate.StateTable, pgstate.LeaseTable} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
}

func migrated(t *testing.T) (*schema, context.Context) {
	s := testSchema(t)
	if err := pgstate.Migrate(context.Background(), s.db(t, nil)); err != nil {
		t.Fatal(err)
	}
	return s, context.Background()
}

func TestPgstateSaveLoad(t *testing.T) {
	s, ctx := migrated(t)
	st := pgstate.NewStore(s.db(t, nil))
	if _, err := st.Load(ctx, "acme/products"); !errors.Is(err, cinsync.ErrNoState) {
		t.Fatalf("load of nothing: %v, want ErrNoState", err)
	}
	for _, v := range []string{`{"a":1}`, `{"a":2}`} {
		if err := st.Save(ctx, "acme/products", []byte(v)); err != nil {
			t.Fatal(err)
		}
		got, err := st.Load(ctx, "acme/products")
		if err != nil || string(got) != v {
			t.Fatalf("load = %q, %v; want %q", got, err, v)
		}
	}
	if got := pgstate.TenantOf("a/b/purchase-receipts"); got != "a/b" {
		t.Fatalf("TenantOf = %q", got)
	}
}

func TestPgstateFencing(t *testing.T) {
	s, ctx := migrated(t)
	db := s.db(t, nil)
	st := pgstate.NewStore(db)
	lk := pgstate.NewLocker(db, pgstate.WithTTL(5*time.Second))
	l1, err := lk.Lock(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Save(cinsync.WithFence(ctx, l1.Fence()), "acme/products", []byte(`1`)); err != nil {
		t.Fatalf("holder's write: %v", err)
	}
	if err := st.Save(ctx, "acme/products", []byte(`x`)); !errors.Is(err, pgstate.ErrFenced) {
		t.Fatalf("unfenced write under a live lease: %v, want ErrFenced", err)
	}
	if err := l1.Release(ctx); err != nil {
		t.Fatal(err)
	}
	l2, err := lk.Lock(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Release(ctx)
	if l2.Fence() <= l1.Fence() {
		t.Fatalf("generation did not grow: %d then %d", l1.Fence(), l2.Fence())
	}
	err = st.Save(cinsync.WithFence(ctx, l1.Fence()), "acme/purchase-receipts", []byte(`stale`))
	var fe *pgstate.FencedError
	if !errors.Is(err, pgstate.ErrFenced) || !errors.As(err, &fe) || fe.Generation != l2.Fence() {
		t.Fatalf("stale holder's write: %v, want ErrFenced at generation %d", err, l2.Fence())
	}
	if _, err := st.Load(ctx, "acme/purchase-receipts"); !errors.Is(err, cinsync.ErrNoState) {
		t.Fatalf("a refused write left a row: %v", err)
	}
	if err := st.Save(cinsync.WithFence(ctx, l2.Fence()), "acme/products", []byte(`2`)); err != nil {
		t.Fatalf("new holder's write: %v", err)
	}
	if err := st.Delete(cinsync.WithFence(ctx, l1.Fence()), "acme"); !errors.Is(err, pgstate.ErrFenced) {
		t.Fatalf("stale holder's delete: %v, want ErrFenced", err)
	}
	if _, err := st.Load(ctx, "acme/products"); err != nil {
		t.Fatalf("a refused delete removed state: %v", err)
	}
	// Another tenant is not fenced by acme's lease.
	if err := st.Save(ctx, "other/products", []byte(`1`)); err != nil {
		t.Fatal(err)
	}
}

func TestPgstateLockWaitsForLiveLease(t *testing.T) {
	s, ctx := migrated(t)
	a := pgstate.NewLocker(s.db(t, nil), pgstate.WithTTL(time.Second), pgstate.WithOwner("a"))
	b := pgstate.NewLocker(s.db(t, nil), pgstate.WithTTL(time.Second), pgstate.WithOwner("b"), pgstate.WithPollInterval(20*time.Millisecond, 100*time.Millisecond))
	la, err := a.Lock(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	// a renews: b must not get in, even well past the TTL.
	short, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(short, "acme"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("b locked a renewed lease: %v", err)
	}
	select {
	case <-la.Lost():
		t.Fatal("a's renewed lease reported lost")
	default:
	}
	// a releases: b gets it at once, with a new generation.
	go func() { time.Sleep(200 * time.Millisecond); _ = la.Release(ctx) }()
	start := time.Now()
	lb, err := b.Lock(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Release(ctx)
	if time.Since(start) > time.Second || lb.Fence() != la.Fence()+1 {
		t.Fatalf("b waited %s, fence %d after %d", time.Since(start), lb.Fence(), la.Fence())
	}
}

func TestPgstateExpiryTakeoverAndLost(t *testing.T) {
	s, ctx := migrated(t)
	g := &gate{}
	// a's leases go through a gate we can pause: its renewals hang, as in
	// a process paused or partitioned from the database.
	a := pgstate.NewLocker(s.db(t, g), pgstate.WithTTL(time.Second), pgstate.WithOwner("a"))
	b := pgstate.NewLocker(s.db(t, nil), pgstate.WithTTL(time.Second), pgstate.WithOwner("b"), pgstate.WithPollInterval(10*time.Millisecond, 50*time.Millisecond))
	st := pgstate.NewStore(s.db(t, nil))
	la, err := a.LockLease(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	g.pause()
	defer g.resume()
	paused := time.Now()
	lb, err := b.LockLease(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	tookOver := time.Now()
	defer lb.Release(ctx)
	select {
	case <-la.Lost():
	case <-time.After(time.Second):
		t.Fatal("a's lease not reported lost although b took over")
	}
	if la.Valid() {
		t.Fatal("a's lost lease still valid")
	}
	if d := la.Deadline(); !d.Before(tookOver) {
		t.Fatalf("a's deadline %s is not before b's takeover %s", d, tookOver)
	}
	if tookOver.Sub(paused) > 2*time.Second {
		t.Fatalf("takeover took %s with a 1s TTL", tookOver.Sub(paused))
	}
	if err := st.Save(cinsync.WithFence(ctx, la.Fence()), "acme/products", []byte(`stale`)); !errors.Is(err, pgstate.ErrFenced) {
		t.Fatalf("write of the expired holder: %v, want ErrFenced", err)
	}
	if err := st.Save(cinsync.WithFence(ctx, lb.Fence()), "acme/products", []byte(`fresh`)); err != nil {
		t.Fatal(err)
	}
}

func TestPgstateLostWhenRenewalFindsTakeover(t *testing.T) {
	s, ctx := migrated(t)
	db := s.db(t, nil)
	a := pgstate.NewLocker(db, pgstate.WithTTL(3*time.Second), pgstate.WithHeartbeat(100*time.Millisecond), pgstate.WithOwner("a"))
	b := pgstate.NewLocker(db, pgstate.WithTTL(3*time.Second), pgstate.WithOwner("b"))
	la, err := a.Lock(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	// The row expires behind a's back (its renewals were late, say) and b
	// takes over; a's next renewal must notice.
	if _, err := db.Exec(`UPDATE ` + pgstate.LeaseTable + ` SET expires_at = now() - interval '1 second' WHERE tenant = 'acme'`); err != nil {
		t.Fatal(err)
	}
	lb, err := b.Lock(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Release(ctx)
	select {
	case <-la.Lost():
	case <-time.After(time.Second):
		t.Fatal("a's renewal did not notice the takeover")
	}
	// a's Release must not disturb b.
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	hs, err := b.Holders(ctx)
	if err != nil || len(hs) != 1 || hs[0].Owner != "b" || !hs[0].Live {
		t.Fatalf("holders after a's release: %+v, %v", hs, err)
	}
}
