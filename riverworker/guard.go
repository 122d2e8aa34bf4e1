package riverworker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	gosync "sync"
	"sync/atomic"

	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/cin7ramp/cin7ramp/sync/pgstate"
)

// ErrNotHeld is returned (wrapped) by a LeaseGuard's transport for a request
// made while this worker does not hold the tenant's lease: before the pass
// took it, after it was released, or once it was lost or past its deadline.
var ErrNotHeld = errors.New("riverworker: request refused: this worker does not hold the tenant's lease")

// LeaseGuard ties a tenant's HTTP clients to the tenant's lease. Cin7 Core
// and Ramp know no fencing tokens, so the StateStore's fencing cannot stop
// a worker that lost its lease from calling them; the guard's transport
// can: it refuses every request unless the lease is held and within its
// deadline (pgstate.Lease.Valid). A Factory wraps the base transport of the
// clients it builds with Transport.
type LeaseGuard struct {
	tenant  string
	mu      gosync.Mutex
	lease   *pgstate.Lease
	refused atomic.Int64
}

func newLeaseGuard(tenant string) *LeaseGuard { return &LeaseGuard{tenant: tenant} }

// Tenant returns the tenant the guard is for.
func (g *LeaseGuard) Tenant() string { return g.tenant }

// Fence returns the fence of the lease the guard currently holds, if it is
// valid.
func (g *LeaseGuard) Fence() (int64, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lease == nil || !g.lease.Valid() {
		return 0, false
	}
	return g.lease.Fence(), true
}

// Refused counts the requests the guard's transports refused.
func (g *LeaseGuard) Refused() int64 { return g.refused.Load() }

func (g *LeaseGuard) set(l *pgstate.Lease) {
	g.mu.Lock()
	g.lease = l
	g.mu.Unlock()
}

// Transport returns base (http.DefaultTransport when nil) wrapped so that
// no request leaves without the tenant's lease held. Give it to the clients
// with cin7core.WithTransport and ramp.WithTransport.
func (g *LeaseGuard) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return guardTransport{g: g, base: base}
}

type guardTransport struct {
	g    *LeaseGuard
	base http.RoundTripper
}

func (t guardTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, ok := t.g.Fence(); !ok {
		t.g.refused.Add(1)
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("%w (tenant %q)", ErrNotHeld, t.g.tenant)
	}
	return t.base.RoundTrip(r)
}

// guardLocker hands the engine pgstate leases and points the pass's guard
// at them.
type guardLocker struct {
	l *pgstate.Locker
	g *LeaseGuard
}

func (gl guardLocker) Lock(ctx context.Context, tenant string) (cinsync.Lease, error) {
	if tenant != gl.g.tenant {
		return nil, fmt.Errorf("riverworker: engine locked tenant %q in a job for %q", tenant, gl.g.tenant)
	}
	l, err := gl.l.LockLease(ctx, tenant)
	if err != nil {
		return nil, err
	}
	gl.g.set(l)
	return guardedLease{l, gl.g}, nil
}

type guardedLease struct {
	*pgstate.Lease
	g *LeaseGuard
}

func (l guardedLease) Release(ctx context.Context) error {
	l.g.set(nil)
	return l.Lease.Release(ctx)
}
