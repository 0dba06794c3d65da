package api

import (
	"crypto/subtle"
	"fmt"
	"net/http"

	"github.com/gomagnum/magnum/policy"
)

// Authenticator says who sent a request. It returns an error wrapping
// ErrUnauthenticated for missing or invalid credentials (401), and other
// errors (errdefs kinds, e.g. errdefs.ErrUnavailable when the identity
// service cannot be reached) for anything else.
type Authenticator interface {
	Authenticate(r *http.Request) (policy.Caller, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (policy.Caller, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (policy.Caller, error) { return f(r) }

// TokenHeader is the header clients send their Keystone token in.
const TokenHeader = "X-Auth-Token"

// Static authenticates X-Auth-Token against a fixed table of tokens, for
// tests, demos and single-user programs. Tokens are compared in constant time.
type Static map[string]policy.Caller

// Authenticate returns the caller of the request's token.
func (s Static) Authenticate(r *http.Request) (policy.Caller, error) {
	tok := r.Header.Get(TokenHeader)
	if tok == "" {
		return policy.Caller{}, fmt.Errorf("no %s header: %w", TokenHeader, ErrUnauthenticated)
	}
	var (
		found  policy.Caller
		ok     bool
		tokenB = []byte(tok)
	)
	for k, c := range s {
		if subtle.ConstantTimeCompare([]byte(k), tokenB) == 1 {
			found, ok = c, true
		}
	}
	if !ok {
		return policy.Caller{}, fmt.Errorf("the token is not valid: %w", ErrUnauthenticated)
	}
	return found, nil
}
