package neo4j

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	neo4jdriver "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

// Config says where the database is. The command reads it from NEO4J_URI,
// NEO4J_USER, NEO4J_PASSWORD and NEO4J_DATABASE or the config file.
type Config struct {
	// URI is any URI the driver supports: bolt://, bolt+s://, bolt+ssc://,
	// neo4j://, neo4j+s://, neo4j+ssc://. User and password may be given
	// in it (bolt://user:password@host:7687) when User is empty.
	URI string
	// User and Password authenticate with basic auth; both empty means no
	// authentication (a server with auth disabled).
	User     string
	Password string
	// Database is the database name; empty means the server's default.
	Database string
}

// String describes the configuration without the password.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = " password=***"
	}
	return fmt.Sprintf("neo4j uri=%s user=%s%s database=%s", redactURI(c.URI), c.User, pw, c.Database)
}

// GoString keeps %#v from printing the password too.
func (c Config) GoString() string { return c.String() }

// redactURI drops the password of a URI's user information.
func redactURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URI)"
	}
	return u.Redacted()
}

// Connect opens a driver for cfg and checks that the server answers
// (VerifyConnectivity). The caller closes the driver; one driver serves a
// whole process. Errors never contain the password.
func Connect(ctx context.Context, cfg Config) (neo4jdriver.DriverWithContext, error) {
	if cfg.URI == "" {
		return nil, errors.New("neo4j: no URI (set NEO4J_URI, e.g. bolt://127.0.0.1:7687)")
	}
	u, err := url.Parse(cfg.URI)
	if err != nil {
		// url.Parse's message quotes the whole URI, password included.
		return nil, errors.New("neo4j: NEO4J_URI is not a valid URI")
	}
	user, password := cfg.User, cfg.Password
	secrets := []string{cfg.Password}
	if u.User != nil {
		if user == "" {
			user = u.User.Username()
			password, _ = u.User.Password()
		}
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p, url.QueryEscape(p), url.PathEscape(p))
		}
		u.User = nil
	}
	where := u.String()
	auth := neo4jdriver.NoAuth()
	if user != "" || password != "" {
		auth = neo4jdriver.BasicAuth(user, password, "")
	}
	driver, err := neo4jdriver.NewDriverWithContext(where, auth, func(c *config.Config) {
		c.UserAgent = "kgeval"
	})
	if err != nil {
		return nil, redact(fmt.Errorf("neo4j: connect to %s: %w", where, err), secrets)
	}
	if err := driver.VerifyConnectivity(ctx); err != nil {
		_ = driver.Close(ctx)
		return nil, redact(fmt.Errorf("neo4j: connect to %s as %q: %w", where, user, err), secrets)
	}
	return driver, nil
}

// redactedError replaces secrets in a message and keeps the cause for
// errors.Is and errors.As.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

func redact(err error, secrets []string) error {
	msg := err.Error()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return &redactedError{msg: msg, cause: errors.Unwrap(err)}
}
