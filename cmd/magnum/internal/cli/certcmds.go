package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gomagnum/magnum/certs"
)

type certFlags struct {
	cluster, csr, caType string
}

type configFlags struct {
	dir         string
	force       bool
	outputCerts bool
}

func certCommands(st *cmdState) []*command {
	cf := &st.cert
	caFlags := func(withCSR bool) func(fs *flag.FlagSet) {
		return func(fs *flag.FlagSet) {
			fs.StringVar(&cf.cluster, "cluster", "", "cluster name or UUID (required)")
			fs.StringVar(&cf.caType, "ca-type", "", "which CA: the cluster's (default), etcd or front-proxy")
			if withCSR {
				fs.StringVar(&cf.csr, "csr", "", "file holding the PEM certificate signing request (required; - for stdin)")
			}
		}
	}
	return []*command{
		{
			name: "ca-show", summary: "Show a cluster's CA certificate (PEM).",
			flags: caFlags(false), nargsMax: 0, run: runCAShow,
		},
		{
			name: "ca-sign", summary: "Sign a certificate signing request with a cluster's CA; prints the certificate (PEM).",
			flags: caFlags(true), nargsMax: 0, run: runCASign,
		},
		{
			name: "ca-rotate", summary: "Rotate a cluster's certificate authorities (new CAs and client certificates; old ones stop working).",
			details: `The new CAs are delivered to the nodes by a rolling update; the old ones stay in
force until it completes, and if it fails nothing changes. Clusters without TLS
have nothing to rotate. Example:
  magnum ca-rotate --cluster mycluster --wait`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&cf.cluster, "cluster", "", "cluster name or UUID (required)")
				fs.BoolVar(&st.wait, "wait", false, waitUsage)
			},
			nargsMax: 0, run: runCARotate,
		},
		{
			name: "cluster-config", args: "<cluster>",
			summary: "Write a cluster's client configuration (kubeconfig) and print the export line to use it.",
			details: `Writes <dir>/config (and with --output-certs ca.pem, cert.pem and key.pem, which
the config then refers to). Existing files are kept unless --force. The files
hold a client key: they are written with mode 0600.`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&st.cfg.dir, "dir", ".", "directory to write the files into")
				fs.BoolVar(&st.cfg.force, "force", false, "overwrite existing files")
				fs.BoolVar(&st.cfg.outputCerts, "output-certs", false, "write the CA, certificate and key as PEM files next to the config")
			},
			nargsMin: 1, nargsMax: 1, run: runClusterConfig,
		},
	}
}

func runCAShow(ctx context.Context, e *env, _ []string) error {
	if e.st.cert.cluster == "" {
		return usagef(e.cmd, "--cluster is required")
	}
	e.syncNow(ctx)
	pem, err := e.m.ClusterCA(e.as(ctx), e.st.cert.cluster, e.st.cert.caType)
	if err != nil {
		return err
	}
	if e.g.format == "json" {
		return printJSON(e.io.Stdout, map[string]string{"cluster_uuid": e.st.cert.cluster, "pem": string(pem)})
	}
	_, err = e.io.Stdout.Write(pem)
	return err
}

func runCASign(ctx context.Context, e *env, _ []string) error {
	if e.st.cert.cluster == "" || e.st.cert.csr == "" {
		return usagef(e.cmd, "--cluster and --csr are required")
	}
	var csr []byte
	var err error
	if e.st.cert.csr == "-" {
		csr, err = readAllLimited(os.Stdin)
	} else {
		csr, err = os.ReadFile(e.st.cert.csr)
	}
	if err != nil {
		return usagef(e.cmd, "reading the CSR: %v", err)
	}
	e.syncNow(ctx)
	pem, err := e.m.SignCSR(e.as(ctx), e.st.cert.cluster, csr, e.st.cert.caType)
	if err != nil {
		return err
	}
	if e.g.format == "json" {
		return printJSON(e.io.Stdout, map[string]string{"cluster_uuid": e.st.cert.cluster, "pem": string(pem)})
	}
	_, err = e.io.Stdout.Write(pem)
	return err
}

func runCARotate(ctx context.Context, e *env, _ []string) error {
	if e.st.cert.cluster == "" {
		return usagef(e.cmd, "--cluster is required")
	}
	e.syncNow(ctx)
	before := e.orch.submitted.Load()
	c, err := e.m.RotateCA(e.as(ctx), e.st.cert.cluster)
	if err != nil {
		return err
	}
	return e.afterSubmit(ctx, before, c, false, fmt.Sprintf("Request to rotate the CA certificate for cluster %s has been accepted.", c.Name))
}

func runClusterConfig(ctx context.Context, e *env, args []string) error {
	f := e.st.cfg
	dir, err := filepath.Abs(f.dir)
	if err != nil {
		return usagef(e.cmd, "--dir: %v", err)
	}
	e.syncNow(ctx)
	opts := certs.KubeconfigOptions{}
	if f.outputCerts {
		opts.Dir = dir
	}
	cc, err := e.m.ClusterConfig(e.as(ctx), args[0], opts)
	if err != nil {
		return err
	}
	// Kubernetes: the kubeconfig, and with --output-certs the PEM files it
	// refers to. Docker (Swarm): the PEM files DOCKER_CERT_PATH names.
	docker := cc.DockerHost != ""
	var names []string
	if !docker {
		names = append(names, certs.FileKubeconfig)
	}
	if cc.Bundle != nil && (f.outputCerts || docker) {
		names = append(names, certs.FileCA, certs.FileCert, certs.FileKey)
	}
	if !f.force {
		for _, n := range names {
			p := filepath.Join(dir, n)
			if _, err := os.Stat(p); err == nil {
				return usagef(e.cmd, "%s exists; use --force to overwrite it", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	var extra map[string][]byte
	if !docker {
		extra = map[string][]byte{certs.FileKubeconfig: cc.Kubeconfig}
	}
	switch {
	case cc.Bundle != nil && (f.outputCerts || docker):
		err = cc.Bundle.WriteFiles(dir, extra)
	case !docker:
		if err = os.MkdirAll(dir, 0o700); err == nil {
			err = writeFile0600(filepath.Join(dir, certs.FileKubeconfig), cc.Kubeconfig)
		}
	}
	if err != nil {
		return fmt.Errorf("writing the cluster config: %w", err)
	}
	vars, err := cc.Env(dir)
	if err != nil {
		return err
	}
	if e.g.format == "json" {
		out := map[string]string{}
		for _, v := range vars {
			out[v.Name] = v.Value
		}
		return printJSON(e.io.Stdout, out)
	}
	for _, v := range vars {
		fmt.Fprintf(e.io.Stdout, "export %s=%s\n", v.Name, shellQuote(v.Value))
	}
	return nil
}
