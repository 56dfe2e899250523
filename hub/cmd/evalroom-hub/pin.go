package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/evalroom/evalroom/hub/pki"
)

// printEnrollCommand tells the technician what to run on the box, with the
// pin of the hub's CA so that the box can check the hub on first contact.
func printEnrollCommand(out io.Writer, data, token string) {
	b, err := os.ReadFile(filepath.Join(data, "tls", pki.CAFile))
	if err != nil {
		fmt.Fprintf(out, "on the box: evalroom-edge enroll --hub URL --token %s --ca-pin PIN\n(no CA in %s yet: start the hub once without --insecure-dev to make it, then run this again for the pin)\n", token, filepath.Join(data, "tls"))
		return
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return
	}
	fmt.Fprintf(out, "on the box: evalroom-edge enroll --hub https://HUB:8443 --token %s --ca-pin %s\n", token, pki.Pin(c))
}
