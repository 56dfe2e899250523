package recstore

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
)

const s3Scheme = "s3://"

// S3Config is an object store as --store names it.
type S3Config struct {
	Bucket   string
	Endpoint string // host:port
	Secure   bool   // https
	Region   string
}

// urlHelp is the contract, said whenever a URL is refused.
const urlHelp = "give --store s3://BUCKET?endpoint=http://HOST:PORT&region=REGION (https:// for TLS), or leave it out for pack files in the data directory"

// bucketName is S3's rule for bucket names.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ParseURL reads s3://BUCKET?endpoint=http://HOST:PORT&region=R. The region
// defaults to us-east-1; any other key is refused.
func ParseURL(spec string) (S3Config, error) {
	var c S3Config
	u, err := url.Parse(spec)
	if err != nil || u.Scheme != "s3" || u.Opaque != "" || u.User != nil {
		return c, fmt.Errorf("store %q is not an s3:// URL: %s", spec, urlHelp)
	}
	if !bucketName.MatchString(u.Host) {
		return c, fmt.Errorf("store %q: bucket %q is not an S3 bucket name (3-63 lower-case letters, digits, dots and dashes): %s", spec, u.Host, urlHelp)
	}
	if u.Path != "" && u.Path != "/" {
		return c, fmt.Errorf("store %q: a bucket only, no path (%q): %s", spec, u.Path, urlHelp)
	}
	c.Bucket = u.Host
	q := u.Query()
	for k := range q {
		if k != "endpoint" && k != "region" {
			return c, fmt.Errorf("store %q: unknown parameter %q: %s", spec, k, urlHelp)
		}
	}
	ep, err := url.Parse(q.Get("endpoint"))
	if q.Get("endpoint") == "" || err != nil || (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" || strings.Trim(ep.Path, "/") != "" {
		return c, fmt.Errorf("store %q: endpoint %q is not http://HOST:PORT or https://HOST:PORT: %s", spec, q.Get("endpoint"), urlHelp)
	}
	c.Endpoint, c.Secure = ep.Host, ep.Scheme == "https"
	c.Region = q.Get("region")
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	return c, nil
}

// Credentials are an object store's access key and secret.
type Credentials func() (access, secret string, err error)

// EnvCredentials reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as
// every S3 tool does.
func EnvCredentials() (string, string, error) {
	access, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if access == "" || secret == "" {
		return "", "", fmt.Errorf("the object store needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the hub's environment (e.g. in its systemd unit's EnvironmentFile)")
	}
	return access, secret, nil
}
