package store

import (
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// Service is one running program (a magnum.Manager) sharing the store:
// Magnum's "service list". Host and Binary together identify it.
type Service struct {
	Host           string // identifies the instance (e.g. hostname/pid); with Binary unique
	Binary         string // e.g. "gomagnum-manager"
	ReportCount    int64  // heartbeats so far
	Disabled       bool
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time // the last heartbeat
}

// Clone returns a copy of s.
func (s *Service) Clone() *Service {
	c := *s
	return &c
}

// resService names services in errors.
const resService = "service"

// CheckService checks what HeartbeatService can check of s before touching
// storage: Host and Binary are set. Implementations of Store call it so
// they report these problems alike.
func CheckService(s *Service) error {
	if s == nil {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resService, Reason: "no service given"}
	}
	if s.Host == "" {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resService, Field: "host", Reason: "a service needs a host"}
	}
	if s.Binary == "" {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resService, ID: s.Host, Field: "binary", Reason: "a service needs a binary"}
	}
	return nil
}

// ServiceNotFound is the error of DeleteService for a missing record.
func ServiceNotFound(host, binary string) error {
	return errdefs.NotFound(resService, host+"/"+binary)
}
