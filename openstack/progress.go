package openstack

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gomagnum/magnum/heat"
)

var _ heat.ProgressReader = (*Orchestrator)(nil)

// StackProgress counts the stack's resources down to the configured
// nested depth, and those of them whose status is *_COMPLETE, with one
// resource list call.
func (o *Orchestrator) StackProgress(ctx context.Context, id string) (heat.ResourceProgress, error) {
	if err := checkID(id); err != nil {
		return heat.ResourceProgress{}, err
	}
	name, err := o.nameOf(ctx, id)
	if err != nil {
		return heat.ResourceProgress{}, err
	}
	q := url.Values{"nested_depth": {fmt.Sprint(o.cfg.nestedDepth())}}
	u := o.stackURL(name, id) + "/resources?" + q.Encode()
	var resp resourcesResponse
	err = o.retry(ctx, "list resources", id, func(ctx context.Context) error {
		resp = resourcesResponse{}
		return o.attempt(ctx, http.MethodGet, u, nil, &resp, http.StatusOK)
	})
	if err != nil {
		return heat.ResourceProgress{}, wrapErr(ctx, "list resources", id, err)
	}
	p := heat.ResourceProgress{Total: len(resp.Resources)}
	for _, r := range resp.Resources {
		if strings.HasSuffix(r.Status, "_COMPLETE") {
			p.Done++
		}
	}
	return p, nil
}
