package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// stats serves GET /v1/stats[?project_id=&type=cluster] (1.4+).
func (h *handler) stats(w http.ResponseWriter, r *http.Request) {
	st := state(r.Context())
	if err := requireVersion(st.version, verStats, "stats"); err != nil {
		h.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	if t := q.Get("type"); t != "" && !strings.EqualFold(t, "cluster") {
		h.writeError(w, r, errdefs.Invalid("type", "invalid stats type %q: only cluster is supported", clip(t)))
		return
	}
	project := q.Get("project_id")
	if project == "*" {
		h.writeError(w, r, errdefs.Invalid("project_id", "invalid project_id"))
		return
	}
	if project == "" && st.caller.Admin {
		project = "*" // an admin without a project asks for every project
	}
	s, err := h.mgr.Stats(r.Context(), project)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// serviceView is a Magnum "mservice".
type serviceView struct {
	ID             int        `json:"id"`
	Host           string     `json:"host"`
	Binary         string     `json:"binary"`
	State          string     `json:"state"`
	ReportCount    int64      `json:"report_count"`
	Disabled       bool       `json:"disabled"`
	DisabledReason *string    `json:"disabled_reason"`
	ForcedDown     bool       `json:"forced_down"`
	LastSeenUp     *time.Time `json:"last_seen_up"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      *time.Time `json:"updated_at"`
}

// services serves GET /v1/mservices (admins).
func (h *handler) services(w http.ResponseWriter, r *http.Request) {
	ss, err := h.mgr.ListServices(r.Context())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	views := make([]serviceView, len(ss))
	for i, s := range ss {
		v := serviceView{ID: i + 1, Host: s.Host, Binary: s.Binary, State: s.State, ReportCount: s.ReportCount,
			Disabled: s.Disabled, CreatedAt: s.CreatedAt}
		if s.DisabledReason != "" {
			reason := s.DisabledReason
			v.DisabledReason = &reason
		}
		if !s.UpdatedAt.IsZero() {
			at := s.UpdatedAt
			v.LastSeenUp, v.UpdatedAt = &at, &at
		}
		views[i] = v
	}
	writeJSON(w, http.StatusOK, map[string]any{"mservices": views})
}
