package labels

import "testing"

func BenchmarkParse(b *testing.B) {
	const s = "kube_tag=v1.30.1,flannel_backend=vxlan,no_proxy=10.0.0.1,.example.org,auto_healing_enabled=true"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDictStringPython(b *testing.B) {
	const s = `{'kube_tag': 'v1.30.1', 'flannel_backend': 'vxlan', 'auto_healing_enabled': True, 'max_node_count': 5}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDictString(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDictStringJSON(b *testing.B) {
	const s = `{"kube_tag": "v1.30.1", "flannel_backend": "vxlan", "auto_healing_enabled": true, "max_node_count": 5}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDictString(s); err != nil {
			b.Fatal(err)
		}
	}
}
