package k8s_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// fixture is the bootstrap material of testdata/bootstrap.
type fixture struct {
	ca, etcdCA, proxyCA, saKey []byte
}

func getFixture(t testing.TB) *fixture {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/bootstrap/" + name)
		require.NoError(t, err)
		return b
	}
	return &fixture{ca: read("ca.pem"), etcdCA: read("etcd-ca.pem"), proxyCA: read("front-proxy-ca.pem"), saKey: read("sa-key.pem")}
}

// variant is one point of the template matrix.
type variant struct {
	TLSDisabled     bool
	MasterLB        bool
	FloatingIP      bool
	DockerVolume    bool
	ExistingNetwork bool
	Masters         int
	Workers         int
	Calico          bool
	EtcdVolume      bool
}

// input returns a plausible input for a variant.
func input(t testing.TB, v variant) k8s.Input {
	t.Helper()
	f := getFixture(t)
	fip := v.FloatingIP
	tmpl := &template.ClusterTemplate{
		UUID: "0b7e2a4c-1111-4d2e-9f00-5c6d7e8f9a0b", Name: "k8s-template", COE: "kubernetes",
		ImageID: "fedora-atomic-29", ClusterDistro: "fedora-atomic", ServerType: "vm",
		KeyPairID: "default", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
		ExternalNetworkID: "public", DNSNameServer: "8.8.8.8, 1.1.1.1",
		NetworkDriver: "flannel", VolumeDriver: "cinder",
		TLSDisabled: v.TLSDisabled, MasterLBEnabled: v.MasterLB, FloatingIPEnabled: &fip,
		Labels: labels.Labels{"kube_tag": "v1.30.4"},
	}
	if v.Calico {
		tmpl.NetworkDriver = "calico"
	}
	if v.ExistingNetwork {
		tmpl.FixedNetwork, tmpl.FixedSubnet = "cluster-net", "cluster-subnet"
	}
	if v.DockerVolume {
		tmpl.DockerVolumeSize = 20
	}
	masters, workers := v.Masters, v.Workers
	if masters == 0 {
		masters = 1
	}
	if workers == 0 {
		workers = 2
	}
	lbl := labels.Labels{"kube_tag": "v1.30.4", "availability_zone": "nova"}
	if v.EtcdVolume {
		lbl["etcd_volume_size"] = "10"
	}
	c := &cluster.Cluster{
		UUID: "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f", Name: "prod-cluster", ProjectID: "p", UserID: "u",
		ClusterTemplateID: tmpl.UUID, NodeCount: workers, MasterCount: masters, Labels: lbl,
		CreateTimeout: 60,
	}
	return k8s.Input{
		Template: tmpl,
		Cluster:  c,
		NodeGroups: []*cluster.NodeGroup{
			{UUID: "m", Name: cluster.DefaultMasterGroup, Role: cluster.RoleMaster, NodeCount: masters, IsDefault: true},
			{UUID: "w", Name: cluster.DefaultWorkerGroup, Role: cluster.RoleWorker, NodeCount: workers, IsDefault: true},
		},
		Bootstrap: k8s.Bootstrap{
			CACert: f.ca, EtcdCACert: f.etcdCA, FrontProxyCACert: f.proxyCA,
			SignURL: "https://magnum.example.com:9511/v1", AuthURL: "https://keystone.example.com:5000/v3",
			RegionName:        "RegionOne",
			Trustee:           k8s.Trustee{UserID: "trustee-user", Password: "s3cr3t'$(x)", TrustID: "trust-id"},
			ServiceAccountKey: f.saKey,
		},
	}
}
