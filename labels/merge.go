package labels

import "maps"

// Merge returns a new map holding base's labels overlaid by over's, as
// Magnum does for merge_labels=true. Neither argument is modified. The result
// is nil only when both arguments are nil.
func Merge(base, over Labels) Labels {
	if base == nil && over == nil {
		return nil
	}
	out := make(Labels, len(base)+len(over))
	maps.Copy(out, base)
	maps.Copy(out, over)
	return out
}
