package magnum_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
)

// The crash test's files, all in one directory that outlives the child
// processes: the fake cloud's clouds.yaml, the SQLite store (which also
// holds the sealed certificate keys) and the log of requested operations.
const (
	crashDirEnv   = "GOMAGNUM_CRASH_CHILD_DIR"
	crashSeedEnv  = "GOMAGNUM_CRASH_CHILD_SEED"
	crashRoundEnv = "GOMAGNUM_CRASH_CHILD_ROUND"
	crashReady    = "CRASH-CHILD-READY"
	crashDBFile   = "magnum.db"
	crashOpsFile  = "ops.log"
	crashTemplate = "k8s-crash"
)

// crashCaller owns every cluster of the crash test.
var crashCaller = policy.Caller{UserID: "crash-user", ProjectID: "p-crash", Roles: []string{"member"}}

// crashKeys seals the certificates' private keys; every process of the
// test uses the same fixed key, as a real deployment would load its key.
var crashKeys = certs.StaticKeys{Current: "crash-1", Keys: map[string][]byte{
	"crash-1": []byte("0123456789abcdef0123456789abcdef"),
}}

// crashEnv is one process's Manager on the shared cloud and store.
type crashEnv struct {
	m     *magnum.Manager
	st    *sqlstore.Store
	orch  *openstack.Orchestrator
	certs *certs.Manager
}

// openCrashEnv builds a Manager the way a restarted service would: on the
// SQLite file, with certificates sealed in the same database, on the cloud
// named by clouds.yaml.
func openCrashEnv(ctx context.Context, dir string, logger *slog.Logger) (*crashEnv, error) {
	st, err := sqlstore.Open(ctx, filepath.Join(dir, crashDBFile), sqlstore.Config{})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	cm, err := certs.New(certs.Config{Storage: certs.NewSealedStorage(st.Records("certs"), crashKeys)})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{
		Cloud: openstacktest.CloudName, CloudsFile: filepath.Join(dir, "clouds.yaml"),
	})
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	orch, err := cloud.Orchestrator(openstack.Config{})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	caller := crashCaller
	m, err := magnum.New(magnum.Config{
		Store: st, Orchestrator: orch, Images: cloud, Resources: cloud, Certs: cm,
		Nodes: driver.NodeAccess{
			SignURL: "https://magnum.example.com:9511/v1", AuthURL: cloud.Provider.IdentityEndpoint,
			Trustee: driver.Trustee{UserID: "trustee-1", Password: "s3cret"},
		},
		Quota: &store.Quota{}, DefaultCaller: &caller, Logger: logger,
		SyncInterval: crashSyncInterval, ResumeAfter: crashResumeAfter,
	})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	return &crashEnv{m: m, st: st, orch: orch, certs: cm}, nil
}

func (e *crashEnv) Close() error {
	err := e.m.Close()
	if cerr := e.st.Close(); err == nil {
		err = cerr
	}
	return err
}

// opsLog appends the operations a child requested and had acknowledged,
// one fsynced line each, so that the parent knows what was promised even
// though the child is killed at any instruction.
type opsLog struct {
	mu    sync.Mutex
	f     *os.File
	round int
}

func (l *opsLog) add(op, id string, n int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := fmt.Fprintf(l.f, "%d %s %s %d\n", l.round, op, id, n); err != nil {
		return err
	}
	return l.f.Sync()
}

// The operations of the log: intents are written before the Manager is
// called, acknowledgements after it returned without error.
const (
	opCreated      = "created"       // CreateCluster returned the cluster (n: its node count)
	opResizeIntent = "resize-intent" // ResizeCluster about to be called (n: the count asked)
	opResized      = "resized"       // ResizeCluster returned (n: the count asked)
	opDeleteIntent = "delete-intent" // DeleteCluster about to be called
	opDeleted      = "deleted"       // DeleteCluster returned
)

// crashOp is one line of the log.
type crashOp struct {
	round int
	op    string
	id    string
	n     int
}

// readOpsLog parses the log; a torn last line (the child died while
// writing it) is ignored, since its operation was never acknowledged.
func readOpsLog(r io.Reader) ([]crashOp, error) {
	var out []crashOp
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 {
			continue
		}
		round, err1 := strconv.Atoi(f[0])
		n, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, crashOp{round: round, op: f[1], id: f[2], n: n})
	}
	return out, sc.Err()
}

// crashExpect is what the log promises about one cluster.
type crashExpect struct {
	acked        bool  // its create was acknowledged
	deleteIntent bool  // a delete was asked (maybe not acknowledged)
	deleteAcked  bool  // a delete was acknowledged
	counts       []int // the last acknowledged node count, then the counts asked since
}

func expectations(ops []crashOp) map[string]*crashExpect {
	out := map[string]*crashExpect{}
	get := func(id string) *crashExpect {
		if out[id] == nil {
			out[id] = &crashExpect{}
		}
		return out[id]
	}
	for _, o := range ops {
		e := get(o.id)
		switch o.op {
		case opCreated:
			e.acked = true
			e.counts = []int{o.n}
		case opResizeIntent:
			e.counts = append(e.counts, o.n)
		case opResized:
			// Every count asked before this acknowledgement was superseded.
			e.counts = []int{o.n}
		case opDeleteIntent:
			e.deleteIntent = true
		case opDeleted:
			e.deleteIntent, e.deleteAcked = true, true
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the exec copier and the test, which
// tells when a line appears.
type syncBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	seen   chan struct{}
	once   sync.Once
}

func newSyncBuffer(marker string) *syncBuffer {
	return &syncBuffer{marker: marker, seen: make(chan struct{})}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.marker != "" && bytes.Contains(b.buf.Bytes(), []byte(b.marker)) {
		b.once.Do(func() { close(b.seen) })
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
