package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/template"
)

type demoFlags struct {
	dir       string
	stackTime time.Duration
}

func demoCommand(st *cmdState) *command {
	return &command{
		name:    "demo",
		summary: "Walk a Kubernetes cluster's life on the simulated cloud, in one process.",
		details: `Creates a cluster template, a cluster of 3 masters and 2 nodes behind a load
balancer, shows it, writes its kubeconfig, signs a node's certificate request
with the cluster CA, scales to 4 nodes and deletes it. It always runs on the
embedded simulated cloud with its own state, in a new temporary directory
removed at the end unless --dir is given.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&st.demo.dir, "dir", "", "keep the demo's state and kubeconfig in this directory (default: a temporary one, removed)")
			fs.DurationVar(&st.demo.stackTime, "stack-time", time.Second, "how long each simulated stack action takes")
		},
		noEnv: true, nargsMax: 0, run: runDemo,
	}
}

func runDemo(ctx context.Context, e *env, _ []string) error {
	f := e.st.demo
	if f.stackTime < 0 {
		return usagef(e.cmd, "--stack-time must not be negative")
	}
	out := e.io.Stdout
	dir := f.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "magnum-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// The demo is always on the simulated cloud, in its own state.
	e.g.stateDir, e.g.osCloud, e.g.osAuth, e.g.simTime = filepath.Join(dir, "state"), "", false, f.stackTime
	e.g.user, e.g.project, e.g.roles = "demo", "demo-project", "member"
	e.quiet, e.progress = true, out
	if e.g.poll == 0 {
		e.g.poll = 100 * time.Millisecond
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	ctx = e.as(ctx)
	step := func(n int, format string, args ...any) {
		fmt.Fprintf(out, "\n%d/7  %s\n", n, fmt.Sprintf(format, args...))
	}
	fmt.Fprintln(out, "gomagnum demo: a Kubernetes cluster's life on the embedded simulated OpenStack")
	fmt.Fprintf(out, "     (Keystone, Heat, Glance, Nova, Neutron on loopback; each stack action takes %s)\n", f.stackTime)
	fmt.Fprintf(out, "     acting as user %q in project %q; state in %s\n", e.caller.UserID, e.caller.ProjectID, e.g.stateDir)

	step(1, "Create a cluster template: what every cluster made from it looks like")
	tpl, err := e.m.CreateClusterTemplate(ctx, &template.ClusterTemplate{
		Name: "k8s-demo", COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
		DNSNameServer: "8.8.8.8", MasterLBEnabled: true,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "     template %s: coe=%s image=%s (distro %s, from Glance) network_driver=%s master_lb_enabled=%t\n",
		tpl.Name, tpl.COE, tpl.ImageID, tpl.ClusterDistro, tpl.NetworkDriver, tpl.MasterLBEnabled)

	step(2, "Create a cluster: 3 masters behind a load balancer, 2 worker nodes (one Heat stack)")
	three, two := 3, 2
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "demo", ClusterTemplate: tpl.Name, MasterCount: &three, NodeCount: &two})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "     accepted: cluster %s (%s); following it:\n", c.Name, c.UUID)
	if c, err = e.follow(ctx, c.UUID); err != nil {
		return err
	}

	step(3, "Show the cluster (what `magnum cluster-show demo` prints)")
	fmt.Fprintf(out, "     status:       %s (%s)\n", c.Status, c.StatusReason)
	fmt.Fprintf(out, "     api_address:  %s\n", c.APIAddress)
	fmt.Fprintf(out, "     masters (%d): %s\n", c.MasterCount, strings.Join(c.MasterAddresses, ", "))
	fmt.Fprintf(out, "     nodes (%d):   %s\n", c.NodeCount, strings.Join(c.NodeAddresses, ", "))
	fmt.Fprintf(out, "     heat stack:   %s (%s)\n", magnum.StackName(c), c.StackID)

	step(4, "Write its kubeconfig (what `magnum cluster-config demo` does)")
	cc, err := e.m.ClusterConfig(ctx, c.UUID, certs.KubeconfigOptions{})
	if err != nil {
		return err
	}
	kpath := filepath.Join(dir, "kubeconfig")
	if err := writeFile0600(kpath, cc.Kubeconfig); err != nil {
		return err
	}
	fmt.Fprintf(out, "     %s (mode 0600, %d bytes): server %s, client certificate CN=%q signed by the cluster CA\n",
		kpath, len(cc.Kubeconfig), cc.Bundle.Server, cc.Bundle.Client.Certificate.Subject.CommonName)
	if f.dir == "" {
		fmt.Fprintln(out, "     (the demo's directory is removed at the end; run with --dir DIR to keep it)")
	}

	step(5, "Sign a node's certificate request with the cluster CA (what `magnum ca-sign` does)")
	csrPEM, err := demoCSR("system:node:demo-node-0")
	if err != nil {
		return err
	}
	certPEM, err := e.m.SignCSR(ctx, c.UUID, csrPEM, "")
	if err != nil {
		return err
	}
	if err := describeCert(out, certPEM); err != nil {
		return err
	}

	step(6, "Scale to 4 worker nodes (what `magnum cluster-resize demo 4` does)")
	if _, err := e.m.ResizeCluster(ctx, c.UUID, magnum.ResizeRequest{NodeCount: 4}); err != nil {
		return err
	}
	if c, err = e.follow(ctx, c.UUID); err != nil {
		return err
	}
	fmt.Fprintf(out, "     nodes (%d): %s\n", c.NodeCount, strings.Join(c.NodeAddresses, ", "))
	if s, err := e.m.Stats(ctx, ""); err == nil {
		fmt.Fprintf(out, "     project stats: %d cluster(s), %d node(s) with masters\n", s.Clusters, s.Nodes)
	}

	step(7, "Delete the cluster: the stack goes, then the record and its CA")
	if err := e.m.DeleteCluster(ctx, c.UUID); err != nil {
		return err
	}
	if _, err := e.follow(ctx, c.UUID); err != nil {
		return err
	}
	if err := e.m.DeleteClusterTemplate(ctx, tpl.UUID); err != nil {
		return err
	}
	fmt.Fprintln(out, "     cluster and template gone.")
	fmt.Fprintln(out, "\nDone. The same steps by hand: magnum --help (cluster-template-create, cluster-create --wait, cluster-show, cluster-config, ca-sign, cluster-resize, cluster-delete).")
	return nil
}

// demoCSR makes a fresh P-256 key and a certificate request for cn; the
// key stays in memory and is dropped.
func demoCSR(cn string) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: cn, Organization: []string{"system:nodes"}},
	}, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

func describeCert(w interface{ Write([]byte) (int, error) }, certPEM []byte) error {
	b, _ := pem.Decode(certPEM)
	if b == nil {
		return errors.New("the signed certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "     requested CN=\"system:node:demo-node-0\" O=system:nodes; got subject %q\n", cert.Subject.String())
	fmt.Fprintf(w, "     issuer %q, valid until %s\n", cert.Issuer.String(), cert.NotAfter.UTC().Format(time.RFC3339))
	return nil
}
