package template_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

func TestCanonicalLabels(t *testing.T) {
	caps := template.Capabilities{COE: "x", LabelAliases: map[string]string{
		"rexray-preempt": "rexray_preempt",
		"rexray.preempt": "rexray_preempt",
		"work-dir":       "work_dir",
		"self":           "self", // ignored: not a rename
	}}
	tests := []struct {
		name    string
		in      labels.Labels
		want    labels.Labels
		renamed map[string]string
		bad     []string // fields of the problems
	}{
		{"nil", nil, nil, nil, nil},
		{"nothing to rename", labels.Labels{"rexray_preempt": "true", "other": "x"},
			labels.Labels{"rexray_preempt": "true", "other": "x"}, nil, nil},
		{"alias renamed, others kept", labels.Labels{"rexray-preempt": "true", "other-label": "x"},
			labels.Labels{"rexray_preempt": "true", "other-label": "x"}, map[string]string{"rexray-preempt": "rexray_preempt"}, nil},
		{"two aliases of two labels", labels.Labels{"rexray-preempt": "false", "work-dir": "/var/lib/mesos"},
			labels.Labels{"rexray_preempt": "false", "work_dir": "/var/lib/mesos"},
			map[string]string{"rexray-preempt": "rexray_preempt", "work-dir": "work_dir"}, nil},
		{"alias and canonical agree", labels.Labels{"rexray-preempt": "true", "rexray_preempt": "true"},
			labels.Labels{"rexray_preempt": "true"}, map[string]string{"rexray-preempt": "rexray_preempt"}, nil},
		{"alias and canonical disagree", labels.Labels{"rexray-preempt": "true", "rexray_preempt": "false"},
			labels.Labels{"rexray_preempt": "false"}, map[string]string{"rexray-preempt": "rexray_preempt"},
			[]string{"labels/rexray-preempt"}},
		{"two aliases disagree", labels.Labels{"rexray-preempt": "true", "rexray.preempt": "false"},
			labels.Labels{"rexray_preempt": "true"},
			map[string]string{"rexray-preempt": "rexray_preempt", "rexray.preempt": "rexray_preempt"},
			[]string{"labels/rexray.preempt"}},
		{"everything disagrees", labels.Labels{"rexray-preempt": "a", "rexray.preempt": "b", "rexray_preempt": "c"},
			labels.Labels{"rexray_preempt": "c"},
			map[string]string{"rexray-preempt": "rexray_preempt", "rexray.preempt": "rexray_preempt"},
			[]string{"labels/rexray-preempt", "labels/rexray.preempt"}},
		{"self-alias is no rename", labels.Labels{"self": "1"}, labels.Labels{"self": "1"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.in.Clone()
			got, renamed, err := caps.CanonicalLabels(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.renamed, renamed)
			assert.Equal(t, before, tt.in, "the input is left alone")
			if tt.bad == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			var fields []string
			for _, p := range errdefs.Problems(err) {
				fields = append(fields, p.Field)
				assert.Contains(t, p.Reason, "rexray_preempt", "the reason names the canonical label")
			}
			assert.Equal(t, tt.bad, fields)
		})
	}
}

func TestCanonicalLabelsWithoutAliases(t *testing.T) {
	l := labels.Labels{"rexray-preempt": "true"}
	got, renamed, err := template.Capabilities{COE: "x"}.CanonicalLabels(l)
	require.NoError(t, err)
	assert.Nil(t, renamed)
	assert.Equal(t, l, got)
}

// TestValidateChecksCanonicalLabels: the COE's label rules see the
// canonical names, and alias conflicts are validation problems.
func TestValidateChecksCanonicalLabels(t *testing.T) {
	caps := template.Capabilities{
		COE: "x", ServerTypes: []string{"vm"},
		LabelAliases: map[string]string{"rexray-preempt": "rexray_preempt"},
		ValidateLabels: func(l labels.Labels) error {
			if v, ok := l["rexray_preempt"]; ok && v != "true" && v != "false" {
				return errdefs.Invalid("labels/rexray_preempt", "must be true or false")
			}
			return nil
		},
	}
	cat := template.StaticCatalog{caps}
	tpl := func(l labels.Labels) *template.ClusterTemplate {
		t := &template.ClusterTemplate{COE: "x", ImageID: "img", Labels: l}
		template.ApplyDefaults(t, cat)
		return t
	}
	assert.NoError(t, template.Validate(tpl(labels.Labels{"rexray-preempt": "true"}), cat))
	err := template.Validate(tpl(labels.Labels{"rexray-preempt": "maybe"}), cat)
	assert.Equal(t, []string{"labels/rexray_preempt"}, fields(err), "the alias's value is checked under the canonical name")
	err = template.Validate(tpl(labels.Labels{"rexray-preempt": "true", "rexray_preempt": "false"}), cat)
	assert.Equal(t, []string{"labels/rexray-preempt"}, fields(err))
}
