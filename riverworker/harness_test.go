package riverworker_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net"
	"os"
	gosync "sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// dsnEnv names the variable that points the tests at a PostgreSQL.
const dsnEnv = "CIN7RAMP_POSTGRES_DSN"

// testSchema returns a DSN-derived config factory whose connections live in
// a fresh schema of their own (dropped at the end of the test), so tests
// never see each other's tables. It skips the test without a database.
func testSchema(t testing.TB) *schema {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skip(dsnEnv + " not set: these tests need a PostgreSQL (see .ci/run, which starts one)")
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + name); err != nil {
		t.Fatal(err)
	}
	s := &schema{dsn: dsn, name: name, admin: admin}
	t.Cleanup(func() {
		s.closeAll()
		_, _ = admin.Exec(`DROP SCHEMA ` + name + ` CASCADE`)
		admin.Close()
	})
	return s
}

type schema struct {
	dsn, name string
	admin     *sql.DB
	mu        gosync.Mutex
	closers   []func()
}

func (s *schema) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

func (s *schema) connConfig(t testing.TB, g *gate) *pgx.ConnConfig {
	cc, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	cc.RuntimeParams["search_path"] = s.name
	if g != nil {
		cc.DialFunc = g.dial
	}
	return cc
}

// db opens a database/sql handle in the schema (through g when not nil).
func (s *schema) db(t testing.TB, g *gate) *sql.DB {
	db := stdlib.OpenDB(*s.connConfig(t, g))
	s.mu.Lock()
	s.closers = append(s.closers, func() { db.Close() })
	s.mu.Unlock()
	return db
}

// pool opens a pgx pool in the schema (through g when not nil).
func (s *schema) pool(t testing.TB, g *gate, max int32) *pgxpool.Pool {
	pc, err := pgxpool.ParseConfig(s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	pc.ConnConfig = s.connConfig(t, g)
	pc.MaxConns = max
	p, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.closers = append(s.closers, p.Close)
	s.mu.Unlock()
	return p
}

// gate sits between a process and PostgreSQL, to pause its traffic (a
// worker frozen, or cut off from the database for a while) or sever it
// (a worker that died).
type gate struct {
	mu      gosync.Mutex
	paused  chan struct{} // non-nil while paused; closed on resume
	severed bool
	conns   map[*gatedConn]bool
}

var errSevered = errors.New("test gate: connection severed")

func (g *gate) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := g.wait(); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	gc := &gatedConn{Conn: c, g: g}
	g.mu.Lock()
	if g.conns == nil {
		g.conns = map[*gatedConn]bool{}
	}
	g.conns[gc] = true
	g.mu.Unlock()
	return gc, nil
}

// wait blocks while the gate is paused; it fails once severed.
func (g *gate) wait() error {
	g.mu.Lock()
	p, severed := g.paused, g.severed
	g.mu.Unlock()
	if severed {
		return errSevered
	}
	if p != nil {
		<-p
		g.mu.Lock()
		severed = g.severed
		g.mu.Unlock()
		if severed {
			return errSevered
		}
	}
	return nil
}

func (g *gate) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paused == nil {
		g.paused = make(chan struct{})
	}
}

func (g *gate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paused != nil {
		close(g.paused)
		g.paused = nil
	}
}

func (g *gate) sever() {
	g.mu.Lock()
	g.severed = true
	conns := g.conns
	g.conns = nil
	p := g.paused
	g.paused = nil
	g.mu.Unlock()
	for c := range conns {
		_ = c.Conn.Close()
	}
	if p != nil {
		close(p)
	}
}

type gatedConn struct {
	net.Conn
	g *gate
}

func (c *gatedConn) Read(b []byte) (int, error) {
	if err := c.g.wait(); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *gatedConn) Write(b []byte) (int, error) {
	if err := c.g.wait(); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}
