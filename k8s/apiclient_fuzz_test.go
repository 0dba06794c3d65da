package k8s

import (
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

// FuzzParseLists feeds arbitrary answers to the list parsers: they never
// panic, and whatever they report came from the input.
func FuzzParseLists(f *testing.F) {
	for _, s := range []string{
		`{"kind":"NodeList","metadata":{"continue":"x"},"items":[{"metadata":{"name":"n"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}]}`,
		`{"kind":"PodList","items":[{"metadata":{"ownerReferences":[{"kind":"DaemonSet"}]},"spec":{"nodeName":"a"},"status":{"phase":"Running"}}]}`,
		`{"kind":"PodList","items":[{"spec":{"nodeName":"a"}}]}`, `null`, `[]`, `{"kind":"NodeList","items":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes, _, err := parseNodeList(data)
		if err == nil {
			for _, n := range nodes {
				assert.LessOrEqual(t, len(n.Name), len(data))
			}
		}
		counts := map[string]int{}
		if _, err := parsePodList(data, counts); err == nil {
			for name, c := range counts {
				assert.NotEmpty(t, name)
				assert.Positive(t, c)
			}
		}
	})
}

// FuzzCleanText: reasons are valid, bounded text without control characters.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"ok", "a\nb", "\x1b[31m", "\xff\xfe", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := cleanText(s)
		assert.LessOrEqual(t, len(out), maxReasonText+len("…"))
		for _, r := range out {
			assert.False(t, unicode.IsControl(r))
		}
		if len(s) <= maxReasonText {
			assert.Equal(t, out, cleanText(out), "idempotent for short text")
		}
	})
}
