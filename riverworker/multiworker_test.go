package riverworker_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/riverworker"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/cin7ramp/cin7ramp/sync/pgstate"
)

// TestThreeWorkersFiftyTenants runs three workers over fifty tenants with
// random activity on both sides, kills one worker mid-pass (its database
// connections and HTTP cut, its River client stopped hard) and cuts
// another off from PostgreSQL past its lease, then checks from the fakes'
// request logs that no tenant was ever served by two workers at once and
// no Cin7 Core write was sent twice, that every tenant converges, and that
// the cut-off worker's writes were refused.
func TestThreeWorkersFiftyTenants(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-worker test skipped in -short mode")
	}
	s := testSchema(t)
	migrate(t, s)
	const nTenants = 50
	fakes := newFakeTenants(t, nTenants, 2*time.Millisecond)
	o := defaultClusterOpts(fakes)
	var (
		mu      gosync.Mutex
		reports []passRecord
	)
	o.onPass = func(worker, tenant string, rep *cinsync.Report, err error) {
		mu.Lock()
		reports = append(reports, passRecord{worker, tenant, rep, err})
		mu.Unlock()
	}
	start := time.Now()
	w1 := startWorker(t, s, "w1", o)
	w2 := startWorker(t, s, "w2", o)
	w3 := startWorker(t, s, "w3", o)
	t.Cleanup(func() {
		for _, w := range []*testWorker{w1, w2, w3} {
			w.gate.resume()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = w.w.StopAndCancel(ctx)
			cancel()
		}
	})

	// Random activity on both sides until told to stop.
	expected := map[string]map[string]string{} // tenant -> product ID -> latest name
	actCtx, stopActivity := context.WithCancel(context.Background())
	var actWG gosync.WaitGroup
	actWG.Add(1)
	go func() {
		defer actWG.Done()
		ids := make([]string, 0, len(fakes))
		for id := range fakes {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for n := 0; actCtx.Err() == nil; n++ {
			ft := fakes[ids[rand.IntN(len(ids))]]
			if rand.IntN(2) == 0 {
				// Products outside families: a variant's SKU is named from
				// its family, not from its own name.
				members := map[string]bool{}
				for _, f := range ft.cin7.Tenant().Families() {
					for _, m := range f.Products {
						members[strings.ToLower(m.ID)] = true
					}
				}
				var stock []cin7core.Product
				for _, p := range ft.cin7.Tenant().Products() {
					if p.Type == cin7core.ProductTypeStock && p.Status == cin7core.ProductStatusActive && !members[strings.ToLower(p.ID)] {
						stock = append(stock, p)
					}
				}
				if len(stock) > 0 {
					p := stock[rand.IntN(len(stock))]
					p.Name = strings.SplitN(p.Name, " #", 2)[0] + fmt.Sprintf(" #%d", n)
					ft.cin7.Tenant().UpsertProduct(p)
					mu.Lock()
					if expected[ft.id] == nil {
						expected[ft.id] = map[string]string{}
					}
					expected[ft.id][strings.ToLower(p.ID)] = p.Name
					mu.Unlock()
				}
			} else if orders := ft.ramp.Orders(); len(orders) > 0 {
				ord := orders[rand.IntN(len(orders))]
				switch ord.OrderType {
				case ramp.OrderOutbound:
					_, _ = ft.ramp.DispatchOrder(ord.ID)
				default:
					_, _ = ft.ramp.ReceiveOrder(ord.ID)
				}
			}
			select {
			case <-actCtx.Done():
			case <-time.After(40 * time.Millisecond):
			}
		}
	}()

	db := s.db(t, nil)
	ctx := context.Background()
	waitServing := func(w *testWorker) {
		deadline := time.Now().Add(30 * time.Second)
		for !w.serving() {
			if time.Now().After(deadline) {
				t.Fatalf("%s never served a tenant", w.id)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	generations := func() map[string]pgstate.Holder {
		hs, err := pgstate.ListHolders(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]pgstate.Holder{}
		for _, h := range hs {
			m[h.Tenant] = h
		}
		return m
	}

	// Kill w3 in the middle of a pass: the process is gone, its jobs stay
	// "running" until River's rescuer hands them back, its leases lapse.
	time.Sleep(3 * time.Second)
	waitServing(w3)
	w3.cut.Store(true)
	w3.gate.sever()
	// A request that was already past the cut when it fell may still reach
	// the fakes, as bytes already on the wire do when a process dies; what
	// must never happen is a request sent after the death. Loopback delivery
	// takes microseconds, so anything a fake sees this long after the cut was
	// sent after it.
	time.Sleep(250 * time.Millisecond)
	killed := time.Now()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w3.w.StopAndCancel(ctx)
	}()
	t.Logf("killed w3 at %s", killed.Sub(start).Round(time.Millisecond))

	// Cut w2 off from PostgreSQL mid-pass (a long GC pause or a partition)
	// until another worker has taken over a tenant it held.
	waitServing(w2)
	before := generations()
	var w2Held []string
	for tenant, h := range before {
		if h.Owner == "w2" && h.Live {
			w2Held = append(w2Held, tenant)
		}
	}
	w2.gate.pause()
	paused := time.Now()
	t.Logf("paused w2 at %s holding %v", paused.Sub(start).Round(time.Millisecond), w2Held)
	for {
		now := generations()
		taken := 0
		for _, tenant := range w2Held {
			if now[tenant].Generation > before[tenant].Generation && now[tenant].Owner != "w2" {
				taken++
			}
		}
		if len(w2Held) > 0 && taken == len(w2Held) {
			break
		}
		if time.Since(paused) > 75*time.Second {
			t.Fatalf("nobody took over w2's tenants %v in %s", w2Held, time.Since(paused))
		}
		time.Sleep(200 * time.Millisecond)
	}
	w2.gate.resume()
	t.Logf("resumed w2 at %s, after its tenants were taken over", time.Since(start).Round(time.Millisecond))

	// Quiesce: activity stops, every stream is made due, and we wait for
	// two rounds of passes: the first catches up, the second must find
	// nothing left to write.
	stopActivity()
	actWG.Wait()
	// Round 2 runs the catalogue streams only (each full pass costs a
	// tenant a good part of its 60 Cin7 Core calls a minute).
	catalogue := []string{string(cinsync.StreamLocations), string(cinsync.StreamFamilies), string(cinsync.StreamProducts)}
	for round := 1; round <= 2; round++ {
		since := time.Now()
		q := `UPDATE ` + riverworker.StatusTable + ` SET due_at = now()`
		if round == 2 {
			q += ` WHERE stream IN ('` + strings.Join(catalogue, "','") + `')`
		}
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
		if round == 1 {
			waitAllSynced(t, s, nTenants, since, 90*time.Second)
		} else {
			waitStreamsSynced(t, db, nTenants, catalogue, since, 60*time.Second)
		}
		t.Logf("round %d: every tenant synced at %s", round, time.Since(start).Round(time.Millisecond))
		if round == 2 {
			mu.Lock()
			for _, pr := range reports {
				if pr.rep == nil || pr.rep.Started.Before(since) || pr.err != nil {
					continue
				}
				for _, sr := range pr.rep.Streams {
					if slices.Contains(catalogue, string(sr.Stream)) && sr.Created+sr.Updated > 0 {
						t.Errorf("%s on %s: stream %s still wrote after convergence: %d created, %d updated", pr.tenant, pr.worker, sr.Stream, sr.Created, sr.Updated)
					}
				}
			}
			mu.Unlock()
		}
	}

	// Every renamed product reached Ramp under its latest name.
	mu.Lock()
	for tenant, names := range expected {
		skus := map[string]string{}
		for _, k := range fakes[tenant].ramp.Skus() {
			skus[strings.ToLower(k.ExternalRef)] = k.Name
		}
		for id, name := range names {
			if got, ok := skus[id]; !ok || !strings.Contains(got, name[strings.LastIndex(name, " #"):]) {
				t.Errorf("%s: product %s renamed %q, Ramp has %q (present %v)", tenant, id, name, got, ok)
			}
		}
	}
	mu.Unlock()

	// No tenant served by two workers at once, per the fakes' logs.
	checkExclusive(t, fakes)
	// No Cin7 Core write sent twice.
	checkNoDoubleWrites(t, fakes)
	// The dead worker sent nothing after it died; the cut-off one had its
	// stale writes refused.
	for _, ft := range fakes {
		for _, e := range append(ft.cin7Log.all(), ft.rampLog.all()...) {
			if strings.HasSuffix(e.UA, "/w3") && e.Start.After(killed) {
				t.Errorf("%s: dead worker w3 called %s %s after it died", ft.id, e.Method, e.Path)
			}
		}
	}
	st := w2.w.Stats()
	t.Logf("w1 %+v; w2 %+v; w3 %+v", w1.w.Stats(), st, w3.w.Stats())
	if st.FencedWrites == 0 {
		t.Errorf("the cut-off worker w2 had no write refused")
	}
	total := 0
	for _, ft := range fakes {
		total += len(ft.cin7Log.all()) + len(ft.rampLog.all())
	}
	t.Logf("%d passes, %d requests to the fakes, %s", len(reports), total, time.Since(start).Round(time.Millisecond))
}

type passRecord struct {
	worker, tenant string
	rep            *cinsync.Report
	err            error
}

// session is the span of one lease's requests to one tenant's fakes.
type session struct {
	fence      int64
	uas        map[string]bool
	start, end time.Time
	n          int
}

// checkExclusive checks, per tenant, that the requests of different leases
// never overlap in time, that each lease's requests came from one worker,
// and that leases follow each other in generation order.
func checkExclusive(t *testing.T, fakes map[string]*fakeTenant) {
	t.Helper()
	for _, ft := range fakes {
		bySession := map[int64]*session{}
		for _, e := range append(ft.cin7Log.all(), ft.rampLog.all()...) {
			if e.Fence == 0 {
				t.Errorf("%s: request without a lease: %s %s from %s", ft.id, e.Method, e.Path, e.UA)
				continue
			}
			ss := bySession[e.Fence]
			if ss == nil {
				ss = &session{fence: e.Fence, uas: map[string]bool{}, start: e.Start, end: e.End}
				bySession[e.Fence] = ss
			}
			ss.uas[e.UA] = true
			ss.n++
			if e.Start.Before(ss.start) {
				ss.start = e.Start
			}
			if e.End.After(ss.end) {
				ss.end = e.End
			}
		}
		var list []*session
		for _, ss := range bySession {
			if len(ss.uas) != 1 {
				t.Errorf("%s: lease %d used by several workers: %v", ft.id, ss.fence, ss.uas)
			}
			list = append(list, ss)
		}
		slices.SortFunc(list, func(a, b *session) int { return a.start.Compare(b.start) })
		for i := 1; i < len(list); i++ {
			a, b := list[i-1], list[i]
			if b.start.Before(a.end) {
				t.Errorf("%s: lease %d (%v, %s..%s) overlaps lease %d (%v, %s..%s)", ft.id,
					a.fence, a.uas, a.start.Format("15:04:05.000"), a.end.Format("15:04:05.000"),
					b.fence, b.uas, b.start.Format("15:04:05.000"), b.end.Format("15:04:05.000"))
			}
			if b.fence <= a.fence {
				t.Errorf("%s: lease %d served after lease %d", ft.id, b.fence, a.fence)
			}
		}
	}
}

// checkNoDoubleWrites checks that no successful Cin7 Core write (POST or
// PUT) was sent twice with the same path, query and body.
func checkNoDoubleWrites(t *testing.T, fakes map[string]*fakeTenant) {
	t.Helper()
	writes := 0
	for _, ft := range fakes {
		seen := map[string]int{}
		for _, e := range ft.cin7Log.all() {
			if e.Method == "GET" || e.Status >= 300 {
				continue
			}
			writes++
			k := e.Method + " " + e.Path + "?" + e.Query + " " + e.BodyHash
			seen[k]++
			if seen[k] == 2 {
				t.Errorf("%s: Cin7 Core write sent twice: %s", ft.id, k)
			}
		}
	}
	t.Logf("%d Cin7 Core writes, none repeated", writes)
}

// waitStreamsSynced waits until the given streams of every tenant have
// succeeded in a pass started since a moment.
func waitStreamsSynced(t *testing.T, db *sql.DB, n int, streams []string, since time.Time, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var done int
		err := db.QueryRow(`SELECT count(*) FROM (SELECT tenant FROM `+riverworker.StatusTable+`
			WHERE stream = ANY($1) AND last_success_at >= $2 GROUP BY tenant HAVING count(*) = $3) x`,
			streams, since, len(streams)).Scan(&done)
		if err != nil {
			t.Fatal(err)
		}
		if done == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d tenants synced %v after %s", done, n, streams, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
