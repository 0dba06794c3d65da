package template_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// shellMeta are the characters a shell or YAML treats specially in a value
// (quotes, expansion, command separators, redirection, grouping, comments).
// The glob characters * [ ] are not among them: no_proxy needs "*" and IPv6
// brackets, and they expand nothing inside quotes.
const shellMeta = "'\"`$\\;&|<>(){}!#~^?"

func unsafeRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(shellMeta, r) || r > unicode.MaxASCII
}

// FuzzValidate feeds arbitrary strings into a template's fields and labels.
// Validate must never panic, must report only ErrInvalid problems naming a
// field, and anything it accepts must be safe to write into a script: no
// control characters anywhere, and no quote, white space, control or shell
// metacharacter in proxies, no_proxy, insecure_registry,
// docker_storage_driver or label names.
func FuzzValidate(f *testing.F) {
	f.Add("kubernetes", "k8s", "fedora", "http://proxy:3128", "https://[::1]:8443", "localhost,.svc,10.0.0.0/8",
		"kube_tag", "v1.30", "8.8.8.8, 1.1.1.1", "10.0.0.1:5000", "overlay2", "tag", 6443, 10)
	f.Add("swarm", "", "", "http://$(id)", "https://p'x", "a b,c", "swarm_strategy", "spread", "8.8.8.8\n", "a b", "x;y", "\x00", 1, -1)
	f.Add("mesos", "m", "i", "http://:1", "ftp://x", ",", "a\nb", "\x1b", "", "", "devicemapper", "", 70000, 2)
	f.Add("kubernetes", "HTTP", "i", "HTTP://Proxy:3128", "HTTPS://p", "", "k", "", "", "", "", "", 0, 0)
	f.Add("nomad", "\u2028", "\xff", "http://ü:1", "http://a\u00a0b", "*", "", "", "::1", "[::1]:5000", "", "", 0, 0)
	reg := registry(f)
	f.Fuzz(func(t *testing.T, coe, name, image, httpProxy, httpsProxy, noProxy, labelKey, labelValue,
		dns, registryHost, storage, tags string, port, size int) {
		tpl := &template.ClusterTemplate{
			COE: coe, Name: name, ImageID: image, ExternalNetworkID: "public",
			HTTPProxy: httpProxy, HTTPSProxy: httpsProxy, NoProxy: noProxy,
			DNSNameServer: dns, InsecureRegistry: registryHost, DockerStorageDriver: storage, Tags: tags,
			APIServerPort: port, DockerVolumeSize: size,
			Labels: labels.Labels{labelKey: labelValue},
		}
		template.ApplyDefaults(tpl, reg)
		err := template.Validate(tpl, reg)
		if err != nil {
			problems := errdefs.Problems(err)
			if len(problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, p := range problems {
				if !errors.Is(p, errdefs.ErrInvalid) || p.Field == "" {
					t.Fatalf("bad problem %#v", p)
				}
				if strings.ContainsFunc(p.Field, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
					t.Fatalf("field name %q carries unsafe characters", p.Field)
				}
			}
			// Deterministic: the same input, the same report.
			if again := template.Validate(tpl, reg); again == nil || again.Error() != err.Error() {
				t.Fatalf("Validate is not deterministic:\n%v\n%v", err, again)
			}
			return
		}
		for field, v := range map[string]string{
			"http_proxy": httpProxy, "https_proxy": httpsProxy, "no_proxy": noProxy,
			"insecure_registry": registryHost, "docker_storage_driver": storage, "label name": labelKey,
		} {
			if i := strings.IndexFunc(v, unsafeRune); i >= 0 {
				t.Fatalf("accepted %s %q with unsafe character %q", field, v, v[i:])
			}
		}
		for field, v := range map[string]string{
			"coe": coe, "name": name, "image_id": image, "dns_nameserver": dns, "tags": tags, "label value": labelValue,
		} {
			if strings.ContainsFunc(v, unicode.IsControl) || !utf8.ValidString(v) {
				t.Fatalf("accepted %s %q with a control character or invalid UTF-8", field, v)
			}
		}
		if strings.ContainsFunc(dns, func(r rune) bool { return unicode.IsSpace(r) && r != ' ' }) {
			t.Fatalf("accepted dns_nameserver %q with white space other than spaces", dns)
		}
		if port != 0 && (port < 1024 || port > 65535) {
			t.Fatalf("accepted apiserver_port %d", port)
		}
		if size < 0 {
			t.Fatalf("accepted docker_volume_size %d", size)
		}
		for _, p := range []string{httpProxy, httpsProxy} {
			if lp := strings.ToLower(p); p != "" && !strings.HasPrefix(lp, "http://") && !strings.HasPrefix(lp, "https://") {
				t.Fatalf("accepted proxy %q", p)
			}
		}
	})
}
