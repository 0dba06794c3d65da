package labels

// MaxKeyLength is the longest label name accepted by ValidKey.
const MaxKeyLength = 255

// ValidKey reports whether k is an acceptable label name: 1 to MaxKeyLength
// ASCII letters, digits, '.', '_', '-' and '/' (so "kube_tag" and
// "kubernetes.io/role" are valid names).
//
// The parsers in this package do not call it: which names are acceptable is
// a validation rule of the resource that owns the labels.
func ValidKey(k string) bool {
	if k == "" || len(k) > MaxKeyLength {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == '-', c == '/':
		default:
			return false
		}
	}
	return true
}
